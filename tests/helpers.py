"""Builders shared by the tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher

from services.accounts.application import AccountsApplication
from services.audit.follower import AuditFollower
from services.bootstrap import AUDITED, ApiContainer, Overrides, Store, Wiring, bootstrap_api
from services.common.kafka.security import from_env
from services.common.messages import REPORT_RECEIVED, Message
from services.common.numbers import check_character
from services.common.settings import Settings
from services.runtime.demo import DEMO_LINES, DEMO_REGIONS, DEMO_USERS


def kafka_admin_security() -> dict[str, Any]:
    """The test broker's administrator (make test exports it as HOTLINE_TEST_KAFKA_*)."""
    return from_env("HOTLINE_TEST_KAFKA_")


# The tests' own accounts (the product's demo accounts get random passwords).
TEST_PASSWORD = "test-password-1"


def add_test_users(accounts: AccountsApplication) -> None:
    """The demo roles and units, with a password the tests know."""
    for username, role, unit in DEMO_USERS:
        if accounts.find(username) is None:
            accounts.add_user(username, TEST_PASSWORD, role, unit, channel=DEMO_LINES.get(username),
                              region=DEMO_REGIONS.get(username))


# Cheap argon2 parameters: the tests exercise the logic, not the cost.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def build(settings: Settings, *, store: Store | None = None, create_tables: bool | None = None,
          password_hasher: PasswordHasher | None = FAST_HASHER) -> ApiContainer:
    """The API process's container, as the tests need it (in memory, SQLite or PostgreSQL)."""
    wiring = Wiring.of(settings, store, create_tables=create_tables,
                       overrides=Overrides(password_hasher=password_hasher))
    return bootstrap_api(wiring)


def sequence(h: ApiContainer) -> int:
    """What the audit sequencer does within a second: queued entries and notes into the chain."""
    return AuditFollower(h.audit, {name: getattr(h, name) for name in AUDITED}).pump()


def on_call_everywhere(h: ApiContainer, url: str = "https://oncall.example.invalid/hook") -> None:
    """A roster for every unit (someone always on duty), as a configured deployment has."""
    for agency in h.directory.agencies:
        h.notify.set_roster(agency.agency_id, [{"name": "值班员", "webhook_url": url}],
                            "test-secret-0000000001", by="test")


def audit_entries(h: ApiContainer, case_id: str | None = None) -> list[dict[str, Any]]:
    """The trail as an auditor reads it once the sequencer has run."""
    sequence(h)
    return h.audit.entries(case_id)


def id_number(first17: str) -> str:
    """An 18-character id number with its right check character (GB 11643)."""
    return first17 + check_character(first17)


CHILD_ID = id_number("44182320150101123")
PII_VALUES = ("王小明", "13800000000", "李女士", "孩子被打流血", "某村三巷", CHILD_ID)


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline_12345",
        "reporter": {"name": "李女士", "phone": "13800000000", "relation": "neighbour",
                     "anonymous": False},
        "children": [{"name": "王小明", "gender": "male", "age": 9,
                      "id_number": CHILD_ID}],
        "location": {"region_code": "441823", "address": "某村三巷"},
        "concerns": ["domestic_violence", "serious_injury"],
        "narrative": "孩子被打流血",
        "immediate_danger": True,
        "occurred_at": "2026-11-28T20:00:00+08:00",
    }
    for key, value in overrides.items():
        body[key] = value
    return copy.deepcopy(body)


def report_message(report_id: str, *, concerns: list[str], immediate_danger: bool = False,
                   region_code: str = "441823", version: int = 1) -> Message:
    """A reports-topic message as the intake relay would publish it (personal data omitted)."""
    return Message(
        id=f"intake/{report_id}/{version}",
        source="/hotline/intake",
        type=REPORT_RECEIVED,
        time=datetime.now(UTC),
        key=report_id,
        data={
            "report_id": report_id,
            "receipt_no": "20261129-TEST",
            "channel": "hotline_12345",
            "received_at": datetime.now(UTC).isoformat(),
            "occurred_at": None,
            "region_code": region_code,
            "concerns": concerns,
            "immediate_danger": immediate_danger,
            "reporter": {"relation": "neighbour", "anonymous": False},
            "children": [{"gender": "male", "age": 9, "keys": []}],
            "pii": "",
        },
    )
