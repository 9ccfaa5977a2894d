"""The admin CLI on the embedded store: users add, agencies list, errors a person can act on."""

import json
from pathlib import Path

import pytest

from projections.desk.rebuild import positions
from projections.desk.view import GenerationWatch
from services.bootstrap import edges_of
from services.cli.main import main
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from services.intake.schemas import ReportIn
from tests.helpers import build, report_body


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    return tmp_path


def test_users_add_then_duplicate_is_refused(var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["users", "add", "--username", "desk7", "--password", "long-enough-1",
            "--role", "desk", "--agency", "police-441823"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["agency_id"] == "police-441823"
    assert (var / "accounts.sqlite").exists()
    assert main(argv) == 2
    assert "exists already" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--role", "desk"], "needs --agency"),
        (["--role", "desk", "--agency", "nowhere"], "unknown agency"),
        (["--role", "chief"], "role must be one of"),
    ],
)
def test_users_add_explains_what_is_wrong(
    var: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["users", "add", "--username", "user1", "--password", "long-enough-1", *extra]) == 2
    assert message in capsys.readouterr().err


def test_agencies_list_is_json(var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agencies", "list"]) == 0
    kinds = {a["kind"] for a in json.loads(capsys.readouterr().out)}
    assert kinds == {"police", "civil_affairs", "education", "hospital", "procuratorate", "court", "justice"}


def test_bad_settings_are_reported_not_raised(
    var: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_ENVIRONMENT", "production")
    assert main(["users", "add", "--username", "u1", "--password", "long-enough-1",
                 "--role", "operator"]) == 2  # production makes no keys up
    assert "HOTLINE_EVENT_KEY" in capsys.readouterr().err
    assert not (var / "secrets").exists()
    monkeypatch.setenv("HOTLINE_TOKEN_KEY", "not base64!")
    assert main(["agencies", "list"]) == 2
    assert "HOTLINE_TOKEN_KEY" in capsys.readouterr().err


def test_projection_check_compares_the_view_with_a_rebuild(
    var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hotline = build(Settings(var_dir=var, database_url="", environment="development"), store="sqlite")
    try:
        for key in ("a", "b"):
            hotline.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="operator1",
                                         idempotency_key=key, role="operator")
        EmbeddedRunner(edges_of(hotline)).pump()
    finally:
        hotline.close()
    capsys.readouterr()  # the pipeline's own logs (on stdout until a command configures logging)
    assert main(["projection", "check"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["equal"] and found["messages"] >= 4  # two cases opened or joined, referrals
    lost = build(Settings(var_dir=var, database_url="", environment="development"), store="sqlite")
    with lost.view.sql.transaction(commit=True) as c:
        lost.view.sql.execute(c, "DELETE FROM view_referrals WHERE agency_kind = 'hospital'", ())
    lost.close()
    assert main(["projection", "check"]) == 1
    assert json.loads(capsys.readouterr().out)["differences"]["view_referrals"] == {
        "only_live": 0, "only_rebuilt": 1}


def test_projection_rebuild_swaps_in_a_view_made_from_the_event_stores(
    var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(var_dir=var, database_url="", environment="development")
    hotline = build(settings, store="sqlite")
    runner = EmbeddedRunner(edges_of(hotline))
    for key in ("a", "b"):
        hotline.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="operator1",
                                     idempotency_key=key, role="operator")
    runner.pump()
    before = {t: hotline.view.sql.rows(f"SELECT count(*) AS n FROM {t}")[0]["n"]
              for t in ("view_cases", "view_referrals", "view_timeline")}
    stood = dict(positions(hotline.view))
    watch = GenerationWatch(hotline.view)
    with hotline.view.sql.transaction(commit=True) as c:  # a view gone wrong
        hotline.view.sql.execute(c, "DELETE FROM view_referrals", ())
        hotline.view.sql.execute(c, "UPDATE view_cases SET risk_level = 'blue'", ())
    assert main(["projection", "rebuild"]) == 0
    rebuilt = json.loads(capsys.readouterr().out)
    assert rebuilt["rows"]["view_referrals"] == before["view_referrals"] == 2
    assert rebuilt["resumed_at"] == stood and stood["dispatch"] > 0  # where the projection stood
    assert dict(positions(hotline.view)) == stood
    after = {t: hotline.view.sql.rows(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in before}
    assert after == before and {c["risk_level"] for c in hotline.view.list_cases()} == {"red"}
    assert watch.changed() and not watch.changed()  # the consumer resumes once, from there
    assert runner.pump() == 0  # nothing new: the runner carries on where it stood
    assert main(["projection", "check"]) == 0
    hotline.close()


def test_oncall_set_and_show_keep_the_secret_to_themselves(var: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    roster = var / "roster.json"
    roster.write_text(json.dumps({"contacts": [
        {"name": "值班员", "webhook_url": "https://qyapi.example/hook?key=1", "format": "wecom"},
        {"name": "所长", "phone": "0763-1234567", "from": "22:00", "to": "06:00"}],
        "secret": "a-long-enough-secret-1"}), encoding="utf-8")
    assert main(["oncall", "set", "--agency", "police-441823", "--file", str(roster)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in shown["contacts"]] == ["值班员", "所长"]
    assert main(["oncall", "show", "--agency", "police-441823"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed)["contacts"] == shown["contacts"] and "a-long-enough-secret-1" not in printed
    roster.write_text(json.dumps({"contacts": [{"name": "值班员", "webhook_url": "mailto:x"}],
                                  "secret": "a-long-enough-secret-1"}), encoding="utf-8")
    assert main(["oncall", "set", "--agency", "police-441823", "--file", str(roster)]) == 2
    assert "contacts.0.webhook_url" in capsys.readouterr().err
    assert main(["oncall", "set", "--agency", "nowhere", "--file", str(roster)]) == 2
    assert "no agency unit" in capsys.readouterr().err
