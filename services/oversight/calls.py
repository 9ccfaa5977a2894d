"""A supervisor's phone calls to a unit about a referral (督办电话): recorded on the referral in
dispatch's store, read back on its record page and the board (stop 52's review: after phoning a
unit there was no place to note it)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import uuid4

from pydantic import BaseModel, Field, model_validator

from services.bootstrap import ApiContainer
from services.common.auditnote import Actor, Principal
from services.common.schemas import Strict
from services.dispatch.domain import CALL_NOTE_MAX
from services.oversight.jurisdiction import check_referral
from services.oversight.unnamed import check_unnamed


class CallIn(BaseModel):
    model_config = Strict
    way: Literal["phone", "written"] = "phone"  # 电话督办, or 书面督办 on the unit's pages
    reached: bool | None = None  # a call: whether anyone at the unit answered (required)
    note: Annotated[str, Field(max_length=CALL_NOTE_MAX)] = ""  # what was said, or what is asked
    # The same id again records nothing more (a form sent twice); a new one when left out.
    call_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _a_call_says_whether_answered(self) -> CallIn:
        if self.way == "phone" and self.reached is None:
            raise ValueError("reached: a phone call says whether anyone answered")
        return self


def call_out(call: Any) -> dict[str, Any]:
    return {"call_id": call["call_id"], "way": call.get("way", "phone"), "reached": call["reached"],
            "note": call["note"], "by": call["by"], "at": call["at"].isoformat()}


def record_call(c: ApiContainer, who: Principal, referral_id: str, body: CallIn,
                actor: Actor) -> dict[str, Any]:
    """Record the call on the referral; outside a region-bound supervisor's region, or unknown: not
    found (§12). A referral declined or closed: 409 (nothing left to press the unit for)."""
    case_id = check_referral(c, who, referral_id).case_id
    check_unnamed(c, case_id, {"note": ("督办意见" if body.way == "written" else "通话情况", body.note)})
    done = c.dispatch.record_call(referral_id, call_id=body.call_id or str(uuid4()),
                                  reached=bool(body.reached), note=body.note, by=who.subject, actor=actor,
                                  way=body.way)
    return {"referral_id": str(done.id), "calls": [call_out(x) for x in done.calls]}


def unanswered_calls(referral: Any) -> list[dict[str, Any]]:
    """The supervisors' presses about an open referral the unit has not answered, oldest first: a
    call answered by a 接收 or a progress line after it, a written one (书面督办) by progress only,
    since it asks more than 接收 (the education desk's review, stop 60; stop 62's county supervisor:
    only the newest press was said, an earlier written one vanished from the unit's pages)."""
    if referral.status not in ("dispatched", "escalated", "acknowledged") or not referral.calls:
        return []
    progress = [p["at"] for p in referral.progress]
    taken = [referral.acknowledged_at] if referral.acknowledged_at else []
    return [call_out(c) for c in referral.calls
            if not any(at > c["at"] for at in progress + (taken if c.get("way", "phone") == "phone" else []))]


def unanswered_call(referral: Any) -> dict[str, Any] | None:
    """The newest of the presses still owed an answer, with how many there are."""
    owed = unanswered_calls(referral)
    return {**owed[-1], "owed": len(owed)} if owed else None


def open_notes(dispatch: Any, rows: list[Any]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Per open referral of an inbox, each read once: the supervisors' call still owed an answer,
    and the unit's last progress note with how many there are (stop 62's police desk: the next
    shift saw "已接收 处置后请办结" on each row and had to open every referral for what was promised)."""
    opened = {r["referral_id"]: dispatch.get_referral(r["referral_id"])
              for r in rows if r["status"] in ("dispatched", "escalated", "acknowledged")}
    calls = {k: call for k, a in opened.items() if (call := unanswered_call(a))}
    last = {k: {"at": a.progress[-1]["at"].isoformat(), "note": a.progress[-1]["note"],
                "count": len(a.progress)} for k, a in opened.items() if a.progress}
    return calls, last
