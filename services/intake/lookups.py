"""The operator console's lookups: this shift's calls (with the units nobody could tell), and the
repeat check's question and answer (contract §10: never which case, nor what it is about)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from services.common.numbers import RegionCode
from services.common.schemas import Strict
from services.intake.schemas import Child


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


class UntoldUnit(BaseModel):
    """A unit of a report's case that nobody was, or can now be, told of: whom to ring."""

    agency_id: str
    name: str
    phone: str = ""


class Submission(BaseModel):
    """One of the caller's own recent reports, as the operator console lists them."""

    report_id: str
    receipt_no: str
    case_id: str
    received_at: datetime
    channel: str | None
    risk_level: str
    status: str
    # The concerns it was filed with: which call is which on the console's shift list (an extension).
    concerns: list[str] = []
    # In danger (a red case) and no transfer to 110 or 120 recorded: flagged until one is (an extension).
    transfer_owed: bool = False
    # A unit yet to take the case on: "waiting", "partly" (another has), or "overdue" past its time,
    # and whether one of those units nobody was or can now be told of (extensions).
    waiting: str = ""
    untold: bool = False
    # Those units, by name with the duty line to ring (an extension): said on the receipt while
    # the caller is still on the line (stop 64's operator: only the case page, in another window).
    untold_units: list[UntoldUnit] = []


class KnownCase(BaseModel):
    """An open case the described child already appears in (the operator's repeat check): what
    the operator needs to ask the right questions, never which case or what it is about."""

    risk_level: str
    status: str
    last_report_at: datetime
    report_count: int
    joins: bool = Field(description="a report now would join this case (within the joining window)")
