"""Command envelopes without servers: what binds, what expires, and that no malformed envelope is a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from commands.context import Actor
from commands.envelope import HEADER, EnvelopeRefused, EnvelopeSigner, EnvelopeVerifier
from commands.keys import load_or_create_key

NOW = 1_800_000_000.0
BODY = b'{"userId":"u1","roles":["ADMIN"]}'
ANY_KEY = Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory):
    return load_or_create_key(Path(tmp_path_factory.mktemp("keys")) / "k.pem")


def verifier(key, now: float = NOW) -> EnvelopeVerifier:
    return EnvelopeVerifier([key.public_key()], clock=lambda: now)


def envelope(key, name: str = "ChangeUserRoles", body: bytes = BODY, at: float = NOW) -> dict[str, str]:
    signer = EnvelopeSigner(key, clock=lambda: at)
    return {HEADER: signer.sign(name, body, "cmd-1", Actor("admin-1", frozenset({"ADMIN"})), "corr-1")}


def test_a_valid_envelope_gives_the_signed_caller(key) -> None:
    caller = verifier(key).verify("ChangeUserRoles", BODY, envelope(key))
    assert (caller.command_id, caller.via, caller.correlation_id) == ("cmd-1", "gateway", "corr-1")
    assert caller.actor == Actor("admin-1", frozenset({"ADMIN"}))


@pytest.mark.parametrize(("name", "body", "now", "reason"), [
    ("CreatePromotion", BODY, NOW, "another command"),
    ("ChangeUserRoles", BODY.replace(b"u1", b"u2"), NOW, "body"),
    ("ChangeUserRoles", BODY, NOW + 30 + 5, "expired"),
    ("ChangeUserRoles", BODY, NOW - 6, "not yet valid"),
])
def test_an_envelope_binds_command_body_and_lifetime(key, name: str, body: bytes, now: float, reason: str) -> None:
    with pytest.raises(EnvelopeRefused, match=reason):
        verifier(key, now).verify(name, body, envelope(key))


def test_within_the_leeway_an_envelope_still_holds(key) -> None:
    assert verifier(key, NOW + 34).verify("ChangeUserRoles", BODY, envelope(key)).command_id == "cmd-1"


def test_a_changed_claim_or_another_key_breaks_the_signature(key, tmp_path: Path) -> None:
    signature = envelope(key)[HEADER].partition(".")[2]
    other = envelope(load_or_create_key(tmp_path / "other.pem"))
    with pytest.raises(EnvelopeRefused, match="unknown key"):
        verifier(key).verify("ChangeUserRoles", BODY, other)
    forged = envelope(key)[HEADER].split(".")[0][:-2] + "xx." + signature
    with pytest.raises(EnvelopeRefused):
        verifier(key).verify("ChangeUserRoles", BODY, {HEADER: forged})


@given(st.text(max_size=200) | st.builds(lambda a, b: f"{a}.{b}", st.text(max_size=60), st.text(max_size=90)))
def test_any_header_text_is_refused_never_crashed_on(text: str) -> None:
    with pytest.raises(EnvelopeRefused):
        EnvelopeVerifier([ANY_KEY.public_key()]).verify("Ping", b"{}", {HEADER: text})
