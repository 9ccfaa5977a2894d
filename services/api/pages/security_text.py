"""What the pages say about account requests (三员分立): the change asked, its state, why an
approval was refused, and the confirmation asked before deciding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.accounts.requests import AccountRequest
from services.api.web import beijing_full
from services.common.labels import ROLE_TEXT

KIND_TEXT = {"create": "新建账号", "enable": "启用账号", "disable": "停用账号", "reset-password": "重置密码"}
STATE_TEXT = {"pending": "待批准", "approved": "已批准", "rejected": "已驳回", "expired": "已过期",
              "withdrawn": "已撤回"}
# The domain's refusals, as the security officer reads them (matched on the message's words).
REFUSALS = (
    ("expired", "该申请已过期（提出后24小时内未批准），已不能批准；如仍需要，请系统管理员重新提出。"),
    ("who asked", "提出申请的人不能批准或驳回自己的申请。"),
    ("your own account", "与您本人账号有关的申请，须由另一位安全管理员批准或驳回。"),
    ("exists already", "该用户名已被使用，不能再新建；请驳回此申请。"),
    ("is pending", "该账号已有一份待批准的申请，请先处理那一份。"),
    ("already", "该申请已经处理过了。"),
    ("same moment", "该申请刚被其他人处理，请刷新后查看。"),
)


OWN_ACCOUNT = ("这份申请与您本人的账号有关，须由另一位安全管理员批准或驳回，您不能处理。"
               "本单位只有一位安全管理员时，由信息科负责人在服务器上用 hotline users 命令办理"
               "（见安全管理员手册），或请系统管理员撤回。")
# What to check before deciding, when the admin wrote no 申请说明.
ASK = {"create": "请向申请人核实账号的使用人和用途", "reset-password": "请向申请人核实是本人要求重置",
       "disable": "请向申请人核实停用的原因（如离职、调岗）",
       "enable": "请向申请人核实重新启用的原因和使用人"}


def account_state(user: Any) -> str:
    """An existing account as it is now: in use or stopped (by whom, when), whose password it holds."""
    if user is None:
        return ""
    state = (f"已停用（{user.disabled_by} 于 {beijing_full(user.disabled_at.isoformat())} 停用）"
             if user.disabled and user.disabled_by else "已停用" if user.disabled else "在用")
    return state + ("；密码待本人修改" if user.must_change_password else "")


def refusal_text(message: str) -> str:
    return next((text for words, text in REFUSALS if words in message), "未能完成，请刷新页面后重试。")


def what_text(r: AccountRequest, unit: str = "") -> str:
    """`新建账号：督办人员` / `重置密码` — what the request changes, in words."""
    role = ROLE_TEXT.get(r.role, r.role)
    unit = unit or (f"辖区 {r.region}" if r.region else "")
    return f"{KIND_TEXT.get(r.kind, r.kind)}（{role}{'，' + unit if unit else ''}）"


def request_row(r: AccountRequest, now: datetime, unit: str = "", state: str = "") -> dict[str, Any]:
    return {"id": str(r.id), "what": what_text(r, unit), "username": r.username, "kind": r.kind,
            "account_state": state, "ask": ASK.get(r.kind, ASK["create"]),
            "asked_by": r.asked_by, "asked_at": r.asked_at.isoformat(),
            "expires_at": r.public(now)["expires_at"], "state": r.status(now),
            "state_text": STATE_TEXT[r.status(now)], "decided_by": r.decided_by or "",
            "decided_at": r.decided_at.isoformat() if r.decided_at else "", "reason": r.reason or "",
            "note": r.note or ""}


def decided_text(row: dict[str, Any]) -> str:
    """A request no longer pending, reached again (a reload, the back button, a second officer):
    who decided it, when and with what result."""
    if row["state"] == "expired":
        return REFUSALS[0][1]
    when = beijing_full(row["decided_at"])
    if row["state"] == "withdrawn":
        return f"此申请已于 {when} 由提出人 {row['decided_by']} 撤回，账号未作变更。"
    if row["state"] == "rejected":
        why = f"理由：{row['reason']}。" if row["reason"] else ""
        return f"此申请已处理：{row['decided_by']}（安全管理员）已于 {when} 驳回，账号未作变更。{why}"
    once = ("密码只显示一次，不会再次生成；如未记下，请系统管理员重新提出重置密码的申请。"
            if row["kind"] in ("create", "reset-password") else "")
    return f"此申请已处理：{row['decided_by']}（安全管理员）已于 {when} 批准，已生效。{once}"


def confirm_decision(row: dict[str, Any], decision: str) -> dict[str, Any]:
    """The second step of 批准 or 驳回: what will happen, in plain words."""
    who, what = row["username"], row["what"]
    note = [f"申请说明：{row['note']}" if row.get("note") else f"申请说明：（申请人未填写，{row['ask']}）"]
    if row.get("account_state"):
        note.append(f"该账号现在：{row['account_state']}。")
    if decision == "reject":
        return {"title": f"确认驳回对 {who} 的申请？", "button": "确认驳回", "reason": True,
                "action": f"/security/requests/{row['id']}/reject", "back": f"/security#request-{row['id']}",
                "lines": [f"申请内容：{what}，账号 {who}，由 {row['asked_by']} 提出。", *note,
                          "驳回后账号不作任何变更；如仍需要，系统管理员须重新提出申请。"]}
    lines = [f"申请内容：{what}，账号 {who}，由 {row['asked_by']} 提出。", *note]
    if row["kind"] in ("create", "reset-password"):
        lines.append("批准后系统生成该账号的密码，只显示一次，请当面或电话告知本人。")
    if row["kind"] == "disable":
        lines.append(f"批准后 {who} 立即不能再登录，已登录的会话将立即退出。")
    if row["kind"] == "enable":
        lines.append(f"批准后 {who} 可以重新登录。")
    return {"title": f"确认批准对 {who} 的申请？", "button": "确认批准", "reason": False,
            "action": f"/security/requests/{row['id']}/approve", "back": f"/security#request-{row['id']}",
            "lines": lines}
