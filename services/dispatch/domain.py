"""Referral aggregates: one per case and agency unit, each on its own clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import Conflict, FieldError
from services.common.labels import OUTCOME_REFUSED, PROGRESS_REFUSED, STATUS_TEXT
from services.common.vocabulary import OPEN_REFERRAL_STATUSES, RISK_RANK, UNACKNOWLEDGED_STATUSES

REFERRAL_NS = uuid5(NAMESPACE_URL, "urn:hotline:referral")
DISCLOSURE_AFTER_CLOSE = timedelta(days=30)
CALL_NOTE_MAX = 300  # what was said on a supervisor's call to a unit
CALL_WAYS = ("phone", "written")  # 电话督办, 书面督办 (on the unit's pages)
PROGRESS_NOTE_MAX = 500  # one line of a unit's progress on a referral (办理进展)
GAP_NS = uuid5(NAMESPACE_URL, "urn:hotline:routing-gap")


def referral_id_for(case_id: str, agency_id: str, round_no: int = 0) -> UUID:
    """At most one referral per case and unit, however often the case is delivered; a closed
    case sent back to the unit (重办) makes its next round, each round one referral."""
    if round_no == 0:
        return uuid5(REFERRAL_NS, f"{case_id}\x1f{agency_id}")
    return uuid5(REFERRAL_NS, f"{case_id}\x1f{agency_id}\x1f{round_no}")


def check_no_open_referral(earlier: list[Referral], unit_name: str) -> None:
    """A unit is sent a case again only once its earlier referrals of it ended (办结 or 退回)."""
    if any(r.status in OPEN_REFERRAL_STATUSES for r in earlier):
        raise ReferralError(f"{unit_name}仍有该案件未办结的转介，不能重新交办。")


def routing_gap_id_for(case_id: str, kind: str) -> UUID:
    return uuid5(GAP_NS, f"{case_id}\x1f{kind}")


class ReferralError(Conflict):
    """A referral cannot change as asked (e.g. acknowledging a closed one)."""


class Referral(Aggregate):
    """A case put on the desk of one agency unit, on a clock until acknowledged."""

    # A supervisor's phone calls to the unit about it (督办电话), oldest first: a class default, so
    # a referral saved before calls were recorded reads as having none.
    calls: tuple[dict[str, object], ...] = ()
    # What the unit did while the referral was open (办理进展), oldest first: a class default too.
    progress: tuple[dict[str, object], ...] = ()
    # The reports (or supplements: their ids) that came after the unit took it on, each told once.
    reports_told: tuple[str, ...] = ()
    # Ended by a supervisor (撤回), not by the unit: `declined`, contract §2's status for a referral
    # its unit does not handle, with the supervisor's reason.
    withdrawn: bool = False

    @event("Dispatched")
    def __init__(
        self,
        id: UUID,  # noqa: A002 - eventsourcing takes the aggregate id from this parameter
        *,
        case_id: str,
        agency_id: str,
        agency_kind: str,
        risk_level: str,
        concerns: list[str],
        dispatched_at: datetime,
        due_at: datetime,
        matrix_version: str,
        directory_version: str,
    ):
        self.case_id = case_id
        self.agency_id = agency_id
        self.agency_kind = agency_kind
        self.risk_level = risk_level
        self.concerns = concerns
        self.dispatched_at = dispatched_at
        self.due_at = due_at
        self.matrix_version = matrix_version
        self.directory_version = directory_version
        self.routing_reason = ""
        self.status = "dispatched"
        self.escalated_at: datetime | None = None
        self.acknowledged_at: datetime | None = None
        self.acknowledged_by = ""  # who took it on, and who declined or closed it: the desk's 案件经过
        self.ended_by = ""
        self.decline_reason: str | None = None
        self.outcome: str | None = None
        self.note: str | None = None
        self.closed_at: datetime | None = None

    def _refs(self) -> dict[str, str]:
        # Status events name their case and unit, so they can be published on their own.
        return {"case_id": self.case_id, "agency_id": self.agency_id}

    def _check_open(self, action: str) -> None:
        if self.status not in OPEN_REFERRAL_STATUSES:
            raise ReferralError(f"该转介{STATUS_TEXT.get(self.status, self.status)}，不能再{action}。")

    def check_can(self, action: str) -> None:
        """Whether 退回 (`decline`) or 办结 (`outcome`) can be asked now: before the desk's
        confirming step (the police desk's review, stop 54: a second tab asked to confirm 退回 of
        a referral already closed)."""
        if action == "decline":
            self._check_open("退回")
        elif action == "outcome":
            self._check_acknowledged()
        elif action == "progress" and self.status != "acknowledged":
            raise ReferralError(PROGRESS_REFUSED.get(self.status, PROGRESS_REFUSED["dispatched"]))

    def note_routing(self, reason: str) -> None:
        """Why a supervisor routed the case to this unit by hand (kept for the unit to read)."""
        if reason.strip():
            self._routed_by_hand(reason=reason.strip())

    @event("RoutedByHand")
    def _routed_by_hand(self, reason: str) -> None:
        self.routing_reason = reason

    def acknowledge(self, *, by: str, at: datetime) -> bool:
        """Take the case on; repeating it is harmless. True if this call acknowledged it."""
        if self.status == "acknowledged":
            return False
        self._check_open("接收")
        self._acknowledged(by=by, at=at, **self._refs())
        return True

    @event("Acknowledged")
    def _acknowledged(self, *, by: str, at: datetime, case_id: str, agency_id: str) -> None:
        self.status = "acknowledged"
        self.acknowledged_at = at
        self.acknowledged_by = by

    def decline(self, *, reason: str, by: str, at: datetime) -> None:
        self._check_open("退回")
        if not reason.strip():
            raise FieldError("reason", "say why the unit cannot take this case")
        self._declined(reason=reason.strip(), by=by, at=at, **self._refs())

    @event("Declined")
    def _declined(self, *, reason: str, by: str, at: datetime, case_id: str, agency_id: str) -> None:
        self.status = "declined"
        self.decline_reason = reason
        self.ended_by = by

    def withdraw(self, *, reason: str, by: str, at: datetime) -> None:
        """A supervisor takes the case back from a unit that does not or cannot act (stop 58's city
        supervisor: a unit that never answered kept its case from ever being closed)."""
        self._check_open("撤回")
        if not reason.strip():
            raise FieldError("reason", "请填写撤回原因。")
        self._withdrawn(reason=reason.strip(), by=by, at=at, **self._refs())

    @event("Withdrawn")
    def _withdrawn(self, *, reason: str, by: str, at: datetime, case_id: str, agency_id: str) -> None:
        self.status = "declined"
        self.decline_reason = reason
        self.ended_by = by
        self.withdrawn = True

    def _check_acknowledged(self) -> None:
        """办结 records what the unit did about the case: only once it took the case on."""
        if self.status != "acknowledged":
            raise ReferralError(OUTCOME_REFUSED.get(self.status, OUTCOME_REFUSED["dispatched"]))

    def record_outcome(self, *, outcome: str, note: str, by: str, at: datetime) -> None:
        self._check_acknowledged()
        if not outcome.strip():
            raise FieldError("outcome", "say what was done")
        self._closed(outcome=outcome.strip(), note=note.strip(), by=by, at=at, **self._refs())

    @event("Closed")
    def _closed(
        self, *, outcome: str, note: str, by: str, at: datetime, case_id: str, agency_id: str
    ) -> None:
        self.status = "closed"
        self.outcome = outcome
        self.note = note
        self.closed_at = at
        self.ended_by = by

    def shares_personal_data(self, now: datetime) -> bool:
        """A unit reads the child's personal data while it works the case: not once it declined,
        nor 30 days after it closed the referral (contract §5)."""
        if self.status == "declined":
            return False
        if self.status == "closed":
            return self.closed_at is None or now - self.closed_at <= DISCLOSURE_AFTER_CLOSE
        return True

    def raise_level(self, *, risk_level: str, ack_within: timedelta, at: datetime) -> bool:
        """The case's level went up before the unit took the case on: the referral is now that
        urgent, due within the new level's time from now unless it was due sooner (a due time is
        never put back). Levels only rise here; a lower one changes nothing. True if it changed."""
        if self.status not in UNACKNOWLEDGED_STATUSES or RISK_RANK[risk_level] >= RISK_RANK[self.risk_level]:
            return False
        self._raised(risk_level=risk_level, previous_risk_level=self.risk_level,
                     due_at=min(self.due_at, at + ack_within), at=at, **self._refs())
        return True

    @event("Raised")
    def _raised(self, *, risk_level: str, previous_risk_level: str, due_at: datetime, at: datetime,
                case_id: str, agency_id: str) -> None:
        self.risk_level = risk_level
        self.due_at = due_at

    def record_call(self, *, call_id: str, reached: bool, note: str, by: str, at: datetime,
                    way: str = "phone") -> bool:
        """A supervisor pressed the unit about this referral: by phone (督办电话: whether anyone
        answered and what was said) or in writing on its pages (书面督办: what is asked, stop 62's
        county supervisor). The same call_id again is harmless (a form sent twice). True if recorded."""
        if any(c["call_id"] == call_id for c in self.calls):
            return False
        if way not in CALL_WAYS:
            raise FieldError("way", "phone or written")
        self._check_open("记录电话督办" if way == "phone" else "书面督办")
        if len(note.strip()) > CALL_NOTE_MAX:
            raise FieldError("note", f"at most {CALL_NOTE_MAX} characters")
        if way == "written" and not note.strip():
            raise FieldError("note", "书面督办请写明督办意见（要求单位做什么、何时答复）。")
        self._phoned(call_id=call_id, reached=reached and way == "phone", note=note.strip(), way=way, by=by,
                     at=at, **self._refs())
        return True

    class Phoned(Aggregate.Event):
        """Version 2 says how: by phone or in writing (书面督办)."""

        class_version = 2
        call_id: str
        reached: bool
        note: str
        way: str
        by: str
        at: datetime
        case_id: str
        agency_id: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state.setdefault("way", "phone")  # before stop 62 every one was a phone call

    @event(Phoned)
    def _phoned(self, *, call_id: str, reached: bool, note: str, way: str, by: str, at: datetime,
                case_id: str, agency_id: str) -> None:
        self.calls = (*self.calls, {"call_id": call_id, "reached": reached, "note": note, "way": way,
                                    "by": by, "at": at})

    def record_progress(self, *, progress_id: str, note: str, by: str, at: datetime) -> bool:
        """What the unit has done so far, before 办结 (办理进展: the police desk's review, stop 54,
        had no place for 已出警 or 协查中 while the case stays open). True if recorded."""
        last = self.progress[-1] if self.progress else None
        if any(p["progress_id"] == progress_id for p in self.progress) or (
                last is not None and (last["note"], last["by"]) == (note.strip(), by)):
            return False  # the same form again, or the same line again (Back, then 保存 once more)
        self.check_can("progress")
        if not note.strip() or len(note.strip()) > PROGRESS_NOTE_MAX:
            raise FieldError("note", f"say what was done, at most {PROGRESS_NOTE_MAX} characters")
        self._progressed(progress_id=progress_id, note=note.strip(), by=by, at=at, **self._refs())
        return True

    @event("Progressed")
    def _progressed(self, *, progress_id: str, note: str, by: str, at: datetime, case_id: str,
                    agency_id: str) -> None:
        self.progress = (*self.progress, {"progress_id": progress_id, "note": note, "by": by, "at": at})

    def tell_of_report(self, *, report_id: str, risk_level: str, at: datetime,
                       supplement_id: str = "") -> bool:
        """A report joined the case, or a caller rang back with more (补充, by `supplement_id`),
        after the unit took it on: its on-call is told (the police
        desk's review, stop 55: a child in danger again reached only an open inbox). Once per
        report, with the case's level now; not while waiting (the dispatch's notice and reminders
        stand) nor once ended. True if recorded."""
        if self.status != "acknowledged" or (supplement_id or report_id) in self.reports_told:
            return False
        self._reported(report_id=report_id, supplement_id=supplement_id, risk_level=risk_level, at=at,
                       **self._refs())
        return True

    @event("Reported")
    def _reported(self, *, report_id: str, supplement_id: str, risk_level: str, at: datetime, case_id: str,
                  agency_id: str) -> None:
        self.reports_told = (*self.reports_told, supplement_id or report_id)

    def escalate(self, *, at: datetime) -> bool:
        """Due time passed unacknowledged: escalate, once. True if this call escalated it."""
        if self.status != "dispatched" or self.escalated_at is not None or at < self.due_at:
            return False
        self._escalated(at=at, **self._refs())
        return True

    @event("Escalated")
    def _escalated(self, *, at: datetime, case_id: str, agency_id: str) -> None:
        self.status = "escalated"
        self.escalated_at = at


class RoutingGap(Aggregate):
    """No unit of a required kind covers the case's region: a supervisor must route it."""

    @event("Found")
    def __init__(
        self,
        id: UUID,  # noqa: A002
        *,
        case_id: str,
        agency_kind: str,
        region_code: str,
        directory_version: str,
    ):
        self.case_id = case_id
        self.agency_kind = agency_kind
        self.region_code = region_code
        self.directory_version = directory_version
