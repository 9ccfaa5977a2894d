"""Case and referral messages turned into row writes of the desk view (no reads, no I/O)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import Tracking

from projections.desk import rollup
from projections.desk.followups import FOLLOWUP_WRITERS
from projections.desk.incidents import INCIDENT_WRITERS
from projections.desk.writes import WritableView, Write, epoch, flag, newer, timeline, version_of, versioned
from services.common.messages import (
    CASE_OPENED,
    CASE_UPDATED,
    REFERRAL_ACKNOWLEDGED,
    REFERRAL_CLOSED,
    REFERRAL_DECLINED,
    REFERRAL_DISPATCHED,
    REFERRAL_ESCALATED,
    REFERRAL_PHONED,
    REFERRAL_PROGRESSED,
    REFERRAL_RAISED,
    ROUTING_GAP,
    Message,
    same_message,
)


def _report_rows(d: dict[str, Any], received_at: str | None) -> list[Write]:
    rows: list[Write] = [(
        "INSERT INTO view_case_reports (report_id, case_id, channel, received_at, received_ts,"
        " region_code) VALUES (?,?,?,?,?,?) ON CONFLICT (report_id) DO NOTHING",
        (d["report_id"], d["case_id"], d.get("channel"), received_at, epoch(received_at),
         d.get("report_region_code") or d.get("region_code")))]  # the report's own place when said
    if d.get("submitter_ref"):
        rows.append(("INSERT INTO view_submissions (report_id, submitter_ref, received_ts)"
                     " VALUES (?,?,?) ON CONFLICT (report_id) DO NOTHING",
                     (d["report_id"], d["submitter_ref"], epoch(received_at))))
    if d.get("sentinel_id"):  # a sentinel point's reports: how long since it last spoke
        rows.append(("INSERT INTO view_sentinel_reports (report_id, sentinel_id, received_ts)"
                     " VALUES (?,?,?) ON CONFLICT (report_id) DO NOTHING",
                     (d["report_id"], d["sentinel_id"], epoch(received_at))))
    return rows


def _reported(d: dict[str, Any], received_at: str | None) -> list[rollup.Part]:
    return rollup.report(d["report_id"], d.get("channel"), epoch(received_at), d.get("region_code"))


def _concern_rows(case_id: str, concerns: list[str]) -> list[Write]:
    return [("INSERT INTO view_case_concerns (case_id, concern) VALUES (?,?)"
             " ON CONFLICT (case_id, concern) DO NOTHING", (case_id, c)) for c in concerns]


def case_opened(m: Message) -> list[Write]:
    d = m.data
    opened = epoch(d["opened_at"])
    return [
        # The daily counts first: they look for the rows before these writes add them.
        *rollup.count([*rollup.case(d["case_id"], d["risk_level"], d["concerns"], opened, d["region_code"]),
                       *_reported(d, d["opened_at"])]),
        ("INSERT INTO view_cases (case_id, risk_level, initial_risk_level, concerns, region_code,"
         " needs_review, rule_version, opened_at, opened_ts, opened_day) VALUES (?,?,?,?,?,?,?,?,?,?)"
         " ON CONFLICT (case_id) DO NOTHING",
         (d["case_id"], d["risk_level"], d["initial_risk_level"], json.dumps(d["concerns"]),
          d["region_code"], int(d["needs_review"]), d["rule_version"], d["opened_at"],
          opened, rollup.day_of(opened) if opened is not None else None)),
        # The case's region and opening time on its referrals, for statistics; referrals that
        # arrived first (another topic) get them now, later ones when they arrive.
        ("UPDATE view_referrals SET region_code = ?, case_opened_ts = ? WHERE case_id = ?"
         " AND region_code IS NULL", (d["region_code"], epoch(d["opened_at"]), d["case_id"])),
        *_concern_rows(d["case_id"], d["concerns"]),
        ("INSERT INTO view_case_categories (case_id, categories, suggested) VALUES (?,NULL,?)"
         " ON CONFLICT (case_id) DO NOTHING",
         (d["case_id"], json.dumps(d.get("suggested_categories") or []))),
        *_report_rows(d, d["opened_at"]),
        timeline(m, d["case_id"], "case_opened", "triage",
                  {"risk_level": d["risk_level"], "rationale": d["rationale"],
                   "rule_version": d["rule_version"]}),
    ]


def case_updated(m: Message) -> list[Write]:
    d = m.data
    writes: list[Write] = [
        *rollup.count([*rollup.guarded(rollup.level_change(d["case_id"], d["risk_level"]),
                                       newer(d["case_id"], version_of(m))),
                       *rollup.concerns(d["case_id"], d["concerns"]),
                       *(_reported(d, d.get("at")) if d["reason"] == "report_joined" else [])]),
        *versioned(d["case_id"], version_of(m), (
            "UPDATE view_cases SET risk_level = ?, concerns = ?, needs_review = ? WHERE case_id = ?",
            (d["risk_level"], json.dumps(d["concerns"]), int(d["needs_review"]), d["case_id"]))),
        *_concern_rows(d["case_id"], d["concerns"]),
        *versioned(f"categories:{d['case_id']}", version_of(m), (
            "UPDATE view_case_categories SET suggested = ?, categories = COALESCE(?, categories)"
            " WHERE case_id = ?",
            (json.dumps(d.get("suggested_categories") or []),
             json.dumps(d["categories"]) if d.get("categories") is not None else None, d["case_id"]))),
    ]
    if d["reason"] == "report_joined":
        writes.extend(_report_rows(d, d.get("at")))
    if d["reason"] in ("reassessment", "review"):  # a supervisor looked: earlier flags are settled
        writes.append(flag(m, d["case_id"], "reviewed"))
    if d.get("complaint"):  # the caller complained or pressed for action: a supervisor reviews
        writes.append(flag(m, d["case_id"], "complaint"))
    writes.append(timeline(m, d["case_id"], f"case_{d['reason']}", d.get("by") or "triage",
                            {"risk_level": d["risk_level"], "previous": d["previous_risk_level"],
                             "added_concerns": d["added_concerns"], "rationale": d["rationale"],
                             **({"complaint": True} if d.get("complaint") else {})}))
    return writes


def referral_dispatched(m: Message) -> list[Write]:
    d = m.data
    return [
        *rollup.count(rollup.referral(d["referral_id"], d["case_id"], d["agency_kind"])),
        ("INSERT INTO view_referrals (referral_id, case_id, agency_id, agency_kind, status,"
         " risk_level, concerns, dispatched_at, due_at, dispatched_ts, due_ts, region_code,"
         " case_opened_ts) VALUES (?,?,?,?,?,?,?,?,?,?,?,"
         " (SELECT region_code FROM view_cases WHERE case_id = ?),"
         " (SELECT opened_ts FROM view_cases WHERE case_id = ?)) ON CONFLICT (referral_id) DO NOTHING",
         (d["referral_id"], d["case_id"], d["agency_id"], d["agency_kind"], "dispatched",
          d["risk_level"], json.dumps(d["concerns"]), d["dispatched_at"], d["due_at"],
          epoch(d["dispatched_at"]), epoch(d["due_at"]), d["case_id"], d["case_id"])),
        # A supervisor's re-routing is theirs on the timeline (`manual:<account>`), not the system's.
        timeline(m, d["case_id"], "referral_dispatched",
                 str(d.get("matrix_version", "")).removeprefix("manual:")
                 if str(d.get("matrix_version", "")).startswith("manual:") else "dispatch",
                  {"agency_id": d["agency_id"], "referral_id": d["referral_id"]}),
        *([flag(m, d["case_id"], "reviewed")]  # a supervisor's re-routing settles a decline
          if str(d.get("matrix_version", "")).startswith("manual:") else []),
    ]


def referral_status(m: Message) -> list[Write]:
    d = m.data
    acknowledged = epoch(d["at"]) if d["status"] == "acknowledged" else None
    if acknowledged is not None:
        change: Write = ("UPDATE view_referrals SET status = ?, acknowledged_at = ?, acknowledged_ts = ?,"
                         " ack_seconds = CASE WHEN ? > dispatched_ts THEN ? - dispatched_ts ELSE 0 END"
                         " WHERE referral_id = ?",
                         (d["status"], d["at"], acknowledged, acknowledged, acknowledged, d["referral_id"]))
    else:
        column = "escalated_at" if d["status"] == "escalated" else "closed_at"
        change = (f"UPDATE view_referrals SET status = ?, {column} = ? WHERE referral_id = ?",
                  (d["status"], d["at"], d["referral_id"]))
    writes = [*rollup.count(rollup.guarded(rollup.status_change(d["referral_id"], d["status"], acknowledged),
                                           newer(d["referral_id"], version_of(m)))),
              *versioned(d["referral_id"], version_of(m), change)]
    if d["status"] == "declined" and not d.get("withdrawn"):  # back to the supervisor board for re-routing
        writes.append(flag(m, d["case_id"], "declined"))
    writes.append(timeline(m, d["case_id"],  # a supervisor's 撤回 on a line of its own (stop 58)
                           "referral_withdrawn" if d.get("withdrawn") else f"referral_{d['status']}", d["by"],
                            {"agency_id": d["agency_id"], "referral_id": d["referral_id"]}))
    return writes


def referral_raised(m: Message) -> list[Write]:
    """The case's level went up before the unit took it on: the referral's level and due time."""
    d = m.data
    return [
        *versioned(d["referral_id"], version_of(m), (
            "UPDATE view_referrals SET risk_level = ?, due_at = ?, due_ts = ? WHERE referral_id = ?",
            (d["risk_level"], d["due_at"], epoch(d["due_at"]), d["referral_id"]))),
        timeline(m, d["case_id"], "referral_raised", "dispatch",
                 {"agency_id": d["agency_id"], "referral_id": d["referral_id"], "risk_level": d["risk_level"],
                  "previous": d["previous_risk_level"], "due_at": d["due_at"]}),
    ]


def referral_phoned(m: Message) -> list[Write]:
    """A supervisor's call to the unit about a referral: a timeline line (what was said stays in
    dispatch's store)."""
    d = m.data
    return [timeline(m, d["case_id"], "referral_phoned", d["by"],
                     {"agency_id": d["agency_id"], "referral_id": d["referral_id"], "reached": d["reached"],
                      "way": d.get("way", "phone")})]  # 书面督办 since stop 62


def referral_progressed(m: Message) -> list[Write]:
    """The unit recorded its progress on a referral: a timeline line (what it did stays in
    dispatch's store)."""
    d = m.data
    return [timeline(m, d["case_id"], "referral_progressed", d["by"],
                     {"agency_id": d["agency_id"], "referral_id": d["referral_id"]})]


def routing_gap(m: Message) -> list[Write]:
    d = m.data
    return [
        flag(m, d["case_id"], "routing_gap"),
        timeline(m, d["case_id"], "routing_gap", "dispatch", {"agency_kind": d["agency_kind"]}),
    ]


WRITERS: dict[str, Callable[[Message], list[Write]]] = {
    **FOLLOWUP_WRITERS,
    **INCIDENT_WRITERS,
    CASE_OPENED: case_opened,
    CASE_UPDATED: case_updated,
    REFERRAL_DISPATCHED: referral_dispatched,
    ROUTING_GAP: routing_gap,
    REFERRAL_ACKNOWLEDGED: referral_status,
    REFERRAL_DECLINED: referral_status,
    REFERRAL_CLOSED: referral_status,
    REFERRAL_ESCALATED: referral_status,
    REFERRAL_RAISED: referral_raised,
    REFERRAL_PHONED: referral_phoned,
    REFERRAL_PROGRESSED: referral_progressed,
}


def writes_for(message: Message | None) -> list[Write]:
    writer = WRITERS.get(message.type) if message is not None else None
    return writer(message) if writer and message is not None else []


class DeskProjection:
    """Applies case and referral messages to the desk view: rows and tracking in one transaction."""

    name = "desk"
    run_key = staticmethod(same_message)  # its rows are written from the messages alone, in order

    def __init__(self, view: WritableView):
        self.view = view

    def process_event(self, message: Message | None, tracking: Tracking) -> None:
        self.view.apply(writes_for(message), tracking)

    def process_batch(self, items: list[tuple[Message, Tracking]]) -> None:
        """Messages of one partition in order, with the last one's position: one transaction."""
        self.view.apply([w for message, _ in items for w in writes_for(message)], items[-1][1])
