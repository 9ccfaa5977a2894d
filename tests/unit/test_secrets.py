"""No built-in keys, per-process keys, demo accounts only for a fresh var/ (contract §5)."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import jwt
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from services.accounts.domain import user_id_for
from services.api.http import create_app
from services.bootstrap import Wiring, bootstrap_relay
from services.cli.main import main
from services.common.secrets import PUBLISHED, PURPOSES
from services.common.settings import Settings
from services.runtime.demo import DEMO_USERS, create_demo_users, read_demo_users
from tests.helpers import build


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    return tmp_path


def test_each_process_gets_only_its_keys(var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def keys_of(process: str) -> set[str]:
        assert main(["keys", "env", "--process", process]) == 0
        return {line.split("=")[0] for line in capsys.readouterr().out.splitlines()
                if line.split("=")[0].endswith("_KEY")}

    assert keys_of("relay") == {"HOTLINE_EVENT_KEY"}
    assert keys_of("projection-desk") == set()
    assert keys_of("scheduler") == {"HOTLINE_EVENT_KEY"}
    assert keys_of("triage") == {"HOTLINE_EVENT_KEY", "HOTLINE_DATA_KEY", "HOTLINE_HASH_KEY"}
    # The API answers the operators' repeat check; it never gets what the CLI alone needs.
    assert keys_of("api") == {"HOTLINE_EVENT_KEY", "HOTLINE_DATA_KEY", "HOTLINE_HASH_KEY",
                              "HOTLINE_RECEIPT_KEY", "HOTLINE_TOKEN_KEY", "HOTLINE_AUDIT_KEY"}
    assert keys_of("dispatch") == {"HOTLINE_EVENT_KEY"}
    assert keys_of("notify") == {"HOTLINE_EVENT_KEY"}


def test_relays_and_the_projection_run_without_the_keys_they_do_not_need(var: Path) -> None:
    Wiring.of(Settings(var_dir=var)).keystore()  # a var/ with every key file
    event_only = Settings(var_dir=var, key_files=False,
                          event_key=Settings(var_dir=var).ensure_secret("event"))
    relay = bootstrap_relay(Wiring.of(event_only), "intake", producer=object())
    relay.relay.leader.close()
    view = Wiring.of(Settings(var_dir=var, key_files=False)).view()  # no key at all
    assert view.ping() is None


def test_a_token_signed_with_a_published_key_is_refused(tmp_path: Path) -> None:
    h = build(Settings(var_dir=tmp_path), store="memory")
    with TestClient(create_app(h)) as client:
        now = int(time.time())
        for key in PUBLISHED:
            forged = jwt.encode({"iss": "hotline", "sub": "supervisor1", "role": "supervisor",
                                 "ver": 0, "iat": now, "exp": now + 600},
                                base64.b64decode(key), algorithm="HS256")
            r = client.get("/v1/cases", headers={"Authorization": f"Bearer {forged}"})
            assert r.status_code == 401
    h.close()


def test_demo_accounts_only_for_a_fresh_var_with_random_passwords(tmp_path: Path) -> None:
    h = build(Settings(var_dir=tmp_path), store="memory")
    made = create_demo_users(h.accounts, tmp_path)
    assert [m[0] for m in made] == [u for u, _, _ in DEMO_USERS]
    passwords = [m[1] for m in made]
    assert len(set(passwords)) == len(passwords) and min(map(len, passwords)) >= 16
    demo = tmp_path / "demo-users.txt"
    assert demo.stat().st_mode & 0o777 == 0o600
    assert read_demo_users(tmp_path) == {m[0]: m[1] for m in made}
    assert demo.read_text().splitlines()[3] == f"police-desk\t{passwords[3]}\tdesk\tpolice-441823"
    assert create_demo_users(h.accounts, tmp_path) == []  # not a fresh var/ any more
    assert h.accounts.authenticate("operator1", passwords[0]) is not None
    h.close()


def test_demo_accounts_hash_at_the_demo_cost_and_accounts_people_make_at_the_full_one(tmp_path: Path) -> None:
    """#31: the demo passwords are generated and kept in clear in var/, so their hashes are cheap
    (a fresh make run started 2 s sooner); an account an administrator adds keeps Argon2's cost."""
    h = build(Settings(var_dir=tmp_path), store="memory", password_hasher=PasswordHasher())
    made = dict((m[0], m[1]) for m in create_demo_users(h.accounts, tmp_path))
    h.accounts.add_user("operator9", "Kp7mQ-4xz9T-fRa2b", "operator")

    def stored(username: str) -> str:
        return str(h.accounts.repository.get(user_id_for(username)).password_hash)
    assert "m=8192,t=1,p=1" in stored("operator1") and "m=65536,t=3,p=4" in stored("operator9")
    assert h.accounts.authenticate("operator1", made["operator1"]) is not None
    assert h.accounts.authenticate("operator9", "Kp7mQ-4xz9T-fRa2b") is not None
    assert h.accounts.authenticate("operator1", "Kp7mQ-4xz9T-fRa2b") is None
    h.close()


def test_no_demo_accounts_in_production(var: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    keys = Settings(var_dir=var / "k", environment="development")
    for purpose in PURPOSES:
        monkeypatch.setenv(f"HOTLINE_{purpose.upper()}_KEY", keys.ensure_secret(purpose))
    monkeypatch.setenv("HOTLINE_ENVIRONMENT", "production")
    assert main(["demo-users"]) == 2
    assert not (var / "demo-users.txt").exists()
