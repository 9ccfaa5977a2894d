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
    OutOfRange,
    account_requests,
    active_filters,
    case_id,
    day_bound,
    latest_day,
    range_text,
    reports_of_cases,
)
from services.api.web import BEIJING, render
from services.audit.checkpoints import verify_checkpoints
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.errors import NotFound
from services.common.labels import ACTION_GROUP_TEXT, ACTION_TEXT, ROLE_TEXT
from services.oversight.filters import filters_label, filters_text, typed_text
from services.oversight.jurisdiction import cases_within, check_case_filter

router = APIRouter(tags=["pages"], include_in_schema=False)
# The filters' names in the red box (the auditor's second review: "日期不正确" named no field).
FIELD_NAMES = {"since": "起始日期", "until": "截止日期", "role": "角色", "action": "操作", "case": "案件编号",
               "before": "翻页"}
PAGE_SIZE = 50
VERIFY_EVERY = 60.0  # seconds a verification result is shown before it is run again

MAX_SEQ = 2**62  # a paging position beyond any trail


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


def _verification(request: Request, container: ApiContainer) -> dict[str, Any]:
    """The chain and its checkpoints, verified at most once a minute unless asked."""
    cached: dict[str, Any] | None = getattr(request.app.state, "audit_verified", None)
    fresh = cached is not None and time.monotonic() - cached["checked"] < VERIFY_EVERY
    if cached is not None and fresh and not request.query_params.get("verify"):
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
    params = request.query_params
    q = {k: params.get(k, "").strip()
         for k in ("actor", "role", "action", "case", "since", "until", "before")}
    # The box is ticked unless the form was sent without it (a link or a first visit: ticked).
    hide_own = params.get("hide_own") == "1" or "form" not in params
    errors: dict[str, str] = {}
    bounds: dict[str, datetime | None] = {}
    today = datetime.now(BEIJING).date()
    for field in ("since", "until"):
        try:
            bounds[field] = day_bound(q[field], until=field == "until", today=today)
        except OutOfRange:
            bounds[field] = None
            errors[field] = f"日期不正确：{range_text(today)}"
        except ValueError:
            bounds[field] = None
            errors[field] = "日期不正确，请用日期选择器选择（如 2026-12-01）。"
    since, until = bounds["since"], bounds["until"]
    if q["role"] and q["role"] not in ROLE_TEXT:
        errors["role"] = "请从列表中选择角色。"
    if q["action"] and q["action"] not in ACTION_TEXT and q["action"] not in ACTION_GROUP_TEXT:
        errors["action"] = "请从列表中选择操作。"
    try:
        case = case_id(q["case"])
    except ValueError:
        case = ""
        errors["case"] = "案件编号应为页面上显示的8位编号（如 3f2a9c1e），或完整编号。"
    try:
        if case:
            check_case_filter(container, principal, case)
    except NotFound:  # a region-bound auditor names a case outside the region
        errors["case"] = "本辖区内没有这个案件（辖区外的案件不能按编号筛选）。"
    if since and until and since >= until:
        errors["until"] = "截止日期不能早于起始日期。"
    before = int(q["before"]) if re.fullmatch(r"[0-9]{1,18}", q["before"]) else None
    if q["before"] and (before is None or not 0 < before < MAX_SEQ):
        errors["before"] = "翻页位置不正确，请回到最新记录重新翻页。"
    entries: list[dict[str, Any]] = []
    older = None
    full = len(case) == 36
    report_case = reports_of_cases(container, case) if case and not errors else {}
    if not errors:
        entries, older = container.audit.search(
            actor=q["actor"] or None, role=q["role"] or None, action=q["action"] or None,
            case_id=case if full else None, case_prefix=case if case and not full else None,
            since=since, until=until, before=before, limit=PAGE_SIZE, report_ids=set(report_case),
            hide_reads_of=principal.subject if hide_own else None)
    # What was searched for, normalised (never the text as typed, which a refusal may garble);
    # an account name's start only, bounded.
    used = None if errors else filters_text(
        actor=q["actor"][:32], role=q["role"], action=q["action"], since=since, until=until,
        hide_own="1" if hide_own else None)
    # A short id that names one case is that case's read (the auditor's review, stop 50: it was
    # left out of the case's own trail); a refused search is said as one, what was typed kept.
    named = container.audit.case_ids(case) if case and not full and not errors else []
    if errors:
        # The dates as typed under names the label reads as typed (since/until read as bounds).
        typed = {name: q[k] for name, k in (("from", "since"), ("to", "until"), ("case", "case"),
                                            ("role", "role"), ("action", "action")) if q.get(k)}
        audit(principal, "audit.refused", "audit", typed_text(**typed))
    else:
        audit(principal, "audit.read", "case" if case else "audit",
              case or (None if used in (None, "-", "hide_own=1") else used),
              case if full else (named[0] if len(named) == 1 else None))
    if case:
        q["case"] = case
    filters = {**{k: v for k, v in q.items() if v and k != "before"}, "form": "1",
               **({"hide_own": "1"} if hide_own else {})}
    places = dict(container.directory.places)
    return render(request, "audit.html", {
        "principal": principal, "q": q, "errors": errors, "entries": entries,
        "older": f"/audit?{urlencode({**filters, 'before': older})}" if older else None,
        "newest": f"/audit?{urlencode(filters)}" if before else None,
        "verification": _verification(request, container), "action_groups": ACTION_GROUP_TEXT,
        "roles": list(ROLE_TEXT.items()), "hide_own": hide_own, "report_case": report_case,
        "field_names": FIELD_NAMES, "region_name": places.get(principal.region or "", principal.region),
        # A case a region-bound auditor may not open is named, not linked (the link was refused).
        "linkable": cases_within(container, principal, {e["case_id"] for e in entries if e.get("case_id")}
                                 | set(report_case.values())),
        "filter_label": lambda text: filters_label(text, lambda code: places.get(code, "")),
        "active": active_filters(q, bounds, hide_own, {**ROLE_TEXT, **ACTION_TEXT, **{
            k: f"{v}（全部）" for k, v in ACTION_GROUP_TEXT.items()}}),
        "requests": account_requests(container, entries),
        "date_min": EARLIEST_DAY.isoformat(), "date_max": latest_day(today).isoformat(),
    }, 422 if errors else 200)


