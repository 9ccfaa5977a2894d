"""The second factor (contract §10): who needs it, which codes log in, and where its secret is not."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.accounts.domain import user_id_for
from services.accounts.totp import Check, SecondFactor
from services.api.http import create_app
from services.api.second_factor import AUDIT_ACTION
from services.bootstrap import ApiContainer
from services.cli.main import main
from services.common.errors import Conflict
from services.common.labels import ACTION_TEXT
from services.common.settings import Settings
from tests.helpers import TEST_PASSWORD, add_test_users, audit_entries, build

NOW = 1_790_000_000.0  # a fixed moment: codes are made for it and its neighbouring steps


def secret_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["secret"][0]


@pytest.fixture
def sup(tmp_path: Path) -> Iterator[ApiContainer]:
    """Supervisors need the second factor; SQLite files, so the stored bytes can be read."""
    h = build(Settings(var_dir=tmp_path, totp_roles="supervisor"))
    add_test_users(h.accounts)
    yield h
    h.close()


def factor(h: ApiContainer, now: float = NOW) -> SecondFactor:
    return SecondFactor(h.accounts, h.keys, h.settings.second_factor_roles, clock=lambda: now)


def test_roles_come_from_the_settings_and_an_unknown_one_stops_the_process() -> None:
    assert Settings(environment="development").second_factor_roles == frozenset()
    assert {"admin", "auditor", "supervisor"} <= Settings(environment="production").second_factor_roles
    assert Settings(environment="production", totp_roles="").second_factor_roles == frozenset()
    assert Settings(totp_roles=" supervisor, admin ").second_factor_roles == {"supervisor", "admin"}
    with pytest.raises(ValidationError, match="HOTLINE_TOTP_ROLES: unknown role boss"):
        Settings(totp_roles="supervisor,boss")


def test_the_current_code_and_its_neighbours_log_in_once(sup: ApiContainer) -> None:
    link = factor(sup).enrol("supervisor1")
    assert link.startswith("otpauth://totp/") and unquote(link).count("未成年人保护热线") == 2
    totp = pyotp.TOTP(secret_of(link))
    assert factor(sup).check("supervisor1", totp.at(NOW - 30)) is Check.ok  # a slow phone
    assert factor(sup).check("supervisor1", totp.at(NOW - 30)) is Check.replayed
    assert factor(sup).check("supervisor1", totp.at(NOW)) is Check.ok
    assert factor(sup).check("supervisor1", totp.at(NOW)) is Check.replayed
    # A code older than one already used never logs in again, even within its window.
    assert factor(sup, NOW + 30).check("supervisor1", totp.at(NOW)) is Check.replayed
    assert factor(sup).check("supervisor1", totp.at(NOW + 30)) is Check.ok  # a fast phone
    assert factor(sup).check("supervisor1", totp.at(NOW + 90)) is Check.wrong  # two steps off
    assert factor(sup).check("supervisor1", totp.at(NOW - 60)) is Check.wrong


def test_wrong_missing_and_unenrolled(sup: ApiContainer) -> None:
    assert factor(sup).check("supervisor1", "123456") is Check.unenrolled
    totp = pyotp.TOTP(secret_of(factor(sup).enrol("supervisor1")))
    assert factor(sup).check("supervisor1", None) is Check.missing
    assert factor(sup).check("supervisor1", "  ") is Check.missing
    right = totp.at(NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert factor(sup).check("supervisor1", wrong) is Check.wrong
    assert factor(sup).check("supervisor1", right[:5]) is Check.wrong
    assert factor(sup).check("supervisor1", "١٢٣٤٥٦") is Check.wrong  # digits, but not ASCII ones
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in right)  # ０-９ as a Chinese IME types them
    assert factor(sup).check("supervisor1", f"{fullwidth[:3]} {fullwidth[3:]}") is Check.ok


def test_reenrolment_needs_reset_and_the_old_secret_stops_working(sup: ApiContainer) -> None:
    first = pyotp.TOTP(secret_of(factor(sup).enrol("supervisor1")))
    with pytest.raises(Conflict, match="--reset"):
        factor(sup).enrol("supervisor1")
    version = sup.accounts.token_version("supervisor1")
    second = pyotp.TOTP(secret_of(factor(sup).enrol("supervisor1", reset=True)))
    assert sup.accounts.token_version("supervisor1") == (version or 0) + 1  # sessions end
    assert first.secret != second.secret
    assert factor(sup).check("supervisor1", first.at(NOW)) is Check.wrong
    assert factor(sup).check("supervisor1", second.at(NOW)) is Check.ok


def test_the_secret_is_never_stored_in_clear(sup: ApiContainer, tmp_path: Path) -> None:
    secret = secret_of(factor(sup).enrol("supervisor1"))
    user_id = user_id_for("supervisor1")
    events = [sup.accounts.mapper.to_domain_event(s)
              for s in sup.accounts.recorder.select_events(user_id)]
    enrolled = [e for e in events if type(e).__name__ == "TotpEnrolled"]
    assert len(enrolled) == 1
    sealed = enrolled[0].sealed_secret  # type: ignore[attr-defined]
    assert sealed.startswith("v2:") and secret not in sealed
    assert not any(secret in repr(vars(e)) for e in events)  # even with the event key opened
    for path in tmp_path.rglob("*"):  # the files under var/: events, keys, audit trail
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data and secret.lower().encode() not in data, path
    owner = enrolled[0].key_owner  # type: ignore[attr-defined]
    with sqlite3.connect(tmp_path / "keys.sqlite") as db:  # a data key of its own
        assert db.execute("SELECT count(*) FROM data_keys WHERE owner_id = ?", (owner,)).fetchone()[0] == 1
    factor(sup).enrol("supervisor1", reset=True)
    with sqlite3.connect(tmp_path / "keys.sqlite") as db:  # gone with the re-enrolment
        assert db.execute("SELECT count(*) FROM data_keys WHERE owner_id = ?", (owner,)).fetchone()[0] == 0
    assert sup.keys.open(owner, sealed) is None


def test_every_refusal_has_an_audit_label() -> None:
    assert set(AUDIT_ACTION) == {Check.missing, Check.wrong, Check.replayed, Check.unenrolled}
    assert all(ACTION_TEXT[a].startswith("登录失败") for a in AUDIT_ACTION.values())


def token(client: TestClient, username: str, totp: str | None = None) -> tuple[int, str]:
    data = {"username": username, "password": TEST_PASSWORD}
    if totp is not None:
        data["totp"] = totp
    r = client.post("/v1/auth/token", data=data)
    return r.status_code, r.json().get("detail", "")


def test_token_endpoint_wants_the_code_of_a_role_that_has_one(sup: ApiContainer) -> None:
    with TestClient(create_app(sup)) as client:
        assert token(client, "supervisor1", "123456") == (
            401, "No second factor enrolled: ask the IT office to run `hotline users totp`")
        totp = pyotp.TOTP(secret_of(factor(sup).enrol("supervisor1")))
        assert token(client, "supervisor1")[0] == 401
        code = totp.now()
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        assert token(client, "supervisor1", wrong) == (401, "Wrong second factor (totp)")
        assert token(client, "supervisor1", code)[0] == 200
        assert token(client, "supervisor1", code)[0] == 401  # replayed
        assert token(client, "operator1")[0] == 200  # not a role with a second factor
        # A wrong password says nothing about the code.
        r = client.post("/v1/auth/token", data={"username": "supervisor1", "password": "wrong-pass-1",
                                                "totp": wrong})
        assert r.status_code == 401 and r.json()["detail"] == "Wrong username or password"
    trail = [(e["action"], e["actor"], e["role"]) for e in audit_entries(sup)]
    for action in ("auth.totp_unenrolled", "auth.totp_missing", "auth.totp_wrong", "auth.totp_replayed"):
        assert (action, "supervisor1", "supervisor") in trail, action
    assert ("auth.login", "supervisor1", "supervisor") in trail


def test_refused_codes_count_against_the_login_throttle(sup: ApiContainer) -> None:
    factor(sup).enrol("supervisor1")
    with TestClient(create_app(sup)) as client:
        statuses = [token(client, "supervisor1", "000000")[0] for _ in range(11)]
    assert statuses[:10].count(401) >= 9 and statuses[-1] == 429


def test_login_page_asks_for_the_code_next_to_its_field(sup: ApiContainer) -> None:
    totp = pyotp.TOTP(secret_of(factor(sup).enrol("supervisor1")))
    with TestClient(create_app(sup)) as client:
        page = client.get("/login").text
        assert 'id="totp"' in page and "动态验证码" in page and "督办人员账号必须填写" in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = {"username": "supervisor1", "password": TEST_PASSWORD, "csrf": csrf}
        missing = client.post("/login", data=form)
        assert missing.status_code == 401 and 'id="error-totp"' in missing.text
        assert "请填写动态验证码" in missing.text and 'aria-invalid="true"' in missing.text
        wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
        refused = client.post("/login", data={**form, "totp": wrong})
        assert refused.status_code == 401 and "动态验证码不正确" in refused.text
        ok = client.post("/login", data={**form, "totp": totp.now()}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/board"


def test_without_totp_roles_the_login_page_has_no_code_field(api: object, hotline: ApiContainer) -> None:
    with TestClient(create_app(hotline)) as client:
        assert 'id="totp"' not in client.get("/login").text


def test_the_cli_enrols_prints_the_uri_and_a_qr_and_is_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("HOTLINE_TOTP_ROLES", "supervisor")
    h = build(Settings(var_dir=tmp_path, totp_roles="supervisor"))
    add_test_users(h.accounts)
    try:
        assert main(["users", "totp", "--username", "supervisor1"]) == 0
        first = capsys.readouterr()
        link = first.out.strip().splitlines()[-1]
        assert link.startswith("otpauth://totp/") and "issuer=" in link
        assert "▀" in first.out or "▄" in first.out  # the QR code, for the phone's camera
        assert first.out.count(secret_of(link)) == 1 and secret_of(link) not in first.err
        assert main(["users", "totp", "--username", "supervisor1"]) == 2
        assert "--reset" in capsys.readouterr().err
        assert main(["users", "totp", "--username", "supervisor1", "--reset", "--no-qr"]) == 0
        second = capsys.readouterr().out.strip()
        assert second.startswith("otpauth://") and "\n" not in second
        assert secret_of(second) != secret_of(link)
        assert factor(h).check("supervisor1", pyotp.TOTP(secret_of(link)).at(NOW)) is Check.wrong
        assert factor(h).check("supervisor1", pyotp.TOTP(secret_of(second)).at(NOW)) is Check.ok
        assert main(["users", "totp", "--username", "operator1", "--no-qr"]) == 0
        assert "not in HOTLINE_TOTP_ROLES" in capsys.readouterr().err
        assert main(["users", "totp", "--username", "nobody-here"]) == 2
        trail = [(e["action"], e["resource_id"], e["client"]) for e in audit_entries(h)]
        assert ("account.totp-enrol", "supervisor1", "cli") in trail
        assert ("account.totp-reset", "supervisor1", "cli") in trail
    finally:
        h.close()


def test_the_setting_travels_to_every_service_unit_even_when_empty() -> None:
    from services.deploy.systemd import shared_environment

    both = Settings(totp_roles="supervisor,admin")
    assert "HOTLINE_TOTP_ROLES=supervisor,admin" in shared_environment(both)
    assert "HOTLINE_TOTP_ROLES=''" in shared_environment(Settings(environment="production", totp_roles=""))
    assert not [line for line in shared_environment(Settings()) if "TOTP" in line]  # the default


def test_logging_in_again_from_the_report_form_takes_the_code_too(sup: ApiContainer) -> None:
    totp = pyotp.TOTP(secret_of(factor(sup).enrol("supervisor1")))
    with TestClient(create_app(sup)) as client:
        page = client.post("/report", data={"narrative": "孩子说"}, follow_redirects=False)
        assert page.status_code == 401 and 'id="totp"' in page.text  # the session ran out
        csrf = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = {"login_csrf": csrf, "narrative": "孩子说", "username": "supervisor1",
                "password": TEST_PASSWORD}
        refused = client.post("/report", data={**form, "totp": "000000"}, follow_redirects=False)
        assert refused.status_code == 401
        assert not [h for h in re.findall(r'<input type="hidden"[^>]*>', refused.text) if 'name="totp"' in h]
        form["login_csrf"] = re.search(r'name="login_csrf" value="([^"]+)"',  # type: ignore[union-attr]
                                       refused.text).group(1)
        ok = client.post("/report", data={**form, "totp": totp.now()}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/board"  # a supervisor's home
    assert ("auth.totp_wrong", "supervisor1") in [(e["action"], e["actor"]) for e in audit_entries(sup)]
