"""Demo accounts for `make run` and `make up` (development only)."""

from __future__ import annotations

import sys

from services.accounts.application import AccountsApplication

DEMO_PASSWORD = "demo-password-1"
DEMO_USERS = (
    ("operator1", "operator", None),
    ("teacher1", "reporter", None),
    ("supervisor1", "supervisor", None),
    ("police-desk", "desk", "police-441823"),
    ("hospital-desk", "desk", "hospital-441823"),
    ("civil-desk", "desk", "civil-441823"),
    ("edu-desk", "desk", "edu-441823"),
    ("auditor1", "auditor", None),
    ("admin1", "admin", None),
)


def ensure_demo_users(accounts: AccountsApplication) -> list[tuple[str, str, str | None]]:
    for username, role, agency in DEMO_USERS:
        if accounts.find(username) is None:
            accounts.add_user(username, DEMO_PASSWORD, role, agency)
    return list(DEMO_USERS)


def print_demo_users(users: list[tuple[str, str, str | None]]) -> None:
    sys.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):\n")
    for username, role, agency in users:
        sys.stdout.write(f"  {username:<14} {role:<11} {agency or ''}\n")
    sys.stdout.flush()
