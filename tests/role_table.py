"""Who may call each route: the one table the role matrix test (tests/integration/test_role_matrix.py) checks every
route of the app against. A new route without a row fails that test: add its row here.

Values: PUBLIC (no token needed), SIGNED_IN (any valid token), or the set of roles of which one is enough."""

from __future__ import annotations

PUBLIC = "public"
SIGNED_IN = "signed-in"
ROLES = ("USER", "OPERATOR", "AUDITOR", "ADMIN")
ADMIN = frozenset({"ADMIN"})
OPERATORS = frozenset({"OPERATOR", "ADMIN"})
READERS = frozenset({"OPERATOR", "ADMIN", "AUDITOR"})

Access = str | frozenset[str]

#: (method, route path as Litestar lists it) -> who may call it.
ROLE_TABLE: dict[tuple[str, str], Access] = {
    # ops and docs
    ("GET", "/health/live"): PUBLIC,
    ("GET", "/health/ready"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/{path:str}"): PUBLIC,
    ("GET", "/docs/openapi.json"): PUBLIC,
    ("GET", "/docs/oauth2-redirect.html"): PUBLIC,
    ("GET", "/docs/assets/{file_path:path}"): PUBLIC,
    ("HEAD", "/docs/assets/{file_path:path}"): PUBLIC,
    ("GET", "/docs/asyncapi-assets/{file_path:path}"): PUBLIC,
    ("HEAD", "/docs/asyncapi-assets/{file_path:path}"): PUBLIC,
    ("GET", "/console"): PUBLIC,  # the operator console's static files (html_mode); its data comes from the API
    ("GET", "/console/{file_path:path}"): PUBLIC,
    ("HEAD", "/console/{file_path:path}"): PUBLIC,
    ("GET", "/docs/asyncapi"): PUBLIC,
    ("GET", "/docs/asyncapi.json"): PUBLIC,
    # auth: sessions (refresh and logout are authenticated by the refresh cookie, not a bearer token)
    ("GET", "/auth/test"): PUBLIC,
    ("POST", "/auth/users"): PUBLIC,
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/refresh"): PUBLIC,
    ("POST", "/auth/logout"): PUBLIC,
    ("GET", "/auth/me"): SIGNED_IN,
    # auth: user administration
    ("GET", "/auth/users/email"): ADMIN,
    ("GET", "/auth/users/{id:str}"): ADMIN,
    ("PATCH", "/auth/users/{id:str}/roles"): ADMIN,
    ("PUT", "/auth/users/{id:str}/roles"): ADMIN,
    # events and rewards (SPEC "HTTP API")
    ("POST", "/events"): OPERATORS,
    ("GET", "/events"): SIGNED_IN,
    ("GET", "/events/{eventId:str}"): SIGNED_IN,
    ("PATCH", "/events/{eventId:str}"): OPERATORS,
    ("POST", "/events/{eventId:str}/activate"): OPERATORS,
    ("POST", "/events/{eventId:str}/deactivate"): OPERATORS,
    ("POST", "/events/{eventId:str}/rewards"): OPERATORS,
    ("GET", "/events/{eventId:str}/rewards"): SIGNED_IN,
    ("PATCH", "/events/{eventId:str}/rewards/{rewardId:str}"): OPERATORS,
    ("DELETE", "/events/{eventId:str}/rewards/{rewardId:str}"): OPERATORS,
    ("POST", "/rewards/{type:str}"): OPERATORS,
    ("GET", "/rewards"): SIGNED_IN,
    ("POST", "/activities"): OPERATORS,  # or the service token
    ("POST", "/conditions/preview"): OPERATORS,
    # reward requests (a USER requests for themselves; the listing and detail filter by owner, not by guard)
    ("POST", "/events/{eventId:str}/request-reward"): frozenset({"USER"}),
    ("GET", "/reward-requests"): SIGNED_IN,
    ("GET", "/reward-requests/{requestId:str}"): SIGNED_IN,
    ("PATCH", "/reward-requests/{requestId:str}"): OPERATORS,
    # dashboards (docs/dashboards.md)
    ("GET", "/dashboard"): READERS,
    ("GET", "/dashboard/event-analytics"): READERS,
    ("GET", "/dashboard/reward-analytics"): READERS,
    ("GET", "/dashboard/user-analytics"): READERS,
    # audit trail (the store's events, security events included) and a promotion's history
    ("GET", "/audit"): frozenset({"ADMIN", "AUDITOR"}),
    ("GET", "/events/{eventId:str}/history"): READERS,
}
