"""Checks of single settings: bounded numbers, the TOTP roles, the supervisors' webhook."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlparse

from services.common.outbound import AddressGuard, AddressRefused
from services.common.suites import suite
from services.common.vocabulary import ROLES


def package_version() -> str:
    try:
        return version("hotline")
    except PackageNotFoundError:  # run from a tree that was never installed
        return "unknown"


# Numbers a setting must keep within: type, lowest, highest and what they count (said in errors).
BOUNDS: dict[str, tuple[type[float] | type[int], float, float, str]] = {
    "webhook_timeout_seconds": (float, 0.1, 60, "seconds"),
    "webhook_concurrency": (int, 1, 256, "attempts at once"),
    "repeat_checks_per_hour": (int, 1, 100000, "children an hour"),
    "caller_history_days": (int, 1, 3650, "days"),
    "callback_days": (int, 1, 30, "days"),
    "pipeline_gather_ms": (int, 0, 1000, "milliseconds"),
}


def bounded(value: Any, name: str, kind: type[float] | type[int], low: float, high: float,
             unit: str) -> float:
    """A number within bounds, or a ValueError naming the variable (the process stops at start)."""
    try:
        number = kind(str(value).strip())
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a number of {unit}") from None
    if not low <= number <= high:
        raise ValueError(f"{name}: {number} is outside {low:g} to {high:g} {unit}")
    return number


def check_suite(name: str) -> str:
    """HOTLINE_CRYPTO_SUITE: a suite's name (aes, sm); an unknown one stops the process at start."""
    return suite(name.strip()).name


# Who can read or change every case, account or audit entry: a password alone is not enough.
TOTP_DEFAULT_ROLES = ("admin", "security", "auditor", "supervisor")


def parse_totp_roles(value: str | None, environment: str) -> frozenset[str]:
    """HOTLINE_TOTP_ROLES ('admin,auditor', '' for none); a ValueError names an unknown role."""
    if value is None:  # the default's security role comes with the account requests (§10)
        return frozenset(r for r in TOTP_DEFAULT_ROLES if r in ROLES) if environment == "production" \
            else frozenset()
    roles = frozenset(r.strip() for r in value.split(",") if r.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise ValueError(f"HOTLINE_TOTP_ROLES: unknown role {', '.join(unknown)}; the roles are "
                         + ", ".join(ROLES))
    return roles


def check_supervisor_webhook(url: str, secret: str, guard: AddressGuard,
                             name: str = "HOTLINE_SUPERVISOR_WEBHOOK") -> None:
    """The supervisors' (or the upward, `name`) webhook needs a signing secret, an http(s) URL
    and an allowed address."""
    if url and len(secret) < 16:
        raise ValueError(f"{name} needs {name}_SECRET (16 characters or more) to sign what it is sent")
    if url:
        if urlparse(url).scheme not in ("http", "https"):
            raise ValueError(f"{name} must be an http(s) URL")
        try:
            guard.check(url)
        except AddressRefused as exc:
            raise ValueError(f"{name} is refused: {exc}") from None
