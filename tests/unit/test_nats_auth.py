"""The NATS credentials file `run` keeps under DATA_DIR: private from its creation, and stable across restarts (parts
restarted later, and a game server handed its password, keep working)."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor

from base.nats_auth import GAME_SERVER, IDENTITIES, NatsCredentials, identity_settings, render_config


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_credentials_are_created_private_random_and_kept(tmp_path) -> None:
    path = tmp_path / "data" / "nats-credentials.json"
    first = NatsCredentials.load_or_create(path)
    assert mode(path) == 0o600
    assert set(first.passwords) == set(IDENTITIES) and len(set(first.passwords.values())) == len(IDENTITIES)
    assert all(len(p) >= 32 for p in first.passwords.values())
    assert NatsCredentials.load_or_create(path).passwords == first.passwords


def test_a_loosened_file_is_made_private_again_and_a_missing_identity_added(tmp_path) -> None:
    path = tmp_path / "nats-credentials.json"
    path.write_text(json.dumps({"users": {"gateway": "kept-password"}}))
    path.chmod(0o644)
    credentials = NatsCredentials.load_or_create(path)
    assert mode(path) == 0o600 and credentials.passwords["gateway"] == "kept-password"
    assert json.loads(path.read_text())["users"] == credentials.passwords


def test_the_game_server_file_holds_only_its_own_identity(tmp_path) -> None:
    credentials = NatsCredentials.load_or_create(tmp_path / "all.json")
    handoff = tmp_path / "game.json"
    credentials.write_game_server_file(handoff, "nats://127.0.0.1:4222", "REWARDS_EVENTS")
    body = json.loads(handoff.read_text())
    assert mode(handoff) == 0o600 and body["user"] == GAME_SERVER
    assert body["password"] == credentials.passwords[GAME_SERVER]
    others = {p for i, p in credentials.passwords.items() if i != GAME_SERVER}
    assert not any(p in handoff.read_text() for p in others)


def test_compose_style_config_names_password_variables_not_passwords() -> None:
    text = render_config({i: "secret-value" for i in IDENTITIES}, "REWARDS_EVENTS", variables=True)
    assert "secret-value" not in text and '"password": $NATS_GAME_SERVER_PASSWORD' in text


def test_a_part_next_to_a_running_platform_takes_its_identity_from_data_dir(tmp_path, monkeypatch) -> None:
    credentials = NatsCredentials.load_or_create(tmp_path / "nats-credentials.json")
    (tmp_path / "run.json").write_text(json.dumps({"servers": {"NATS_URL": "nats://127.0.0.1:4222"}}))
    for name in ("NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_CREDS", "NATS_INBOX_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    settings = identity_settings("relay")
    assert (settings.user, settings.password) == ("relay", credentials.passwords["relay"])
    assert settings.inbox_prefix == "_INBOX.relay" and credentials.passwords["relay"] not in repr(settings)
    monkeypatch.setenv("NATS_URL", "nats://relay:given@nats.example:4222")
    assert identity_settings("relay").user == ""  # the URL's own credentials are used as given


def test_racing_creators_agree_on_one_set_of_passwords(tmp_path) -> None:
    path = tmp_path / "nats-credentials.json"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: NatsCredentials.load_or_create(path).passwords, range(16)))
    assert all(r == results[0] for r in results) and NatsCredentials.read(path).passwords == results[0]
