"""The auditor's page (/audit): the audit trail with filters, paged on the server, and whether
the hash chain and its signed checkpoints verify."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.audit_filters import (
    EARLIEST_DAY,
    account_requests,
    active_filters,
    details,
    latest_day,
    resource_said,
)
from services.api.pages.audit_query import asked, search
from services.api.web import BEIJING, render
from services.audit.checkpoints import verify_checkpoints
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.labels import ACTION_GROUP_TEXT, ACTION_TEXT, ROLE_TEXT
from services.oversight.jurisdiction import cases_within

router = APIRouter(tags=["pages"], include_in_schema=False)
# The filters' names in the red box (the auditor's second review: "日期不正确" named no field).
FIELD_NAMES = {"actor": "操作人", "since": "起始日期", "until": "截止日期", "role": "角色", "action": "操作",
               "case": "案件编号", "before": "翻页"}
PAGE_SIZE = 50
VERIFY_EVERY = 60.0  # seconds a verification result is shown before it is run again


# What verification found, for people (the command line keeps the English it prints).
PROBLEMS = (
    (r"entry (\d+): cannot be opened", "第 {} 条记录无法解密，已被篡改"),
    (r"entry (\d+): sequence is", "第 {} 条记录缺失或序号不连续"),
    (r"entry (\d+): does not follow", "第 {} 条记录与前一条不衔接，记录被删除或调换"),
    (r"entry (\d+): content does not match", "第 {} 条记录的内容与其哈希不符，已被篡改"),
    (r"checkpoint (\S+) at .*bad signature", "第 {} 条处的签名检查点签名无效"),
    (r"checkpoint (\S+) signed at .* no longer holds",
     "签名检查点指向的第 {} 条记录已不在库中，数据库可能被截断或回滚"),
    (r"entry (\d+) differs from its checkpoint", "第 {} 条记录与其签名检查点不一致，数据库可能被回滚"),
)


def problem_text(problem: str) -> str:
    for pattern, text in PROBLEMS:
        found = re.match(pattern, problem)
        if found:
            return text.format(found.group(1))
    return "审计链校验发现异常"


def verification_of(request: Request, container: ApiContainer, *, now: bool = False) -> dict[str, Any]:
    """The chain and its checkpoints, verified at most once a minute unless asked (`now`)."""
    cached: dict[str, Any] | None = getattr(request.app.state, "audit_verified", None)
    fresh = cached is not None and time.monotonic() - cached["checked"] < VERIFY_EVERY
    if cached is not None and fresh and not request.query_params.get("verify") and not now:
        return cached
    ok, checked, problem = container.audit.verify()
    cp_ok, last, cp_problem = verify_checkpoints(container.audit, container.settings.ensure_secret("audit"),
                                                 container.checkpoints)
    result = {"ok": ok and cp_ok, "entries": checked, "problem": problem_text(problem or cp_problem),
              "last": last, "checked": time.monotonic(), "at": datetime.now(BEIJING)}
    request.app.state.audit_verified = result
    return result


Auditor = Annotated[Page, Depends(page_guard("auditor", "/audit",
                                             "审计日志页面供审计人员使用，请用审计账号登录。"))]


@router.get("/audit")
def audit_page(request: Request, page: Auditor, container: ContainerDep, audit: AuditDep) -> Response:
    principal: Principal = page.principal
    a = asked(request.query_params, container, principal)
    entries, older, report_case = search(container, a, principal, limit=PAGE_SIZE)
    # A short id that names one case is that case's read (the auditor's review, stop 50: it was
    # left out of the case's own trail); a refused search is said as one, what was typed kept.
    named = container.audit.case_ids(a.case) if a.case and not a.full and not a.errors else []
    used = a.searched()
    if a.errors:
        audit(principal, "audit.refused", "audit", a.refused())
    else:
        audit(principal, "audit.read", "case" if a.case else "audit",
              a.case or (None if used in (None, "-", "hide_own=1") else used),
              a.case if a.full else (named[0] if len(named) == 1 else None))
    q = {**a.q, **({"case": a.case} if a.case else {})}
    filters = {**{k: v for k, v in q.items() if v and k != "before"}, "form": "1",
               **({"hide_own": "1"} if a.hide_own else {})}
    places = dict(container.directory.places)
    return render(request, "audit.html", {
        "principal": principal, "q": q, "errors": a.errors, "entries": entries,
        "older": f"/audit?{urlencode({**filters, 'before': older})}" if older else None,
        "newest": f"/audit?{urlencode(filters)}" if a.before else None,
        "export": urlencode(filters),  # form=1 with it: the box as ticked or not (stop 61's second review)
        "verification": verification_of(request, container), "action_groups": ACTION_GROUP_TEXT,
        "roles": list(ROLE_TEXT.items()), "hide_own": a.hide_own, "report_case": report_case,
        "field_names": FIELD_NAMES, "via": a.via,
        "region_name": places.get(principal.region or "", principal.region),
        # A case a region-bound auditor may not open is named, not linked (the link was refused).
        "linkable": cases_within(container, principal, {e["case_id"] for e in entries if e.get("case_id")}
                                 | set(report_case.values())),
        "said": lambda e: resource_said(e, places),
        "active": active_filters(q, a.bounds, a.hide_own, {**ROLE_TEXT, **ACTION_TEXT, **{
            k: f"{v}（全部）" for k, v in ACTION_GROUP_TEXT.items()}}),
        "requests": account_requests(container, entries), "details": details(container, entries),
        "date_min": EARLIEST_DAY.isoformat(), "date_max": latest_day(a.today).isoformat(),
    }, 422 if a.errors else 200)
