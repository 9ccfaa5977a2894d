"""The callbacks application (回访, contract §13), in intake's room (intake owns the reporter's
contact): follows the cases topic for which reports a case holds and the referrals topic for the
case's closure, then opens one callback per report whose reporter gave a phone and is not
anonymous; the operators record each call's result once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.system import ProcessApplication

from services.common import store
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.errors import NotFound, parse_id
from services.common.keystore import KeyStore
from services.common.messages import (
    CASE_OPENED,
    CASE_UPDATED,
    FOLLOWUP_CLOSED,
    FOLLOWUP_REOPENED,
    Message,
)
from services.common.outbox import NotifiesCommits
from services.intake.callback import Callback, CallbackDone, CaseReports, callback_id_for, case_reports_id
from services.intake.callback_book import CallbackBook
from services.intake.domain import Report

log = structlog.get_logger("callbacks")


# What changes a case's reports (and may open its callbacks); the policy ignores the rest.
CHANGES_REPORTS = (CASE_OPENED, CASE_UPDATED, FOLLOWUP_CLOSED, FOLLOWUP_REOPENED)


def by_case_when_it_changes(ce_id: str, ce_type: str, key: str) -> object:
    """A case's messages that change its reports stay apart; those the policy ignores (the
    referrals, the visits) never cut a run."""
    return key if ce_type in CHANGES_REPORTS else ce_id


class CallbackNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("没有这个回访。")


class CallbacksApplication(NotifiesCommits, ProcessApplication[UUID]):
    """Opens callbacks as cases close; keeps each call's result (its note sealed by the caller)."""

    name = "callbacks"
    run_key = staticmethod(by_case_when_it_changes)

    def __init__(self, env: Any = None, *, reports: Application[Any], keys: KeyStore | None,
                 days: int = 3):
        super().__init__(env)
        self.reports = reports  # intake's store, read: whether a reporter can be called back
        self.keys = keys
        self.days = days
        self.book = CallbackBook(self)
        self._concerns: dict[str, list[str]] = {}  # a report's concerns never change

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        if not isinstance(domain_event, Message) or domain_event.type not in CHANGES_REPORTS:
            return  # the run key lets these share any run: they must change nothing
        d = domain_event.data
        if domain_event.type in (CASE_OPENED, CASE_UPDATED) and d.get("report_id"):
            held = self._held(d["case_id"], d.get("region_code") or "")
            held.add(d["report_id"])
        elif domain_event.type == FOLLOWUP_CLOSED:
            held = self._held(d["case_id"], "")
            held.close(datetime.fromisoformat(d["at"]) if d.get("at") else domain_event.time)
        elif domain_event.type == FOLLOWUP_REOPENED:
            held = self._held(d["case_id"], "")
            held.reopen(rework=bool(d.get("agency_id")))  # 重办 names the unit sent back to
        else:
            return
        # A report that arrives after its case closed opens its callback then (the topics race).
        opened = self.open_for(held) if held.closed_at is not None else []
        reworked = domain_event.type == FOLLOWUP_REOPENED
        withdrawn = self.withdraw_for(held, domain_event.time) if reworked else []
        if held.pending_events or opened or withdrawn:
            processing_event.collect_events(held, *opened, *withdrawn)

    def _held(self, case_id: str, region_code: str) -> CaseReports:
        held = store.find(self.repository, case_reports_id(case_id), CaseReports) \
            or CaseReports(id=case_reports_id(case_id), case_id=case_id, region_code=region_code)
        held.locate(region_code)
        return held

    def open_for(self, held: CaseReports) -> list[Callback]:
        """The callbacks a closed case opens: none twice, none for an anonymous reporter or one
        who gave no phone."""
        assert held.closed_at is not None
        opened = []
        for report_id in held.report_ids:
            callback_id = callback_id_for(report_id, held.round)
            if store.exists(self.repository, callback_id):
                continue
            report = store.find(self.reports.repository, report_id, Report)
            if report is None or self.phone(report) is None:
                continue
            opened.append(Callback(id=callback_id, report_id=report_id, case_id=held.case_id,
                                   receipt_no=report.receipt_no, region_code=held.region_code,
                                   opened_at=held.closed_at,
                                   due_at=held.closed_at + timedelta(days=self.days)))
        return opened

    def withdraw_for(self, held: CaseReports, at: datetime) -> list[Callback]:
        """The last round's calls not yet made, withdrawn as the case is sent back (重办): only as
        the round moves on, so a message delivered again withdraws nothing more."""
        reworked = CaseReports.Reworked  # type: ignore[attr-defined]
        if not any(isinstance(e, reworked) for e in held.pending_events):
            return []
        withdrawn = []
        for report_id in held.report_ids:
            callback = store.find(self.repository, callback_id_for(report_id, held.round - 1), Callback)
            if callback is not None and callback.status == "due":
                callback.supersede(at=at)
                withdrawn.append(callback)
        return withdrawn

    def phone(self, report: Report) -> str | None:
        """The reporter's phone, if they gave one and did not stay anonymous (and it is not erased)."""
        phone = self.reporter(report).get("phone")
        return str(phone) if phone else None

    def reporter(self, report: Report) -> dict[str, Any]:
        """The reporter's sealed contact, opened ({} when anonymous or erased)."""
        if report.reporter.get("anonymous") or report.erased_at is not None or self.keys is None:
            return {}
        data = self.keys.open(str(report.id), report.pii)
        return dict((data or {}).get("reporter") or {})

    def concerns_of(self, report_id: str) -> list[str]:
        """The concerns the report gave (codes), as filed."""
        if report_id not in self._concerns:
            report = store.find(self.reports.repository, report_id, Report)
            self._concerns[report_id] = list(report.concerns) if report is not None else []
        return self._concerns[report_id]

    def get_callback(self, callback_id: str | UUID) -> Callback:
        found = store.find(self.repository, parse_id(callback_id, "callback"), Callback)
        if found is None:
            raise CallbackNotFound()
        return found

    def record(self, callback_id: str | UUID, *, reached: bool, satisfaction: str | None,
               note: str | None, by: str, actor: Actor | None = None) -> Callback:
        """The call's result, once (a second click's request, racing the first, is refused as a
        second record); the note sealed under the report's own key (erased with it)."""
        callback = self.get_callback(callback_id)
        callback.check_result(reached, satisfaction, note)
        sealed = None
        if note and note.strip() and self.keys is not None:
            key = self.keys.key_for(callback.report_id)
            sealed = key.seal({"note": note.strip()}) if key is not None else None
        callback.record(reached=reached, satisfaction=satisfaction, sealed_note=sealed, by=by,
                        at=datetime.now(UTC))
        try:
            self.save(callback, *audit_note(actor, "callback.record", "callback", str(callback.id),
                                            callback.case_id))
        except IntegrityError:
            if self.get_callback(callback.id).status == "done":
                raise CallbackDone(str(callback.id)) from None
            raise
        return callback

    def note_of(self, callback: Callback) -> str | None:
        if callback.sealed_note is None or self.keys is None:
            return None
        return (self.keys.open(callback.report_id, callback.sealed_note) or {}).get("note")

    def contact(self, callback_id: str | UUID) -> tuple[Callback, dict[str, Any]]:
        """The callback with its reporter's contact: `name` and `phone` ({} once erased)."""
        callback = self.get_callback(callback_id)
        report = store.find(self.reports.repository, callback.report_id, Report)
        return callback, self.reporter(report) if report is not None else {}
