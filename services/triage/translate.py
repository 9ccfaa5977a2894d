"""Triage domain events as integration messages on hotline.cases.v1 (no personal data)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from services.common.envelope import envelope
from services.common.messages import CASE_OPENED, CASE_UPDATED, Message
from services.triage.domain import Case

APP = "triage"

# Case events that change it, and the reason each carries on the wire.
UPDATE_REASONS = {
    "ReportJoined": "report_joined",
    "Supplemented": "supplement",
    "Reassessed": "reassessment",
    "Reviewed": "review",  # the level kept, the review flag cleared
}


@cache
def category_rules(filename: str = "categories.v1.json") -> dict[str, Any]:
    """Which ledger categories a concern suggests (versioned data, like the risk rules)."""
    return json.loads(resources.files("services.triage").joinpath("data", filename).read_text())  # type: ignore[no-any-return]


def categories_for(concerns: list[str]) -> dict[str, Any]:
    """The suggestion a case's concerns make, with the version of the rules that made it."""
    rules = category_rules()
    suggested = sorted({c for concern in concerns for c in rules["suggest"].get(concern, [])})
    return {"suggested_categories": suggested, "category_rules_version": rules["version"]}


def triage_translator(domain_event: Any) -> Message | None:
    e: Any = domain_event
    if isinstance(e, Case.Opened):  # type: ignore[attr-defined]
        case_id = str(e.originator_id)
        return envelope(
            APP, e, CASE_OPENED,
            {
                "case_id": case_id,
                "report_id": e.report_id,
                "risk_level": e.risk_level,
                "initial_risk_level": e.risk_level,
                "concerns": e.concerns,
                "region_code": e.region_code,
                "needs_review": e.needs_review,
                "rule_version": e.rule_version,
                "rationale": e.rationale,
                "opened_at": e.opened_at.isoformat(),
                "channel": e.channel,
                "submitter_ref": getattr(e, "submitter_ref", None),
                "sentinel_id": getattr(e, "sentinel_id", None),
                **categories_for(e.concerns),
            },
        )
    reason = UPDATE_REASONS.get(type(e).__name__)
    if reason is None or not isinstance(domain_event, Case.Event):
        return None
    case_id = str(e.originator_id)
    return envelope(
        APP, e, CASE_UPDATED,
        {
            "case_id": case_id,
            "reason": reason,
            "report_id": getattr(e, "report_id", None),
            "by": getattr(e, "by", "triage"),
            "risk_level": e.risk_level,
            "previous_risk_level": getattr(e, "previous_risk_level", e.risk_level),
            "added_concerns": getattr(e, "added_concerns", []),
            "concerns": e.concerns,
            "region_code": e.region_code,
            "needs_review": getattr(e, "needs_review", False),
            "rule_version": getattr(e, "rule_version", None),
            # A supervisor's free-text reason stays in the (encrypted) event store: it may name people.
            "rationale": getattr(e, "rationale", None) or (
                "reviewed by a supervisor" if reason == "review" else "reassessed by a supervisor"),
            "channel": getattr(e, "channel", None),
            "submitter_ref": getattr(e, "submitter_ref", None),
            "sentinel_id": getattr(e, "sentinel_id", None),
            "at": e.at.isoformat() if hasattr(e, "at") else e.timestamp.isoformat(),
            # Set by a supervisor's reassessment; None leaves the case's categories as they were.
            "categories": getattr(e, "categories", None),
            **categories_for(e.concerns),
        },
    )
