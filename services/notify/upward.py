"""The upward report of a major incident (重大事项报告, contract §12): one delivery per incident
to HOTLINE_UPWARD_WEBHOOK, planned from `hotline.case.major_incident` and tried, signed and
recorded like every other delivery (its own receiver in the ledger and the health)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.keystore import KeyStore, case_key_owner
from services.notify.domain import UPWARD, Delivery

UPWARD_EVENT = "major_incident.reported"
ERASED_SUMMARY = "（摘要已随个人信息删除）"  # the case's data key is gone: nothing to open


def incident_key(case_id: str, reason: str) -> str:
    """What keys the delivery (in place of a referral): one per case and reason."""
    return f"{case_id}/{reason}"


def summary_of(data: dict[str, Any], keys: KeyStore | None) -> str:
    """An automatic incident's fixed summary, or the supervisor's, opened with the case's key."""
    if data.get("summary"):
        return str(data["summary"])
    key = keys.key_for(case_key_owner(data["case_id"])) if keys and data.get("pii") else None
    if key is None:
        return ERASED_SUMMARY
    return str(key.open(data["pii"], context=f"major-incident:{data['case_id']}"))


def payload(data: dict[str, Any], summary: str) -> dict[str, Any]:
    """The body the contract names, and why it went upward: no names, no id numbers."""
    return {"event": UPWARD_EVENT, "case_id": data["case_id"], "region_code": data["region_code"],
            "risk_level": data["risk_level"], "concerns": data["concerns"], "summary": summary,
            "reported_at": data["reported_at"], "reason": data["reason"]}


def plan(data: dict[str, Any], url: str, fmt: str, keys: KeyStore | None) -> Delivery:
    """The delivery, keyed by uuid5 of the case and reason: a redelivered message plans nothing new."""
    return Delivery(referral_id=incident_key(data["case_id"], data["reason"]), case_id=data["case_id"],
                    agency_id=UPWARD, agency_kind=UPWARD, event_name=UPWARD_EVENT, contact=UPWARD,
                    webhook_url=url, format=fmt, payload=payload(data, summary_of(data, keys)),
                    planned_at=datetime.fromisoformat(data["reported_at"]))
