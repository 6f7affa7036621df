"""A raw NATS client on the command bus, as an attacker (or a misconfigured service) without the platform key
would use it: any subject, any headers, any body."""

from __future__ import annotations

import json
import uuid
from typing import Any

from nats.aio.client import Client as NatsClient


async def raw_command(url: str, name: str, body: dict[str, Any] | bytes,
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Send `rewards.cmd.<name>` and return the decoded reply."""
    nc = NatsClient()
    await nc.connect(url)
    try:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        msg = await nc.request(f"rewards.cmd.{name}", data, timeout=5,
                               headers={"Command-Id": uuid.uuid4().hex, **(headers or {})})
        return dict(json.loads(msg.data))
    finally:
        await nc.close()
