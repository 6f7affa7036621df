"""The in-memory subscriber tests of tests/unit/test_command_subscribers.py, rerun against the real NATS server
(`TestNatsBroker(..., with_real=True)`) and the real store: the same routers, queue group and request-reply."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from faststream.nats import TestNatsBroker

from base.nats_auth import ADMIN, NatsCredentials
from brokers.nats import connect_options
from commands.envelope import EnvelopeSigner
from commands.store.mongo import MongoEventStore
from tests.unit.test_command_subscribers import (  # noqa: F401  (collected here, with this module's `bus`)
    Bus,
    handler_broker,
    test_a_body_the_typed_subscriber_refuses_gets_invalid_input_with_pointers,
    test_a_caller_without_the_role_is_forbidden_whatever_the_body,
    test_a_missing_or_mismatched_envelope_is_refused_before_the_command_runs,
    test_a_signed_valid_command_is_answered_with_its_outcome,
    test_an_activity_report_may_leave_its_kind_to_the_subject_and_errors_point_into_it,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(server_env: dict[str, str], mongo_db: Any, nats_credentials: NatsCredentials) -> AsyncIterator[Bus]:
    """Connected as the unrestricted test identity: these tests are about the subscribers, not NATS permissions."""
    key, store = Ed25519PrivateKey.generate(), MongoEventStore(mongo_db)
    login = connect_options(nats_credentials.settings_for(ADMIN, server_env["NATS_URL"]))
    broker = handler_broker(store, key, f"q{uuid.uuid4().hex[:8]}", servers=server_env["NATS_URL"], **login)
    try:
        async with TestNatsBroker(broker, with_real=True) as real:
            yield Bus(real, store, EnvelopeSigner(key))
    finally:
        await store.close()
