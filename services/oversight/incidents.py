"""Major incidents (重大事项, contract §12) for supervisors and auditors: those of their region,
newest first, with where each upward report is; a supervisor's mark; the month's counts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.desk.incidents import IncidentRow
from projections.desk.reader import DeskReader
from services.bootstrap import ApiContainer
from services.common import store
from services.common.auditnote import Actor, AuditLog, Principal, within
from services.common.errors import DomainError, NotFound
from services.common.keystore import case_key_owner
from services.common.labels import INCIDENT_MARK_TEXT, INCIDENT_REASON_TEXT, UPWARD_STATE_TEXT
from services.notify.domain import UPWARD, Delivery, delivery_id
from services.notify.upward import ERASED_SUMMARY, UPWARD_EVENT, incident_key, open_summary
from services.triage.case import Case

UPWARD_WITHIN = timedelta(seconds=60)  # contract §12: the upward report goes within 60 s


def personal_on(c: ApiContainer, case: Case) -> tuple[list[str], list[str]]:
    """The names of the case's children and reporters, and the addresses its reports filed,
    opened for a comparison in memory only."""
    names: list[str] = []
    addresses: list[str] = []
    for report_id in case.report_ids:
        data = c.intake.personal_data(c.intake.get_report(report_id)) or {}
        names += [str(child.get("name") or "") for child in data.get("children") or []]
        names.append(str((data.get("reporter") or {}).get("name") or ""))
        addresses.append(str(data.get("address") or ""))
    return [n for n in names if n.strip()], [a for a in addresses if a.strip()]


def case_of(c: ApiContainer, case_id: str, who: Principal) -> Case:
    """The case, if it lies in the caller's region (else 404, as if it did not exist)."""
    case = c.triage.get_case(case_id)
    if not who.sees_region(case.region_code):
        raise NotFound("No such case")
    return case


def check_mark(c: ApiContainer, case_id: str, summary: str, who: Principal) -> Case:
    """What a mark would answer, nothing kept: the page's confirming step comes after it."""
    case = case_of(c, case_id, who)
    names, addresses = personal_on(c, case)
    case.check_mark(summary, names, c.triage.incidents, addresses)
    return case


def mark(c: ApiContainer, case_id: str, summary: str, who: Principal, actor: Actor) -> Case:
    """A supervisor marks a case of their region (else 404) with a summary naming no one."""
    case = check_mark(c, case_id, summary, who)
    return c.triage.mark_major_incident(case.id, summary=summary, names=personal_on(c, case)[0],
                                        by=who.subject, actor=actor)


def upward_state(c: ApiContainer, case_id: str, reason: str, reported_at: str) -> str:
    """delivered, failing (an attempt failed or it gave up), pending (not yet planned or tried),
    unconfigured (embedded: this process shares notify's settings and none is set) or unsent
    (distributed: the API is not told notify's settings, so 60 s without a plan can mean either no
    receiver set or notify not running; the page says both)."""
    key = delivery_id(incident_key(case_id, reason), UPWARD_EVENT, UPWARD)
    found = store.find(c.notify.repository, key, Delivery)
    if found is None and not (c.settings.upward_webhook or c.notify.upward):
        waited = datetime.now(UTC) - datetime.fromisoformat(reported_at)
        if not c.settings.distributed:
            return "unconfigured"
        if waited > UPWARD_WITHIN:
            return "unsent"
    if found is None or (found.pending and found.last_error is None):
        return "pending"
    return "delivered" if found.delivered_at is not None else "failing"


def summary_of(c: ApiContainer, row: IncidentRow) -> str:
    """An automatic incident's fixed summary, or the supervisor's: as notify opens it (the event
    key's subkey), else as an earlier release sealed it (the case's data key)."""
    if row["summary"] is not None:
        return row["summary"]
    sealed = row["sealed_summary"]
    opened = open_summary(sealed, row["case_id"], c.notify.summaries)
    if opened is not None:
        return opened
    key = c.keys.key_for(case_key_owner(row["case_id"])) if sealed else None
    if key is None or sealed is None:
        return ERASED_SUMMARY
    return str(key.open(sealed, context=f"major-incident:{row['case_id']}"))


def list_incidents(c: ApiContainer, who: Principal, audit: AuditLog) -> list[dict[str, Any]]:
    """The API's read, audited (the board's section reads `incidents_of` under board.read)."""
    audit(who, "incident.list", "incidents", who.region)
    return incidents_of(c, who)


def incidents_of(c: ApiContainer, who: Principal,
                 rows: list[IncidentRow] | None = None) -> list[dict[str, Any]]:
    """Those whose region lies within the caller's, each with its county (by name) and upward state."""
    rows = c.view.major_incidents() if rows is None else rows
    return [{"case_id": r["case_id"], "region_code": r["region_code"], "county": r["region_code"][:6],
             "county_name": c.directory.county_label(r["region_code"]),
             "risk_level": r["risk_level"], "concerns": r["concerns"], "summary": summary_of(c, r),
             "reason": r["reason"], "reported_at": r["reported_at"],
             "upward": upward_state(c, r["case_id"], r["reason"], r["reported_at"])}
            for r in rows if who.sees_region(r["region_code"])]


def marked_now(c: ApiContainer, case_id: str, who: Principal) -> list[IncidentRow]:
    """A case's incidents as the triage store has them (the desk view lags it a moment): the board
    shows a mark at once after its redirect."""
    try:
        case = case_of(c, case_id, who)
    except DomainError:
        return []
    return [IncidentRow(case_id=case_id, reason=e.reason, region_code=e.region_code, risk_level=e.risk_level,
                        concerns=list(e.concerns), summary=e.summary, sealed_summary=e.sealed_summary,
                        reported_at=e.reported_at.isoformat())
            for e in c.triage.repository.event_store.get(case.id) if isinstance(e, Case.MajorIncident)]


def incident_counts(view: DeskReader, since: datetime | None, until: datetime | None,
                    region: str | None) -> dict[str, int]:
    """The window's major incidents in the region, by reason (the monthly report's table)."""
    return dict(Counter(r["reason"] for r in view.major_incidents(since, until)
                        if within(r["region_code"], region)))


def incident_context(c: ApiContainer, who: Principal, done: str = "") -> dict[str, Any]:
    """The board's section (重大事项) and which of its cases are one already, with their words;
    `done`: the case just marked, shown even before the view has it."""
    found = incidents_of(c, who)
    if done and not any(i["case_id"] == done for i in found):
        found = incidents_of(c, who, marked_now(c, done, who)) + found
    just = [i for i in found if i["case_id"] == done]
    return {"incidents": found, "incident_cases": {i["case_id"]: i["upward"] for i in found},  # its report
            "incident_done": done if just else "",
            "upward_configured": not any(i["upward"] in ("unconfigured", "unsent") for i in just),
            "incident_reason_text": INCIDENT_REASON_TEXT, "upward_state_text": UPWARD_STATE_TEXT,
            "incident_mark_text": INCIDENT_MARK_TEXT}
