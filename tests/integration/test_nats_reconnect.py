"""Every part's NATS client reconnects forever: nats-py gives up after 60 attempts (2 minutes) by default, and after
that every command failed until the part was restarted."""

from __future__ import annotations

from base.nats_auth import HANDLERS
from brokers.nats import connect_options, make_broker


async def test_the_broker_reconnects_forever(server_env, nats_credentials):
    nats = nats_credentials.settings_for(HANDLERS, server_env["NATS_URL"])
    broker = make_broker(nats.url, **connect_options(nats))
    await broker.connect()
    try:
        options = broker.connection.options
        assert options["allow_reconnect"] and options["max_reconnect_attempts"] == -1
    finally:
        await broker.stop()
