"""Access-token attacks against a guarded route: every forged, stale or foreign token is a 401 problem."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

pytestmark = pytest.mark.integration


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
async def forge(platform, auth):
    """A real user, its valid token, and a signer using the gateway's own key with chosen claims/headers."""
    user = await auth.user("ADMIN")
    tokens = platform.app.state.auth.tokens
    key = tokens._key
    now = int(time.time())
    base = {"iss": tokens.issuer, "aud": tokens.audience, "sub": user.id, "iat": now, "nbf": now, "exp": now + 600,
            "roles": ["ADMIN"]}

    def sign(signing_key=key, headers=None, algorithm="EdDSA", **changes):
        claims = {k: v for k, v in {**base, **changes}.items() if v is not None}
        return jwt.encode(claims, signing_key, algorithm=algorithm,
                          headers={"kid": tokens.kid, "typ": "at+jwt", **(headers or {})})

    return user, sign, key


async def get_me(platform, token: str):
    return await platform.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_the_forger_works_when_nothing_is_changed(platform, forge):
    _, sign, _ = forge
    assert (await get_me(platform, sign())).status_code in (200, 404)  # accepted (404: read model not yet there)


def _attacks(sign, key):
    now = int(time.time())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    valid = sign()
    head, payload, signature = valid.split(".")
    tampered = b64({**jwt.decode(valid, options={"verify_signature": False}), "roles": ["ADMIN", "AUDITOR"]})
    return {
        "expired": sign(exp=now - 60, iat=now - 1000, nbf=now - 1000),
        "not yet valid": sign(nbf=now + 3600, iat=now),
        "wrong audience": sign(aud="someone-else"),
        "wrong issuer": sign(iss="evil"),
        "missing exp": sign(exp=None),
        "missing sub": sign(sub=None),
        "alg none": f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.",
        "alg none with kid": f"{b64({'alg': 'none', 'kid': jwt.get_unverified_header(valid)['kid']})}.{payload}.",
        "HS256 keyed with the public key": _hs256(payload, public_pem, jwt.get_unverified_header(valid)["kid"]),
        "tampered payload": f"{head}.{tampered}.{signature}",
        "unknown kid": sign(headers={"kid": "not-our-key"}),
        "another key with our kid": sign(signing_key=Ed25519PrivateKey.generate()),
        "wrong typ": sign(headers={"typ": "JWT"}),
        "garbage": "not.a.token",
        "roles not a list": sign(roles="ADMIN"),
    }


def _hs256(payload_b64: str, secret: bytes, kid: str) -> str:
    """The classic confusion attack: HMAC keyed with the (public) verification key."""
    head = b64({"alg": "HS256", "typ": "at+jwt", "kid": kid})
    mac = hmac.new(secret, f"{head}.{payload_b64}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload_b64}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


ATTACKS = ["expired", "not yet valid", "wrong audience", "wrong issuer", "missing exp", "missing sub", "alg none",
           "alg none with kid", "HS256 keyed with the public key", "tampered payload", "unknown kid",
           "another key with our kid", "wrong typ", "garbage", "roles not a list"]


@pytest.mark.parametrize("attack", ATTACKS)
async def test_a_bad_token_is_401_problem_with_a_bearer_challenge(platform, forge, attack):
    _, sign, key = forge
    token = _attacks(sign, key)[attack]
    response = await get_me(platform, token)
    assert response.status_code == 401, (attack, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "refused" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "bearer x.y.z", "Token abc"])
async def test_malformed_authorization_headers_are_401(platform, header):
    response = await platform.client.get("/auth/me", headers={"Authorization": header})
    assert response.status_code == 401


async def test_a_bad_token_does_not_block_public_routes(platform):
    response = await platform.client.get("/auth/test", headers={"Authorization": "Bearer forged.token.here"})
    assert response.status_code == 200
