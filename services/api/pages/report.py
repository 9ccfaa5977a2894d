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
from services.api.pages.report_text import (
    CLIENT_MESSAGES,
    FIELD_MESSAGES,
    PLACE_AMBIGUOUS,
    PLACE_MISSING,
    PLACE_UNKNOWN,
)
from services.api.pages.routes_preview import routing_data
from services.api.web import home_of, refuse, render
from services.common.auditnote import Principal
from services.common.errors import Conflict, FieldError
from services.common.labels import CONCERN_LABELS, RELATION_LABELS
from services.common.numbers import fold, typed_age
from services.dispatch.routing import Directory
from services.intake.schemas import REPORTER_NAMED, ReportIn

log = structlog.get_logger("pages")
router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(my_reports.router)  # the reporter's own list, /report/mine
router.include_router(offline.router)  # the form's service worker and files (§13)
router.include_router(report_receipt.router)  # the receipt after Post/Redirect/Get

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
        # A mandated reporter's identity is kept from the child's family unless she unticks it (stop
        # 64's teacher forgot the box on one report).
        "values": {"reporter.confidential": "1", **({"reporter.relation": "sentinel_first_reporter",
                                                     "channel": "sentinel"} if point is not None
                                                    else {"reporter.relation": "teacher"})},
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
        child = {"name": opt(f"children.{i}.name"), "age": typed_age(opt(f"children.{i}.age")),
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
        message = error["msg"] if error["type"] == REPORTER_NAMED else (  # said for a person already
            FIELD_MESSAGES.get(f"{generic}:{error['type']}") or FIELD_MESSAGES.get(generic))
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
