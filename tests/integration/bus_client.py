"""A raw NATS client on the command bus, as an attacker without the platform key would use it: any subject, any
headers, any body. It connects as the `gateway` NATS identity, the one allowed to publish commands, so these tests
show the second layer alone: a leaked gateway NATS password, or an external bus run without permissions, still
cannot forge a caller (the handlers check the signed envelope)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from nats.aio.client import Client as NatsClient


async def raw_command(platform: Any, name: str, body: dict[str, Any] | bytes,
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Send `rewards.cmd.<name>` as the gateway's NATS identity and return the decoded reply."""
    nc = NatsClient()
    await nc.connect(platform.env["NATS_URL"], **platform.nats_login("gateway"))
    try:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        msg = await nc.request(f"rewards.cmd.{name}", data, timeout=5,
                               headers={"Command-Id": uuid.uuid4().hex, **(headers or {})})
        return dict(json.loads(msg.data))
    finally:
        await nc.close()
