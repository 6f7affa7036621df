"""Access tokens and their signing key, without servers."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from gateway.auth.tokens import InvalidToken, TokenService, key_id, load_or_create_key


def service(tmp_path: Path, **kwargs) -> TokenService:
    return TokenService(load_or_create_key(tmp_path / "k.pem"), "iss", "aud", 60, **kwargs)


def test_the_key_is_created_once_private_and_then_reused(tmp_path):
    path = tmp_path / "keys" / "jwt.pem"
    first = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert key_id(load_or_create_key(path).public_key()) == key_id(first.public_key())


def test_a_non_ed25519_key_file_is_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "ec.pem").write_bytes(pem)
    with pytest.raises(ValueError, match="Ed25519"):
        load_or_create_key(tmp_path / "ec.pem")


def test_issued_tokens_verify_to_their_principal(tmp_path):
    tokens = service(tmp_path)
    principal = tokens.verify(tokens.issue("u1", ["USER", "ADMIN", "USER"], "a@b.co"))
    assert principal.user_id == "u1" and principal.roles == {"USER", "ADMIN"} and principal.email == "a@b.co"


def test_a_token_of_another_issuer_service_or_audience_is_refused(tmp_path):
    tokens = service(tmp_path)
    other_audience = TokenService(tokens._key, "iss", "other", 60)
    other_key = TokenService(load_or_create_key(tmp_path / "other.pem"), "iss", "aud", 60)
    for forged in (other_audience.issue("u1", ["ADMIN"]), other_key.issue("u1", ["ADMIN"])):
        with pytest.raises(InvalidToken):
            tokens.verify(forged)


def test_a_rotated_out_key_still_verifies_when_trusted(tmp_path):
    old = service(tmp_path)
    new = TokenService(load_or_create_key(tmp_path / "new.pem"), "iss", "aud", 60,
                       trusted=[old._key.public_key()])
    assert new.verify(old.issue("u1", ["USER"])).user_id == "u1"


def test_a_stale_token_is_refused_and_a_cached_one_stops_at_its_expiry(tmp_path):
    stale = service(tmp_path, issue_clock=lambda: time.time() - 3600)
    with pytest.raises(InvalidToken, match="expired"):
        stale.verify(stale.issue("u1", ["USER"]))
    short = TokenService(load_or_create_key(tmp_path / "k.pem"), "iss", "aud", 1, leeway=0)
    token = short.issue("u1", ["USER"])
    assert short.verify(token).user_id == "u1"
    assert short.verify(token).user_id == "u1"  # from the cache
    time.sleep(1.1)
    with pytest.raises(InvalidToken, match="expired"):
        short.verify(token)
