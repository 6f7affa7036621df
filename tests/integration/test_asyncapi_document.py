"""The gateway serves FastStream's own AsyncAPI document of the routers the handlers and relay run: every command
subject, the activity subject and every event subject, each with its payload schema, and the envelope header."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import unquote

import jsonschema_rs
import pytest

from base.subjects import activity_subject, command_subject, event_subject
from commands.envelope import HEADER
from commands.handlers import COMMAND_HANDLERS
from commands.store import MemoryEventStore
from domain.events import EVENT_TYPES
from tests.unit.test_reward_request_commands import promotion, request

pytestmark = pytest.mark.integration


def _payload(doc: dict[str, Any], address: str) -> dict[str, Any]:
    """The resolved payload schema of the one message on the channel at `address`."""
    channel = next(c for c in doc["channels"].values() if c["address"] == address)
    (message_ref,) = channel["messages"].values()
    message = doc["components"]["messages"][_name(message_ref["$ref"])]
    return message | {"payload": doc["components"]["schemas"][_name(message["payload"]["$ref"])]}


def _name(ref: str) -> str:
    """The component a `#/components/<kind>/<name>` reference names (a URI fragment: percent-encoded)."""
    return unquote(ref.rsplit("/", 1)[-1])


async def test_the_served_asyncapi_document_lists_every_subject_with_its_payload(platform) -> None:
    response = await platform.client.get("/docs/asyncapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["asyncapi"].startswith("3.")
    for command in COMMAND_HANDLERS:
        message = _payload(doc, command_subject(command.subject_name()))
        assert set(message["payload"].get("properties", {})) == set(command.model_json_schema()["properties"])
        assert HEADER in message["headers"]["required"]
    assert "userId" in _payload(doc, activity_subject("*"))["payload"]["properties"]
    registered = _payload(doc, event_subject("User", "UserRegistered"))["payload"]
    assert {"eventId", "position", "data"} <= set(registered["properties"])
    events = {event_subject(c.AGGREGATE, n) for n, c in EVENT_TYPES.items() if c.AGGREGATE and not n.startswith("_")}
    assert events <= {c["address"] for c in doc["channels"].values()}
    assert "CommandReply" in doc["components"]["schemas"]


async def test_the_asyncapi_viewer_page_embeds_the_document(platform) -> None:
    response = await platform.client.get("/docs/asyncapi")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "rewards.cmd.RegisterUser" in response.text


async def test_the_asyncapi_viewer_loads_only_from_the_gateway(platform) -> None:
    """Offline like Swagger UI: every script and style the page names is served by the gateway itself."""
    page = (await platform.client.get("/docs/asyncapi")).text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(url.startswith("/docs/asyncapi-assets/") for url in urls), urls
    for url in urls:
        asset = await platform.client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 10_000, url


async def test_the_request_events_carry_the_shapes_a_game_server_applies(platform) -> None:
    """The document's schema of `RewardGranted` (envelope, payload, the typed reward) and of `RewardRequested` (its
    evaluation) accepts the very envelopes the relay publishes, and nothing free-form is left in them."""
    doc = (await platform.client.get("/docs/asyncapi.json")).json()
    granted = _payload(doc, event_subject("RewardRequest", "RewardGranted"))
    data = doc["components"]["schemas"][_name(granted["payload"]["properties"]["data"]["$ref"])]
    reward = doc["components"]["schemas"][_name(data["properties"]["reward"]["$ref"])]
    assert reward["discriminator"]["propertyName"] == "type"
    assert set(reward["discriminator"]["mapping"]) == {"POINT", "ITEM", "COUPON", "BADGE"}
    point = doc["components"]["schemas"][_name(reward["discriminator"]["mapping"]["POINT"])]
    assert set(point["required"]) == {"id", "type", "name", "points"}
    assert "grant-consumer" in next(c for c in doc["channels"].values()
                                    if c["address"] == event_subject("RewardRequest", "RewardGranted"))["description"]

    store = MemoryEventStore()
    event_id, reward_id = await promotion(store, {"login_days": {"min": 0}}, autoResolve=True)
    assert (await request(store, event_id, reward_id, "u1")).ok
    published = {e.type: e.envelope() for e in await store.read_all(1)}
    for event_type in ("RewardRequested", "RewardRequestApproved", "RewardGranted"):
        payload = _payload(doc, event_subject("RewardRequest", event_type))["payload"]
        validator = jsonschema_rs.Draft202012Validator({**payload, "components": doc["components"]})
        envelope = json.loads(json.dumps(published[event_type]))
        assert validator.is_valid(envelope), [str(e) for e in validator.iter_errors(envelope)]
        broken = copy.deepcopy(envelope)
        if event_type == "RewardGranted":
            broken["data"]["reward"]["points"] = "100"
        elif event_type == "RewardRequested":
            broken["data"]["evaluation"]["eligible"] = "yes"
        else:
            broken["data"]["decidedAt"] = None
        assert not validator.is_valid(broken), event_type
