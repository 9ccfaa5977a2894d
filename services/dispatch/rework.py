"""重办: a supervisor sends a closed case back to a unit (the same one allowed). The plan reopens
and the unit gets a new referral, the next round of that case and unit; and the referral a
supervisor makes by hand, shared with 改派."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

from services.common import store
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.errors import Conflict, FieldError
from services.common.vocabulary import OPEN_REFERRAL_STATUSES
from services.dispatch.domain import Referral, check_no_open_referral, referral_id_for
from services.dispatch.followup import FollowUpPlan
from services.dispatch.followups import VisitClock
from services.dispatch.routing import Agency, Directory, ReferralMatrix

log = structlog.get_logger("dispatch")


class Rework:
    """Mixed into DispatchApplication beside `FollowUps`."""

    directory: Directory
    matrix: ReferralMatrix
    ack_sla: dict[str, int]
    visit_clock: VisitClock
    repository: Any
    save: Callable[..., Any]
    followup_plan: Callable[[str], FollowUpPlan | None]

    def _receiving_unit(self, agency_id: str) -> Agency:
        agency = self.directory.get(agency_id)
        if agency is None:
            raise FieldError("agency_id", "名录中没有这个机构单位，请从列表中选择。")
        if not self.matrix.receives(agency.kind):
            raise FieldError("agency_id", "该单位只报送通报，不接收转介，请选择其他单位。")
        return agency

    def _by_hand(self, case: Mapping[str, Any], agency: Agency, referral_id: Any, *, by: str,
                 reason: str) -> Referral:
        """A referral a supervisor made, due by the case's level like any other."""
        now = datetime.now(UTC)
        referral = Referral(
            id=referral_id, case_id=case["case_id"], agency_id=agency.agency_id, agency_kind=agency.kind,
            risk_level=case["risk_level"], concerns=list(case["concerns"]), dispatched_at=now,
            due_at=now + timedelta(seconds=self.ack_sla[case["risk_level"]]),
            matrix_version=f"manual:{by}", directory_version=self.directory.version,
        )
        referral.note_routing(reason)
        return referral

    def refer(self, case: Mapping[str, Any], agency_id: str, *, by: str, reason: str = "",
              actor: Actor | None = None) -> tuple[Referral, bool]:
        """A supervisor's referral: a closed case is sent back (重办), an open one routed (改派).
        The referral, and whether it was 重办 (the same 重办 retried returns its referral)."""
        plan = self.followup_plan(case["case_id"])
        if plan is not None and plan.status == "closed":
            return self.rework(case, agency_id, plan, by=by, reason=reason, actor=actor), True
        again = self._same_rework(plan, agency_id, by, reason)
        if again is not None:
            return again, True
        return self.refer_manually(case, agency_id, by=by, reason=reason, actor=actor), False

    def _same_rework(self, plan: FollowUpPlan | None, agency_id: str, by: str,
                     reason: str) -> Referral | None:
        """The referral of the plan's last 重办 when it was this very request, still open."""
        if plan is None or plan.status != "active" or not plan.reworks:
            return None
        last = plan.reworks[-1]
        if (last["agency_id"], last["by"], last["reason"]) != (agency_id, by, reason.strip()):
            return None
        return store.find(self.repository, str(last["referral_id"]), Referral)

    def refer_manually(self, case: Mapping[str, Any], agency_id: str, *, by: str, reason: str = "",
                       actor: Actor | None = None) -> Referral:
        """A supervisor routes a case to a chosen unit (e.g. after a decline): the unit's next round
        when its earlier referrals of the case ended, a unit that declined too (stop 56's county
        supervisor could not send a red case back to the county police it had declined)."""
        agency = self._receiving_unit(agency_id)
        earlier = self.rounds(case["case_id"], agency_id)
        if any(r.status in OPEN_REFERRAL_STATUSES for r in earlier):
            raise Conflict(f"该案件已转介给{agency.name}，尚未办结，不能重复转介。")
        referral = self._by_hand(case, agency, referral_id_for(case["case_id"], agency_id, len(earlier)),
                                 by=by, reason=reason)
        plan = self.followup_plan(case["case_id"])
        noted = [plan] if plan is not None and plan.note_referrals([str(referral.id)]) else []
        try:
            self.save(referral, *noted, *audit_note(actor, "case.refer", "referral", str(referral.id),
                                                    case["case_id"]))
        except IntegrityError:  # the same 改派 at the same moment: the one saved stands
            raise Conflict(f"该案件已转介给{agency.name}，尚未办结，不能重复转介。") from None
        log.info("referral dispatched by supervisor", case_id=case["case_id"], agency_id=agency_id)
        return referral

    def rounds(self, case_id: str, agency_id: str, first: Referral | None = None) -> list[Referral]:
        """A unit's referrals of a case, round by round (`first`: round 0, when read already)."""
        earlier: list[Referral] = [first] if first is not None else []
        while (found := store.find(self.repository, referral_id_for(
                case_id, agency_id, len(earlier)), Referral)) is not None:
            earlier.append(found)
        return earlier

    def _next_round(self, case: Mapping[str, Any], agency: Agency, first: Any) -> UUID | None:
        """A new report about the child joined: a unit whose last referral of the case it closed
        (办结) is referred it again, the next round (the child director's review, stop 54: a
        "danger right now" report reached a unit that had closed its referral with no referral
        and no alert). One still open is raised instead; one declined (退回) is not sent again."""
        if not isinstance(first, Referral):
            return None
        earlier = self.rounds(case["case_id"], agency.agency_id, first)
        if earlier[-1].status != "closed":
            return None
        return referral_id_for(case["case_id"], agency.agency_id, len(earlier))

    def brought_in(self, case: Mapping[str, Any], routed: set[str], plan: FollowUpPlan
                   ) -> tuple[list[tuple[str, Agency | None, UUID]], dict[UUID, Any]]:
        """The units with a referral of the case that its concerns do not route to (a supervisor
        brought them in: 交办, 改派, 重办), as targets with their first referral, for a report that
        joined to refer again where they closed (the education desk's review, stop 60: the
        mother's second call about the teacher who hit her son reached the police only)."""
        ids = [UUID(r) for r in plan.referral_ids]
        found = store.find_all(self, ids) if ids else {}  # type: ignore[arg-type]
        units = sorted({r.agency_id for r in found.values() if isinstance(r, Referral)} - routed)
        targets: list[tuple[str, Agency | None, UUID]] = []
        for agency_id in units:
            agency, first = self.directory.get(agency_id), referral_id_for(case["case_id"], agency_id)
            if agency is not None and first in found:
                targets.append((agency.kind, agency, first))
        return targets, found

    def rework(self, case: Mapping[str, Any], agency_id: str, plan: FollowUpPlan, *, by: str,
               reason: str, actor: Actor | None = None) -> Referral:
        agency = self._receiving_unit(agency_id)
        plan.check_rework(reason)
        earlier = self.rounds(case["case_id"], agency_id)
        check_no_open_referral(earlier, agency.name)
        referral = self._by_hand(case, agency, referral_id_for(case["case_id"], agency_id, len(earlier)),
                                 by=by, reason=reason)
        plan.rework(agency_id=agency_id, referral_id=str(referral.id), reason=reason, by=by,
                    at=referral.dispatched_at, clock=self.visit_clock)
        try:
            self.save(referral, plan, *audit_note(actor, "case.rework", "referral", str(referral.id),
                                                  case["case_id"]))
        except IntegrityError:  # the same request at the same moment: the one saved stands
            again = self._same_rework(self.followup_plan(case["case_id"]), agency_id, by, reason)
            if again is None:
                raise Conflict("该案件刚被其他操作更改，请刷新后重试。") from None
            return again
        log.info("case sent back for rework", case_id=case["case_id"], agency_id=agency_id,
                 round=len(earlier))
        return referral
