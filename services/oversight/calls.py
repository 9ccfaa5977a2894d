"""A supervisor's phone calls to a unit about a referral (督办电话): recorded on the referral in
dispatch's store, read back on its record page and the board (stop 52's review: after phoning a
unit there was no place to note it)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import uuid4

from pydantic import BaseModel, Field

from services.bootstrap import ApiContainer
from services.common.auditnote import Actor, Principal
from services.common.schemas import Strict
from services.dispatch.domain import CALL_NOTE_MAX
from services.oversight.jurisdiction import check_referral
from services.oversight.unnamed import check_unnamed


class CallIn(BaseModel):
    model_config = Strict
    reached: bool  # whether anyone at the unit answered
    note: Annotated[str, Field(max_length=CALL_NOTE_MAX)] = ""  # what was said
    # The same id again records nothing more (a form sent twice); a new one when left out.
    call_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


def call_out(call: Any) -> dict[str, Any]:
    return {"call_id": call["call_id"], "reached": call["reached"], "note": call["note"],
            "by": call["by"], "at": call["at"].isoformat()}


def record_call(c: ApiContainer, who: Principal, referral_id: str, body: CallIn,
                actor: Actor) -> dict[str, Any]:
    """Record the call on the referral; outside a region-bound supervisor's region, or unknown: not
    found (§12). A referral declined or closed: 409 (nothing left to press the unit for)."""
    case_id = check_referral(c, who, referral_id).case_id
    check_unnamed(c, case_id, {"note": ("通话情况", body.note)})
    done = c.dispatch.record_call(referral_id, call_id=body.call_id or str(uuid4()), reached=body.reached,
                                  note=body.note, by=who.subject, actor=actor)
    return {"referral_id": str(done.id), "calls": [call_out(x) for x in done.calls]}

