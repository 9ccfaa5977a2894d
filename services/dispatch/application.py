"""Dispatch: turns each case into one referral per agency unit (contract §3)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import ProcessingEvent
from eventsourcing.system import ProcessApplication

from services.common import store
from services.common.errors import NotFound, parse_id
from services.common.messages import CASE_OPENED, CASE_UPDATED, Message, same_key
from services.common.outbox import NotifiesCommits
from services.common.vocabulary import RISK_RANK
from services.dispatch.domain import (
    Referral,
    RoutingGap,
    referral_id_for,
    routing_gap_id_for,
)
from services.dispatch.followup import FollowUpPlan, plan_id_for
from services.dispatch.followups import FollowUps, VisitClock
from services.dispatch.referral_steps import ReferralSteps
from services.dispatch.rework import Rework
from services.dispatch.routing import Agency, Directory, ReferralMatrix, places_to_route

log = structlog.get_logger("dispatch")


def raised(case: Mapping[str, Any]) -> bool:
    """A case update that put the level up (an opening has no level before it)."""
    previous = case.get("previous_risk_level")
    return previous in RISK_RANK and RISK_RANK[case["risk_level"]] < RISK_RANK[previous]


def told(case: Mapping[str, Any]) -> bool:
    """A report joined a red or orange case, or a caller rang back with more (补充): the units that
    took it on are told (their on-call's phone, not only an open inbox: the police desk's review,
    stop 56, read a danger call-back only far down its page); a lower case's waits in the inbox."""
    return case.get("reason") in ("report_joined", "supplement") and bool(case.get("report_id")) \
        and case["risk_level"] in ("red", "orange")


def anew(case: Mapping[str, Any]) -> bool:
    """A report joined, or a caller rang back saying the child is in danger now: a unit that
    closed its referral of the case is referred it again (stop 59's hospital desk: a call-back that
    the father would take the child from its ward reached no one there)."""
    return case.get("reason") == "report_joined" or (case.get("reason") == "supplement"
                                                     and bool(case.get("immediate_danger")))


class ReferralNotFound(NotFound):
    """No such referral, or not one the caller's unit holds (its existence is not revealed)."""

    def __init__(self, referral_id: str = ""):
        super().__init__("没有这个转介。")
        self.referral_id = referral_id


class DispatchApplication(FollowUps, Rework, ReferralSteps, NotifiesCommits, ProcessApplication[UUID]):
    """Consumes case messages; each referral records the matrix and directory versions used.
    Each case also gets its follow-up plan here (`FollowUps`), beside the referrals it waits for;
    a closed case sent back to a unit (`Rework`) reopens it with a new referral."""

    name = "dispatch"
    run_key = staticmethod(same_key)  # a case's messages apart

    def __init__(  # type: ignore[no-untyped-def]
        self,
        env=None,
        *,
        ack_sla: dict[str, int],
        matrix: ReferralMatrix | None = None,
        directory: Directory | None = None,
        visit_clock: VisitClock | None = None,
        helper_within: timedelta | None = None,
    ):
        super().__init__(env)
        self.ack_sla = ack_sla
        self.matrix = matrix or ReferralMatrix.load()
        self.directory = directory or Directory.load()
        self.visit_clock = visit_clock or VisitClock.default()
        if helper_within is not None:
            self.helper_within = helper_within

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        # A case update refers only units not yet referred: referral ids are per case and unit.
        if isinstance(domain_event, Message) and domain_event.type in (CASE_OPENED, CASE_UPDATED):
            case = domain_event.data
            targets = self._targets(case)
            # The referrals, routing gaps and plan this message may make, in one read (#31).
            known = store.find_all(self, [*(i for _, _, i in targets), plan_id_for(case["case_id"])])
            referred = self._refer(case, targets, known, processing_event)
            plan = known.get(plan_id_for(case["case_id"]))
            plan_found = plan if isinstance(plan, FollowUpPlan) else None
            if anew(case) and plan_found is not None:  # read only when a report joined
                routed = {agency.agency_id for _, agency, _ in targets if agency is not None}
                referred += self._refer(case, *self.brought_in(case, routed, plan_found), processing_event)
            if raised(case) or told(case):
                self._raise_and_tell(case, known, plan_found, processing_event)
            self._plan(case, referred, case.get("reason"), processing_event, plan_found)

    def _targets(self, case: dict[str, Any]) -> list[tuple[str, Agency | None, UUID]]:
        """Per agency kind the case's concerns call for: the unit that serves its region, and the
        id of its referral (of a routing gap when no unit does), at each place it routes to."""
        targets, seen = [], set()
        for place in places_to_route(case):
            for kind in self.matrix.kinds_for(case["concerns"]):
                agency = self.directory.resolve(kind, place)
                if agency is None and place != case["region_code"]:
                    continue  # no unit there: the case's own place routes the kind, or its gap stands
                target = referral_id_for(case["case_id"], agency.agency_id) if agency \
                    else routing_gap_id_for(case["case_id"], kind)
                if target not in seen:
                    seen.add(target)
                    targets.append((kind, agency, target))
        return targets

    def _refer(self, case: dict[str, Any], targets: list[tuple[str, Agency | None, UUID]],
               known: Mapping[UUID, Any], processing_event: ProcessingEvent[UUID]) -> list[str]:
        """Refer the case to each unit not referred yet (`known`: what is stored); the ids of
        the new referrals."""
        case_id, referred = case["case_id"], []
        now = datetime.now(UTC)
        sla = timedelta(seconds=self.ack_sla[case["risk_level"]])
        for kind, agency, target_id in targets:
            if target_id in known:
                again = self._next_round(case, agency, known[target_id]) \
                    if agency is not None and anew(case) else None
                if again is None:
                    continue
                target_id = again
            if agency is None:
                processing_event.collect_events(
                    RoutingGap(
                        id=target_id,
                        case_id=case_id,
                        agency_kind=kind,
                        region_code=case["region_code"],
                        directory_version=self.directory.version,
                    )
                )
                log.warning("no unit for kind", case_id=case_id, agency_kind=kind)
                continue
            processing_event.collect_events(
                Referral(
                    id=target_id,
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
            referred.append(str(target_id))
            log.info(
                "referral dispatched",
                case_id=case_id,
                referral_id=str(target_id),
                agency_id=agency.agency_id,
            )
        return referred

    def _raise_and_tell(self, case: dict[str, Any], known: Mapping[UUID, Any], plan: FollowUpPlan | None,
                        processing_event: ProcessingEvent[UUID]) -> None:
        """The case's level went up: each of its referrals not yet taken on is raised to it and
        re-timed (`Referral.raise_level`); an urgent report joined: each taken on is told of it
        (`Referral.tell_of_report`). Read only then: the plan names every referral of the case,
        those the matrix made and those a supervisor did."""
        ids = {UUID(r) for r in (plan.referral_ids if plan is not None else [])}
        ids |= {i for i, found in known.items() if isinstance(found, Referral)}
        found = {**known, **store.find_all(self, [i for i in ids if i not in known])}
        now, level = datetime.now(UTC), case["risk_level"]
        within = timedelta(seconds=self.ack_sla[level])
        for referral_id in sorted(ids, key=str):
            referral = found.get(referral_id)
            if not isinstance(referral, Referral):
                continue
            if raised(case) and referral.raise_level(risk_level=level, ack_within=within, at=now):
                processing_event.collect_events(referral)
                log.info("referral raised", case_id=case["case_id"], referral_id=str(referral_id),
                         risk_level=level, due_at=referral.due_at.isoformat())
            elif told(case) and referral.tell_of_report(report_id=case["report_id"], risk_level=level, at=now,
                                                        supplement_id=case.get("supplement_id") or ""):
                processing_event.collect_events(referral)
                log.info("referral told of a report", case_id=case["case_id"], referral_id=str(referral_id))

    def get_referral(self, referral_id: UUID | str, *, unit: str | None = None) -> Referral:
        """The referral; with `unit`, only if that agency unit holds it (a desk's scope)."""
        referral = store.find(self.repository, parse_id(referral_id, "referral"), Referral)
        if referral is None or (unit is not None and referral.agency_id != unit):
            raise ReferralNotFound(str(referral_id))
        return referral

    def escalate_if_due(self, referral_id: UUID, *, now: datetime) -> bool:
        """Escalate once when the due time passed unacknowledged; safe to call repeatedly."""
        referral = self.get_referral(referral_id)
        if not referral.escalate(at=now):
            return False
        self.save(referral)  # a concurrent acknowledgement makes this fail, not double up
        log.warning("referral escalated", referral_id=str(referral_id), case_id=referral.case_id)
        return True
