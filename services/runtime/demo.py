"""Demo accounts: made only for a fresh var/ outside production, each with a random password
printed once and written to var/demo-users.txt (0600), one account a line:
username<TAB>password<TAB>role<TAB>unit (an agency, or a supervisor's or auditor's region)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from argon2 import PasswordHasher

from services.accounts.application import AccountsApplication
from services.accounts.passwords import generate_password

DEMO_USERS = (
    ("operator1", "operator", None),
    ("teacher1", "reporter", None),
    ("supervisor1", "supervisor", None),
    ("police-desk", "desk", "police-441823"),
    ("hospital-desk", "desk", "hospital-441823"),
    ("civil-desk", "desk", "civil-441823"),
    ("edu-desk", "desk", "edu-441823"),
    # The township's own police station and child director: reports placed in 三江镇 (its
    # villages too) go to them, not to the county's units (the longest prefix wins).
    ("police-sanjiang", "desk", "police-441823100"),
    ("civil-sanjiang", "desk", "civil-441823100"),
    ("procuratorate-desk", "desk", "procuratorate-441823"),
    ("court-desk", "desk", "court-441823"),
    ("justice-desk", "desk", "justice-441823"),
    # The second county's units (清城区, 441802): its places route to them, never to 441823's.
    ("police-qingcheng", "desk", "police-441802"),
    ("civil-qingcheng", "desk", "civil-441802"),
    ("edu-qingcheng", "desk", "edu-441802"),
    ("hospital-qingcheng", "desk", "hospital-441802"),
    ("procuratorate-qingcheng", "desk", "procuratorate-441802"),
    ("auditor1", "auditor", None),
    # Nested jurisdictions (contract §12): a county's and the city's supervisors, a county's
    # auditor; supervisor1 and auditor1 above see the whole province's (no region).
    ("supervisor-qingcheng", "supervisor", None),
    ("supervisor-qingyuan", "supervisor", None),
    ("auditor-qingcheng", "auditor", None),
    ("admin1", "admin", None),
    # 三员分立: the security officer approves the admin's privileged account changes.
    ("security1", "security", None),
)
Account = tuple[str, str, str, str]  # username, password, role, unit
# The line each demo operator answers (the console's preset channel).
DEMO_LINES = {"operator1": "hotline_12345"}
# The region each region-bound demo account oversees (its line's unit column shows it).
DEMO_REGIONS = {"supervisor-qingcheng": "441802", "supervisor-qingyuan": "4418",
                "auditor-qingcheng": "441802"}


# The demo accounts' passwords are generated (about 87 bits: no hash cost adds to that) and kept
# in clear in var/demo-users.txt: the full Argon2 cost protected nothing and held every fresh
# `make run` (and each browser test's server) 2 s. Accounts people make keep the full cost.
DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def demo_file(var_dir: Path) -> Path:
    return Path(var_dir) / "demo-users.txt"


def create_demo_users(accounts: AccountsApplication, var_dir: Path) -> list[Account]:
    """The demo accounts, if the accounts store is empty (a fresh var/); else nothing."""
    if accounts.recorder.max_notification_id() is not None:
        return []
    made = []
    for username, role, unit in DEMO_USERS:
        password = generate_password()
        region = DEMO_REGIONS.get(username)
        accounts.add_user(username, password, role, unit, channel=DEMO_LINES.get(username), region=region,
                          hasher=DEMO_HASHER)
        made.append((username, password, role, unit or region or ""))
    path = demo_file(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines("\t".join(account) + "\n" for account in made)
    os.chmod(path, 0o600)
    return made


def read_demo_users(var_dir: Path) -> dict[str, str]:
    """username → password, from var/demo-users.txt."""
    path = demo_file(var_dir)
    if not path.exists():
        return {}
    return {line.split("\t")[0]: line.split("\t")[1]
            for line in path.read_text().splitlines() if line.count("\t") >= 3}


def print_demo_users(made: list[Account], var_dir: Path) -> None:
    if made:
        sys.stdout.write("Demo accounts (passwords shown once; also in "
                         f"{demo_file(var_dir)}, mode 0600):\n")
        for username, password, role, unit in made:
            sys.stdout.write(f"  {username:<14} {password:<18} {role:<11} {unit}\n")
    elif demo_file(var_dir).exists():
        sys.stdout.write(f"Demo accounts and their passwords: {demo_file(var_dir)}\n")
    sys.stdout.flush()
