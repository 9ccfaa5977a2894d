"""The auditor's page (/audit): the audit trail with filters, paged on the server, and whether
the hash chain and its signed checkpoints verify."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.audit.checkpoints import verify_checkpoints
from services.common.principal import Principal
from services.common.vocabulary import ROLES
from services.common.web.pages import BEIJING, ROLE_TEXT, page_session, render
from services.gateway.deps import audit_log

router = APIRouter(tags=["pages"], include_in_schema=False)
PAGE_SIZE = 50
VERIFY_EVERY = 60.0  # seconds a verification result is shown before it is run again

# What each action means, for people (the filter matches a prefix: "report." is every report action).
ACTIONS = {
    "report.submit": "提交报告", "report.read": "查看报告", "report.supplement": "补充报告",
    "report.transfer": "确认转接110/120", "report.erase": "删除个人信息", "report.list-own": "查看本班来电",
    "receipt.lookup": "凭受理编号查询", "child.repeat-check": "查询儿童在办案件",
    "case.read": "查看案件", "case.reassess": "调整风险等级", "case.refer": "人工转介",
    "referral.read": "查看转介", "referral.acknowledge": "接收转介", "referral.decline": "退回转介",
    "referral.outcome": "办结转介", "desk.inbox": "打开收件箱", "board.read": "打开督办看板",
    "console.open": "打开来电登记", "admin.read": "打开系统管理", "audit.read": "查看审计日志",
    "account.add": "新增账号", "account.disable": "停用账号", "account.enable": "启用账号",
    "account.set-password": "重置密码", "auth.login": "登录", "auth.login_failed": "登录失败",
    "auth.logout": "退出登录", "sentinel.register": "登记哨点", "sentinel.first-reporter": "更换第一报告人",
    "sentinel.deactivate": "撤销哨点", "access.not_found": "访问范围外资源",
}


def _parse_time(value: str) -> datetime | None:
    """A datetime-local value (Beijing time), or a date."""
    value = value.strip()
    if not value:
        return None
    parsed = datetime.fromisoformat(value if "T" in value else value + "T00:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)


def _verification(request: Request) -> dict[str, Any]:
    """The chain and its checkpoints, verified at most once a minute unless asked."""
    cached: dict[str, Any] | None = getattr(request.app.state, "audit_verified", None)
    fresh = cached is not None and time.monotonic() - cached["checked"] < VERIFY_EVERY
    if cached is not None and fresh and not request.query_params.get("verify"):
        return cached
    container = request.app.state.container
    ok, checked, problem = container.audit.verify()
    cp_ok, last, cp_problem = verify_checkpoints(container.audit, container.settings.secret("audit"),
                                                 container.checkpoints)
    result = {"ok": ok and cp_ok, "entries": checked, "problem": problem or cp_problem,
              "last": last, "checked": time.monotonic(), "at": datetime.now(BEIJING)}
    request.app.state.audit_verified = result
    return result


@router.get("/audit")
def audit_page(request: Request) -> Response:
    session = page_session(request, "auditor", "/audit", "审计日志页面供审计人员使用，请用审计账号登录。")
    if isinstance(session, Response):
        return session
    principal: Principal = session[1]
    q = {k: request.query_params.get(k, "").strip() for k in
         ("actor", "role", "action", "case", "since", "until", "before")}
    errors: dict[str, str] = {}
    since = until = None
    for field in ("since", "until"):
        try:
            parsed = _parse_time(q[field])
        except ValueError:
            errors[field] = "时间格式不正确，请用日期时间选择器填写。"
            continue
        since, until = (parsed, until) if field == "since" else (since, parsed)
    if q["role"] and q["role"] not in ROLES:
        errors["role"] = "请从列表中选择角色。"
    before = int(q["before"]) if q["before"].isdigit() else None
    entries: list[dict[str, Any]] = []
    older = None
    container = request.app.state.container
    if not errors:
        entries, older = container.audit.search(
            actor=q["actor"] or None, role=q["role"] or None, action=q["action"] or None,
            case_id=q["case"] or None, since=since, until=until, before=before, limit=PAGE_SIZE)
    audit_log(request)(principal, "audit.read", "case" if q["case"] else "audit",
                       q["case"] or None, q["case"] or None)
    filters = {k: v for k, v in q.items() if v and k != "before"}
    return render(request, "audit.html", {
        "principal": principal, "q": q, "errors": errors, "entries": entries,
        "older": f"/audit?{urlencode({**filters, 'before': older})}" if older else None,
        "newest": f"/audit?{urlencode(filters)}" if before else None,
        "verification": _verification(request), "actions": ACTIONS,
        "roles": [(r, ROLE_TEXT[r]) for r in ROLES],
    }, 422 if errors else 200)


