"""What the admin page says: notices after an action, errors by field, which unit field belongs
to which role, and the confirmation asked before a risky action."""

from __future__ import annotations

import re
from typing import Any

from services.common.vocabulary import Role

NOTICES = {
    "disabled": "已停用账号 {}：该账号已登录的会话将立即退出。",
    "enabled": "已重新启用账号 {}。",
    "asked": "已提交，等待安全管理员批准：账号 {} 的变更在批准前不生效。",
    "sentinel-registered": "已登记监测哨点 {}，并绑定第一报告人。",
    "sentinel-rebound": "已更换监测哨点 {} 的第一报告人。",
    "sentinel-closed": "已撤销监测哨点 {}：其报告人不能再以哨点名义报告，历史记录保留。",
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
}
# The one unit field each role may carry; a value in another role's field is refused, not dropped.
UNIT_FIELD = {Role.desk: "agency_id", Role.reporter: "sentinel_id", Role.operator: "channel"}
MIXUP_TEXT = {
    "agency_id": "只有机构工作人员账号选择所属机构；所选角色请把此项留空。",
    "sentinel_id": "只有强制报告责任人账号可以绑定监测哨点；所选角色请把此项留空。",
    "channel": "只有热线接线员账号有来电线路；所选角色请把此项留空。",
}


def mixups(form: dict[str, str]) -> dict[str, str]:
    """A unit field filled that does not belong to the chosen role, by field."""
    role = form.get("role", "")
    if not role:
        return {"role": FIELD_TEXT["role"]}
    own = UNIT_FIELD.get(role)  # type: ignore[call-overload]
    return {f: MIXUP_TEXT[f] for f in MIXUP_TEXT if f != own and form.get(f)}


ASK_LINE = ("此账号的这项变更须经安全管理员批准：确认后提交申请，批准前账号不作任何变更"
            "（24小时内未批准即过期）。")
GIVEN_BY_OFFICER = "给批准的安全管理员，由其当面或电话告知本人。"
GIVEN_BY_YOU = "，请当面或电话告知本人。"


def confirm_user(username: str, action: str, asks: bool = False) -> dict[str, Any]:
    """The second step of 停用 and 重置密码: what will happen, in plain words (and, for a
    privileged account, that it is a request a security officer approves)."""
    back = f"/admin#user-{username}"
    if action == "disable":
        return {"title": f"确认停用账号 {username}？", "button": "提交停用申请" if asks else "确认停用",
                "back": back, "action": f"/admin/users/{username}/disable", "fields": {},
                "lines": [*([ASK_LINE] if asks else []),
                          f"停用后，{username} 不能再登录，该账号已登录的会话将立即退出。",
                          "账号和它留下的记录都保留；需要时可以在本页重新启用。"]}
    return {"title": f"确认重置 {username} 的密码？", "button": "提交重置申请" if asks else "确认重置密码",
            "back": back, "action": f"/admin/users/{username}/reset-password", "fields": {},
            "lines": [*([ASK_LINE] if asks else []),
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
