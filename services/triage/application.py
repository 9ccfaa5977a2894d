"""Triage: opens a case for each report and assesses its risk (contract §3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.system import ProcessApplication

from services.common.messages import REPORT_RECEIVED, REPORT_SUPPLEMENTED, Message
from services.triage.domain import Case, case_id_for
from services.triage.rules import LEVEL_ORDER, RiskRules

log = structlog.get_logger("triage")


class TriageApplication(ProcessApplication[UUID]):
    """Consumes report messages; every case it opens records the rule version it used."""

    name = "triage"

    def __init__(self, env=None, *, rules: RiskRules | None = None):  # type: ignore[no-untyped-def]
        super().__init__(env)
        self.rules = rules or RiskRules.load()

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        if not isinstance(domain_event, Message):
            return
        if domain_event.type == REPORT_RECEIVED:
            self._open_case(domain_event.data, processing_event)
        elif domain_event.type == REPORT_SUPPLEMENTED:
            self._supplement(domain_event.data, processing_event)

    def _supplement(self, data: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        case = self.get_case(case_id_for(data["report_id"]))  # ordered after the report's case
        if data["supplement_id"] in case.supplement_ids:
            return
        added = [c for c in data["concerns"] if c not in case.concerns]
        assessment = self.rules.assess(case.concerns + added, bool(data["immediate_danger"]))
        level = max(case.risk_level, assessment.level, key=LEVEL_ORDER.index)
        rationale = (assessment.rationale if level == assessment.level
                     else f"{level}: kept (supplement assessed {assessment.level})")
        case.supplement(
            report_id=data["report_id"],
            supplement_id=data["supplement_id"],
            added_concerns=added,
            concerns=case.concerns + added,
            region_code=case.region_code,
            immediate_danger=bool(data["immediate_danger"]),
            previous_risk_level=case.risk_level,
            risk_level=level,
            rule_version=assessment.rule_version,
            rationale=rationale,
        )
        processing_event.collect_events(case)
        log.info("case supplemented", case_id=str(case.id), report_id=data["report_id"],
                 risk_level=level, added_concerns=len(added))

    def _open_case(self, report: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        case_id = case_id_for(report["report_id"])
        if self._exists(case_id):
            log.info("report already triaged", report_id=report["report_id"], case_id=str(case_id))
            return
        concerns = list(report["concerns"])
        assessment = self.rules.assess(concerns, bool(report["immediate_danger"]))
        case = Case(
            id=case_id,
            report_id=report["report_id"],
            risk_level=assessment.level,
            concerns=concerns,
            region_code=report["region_code"],
            needs_review=not concerns,
            rule_version=assessment.rule_version,
            rationale=assessment.rationale,
            child_keys=sorted({k for child in report["children"] for k in child.get("keys", [])}),
            opened_at=datetime.now(UTC),
        )
        processing_event.collect_events(case)
        log.info(
            "case opened",
            report_id=report["report_id"],
            case_id=str(case_id),
            risk_level=assessment.level,
            rule_version=assessment.rule_version,
        )

    def get_case(self, case_id: UUID) -> Case:
        return self.repository.get(case_id)

    def _exists(self, case_id: UUID) -> bool:
        try:
            self.repository.get(case_id)
        except AggregateNotFoundError:
            return False
        return True
