"""The platform's Ed25519 key: loaded (or created on first run) by the gateway, which signs access tokens and command
envelopes with it, and by the command handlers, which verify those envelopes. It lives here, not in `gateway/`, so
the handlers share the one loader without importing the gateway.

The key is a PEM file (`JWT_PRIVATE_KEY_PATH`, or DATA_DIR/keys/jwt-ed25519.pem). It is written to a private
temporary file and then hard-linked into place: a link never overwrites, so when several processes start at once
exactly one key wins and every process reads that one."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger("ledger.auth")


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        _create_key(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("signing key %s is readable by others (mode %o); chmod 600 it", path, mode)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process linked its key first: use that one
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def key_id(public: Ed25519PublicKey) -> str:
    """Names a key by its public half, so a verifier refuses anything signed by another key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode()
