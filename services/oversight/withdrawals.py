"""A supervisor takes a case back from a unit that does not or cannot act (撤回: stop 58's city
supervisor found a unit that never answered kept its case from ever being closed, and 改派 only
added another unit). The referral ends `declined`, marked withdrawn, with the supervisor's reason."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from services.bootstrap import ApiContainer
from services.common.auditnote import Actor, Principal
from services.common.schemas import Strict
from services.oversight.jurisdiction import check_referral
from services.oversight.referrals import referral_body, said
from services.oversight.unnamed import check_unnamed

REASON_MAX = 500


class WithdrawIn(BaseModel):
    model_config = Strict
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX), AfterValidator(said)]


def withdraw(c: ApiContainer, who: Principal, referral_id: str, body: WithdrawIn,
             actor: Actor) -> dict[str, Any]:
    """Outside a region-bound supervisor's region, or unknown: not found (§12); ended already: 409.
    The reason names no one (the unit reads it, as it reads a supervisor's routing reason)."""
    case_id = check_referral(c, who, referral_id).case_id
    check_unnamed(c, case_id, {"reason": ("撤回原因", body.reason)})
    return referral_body(c.dispatch.withdraw(referral_id, reason=body.reason, by=who.subject, actor=actor),
                         detail=True)
