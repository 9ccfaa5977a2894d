"""The caller history (来电弹屏, contract §13): an operator types the caller's number and sees that
number's earlier reports, newest first; anonymous reports never enter it, erasure takes the
report out of it, each lookup is audited without the number and counts against the repeat
check's hourly allowance."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from services.bootstrap import ApiContainer, edges_of
from services.cli.main import main
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from services.deploy.systemd import shared_environment
from services.intake.callers import canonical_phone
from services.intake.schemas import ReportIn
from services.oversight.allowance import RepeatAllowance
from services.oversight.callers import fingerprint
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries, build, report_body
from tests.unit.test_pages import login

HISTORY = "/v1/callers/history"
CALLER = "13911112222"


def reporter(phone: str | None = CALLER, anonymous: bool = False) -> dict[str, Any]:
    return {"name": "陈先生", "phone": phone, "relation": "neighbour", "anonymous": anonymous}


def file(api: Api, key: str, **overrides: Any) -> dict[str, Any]:
    r = api.submit(report_body(**overrides), key=key)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def level_of(api: Api, report: dict[str, Any]) -> str:
    supervisor = api.auth("supervisor1")
    case_id = api.client.get(f"/v1/reports/{report['report_id']}", headers=supervisor).json()["case_id"]
    return str(api.client.get(f"/v1/cases/{case_id}", headers=supervisor).json()["risk_level"])


def look_up(api: Api, phone: str, user: str = "operator1") -> Any:
    return api.client.post(HISTORY, json={"phone": phone}, headers=api.auth(user))


def test_one_numbers_reports_are_found_newest_first_and_the_anonymous_one_is_not(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    first = file(api, "a", reporter=reporter(), concerns=["school_dropout"], immediate_danger=False,
                 children=[{"name": "张小红", "gender": "female", "age": 7}])
    second = file(api, "b", reporter=reporter("139 1111 2222"))  # the same number, typed otherwise
    anonymous = file(api, "c", reporter=reporter(anonymous=True))
    other = file(api, "d", reporter=reporter("13700000000"))
    runner.pump()

    r = look_up(api, "１３９１１１１２２２２")  # fullwidth digits, as an input method types them
    assert r.status_code == 200, r.text
    found = r.json()
    assert [f["receipt_no"] for f in found] == [second["receipt_no"], first["receipt_no"]]
    assert [f["risk_level"] for f in found] == [level_of(api, second), level_of(api, first)]
    assert {f["status"] for f in found} <= {"received", "in_progress", "handled"}
    assert set(found[0]) == {"receipt_no", "received_at", "status", "risk_level", "concerns"}
    # Each report's concerns: is the new call about the same matter? (#29)
    assert [f["concerns"] for f in found] == [["domestic_violence", "serious_injury"], ["school_dropout"]]
    said = json.dumps(found)
    assert anonymous["receipt_no"] not in said and other["receipt_no"] not in said
    assert [f["receipt_no"] for f in look_up(api, "13700000000").json()] == [other["receipt_no"]]
    assert look_up(api, "13600000000").json() == []  # a third number: nothing

    # Erased: the report leaves the history (its row deleted, not only made unreadable).
    hotline.intake.erase(UUID(second["report_id"]), reason="依法删除", by="admin1")
    assert [f["receipt_no"] for f in look_up(api, CALLER).json()] == [first["receipt_no"]]
    index = hotline.intake.callers
    assert index is not None
    rows = index.sql.rows("SELECT report_id FROM caller_reports")
    assert second["report_id"] not in {r["report_id"] for r in rows}
    assert anonymous["report_id"] not in {r["report_id"] for r in rows}


def test_a_lookup_is_audited_by_a_fingerprint_never_the_number(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    file(api, "a", reporter=reporter())
    runner.pump()
    assert len(look_up(api, CALLER).json()) == 1
    trail = [e for e in audit_entries(hotline) if e["action"].startswith("caller.")]
    assert [(e["action"], e["actor"], e["resource_type"]) for e in trail] == [
        ("caller.history", "operator1", "caller")]
    index = hotline.intake.callers
    assert index is not None
    assert trail[0]["resource_id"] == fingerprint(index.hasher, "+86 139-1111-2222")
    assert trail[0]["resource_id"] != "fp-" + index.caller(CALLER)[:32]  # not joinable with the index
    assert CALLER not in json.dumps(audit_entries(hotline))


def test_lookups_count_against_the_repeat_checks_hour(api: Api, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("operator2", TEST_PASSWORD, "operator")
    RepeatAllowance(hotline.throttle.sql, hotline.settings.repeat_checks_per_hour).spend(
        "operator1", {f"fp-child-{n}" for n in range(hotline.settings.repeat_checks_per_hour)})
    r = look_up(api, CALLER)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 3600
    refused = [e for e in audit_entries(hotline) if e["action"] == "caller.history.refused"]
    assert len(refused) == 1 and refused[0]["actor"] == "operator1"
    assert look_up(api, CALLER, "operator2").status_code == 200  # another operator's hour


@pytest.mark.parametrize("user", ["supervisor1", "teacher1", "police-desk", "auditor1", "admin1"])
def test_only_operators_look_callers_up(api: Api, user: str) -> None:
    assert look_up(api, CALLER, user).status_code == 403


@pytest.mark.parametrize("phone", ["", "12ab345", "١٣٩١١١١٢٢٢٢", "1" * 25, "+"])
def test_a_bad_number_is_422_naming_phone(api: Api, phone: str) -> None:
    r = look_up(api, phone)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "phone"


def test_canonical_number_folds_the_ways_one_number_is_typed() -> None:
    assert {canonical_phone(p) for p in ("13911112222", "139-1111-2222", "+86 139 1111 2222",
                                         "008613911112222")} == {"13911112222"}
    assert canonical_phone("0755-8888 1234") == "075588881234"


def test_hotline_erase_deletes_the_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    h = build(Settings(var_dir=tmp_path))
    kept, erased = (h.intake.submit_report(ReportIn.model_validate(report_body(reporter=reporter())),
                                           submitted_by="op", role="operator", idempotency_key=key)
                    for key in ("k1", "k2"))
    EmbeddedRunner(edges_of(h)).pump()
    assert h.intake.callers is not None and len(h.intake.callers.reports(CALLER, kept.received_at)) == 2
    h.close()
    assert main(["erase", "--report", str(erased.report_id), "--reason", "依法删除"]) == 0
    capsys.readouterr()
    h = build(Settings(var_dir=tmp_path))
    try:
        assert h.intake.callers is not None
        assert h.intake.callers.reports(CALLER, kept.received_at) == [str(kept.report_id)]
        assert h.intake.callers.sql.rows("SELECT report_id FROM caller_reports WHERE report_id = ?",
                                         (str(erased.report_id),)) == []
    finally:
        h.close()
    # The index is a table of intake's own file (#31): the number is nowhere in it in clear.
    assert not (tmp_path / "callers.sqlite").exists()
    assert CALLER.encode() not in (tmp_path / "intake.sqlite").read_bytes()


def test_the_console_looks_the_number_up_with_its_session(api: Api, runner: EmbeddedRunner) -> None:
    filed = file(api, "a", reporter=reporter())
    runner.pump()
    login(api.client, "operator1")
    page = api.client.get("/intake")
    assert page.status_code == 200
    # The phone field's hook, the panel beside the form, its labels and its script under the nonce.
    assert re.search(r'<input type="tel" id="f-reporter-phone"[^>]* data-caller-history>', page.text)
    assert 'id="caller-history"' in page.text
    labels = re.search(r'<script type="application/json" id="caller-history-data">(.*?)</script>', page.text)
    assert labels and json.loads(labels.group(1))["statuses"]["handled"] == "已处理"
    script = page.text.index("document.querySelector('[data-caller-history]')")
    assert re.search(r'<script nonce="[^"]+">\n$', page.text[page.text.rindex("<script", 0, script):script]
                     .split("document.addEventListener")[0])
    csrf = re.search(r'"csrf": "([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = api.client.post(HISTORY, json={"phone": CALLER}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and [f["receipt_no"] for f in r.json()] == [filed["receipt_no"]]
    # The cookie alone (no CSRF header) is no way in.
    assert api.client.post(HISTORY, json={"phone": CALLER}).status_code == 401


def test_the_window_is_a_bounded_setting_handed_to_the_services(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(var_dir=tmp_path).caller_history_days == 365
    monkeypatch.setenv("HOTLINE_CALLER_HISTORY_DAYS", "30")
    assert "HOTLINE_CALLER_HISTORY_DAYS=30" in shared_environment(Settings(var_dir=tmp_path))
    for wrong in ("0", "3651", "a year"):
        monkeypatch.setenv("HOTLINE_CALLER_HISTORY_DAYS", wrong)
        with pytest.raises(ValueError, match="HOTLINE_CALLER_HISTORY_DAYS"):
            Settings(var_dir=tmp_path)


def test_reports_past_the_window_are_not_found_and_are_dropped(hotline: ApiContainer) -> None:
    index = hotline.intake.callers
    assert index is not None
    now = datetime.now(UTC)
    index.note("old", CALLER, now - timedelta(days=400))
    index.note("recent", CALLER, now - timedelta(days=3))
    assert index.reports(CALLER, now) == ["recent"]
    index.note("new", "13700000000", now)  # noting drops what left the window
    kept = {r["report_id"] for r in index.sql.rows("SELECT report_id FROM caller_reports")}
    assert kept == {"recent", "new"}


def test_dropping_what_left_the_window_reads_by_time_not_every_row(hotline: ApiContainer) -> None:
    """Every report drops the rows past the window: through an index on the time, or each report
    would read every row of the window (the table scan found by #31's per-table counts)."""
    index = hotline.intake.callers
    assert index is not None
    plan = index.sql.rows("EXPLAIN QUERY PLAN DELETE FROM caller_reports WHERE received_ts < ?", (0.0,))
    steps = " ".join(str(r["detail"]) for r in plan)
    assert "USING INDEX caller_reports_received" in steps and "SCAN" not in steps, steps
