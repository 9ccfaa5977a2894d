"""A supervisor's or auditor's region (contract §12): given by API, CLI and /admin, validated
(2, 4 or 6 digits after folding, those two roles only: 422 naming `region`), approved like the
account it belongs to, carried by the token; accounts and tokens from before regions read
everywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.accounts.domain import user_id_for
from services.bootstrap import ApiContainer
from services.cli.main import main
from services.common.auditnote import Principal
from tests.conftest import Api
from tests.unit.test_account_requests import approve, ask
from tests.unit.test_old_events import AT, store_old
from tests.unit.test_pages import login


def refused_field(api: Api, body: dict[str, str]) -> list[object]:
    r = api.client.post("/v1/users", json=body, headers=api.auth("admin1"))
    assert r.status_code == 422, r.text
    return [e["loc"][-1] for e in r.json()["detail"]]


def test_a_city_supervisor_is_asked_for_approved_and_listed_with_the_region(
        api: Api, hotline: ApiContainer) -> None:
    request_id = ask(api, {"username": "city-sup", "role": "supervisor", "region": "４４１８"})  # folded
    assert approve(api, request_id)["username"] == "city-sup"
    user = hotline.accounts.find("city-sup")
    assert user is not None and user.region == "4418" and user.principal().region == "4418"
    listed = api.client.get("/v1/users", headers=api.auth("admin1")).json()
    assert {u["username"]: u["region"] for u in listed}["city-sup"] == "4418"
    assert {u["username"]: u["region"] for u in listed}["supervisor1"] is None


@pytest.mark.parametrize("body", [
    {"username": "x-sup", "role": "supervisor", "region": "441"},
    {"username": "x-sup", "role": "supervisor", "region": "4418021"},
    {"username": "x-sup", "role": "auditor", "region": "44a8"},
    {"username": "x-op", "role": "operator", "channel": "hotline_12345", "region": "441802"},
    {"username": "x-desk", "role": "desk", "agency_id": "civil-441802", "region": "441802"},
])
def test_a_bad_region_or_one_on_another_role_is_422_naming_region(api: Api, hotline: ApiContainer,
                                                                   body: dict[str, str]) -> None:
    assert refused_field(api, body) == ["region"]
    assert hotline.accounts.find(body["username"]) is None and hotline.accounts.list_requests() == []


def test_the_token_carries_the_region_and_an_old_one_reads_everywhere(api: Api,
                                                                      hotline: ApiContainer) -> None:
    tokens = api.client.app.state.tokens  # type: ignore[attr-defined]
    assert tokens.verify(api.token("supervisor-qingcheng")).region == "441802"
    assert tokens.verify(api.token("supervisor-qingyuan")).region == "4418"
    assert tokens.verify(api.token("supervisor1")).region is None
    # A token issued before regions existed has no claim: its account has no region either.
    old = tokens.issue(Principal("supervisor1", "supervisor"), hotline.accounts.token_version("supervisor1"))
    assert tokens.verify(old) == Principal("supervisor1", "supervisor")


def test_an_account_registered_before_regions_sees_everywhere(hotline: ApiContainer) -> None:
    """User.Registered v2 (before regions): upcast to none."""
    store_old(hotline.accounts, user_id_for("oldaud"), [
        ("services.accounts.domain:User.Registered", {
            "timestamp": AT, "originator_topic": "services.accounts.domain:User", "class_version": 2,
            "username": "oldaud", "password_hash": hotline.accounts.hasher.hash("an old password 1"),
            "role": "auditor", "agency_id": None, "sentinel_id": None, "channel": None}),
    ])
    user = hotline.accounts.find("oldaud")
    assert user is not None and user.region is None and user.public()["region"] is None
    registered = next(iter(hotline.accounts.repository.event_store.get(user_id_for("oldaud"))))
    assert registered.region is None  # type: ignore[attr-defined]


def test_users_add_takes_a_region_for_a_supervisor_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    base = ["users", "add", "--password", "long-enough-1"]
    assert main([*base, "--username", "qc-sup", "--role", "supervisor", "--region", "441802"]) == 0
    assert json.loads(capsys.readouterr().out)["region"] == "441802"
    assert main([*base, "--username", "qc-op", "--role", "operator", "--region", "441802"]) == 2
    assert "supervisor or auditor" in capsys.readouterr().err


def test_admin_adds_a_city_auditor_and_reads_each_accounts_region(api: Api, hotline: ApiContainer) -> None:
    login(api.client, "admin1")
    page = api.client.get("/admin").text
    row = re.search(r'<tr id="user-supervisor-qingcheng">.*?</tr>', page, re.S)
    assert row is not None and "辖区：441802 清城区" in row.group(0)
    assert "辖区：4418 清远市" in page and "辖区：全部" in page
    assert re.search(r'<option value="4418"\s*>4418 清远市</option>', page)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    bad = api.client.post("/admin/users", data={"csrf": csrf, "form_id": form_id, "username": "city-op",
                                                "role": "operator", "channel": "hotline_12345",
                                                "region": "4418"})
    assert bad.status_code == 422 and "只有督办人员和审计人员账号有辖区" in bad.text
    r = api.client.post("/admin/users", data={"csrf": csrf, "form_id": form_id, "username": "city-aud",
                                              "role": "auditor", "region": "4418"})
    assert r.status_code == 202, r.text
    asked = next(q for q in hotline.accounts.list_requests() if q.username == "city-aud")
    assert asked.region == "4418" and "辖区：4418 清远市" in r.text and "批准后可查看：清远市。" in r.text
