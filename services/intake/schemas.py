"""Request and response bodies of the intake API (contract §2, Reports)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from services.common.numbers import Folded, IdNumber, RegionCode, TypedCode
from services.common.schemas import Strict
from services.common.vocabulary import Channel, Concern, Gender, Relation

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")


def check_phone(value: str | None) -> str | None:
    """A telephone number as the forms take it (already folded): digits with +, - or spaces."""
    if value and not _PHONE.match(value):
        raise ValueError("phone must be digits (5-20), optionally with +, - or spaces")
    return value or None


class Reporter(BaseModel):
    model_config = Strict
    name: Annotated[str | None, Field(max_length=100)] = None
    phone: Annotated[str | None, Field(max_length=20), Folded] = None
    relation: Relation
    anonymous: bool = False

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return check_phone(value)

    @model_validator(mode="after")
    def _forget_anonymous(self) -> Reporter:
        # An anonymous reporter's name and phone are not kept, even if sent.
        if self.anonymous:
            self.name = None
            self.phone = None
        return self


class Child(BaseModel):
    model_config = Strict
    name: Annotated[str | None, Field(max_length=100)] = None
    gender: Gender = Gender.unknown
    age: Annotated[int | None, Field(ge=0, le=17, description="0-17 when known")] = None
    id_number: IdNumber = None


class Location(BaseModel):
    model_config = Strict
    region_code: RegionCode
    address: Annotated[str | None, Field(max_length=500)] = None


class ReportIn(BaseModel):
    """A report as a hotline operator or mandated reporter submits it."""

    model_config = Strict
    channel: Channel
    reporter: Reporter
    children: Annotated[list[Child], Field(min_length=1, max_length=20)]
    location: Location
    concerns: Annotated[list[Concern], Field(max_length=16)] = []
    narrative: Annotated[str, Field(min_length=1, max_length=5000)]
    immediate_danger: bool = False
    # A child died (§12): the case becomes a major incident and goes upward.
    child_died: bool = False
    occurred_at: datetime | None = None

    @field_validator("concerns")
    @classmethod
    def _unique(cls, value: list[Concern]) -> list[Concern]:
        return list(dict.fromkeys(value))

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("occurred_at needs a time zone offset, e.g. 2026-11-28T20:00:00+08:00")
        return value


class SupplementIn(BaseModel):
    """New information about a report already filed."""

    model_config = Strict
    narrative: Annotated[str, Field(min_length=1, max_length=5000)]
    concerns: Annotated[list[Concern], Field(max_length=16)] = []
    immediate_danger: bool = False
    child_died: bool = False

    @field_validator("concerns")
    @classmethod
    def _unique(cls, value: list[Concern]) -> list[Concern]:
        return list(dict.fromkeys(value))


class TransferIn(BaseModel):
    """The operator put the caller through to the police (110) or an ambulance (120)."""

    model_config = Strict
    to: Literal["110", "120"]


class RepeatCheckIn(BaseModel):
    """Children as far as the caller has described them: an id number, or name, age and county."""

    model_config = Strict
    children: Annotated[list[Child], Field(min_length=1, max_length=20)]
    region_code: RegionCode | None = None

    @field_validator("children")
    @classmethod
    def _matchable(cls, value: list[Child]) -> list[Child]:
        # What matching cannot use is not looked up (nor counted, nor audited as a child).
        for child in value:
            if not child.id_number and not (child.name and child.name.strip() and child.age is not None):
                raise ValueError("describe each child by id_number, or by name and age")
        return value


class ReceiptLookupIn(BaseModel):
    model_config = Strict
    receipt_no: TypedCode
    lookup_code: TypedCode






class ReportAccepted(BaseModel):
    report_id: str
    receipt_no: str
    lookup_code: str
    status: str = "received"
    received_at: datetime


class ReportStatus(BaseModel):
    report_id: str
    receipt_no: str
    status: str
    case_id: str | None
    received_at: datetime
    # Immediate danger: to whom the caller was put through, by whom, when (an extension).
    transfers: list[dict[str, str]] = []
    # The agency unit whose desk filed it as a notice (channel agency_notice, §12), else null.
    filing_unit: str | None = None


class Submission(BaseModel):
    """One of the caller's own recent reports, as the operator console lists them."""

    report_id: str
    receipt_no: str
    case_id: str
    received_at: datetime
    channel: str | None
    risk_level: str
    status: str


class KnownCase(BaseModel):
    """An open case the described child already appears in (the operator's repeat check): what
    the operator needs to ask the right questions, never which case or what it is about."""

    risk_level: str
    status: str
    last_report_at: datetime
    report_count: int
    joins: bool = Field(description="a report now would join this case (within the joining window)")


class ReceiptSupplementIn(SupplementIn):
    """A caller who rings back reads out receipt number and lookup code (contract §15)."""

    receipt_no: TypedCode
    lookup_code: TypedCode
