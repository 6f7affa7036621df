"""The request fingerprint kept beside an idempotent answer must not let whoever reads Valkey (or its append-only
file) test password guesses against a stored registration: it is keyed by a secret the gateway holds."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gateway.idempotency import IdempotentRequest, fingerprint_secret

BODY = b'{"email": "alice@example.com", "password": "correct horse battery"}'
SCOPE = {"method": "POST", "path": "/auth/users", "query_string": b"", "state": {}}


def test_the_fingerprint_is_keyed_by_the_gateway_signing_key(tmp_path: Path):
    mine, other = fingerprint_secret(tmp_path / "a.pem"), fingerprint_secret(tmp_path / "b.pem")
    assert fingerprint_secret(tmp_path / "a.pem") == mine  # stable across restarts and replicas sharing the key
    fingerprint = IdempotentRequest.of(SCOPE, "k", BODY, mine).fingerprint
    assert fingerprint != IdempotentRequest.of(SCOPE, "k", BODY, other).fingerprint
    unkeyed = {hashlib.sha256(BODY).hexdigest(), hashlib.sha256(b"POST /auth/users?\n" + BODY).hexdigest()}
    assert fingerprint not in unkeyed


def test_a_different_body_path_or_query_is_a_different_request(tmp_path: Path):
    secret = fingerprint_secret(tmp_path / "k.pem")
    base = IdempotentRequest.of(SCOPE, "k", BODY, secret)
    assert IdempotentRequest.of(SCOPE, "k", BODY, secret) == base
    for scope, body in [(SCOPE, BODY + b" "), (SCOPE | {"path": "/auth/login"}, BODY),
                        (SCOPE | {"query_string": b"a=1"}, BODY)]:
        assert IdempotentRequest.of(scope, "k", body, secret).fingerprint != base.fingerprint
