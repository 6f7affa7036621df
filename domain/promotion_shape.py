"""The one shape of a promotion and of a reward attached to it: the document the read models hold, and the one
rendering of that document as the API's `Event` and `EventReward`.

Both sides render through here: the read side renders the document it folded (projections/events.py,
projections/event_rewards.py), a handler renders the document of the aggregate it just changed
(`promotion_document`, `promotion_reward_document`), so a write answers what a later read shows. Rules are kept
in documents as stored (`{version, rule}`) and upcast when rendered, so a later language version needs no replay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.clock import iso
from domain.conditions import condition_to_json
from domain.promotion import Promotion, RewardTerms, remaining
from domain.stored_condition import StoredCondition, load_condition, store_condition


def stored(condition: StoredCondition | None) -> dict[str, Any] | None:
    """A stored rule as a document keeps it."""
    return None if condition is None else condition.model_dump()


def rule_json(doc_value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The current-version JSON of a rule kept in a document as `{version, rule}`."""
    return None if doc_value is None else condition_to_json(load_condition(StoredCondition(**doc_value)))


def details_document(name: str, description: str, period_start: datetime, period_end: datetime | None,
                     reward_condition: StoredCondition | None) -> dict[str, Any]:
    """The editable details, from the aggregate's state or from `EventCreated`/`EventUpdated`."""
    return {"name": name, "description": description, "periodStart": iso(period_start),
            "periodEnd": iso(period_end), "rewardCondition": stored(reward_condition)}


def promotion_document(promotion: Promotion) -> dict[str, Any]:
    """The aggregate's state as the `events` read model holds it (without its query keys)."""
    d = promotion.details
    return {"_id": promotion.id, **details_document(d.name, d.description, d.period_start, d.period_end,
                                                    store_condition(d.reward_condition)),
            "status": str(promotion.status), "createdBy": promotion.created_by,
            "createdAt": iso(promotion.created_at), "updatedAt": iso(promotion.updated_at)}


def promotion_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The API's `Event`."""
    return {"id": doc["_id"], "name": doc["name"], "description": doc["description"],
            "periodStart": doc["periodStart"], "periodEnd": doc.get("periodEnd"), "status": doc["status"],
            "rewardCondition": rule_json(doc.get("rewardCondition")), "createdBy": doc.get("createdBy"),
            "createdAt": doc["createdAt"], "updatedAt": doc["updatedAt"]}


def promotion_reward_document(promotion_id: str, terms: RewardTerms) -> dict[str, Any]:
    """A reward's terms in one promotion as the `event_rewards` read model holds them (without its bookkeeping)."""
    return {"eventId": promotion_id, "rewardId": terms.reward_id, "reward": terms.reward,
            "condition": stored(store_condition(terms.condition)), "autoResolve": terms.auto_resolve,
            "stock": terms.stock, "perUserLimit": terms.per_user_limit, "granted": terms.granted}


def promotion_reward_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The API's `EventReward`; `remaining` is derived here, so no fold has to read before it writes."""
    stock, granted = doc.get("stock"), int(doc.get("granted", 0))
    return {"eventId": doc["eventId"], "rewardId": doc["rewardId"], "reward": doc["reward"],
            "condition": rule_json(doc.get("condition")), "autoResolve": doc["autoResolve"], "stock": stock,
            "remaining": remaining(stock, granted), "perUserLimit": doc["perUserLimit"]}
