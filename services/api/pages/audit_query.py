"""The auditor's filters read once for the page and its export: as typed, checked (each error
said at its field, in Chinese), the case box read as a case, a receipt or a record, and the
entries they choose."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from starlette.datastructures import QueryParams

from services.api.pages.audit_filters import (
    LooksPersonal,
    NoSuchCase,
    NoSuchReceipt,
    OutOfRange,
    day_bound,
    named_case,
    range_text,
    receipts_of,
    reports_of_cases,
)
from services.common.auditnote import Principal
from services.common.errors import NotFound
from services.common.labels import ACTION_GROUP_TEXT, ACTION_TEXT, ROLE_TEXT
from services.common.vocabulary import BEIJING
from services.oversight.filters import filters_text, typed_text
from services.oversight.jurisdiction import check_case_filter

FIELDS = ("actor", "role", "action", "case", "since", "until", "before")
MAX_SEQ = 2**62  # a paging position beyond any trail
CASE_TEXT = ("请输入案件编号（页面上显示的8位，如 3f2a9c1e，或完整编号），"
             "或受理编号（如 20261207-24KY2HT7J9）。儿童姓名、身份证号不能用来查询。")
PERSONAL_TEXT = ("这像是身份证号或电话号码：审计日志不按个人信息查询，所输入的号码也不记入日志。"
                 "请输入案件编号或受理编号。")
NO_RECEIPT = "没有找到这个受理编号的报告（或报告尚未立案），请核对。"
ACCOUNT_START = re.compile(r"[a-zA-Z0-9_.\-]{1,64}")
LONG_NUMBER = re.compile(r"[0-9]{9,}")  # an id card's or a phone's digits, never an account's
ACTOR_TEXT = ("请填账号名的开头（字母、数字、-、_、.），如 police；"
              "不能填姓名、身份证号或电话号码（不按个人信息查询）。")


@dataclass
class Asked:
    """The filters as sent and as read; `errors` by field (nothing is searched when any)."""

    q: dict[str, str]
    hide_own: bool
    today: date
    errors: dict[str, str] = field(default_factory=dict)
    bounds: dict[str, datetime | None] = field(default_factory=dict)
    case: str = ""  # 8 hex digits, or the whole id
    via: str = ""  # how the case box was read, when not as a case id
    before: int | None = None

    @property
    def full(self) -> bool:
        return len(self.case) == 36

    def searched(self) -> str | None:
        """What was searched for, normalised (never the text as typed); an account name's start only."""
        return None if self.errors else filters_text(
            actor=self.q["actor"][:32], role=self.q["role"], action=self.q["action"],
            since=self.bounds["since"], until=self.bounds["until"], hide_own="1" if self.hide_own else None)

    def refused(self) -> str:
        """The refused filters as typed, under the names the page gives them (nothing personal kept)."""
        return typed_text(**{name: self.q[k] for name, k in (
            ("first_day", "since"), ("last_day", "until"), ("case", "case"), ("role", "role"),
            ("action", "action")) if self.q.get(k)})


def asked(params: QueryParams, container: Any, principal: Principal) -> Asked:
    q = {k: params.get(k, "").strip() for k in FIELDS}
    # The box is ticked unless the form was sent without it (a link or a first visit: ticked).
    a = Asked(q, params.get("hide_own") == "1" or "form" not in params, datetime.now(BEIJING).date())
    for name in ("since", "until"):
        try:
            a.bounds[name] = day_bound(q[name], until=name == "until", today=a.today)
        except OutOfRange:
            a.bounds[name] = None
            a.errors[name] = f"超出范围，{range_text(a.today)}"
        except ValueError:
            a.bounds[name] = None
            a.errors[name] = "日期不正确，请用日期选择器选择（如 2026-12-01）。"
    if q["actor"] and (not ACCOUNT_START.fullmatch(q["actor"]) or LONG_NUMBER.search(q["actor"])):
        # Only an account name's characters: a child's name or id number typed here was kept in the
        # trail as the filter (the auditor's second review, stop 61).
        a.errors["actor"] = ACTOR_TEXT
        a.q["actor"] = ""
    if q["role"] and q["role"] not in ROLE_TEXT:
        a.errors["role"] = "请从列表中选择角色。"
    if q["action"] and q["action"] not in ACTION_TEXT and q["action"] not in ACTION_GROUP_TEXT:
        a.errors["action"] = "请从列表中选择操作。"
    try:
        a.case, a.via = named_case(container, q["case"])
        if a.case:
            check_case_filter(container, principal, a.case)
    except LooksPersonal:
        a.errors["case"] = PERSONAL_TEXT
    except NoSuchReceipt:
        a.errors["case"] = NO_RECEIPT
    except NoSuchCase as slip:
        a.errors["case"] = (f"没有编号为 {slip} 的案件、报告或转介（审计日志中也没有），请核对编号；"
                            "账号变更申请请在“操作”中选“账号（全部）”查看。")
    except ValueError:
        a.errors["case"] = CASE_TEXT
    except NotFound:  # a region-bound auditor names a case outside the region
        a.errors["case"] = "本辖区内没有这个案件（辖区外的案件不能按编号筛选）。"
    if "case" in a.errors:
        a.case, a.via = "", ""
    since, until = a.bounds["since"], a.bounds["until"]
    if since and until and since >= until:
        a.errors["until"] = "截止日期不能早于起始日期。"
    a.before = int(q["before"]) if re.fullmatch(r"[0-9]{1,18}", q["before"]) else None
    if q["before"] and (a.before is None or not 0 < a.before < MAX_SEQ):
        a.errors["before"] = "翻页位置不正确，请回到最新记录重新翻页。"
    return a


def search(container: Any, a: Asked, principal: Principal, *, limit: int,
           scan: int = 20000) -> tuple[list[dict[str, Any]], int | None, dict[str, str]]:
    """The entries chosen (newest first, at most `limit`), where older ones continue, and the
    case's reports (report id → case id) found with it."""
    if a.errors:
        return [], None, {}
    report_case = reports_of_cases(container, a.case) if a.case else {}
    receipts = receipts_of(container, report_case)
    entries, older = container.audit.search(
        actor=a.q["actor"] or None, role=a.q["role"] or None, action=a.q["action"] or None,
        case_id=a.case if a.full else None, case_prefix=a.case if a.case and not a.full else None,
        since=a.bounds["since"], until=a.bounds["until"], before=a.before, limit=limit, scan=scan,
        report_ids=set(report_case), receipts=set(receipts), or_account=True,
        hide_reads_of=principal.subject if a.hide_own else None)
    return entries, older, {**report_case, **receipts}
