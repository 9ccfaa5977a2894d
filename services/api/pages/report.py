"""The mandated-reporter form /report (Simplified Chinese, phone layout, errors by the field)."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from services.api.auth import csrf_for, session_of
from services.api.deps import AuditDep, DirectoryDep, IntakeDep, get_container
from services.api.guard import FormDep
from services.api.pages import my_reports, offline, relogin, report_receipt
from services.api.pages.routes_preview import routing_data
from services.api.web import home_of, refuse, render
from services.common.auditnote import Principal
from services.common.errors import Conflict, FieldError
from services.common.labels import CONCERN_LABELS, RELATION_LABELS
from services.common.numbers import fold
from services.dispatch.routing import Directory
from services.intake.schemas import ReportIn

log = structlog.get_logger("pages")
router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(my_reports.router)  # the reporter's own list, /report/mine
router.include_router(offline.router)  # the form's service worker and files (§13)
router.include_router(report_receipt.router)  # the receipt after Post/Redirect/Get

# One message per field, in words a teacher can act on.
FIELD_MESSAGES = {
    "narrative": "请填写情况描述（1至5000字）：看到或听到了什么、儿童现在怎样。",
    "location.region_code": "行政区划代码须为6位（县）、9位（乡镇）或12位（村）数字，例如 441823；"
                            "也可输入村、镇名称后从列表中选择。",
    "location.address": "详细地址不能超过500字。",
    "location.address:id_number_in_text": (
        "详细地址中有一串像身份证号的数字：身份证号只填在儿童的“身份证号”一栏"
        "（详细地址会给每个承办单位看到），请从地址中删去。"),
    "children": "请至少填写一名儿童的姓名、年龄或身份证号（最多20名）。",
    "children.N.age": "年龄须为0至17之间的整数（周岁）。",
    "children.N.id_number": "身份证号码有误：须为18位（前17位为数字，最后一位为数字或X）"
                            "且校验位正确，请核对。",
    # By the kind of error (pydantic's type), where one field can be wrong in more than one way.
    "children.N.id_number:id_number_format": "身份证号须为18位：前17位为数字，最后一位为数字或X。",
    "children.N.id_number:id_number_check": "身份证号码校验位不正确，请核对。",
    "children.N.name": "姓名不能超过100字。",
    "reporter.phone": "电话号码格式不正确：5至20位数字，可含 +、- 或空格。",
    "reporter.phone:mobile_length": "手机号码须为11位，请核对是否少输或多输了数字。",
    "reporter.name": "姓名不能超过100字。",
    "reporter.relation": "请选择您的身份。",
    "occurred_at": "发生时间格式不正确，请用日期时间选择器填写。",
    "occurred_at:occurred_in_future": "发生时间不能晚于现在，请核对日期（不清楚可不填）。",
    "concerns": "情况类别无效，请重新勾选。",
    "channel": "您的账号未绑定监测哨点，不能以哨点名义报告。",
}
PLACE_MISSING = "请填写发生地点：输入村、镇名称中的字后从列表中选择，或填写行政区划代码。"
PLACE_UNKNOWN = ("没有找到“{text}”：请输入村、镇名称中的字（如“金坑”）后从列表中选择，"
                 "或填写6/9/12位行政区划代码。")
PLACE_AMBIGUOUS = "有{count}个地点与“{text}”相符（如{examples}），请从列表中选择，或输入更完整的名称。"
# What the page checks itself before it keeps a report offline (static/report/checks.js): the
# same messages, by the same keys.
CLIENT_MESSAGES = {
    **{key: FIELD_MESSAGES[key] for key in (
        "narrative", "location.region_code", "location.address", "children", "children.N.age",
        "children.N.id_number:id_number_format", "children.N.id_number:id_number_check",
        "children.N.name", "reporter.phone", "reporter.name", "location.address:id_number_in_text",
        "reporter.phone:mobile_length")},
    "place:missing": PLACE_MISSING, "place:unknown": PLACE_UNKNOWN, "place:ambiguous": PLACE_AMBIGUOUS,
}
_DATETIME_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def _form_context(request: Request, token: str, principal: Principal, **extra: Any) -> dict[str, Any]:
    container = get_container(request)
    directory = container.directory
    # A point's first reporter reports in its name unless she unticks it (the IT office's second
    # review, stop 60: her first form said 教师, the box unticked, the school unnamed).
    point = container.accounts.sentinel(principal.sentinel_id) if principal.sentinel_id else None
    return {
        "csrf": csrf_for(request, token),
        "username": principal.subject,
        "principal": principal,
        "sentinel_id": principal.sentinel_id,
        "sentinel_name": point.name if point is not None else "",
        "concern_labels": CONCERN_LABELS,
        "routing": routing_data(container.dispatch.matrix, reporter=True),
        "places": directory.places,
        "relation_labels": RELATION_LABELS,
        "errors": {},
        "values": {"reporter.relation": "sentinel_first_reporter", "channel": "sentinel"} if point is not None
        else {"reporter.relation": "teacher"},
        "idempotency_key": secrets.token_urlsafe(18),
        "notice": None,
        "client_messages": CLIENT_MESSAGES,
        **extra,
    }


def form_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    """The form, whose page registers the service worker that keeps it for use offline."""
    response = render(request, "report.html", context, status_code)
    response.headers["Content-Security-Policy"] += "; worker-src 'self'"
    return response


@router.get("/report")
def report_page(request: Request) -> Response:
    session = session_of(request)
    if session is None:
        return RedirectResponse("/login?next=/report", status_code=303)
    token, principal = session
    if principal.role != "reporter":
        return refuse(request, principal, "此表单供强制报告责任人（教师、医生等）使用；"
                      "热线来电请在“来电登记”页面录入。")
    return form_page(request, _form_context(request, token, principal))


def place_code(text: str, directory: Directory) -> tuple[str, str | None]:
    """The region code a reporter means by a place's name (or a code typed as it is), or why
    there is none."""
    text = fold(text).strip()  # a code typed with fullwidth digits is the same code
    if not text:
        return "", PLACE_MISSING
    if text.isdigit():
        return text, None  # the schema checks its length
    found = directory.find_places(text)
    wanted, first = "".join(text.split()), found[0] if found else ("", "")
    if len(found) == 1 or (wanted in (first[1].replace(" ", ""), first[1].rsplit(" ", 1)[-1])
                           and all(code.startswith(first[0]) for code, _ in found)):
        return first[0], None  # the one found, or the town it names listed with its villages
    if not found:
        return "", PLACE_UNKNOWN.format(text=text[:30])
    examples = "、".join(name for _, name in found[:2])
    return "", PLACE_AMBIGUOUS.format(count=len(found), text=text[:30], examples=examples)


def form_to_body(form: Any, directory: Directory) -> tuple[dict[str, Any], dict[str, Any], list[int],
                                                          dict[str, str]]:
    """The JSON body of contract §2 from the form, the raw values to re-render, which form row
    each submitted child came from (blank rows are dropped), and errors found while decoding."""
    values: dict[str, Any] = {k: str(v) for k, v in form.multi_items() if k != "concerns"}
    values["concerns"] = [str(v) for v in form.getlist("concerns")]

    def opt(key: str) -> str | None:
        return values.get(key, "").strip() or None

    children, rows = [], []
    for i in range(3):
        child = {"name": opt(f"children.{i}.name"), "age": opt(f"children.{i}.age"),
                 "id_number": opt(f"children.{i}.id_number"),
                 "gender": values.get(f"children.{i}.gender", "unknown") or "unknown"}
        if child["name"] or child["age"] or child["id_number"]:
            children.append(child)
            rows.append(i)
    occurred = opt("occurred_at")
    if occurred and _DATETIME_LOCAL.match(occurred):
        occurred = occurred + (":00" if len(occurred) == 16 else "") + "+08:00"
    region_code, place_error = place_code(values.get("location.region_code", ""), directory)
    body = {
        "channel": "sentinel" if values.get("channel") == "sentinel" else "web_form",
        "reporter": {"name": opt("reporter.name"), "phone": opt("reporter.phone"),
                     "relation": values.get("reporter.relation", ""),
                     "anonymous": bool(values.get("reporter.anonymous")),
                     "confidential": bool(values.get("reporter.confidential"))},
        "children": children,
        "location": {"region_code": region_code,
                     "address": opt("location.address")},
        "concerns": values["concerns"],
        "narrative": values.get("narrative", "").strip(),
        "immediate_danger": bool(values.get("immediate_danger")),
        "child_died": bool(values.get("child_died")),  # a major incident (§12)
        "occurred_at": occurred,
    }
    return body, values, rows, ({"location.region_code": place_error} if place_error else {})


def field_errors(exc: ValidationError, rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = list(error["loc"])
        if loc[:1] == ["children"] and len(loc) > 1 and isinstance(loc[1], int):
            generic = "children.N." + ".".join(str(p) for p in loc[2:])
            key = f"children.{rows[loc[1]] if loc[1] < len(rows) else loc[1]}." + ".".join(
                str(p) for p in loc[2:])
        else:
            loc = [p for p in loc if not isinstance(p, int)] if loc[:1] == ["concerns"] else loc
            key = generic = ".".join(str(p) for p in loc)
        message = FIELD_MESSAGES.get(f"{generic}:{error['type']}") or FIELD_MESSAGES.get(generic)
        errors.setdefault(key, message or f"此项填写有误：{error['msg']}")
    return errors


def kept_form(request: Request, form: Any, token: str, principal: Principal, notice: str,
              status_code: int) -> Response:
    """The form as it was typed, under a new form token, to be checked and sent again."""
    values = form_to_body(relogin.report_fields(form), get_container(request).directory)[1]
    return form_page(request, _form_context(
        request, token, principal, values=values, notice=notice,
        idempotency_key=str(form.get("idempotency_key", "")) or secrets.token_urlsafe(18)), status_code)


@router.post("/report")
def report_submit(request: Request, form: FormDep, directory: DirectoryDep, intake: IntakeDep,
                  audit: AuditDep) -> Response:
    """Not the page guard: a session run out while typing keeps the report for a new login."""
    session = session_of(request)
    if session is None and not relogin.is_relogin(form):
        return relogin.ask_to_log_in(request, form)  # ran out while typing: nothing typed is lost
    if session is None:
        again = relogin.log_in_again(request, form)
        if again is None:
            return relogin.ask_to_log_in(request, form, relogin.WRONG)
        if again[1].role != "reporter":
            return relogin.start_session(request, RedirectResponse(home_of(again[1].role), 303), again[0])
        return relogin.start_session(request, kept_form(request, form, *again, relogin.AGAIN, 200),
                                     again[0])
    token, principal = session
    if principal.role != "reporter":
        return render(request, "login.html", {"csrf": "", "next": "/report", "username": "",
                       "error": "页面已过期或会话无效，请重新登录后再提交。"}, 403)
    if not hmac.compare_digest(csrf_for(request, token), str(form.get("csrf", ""))):
        return kept_form(request, form, token, principal,
                         "页面已过期（可能在别处重新登录过）。您填写的内容已保留，请核对后再次提交。", 403)
    body, values, rows, decoded = form_to_body(form, directory)
    idempotency_key = str(form.get("idempotency_key", "")) or secrets.token_urlsafe(18)
    context = _form_context(request, token, principal, values=values, idempotency_key=idempotency_key)
    errors: dict[str, str] = {}
    report = None
    try:
        report = ReportIn.model_validate(body)
    except ValidationError as exc:
        errors = field_errors(exc, rows)
    errors.update(decoded)  # the place as typed says more than "the code is not 6/9/12 digits"
    if errors or report is None:
        return form_page(request, {**context, "errors": errors}, 422)
    valid = report
    try:
        receipt = intake.submit_report(
            valid, submitted_by=principal.subject, idempotency_key=f"web:{idempotency_key}",
            role=principal.role, sentinel_id=principal.sentinel_id,
            actor=audit.actor(intake.audit_identity(principal, valid)))
    except FieldError as exc:
        message = FIELD_MESSAGES.get(exc.field, f"此项填写有误：{exc.message}")
        return form_page(request, {**context, "errors": {exc.field: message}}, 422)
    except Conflict:
        return form_page(request, {**context, "idempotency_key": secrets.token_urlsafe(18),
                       "notice": "此表单已提交过且内容不同。如需补充情况，请核对后再次提交。"}, 409)
    log.info("report received", report_id=str(receipt.report_id), channel=report.channel.value)
    return report_receipt.CARRIED.filed(request, token, receipt)  # 303: Back never posts again
