"""What the board says after a supervisor's command: the result read from the stores (the desk
view lags them a moment), and the reasons supervisors wrote, for the timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.desk.reader import REVIEWS
from services.common.errors import DomainError
from services.common.labels import CATEGORY_TEXT, LEVEL_TEXT
from services.common.vocabulary import OPEN_REFERRAL_STATUSES, RISK_RANK, Category
from services.dispatch.domain import referral_id_for
from services.oversight.board_callbacks import CALLBACK_LINE, settled_dissatisfied
from services.oversight.callbacks import DISSATISFIED

DONE = ("reassess", "review", "refer", "close", "rework")
PLAN_WRITTEN = ("case_closed", "case_reworked")  # timeline lines whose reason the follow-up plan keeps
CLEARED = "“回访不满意”已复核，看板上的该提示已清除，回访记录仍在案件经过中。"
REWORK_CLEARED = "“回访不满意”已由此次重新交办复核，看板上的该提示已清除，回访记录仍在案件经过中。"


# What a level change does to the referrals not yet taken on (dispatch's `Referral.raise_level`),
# said where the supervisor changed it, and before, beside the level (`LEVEL_HINT`).
HASTEN = "已派出、尚未接收的转介随之升级：接收时限按新等级从现在起重新计算（原定更早的不变）"
TOLD = "，并通知该单位此刻的值班联系人。"
UNTOLD = "；{units}此刻无人值守、无法自动通知，请直接电话联系。"
LOWERED = "已派出的转介保持原来的等级和接收时限（调低等级不放宽时限）。"
NONE_WAITING = ("该案件的转介都已接收，接收时限不变；承办单位的收件箱和转介页会提示案件已升级"
                "（情况紧急时请同时电话告知）。")
# Nobody holds the case (every referral returned, withdrawn or finished): a raise tells no one (the
# province supervisor's review, stop 61: it read "都已接收" beside the row's "无单位在办，请改派").
NOBODY_HOLDS = ("该案件目前没有单位在办（转介都已退回、撤回或办结），调整等级不会通知任何单位："
                "请在本行“改派”或“交办”给一个单位，情况紧急时请直接电话联系。")


def _hasten(container: Any, case_id: str) -> str:
    """What a raise does, naming the units of the referrals it re-times that nobody on duty can
    be told of (the city supervisor's review, stop 51: "再次通知" with no roster set)."""
    case = container.view.get_case(case_id)
    # Every waiting unit, whatever level the view shows: it may have raised them already (stop 51:
    # the notice then said all were told).
    waiting = [r["agency_id"] for r in (case or {}).get("referrals", [])
               if r["status"] in ("dispatched", "escalated")]
    if not waiting:  # all taken on: nothing is re-timed (stop 55's second county supervisor)
        held = any(r["status"] in OPEN_REFERRAL_STATUSES for r in (case or {}).get("referrals", []))
        return NONE_WAITING if held else NOBODY_HOLDS
    untold = [a for a in dict.fromkeys(waiting) if not reachable(container, a)]
    names = "、".join(unit.name if (unit := container.directory.get(a)) else a for a in untold)
    return HASTEN + (UNTOLD.format(units=names) if untold else TOLD)


def reachable(container: Any, agency_id: str) -> bool:
    """Whether someone on duty now at the unit has a webhook (what a raise's notice reaches)."""
    roster = container.notify.roster(agency_id)
    return bool(roster and any(c.webhook_url for c in roster.on_duty(datetime.now(UTC))))


def _categories_text(chosen: list[str]) -> str:
    return "、".join(CATEGORY_TEXT[c] for c in tuple(Category) if c in chosen) or "未选"


def outcome(container: Any, action: str, case_id: str, unit: str | None,
            concerns_added: str = "") -> tuple[str, dict[str, Any]] | None:
    """The notice naming the case and what it now is, and the fields of its board row the view
    may not show yet; None for anything that cannot be confirmed from the stores."""
    short = case_id[:8]
    try:
        if action in ("reassess", "review"):
            case = container.triage.get_case(case_id)
            level = LEVEL_TEXT[case.risk_level]
            patch = {"risk_level": case.risk_level, "categories": case.categories,
                     "needs_review": False, "review_reasons": []}
            reasons = container.triage.reasons(case_id)
            cleared = CLEARED if settled_dissatisfied(container, case_id, reasons) else ""
            if action == "review":
                return f"已完成案件 {short} 的复核，风险等级保持{level}。{cleared}", patch
            categories = _categories_text(case.categories)
            previous = reasons[-1]["previous"] if reasons and reasons[-1]["kind"] == "Reassessed" else None
            # 补选问题类型 (stop 55's second county supervisor: said as a change of the categories)
            added = (f"补选问题类型：{concerns_added}，将按问题类型转介给相应单位（已转介的单位不重复），"
                     "稍后显示在转介一栏。") if concerns_added else ""
            if previous == case.risk_level and added:
                return f"已为案件 {short} {added}风险等级仍为{level}。{cleared}", patch
            if previous == case.risk_level:  # the categories only (the city supervisor's second review)
                return f"已将案件 {short} 的台账类别改为：{categories}；风险等级仍为{level}。{cleared}", patch
            raised = previous is not None and RISK_RANK.get(case.risk_level, 9) < RISK_RANK.get(previous, 9)
            # "类别：未选" read as if cleared (stop 51): the categories are said only when there are some.
            chosen = f"，台账类别：{categories}" if case.categories else ""
            if raised:  # the view shows the old due times for a moment: the row says they change
                patch["retiming"] = True
            return (f"已将案件 {short} 调整为{level}{chosen}。{added}{cleared}"
                    + (_hasten(container, case_id) if raised
                       else LOWERED if previous is not None else ""), patch)
        if action == "close":
            plan = container.dispatch.followup_plan(case_id)
            if plan is None or plan.status != "closed":
                return None
            return f"已将案件 {short} 结案。", {"status": "closed", "followup_status": "closed"}
        agency = container.directory.get(unit or "")
        if action == "rework":
            return _reworked(container, case_id, agency)
        if action == "refer" and agency is not None and container.dispatch.get_referral(
                str(referral_id_for(case_id, agency.agency_id))) is not None:
            return (f"已将案件 {short} 转介给{agency.name}，该单位将在收件箱中看到此案件；"
                    "案件原有的转介不受影响。"), {}
    except DomainError:
        return None
    return None


def _reworked(container: Any, case_id: str, agency: Any) -> tuple[str, dict[str, Any]] | None:
    """重办's notice, once the store shows the plan sent back to that unit; whether it settled a
    dissatisfied reporter is said by the board row (`add_reworks`)."""
    plan = container.dispatch.followup_plan(case_id)
    if agency is None or plan is None or plan.status != "active" or not plan.reworks \
            or plan.reworks[-1]["agency_id"] != agency.agency_id:
        return None
    last = plan.reworks[-1]["at"].isoformat()
    reworks = [{"at": r["at"].isoformat()} for r in plan.reworks]
    settles = sorted([*container.triage.reasons(case_id), *reworks],
                     key=lambda r: _moment(r["at"]))  # reviews, reassessments and 重办 settle alike
    cleared = REWORK_CLEARED if settles[-1]["at"] == last and settled_dissatisfied(
        container, case_id, settles) else ""
    return (f"已将案件 {case_id[:8]} 重新交办给{agency.name}，该单位将在收件箱中看到此案件。{cleared}",
            {"status": "dispatched", "reworked": True})


def handled_by(case: Any) -> str:
    """The unit that last finished the case's work (办结), for 重办 to preselect; "" if none did."""
    closed = [t.get("agency_id", "") for t in case["timeline"] if t["type"] == "referral_closed"]
    return closed[-1] if closed else ""


def plans_written(container: Any, cases: list[Any]) -> dict[str, Any]:
    """The follow-up plans that hold what the board shows of a 结案 or 重办 (its reason), each read
    once for the page: only for the cases with such a line, or just sent back."""
    return {case["case_id"]: container.dispatch.followup_plan(case["case_id"]) for case in cases
            if case.get("reworked") or any(t["type"] in PLAN_WRITTEN for t in case["timeline"])}


def add_reworks(cases: list[Any], plans: dict[str, Any]) -> list[Any]:
    """Each 重办's unit and reason on its timeline line (kept in the store, in `plans`). While the
    view lags the command just done, its line is added here, and settles a dissatisfied callback
    before it as the view's line will (callbacks.flag_dissatisfied)."""
    for case in cases:
        just_done = case.pop("reworked", False)
        if not just_done and all(t["type"] != "case_reworked" for t in case["timeline"]):
            continue
        plan = plans.get(case["case_id"])
        for r in plan.reworks if plan is not None else []:
            found = [t for t in case["timeline"] if t["type"] == "case_reworked"
                     and abs(_moment(t["at"]) - r["at"].timestamp()) < 1]  # the event's own clock
            for t in found or [{"type": "case_reworked", "at": r["at"].isoformat()}]:
                t.update(by=r["by"], rework={"agency_id": r["agency_id"], "reason": r["reason"]})
                if not found:
                    case["timeline"].append(t)
                    _settle(case, t)
        # The round's referral is that line's, not a line of its own (stop 55's county supervisor:
        # one 重新交办 read as two).
        sent = {r["referral_id"] for r in plan.reworks} if plan is not None else set()
        case["timeline"] = [t for t in case["timeline"] if not (
            t["type"] == "referral_dispatched" and t.get("referral_id") in sent)]
        for referral in case["referrals"]:
            if referral["referral_id"] in sent:
                referral["reworked"] = True
    return cases


def round_reason(case: dict[str, Any], referral: dict[str, Any]) -> str:
    """Why a unit's later round of a case was sent (stop 56's county supervisor: 重新交办 read only
    as 第N次转介): sent back (重新交办), by a supervisor's hand (改派), or by a new report."""
    if referral.get("reworked"):
        return "重新交办"
    sent_by = next((t.get("by") for t in case["timeline"] if t["type"] == "referral_dispatched"
                    and t.get("referral_id") == referral["referral_id"]), None)
    return "有新报告，再次转介" if sent_by in (None, "dispatch") else "督办改派"


def _settle(case: Any, line: dict[str, Any]) -> None:
    """The 重办 just done, not yet in the view: a dissatisfied callback before it is settled."""
    case["timeline"].sort(key=lambda t: _moment(t["at"]))
    before = [t for t in case["timeline"] if t is not line and _moment(t["at"]) <= _moment(line["at"])]
    unhappy = [_moment(t["at"]) for t in before
               if t["type"] == CALLBACK_LINE and t["satisfaction"] == DISSATISFIED]
    if unhappy and not [t for t in before if t["type"] in REVIEWS and _moment(t["at"]) >= unhappy[-1]]:
        line["settles_dissatisfied"] = True
        case["review_reasons"] = [x for x in case["review_reasons"] if x != DISSATISFIED]
        case["needs_review"] = bool(case["review_reasons"])


def patched(cases: list[Any], case_id: str, patch: dict[str, Any]) -> list[Any]:
    """The acted-on case's row as the store has it now (its plan's status too: 结案 is the plan's,
    stop 55's county supervisor saw 转介已办结 and 结案 offered for a moment after closing)."""
    patch = dict(patch)
    plan_status = patch.pop("followup_status", None)
    for case in cases:
        if case["case_id"] == case_id:
            case.update(patch)
            if plan_status and case.get("followup"):
                case["followup"] = {**case["followup"], "status": plan_status}
    return cases


def _moment(at: str) -> float:
    return round(datetime.fromisoformat(at).timestamp(), 3)


def add_written_reasons(container: Any, cases: list[Any], notes: dict[str, dict[str, str]],
                        plans: dict[str, Any]) -> list[Any]:
    """The reason or note a supervisor wrote at each reassessment and review, and from `notes`
    (oversight.board.referral_notes, read once for the page) a unit's reason to decline and a
    supervisor's to re-route, on its timeline entry (`written`: the city supervisor's review, stop
    50, found the last two missing); triage's store is read only for cases that have reviews; each
    结案's reason is in the case's plan (`plans`, read once for the page)."""
    for case in cases:
        closings = [t for t in case["timeline"] if t["type"] == "case_closed"]
        plan = plans.get(case["case_id"])
        for t in closings:  # each 结案's reason (stop 55's county supervisor: never shown)
            t["written"] = next((str(c["reason"]) for c in (plan.closings if plan is not None else ())
                                 if abs(c["at"].timestamp() - _moment(t["at"])) < 1), "")  # type: ignore[attr-defined]
            # Closed before the child was seen at home (stop 56's county supervisor: no trace of it),
            # at any level, as the confirming step now asks at any level (stop 57's second round).
            t["unseen"] = plan is not None and not any(
                v.get("child_seen") and v["visited_at"].timestamp() <= _moment(t["at"]) for v in plan.visits)
        entries = [t for t in case["timeline"] if t["type"] in REVIEWS]
        if entries:
            texts = {_moment(r["at"]): r["text"] for r in container.triage.reasons(case["case_id"])}
            for t in entries:
                t["written"] = texts.get(_moment(t["at"]), "")
        for t in case["timeline"]:
            note = notes.get(t.get("referral_id") or "")
            if note and t["type"] in ("referral_declined", "referral_withdrawn"):
                t["written"] = note["reason"]
            elif note and t["type"] == "referral_dispatched" and t["by"] != "dispatch":
                t["written"] = note["routing"]
    return cases


def holding(case: dict[str, Any]) -> list[str]:
    """The units holding the case open (a referral not yet closed or declined), in order: never
    offered for 改派, and said so under its list (stop 56's county supervisor)."""
    return list(dict.fromkeys(r["agency_id"] for r in case["referrals"]
                              if r["status"] in OPEN_REFERRAL_STATUSES))
