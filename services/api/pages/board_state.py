"""What the board says after a supervisor's command: the result read from the stores (the desk
view lags them a moment), and the reasons supervisors wrote, for the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections.desk.reader import REVIEWS
from services.common.errors import DomainError
from services.common.labels import CATEGORY_TEXT, LEVEL_TEXT
from services.common.vocabulary import Category
from services.dispatch.domain import referral_id_for
from services.oversight.board_callbacks import settled_dissatisfied

DONE = ("reassess", "review", "refer", "close")
CLEARED = "“回访不满意”已复核，看板上的该提示已清除，回访记录仍在案件经过中。"


def _categories_text(chosen: list[str]) -> str:
    return "、".join(CATEGORY_TEXT[c] for c in tuple(Category) if c in chosen) or "未选"


def outcome(container: Any, action: str, case_id: str, unit: str | None) -> tuple[str, dict[str, Any]] | None:
    """The notice naming the case and what it now is, and the fields of its board row the view
    may not show yet; None for anything that cannot be confirmed from the stores."""
    short = case_id[:8]
    try:
        if action in ("reassess", "review"):
            case = container.triage.get_case(case_id)
            level = LEVEL_TEXT[case.risk_level]
            patch = {"risk_level": case.risk_level, "categories": case.categories,
                     "needs_review": False, "review_reasons": []}
            cleared = (CLEARED if settled_dissatisfied(container, case_id, container.triage.reasons(case_id))
                       else "")
            if action == "review":
                return f"已完成案件 {short} 的复核，风险等级保持{level}。{cleared}", patch
            return (f"已将案件 {short} 调整为{level}，类别：{_categories_text(case.categories)}。{cleared}",
                    patch)
        if action == "close":
            plan = container.dispatch.followup_plan(case_id)
            if plan is None or plan.status != "closed":
                return None
            return f"已将案件 {short} 结案。", {"status": "closed"}
        agency = container.directory.get(unit or "")
        if action == "refer" and agency is not None and container.dispatch.get_referral(
                str(referral_id_for(case_id, agency.agency_id))) is not None:
            return f"已将案件 {short} 改派给{agency.name}，该单位将在收件箱中看到此案件。", {}
    except DomainError:
        return None
    return None


def patched(cases: list[Any], case_id: str, patch: dict[str, Any]) -> list[Any]:
    """The acted-on case's row as the store has it now."""
    for case in cases:
        if case["case_id"] == case_id:
            case.update(patch)
    return cases


def _moment(at: str) -> float:
    return round(datetime.fromisoformat(at).timestamp(), 3)


def add_written_reasons(container: Any, cases: list[Any]) -> list[Any]:
    """The reason or note a supervisor wrote at each reassessment and review, on its timeline
    entry (`written`); the store is read only for cases that have such entries."""
    for case in cases:
        entries = [t for t in case["timeline"] if t["type"] in REVIEWS]
        if entries:
            texts = {_moment(r["at"]): r["text"] for r in container.triage.reasons(case["case_id"])}
            for t in entries:
                t["written"] = texts.get(_moment(t["at"]), "")
    return cases
