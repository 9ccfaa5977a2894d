"""The steps taken on a referral by its unit's desk (接收, 退回, 办理进展, 办结) and by a supervisor
(撤回, 电话督办), each saved with its audit note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog

from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.dispatch.domain import Referral

log = structlog.get_logger("dispatch")


class ReferralSteps:
    """Mixed into DispatchApplication beside `FollowUps` and `Rework`."""

    save: Callable[..., Any]

    if TYPE_CHECKING:  # defined by DispatchApplication
        def get_referral(self, referral_id: UUID | str, *, unit: str | None = None) -> Referral: ...

    def acknowledge(self, referral_id: UUID | str, *, by: str, unit: str,
                    actor: Actor | None = None) -> Referral:
        referral = self.get_referral(referral_id, unit=unit)
        if referral.acknowledge(by=by, at=datetime.now(UTC)):
            self.save(referral, *self._note(actor, "referral.acknowledge", referral))
            log.info("referral acknowledged", referral_id=str(referral_id), case_id=referral.case_id)
        return referral

    def decline(self, referral_id: UUID | str, *, reason: str, by: str, unit: str,
                actor: Actor | None = None) -> Referral:
        referral = self.get_referral(referral_id, unit=unit)
        referral.decline(reason=reason, by=by, at=datetime.now(UTC))
        self.save(referral, *self._note(actor, "referral.decline", referral))
        log.info("referral declined", referral_id=str(referral_id), case_id=referral.case_id)
        return referral

    def record_outcome(self, referral_id: UUID | str, *, outcome: str, note: str, by: str,
                       unit: str, actor: Actor | None = None) -> Referral:
        referral = self.get_referral(referral_id, unit=unit)
        referral.record_outcome(outcome=outcome, note=note, by=by, at=datetime.now(UTC))
        self.save(referral, *self._note(actor, "referral.outcome", referral))
        log.info("referral closed", referral_id=str(referral_id), case_id=referral.case_id)
        return referral

    def withdraw(self, referral_id: UUID | str, *, reason: str, by: str,
                 actor: Actor | None = None) -> Referral:
        """A supervisor takes the case back from the unit (撤回), with its audit note."""
        referral = self.get_referral(referral_id)
        referral.withdraw(reason=reason, by=by, at=datetime.now(UTC))
        self.save(referral, *self._note(actor, "referral.withdraw", referral))
        log.info("referral withdrawn", referral_id=str(referral_id), case_id=referral.case_id)
        return referral

    def record_call(self, referral_id: UUID | str, *, call_id: str, reached: bool, note: str, by: str,
                    actor: Actor | None = None, way: str = "phone") -> Referral:
        """A supervisor's call to the unit about a referral (督办电话), or written 督办 on its pages,
        with its audit note."""
        referral = self.get_referral(referral_id)
        if referral.record_call(call_id=call_id, reached=reached, note=note, by=by, at=datetime.now(UTC),
                                way=way):
            self.save(referral, *self._note(actor, "referral.call", referral))
            log.info("referral call recorded", referral_id=str(referral_id), case_id=referral.case_id,
                     reached=reached, way=way)
        return referral

    def record_progress(self, referral_id: UUID | str, *, progress_id: str, note: str, by: str, unit: str,
                        actor: Actor | None = None) -> Referral:
        """The unit's progress on a referral it holds (办理进展), with its audit note."""
        referral = self.get_referral(referral_id, unit=unit)
        if referral.record_progress(progress_id=progress_id, note=note, by=by, at=datetime.now(UTC)):
            self.save(referral, *self._note(actor, "referral.progress", referral))
            log.info("referral progress recorded", referral_id=str(referral_id), case_id=referral.case_id)
        return referral

    @staticmethod
    def _note(actor: Actor | None, action: str, referral: Referral) -> list[Any]:
        return audit_note(actor, action, "referral", str(referral.id), referral.case_id)
