"""The hotline operator's call-taking console (/intake): one screen, keyboard first. The page
calls the JSON API (contract §2) with its session cookie and CSRF header; nothing is kept in
the browser's storage (call-centre PCs are shared)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AccountsDep, AuditDep, DirectoryDep, DispatchDep
from services.api.guard import Page, page_guard
from services.api.pages.report_text import FIELD_MESSAGES, PLACE_MISSING, PLACE_UNKNOWN
from services.api.pages.routes_preview import routing_data
from services.api.web import render
from services.common.labels import CALLER_RELATION_LABELS, CONCERN_LABELS, LEVEL_TEXT
from services.common.vocabulary import COARSE_REPORT_STATUS, HOTLINE_CHANNELS

router = APIRouter(tags=["pages"], include_in_schema=False)

LINES = (("hotline_12345", "12345 政务服务热线"), ("hotline_12349", "12349 民政服务热线"),
         ("hotline_12355", "12355 青少年服务台"))
# Keys a call-taker uses without the mouse; none of them is a browser shortcut but F1 (help),
# which opens the console's own help, the knowledge base, and F3 (find again), the callbacks due.
SHORTCUTS = (("Ctrl+Enter", "提交报告"), ("F1", "知识库"), ("F2", "儿童正处于危险中"), ("F3", "待回访"),
             ("F4", "匿名来电"), ("F8", "添加一名儿童"), ("F9", "下一个来电（清空）"))
# Why a place typed names no one place, said by the field before anything is sent.
PLACE_TEXT = {"missing": PLACE_MISSING, "unknown": PLACE_UNKNOWN,
              "ambiguous": "有{count}个地点与“{text}”相符：请用上下键从列表中选择、回车确认，"
                           "或输入更完整的名称。"}
# Said before anything is sent, when no child is described at all.
MESSAGES = {**FIELD_MESSAGES, "children": "请填写至少一名儿童的姓名、年龄或身份证号码。"}


Operator = Annotated[Page, Depends(page_guard(
    "operator", "/intake", "来电登记页面供12345等热线接线员使用，请用接线员账号登录。"))]


@router.get("/intake")
def console(request: Request, page: Operator, accounts: AccountsDep, directory: DirectoryDep,
            dispatch: DispatchDep, audit: AuditDep) -> Response:
    principal = page.principal
    user = accounts.find(principal.subject)
    line = user.channel if user is not None else None
    audit(principal, "console.open", "console")
    return render(request, "intake.html", {
        "principal": principal,
        "csrf": page.csrf(request),
        "channel": line if line in HOTLINE_CHANNELS else "hotline_12345",
        "lines": LINES,
        "concern_labels": CONCERN_LABELS,
        "routing": routing_data(dispatch.matrix),  # what the concerns ticked reach, said as they are ticked
        "relation_labels": CALLER_RELATION_LABELS,
        "places": directory.places,
        "shortcuts": SHORTCUTS,
        "messages": MESSAGES,
        "place_text": PLACE_TEXT,
        "level_text": LEVEL_TEXT,
        "coarse_status": COARSE_REPORT_STATUS,  # 本班来电 in the caller history's words
    })
