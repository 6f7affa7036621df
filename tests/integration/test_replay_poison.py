"""Replay meets an event the projection cannot fold: one line naming it, a non-zero exit, the live model as it was
and no collection left aside; projections that do not fold that type still replay."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from commands.store.base import NewCommit
from commands.store.mapper import commit_to_doc
from commands.store.mongo import COMMITS, MongoEventStore
from domain.reward import BadgeReward, RewardCreated
from domain.user import Role, UserRegistered
from projections.pointers import load_pointer
from projections.registry import all_projections
from projections.runner import ProjectionRunner

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def replay_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ops.cli", "replay", *args], env=env, capture_output=True,
                          text=True, timeout=60)


async def test_replay_reports_the_event_it_cannot_fold_and_leaves_the_live_model(server_env, mongo_db) -> None:
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await store.append(NewCommit("Reward-r1", 0, [RewardCreated(
        reward_id="r1", spec=BadgeReward(name="First", badge_id="b-1"), created_by=None, created_at=T0)]))
    await store.append(NewCommit("User-u1", 0, [UserRegistered(
        user_id="u1", email="u1@example.com", password_hash="h", roles=[Role.USER], registered_at=T0)]))
    bad = {"id": uuid.uuid4().hex, "type": "RewardCreated", "schema": 1,
           "data": {"rewardId": "r2", "spec": {"type": "BADGE", "name": "Bad"}, "createdBy": None,
                    "createdAt": "2026-11-01T00:00:00Z"}}
    await mongo_db[COMMITS].insert_one(commit_to_doc("Reward-r2", 1, 3, [bad], uuid.uuid4().hex, None, None, None,
                                                     None, T0))
    rewards = ProjectionRunner(mongo_db, store, all_projections()["rewards"])
    await rewards.catch_up()
    assert rewards.stopped is not None and rewards.stopped.position == 3
    live = await load_pointer(mongo_db, "rewards")
    before = [d async for d in mongo_db[live.collection].find()]

    env = {**os.environ, **server_env, "REPLAY_DROP_GRACE_SECONDS": "0"}
    failed = await asyncio.to_thread(replay_cli, env, "rewards")
    assert failed.returncode == 1, failed.stderr
    lines = [line for line in failed.stderr.splitlines() if "cannot fold" in line]
    assert len(lines) == 1 and "rewards cannot fold the event at position 3 (RewardCreated)" in lines[0], failed.stderr
    assert "spec.BADGE.badgeId: Field required" in lines[0] and "live read model left as it was" in lines[0]
    assert await load_pointer(mongo_db, "rewards") == live
    assert [d async for d in mongo_db[live.collection].find()] == before
    names: list[Any] = await mongo_db.list_collection_names()
    assert [n for n in names if n.startswith("rm_rewards_")] == [live.collection]

    everything = await asyncio.to_thread(replay_cli, env, "--all")
    assert everything.returncode == 1 and "users: switched to rm_users_" in everything.stdout, everything.stderr
