"""A store written under aes, then the same store under sm (contract §14): reports of both suites
read back, a child of an aes report joins its case, caller history, lookup codes and the
operator's own cases find both, `hotline keys rotate --suite sm` re-wraps every data key, and
`hotline erase` leaves nothing of either."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.bootstrap import ApiContainer, Overrides, Wiring
from services.bootstrap.processes import EmbeddedContainer, bootstrap_embedded
from services.cli.main import main
from services.common.auditnote import Principal
from services.common.settings import Settings
from services.intake.application import Receipt
from services.intake.schemas import ReportIn
from services.oversight.case_scope import own_cases
from tests.helpers import CHILD_ID, FAST_HASHER, build, report_body

CALLER = "13911112222"
REPORTER = {"name": "陈先生", "phone": CALLER, "relation": "neighbour", "anonymous": False}


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    return tmp_path


def under(suite: str, var: Path, monkeypatch: pytest.MonkeyPatch) -> EmbeddedContainer:
    """The embedded wiring on var's SQLite files as `hotline run` builds it, under that suite
    (closing it chains and checkpoints the audit entries, as stopping `hotline run` does)."""
    monkeypatch.setenv("HOTLINE_CRYPTO_SUITE", suite)
    fast = Overrides(password_hasher=FAST_HASHER)
    return bootstrap_embedded(Wiring.of(Settings(var_dir=var), overrides=fast))


def submit(h: ApiContainer, key: str, narrative: str) -> Receipt:
    body = report_body(reporter=REPORTER, narrative=narrative)
    return h.intake.submit_report(ReportIn.model_validate(body), submitted_by="operator1",
                                  role="operator", idempotency_key=key)


def stored_magics(var: Path) -> set[bytes]:
    with sqlite3.connect(var / "intake.sqlite") as db:
        return {bytes(s)[:4] for (s,) in db.execute("SELECT state FROM stored_events")}


def wrapped_prefixes(h: ApiContainer) -> dict[str, str]:
    return {owner: (h.keys.backend.get(owner) or "")[:3] for owner in h.keys.backend.owners()}


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_a_store_switched_from_aes_to_sm_reads_matches_rotates_and_erases_both(
        var: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run = under("aes", var, monkeypatch)
    h = run.api
    old = submit(h, "before", "第一次：孩子被打流血")
    h.audit.record(actor="operator1", role="operator", action="report.read", resource_type="report",
                   resource_id=str(old.report_id))  # chained under aes when this run stops
    run.runner.pump()
    old_case = h.triage.case_for_report(str(old.report_id))
    assert old_case is not None and stored_magics(var) == {b"\x00hk1"}
    run.close()

    run = under("sm", var, monkeypatch)
    h = run.api
    new = submit(h, "after", "第二次：孩子又被打了")
    run.runner.pump()
    reports = {r.report_id: h.intake.get_report(r.report_id) for r in (old, new)}
    assert reports[old.report_id].pii.startswith("v2:") and reports[new.report_id].pii.startswith("s4:")
    assert stored_magics(var) == {b"\x00hk1", b"\x00hs1"}  # events of both suites in one store
    assert wrapped_prefixes(h)[str(old.report_id)] == "v2:"
    assert wrapped_prefixes(h)[str(new.report_id)] == "s4:"
    assert h.intake.personal_data(reports[old.report_id])["narrative"] == "第一次：孩子被打流血"  # type: ignore[index]
    assert h.intake.personal_data(reports[new.report_id])["narrative"] == "第二次：孩子又被打了"  # type: ignore[index]

    # The same child under sm joins the case an aes report opened; the repeat check finds it.
    assert h.triage.case_for_report(str(new.report_id)) == old_case
    assert h.triage.get_case(old_case).report_ids == [str(old.report_id), str(new.report_id)]
    child = {"name": "王小明", "age": 9, "id_number": CHILD_ID}
    assert [case for case, _ in h.triage.known_cases([child], "441823")] == [str(old_case)]
    # Caller history: one row in each family, both found.
    assert h.intake.callers is not None
    callers = [r["caller"] for r in h.intake.callers.sql.rows("SELECT caller FROM caller_reports")]
    assert sorted(c.startswith("sm3:") for c in callers) == [False, True]
    found = h.intake.callers.reports(CALLER, datetime.now(UTC))
    assert sorted(found) == sorted([str(old.report_id), str(new.report_id)])
    # Lookup codes: the aes receipt's code still checks, the new one is the sm family's.
    assert old.lookup_code != new.lookup_code
    for receipt in (old, new):
        found = h.intake.lookup(receipt.receipt_no, receipt.lookup_code)
        assert found is not None and found.id == receipt.report_id
    assert h.intake.lookup(old.receipt_no, new.lookup_code) is None
    # A retry that straddles the switch is the same request (no 409), the same report.
    assert submit(h, "before", "第一次：孩子被打流血").report_id == old.report_id
    # The operator's own cases: found by either suite's pseudonym.
    assert own_cases(h, Principal("operator1", "operator")) == {str(old_case)}
    run.close()

    # Every data key wrapped again under sm; a second run finds nothing left to do.
    before = wrapped_prefixes(build(Settings(var_dir=var)))
    aes_keys = sum(p == "v2:" for p in before.values())
    assert aes_keys >= 1 and any(p == "s4:" for p in before.values())
    done = cli(["keys", "rotate", "--suite", "sm"], capsys)
    assert (done["count"], done["already_under_suite"]) == (aes_keys, len(before) - aes_keys)
    assert cli(["keys", "rotate", "--suite", "sm"], capsys)["count"] == 0
    run = under("sm", var, monkeypatch)
    assert set(wrapped_prefixes(run.api).values()) == {"s4:"}
    for receipt in (old, new):
        assert run.api.intake.personal_data(run.api.intake.get_report(receipt.report_id)) is not None
    run.close()

    # `hotline erase` of both: no key, no caller row, no index entry, no clear value anywhere.
    for receipt in (old, new):
        cli(["erase", "--report", str(receipt.report_id), "--reason", "依法删除"], capsys)
    run = under("sm", var, monkeypatch)
    h = run.api
    run.runner.pump()
    for receipt in (old, new):
        assert h.keys.key_for(str(receipt.report_id)) is None
        assert h.intake.personal_data(h.intake.get_report(receipt.report_id)) is None
    assert h.intake.callers.sql.rows("SELECT caller FROM caller_reports") == []  # type: ignore[union-attr]
    assert h.triage.known_cases([child], "441823") == []
    run.close()
    assert cli(["audit", "verify"], capsys)["ok"] is True
    with sqlite3.connect(var / "audit.sqlite") as db:  # a chain of both suites
        assert dict(db.execute("SELECT suite, COUNT(*) FROM audit_log GROUP BY suite")) == {"aes": 1, "sm": 2}
    values = [v.encode() for v in ("王小明", CALLER, "陈先生", "孩子被打流血", "孩子又被打了", CHILD_ID)]
    assert [str(f) for f in var.rglob("*") if f.is_file() and any(v in f.read_bytes() for v in values)] == []
