"""What triage decides on: a report's or a supplement's facts, with the narrative it opened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.triage.rules import Assessment


@dataclass(frozen=True)
class ReportFacts:
    """A report message's facts; the narrative only for its phrases (never stored)."""

    report_id: str
    at: datetime
    concerns: list[str]
    immediate_danger: bool
    region_code: str
    narrative: str = field(default="", repr=False)
    channel: str | None = None
    submitter_ref: str | None = None
    sentinel_id: str | None = None
    youngest_age: int | None = None
    child_died: bool = False

    @classmethod
    def of(cls, data: dict[str, Any], narrative: str) -> ReportFacts:
        ages = [c["age"] for c in data.get("children") or [] if c.get("age") is not None]
        return cls(report_id=data["report_id"], at=datetime.fromisoformat(data["received_at"]),
                   concerns=list(data["concerns"]), immediate_danger=bool(data["immediate_danger"]),
                   region_code=data["region_code"], narrative=narrative,
                   channel=data.get("channel"), submitter_ref=data.get("submitter_ref"),
                   sentinel_id=data.get("sentinel_id"), youngest_age=min(ages) if ages else None,
                   child_died=bool(data.get("child_died")))


@dataclass(frozen=True)
class SupplementFacts:
    """New information on a report: concerns, danger, and the narrative it opened."""

    report_id: str
    supplement_id: str
    concerns: list[str]
    immediate_danger: bool
    narrative: str = field(default="", repr=False)
    child_died: bool = False

    @classmethod
    def of(cls, data: dict[str, Any], narrative: str) -> SupplementFacts:
        return cls(report_id=data["report_id"], supplement_id=data["supplement_id"],
                   concerns=list(data["concerns"]), immediate_danger=bool(data["immediate_danger"]),
                   narrative=narrative, child_died=bool(data.get("child_died")))


def assessment_inputs(concerns: list[str], danger: bool, assessment: Assessment) -> dict[str, Any]:
    """What an assessment was made from, kept on its event (the phrases, not the narrative)."""
    return {"concerns": concerns, "immediate_danger": danger,
            "narrative_phrases": list(assessment.phrases)}
