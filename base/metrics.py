"""Every Prometheus metric of the platform, defined once. Each process exposes the ones it updates."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

HTTP_LATENCY = Histogram("ledger_http_request_seconds", "Gateway request latency",
                         ["method", "route", "status"], buckets=_FAST)
COMMAND_LATENCY = Histogram("ledger_command_seconds", "Command round trip (gateway) or handling (handler)",
                            ["command", "outcome", "side"], buckets=_FAST)
APPEND_LATENCY = Histogram("ledger_store_append_seconds", "Event store append latency, per commit", buckets=_FAST)
APPEND_BATCH = Histogram("ledger_store_group_commit_size", "Commits written per store round trip",
                         buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
APPEND_CONFLICTS = Counter("ledger_store_append_conflicts_total",
                           "Appends refused or retried, by kind (position race, stream version, claim)", ["kind"])
PROJECTION_LAG_EVENTS = Gauge("ledger_projection_lag_events", "Store head minus projection checkpoint",
                              ["projection"])
PROJECTION_LAG_SECONDS = Gauge("ledger_projection_lag_seconds",
                               "Age of the newest event a projection has folded, while behind", ["projection"])
PROJECTION_POSITION = Gauge("ledger_projection_position", "Projection checkpoint", ["projection"])
RELAY_POSITION = Gauge("ledger_relay_position", "Last store position published to JetStream")
NATS_ERRORS = Counter("ledger_nats_errors_total", "NATS errors (timeouts, no responders, publish failures)",
                      ["where", "kind"])
PROJECTION_STOPPED = Gauge("ledger_projection_stopped",
                           "1 while a projection is stopped before an event it cannot fold, else 0", ["projection"])
PROJECTION_STOPPED_POSITION = Gauge("ledger_projection_stopped_position",
                                    "Store position of the event a projection stopped before (0 = running)",
                                    ["projection"])
DEPENDENCY_UP = Gauge("ledger_dependency_up",
                      "1 when the gateway reached the server at its last /metrics scrape, else 0 (readiness checks)",
                      ["dependency"])
RELAY_STOPPED = Gauge("ledger_relay_stopped", "1 while the relay is stopped before an event it cannot map, else 0")
RELAY_STOPPED_POSITION = Gauge("ledger_relay_stopped_position",
                               "Store position of the event the relay stopped before (0 = running)")

# Business figures (projections/business_metrics.py): gauges the projectors process refreshes from the read models
# every few seconds, so they equal the dashboards' numbers and survive restarts and replays. No per-user or
# per-reward labels: the label values are fixed sets.
BUSINESS_REQUESTS = Gauge("ledger_business_reward_requests", "Reward requests by current status (dashboard totals)",
                          ["status"])
BUSINESS_PROMOTIONS = Gauge("ledger_business_promotions", "Promotions (events) by status (dashboard totals)",
                            ["status"])
BUSINESS_USERS = Gauge("ledger_business_users", "Registered users (dashboard totals)")
BUSINESS_GRANTED = Gauge("ledger_business_rewards_granted",
                         "Grants counted against the rewards attached to promotions now (event rewards read model)")
BUSINESS_STOCK_REMAINING = Gauge("ledger_business_stock_remaining",
                                 "Units left across attached rewards with a limited stock")
BUSINESS_ATTACHED = Gauge("ledger_business_attached_rewards",
                          "Rewards attached to promotions: limited or unlimited stock, and sold_out (of the limited)",
                          ["stock"])
BUSINESS_REFRESHED = Gauge("ledger_business_refreshed_timestamp_seconds",
                           "When the business figures were last read from the read models (Unix time)")
