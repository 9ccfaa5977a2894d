"""What a home visit must say to be recorded, and when the next visit falls due after it (contract §6)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from services.common.errors import FieldError
from services.common.vocabulary import BEIJING, Measure

if TYPE_CHECKING:  # the clock lives with the use cases that drive the plan by it
    from services.dispatch.followups import VisitClock

MEASURES: tuple[str, ...] = tuple(Measure)
# A phone's clock may run a little ahead, and its time field has minutes only.
SKEW = timedelta(minutes=1)


def check_visit(*, visited_at: datetime, visitor: str, measures: list[str], opened_at: datetime,
                now: datetime) -> None:
    """A visit between the case's opening and now, by someone named, with measures the list knows."""
    if visited_at > now + SKEW:
        raise FieldError("visited_at", "走访时间不能晚于现在。")
    if visited_at < opened_at - SKEW:
        opened = opened_at.astimezone(BEIJING)
        raise FieldError("visited_at", f"走访时间不能早于立案时间（{opened:%m-%d %H:%M}）。")
    if not visitor.strip():
        raise FieldError("visitor", "请填写走访人姓名。")
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise FieldError("measures", f"帮扶措施无法识别：{'、'.join(unknown)}。")


def due_after_visit(*, clock: VisitClock, risk_level: str, latest: datetime, child_seen: bool,
                    due_now: datetime, next_by: datetime | None, now: datetime) -> datetime:
    """The level's interval from the latest visit; a visit that did not see the child leaves the date
    in force (stop 62's child director: each unseen visit put the deadline back); the visitor may
    only bring it forward (`next_by`), to a moment still to come."""
    due = clock.after_visit(risk_level, latest)
    if not child_seen:
        due = min(due, due_now)
    if next_by is None:
        return due
    if next_by <= now:
        raise FieldError("next_visit_by", "下次走访时间须晚于现在。")
    if next_by > due + SKEW:
        latest_due = due.astimezone(BEIJING)  # with its year when not this one, as the pages
        shown = f"{latest_due:%Y-%m-%d %H:%M}" if latest_due.year != now.astimezone(BEIJING).year \
            else f"{latest_due:%m-%d %H:%M}"
        raise FieldError("next_visit_by", f"按风险等级，下次走访最迟在{shown}；"
                                          "这里只能提前，不填即按此排定。")
    return min(due, next_by)
