"""The typed rows the desk view answers with."""

from __future__ import annotations

import json
from typing import Any, NotRequired, TypedDict

from projections.desk.followup_queries import CaseFollowUp


class ReferralRow(TypedDict):
    referral_id: str
    case_id: str
    agency_id: str
    agency_kind: str
    status: str
    risk_level: str
    concerns: list[str]
    dispatched_at: str
    due_at: str
    acknowledged_at: str | None
    escalated_at: str | None


class TimelineRow(TypedDict):
    at: str
    type: str
    by: str
    agency_id: NotRequired[str]  # the unit a referral event is about
    referral_id: NotRequired[str]  # and the referral (its reason to decline, or to re-route, is in its store)
    risk_level: NotRequired[str]  # a reassessment's or review's level, and the one before it
    previous: NotRequired[str]
    due_at: NotRequired[str]  # a raised referral's new due time
    reached: NotRequired[bool]  # a supervisor's call to the unit: whether anyone answered
    way: NotRequired[str]  # and whether it was a call or written 督办 (phone, written)
    incident: NotRequired[str]  # why a case went upward (auto, mark, death): a mark is a person's act
    from_unit: NotRequired[str]  # the unit that led a case's visits before the change
    complaint: NotRequired[bool]  # a supplement in which the caller complained or pressed for action
    rationale: NotRequired[str]  # triage's reason for the level an opening, join or supplement set


class CaseRow(TypedDict):
    case_id: str
    status: str
    escalated: bool
    risk_level: str
    initial_risk_level: str
    concerns: list[str]
    needs_review: bool
    review_reasons: list[str]
    opened_at: str
    report_ids: list[str]
    referrals: list[ReferralRow]
    timeline: list[TimelineRow]
    categories: list[str]
    suggested_categories: list[str]
    followup: CaseFollowUp | None
    region_code: str  # where the case is: what a supervisor's or auditor's region is matched on


class CaseLink(TypedDict):
    case_id: str
    status: str
    visits_go_on: bool  # its follow-up plan is active: the child is still visited


class SubmissionRow(TypedDict):
    report_id: str
    case_id: str
    received_at: str
    channel: str | None
    risk_level: str
    status: str
    visits_go_on: bool
    waiting: str  # "overdue": a unit past its time to take it on; "waiting": one yet to; else ""


def referral_row(row: dict[str, Any]) -> ReferralRow:
    return ReferralRow(
        referral_id=row["referral_id"], case_id=row["case_id"], agency_id=row["agency_id"],
        agency_kind=row["agency_kind"], status=row["status"], risk_level=row["risk_level"],
        concerns=json.loads(row["concerns"]), dispatched_at=row["dispatched_at"],
        due_at=row["due_at"], acknowledged_at=row["acknowledged_at"],
        escalated_at=row["escalated_at"],
    )


ENDED = "('declined', 'closed')"
REFERRAL_COLUMNS = ("referral_id, case_id, agency_id, agency_kind, status, risk_level, concerns,"
                    " dispatched_at, due_at, acknowledged_at, escalated_at")
