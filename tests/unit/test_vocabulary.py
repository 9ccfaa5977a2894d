"""Each enum is declared once: the tuples derive from it in its order, and every label table names
exactly its members (a member added without a label, or a label for no member, fails here)."""

from __future__ import annotations

from enum import StrEnum
from typing import get_args

from services.api.routes.oversight import Role as AuditedRole
from services.common.labels import (
    CASE_STATUS_TEXT,
    CATEGORY_TEXT,
    CHANNEL_TEXT,
    CONCERN_LABELS,
    CONCERN_TEXT,
    KIND_TEXT,
    LEVEL_TEXT,
    MEASURE_TEXT,
    RELATION_LABELS,
    SENTINEL_KIND_TEXT,
    STATUS_TEXT,
)
from services.common.vocabulary import (
    AGENCY_KINDS,
    COARSE_REPORT_STATUS,
    LEVEL_ORDER,
    OPEN_REFERRAL_STATUSES,
    RISK_LEVELS,
    RISK_RANK,
    ROLES,
    UNACKNOWLEDGED_STATUSES,
    AgencyKind,
    CaseStatus,
    Category,
    Channel,
    Concern,
    Measure,
    ReferralStatus,
    Relation,
    RiskLevel,
    Role,
    SentinelKind,
)


def values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def test_the_tuples_are_the_enums_in_their_order() -> None:
    assert list(RISK_LEVELS) == values(RiskLevel) == ["red", "orange", "yellow", "blue"]
    assert list(LEVEL_ORDER) == ["blue", "yellow", "orange", "red"]
    assert RISK_RANK == {"red": 0, "orange": 1, "yellow": 2, "blue": 3}
    assert list(AGENCY_KINDS) == values(AgencyKind) == ["police", "civil_affairs", "education", "hospital",
                                                        "procuratorate", "court", "justice"]
    assert list(ROLES) == values(Role)
    assert list(OPEN_REFERRAL_STATUSES) == ["dispatched", "escalated", "acknowledged"]
    assert list(UNACKNOWLEDGED_STATUSES) == ["dispatched", "escalated"]
    assert set(OPEN_REFERRAL_STATUSES) <= set(values(ReferralStatus))


def test_the_contract_order_of_concerns_is_the_enums() -> None:
    """docs/contract.md lists the concerns in the enum's order; the forms show the most dangerous first."""
    assert values(Concern)[:3] == ["wandering_begging", "domestic_violence", "physical_harm"]
    shown = [value for value, _ in CONCERN_LABELS]
    assert shown[:3] == ["domestic_violence", "physical_harm", "serious_injury"]


def test_every_label_table_names_exactly_its_enums_members() -> None:
    tables: list[tuple[type[StrEnum], list[str], set[str]]] = [
        (RiskLevel, list(LEVEL_TEXT), set()),
        (Concern, list(CONCERN_TEXT), set()),
        (Concern, [value for value, _ in CONCERN_LABELS], set()),
        (Channel, list(CHANNEL_TEXT), {"unknown"}),
        (Relation, [value for value, _ in RELATION_LABELS], set()),
        (SentinelKind, list(SENTINEL_KIND_TEXT), set()),
        (AgencyKind, list(KIND_TEXT), set()),
        (ReferralStatus, list(STATUS_TEXT), {"triaged"}),
        (CaseStatus, list(CASE_STATUS_TEXT), set()),
        (Category, list(CATEGORY_TEXT), set()),
        (Measure, list(MEASURE_TEXT), set()),
    ]
    for enum, keys, extra in tables:
        assert len(keys) == len(set(keys)), f"{enum.__name__}: a label twice"
        offered = set(values(enum)) - ({"self"} if enum is Relation else set())  # the API's only
        assert set(keys) == offered | extra, enum.__name__


def test_the_labels_are_keyed_by_plain_text_too() -> None:
    """Tables are keyed by members, looked up with the strings the database and events hold."""
    assert LEVEL_TEXT["red"] == "红色" and CONCERN_TEXT["neglect"] == "无人照料、被忽视"
    assert STATUS_TEXT["triaged"] == "已研判" and KIND_TEXT.get("police") == "公安"
    assert all(type(value) is str for value, _ in CONCERN_LABELS + RELATION_LABELS)
    assert set(COARSE_REPORT_STATUS) == {"received", *values(CaseStatus)}


def test_the_audit_filters_roles_are_the_accounts_roles_then_the_systems() -> None:
    """The OpenAPI enum of GET /v1/audit's role must be a Literal; it is checked against Role here."""
    assert get_args(AuditedRole) == (*ROLES, "system", "public")
