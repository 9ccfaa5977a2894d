"""Callbacks (回访, contract §13): once a case closes, each reachable reporter is called back and
asked whether they are satisfied; a case's reports are known here from the cases topic."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import Conflict, FieldError

CALLBACK_NS = uuid5(NAMESPACE_URL, "urn:hotline:callback")
CASE_REPORTS_NS = uuid5(NAMESPACE_URL, "urn:hotline:case-reports")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")
DISSATISFIED = "dissatisfied"
NOTE_NEEDED = "不满意时请写明原因。"


def callback_id_for(report_id: str, round_: int = 0) -> UUID:
    """One callback per report and round, however often its case's closure is delivered: round 0
    at the first closure, one more after each 重办 (the case sent back to a unit) closes again."""
    return uuid5(CALLBACK_NS, str(report_id) if round_ == 0 else f"{report_id}/{round_}")


def case_reports_id(case_id: str) -> UUID:
    return uuid5(CASE_REPORTS_NS, str(case_id))


class CallbackDone(Conflict):
    """A callback's result is recorded once."""

    def __init__(self, callback_id: str = ""):
        super().__init__("该回访已记录结果，不能重复记录。(This callback's result was already recorded.)")
        self.callback_id = callback_id


class Callback(Aggregate):
    """A closed case's reporter to be called back by `due_at`; its result recorded once; withdrawn
    (superseded) when its case is sent back before a result was recorded. A result saved after
    that still counts: the call was made (stop 56's county supervisor sent a case back while the
    operator was on the phone, and the caller's words were refused)."""

    @event("Opened")
    def __init__(
        self,
        id: UUID,  # noqa: A002 - eventsourcing takes the aggregate id from this parameter
        *,
        report_id: str,
        case_id: str,
        receipt_no: str,
        region_code: str,
        opened_at: datetime,
        due_at: datetime,
    ):
        self.report_id = report_id
        self.case_id = case_id
        self.receipt_no = receipt_no
        self.region_code = region_code
        self.opened_at = opened_at
        self.due_at = due_at
        self.status = "due"
        self.reached: bool | None = None
        self.satisfaction: str | None = None
        self.sealed_note: str | None = None
        self.done_at: datetime | None = None

    def _check_due(self) -> None:
        if self.status == "done":
            raise CallbackDone(str(self.id))

    def supersede(self, *, at: datetime) -> None:
        """Withdrawn by 重办: the case is worked again, and its next closure opens the next call.
        A call already recorded stays as it was."""
        if self.status == "due":
            self._superseded(at=at)

    @event("Superseded")
    def _superseded(self, *, at: datetime) -> None:
        self.status = "superseded"
        self.done_at = at

    @staticmethod
    def _check_satisfaction(reached: bool, satisfaction: str | None) -> None:
        if satisfaction is not None and satisfaction not in SATISFACTION:
            raise FieldError("satisfaction", "satisfied, basically_satisfied or dissatisfied")
        if satisfaction is not None and not reached:
            raise FieldError("satisfaction", "only when the reporter was reached")

    @staticmethod
    def check_note(satisfaction: str | None, note: str | None) -> None:
        """A dissatisfied reporter's reason is what the supervisor reviews: it must be written."""
        if satisfaction == DISSATISFIED and not (note or "").strip():
            raise FieldError("note", NOTE_NEEDED)

    def check_result(self, reached: bool, satisfaction: str | None, note: str | None) -> None:
        """Whether this result may be recorded now, before its note is sealed."""
        self._check_due()
        self._check_satisfaction(reached, satisfaction)
        self.check_note(satisfaction, note)

    def record(self, *, reached: bool, satisfaction: str | None, sealed_note: str | None,
               by: str, at: datetime) -> None:
        """The call's result: reached or not, how satisfied, a note (sealed by the caller, who
        checked it with `check_result`)."""
        self._check_due()
        self._check_satisfaction(reached, satisfaction)
        self._recorded(reached=reached, satisfaction=satisfaction, sealed_note=sealed_note, by=by, at=at)

    @event("Recorded")
    def _recorded(self, *, reached: bool, satisfaction: str | None, sealed_note: str | None,
                  by: str, at: datetime) -> None:
        self.status = "done"
        self.reached = reached
        self.satisfaction = satisfaction
        self.sealed_note = sealed_note
        self.done_at = at


class CaseReports(Aggregate):
    """Which reports a case holds, its region, and whether it closed, as the cases and referrals
    topics tell (one per case). The two topics are not ordered with each other: a closure may
    come first, with no region yet, and the reports then open their callbacks as they arrive."""

    @event("Started")
    def __init__(self, id: UUID, *, case_id: str, region_code: str):  # noqa: A002
        self.case_id = case_id
        self.region_code = region_code
        self.report_ids: list[str] = []
        self.closed_at: datetime | None = None
        self.round = 0

    def add(self, report_id: str) -> None:
        if report_id not in self.report_ids:
            self._added(report_id=report_id)

    def locate(self, region_code: str) -> None:
        if region_code and not self.region_code:
            self._located(region_code=region_code)

    def close(self, at: datetime) -> None:
        if self.closed_at is None:
            self._closed(at=at)

    def reopen(self, *, rework: bool = False) -> None:
        """Reopened: by a report joining (the same callbacks) or by 重办 (a new round of them)."""
        if self.closed_at is not None:
            if rework:
                self._reworked()
            else:
                self._reopened()

    @event("Added")
    def _added(self, *, report_id: str) -> None:
        self.report_ids = [*self.report_ids, report_id]

    @event("Reopened")
    def _reopened(self) -> None:
        self.closed_at = None

    @event("Reworked")
    def _reworked(self) -> None:
        self.closed_at = None
        self.round = self.round + 1

    @event("Located")
    def _located(self, *, region_code: str) -> None:
        self.region_code = region_code

    @event("Closed")
    def _closed(self, *, at: datetime) -> None:
        self.closed_at = at
