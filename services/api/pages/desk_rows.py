"""What an inbox row says that the desk view does not hold, read from intake's and triage's stores:
whether the child is in danger now or again, who the children are, the receipt number found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.api.pages.board_filters import tail_report
from services.bootstrap import ApiContainer
from services.common.errors import NotFound
from services.common.vocabulary import level_now
from services.intake.domain import Report, typed_tail
from services.oversight.ledger import GENDER_TEXT

OPEN = ("dispatched", "escalated", "acknowledged")


def newest_reports(container: ApiContainer, referrals: list[Any], facts: dict[str, Any]) -> dict[str, Report]:
    """case id → its newest report, for the open referrals' cases: each read once."""
    out: dict[str, Report] = {}
    for case_id in sorted({r["case_id"] for r in referrals if r["status"] in OPEN}):
        f = facts.get(case_id)
        if f is None or not f.newest:
            continue
        try:
            out[case_id] = container.intake.get_report(f.newest)
        except NotFound:  # not in this store (yet): the referral's page says what is known
            continue
    return out


def danger_now(referrals: list[Any], facts: dict[str, Any], newest: dict[str, Report]) -> dict[str, str]:
    """referral id → "owed" (danger said, no transfer to 110 / 120 recorded since) or the lines put
    through ("110", "110 / 120"), for the open referrals of red cases; a referral taken on whose
    transfer is still owed, "owed-taken" (stop 63's education desk: after 接收 the warning went,
    and the row read as if nothing were urgent)."""
    out: dict[str, str] = {}
    for r in referrals:
        f, report = facts.get(r["case_id"]), newest.get(r["case_id"])
        if r["status"] not in OPEN or f is None or report is None:
            continue
        if level_now(r["risk_level"], f.level) != "red":
            continue
        if report.danger_at is None:
            continue
        if r["status"] == "acknowledged":  # taken on: only a transfer still owed is said
            if report.transfer_owed:
                out[r["referral_id"]] = "owed-taken"
        elif report.transfer_owed:
            out[r["referral_id"]] = "owed"
        else:  # which line, as recorded (stop 62: "110 / 120" for a 110 alone)
            out[r["referral_id"]] = " / ".join(sorted({t["to"] for t in report.transfers
                                                       if report.transferred_to(t["to"])}))
    return out


def children(newest: dict[str, Report]) -> dict[str, str]:
    """case id → its newest report's children as "男，9岁；女，4岁" (stop 63's second hospital
    review: four red rows of one county, told apart only by opening each)."""
    def one(child: dict[str, Any]) -> str:
        age, gender = child.get("age"), GENDER_TEXT.get(child.get("gender") or "unknown", "不详")
        return f"{gender}，{'年龄不详' if age is None else f'{age}岁'}"
    return {case_id: "；".join(one(c) for c in report.children) for case_id, report in newest.items()}


def danger_again(container: ApiContainer, referrals: list[Any], facts: dict[str, Any],
                 answered: dict[str, str]) -> dict[str, str]:
    """referral id → when a caller's ring-back last said the child is in danger, for the referrals
    taken on before it and not answered since by a progress note (`answered`: referral id → the
    last note's time; stop 63's third hospital review: the flag stayed after "已电话110…救护车已出发"
    until 办结); each case's reports read only when a 补充 came after the 接收."""
    out: dict[str, str] = {}
    for r in referrals:
        f = facts.get(r["case_id"])
        if r["status"] != "acknowledged" or f is None or not f.supplements or not r["acknowledged_at"]:
            continue
        since = max(datetime.fromisoformat(t) for t in (r["acknowledged_at"], answered.get(r["referral_id"]))
                    if t)
        if not f.latest_supplement or datetime.fromisoformat(f.latest_supplement) <= since:
            continue
        try:
            report_ids = container.triage.get_case(r["case_id"]).report_ids
            said = [datetime.fromisoformat(str(s["at"])) for report_id in report_ids
                    for s in container.intake.get_report(report_id).supplement_facts if s["immediate_danger"]]
        except NotFound:  # not in these stores (yet): the referral's page says what is known
            continue
        later = [at for at in said if at > since]
        if later:
            out[r["referral_id"]] = max(later).isoformat()
    return out


def receipt_of(container: ApiContainer, typed: str, case_ids: list[str]) -> str:
    """The receipt number as written on the receipt, of a number typed in any of its forms, its
    ten characters alone among these cases' reports too ("" if none)."""
    tail = typed_tail(typed)
    report_id = next(filter(None, (tail_report(c, tail) for c in container.view.cases_by_id(case_ids))),
                     None) if tail else container.intake.report_id_for_receipt(typed)
    return container.intake.get_report(report_id).receipt_no if report_id else ""
