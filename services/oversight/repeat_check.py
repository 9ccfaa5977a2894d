"""The operator's repeat check (contract §10, "Repeat check is not an oracle"): is this child in an
open case? The answer is the level, status, last report time, count and whether a report now
would join, never the case id or its concerns; each operator looks up a bounded number of
distinct children an hour; every child looked up is an audit entry with a keyed fingerprint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog, Principal
from services.common.crypto import Hasher
from services.intake.lookups import KnownCase, RepeatCheckIn
from services.oversight.allowance import AllowanceSpent, RepeatAllowance
from services.triage.domain import TriageError

# Fingerprints are 128 bits of an HMAC under the hash key, with a purpose of their own: they
# cannot be joined with the keys under which triage indexes children.
PURPOSE = "repeat-check-fingerprint"


def description(child: dict[str, Any], region_code: str) -> str:
    """The child as matching reads it (contract §3): the id number, upper case; the name without
    spaces with age and county. Gender is left out, as matching leaves it out: descriptions that
    can find the same cases are one child."""
    parts = []
    if child.get("id_number"):
        parts.append("id=" + str(child["id_number"]).strip().upper())
    if child.get("name") and child.get("age") is not None:
        name = "".join(str(child["name"]).split())
        parts.append(f"name-age-county={name}|{child['age']}|{region_code[:6]}")
    return "\x1f".join(parts)


def fingerprint(hasher: Hasher, child: dict[str, Any], region_code: str) -> str:
    # The current suite's family: after a switch a child's entries carry a new fingerprint.
    return "fp-" + hasher.short(PURPOSE, description(child, region_code), 32)


def check(c: ApiContainer, body: RepeatCheckIn, who: Principal, audit: AuditLog) -> list[KnownCase]:
    """Count the children against the caller's hour (AllowanceSpent when spent, nothing looked up), then
    each child's open cases, one audit entry per child: `resource_id` its fingerprint, `case_id`
    the newest open case it is in (None when none)."""
    if c.triage.hasher is None:
        raise TriageError("children", "this process cannot match children (no hash key)")
    region = body.region_code or ""
    children: dict[str, dict[str, Any]] = {}
    for child in body.children:
        described = child.model_dump()
        children.setdefault(fingerprint(c.triage.hasher, described, region), described)
    allowance = RepeatAllowance(c.throttle.sql, c.settings.repeat_checks_per_hour)
    try:
        allowance.spend(who.subject, children)
    except AllowanceSpent:
        audit(who, "child.repeat-check.refused", "child", None)
        raise
    window = timedelta(days=c.triage.rules.join_within_days)
    now = datetime.now(UTC)
    last: dict[str, datetime] = {}
    for print_, described in children.items():
        found = c.triage.known_cases([described], region)
        open_ = [case["case_id"] for case in c.view.cases_by_id([i for i, _ in found])
                 if case["status"] != "closed"]
        audit(who, "child.repeat-check", "child", print_, open_[0] if open_ else None)
        for case_id, seen in found:
            if case_id in open_:
                last[case_id] = max(seen, last.get(case_id, seen))
    cases = {case["case_id"]: case for case in c.view.cases_by_id(list(last))}
    ordered = sorted(last.items(), key=lambda item: item[1], reverse=True)
    return [KnownCase(risk_level=cases[i]["risk_level"], status=cases[i]["status"], last_report_at=seen,
                      report_count=len(cases[i]["report_ids"]), joins=now - seen <= window)
            for i, seen in ordered if i in cases]
