"""A report's shapes at intake's edges: the bodies the API takes and answers (contract §2, Reports)
and the messages intake publishes on hotline.reports.v1 (personal data sealed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.common.hanzi import bare, named_in
from services.common.messages import REPORT_ERASED, REPORT_RECEIVED, REPORT_SUPPLEMENTED, Message, envelope
from services.common.numbers import Folded, IdNumber, RegionCode, TypedCode, check_no_id_number, check_phone
from services.common.schemas import Strict
from services.common.store import event_topics
from services.common.vocabulary import Channel, Concern, Gender, Relation
from services.intake.domain import Report

CLOCK_SKEW = timedelta(minutes=5)  # a caller's watch or the operator's PC a little ahead
REPORTER_NAMED = "reporter_named"  # a 422's type: the narrative names its own reporter


def reporter_named(narrative: str, reporter: dict[str, Any], channel: str) -> str:
    """What to say when a narrative holds its own reporter's name (or given name) or phone, else "".
    A narrative reaches every unit on the case, the reporter's name and phone only the police and
    the supervisors (disclosure), so it names no reporter (stop 64's civil desk read "盘志华再次来电"
    in a ring-back whose caller had asked not to be known to the family). Nothing to hold for an
    anonymous reporter, a child calling for itself, or a unit's notice (every unit sees its officer)."""
    if reporter.get("anonymous") or reporter.get("relation") == "self" or channel == "agency_notice":
        return ""
    name = str(reporter.get("name") or "").strip()
    named = named_in(narrative, [name]) if name else ""
    phone = "".join(c for c in bare(str(reporter.get("phone") or "")) if c.isdigit())
    if not named and len(phone) >= 7 and phone in bare(narrative).replace("-", ""):  # in groups too
        named = "电话"
    return (f"情况描述不能含报告人本人的{named}（情况描述会转给医院、民政、教育等单位，报告人的身份只告知"
            "公安机关和督办人员）：请改写，如“报告人”“来电人”。") if named else ""


class Reporter(BaseModel):
    model_config = Strict
    name: Annotated[str | None, Field(max_length=100)] = None
    phone: Annotated[str | None, Field(max_length=20), Folded] = None
    relation: Relation
    anonymous: bool = False
    # The caller asks that the child's family not learn who reported (an extension): every unit on
    # the case is told so; not personal data (stop 59's operator had only full anonymity).
    confidential: bool = False

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

    @field_validator("address")
    @classmethod
    def _no_id_number(cls, value: str | None) -> str | None:
        return check_no_id_number(value)


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

    @field_validator("narrative")
    @classmethod
    def _reporter_unnamed(cls, value: str, info: ValidationInfo) -> str:
        reporter, channel = info.data.get("reporter"), info.data.get("channel")
        if reporter is not None and (said := reporter_named(value, reporter.model_dump(), str(channel))):
            raise PydanticCustomError(REPORTER_NAMED, said)
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("occurred_at needs a time zone offset, e.g. 2026-11-28T20:00:00+08:00")
        if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
            raise PydanticCustomError("occurred_in_future", "occurred_at is in the future")
        return value


class SupplementIn(BaseModel):
    """New information about a report already filed."""

    model_config = Strict
    narrative: Annotated[str, Field(min_length=1, max_length=5000)]
    concerns: Annotated[list[Concern], Field(max_length=16)] = []
    immediate_danger: bool = False
    child_died: bool = False
    # The caller complains or presses for action (投诉、催办): the case goes up for review (an extension).
    complaint: bool = False

    @field_validator("concerns")
    @classmethod
    def _unique(cls, value: list[Concern]) -> list[Concern]:
        return list(dict.fromkeys(value))


class TransferIn(BaseModel):
    """The operator put the caller through to the police (110) or an ambulance (120)."""

    model_config = Strict
    to: Literal["110", "120"]


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


class ReceiptSupplementIn(SupplementIn):
    """A caller who rings back reads out receipt number and lookup code (contract §15)."""

    receipt_no: TypedCode
    lookup_code: TypedCode


APP = "intake"
# What the relay reads of intake's log: the report's events (receipts, callbacks stay inside).
TOPICS = event_topics(Report)


class IntakeTranslator:
    """Turns Report events into messages. Personal data travels only as the report's sealed
    `pii` blob (its own data key), so erasing the report shreds its Kafka history too."""

    def __call__(self, domain_event: Any) -> Message | None:
        if isinstance(domain_event, Report.Received):
            return envelope(APP, domain_event, REPORT_RECEIVED, self._received(domain_event))
        if isinstance(domain_event, Report.Supplemented):  # type: ignore[attr-defined]
            return envelope(APP, domain_event, REPORT_SUPPLEMENTED, self._supplemented(domain_event))
        if isinstance(domain_event, Report.Erased):  # type: ignore[attr-defined]
            # Who erased it and why stay in the store: the message says only that it happened.
            return envelope(APP, domain_event, REPORT_ERASED, {
                "report_id": str(domain_event.originator_id), "at": domain_event.at.isoformat()})
        return None

    def _supplemented(self, e: Any) -> dict[str, Any]:
        return {
            "report_id": str(e.originator_id),
            "supplement_id": e.supplement_id,
            "concerns": e.concerns,
            "immediate_danger": e.immediate_danger,
            "child_died": e.child_died,
            "complaint": e.complaint,
            "at": e.at.isoformat(),
            "pii": e.pii,
        }

    def _received(self, e: Report.Received) -> dict[str, Any]:
        return {
            "report_id": str(e.originator_id),
            "receipt_no": e.receipt_no,
            "channel": e.channel,
            "sentinel_id": e.sentinel_id,
            "received_at": e.received_at.isoformat(),
            "occurred_at": e.occurred_at,
            "region_code": e.region_code,
            "concerns": e.concerns,
            "immediate_danger": e.immediate_danger,
            "child_died": e.child_died,
            "reporter": e.reporter,
            # Matching keys of reports stored before v1.1 stay in the store, off the wire.
            "children": [{k: v for k, v in c.items() if k != "keys"} for c in e.children],
            "pii": e.pii,
            "submitter_ref": e.submitter_ref,
            "filing_unit": e.filing_unit,  # the agency unit of an agency notice (§12), else null
        }
