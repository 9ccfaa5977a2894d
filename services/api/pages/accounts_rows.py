"""What the admin page lists: each account's unit, line or region by name, the new accounts still
waiting for approval, this admin's requests (with when a pending one expires); regions are named
by the one rule of services/oversight/regions_text.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.accounts.regions import REGION_ROLES
from services.api.pages.accounts_text import region_text, taken_text
from services.api.pages.intake import LINES
from services.api.pages.security_text import request_row
from services.common.labels import ROLE_TEXT
from services.dispatch.routing import Directory
from services.oversight.regions_text import region_label, region_trail

PENDING_STATE = "待安全管理员批准"
ALL_REGIONS = "全部地区"


def sees_text(directory: Directory, region: str | None) -> str:
    """What a supervisor or auditor will see, by name from the city down: `可查看：清远市 清城区` /
    `可查看：全部地区`."""
    if not region:
        return "可查看：" + ALL_REGIONS
    names = [name for _, name in region_trail(directory, region, region[:4] if len(region) > 2 else None)]
    return "可查看：" + (" ".join(names) or region)


class Units:
    """Each account's (or asked account's) unit, line or region, as the account list shows it."""

    def __init__(self, accounts: Any, directory: Directory) -> None:
        self.directory = directory
        self.agencies = {a.agency_id: a.name for a in directory.agencies}
        self.sentinels = {str(s.id): s.name for s in accounts.list_sentinels()}

    def region(self, code: str | None) -> str:
        """`辖区：441802 清城区` / `辖区：全部地区`."""
        return region_text(code, self.directory.region_name(code or ""))

    def __call__(self, user: Any) -> str:
        if user.agency_id:
            return self.agencies.get(user.agency_id, user.agency_id)
        if user.sentinel_id:
            return "哨点：" + self.sentinels.get(user.sentinel_id, user.sentinel_id)
        if user.role in REGION_ROLES:
            return self.region(user.region)
        return dict(LINES).get(user.channel or "", "")


def account_rows(accounts: Any, units: Units) -> list[dict[str, Any]]:
    """Every account, then each new account still waiting for a security officer (no actions)."""
    now = datetime.now(UTC)
    rows = [{**u.public(), "unit": units(u), "pending": False} for u in accounts.list_users()]
    return rows + [{"username": r.username, "role": r.role, "unit": units(r), "disabled": False,
                    "pending": True} for r in reversed(accounts.list_requests())
                   if r.kind == "create" and r.status(now) == "pending"]


def asked_rows(accounts: Any, subject: str, units: Units) -> list[dict[str, Any]]:
    """This admin's requests, each unit or region by name: the pending ones, then the last ten."""
    now = datetime.now(UTC)
    rows = [request_row(r, now, units(r) if r.kind == "create" else "")
            for r in accounts.list_requests() if r.asked_by == subject]
    return [r for r in rows if r["state"] == "pending"] + [r for r in rows if r["state"] != "pending"][:10]


def region_options(directory: Directory) -> list[tuple[str, str]]:
    """The regions a supervisor or auditor may be given, broadest first: `4418 清远市`."""
    return [(code, f"{code} {region_label(directory, code)}") for digits in (2, 4, 6)
            for code in directory.subregions(None, digits)]


def asked_notice(request: Any, units: Units) -> str:
    """What the admin reads once a new account or change became a request, regions by name."""
    what = request_row(request, datetime.now(UTC), units(request) if request.kind == "create" else "")["what"]
    sees = f"批准后{sees_text(units.directory, request.region)}。" if request.role in REGION_ROLES \
        and request.kind == "create" else ""
    return (f"已提交，等待安全管理员批准：{what}，账号 {request.username}。{sees}"
            "批准前账号不作任何变更；批准前您可以在“我提交的账号变更申请”中撤回。")



def taken(accounts: Any, username: str, exists: bool, me: str) -> str:
    """Why the name cannot be used: the account exists, or which new account of it waits."""
    pending = next((r for r in accounts.list_requests("pending")
                    if r.kind == "create" and r.username.lower() == username.lower()), None)
    return taken_text(username, exists, pending, me)


def left_without(accounts: Any, directory: Directory, user: Any, action: str) -> list[str]:
    """What 停用 (`action`) would leave with no one (the IT office's review, stop 60: the county police's
    only account disabled, its referrals unread; a school's first reporter gone, the point 在用)."""
    said: list[str] = []
    if action not in ("disable", "reset-password"):
        return said
    if user.role == "desk" and user.agency_id and action == "reset-password":
        if not _other_desks(accounts, user):  # the second review: her session ended, nobody left
            unit = directory.get(user.agency_id)
            said.append(f"{unit.name if unit else user.agency_id}没有其他可用账号：重置后，直到本人用新密码"
                        "登录并改为自己的密码之前，送到该单位的转介无人能在系统中接收。"
                        "请尽快把新密码告知本人。")
        return said
    if user.role == "desk" and user.agency_id:
        unit = directory.get(user.agency_id)
        if not _other_desks(accounts, user):
            said.append(f"{unit.name if unit else user.agency_id}没有其他可用账号：停用后，送到该单位的"
                        "转介无人能在系统中接收和处置，超时后只会上报督办人员。"
                        "请先为接替的人新建账号，再停用。")
    if user.role == "reporter" and user.sentinel_id:
        point = accounts.sentinel(user.sentinel_id)
        if point is not None and point.active:
            said.append(f"{user.username}是监测哨点“{point.name}”的第一报告人："
                        "停用后该哨点没有人能以哨点名义报告。请先在“监测哨点”中为该哨点更换第一报告人，再停用。")
    return said


def _other_desks(accounts: Any, user: Any) -> list[Any]:
    return [u for u in accounts.list_users() if u.role == "desk" and u.agency_id == user.agency_id
            and not u.disabled and u.username != user.username]


def whose(accounts: Any, directory: Directory, user: Any) -> str:
    """An account's role and unit, as the confirming step names it: `机构工作人员 · 连南县公安局`."""
    unit = Units(accounts, directory)(user)
    return " · ".join(part for part in (ROLE_TEXT.get(user.role, user.role), unit) if part)
