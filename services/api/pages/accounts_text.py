"""What the admin page says: notices after an action, errors by field, which unit field belongs
to which role, and the confirmation asked before a risky action."""

from __future__ import annotations

import re
from typing import Any

from services.accounts.domain import USERNAME
from services.api.web import beijing_full
from services.common.labels import SENTINEL_KIND_TEXT
from services.common.numbers import is_region_code
from services.common.vocabulary import Role

NOTICES = {
    "disabled": "已停用账号 {}：该账号已登录的会话将立即退出。",
    "enabled": "已重新启用账号 {}。",
    "asked": "已提交，等待安全管理员批准：账号 {} 的变更在批准前不生效。",
    "sentinel-registered": "已登记监测哨点 {}，并绑定第一报告人。",
    "sentinel-rebound": "已更换监测哨点 {} 的第一报告人。",
    "sentinel-closed": "已撤销监测哨点 {}：其报告人不能再以哨点名义报告，历史记录保留。",
    "unwithdrawn": "未能撤回：该申请已处理、已过期或不是您提出的，请刷新后查看。",
    "withdrawn": "已撤回对账号 {} 的申请：账号不作任何变更，安全管理员不再看到这份申请。",
}
FIELD_TEXT = {
    "username": "用户名须为3至64位字母、数字、点、下划线或连字符。",
    "role": "请选择角色。",
    "agency_id": "机构账号须选择所属机构。",
    "sentinel_id": "只有强制报告责任人账号可以绑定监测哨点，且哨点须在用。",
    "channel": "只有热线接线员账号有来电线路。",
    "first_reporter": "请选择第一报告人（须为已有的强制报告责任人账号）。",
    "region_code": "行政区划代码须为6位（县）、9位（乡镇）或12位（村）数字；"
                   "也可输入村、镇名称后从列表中选择。",
    "region_missing": "请填写哨点所在地区：输入村、镇名称中的字后从列表中选择，或填写行政区划代码。",
    "name": "请填写哨点名称（1至100字）。",
    "kind": "请选择哨点类型。",
    "reason": "请填写撤销原因。",
    "operator_channel": "请选择该接线员的来电线路（12345、12349或12355）。",
    "note": "申请说明最多200字。",
    "region": "辖区须为2位（省）、4位（市）或6位（县）行政区划代码，只有督办人员和审计人员账号有辖区。",
    "username_missing": "请填写用户名。",
    "username_wide": "用户名只能用半角字母、数字、点、下划线或连字符，不能用汉字或全角字符。",
    "region_choice": "请选择辖区：督办人员、审计人员须选定辖区；不限辖区请选“全部地区（不限辖区）”。",
}
NOT_APPLICABLE = "（不适用）"  # a unit field's empty choice: what another role's account picks
EVERYWHERE = "all"  # the region choice 全部地区（不限辖区）: posted as no region (contract §12)
NOTE_MAX = 200
# What a resubmitted form (a reload, the back button) says instead of acting again.
ALREADY = {
    "create": "此操作已完成：账号 {u} 已于 {t} 创建，不会重复创建。密码只显示一次，"
              "如未记下，请在账号列表中为其重置密码。",
    "reset-password": "此操作已完成：{u} 的密码已于 {t} 重置，不会再次重置。密码只显示一次，"
                      "如未记下请重新重置。",
    "disable": "此操作已完成：账号 {u} 已于 {t} 停用。",
    "enable": "此操作已完成：账号 {u} 已于 {t} 重新启用。",
    "request": "此申请已于 {t} 提交，不会重复提交：账号 {u} 的变更等待安全管理员批准。",
}
DUPLICATE = "已有相同的申请在等待批准：账号 {} 的这项变更不再重复提交，请等待安全管理员处理。"
# The one unit field each role may carry; a value in another role's field is refused, not dropped.
UNIT_FIELD = {Role.desk: "agency_id", Role.reporter: "sentinel_id", Role.operator: "channel",
              Role.supervisor: "region", Role.auditor: "region"}
MIXUP_TEXT = {
    "agency_id": "只有机构工作人员账号选择所属机构；所选角色请选“（不适用）”。",
    "sentinel_id": "只有强制报告责任人账号可以绑定监测哨点；所选角色请选“（不适用）”。",
    "channel": "只有热线接线员账号有来电线路；所选角色请选“（不适用）”。",
    "region": "只有督办人员和审计人员账号有辖区；所选角色请选“（不适用）”。",
}


def mixups(form: dict[str, str]) -> dict[str, str]:
    """Every field of 新增账号 to correct, at once: the name, the role, a missing unit or line,
    a unit field that does not belong to the chosen role, a note too long."""
    role = form.get("role", "")
    errors = {}
    username = form.get("username", "")
    if not username:
        errors["username"] = FIELD_TEXT["username_missing"]
    elif not username.isascii():
        errors["username"] = FIELD_TEXT["username_wide"]
    elif not USERNAME.match(username):
        errors["username"] = FIELD_TEXT["username"]
    if not role:
        errors["role"] = FIELD_TEXT["role"]
    elif role == Role.desk and not form.get("agency_id"):
        errors["agency_id"] = FIELD_TEXT["agency_id"]
    elif role == Role.operator and not form.get("channel"):
        errors["channel"] = FIELD_TEXT["operator_channel"]
    elif UNIT_FIELD.get(role) == "region" and not form.get("region"):  # type: ignore[call-overload]
        errors["region"] = FIELD_TEXT["region_choice"]
    if len(form.get("note", "")) > NOTE_MAX:
        errors["note"] = FIELD_TEXT["note"]
    own = UNIT_FIELD.get(role) if role else None  # type: ignore[call-overload]
    return errors | {f: MIXUP_TEXT[f] for f in MIXUP_TEXT if role and f != own and form.get(f)}


def region_text(region: str | None, name: str) -> str:
    """A supervisor's or auditor's jurisdiction as the admin reads it: `辖区：4418 清远市`."""
    return f"辖区：{region} {name}".rstrip() if region else "辖区：全部地区"


def taken_text(username: str, exists: bool, pending: Any, me: str) -> str:
    """Why a new account's name cannot be used: the account exists, or a different new account of
    that name waits for approval (who asked, and how to change it)."""
    if exists or pending is None:
        return f"用户名 {username} 已被使用：已有这个账号，请换一个用户名。"
    mine = pending.asked_by == me
    return (f"用户名 {username} 已有一份待批准的新建申请（{'您' if mine else pending.asked_by}于 "
            f"{beijing_full(pending.asked_at.isoformat())} 提出，角色或单位与本次不同）："
            + ("如要改成本次的内容，请先在“我提交的账号变更申请”中撤回那一份。" if mine
               else "请等安全管理员处理，或请提出人撤回后再提出。"))


def already_text(use: Any) -> str:
    """What a form already acted on says when it comes again."""
    key = "request" if use.request_id else use.kind
    return ALREADY[key].format(u=use.username, t=beijing_full(use.at.isoformat()))


ASK_LINE = ("此账号的这项变更须经安全管理员批准：确认后提交申请，批准前账号不作任何变更"
            "（24小时内未批准即过期）。")
GIVEN_BY_OFFICER = "给批准的安全管理员，由其当面或电话告知本人。"
GIVEN_BY_YOU = "，请当面或电话告知本人。"


def settled(username: str) -> dict[str, Any]:
    """The confirming page of 停用 reached again (the back button) once the account is disabled."""
    return {"title": f"账号 {username} 已停用", "button": "", "back": f"/admin#user-{username}",
            "action": "", "fields": {}, "lines": ["无需再次操作；需要时可以在账号列表中重新启用。"]}


def confirm_user(username: str, action: str, asks: bool = False, form_id: str = "", who: str = "",
                 note: str = "", error: str = "", warnings: list[str] | None = None) -> dict[str, Any]:
    """The second step of 停用 and 重置密码: whose account (`who`: its role and unit), what will
    happen, in plain words, and, for a privileged account, that it is a request a security officer
    approves, with its 申请说明 (`note`, refused with `error`); its form acts once."""
    back = f"/admin#user-{username}"
    once = {"form_id": form_id} if form_id else {}
    whose = [f"账号：{username}（{who}）"] if who else []
    asked = {"note": asks, "note_text": note, "error": error, "warnings": warnings or []}
    if action == "disable":
        return {"title": f"确认停用账号 {username}？", "button": "提交停用申请" if asks else "确认停用",
                "back": back, "action": f"/admin/users/{username}/disable", "fields": once, **asked,
                "lines": [*whose, *([ASK_LINE] if asks else []),
                          f"停用后，{username} 不能再登录，该账号已登录的会话将立即退出。",
                          "账号和它留下的记录都保留；需要时可以在账号列表中点“启用”重新启用。"]}
    return {"title": f"确认重置 {username} 的密码？", "button": "提交重置申请" if asks else "确认重置密码",
            "back": back, "action": f"/admin/users/{username}/reset-password", "fields": once, **asked,
            "lines": [*whose, *([ASK_LINE] if asks else []),
                      f"重置后，{username} 原来的密码立即不能再用，该账号已登录的会话将立即退出。",
                      "系统会生成一个新密码，只显示一次" + (GIVEN_BY_OFFICER if asks else GIVEN_BY_YOU)]}


def confirm_close(sentinel_id: str, name: str, reason: str) -> dict[str, Any]:
    """The second step of 撤销哨点."""
    return {"title": f"确认撤销监测哨点 {name}？", "button": "确认撤销", "back": "/admin#sentinel",
            "action": f"/admin/sentinels/{sentinel_id}/deactivate", "fields": {"reason": reason},
            "lines": [f"撤销后，{name} 的报告人不能再以哨点名义报告；哨点的历史记录保留。",
                      f"撤销原因：{reason}"]}


def version_text(version: str) -> str:
    """`directory/demo-v3` as a person reads it: `第3版`."""
    found = re.search(r"v(\d+(?:\.\d+)*)$", version)
    return f"第{found.group(1)}版" if found else "未标版本"


def sentinel_refusals(form: dict[str, str], typed: str, region: str | None,
                      unplaced: str | None) -> dict[str, str]:
    """What 登记监测哨点 must correct, each next to its field (`typed`: the place as typed, `region`
    its code, `unplaced` why it found none)."""
    errors = {}
    if not 1 <= len(form.get("name", "")) <= 100:
        errors["name"] = FIELD_TEXT["name"]
    if form.get("kind") not in SENTINEL_KIND_TEXT:
        errors["kind"] = FIELD_TEXT["kind"]
    if not form.get("first_reporter"):
        errors["first_reporter"] = FIELD_TEXT["first_reporter"]
    if not typed:
        errors["region_code"] = FIELD_TEXT["region_missing"]
    elif unplaced or not is_region_code(region or ""):
        errors["region_code"] = unplaced or FIELD_TEXT["region_code"]
    return errors
