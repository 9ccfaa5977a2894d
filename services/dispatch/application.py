"""Dispatch: turns each case into one referral per agency unit (contract §3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.system import ProcessApplication

from services.common.messages import CASE_OPENED, CASE_UPDATED, Message
from services.dispatch.domain import Referral, RoutingGap, referral_id_for, routing_gap_id_for
from services.dispatch.routing import Directory, ReferralMatrix

log = structlog.get_logger("dispatch")


class DispatchApplication(ProcessApplication[UUID]):
    """Consumes case messages; each referral records the matrix and directory versions used."""

    name = "dispatch"

    def __init__(  # type: ignore[no-untyped-def]
        self,
        env=None,
        *,
        ack_sla: dict[str, int],
        matrix: ReferralMatrix | None = None,
        directory: Directory | None = None,
    ):
        super().__init__(env)
        self.ack_sla = ack_sla
        self.matrix = matrix or ReferralMatrix.load()
        self.directory = directory or Directory.load()

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        # A case update refers only units not yet referred: referral ids are per case and unit.
        if isinstance(domain_event, Message) and domain_event.type in (CASE_OPENED, CASE_UPDATED):
            self._refer(domain_event.data, processing_event)

    def _refer(self, case: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        case_id = case["case_id"]
        now = datetime.now(UTC)
        sla = timedelta(seconds=self.ack_sla[case["risk_level"]])
        for kind in self.matrix.kinds_for(case["concerns"]):
            agency = self.directory.resolve(kind, case["region_code"])
            if agency is None:
                gap_id = routing_gap_id_for(case_id, kind)
                if not self._exists(gap_id):
                    processing_event.collect_events(
                        RoutingGap(
                            id=gap_id,
                            case_id=case_id,
                            agency_kind=kind,
                            region_code=case["region_code"],
                            directory_version=self.directory.version,
                        )
                    )
                    log.warning("no unit for kind", case_id=case_id, agency_kind=kind)
                continue
            referral_id = referral_id_for(case_id, agency.agency_id)
            if self._exists(referral_id):
                continue
            processing_event.collect_events(
                Referral(
                    id=referral_id,
                    case_id=case_id,
                    agency_id=agency.agency_id,
                    agency_kind=kind,
                    risk_level=case["risk_level"],
                    concerns=list(case["concerns"]),
                    dispatched_at=now,
                    due_at=now + sla,
                    matrix_version=self.matrix.version,
                    directory_version=self.directory.version,
                )
            )
            log.info(
                "referral dispatched",
                case_id=case_id,
                referral_id=str(referral_id),
                agency_id=agency.agency_id,
            )

    def get_referral(self, referral_id: UUID) -> Referral:
        return self.repository.get(referral_id)

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True
