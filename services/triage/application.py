"""Triage: opens a case for each report and assesses its risk (contract §3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.system import ProcessApplication

from services.common.messages import REPORT_RECEIVED, Message
from services.triage.domain import Case, case_id_for
from services.triage.rules import RiskRules

log = structlog.get_logger("triage")


class TriageApplication(ProcessApplication[UUID]):
    """Consumes report messages; every case it opens records the rule version it used."""

    name = "triage"

    def __init__(self, env=None, *, rules: RiskRules | None = None):  # type: ignore[no-untyped-def]
        super().__init__(env)
        self.rules = rules or RiskRules.load()

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        if isinstance(domain_event, Message) and domain_event.type == REPORT_RECEIVED:
            self._open_case(domain_event.data, processing_event)

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
