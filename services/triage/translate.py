"""Triage domain events as integration messages on hotline.cases.v1 (no personal data)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from services.common.messages import CASE_MAJOR_INCIDENT, CASE_OPENED, CASE_UPDATED, Message, envelope
from services.common.store import event_topics
from services.triage.case import Case

APP = "triage"
# What the relay reads of triage's log: the case's events, also under the module earlier releases
# stored them in (the child index and report links stay inside).
TOPICS = event_topics(Case, also_under=("services.triage.domain",))

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


def update_fields(e: Any) -> dict[str, Any]:
    """An update's fields in their wire order, as a change that carries none of its own says them
    (categories None leaves the case's as they were: only a reassessment sets them)."""
    return {"report_id": None, "by": "triage", "risk_level": e.risk_level,
            "previous_risk_level": e.risk_level, "added_concerns": [], "concerns": e.concerns,
            "region_code": e.region_code, "needs_review": False, "rule_version": None,
            "rationale": None, "channel": None, "submitter_ref": None, "sentinel_id": None,
            "at": e.timestamp.isoformat(), "categories": None}


def said_by(e: Any) -> dict[str, Any]:
    """The fields each kind of change carries on an update."""
    if isinstance(e, Case.Reviewed):
        return {"by": e.by, "rationale": "reviewed by a supervisor"}
    assessed = {"previous_risk_level": e.previous_risk_level, "added_concerns": e.added_concerns,
                "needs_review": e.needs_review}
    if isinstance(e, Case.Reassessed):
        # A supervisor's free-text reason stays in the (encrypted) event store: it may name people.
        return {**assessed, "by": e.by, "rationale": "reassessed by a supervisor",
                "categories": e.categories}
    triaged = {**assessed, "report_id": e.report_id, "rule_version": e.rule_version,
               "rationale": e.rationale}
    if isinstance(e, Case.Supplemented):  # which supplement, and whether it said danger: units are told
        return {**triaged, "supplement_id": e.supplement_id, "immediate_danger": e.immediate_danger,
                "complaint": e.complaint}
    return {**triaged, "channel": e.channel, "submitter_ref": e.submitter_ref,
            "sentinel_id": e.sentinel_id, "at": e.at.isoformat(),
            "report_region_code": e.report_region_code or None}  # where this report put the child


def major_incident(e: Any) -> dict[str, Any]:
    """A case gone upward (§12): a mark's summary only sealed (`pii`, under the event key's subkey
    for upward summaries, the case id bound in: notify opens it without the data key), the
    supervisor not named; an automatic one's fixed summary names no one."""
    return {"case_id": str(e.originator_id), "reason": e.reason, "region_code": e.region_code,
            "risk_level": e.risk_level, "concerns": e.concerns, "summary": e.summary,
            "pii": e.sealed_summary, "rule_version": e.rule_version,
            "reported_at": e.reported_at.isoformat()}


def triage_translator(domain_event: Any) -> Message | None:
    e: Any = domain_event
    if isinstance(e, Case.Opened):
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
                "submitter_ref": e.submitter_ref,
                "sentinel_id": e.sentinel_id,
                **categories_for(e.concerns),
            },
        )
    if isinstance(e, Case.MajorIncident):
        return envelope(APP, e, CASE_MAJOR_INCIDENT, major_incident(e))
    reason = UPDATE_REASONS.get(type(e).__name__)
    if reason is None or not isinstance(domain_event, Case.Event):
        return None
    case_id = str(e.originator_id)
    return envelope(
        APP, e, CASE_UPDATED,
        {
            "case_id": case_id,
            "reason": reason,
            **update_fields(e) | said_by(e),
            **categories_for(e.concerns),
        },
    )
