"""The security officer's review of the accounts (账号一览, the security officer's review, stop 61:
approving privileged accounts without seeing the existing ones): every account's role, unit or
region, whether it is in use (and who stopped it), whose password it holds, its second factor,
and its failed logins of the last day. Read only: the admin changes accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.accounts.requests import PRIVILEGED
from services.api.deps import AuditDep, ContainerDep
from services.api.pages.accounts_rows import Units
from services.api.pages.security import Officer
from services.api.web import render
from services.common.labels import ROLE_TEXT
from services.common.throttle import LOGIN_ANYWHERE

router = APIRouter(tags=["pages"], include_in_schema=False)
DAY = 86400.0
MANY_FAILURES = 5  # a day's failed logins that the list marks
ROLE_ORDER = ("security", "admin", "auditor", "supervisor", "desk", "operator", "reporter")


def account_review(container: Any) -> list[dict[str, Any]]:
    """Every account, the privileged first, each with what a security officer checks."""
    units = Units(container.accounts, container.directory)
    factor_roles = container.settings.second_factor_roles
    rows = []
    for user in container.accounts.list_users():
        rows.append({
            "username": user.username, "role": ROLE_TEXT.get(user.role, user.role), "unit": units(user),
            "privileged": user.role in PRIVILEGED, "disabled": user.disabled,
            "disabled_by": user.disabled_by,
            "disabled_at": user.disabled_at.isoformat() if user.disabled_at else "",
            "issued": user.must_change_password, "issued_by": user.password_issued_by,
            "totp": user.totp_secret is not None, "totp_needed": user.role in factor_roles,
            "failures": container.throttle.failures(LOGIN_ANYWHERE, user.username, DAY),
            "order": ROLE_ORDER.index(user.role) if user.role in ROLE_ORDER else len(ROLE_ORDER)})
    return sorted(rows, key=lambda r: (r["order"], r["username"].lower()))


@router.get("/security/accounts")
def accounts_review_page(request: Request, session: Officer, container: ContainerDep,
                         audit: AuditDep) -> Response:
    audit(session.principal, "security.accounts", "accounts")
    rows, factor_roles = account_review(container), container.settings.second_factor_roles
    return render(request, "security_accounts.html", {
        "principal": session.principal, "rows": rows, "many": MANY_FAILURES,
        "counts": {"all": len(rows), "privileged": sum(r["privileged"] for r in rows),
                   "disabled": sum(r["disabled"] for r in rows), "issued": sum(r["issued"] for r in rows),
                   "failing": sum(r["failures"] >= MANY_FAILURES for r in rows),
                   "unenrolled": sum(r["totp_needed"] and not r["totp"] and not r["disabled"]
                                     for r in rows)},
        "factor_roles": "、".join(ROLE_TEXT.get(r, r) for r in sorted(factor_roles))})
