"""The board's case commands as forms: each one's fields, what to say of a blank one, and the
boxes ticked on the 改级 form."""

from __future__ import annotations

from typing import Any

from services.api.pages.board_state import holding
from services.api.web import beijing
from services.common.errors import FieldError
from services.common.labels import CONCERN_TEXT, LEVEL_TEXT
from services.common.vocabulary import Category, Concern
from services.oversight.board import units_by_county

ACTIONS = ("reassess", "review", "refer", "close", "rework")
# Each form's free text and what to say when it is left blank.
TEXT_FIELD = {"reassess": ("reason", "请填写改级原因。"), "review": ("note", "请填写复核意见。"),
              "refer": ("reason", "请填写改派原因。"), "close": ("reason", "请填写结案原因。"),
              "rework": ("reason", "请填写重新交办原因。")}
FIELDS = {"reassess": ("risk_level", "concerns", "categories", "reason"), "review": ("note",),
          "refer": ("agency_id", "reason"), "close": ("reason",), "rework": ("agency_id", "reason")}
FIELD_ID = {"risk_level": "level", "categories": "cats", "concerns": "concerns", "agency_id": "agency"}
VERB = {"reassess": "调整风险等级", "review": "完成复核", "refer": "改派", "close": "结案",
        "rework": "重新交办"}


def categories_ticked(form: Any) -> list[str] | None:
    """The ledger categories ticked on the reassessment form (all of them: none ticked clears
    them); None when the form did not offer them."""
    if not form.get("categories_shown"):
        return None
    chosen = [str(c) for c in form.getlist("categories")]
    if any(c not in tuple(Category) for c in chosen):
        raise FieldError("categories", "请从列表中勾选困境类别。")
    return chosen


def concerns_ticked(form: Any) -> list[str]:
    """The problem types ticked on the reassessment form of a case filed without one."""
    chosen = [str(c) for c in form.getlist("concerns")]
    if any(c not in tuple(Concern) for c in chosen):
        raise FieldError("concerns", "请从列表中勾选问题类型。")
    return chosen


def before_acting(container: Any, case_id: str, action: str, form: Any) -> tuple[Any, ...] | None:
    """What to say before a command is tried: its blank fields (改派's two at once), a unit not
    serving the place, a red case closed unseen (each with the box that confirms it); None: go."""
    field, blank = TEXT_FIELD[action]
    text = str(form.get(field, "")).strip()
    if action == "refer" and not form.get("agency_id"):  # never a unit preselected (stop 50's review)
        also = {field: f"案件 {case_id[:8]}：{blank}"} if not text else None
        return "agency_id", "请选择改派给哪个单位。", 422, also
    if not text:
        return field, blank, 422
    if action in ("refer", "rework") and not form.get("outside_ok") and (
            outside := outside_unit(container, case_id, str(form.get("agency_id")))):
        return "agency_id", outside, 422, None, {"name": "outside_ok", "label": "仍交给该单位"}
    if action == "close" and not form.get("unvisited_ok") and (
            unseen := unvisited(container, case_id) or ending_visits(container, case_id)):
        return "reason", unseen, 422, None, {"name": "unvisited_ok", "label": "仍要结案"}
    return None


def unit_choices(container: Any, units: list[Any]) -> dict[str, Any]:
    """The units the 改派 and 重办 lists offer, by county, and how each is named."""
    return {
        # 改派: any unit not holding the case open, one that declined it too (stop 56's county
        # supervisor could not send a red case back to the county police that had declined it)
        "units_for": lambda case: units_by_county(container, case["region_code"], [
            a for a in units if a.agency_id not in holding(case)]),
        "declined_by": lambda case: {r["agency_id"] for r in case["referrals"] if r["status"] == "declined"},
        # 重办: any unit, the one that handled the case too (preselected: `handled_by`)
        "rework_units_for": lambda case: units_by_county(container, case["region_code"], units),
        # A town's unit says which places it serves (stop 53's review: 三江镇's child director was
        # offered for a case in 大坪镇 with nothing saying it covers 三江镇 only).
        "unit_label": lambda a: unit_label(container, a),
    }


def unit_label(container: Any, unit: Any) -> str:
    """A unit as the re-routing lists name it: a town's says the places it serves."""
    if not unit.regions or any(len(r) <= 6 for r in unit.regions):
        return str(unit.name)
    return f"{unit.name}（只负责{'、'.join(container.directory.region_name(r) for r in unit.regions)}）"


def outside_unit(container: Any, case_id: str, agency_id: str) -> str:
    """What to say when the chosen unit does not serve the case's place ("" when it does, or the
    supervisor said it was meant): 改派 to 三江派出所 of a case in another town went through without
    a word (stop 55's county supervisor)."""
    unit = next((a for a in container.directory.agencies if a.agency_id == agency_id), None)
    case = container.view.get_case(case_id)
    if unit is None or case is None or not unit.regions:
        return ""
    # The newest report's place serves too (stop 57's county supervisor: the child taken to 三江镇,
    # 改派 to 三江镇's own office was said to be outside the case).
    facts = container.view.case_facts([case_id]).get(case_id)
    places = (case["region_code"], facts.place if facts else "")
    if any(container.directory.serves(agency_id, code) for code in places if code):
        return ""
    code, name = case["region_code"], container.directory.region_name
    place = name(code) or name(code[:9]) or container.directory.county_label(code)
    served = "、".join(container.directory.region_name(r) for r in unit.regions)
    return (f"{unit.name}只负责{served}，不负责本案所在的{place}：请改选单位；"
            "确实要交给它办理的，勾选下面的“仍交给该单位”再提交。")


def unvisited(container: Any, case_id: str) -> str:
    """What to say before a case is closed while its lead unit has not yet seen the child at home
    ("" otherwise, or while units still hold it: closing is refused for that): stop 56's county
    supervisor closed a red case 3 minutes after filing, with no visit and no word; stop 57's, a
    yellow one of a six-year-old left alone at home, its first visit a week away."""
    case, plan = _visits_to_end(container, case_id)
    if plan is None or any(v.get("child_seen") for v in plan.visits):
        return ""
    lead = container.directory.get(plan.lead_agency_id or "")
    who = f"牵头随访的{lead.name}" if lead else "牵头随访单位"
    return (f"{who}尚未入户见到该儿童（走访{len(plan.visits)}次）：结案前应先入户走访，"
            "结案后随访计划随之结束。确实要现在结案的，勾选下面的“仍要结案”再提交。")


def _visits_to_end(container: Any, case_id: str) -> tuple[Any, Any]:
    """The case and its active plan that closing would end; (case, None) when there is none, or
    while units still hold the case (closing is refused for that, and says so)."""
    case, plan = container.view.get_case(case_id), container.dispatch.followup_plan(case_id)
    if case is None or plan is None or plan.status != "active":
        return case, None
    held = [container.dispatch.get_referral(r).status for r in plan.referral_ids]  # not the view: it may lag
    return case, None if any(s not in ("declined", "closed") for s in held) else plan


def ending_visits(container: Any, case_id: str) -> str:
    """What to say before a red or orange case is closed while its visits go on ("" otherwise):
    closing ends them (contract §6). Stop 64's supervisor closed a red case whose child had said he
    feared his father's return, one visit made, no helper paired, and the visits stopped unsaid."""
    case, plan = _visits_to_end(container, case_id)
    if plan is None or case["risk_level"] not in ("red", "orange"):
        return ""
    last = plan.last_visit
    made = f"已走访{len(plan.visits)}次" + (f"，最近 {beijing(last.isoformat())}" if last else "")
    return (f"本案为{LEVEL_TEXT[case['risk_level']]}：结案后随访帮扶（入户走访）随即结束，不再有走访提醒"
            f"（{made}；结对帮扶人：{plan.helper or '未结对'}）。"
            "确需现在结案的，勾选下面的“仍要结案”再提交。")


def concerns_text(added: str) -> str:
    """The problem types a 补选 added (`a,b`, the notice's query), in words."""
    return "、".join(CONCERN_TEXT[c] for c in added.split(",") if c in CONCERN_TEXT)
