"""What is added to a report after it was filed: supplements, and a transfer to 110 or 120."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from services.common.auditnote import Actor, Principal
from services.common.auditnote import note as audit_note
from services.common.errors import FieldError
from services.common.keystore import KeyStore
from services.common.vocabulary import HOTLINE_CHANNELS, Role
from services.intake.domain import Report, supplement_id_for
from services.intake.errors import ReportErased, ReportNotFound
from services.intake.schemas import REPORTER_NAMED, reporter_named

TRANSFER_SERVICES = ("110", "120")
TRANSFER_ATTEMPTS = 3  # a report's two transfers confirmed at once: the later one reads it again


def may_supplement(principal: Principal, *, submitted_by: str, channel: str) -> bool:
    """The submitter, any operator for a hotline call (the next shift takes over), supervisors."""
    return (principal.role == Role.supervisor or principal.subject == submitted_by
            or (principal.role == Role.operator and channel in HOTLINE_CHANNELS))


class SupplementCommands(Application[UUID]):
    """The intake application's commands on a filed report."""

    if TYPE_CHECKING:  # defined by IntakeApplication
        keys: KeyStore

        def get_report(self, report_id: UUID | str) -> Report: ...
        def report_for(self, report_id: UUID | str, principal: Principal) -> Report: ...

    def supplement(
        self,
        report_id: UUID,
        *,
        narrative: str,
        concerns: list[str],
        immediate_danger: bool,
        by: str,
        idempotency_key: str | None,
        actor: Actor | None = None,
        case_id: str | None = None,
        child_died: bool = False,
        complaint: bool = False,
    ) -> str:
        """Append a supplement; with an Idempotency-Key a retry appends nothing new."""
        report = self.get_report(report_id)
        supplement_id = supplement_id_for(report_id, by, idempotency_key or uuid4().hex)
        if supplement_id in report.supplement_ids:
            return supplement_id
        key = self.keys.key_for(str(report_id))
        if key is None or report.erased_at is not None:
            raise ReportErased(str(report_id))
        reporter = {**report.reporter, **((key.open(report.pii) or {}).get("reporter") or {})}
        if said := reporter_named(narrative, reporter, report.channel):
            raise FieldError("narrative", said, kind=REPORTER_NAMED)
        report.supplement(
            supplement_id=supplement_id,
            pii=key.seal({"narrative": narrative}),
            concerns=concerns,
            immediate_danger=immediate_danger,
            child_died=child_died,
            complaint=complaint,
            by=by,
            at=datetime.now(UTC),
        )
        self.save(report, *audit_note(actor, "report.supplement", "report", str(report_id), case_id))
        return supplement_id

    def supplement_as(self, report_id: UUID | str, principal: Principal, *, narrative: str,
                      concerns: list[str], immediate_danger: bool,
                      idempotency_key: str | None, actor: Actor | None = None,
                      case_id: str | None = None, child_died: bool = False, complaint: bool = False) -> str:
        """Who may add to a report: its submitter, any operator for a hotline call, supervisors."""
        report = self.report_for(report_id, principal)
        if not may_supplement(principal, submitted_by=report.submitted_by, channel=report.channel):
            raise ReportNotFound(str(report_id))
        return self.supplement(report.id, narrative=narrative, concerns=concerns,
                               immediate_danger=immediate_danger, by=principal.subject,
                               idempotency_key=idempotency_key, actor=actor, case_id=case_id,
                               child_died=child_died, complaint=complaint)

    def confirm_transfer(self, report_id: UUID | str, principal: Principal, *, to: str,
                         actor: Actor | None = None, case_id: str | None = None) -> Report:
        """Record that a caller in immediate danger was put through to 110 or 120 (once each)."""
        if to not in TRANSFER_SERVICES:
            raise FieldError("to", "110 (police) or 120 (ambulance)")
        for attempt in range(1, TRANSFER_ATTEMPTS + 1):
            report = self.report_for(report_id, principal)
            if principal.role not in (Role.operator, Role.supervisor) or not may_supplement(
                    principal, submitted_by=report.submitted_by, channel=report.channel):
                raise ReportNotFound(str(report_id))
            if report.transferred_to(to):
                return report
            report.confirm_transfer(to=to, by=principal.subject, at=datetime.now(UTC))
            try:
                self.save(report, *audit_note(actor, "report.transfer", "report", str(report.id), case_id))
            except IntegrityError:  # the other transfer saved first (110 and 120 at once): read again
                if attempt == TRANSFER_ATTEMPTS:
                    raise
                continue
            return report
        raise AssertionError("unreachable")
