"""The security officer's review of the accounts (账号一览, the security officer's review, stop 61:
approving privileged accounts without seeing the existing ones): every account's role, unit or
region, whether it is in use (and who stopped it), whose password it holds, its second factor,
and its failed logins of the last day. Read only: the admin changes accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.accounts.passwords import MIN_CLASSES, MIN_LENGTH
from services.accounts.requests import PRIVILEGED
from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.accounts_rows import Units
from services.api.web import render
from services.common.labels import ROLE_TEXT
from services.common.throttle import LOGIN_ANYWHERE, LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS

router = APIRouter(tags=["pages"], include_in_schema=False)
DAY = 86400.0
MANY_FAILURES = 5  # a day's failed logins that the list marks
# The list narrowed to what needs looking at (the security officer's second review, stop 61).
ONLY: dict[str, Any] = {
    "privileged": lambda r, many: r["privileged"], "disabled": lambda r, many: r["disabled"],
    "issued": lambda r, many: r["issued"] and not r["disabled"],
    "unenrolled": lambda r, many: r["totp_needed"] and not r["totp"] and not r["disabled"],
    "failing": lambda r, many: r["failures"] >= many}
ONLY_TEXT = {"privileged": "特权账号", "disabled": "已停用", "issued": "密码待本人修改",
             "unenrolled": "须用动态验证码但未绑定", "failing": "近24小时登录失败较多"}
ROLE_ORDER = ("security", "admin", "auditor", "supervisor", "desk", "operator", "reporter")


def account_review(container: Any) -> list[dict[str, Any]]:
    """Every account, the privileged first, each with what a security officer checks."""
    units = Units(container.accounts, container.directory)
    factor_roles = container.settings.second_factor_roles
    # Who asked for a change an officer approved: the approver alone read as if she acted alone
    # (the security officer's second review, stop 61).
    approved = {(r.username.lower(), r.kind): r for r in container.accounts.list_requests()
                if r.decision == "approved"}
    rows = []
    for user in container.accounts.list_users():
        stopped = approved.get((user.username.lower(), "disable"))
        issued = approved.get((user.username.lower(), "reset-password")) or approved.get(
            (user.username.lower(), "create"))
        rows.append({
            "username": user.username, "role": ROLE_TEXT.get(user.role, user.role), "unit": units(user),
            "privileged": user.role in PRIVILEGED, "disabled": user.disabled,
            "disabled_by": f"{stopped.asked_by} 申请、{user.disabled_by} 批准" if stopped
            and stopped.decided_by == user.disabled_by and stopped.decided_at == user.disabled_at
            else user.disabled_by,
            "disabled_at": user.disabled_at.isoformat() if user.disabled_at else "",
            "issued": user.must_change_password,
            "issued_by": f"{issued.asked_by} 申请、{user.password_issued_by} 批准后" if issued
            and issued.decided_by == user.password_issued_by else user.password_issued_by,
            "totp": user.totp_secret is not None, "totp_needed": user.role in factor_roles,
            "failures": container.throttle.failures(LOGIN_ANYWHERE, user.username, DAY),
            "recent": container.throttle.failures(LOGIN_ANYWHERE, user.username, LOGIN_PER_ACCOUNT.window),
            "order": ROLE_ORDER.index(user.role) if user.role in ROLE_ORDER else len(ROLE_ORDER)})
    return sorted(rows, key=lambda r: (r["order"], r["username"].lower()))


# The security officer reviews the accounts; the auditor reads them too, to name the person behind
# an account on the trail (the auditor's second review, stop 61). Read only for both.
Reviewer = Annotated[Page, Depends(page_guard(("security", "auditor"), "/security/accounts",
                                              "此页面供安全管理员和审计人员核查账号，请用相应账号登录。"))]


@router.get("/security/accounts")
def accounts_review_page(request: Request, session: Reviewer, container: ContainerDep,
                         audit: AuditDep) -> Response:
    audit(session.principal, "security.accounts", "accounts")
    every, factor_roles = account_review(container), container.settings.second_factor_roles
    only = request.query_params.get("only", "")
    rows = [r for r in every if ONLY[only](r, MANY_FAILURES)] if only in ONLY else every
    return render(request, "security_accounts.html", {
        "principal": session.principal, "rows": rows, "many": MANY_FAILURES,
        "only": only if only in ONLY else "", "only_text": ONLY_TEXT,
        "counts": {name: sum(bool(keep(r, MANY_FAILURES)) for r in every) for name, keep in ONLY.items()}
        | {"all": len(every)},
        "factor_roles": "、".join(ROLE_TEXT.get(r, r) for r in sorted(factor_roles)),
        "rules": rules_text(container.settings.session_idle_minutes)})


def rules_text(idle_minutes: int) -> str:
    """The rules the officer answers for, as the code holds them (stop 61: none was shown)."""
    per, anywhere, address = LOGIN_PER_ACCOUNT, LOGIN_ANYWHERE, LOGIN_PER_ADDRESS
    minutes = f"{per.window // 60:.0f}分钟"
    return (f"同一账号在同一台电脑上{minutes}内登录失败{per.failures}次，该电脑暂停此账号登录{minutes}；"
            f"同一账号各处合计{anywhere.window // 60:.0f}分钟内失败{anywhere.failures}次，各处都暂停；"
            f"同一台电脑1分钟内失败{address.failures}次（不论账号），暂停1分钟。暂停到时自动解除。"
            f"密码至少{MIN_LENGTH}位、至少{MIN_CLASSES}类字符，不能包含用户名、不能是常见单词或数字序列加符号、"
            f"不能与最近5个密码相同；管理员或您设置的密码须本人首次登录时修改。页面闲置{idle_minutes}分钟自动退出。")
