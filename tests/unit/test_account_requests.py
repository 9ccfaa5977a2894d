"""三员分立 (contract §10, issue 26 finding 2): an admin alone cannot make or take over a privileged
account; a security officer other than the asker approves within 24 hours, exactly once; the
password made at approval is shown once and kept nowhere in clear; passwords people choose are
strong; accounts by API."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from services.accounts.requests import (
    GUARDED_FROM_DISABLE,
    PRIVILEGED,
    AccountRequest,
    needs_approval,
    request_id_for,
)
from services.bootstrap import ApiContainer
from services.cli.main import main
from services.common.auditnote import Actor
from services.common.errors import Conflict
from services.common.vocabulary import ROLES
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries
from tests.unit.test_admin_audit_pages import admin

SECURITY = Actor("security1", "security")


def token_status(api: Api, username: str, password: str) -> int:
    return api.client.post("/v1/auth/token", data={"username": username, "password": password}).status_code


def ask(api: Api, body: dict[str, str]) -> str:
    r = api.client.post("/v1/users", json=body, headers=api.auth("admin1"))
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "pending"
    return str(r.json()["request_id"])


def approve(api: Api, request_id: str, by: str = "security1") -> dict[str, str]:
    r = api.client.post(f"/v1/account-requests/{request_id}/approve", headers=api.auth(by))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_only_privileged_targets_need_approval() -> None:
    assert {r for r in ROLES if needs_approval("create", r)} == {"supervisor", "auditor", "admin", "security"}
    for kind in ("create", "enable", "reset-password"):
        assert {r for r in ROLES if needs_approval(kind, r)} == PRIVILEGED
    disabling = {r for r in ROLES if needs_approval("disable", r)}
    assert disabling == GUARDED_FROM_DISABLE == {"auditor", "security"}


def test_the_asker_never_decides_and_a_decision_is_made_once() -> None:
    now = datetime.now(UTC)
    request = AccountRequest(id=request_id_for("create", "boss", 0), kind="create", username="boss",
                             role="supervisor", agency_id=None, sentinel_id=None, channel=None,
                             asked_by="officer", asked_at=now)
    with pytest.raises(Conflict, match="who asked"):
        request.approve(by="officer", at=now)
    with pytest.raises(Conflict, match="who asked"):
        request.reject(by="officer", at=now)
    with pytest.raises(Conflict, match="your own account"):
        request.approve(by="boss", at=now)
    request.approve(by="security1", at=now)
    with pytest.raises(Conflict, match="approved already"):
        request.approve(by="security2", at=now)
    with pytest.raises(Conflict, match="approved already"):
        request.reject(by="security2", at=now)
    assert request.status(now + timedelta(days=3)) == "approved"  # decided: never expires


def test_a_request_expires_after_24_hours() -> None:
    asked = datetime.now(UTC) - timedelta(hours=24)
    request = AccountRequest(id=request_id_for("create", "late", 0), kind="create", username="late",
                             role="auditor", agency_id=None, sentinel_id=None, channel=None,
                             asked_by="admin1", asked_at=asked)
    assert request.status(asked + timedelta(hours=23, minutes=59)) == "pending"
    assert request.status(asked + timedelta(hours=24)) == "expired"
    with pytest.raises(Conflict, match="expired"):
        request.approve(by="security1", at=datetime.now(UTC))


def test_an_expired_request_is_refused_and_listed_as_expired(api: Api, hotline: ApiContainer) -> None:
    asked = datetime.now(UTC) - timedelta(hours=25)
    late = AccountRequest(id=request_id_for("create", "late9", 0), kind="create", username="late9",
                          role="auditor", agency_id=None, sentinel_id=None, channel=None,
                          asked_by="admin1", asked_at=asked)
    hotline.accounts.save(late)
    r = api.client.post(f"/v1/account-requests/{late.id}/approve", headers=api.auth("security1"))
    assert r.status_code == 409 and "expired" in r.json()["detail"]
    assert hotline.accounts.find("late9") is None
    listed = api.client.get("/v1/account-requests", params={"status": "expired"},
                            headers=api.auth("security1")).json()
    assert [x["username"] for x in listed] == ["late9"]
    assert api.client.get("/v1/account-requests", params={"status": "pending"},
                          headers=api.auth("admin1")).json() == []


def test_finding_2_admin_alone_cannot_make_an_auditor_and_read_the_ledger(
        api: Api, hotline: ApiContainer) -> None:
    assert api.client.get("/v1/ledger", headers=api.auth("admin1")).status_code == 403
    for role in ("supervisor", "auditor", "admin", "security"):
        ask(api, {"username": f"{role}9", "role": role})
        assert hotline.accounts.find(f"{role}9") is None  # nothing changed: no account to read it with
        assert token_status(api, f"{role}9", TEST_PASSWORD) == 401
    # The page's form is the same rule.
    csrf = admin(api)
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "boss7", "role": "supervisor",
                                              "region": "all"})
    assert r.status_code == 202 and "已提交，等待安全管理员批准" in r.text
    assert 'id="secret-password"' not in r.text
    assert hotline.accounts.find("boss7") is None
    # The admin cannot take over auditor1 or silence the security officer either.
    for user, action in (("auditor1", "reset-password"), ("auditor1", "disable"), ("security1", "disable"),
                         ("supervisor1", "reset-password")):
        r = api.client.post(f"/v1/users/{user}/{action}", headers=api.auth("admin1"))
        assert r.status_code == 202 and "password" not in r.json(), (user, action, r.text)
    assert token_status(api, "auditor1", TEST_PASSWORD) == 200
    assert token_status(api, "supervisor1", TEST_PASSWORD) == 200
    assert not hotline.accounts.find("security1").disabled  # type: ignore[union-attr]
    # Nor approve any of it: approving is the security officer's alone.
    pending = api.client.get("/v1/account-requests?status=pending", headers=api.auth("admin1")).json()
    assert len(pending) == 9
    first = pending[0]["request_id"]
    r = api.client.post(f"/v1/account-requests/{first}/approve", headers=api.auth("admin1"))
    assert r.status_code == 403


def test_approval_applies_once_and_shows_the_password_once(api: Api, hotline: ApiContainer) -> None:
    request_id = ask(api, {"username": "auditor9", "role": "auditor"})
    assert ask(api, {"username": "auditor9", "role": "auditor"}) == request_id  # a retry: the same request
    assert token_status(api, "auditor9", TEST_PASSWORD) == 401
    approved = approve(api, request_id)
    assert approved["username"] == "auditor9" and approved["status"] == "approved"
    password = approved["password"]
    assert token_status(api, "auditor9", password) == 200
    again = api.client.post(f"/v1/account-requests/{request_id}/approve", headers=api.auth("security1"))
    assert again.status_code == 409 and "password" not in again.text
    listed = api.client.get("/v1/account-requests", headers=api.auth("security1")).json()
    assert [(x["status"], x["decided_by"], x["asked_by"]) for x in listed] == [
        ("approved", "security1", "admin1")]
    assert password not in json.dumps(listed)
    # Kept nowhere in clear: no stored event of the accounts store holds it.
    stored = hotline.accounts.recorder.select_notifications(start=1, limit=10_000)
    assert stored and not any(password in repr(vars(hotline.accounts.mapper.to_domain_event(n)))
                              for n in stored)
    # A reset asked afterwards is a new request, approved with a new password.
    reset = api.client.post("/v1/users/auditor9/reset-password", headers=api.auth("admin1")).json()
    assert reset["request_id"] != request_id
    second = approve(api, reset["request_id"])["password"]
    assert second != password and token_status(api, "auditor9", second) == 200
    assert token_status(api, "auditor9", password) == 401
    trail = [(e["action"], e["actor"], e["resource_id"]) for e in audit_entries(hotline)]
    for entry in (("account.request", "admin1", "auditor9"), ("account.approve", "security1", "auditor9"),
                  ("account.add", "security1", "auditor9"),
                  ("account.set-password", "security1", "auditor9")):
        assert entry in trail, entry


def test_a_rejected_request_changes_nothing(api: Api, hotline: ApiContainer) -> None:
    disable = api.client.post("/v1/users/auditor1/disable", headers=api.auth("admin1")).json()
    r = api.client.post(f"/v1/account-requests/{disable['request_id']}/reject", json={"reason": "未经审批"},
                        headers=api.auth("security1"))
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reason"] == "未经审批"
    assert not hotline.accounts.find("auditor1").disabled  # type: ignore[union-attr]
    r = api.client.post(f"/v1/account-requests/{disable['request_id']}/approve",
                        headers=api.auth("security1"))
    assert r.status_code == 409
    assert ("account.reject", "security1", "auditor1") in [
        (e["action"], e["actor"], e["resource_id"]) for e in audit_entries(hotline)]


def test_a_security_officer_who_asked_cannot_approve(api: Api, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("security2", TEST_PASSWORD, "security")
    outcome = hotline.accounts.admin_change("auditor1", "disable", actor=Actor("security2", "admin"))
    assert outcome.request is not None
    with pytest.raises(Conflict, match="who asked"):
        hotline.accounts.approve_request(outcome.request.id, actor=Actor("security2", "security"))
    # A request about the officer's own account waits for another officer.
    own = hotline.accounts.admin_change("security1", "reset-password", actor=Actor("admin1", "admin"))
    r = api.client.post(f"/v1/account-requests/{own.request.id}/approve",  # type: ignore[union-attr]
                        headers=api.auth("security1"))
    assert r.status_code == 409
    assert hotline.accounts.approve_request(own.request.id, actor=Actor("security2", "security")).password  # type: ignore[union-attr]


def test_accounts_by_api_direct_for_the_rest(api: Api, hotline: ApiContainer) -> None:
    r = api.client.post("/v1/users", json={"username": "desk9", "role": "desk", "agency_id": "police-441823"},
                        headers=api.auth("admin1"))
    assert r.status_code == 201 and set(r.json()) == {"username", "password"}
    assert token_status(api, "desk9", r.json()["password"]) == 200
    r = api.client.post("/v1/users", json={"username": "op9", "role": "operator", "channel": "hotline_12349"},
                        headers=api.auth("admin1"))
    assert r.status_code == 201
    assert api.client.post("/v1/users/desk9/disable", headers=api.auth("admin1")).json() == {
        "username": "desk9", "disabled": True, "password": None}
    assert api.client.post("/v1/users/desk9/enable", headers=api.auth("admin1")).json()["disabled"] is False
    new = api.client.post("/v1/users/desk9/reset-password", headers=api.auth("admin1")).json()["password"]
    assert token_status(api, "desk9", new) == 200
    for who in ("security1", "supervisor1", "auditor1"):
        assert api.client.get("/v1/users", headers=api.auth(who)).status_code == 403
    # Disabling a supervisor or another admin is not on §10's list: direct, audited.
    assert api.client.post("/v1/users/supervisor1/disable", headers=api.auth("admin1")).status_code == 200
    # ...but enabling it again is (a privileged account back in use).
    assert api.client.post("/v1/users/supervisor1/enable", headers=api.auth("admin1")).status_code == 202
    assert hotline.accounts.find("supervisor1").disabled  # type: ignore[union-attr]
    users = api.client.get("/v1/users", headers=api.auth("admin1")).json()
    assert {"op9", "desk9", "security1"} <= {u["username"] for u in users}
    assert next(u for u in users if u["username"] == "op9")["channel"] == "hotline_12349"
    assert api.client.post("/v1/users/admin1/disable", headers=api.auth("admin1")).status_code == 409
    assert api.client.post("/v1/users/nobody9/enable", headers=api.auth("admin1")).status_code == 404
    assert api.client.get("/v1/account-requests", headers=api.auth("auditor1")).status_code == 403
    assert api.client.post("/v1/users", json={"username": "x9", "role": "operator"},
                           headers=api.auth("security1")).status_code == 403  # approves only


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "a b", "role": "operator"}, "username"),
    ({"username": "chief9", "role": "chief"}, "role"),
    ({"username": "desk8", "role": "desk"}, "agency_id"),
    ({"username": "desk8", "role": "desk", "agency_id": "nowhere"}, "agency_id"),
    ({"username": "op8", "role": "reporter", "channel": "hotline_12345"}, "channel"),
    ({"username": "sup8", "role": "supervisor", "sentinel_id": "x"}, "sentinel_id"),
])
def test_bad_input_is_422_naming_the_field(api: Api, body: dict[str, str], field: str) -> None:
    r = api.client.post("/v1/users", json=body, headers=api.auth("admin1"))
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"][0]["loc"], r.text


def test_a_taken_name_is_409_even_for_a_request(api: Api) -> None:
    for role in ("operator", "auditor"):
        r = api.client.post("/v1/users", json={"username": "teacher1", "role": role},
                            headers=api.auth("admin1"))
        assert r.status_code == 409


@pytest.mark.parametrize(("password", "ok"), [
    ("Abxdefgh12", True), ("abxdefgh-1", True), ("ABXDEFGH!1", True), ("短密码口令很长的中文1a", True),
    ("Abcdef12!", False), ("abcdefghijk1", False), ("a-new-long-password", False), ("ABCDEFGHIJKL", False),
])
def test_a_chosen_password_needs_10_characters_of_3_classes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        password: str, ok: bool) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    code = main(["users", "add", "--username", "op7", "--role", "operator", "--password", password])
    assert (code == 0) is ok, capsys.readouterr()
    if not ok:
        assert "at least 10 characters of at least 3 kinds" in capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", io.StringIO("Strong-enough-1\n"))
        assert main(["users", "add", "--username", "op7", "--role", "operator"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert (main(["users", "set-password", "--username", "op7"]) == 0) is ok


def test_a_different_request_for_the_same_name_waits_for_the_first(api: Api) -> None:
    first = ask(api, {"username": "boss9", "role": "supervisor"})
    r = api.client.post("/v1/users", json={"username": "boss9", "role": "auditor"},
                        headers=api.auth("admin1"))
    assert r.status_code == 409 and "pending" in r.json()["detail"]
    assert ask(api, {"username": "boss9", "role": "supervisor"}) == first


def test_two_approvals_at_once_apply_one(api: Api, hotline: ApiContainer) -> None:
    outcome = hotline.accounts.admin_add_user("boss9", "supervisor", actor=Actor("admin1", "admin"))
    assert outcome.request is not None
    stale = hotline.accounts.get_request(outcome.request.id)  # read by a second officer's request
    assert hotline.accounts.approve_request(outcome.request.id, actor=SECURITY).password
    stale.approve(by="security2", at=datetime.now(UTC))  # it still looks pending to them
    with pytest.raises(IntegrityError):
        hotline.accounts.save(stale)
    assert hotline.accounts.get_request(outcome.request.id).decided_by == "security1"


@pytest.mark.parametrize("password", ["Password@123", "Qwerty@12345", "Abcdefgh12", "Hotline@2026",
                                      "Woaini1314!!"])
def test_a_common_word_or_run_with_symbols_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str],
                                                      password: str) -> None:
    """The security officer's second review, stop 61: Password@123 and Qwerty@12345 were taken on
    修改密码; an alphabet run is one too."""
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    assert main(["users", "add", "--username", "op8", "--role", "operator", "--password", password]) != 0
    assert "too common" in capsys.readouterr().err
