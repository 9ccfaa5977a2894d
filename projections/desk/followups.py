"""Follow-up plan messages (contract §6) turned into row writes of the desk view."""

from __future__ import annotations

import json
from collections.abc import Callable

from projections.desk.writes import Write, epoch, flag, timeline, version_of, versioned
from services.common.messages import (
    FOLLOWUP_CLOSED,
    FOLLOWUP_HELPER_MISSING,
    FOLLOWUP_HELPER_PAIRED,
    FOLLOWUP_LEAD_CHANGED,
    FOLLOWUP_OPENED,
    FOLLOWUP_OVERDUE,
    FOLLOWUP_REOPENED,
    FOLLOWUP_REPLANNED,
    FOLLOWUP_VISITED,
    Message,
)


def _update(m: Message, sets: str, params: tuple[object, ...]) -> list[Write]:
    d = m.data
    return versioned(d["plan_id"], version_of(m),
                     (f"UPDATE view_followups SET {sets} WHERE case_id = ?", (*params, d["case_id"])))


def _due(m: Message) -> tuple[str, float | None]:
    return m.data["next_visit_due"], epoch(m.data["next_visit_due"])


def opened(m: Message) -> list[Write]:
    d = m.data
    return [
        ("INSERT INTO view_followups (case_id, plan_id, lead_agency_id, region_code, risk_level,"
         " helper, helper_missing, status, opened_at, opened_ts, next_due, next_due_ts)"
         " VALUES (?,?,?,?,?,NULL,0,'active',?,?,?,?) ON CONFLICT (case_id) DO NOTHING",
         (d["case_id"], d["plan_id"], d["lead_agency_id"], d["region_code"], d["risk_level"],
          d["opened_at"], epoch(d["opened_at"]), *_due(m))),
        timeline(m, d["case_id"], "followup_opened", "dispatch",
                 {"lead_agency_id": d["lead_agency_id"], "next_visit_due": d["next_visit_due"]}),
    ]


def replanned(m: Message) -> list[Write]:
    d = m.data
    return [*_update(m, "risk_level = ?, next_due = ?, next_due_ts = ?", (d["risk_level"], *_due(m))),
            timeline(m, d["case_id"], "followup_replanned", "dispatch",
                     {"risk_level": d["risk_level"], "next_visit_due": d["next_visit_due"]})]


def visited(m: Message) -> list[Write]:
    d = m.data
    writes = [
        ("INSERT INTO view_visits (visit_id, case_id, visited_at, visited_ts, visitor, child_seen,"
         " measures, suggested_level, region_code) VALUES (?,?,?,?,?,?,?,?,"
         " (SELECT region_code FROM view_followups WHERE case_id = ?)) ON CONFLICT (visit_id) DO NOTHING",
         (d["visit_id"], d["case_id"], d["visited_at"], epoch(d["visited_at"]), d["visitor"],
          int(d["child_seen"]), json.dumps(d["measures"]), d["suggested_risk_level"], d["case_id"])),
        *_update(m, "next_due = ?, next_due_ts = ?", _due(m)),
        timeline(m, d["case_id"], "followup_visited", d["by"] or "desk",
                 {"visit_id": d["visit_id"], "child_seen": d["child_seen"],
                  "suggested_risk_level": d["suggested_risk_level"]}),
    ]
    if d["suggested_risk_level"]:  # for the supervisor: only a reassessment changes the level
        writes.append(flag(m, d["case_id"], "suggested_level"))
    return writes


def helper_paired(m: Message) -> list[Write]:
    d = m.data
    return [*_update(m, "helper = ?, helper_missing = 0", (d["helper"],)),
            timeline(m, d["case_id"], "followup_helper_paired", d["by"], {})]


def lead_changed(m: Message) -> list[Write]:
    d = m.data
    return [*_update(m, "lead_agency_id = ?", (d["lead_agency_id"],)),
            timeline(m, d["case_id"], "followup_lead_changed", d["by"],
                     {"agency_id": d["lead_agency_id"], "previous": d["previous"]})]


def helper_missing(m: Message) -> list[Write]:
    return [*_update(m, "helper_missing = 1", ()),
            timeline(m, m.data["case_id"], "followup_helper_missing", "scheduler", {})]


def overdue(m: Message) -> list[Write]:
    d = m.data
    return [*_update(m, "overdue_due_ts = ?", (epoch(d["due"]),)),
            timeline(m, d["case_id"], "followup_overdue", "scheduler", {"due": d["due"]})]


def closed(m: Message) -> list[Write]:
    d = m.data
    return [*_update(m, "status = 'closed', closed_at = ?, closed_ts = ?", (d["at"], epoch(d["at"]))),
            timeline(m, d["case_id"], "case_closed", d["by"], {})]


def reopened(m: Message) -> list[Write]:
    d = m.data
    # 重办 (a supervisor sent the closed case back to a unit) is the supervisor's, and settles the
    # case's flags as a review does (reader.REVIEWS); before it, only a joined report reopened one.
    rework = bool(d.get("agency_id"))
    return [*_update(m, "status = 'active', closed_at = NULL, closed_ts = NULL, next_due = ?,"
                        " next_due_ts = ?", _due(m)),
            timeline(m, d["case_id"], "case_reworked" if rework else "case_reopened",
                     d["by"] if rework else "triage", {"next_visit_due": d["next_visit_due"],
                                                       **({"agency_id": d["agency_id"]} if rework else {})})]


FOLLOWUP_WRITERS: dict[str, Callable[[Message], list[Write]]] = {
    FOLLOWUP_OPENED: opened,
    FOLLOWUP_REPLANNED: replanned,
    FOLLOWUP_VISITED: visited,
    FOLLOWUP_HELPER_PAIRED: helper_paired,
    FOLLOWUP_LEAD_CHANGED: lead_changed,
    FOLLOWUP_HELPER_MISSING: helper_missing,
    FOLLOWUP_OVERDUE: overdue,
    FOLLOWUP_CLOSED: closed,
    FOLLOWUP_REOPENED: reopened,
}
