"""/lookup (contract §15, Anyone): whoever reported looks up progress with the receipt number
and lookup code, without signing in and without JavaScript; limited like the API."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.api.auth import session_of
from services.api.deps import AuditDep, IntakeDep, ThrottleDep, ViewDep
from services.api.guard import FormDep
from services.api.guards import client_address, is_https
from services.api.web import render
from services.common.numbers import fold
from services.intake.domain import spoken
from services.oversight.reports import look_up_receipt

router = APIRouter(tags=["pages"], include_in_schema=False)

# The form's token is bound to a random value in a SameSite=Strict cookie: another site can
# neither read nor send it, so it cannot post lookups through its visitors' browsers (which
# would spread an attacker's guesses over their addresses, past the per-address limit).
FORM_COOKIE = "hotline_lookup_form"
STATUS = {
    "received": ("已收到", "报告已安全保存，正在研判紧急程度、确定处理部门。"),
    # Not "being handled" (stop 59's teacher read 正在处理 while no unit had been reached).
    "in_progress": ("处理中", "报告已转交相关部门：等待接收、正在处置或入户随访中。"
                             "情况紧急或一直无人联系的，可致电 12345 热线。"),
    "handled": ("已处理", "相关部门已处理完毕。如有新情况，请再次报告或致电热线。"),
}
MESSAGES = {
    "receipt_no": "请填写受理编号（见报告回执，或接线员读出的编号）。",
    "lookup_code": "请填写10位查询码。",
    "not_found": "未找到与该受理编号和查询码相符的报告，请核对后重试（注意区分受理编号与查询码）。",
    "expired": "页面已过期，请重新填写后查询。",
    "not_ascii": "只能填写数字和英文字母（全角字符会自动转换）。",
}


def _form_token(request: Request, nonce: str) -> str:
    key = request.app.state.csrf_key
    return hmac.new(key, f"lookup\x1f{nonce}".encode(), hashlib.sha256).hexdigest()


def _from_this_page(request: Request, submitted: Any) -> bool:
    """Posted by the form this site served to this browser: not from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False  # browsers say where a post comes from; older ones rely on the token
    nonce = request.cookies.get(FORM_COOKIE, "")
    return bool(nonce) and hmac.compare_digest(_form_token(request, nonce), str(submitted or ""))


def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    nonce = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    session = session_of(request)
    response = render(request, "lookup.html", {
        "principal": session[1] if session else None, "csrf": _form_token(request, nonce),
        "receipt_no": "", "errors": {}, "summary": None, "found": None, **context}, status_code)
    response.set_cookie(FORM_COOKIE, nonce, httponly=True, samesite="strict", path="/lookup",
                        secure=is_https(request), max_age=3600)
    return response


@router.get("/lookup")
def lookup_page(request: Request, receipt_no: str = "") -> Response:
    """The form; a receipt's link fills in its number (never the lookup code: URLs are kept)."""
    return _page(request, receipt_no=spoken(receipt_no[:40]))


@router.post("/lookup")
def lookup_submit(request: Request, form: FormDep, intake: IntakeDep, view: ViewDep, throttle: ThrottleDep,
                  audit: AuditDep) -> Response:
    """The form's answer; anonymous, so no page guard: the form's own token and the API's limit."""
    receipt_no = str(form.get("receipt_no", "")).strip()[:40]
    lookup_code = str(form.get("lookup_code", "")).strip()[:40]
    if not _from_this_page(request, form.get("csrf")):
        return _page(request, 403, receipt_no=receipt_no, summary=MESSAGES["expired"])
    errors = {field: MESSAGES[field] if not value else MESSAGES["not_ascii"] for field, value in
              (("receipt_no", receipt_no), ("lookup_code", lookup_code))
              if not value or not fold(value).isascii()}  # as the API's schema (TypedCode)
    if errors:
        return _page(request, 422, receipt_no=receipt_no, errors=errors)
    try:
        state = look_up_receipt(intake, view, throttle, audit, client_address(request), receipt_no,
                                lookup_code)
    except HTTPException as exc:
        if exc.status_code != 429:
            raise
        retry = (exc.headers or {}).get("Retry-After", "60")
        response = _page(request, 429, receipt_no=receipt_no,
                         summary=f"查询失败次数过多，请在 {retry} 秒后再试。")
        response.headers["Retry-After"] = retry
        return response
    if state is None:
        return _page(request, 404, receipt_no=receipt_no, summary=MESSAGES["not_found"],
                     errors={"receipt_no": "", "lookup_code": ""})
    return _page(request, receipt_no=spoken(receipt_no), found=STATUS[state])
