"""The login's second factor (contract §10): who must give a code, and what a refused one costs:
a failed login on the throttle and an audit entry saying it was the code."""

from __future__ import annotations

from fastapi import Request

from services.accounts.totp import Check, SecondFactor
from services.api.deps import audit_log
from services.api.guards import client_address
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.labels import ROLE_TEXT
from services.common.throttle import login_limits

# Next to the page's field; the API says `detail` in English (contract §2).
PAGE_TEXT = {
    Check.missing: "请填写动态验证码：手机验证器应用中当前显示的6位数字。",
    Check.wrong: "动态验证码不正确，请输入验证器应用中当前显示的6位数字（手机时间需准确）。",
    Check.replayed: "这个动态验证码已经用过，请等验证器显示新的验证码后再输入。",
    Check.unenrolled: "您的账号还没有绑定动态验证码，暂时不能登录。请联系信息科（系统管理员）"
                      "在服务器上为您的账号运行绑定命令，再用手机验证器应用扫码绑定。",
}
API_TEXT = {
    Check.missing: "This account needs its second factor: send form field totp (6 digits)",
    Check.wrong: "Wrong second factor (totp)",
    Check.replayed: "This totp code was used already; wait for the next one",
    Check.unenrolled: "No second factor enrolled: ask the IT office to run `hotline users totp`",
}
AUDIT_ACTION = {Check.missing: "auth.totp_missing", Check.wrong: "auth.totp_wrong",
                Check.replayed: "auth.totp_replayed", Check.unenrolled: "auth.totp_unenrolled"}


class SecondFactorRefused(Exception):
    """The password was right, the code was not (or there was none)."""

    def __init__(self, outcome: Check):
        super().__init__(API_TEXT[outcome])
        self.outcome = outcome
        self.page_text = PAGE_TEXT[outcome]
        self.api_text = API_TEXT[outcome]


def second_factor(container: ApiContainer) -> SecondFactor:
    return SecondFactor(container.accounts, container.keys, container.settings.second_factor_roles)


def require(request: Request, principal: Principal, code: str | None) -> None:
    """Nothing for a role without a second factor; else the code must log in, or this raises
    after counting the failure and recording why."""
    container: ApiContainer = request.app.state.container
    factor = second_factor(container)
    if not factor.required(principal.role):
        return
    outcome = factor.check(principal.subject, code)
    if outcome is Check.ok:
        return
    container.throttle.fail(*login_limits(principal.subject, client_address(request)))
    audit_log(request)(principal, AUDIT_ACTION[outcome], "account", principal.subject)
    raise SecondFactorRefused(outcome)


def form_context(request: Request) -> dict[str, object]:
    """What the login form says about the code: which roles give one (none: no field)."""
    roles = request.app.state.container.settings.second_factor_roles
    return {"totp_roles": "、".join(ROLE_TEXT.get(r, r) for r in sorted(roles))}
