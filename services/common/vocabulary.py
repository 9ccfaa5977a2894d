"""The product's one vocabulary: risk levels, concerns, channels, statuses, kinds, roles (their
Chinese labels are in `labels`)."""

from __future__ import annotations

from datetime import timedelta, timezone
from enum import StrEnum


class RiskLevel(StrEnum):
    """Most urgent first; `rank` orders a list urgent-first, `LEVEL_ORDER` compares levels."""

    red = "red"
    orange = "orange"
    yellow = "yellow"
    blue = "blue"


RISK_LEVELS: tuple[str, ...] = tuple(RiskLevel)
LEVEL_ORDER: tuple[str, ...] = tuple(reversed(RISK_LEVELS))  # lowest to highest
RISK_RANK = {level: i for i, level in enumerate(RISK_LEVELS)}
# China's time (UTC+8, no daylight saving): days, months and times shown to people.
BEIJING = timezone(timedelta(hours=8))


def higher(a: str, b: str) -> str:
    return max(a, b, key=LEVEL_ORDER.index)


def level_now(referral_level: str, case_level: str | None) -> str:
    """A referral's level as its unit should act on it: its case's when that is higher."""
    return higher(referral_level, case_level) if case_level in RISK_RANK else referral_level


def one_level_up(level: str) -> str:
    return LEVEL_ORDER[min(LEVEL_ORDER.index(level) + 1, len(LEVEL_ORDER) - 1)]


class Concern(StrEnum):
    wandering_begging = "wandering_begging"
    domestic_violence = "domestic_violence"
    physical_harm = "physical_harm"
    trafficking_abduction = "trafficking_abduction"
    coercion_exploitation = "coercion_exploitation"
    sexual_abuse = "sexual_abuse"
    serious_injury = "serious_injury"
    guardianship_missing = "guardianship_missing"
    guardian_unable = "guardian_unable"
    school_dropout = "school_dropout"
    special_hardship = "special_hardship"
    parents_detained_or_rehab = "parents_detained_or_rehab"
    school_bullying = "school_bullying"
    early_marriage = "early_marriage"
    online_harm = "online_harm"
    neglect = "neglect"


class Channel(StrEnum):
    hotline_12345 = "hotline_12345"
    hotline_12349 = "hotline_12349"
    hotline_12355 = "hotline_12355"
    sentinel = "sentinel"
    web_form = "web_form"
    agency_notice = "agency_notice"


HOTLINE_CHANNELS = frozenset({Channel.hotline_12345, Channel.hotline_12349, Channel.hotline_12355})


class Relation(StrEnum):
    teacher = "teacher"
    doctor = "doctor"
    community_worker = "community_worker"
    sentinel_first_reporter = "sentinel_first_reporter"
    relative = "relative"
    neighbour = "neighbour"
    self_ = "self"
    public = "public"
    other = "other"


class Gender(StrEnum):
    male = "male"
    female = "female"
    unknown = "unknown"


class SentinelKind(StrEnum):
    school = "school"
    family = "family"
    community = "community"
    social_org = "social_org"
    legal_unit = "legal_unit"


class AgencyKind(StrEnum):
    police = "police"
    civil_affairs = "civil_affairs"
    education = "education"
    hospital = "hospital"
    procuratorate = "procuratorate"
    court = "court"
    justice = "justice"


AGENCY_KINDS: tuple[str, ...] = tuple(AgencyKind)


class ReferralStatus(StrEnum):
    dispatched = "dispatched"
    escalated = "escalated"
    acknowledged = "acknowledged"
    declined = "declined"
    closed = "closed"


UNACKNOWLEDGED_STATUSES: tuple[str, ...] = (ReferralStatus.dispatched, ReferralStatus.escalated)
OPEN_REFERRAL_STATUSES: tuple[str, ...] = (*UNACKNOWLEDGED_STATUSES, ReferralStatus.acknowledged)


class CaseStatus(StrEnum):
    triaged = "triaged"
    dispatched = "dispatched"
    closed = "closed"


# A report's coarse status for receipt lookups: what an (anonymous) reporter may learn.
COARSE_REPORT_STATUS: dict[str, str] = {"received": "received", CaseStatus.triaged: "in_progress",
                                         CaseStatus.dispatched: "in_progress", CaseStatus.closed: "handled"}


def coarse_status(status: str, visits_go_on: bool = False) -> str:
    """The reporter's status: "handled" only once no home visit is still due (stop 59's teacher
    read 相关部门已处理完毕 the day the police closed, with the first visit days away)."""
    coarse = COARSE_REPORT_STATUS[status]
    return "in_progress" if coarse == "handled" and visits_go_on else coarse


class Category(StrEnum):
    """A child's hardship category in the civil-affairs ledger (台账), set at reassessment."""

    orphan = "orphan"
    guardianship_missing = "guardianship_missing"
    guardian_unable = "guardian_unable"
    severe_disability_or_illness = "severe_disability_or_illness"
    wandering = "wandering"
    other_hardship = "other_hardship"
    left_behind = "left_behind"
    de_facto_unsupported = "de_facto_unsupported"


class Measure(StrEnum):
    """What a follow-up visit arranged (处置帮扶措施)."""

    psychological_support = "psychological_support"
    living_assistance = "living_assistance"
    legal_aid = "legal_aid"
    school_placement = "school_placement"
    medical_care = "medical_care"
    guardianship_guidance = "guardianship_guidance"
    entrusted_guardianship = "entrusted_guardianship"
    guardianship_transfer = "guardianship_transfer"
    other = "other"


class Role(StrEnum):
    operator = "operator"
    reporter = "reporter"
    supervisor = "supervisor"
    desk = "desk"
    auditor = "auditor"
    admin = "admin"
    security = "security"


ROLES: tuple[str, ...] = tuple(Role)
