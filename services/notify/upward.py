"""The upward report of a major incident (重大事项报告, contract §12): one delivery per incident
to HOTLINE_UPWARD_WEBHOOK, planned from `hotline.case.major_incident` and tried, signed and
recorded like every other delivery (its own receiver in the ledger and the health)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from services.common.crypto import Sealer
from services.notify.domain import UPWARD, Delivery

log = structlog.get_logger("notify")
UPWARD_EVENT = "major_incident.reported"
ERASED_SUMMARY = "（摘要已随个人信息删除）"  # the case's data key is gone: nothing to open
UNREADABLE_SUMMARY = "（摘要无法读取）"  # an earlier release sealed it under the case's data key


def incident_key(case_id: str, reason: str) -> str:
    """What keys the delivery (in place of a referral): one per case and reason."""
    return f"{case_id}/{reason}"


def open_summary(sealed: str | None, case_id: str, summaries: Sealer | None) -> str | None:
    """A mark's summary as sealed on the wire (`pii`: the event key's subkey for it, the case id
    bound in), or None: sealed otherwise (the case's data key, before) or nothing to open."""
    if not sealed or summaries is None:
        return None
    try:
        return str(summaries.open(sealed, context=case_id))
    except ValueError:
        return None


def summary_of(data: dict[str, Any], summaries: Sealer | None) -> str:
    """An automatic incident's fixed summary, or the supervisor's, opened without the data key."""
    if data.get("summary"):
        return str(data["summary"])
    opened = open_summary(data.get("pii"), data["case_id"], summaries)
    if opened is None:
        log.warning("major incident summary not readable here: sent upward as unreadable",
                    case_id=data["case_id"], reason=data["reason"])
        return UNREADABLE_SUMMARY
    return opened


def payload(data: dict[str, Any], summary: str) -> dict[str, Any]:
    """The body the contract names, and why it went upward: no names, no id numbers."""
    return {"event": UPWARD_EVENT, "case_id": data["case_id"], "region_code": data["region_code"],
            "risk_level": data["risk_level"], "concerns": data["concerns"], "summary": summary,
            "reported_at": data["reported_at"], "reason": data["reason"]}


def plan(data: dict[str, Any], url: str, fmt: str, summaries: Sealer | None) -> Delivery:
    """The delivery, keyed by uuid5 of the case and reason: a redelivered message plans nothing new."""
    return Delivery(referral_id=incident_key(data["case_id"], data["reason"]), case_id=data["case_id"],
                    agency_id=UPWARD, agency_kind=UPWARD, event_name=UPWARD_EVENT, contact=UPWARD,
                    webhook_url=url, format=fmt, payload=payload(data, summary_of(data, summaries)),
                    planned_at=datetime.fromisoformat(data["reported_at"]))
