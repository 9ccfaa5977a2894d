"""The reporter's receipt after Post/Redirect/Get (/report answers 303 here): Back and reload show
it again from the server; the lookup code within its cookie's 10 minutes, then a plain line. It
names the report as the offline queue does (children's names, the narrative's first words), on
the page only."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.lookup import STATUS
from services.api.pages.receipt_cookie import KEEP_SECONDS, ReceiptCookie, own_filed
from services.api.web import BEIJING, refuse, render
from services.bootstrap import ApiContainer
from services.common.labels import CONCERN_TEXT, KIND_TEXT
from services.common.vocabulary import AgencyKind, coarse_status
from services.dispatch.routing import Directory

router = APIRouter(tags=["pages"], include_in_schema=False)
CARRIED = ReceiptCookie("hotline_report_receipt", "/report/receipt", b"report-receipt")
GONE = "没有找到这份报告的回执。您提交的报告见“我提交的报告”。"
ReceiptPage = Annotated[Page, Depends(page_guard("reporter", "/report/mine", GONE))]
CODE_GONE = "查询码已不再显示（只在提交后10分钟内显示）。请用您记下的查询码查询。"
FORM_CHANNELS = ("web_form", "sentinel")
# What a mandated reporter does after sending (stop 59's teacher: nothing said whether to keep the
# child at school, or not to speak to the stepfather): the 强制报告 rules' duties of a reporter.
# Harm by a person: the family is not told; otherwise (a child left without care) it may be called.
HARMED = frozenset({"domestic_violence", "physical_harm", "sexual_abuse", "coercion_exploitation",
                    "trafficking_abduction", "online_harm"})
NOT_TOLD = "不要向可能伤害儿童的人（如家长、监护人）透露您已报告，也不要当面质问他们。"
MAY_CALL = "儿童缺少照料的，可以联系儿童的监护人（如外出务工的父母）告知情况，请其尽快安排照料。"
NEXT_STEPS = (
    "不要反复追问儿童细节，以免再次伤害儿童；儿童主动说的话，如实记下即可。",
    "儿童在学校、医院等安全场所的，先让儿童留在那里并告知本单位负责人；放学或下班时仍无人联系、"
    "儿童回家可能有危险的，请致电上面的单位值班电话或 12345 热线。"
    "儿童此刻有危险的，请立即拨打 110；需要急救的，拨打 120。",
    "有新情况（如儿童缺课、再次受伤、被人带走），请再提交一份报告：同一儿童的报告会并入同一案件。",
)
CALLED = "接报单位会按紧急程度处置，可能打电话向您了解情况，请保持电话畅通。"
UNREACHABLE = "您没有留下电话（或选择了匿名），接报单位无法向您了解情况；有新情况请再提交报告。"


def which(data: dict[str, Any]) -> str:
    """The report in the reporter's words, as static/report/queue.js `who` names a kept one."""
    names = [c["name"].strip() for c in data.get("children", []) if (c.get("name") or "").strip()]
    words = (data.get("narrative") or "").strip()[:16]
    return ("儿童" + "、".join(names) if names else "未填写儿童姓名") + (f"，“{words}……”" if words else "")


def routed(kinds: list[str], chosen: bool, directory: Directory, region_code: str,
           what: str = "您的报告", where: str = "事发地", phones: bool = False) -> str:
    """Where the report goes, by the categories chosen (the form's line said it before sending),
    each kind with the unit of the place that receives it (the reporters' third review, stop 49:
    "which hospital?"); with `phones`, each unit's duty line (stop 59's teacher had no number to
    call when no one came)."""
    def named(kind: str) -> str:
        unit = directory.resolve(kind, region_code)
        if unit is None:
            return KIND_TEXT[kind]
        phone = f"，值班电话 {unit.phone}" if phones and unit.phone else ""
        return f"{KIND_TEXT[kind]}（{unit.name}{phone}）"

    units = "、".join(named(k) for k in kinds)
    said = (f"{what}已安全保存，将按所选类别转给{where}的{units}处理" if chosen
            else f"{what}已安全保存，将先转给{where}的{units}处理，类别由工作人员判断")
    # Every case is followed up by its civil-affairs office (the form's line says so too).
    if AgencyKind.civil_affairs in kinds:
        return said + "。"
    lead = directory.resolve(AgencyKind.civil_affairs, region_code) if phones else None
    follow = f"{lead.name}{f'（值班电话 {lead.phone}）' if lead.phone else ''}" if lead else "所在地民政部门"
    return said + f"；另由{follow}牵头随访。"


@router.get(CARRIED.path + "/{report_id}")
def report_receipt(request: Request, report_id: str, page: ReceiptPage, container: ContainerDep,
                   audit: AuditDep) -> Response:
    principal = page.principal
    found = own_filed(container.intake, audit, principal, report_id, FORM_CHANNELS)
    if found is None:
        return refuse(request, principal, GONE, 404, "没有找到")
    report, data = found
    response = render(request, "receipt.html", {
        "principal": principal, "receipt_no": report.receipt_no,
        "lookup_code": CARRIED.lookup_code(request, page.token, report_id), "code_gone": CODE_GONE,
        "immediate_danger": report.immediate_danger, "which": which(data),
        "message": routed(container.dispatch.matrix.kinds_for(report.concerns), bool(report.concerns),
                          container.directory, report.region_code, phones=True),
        "now": _now(container, report_id),
        "code_minutes": KEEP_SECONDS // 60,
        "code_until": f"{(report.received_at + timedelta(seconds=KEEP_SECONDS)).astimezone(BEIJING):%H:%M}",
        "filed": {"title": "本次报告的内容（请核对）", "place_label": "事发地点",
                  "place": container.directory.place_name(report.region_code) or report.region_code,
                  "concerns": [CONCERN_TEXT.get(c, c) for c in report.concerns],
                  "danger": report.immediate_danger,
                  "hint": "如有填错或遗漏，请再提交一份报告说明：同一儿童的报告会并入同一案件。"},
        "received_at": report.received_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S 北京时间"),
        "mine_url": "/report/mine", "mine_text": "我提交的报告",
        "next_steps": (CALLED if (data.get("reporter") or {}).get("phone") else UNREACHABLE,
                       NOT_TOLD if HARMED & set(report.concerns) or not report.concerns else MAY_CALL,
                       *NEXT_STEPS),
    })
    response.headers["Cache-Control"] = "no-store"  # Back asks the server again: no resubmission
    return response


def _now(container: ApiContainer, report_id: str) -> str | None:
    """Where the report stands now, in the lookup's words (stop 59's teacher: a receipt opened
    from her list after the case closed still read only 报告已受理)."""
    link = container.view.case_for_report(report_id)
    return STATUS[coarse_status(link["status"], link["visits_go_on"]) if link else "received"][0]
