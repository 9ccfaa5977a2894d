"""Issue #26 finding 1, the repeat check as an oracle (contract §10, "Repeat check is not an
oracle"): a 1,000-id probe of one birth date by one operator is cut off by the hourly allowance
of distinct children, no answer names a case or its concerns, and the trail shows one keyed
fingerprint per child probed, the same each time the same child is typed."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from services.bootstrap import ApiContainer, Wiring
from services.common.crypto import Hasher
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from services.oversight.allowance import AllowanceSpent, RepeatAllowance
from services.oversight.repeat_check import fingerprint
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries, id_number, report_body

CHECK = "/v1/children/repeat-check"
# Every id number of one birth date in the county, as the probe made them (sequence 000-999).
PROBE = [id_number(f"44182320150101{n:03d}") for n in range(1000)]
PLANTED = PROBE[5]


def test_a_thousand_id_probe_is_cut_off_and_learns_no_case_or_concern(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("operator2", TEST_PASSWORD, "operator")
    planted = report_body(children=[{"name": "赵小花", "gender": "female", "age": 10, "id_number": PLANTED}],
                          concerns=["sexual_abuse", "domestic_violence"])
    report = api.submit(planted, key="planted").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("supervisor1")).json()["case_id"]

    answers, refused_at = [], None
    for start in range(0, len(PROBE), 20):
        r = api.client.post(CHECK, json={"children": [{"id_number": i} for i in PROBE[start:start + 20]]},
                            headers=api.auth("operator1"))
        if r.status_code == 429:
            refused_at = refused_at if refused_at is not None else start
            assert 1 <= int(r.headers["Retry-After"]) <= 3600
            continue
        assert r.status_code == 200, r.text
        answers.append(r.json())
    assert refused_at == 120  # the default allowance: 120 distinct children an hour, of 1,000 tried
    assert len(answers) == 6
    hit = [k for answer in answers for k in answer]
    assert hit == [{"risk_level": "red", "status": "dispatched", "last_report_at": hit[0]["last_report_at"],
                    "report_count": 1, "joins": True}]
    said = json.dumps(answers)
    assert case_id not in said and "case_id" not in said and "concerns" not in said
    assert "sexual_abuse" not in said and "domestic_violence" not in said
    # An operator's own report is the way to its case; the probe's find is not (finding 1's chain).
    assert api.client.get(f"/v1/cases/{case_id}", headers=api.auth("operator2")).status_code == 404

    # The same children again cost nothing: the operator can still look at what was checked.
    again = api.client.post(CHECK, json={"children": [{"id_number": PLANTED.lower()}]},
                            headers=api.auth("operator1"))
    assert again.status_code == 200 and len(again.json()) == 1
    # Another operator has an allowance of their own.
    other = api.client.post(CHECK, json={"children": [{"id_number": PROBE[999]}]},
                            headers=api.auth("operator2"))
    assert other.status_code == 200

    trail = [e for e in audit_entries(hotline) if e["action"].startswith("child.repeat-check")]
    checks = [e for e in trail if e["action"] == "child.repeat-check" and e["actor"] == "operator1"]
    prints = [e["resource_id"] for e in checks]
    assert len(checks) == 121 and len(set(prints)) == 120  # one per child; the planted one twice
    planted_print = fingerprint(hotline.triage.hasher, {"id_number": PLANTED}, "")  # type: ignore[arg-type]
    assert prints.count(planted_print) == 2
    assert {e["case_id"] for e in checks if e["resource_id"] == planted_print} == {case_id}
    assert all(e["case_id"] is None for e in checks if e["resource_id"] != planted_print)
    assert all(PLANTED not in json.dumps(e) and e["resource_type"] == "child" for e in trail)
    refused = [e for e in trail if e["action"] == "child.repeat-check.refused"]
    assert len(refused) == 44 and all(e["actor"] == "operator1" for e in refused)


def test_the_fingerprint_follows_how_matching_reads_a_child(hotline: ApiContainer) -> None:
    hasher = hotline.triage.hasher
    assert hasher is not None
    one = fingerprint(hasher, {"name": "王 小明", "age": 9, "gender": "male"}, "441823100")
    assert one == fingerprint(hasher, {"name": "王小明", "age": 9, "gender": "unknown"}, "441823")
    assert one != fingerprint(hasher, {"name": "王小明", "age": 10}, "441823")
    assert one != fingerprint(hasher, {"name": "王小明", "age": 9}, "441824")
    by_id = fingerprint(hasher, {"id_number": PLANTED.lower()}, "")
    assert by_id == fingerprint(hasher, {"id_number": f" {PLANTED} "}, "441823")
    assert by_id.startswith("fp-") and len(by_id) == 35 and PLANTED not in by_id
    # Keyed: another deployment's key gives another fingerprint (nobody can make one up).
    other_key = Hasher("b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXkhISE=")
    assert by_id != fingerprint(other_key, {"id_number": PLANTED}, "")


def test_a_child_matching_cannot_use_is_refused(api: Api) -> None:
    r = api.client.post(CHECK, json={"children": [{"name": "王小明"}]}, headers=api.auth("operator1"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "children"


def test_two_api_processes_share_one_allowance_and_retry_after_counts_down(tmp_path: Path) -> None:
    wiring = Wiring.of(Settings(var_dir=tmp_path / "var"), "sqlite")
    now = [1_000_000.0]
    first, second = wiring.throttle(), wiring.throttle()  # two connections, as two workers have
    try:
        a = RepeatAllowance(first.sql, 3, clock=lambda: now[0])
        b = RepeatAllowance(second.sql, 3, clock=lambda: now[0])
        assert a.spend("operator1", ["fp-1", "fp-2"]) == 2
        now[0] += 600
        assert b.spend("operator1", ["fp-2", "fp-3"]) == 1  # fp-2 again is free
        try:
            a.spend("operator1", ["fp-4"])
            raise AssertionError("the fourth child fits an allowance of three")
        except AllowanceSpent as spent:
            assert spent.retry_after == 3000  # the oldest check leaves the hour in 50 minutes
        assert b.spend("operator2", ["fp-4"]) == 1
        assert a.spend("operator1", ["fp-1", "fp-3"]) == 0
        now[0] += 3001
        assert b.spend("operator1", ["fp-4"]) == 1  # fp-1 and fp-2 left the hour

        def check(n: int) -> bool:  # two workers' threads at once, for one operator
            try:
                (a, b)[n % 2].spend("operator3", [f"fp-{n}"])
                return True
            except AllowanceSpent:
                return False
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert sum(pool.map(check, range(32))) == 3

        # A check whose clock reads earlier than the counted ones (it waited for the lock, or its
        # process's clock lags): the retry-after is never longer than the hour (it was 3601 on
        # PostgreSQL in make test, 3610 here).
        late = RepeatAllowance(first.sql, 3, clock=lambda: now[0] - 10)
        try:
            late.spend("operator3", ["fp-new"])
            raise AssertionError("a fourth child fits an allowance of three")
        except AllowanceSpent as spent:
            assert 1 <= spent.retry_after <= 3600
    finally:
        first.close()
        second.close()


def test_the_allowance_is_a_setting(tmp_path: Path) -> None:
    assert Settings(var_dir=tmp_path).repeat_checks_per_hour == 120
    assert Settings(var_dir=tmp_path, repeat_checks_per_hour="30").repeat_checks_per_hour == 30  # type: ignore[arg-type]
    for bad in ("0", "many"):
        try:
            Settings(var_dir=tmp_path, repeat_checks_per_hour=bad)  # type: ignore[arg-type]
            raise AssertionError(f"{bad!r} accepted")
        except ValueError as exc:
            assert "HOTLINE_REPEAT_CHECKS_PER_HOUR" in str(exc)
