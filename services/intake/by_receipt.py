"""A caller's receipt as the key to their report: the lookup, and adding to it by receipt."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import Application

from services.common import store
from services.common.auditnote import Actor, Principal
from services.common.crypto import Hasher
from services.intake.domain import ReceiptIndex, Report, readings, receipt_index_id, spoken


class ReceiptCommands(Application[UUID]):
    """The intake application's commands by receipt number and lookup code."""

    if TYPE_CHECKING:  # defined by IntakeApplication
        hasher: Hasher

        def get_report(self, report_id: UUID | str) -> Report: ...
        def supplement(self, report_id: UUID, *, narrative: str, concerns: list[str],
                       immediate_danger: bool, by: str, idempotency_key: str | None,
                       actor: Actor | None = None, case_id: str | None = None,
                       child_died: bool = False, complaint: bool = False) -> str: ...

    def lookup(self, receipt_no: str, lookup_code: str) -> Report | None:
        """The report behind a receipt, only if the lookup code matches. The code is checked
        against the receipt number before the store is read, so a wrong code costs the same
        whether or not the receipt exists (its existence is not revealed by timing). A receipt
        number is tried as typed, then with its look-alikes read both ways (`readings`)."""
        lookup_code = spoken(lookup_code)
        for reading in readings(receipt_no):
            if self.hasher.check_lookup_code(reading, lookup_code):
                return self._report_for_receipt(reading)
        return None

    def supplement_by_receipt(self, receipt_no: str, lookup_code: str, principal: Principal, *,
                              narrative: str, concerns: list[str], immediate_danger: bool,
                              idempotency_key: str | None, actor: Actor | None = None,
                              case_of: Callable[[str], str | None] = lambda _: None,
                              child_died: bool = False, complaint: bool = False) -> tuple[str, str] | None:
        """A caller who rings back reads out receipt number and lookup code: the pair is their
        right to add, whatever the channel, and the operator adds for them. None for a wrong
        pair (told apart from an unknown receipt by nothing, as in `lookup`)."""
        report = self.lookup(receipt_no, lookup_code)
        if report is None:
            return None
        report_id = str(report.id)
        return report_id, self.supplement(
            report.id, narrative=narrative, concerns=concerns, immediate_danger=immediate_danger,
            by=principal.subject, idempotency_key=idempotency_key, actor=actor,
            case_id=case_of(report_id), child_died=child_died, complaint=complaint)

    def report_id_for_receipt(self, receipt_no: str) -> str | None:
        """The report a receipt number names, for staff who may see its case (a supervisor's
        search: no lookup code, the number alone). Tried as `lookup` tries it."""
        for reading in readings(receipt_no):
            if (report := self._report_for_receipt(reading)) is not None:
                return str(report.id)
        return None

    def _report_for_receipt(self, receipt_no: str) -> Report | None:
        index = store.find(self.repository, receipt_index_id(receipt_no), ReceiptIndex)
        return self.get_report(index.report_id) if index else None
