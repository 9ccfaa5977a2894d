"""A referral as its desk reads it (contract §2, §5): what its unit may read of the case's
reports (least privilege across intake, triage and dispatch); the API and the desk's page both
answer with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import uuid4

from pydantic import AfterValidator, BaseModel, Field

from services.bootstrap import ApiContainer
from services.common.auditnote import Actor, AuditLog, Principal
from services.common.errors import FieldError
from services.common.schemas import Strict
from services.dispatch.domain import PROGRESS_NOTE_MAX, Referral
from services.oversight.jurisdiction import check_case
from services.oversight.scope import desk_scope
from services.oversight.unnamed import check_unnamed


def said(text: str) -> str:
    """Words, not only punctuation (the police desk's review, stop 55: "。" was taken as progress)."""
    if not any(ch.isalnum() for ch in text):
        raise ValueError("write what was done or why, in words")
    return text


class DeclineIn(BaseModel):
    model_config = Strict
    reason: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(said)]


class OutcomeIn(BaseModel):
    model_config = Strict
    outcome: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(said)]
    note: Annotated[str, Field(max_length=5000)] = ""


class ProgressIn(BaseModel):
    model_config = Strict
    # what the unit did so far
    note: Annotated[str, Field(min_length=1, max_length=PROGRESS_NOTE_MAX), AfterValidator(said)]
    # The same id again records nothing more (a form sent twice); a new one when left out.
    progress_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


def progress_out(line: Any) -> dict[str, Any]:
    return {"progress_id": line["progress_id"], "note": line["note"], "by": line["by"],
            "at": line["at"].isoformat()}


def referral_body(referral: Referral, detail: bool = False) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    body: dict[str, Any] = {
        "referral_id": str(referral.id), "case_id": referral.case_id,
        "agency_id": referral.agency_id, "agency_kind": referral.agency_kind,
        "status": referral.status, "risk_level": referral.risk_level,
        "concerns": referral.concerns, "dispatched_at": iso(referral.dispatched_at),
        "due_at": iso(referral.due_at), "acknowledged_at": iso(referral.acknowledged_at),
        "escalated_at": iso(referral.escalated_at),
    }
    if detail:
        body.update(decline_reason=referral.decline_reason, withdrawn=referral.withdrawn,
                    outcome=referral.outcome,
                    note=referral.note, routing_reason=getattr(referral, "routing_reason", "") or None,
                    progress=[progress_out(x) for x in referral.progress])
    return body


def reports_for(container: ApiContainer, case_id: str, recipient: str) -> list[dict[str, Any]]:
    case = container.triage.get_case(case_id)
    out = []
    for report_id in case.report_ids:
        report = container.intake.get_report(report_id)
        out.append(container.disclosure.view(report, container.intake.personal_data(report), recipient))
    return out


def recipient_of(referral: Referral, principal: Principal) -> str:
    """Whose disclosure rule applies (contract §5): a desk's unit kind while it works the case."""
    if principal.role == "supervisor":
        return "supervisor"
    return referral.agency_kind if referral.shares_personal_data(datetime.now(UTC)) else "ended"


def read_referral(container: ApiContainer, referral_id: str, principal: Principal,
                  audit: AuditLog) -> dict[str, Any]:
    """The referral in the caller's scope, its case in a supervisor's region (else NotFound), with
    what the caller may read of its case's reports; the read is audited. The API and the desk's
    page both answer with it."""
    referral = container.dispatch.get_referral(referral_id, unit=desk_scope(principal))
    check_case(container, principal, referral.case_id, "referral")
    audit(principal, "referral.read", "referral", referral_id, referral.case_id)
    body = referral_body(referral, detail=True)
    body["reports"] = reports_for(container, referral.case_id, recipient_of(referral, principal))
    return body


def case_reports(container: ApiContainer, principal: Principal, audit: AuditLog,
                 case_id: str) -> list[dict[str, Any]]:
    """A case's reports as a supervisor reads them (§5's `supervisor` rule), the case in the
    caller's region (else NotFound); the reading audited, like a referral's."""
    container.triage.get_case(case_id)  # NotFound for a case that does not exist
    check_case(container, principal, case_id, "case")
    audit(principal, "case.reports", "case", case_id, case_id)
    return reports_for(container, case_id, "supervisor")


LABELS = {"reason": "退回原因", "outcome": "处置结果", "note": "说明", "progress": "办理进展"}


def check_desk_texts(c: ApiContainer, referral_id: str, unit: str, **texts: str) -> None:
    """A decline's reason or an outcome and its note name no child or reporter of the case (they
    stay on inboxes and the board); the referral must be the unit's (else not found)."""
    case_id = c.dispatch.get_referral(referral_id, unit=unit).case_id
    check_unnamed(c, case_id, {field: (LABELS[field], text) for field, text in texts.items()})


def desk_step_errors(c: ApiContainer, referral_id: str, unit: str, action: str,
                     texts: dict[str, str]) -> dict[str, str]:
    """Before a desk's confirming step: Conflict when 退回 or 办结 cannot be done now (not of a
    referral already ended in another tab: the police desk's review, stop 54), else each field
    that names a child or reporter with what it says, all at once (the same review: 说明 was
    refused only after 处置结果 was mended)."""
    c.dispatch.get_referral(referral_id, unit=unit).check_can(action)
    errors = {}
    for name, text in texts.items():
        try:
            check_desk_texts(c, referral_id, unit, **{name: text})
        except FieldError as exc:
            errors[exc.field] = exc.message
    return errors


def record_progress(c: ApiContainer, who: Principal, referral_id: str, body: ProgressIn,
                    actor: Actor) -> dict[str, Any]:
    """The desk's progress on its unit's referral (办理进展), naming no child or reporter (it shows
    on the board); another unit's, or none: not found. Not taken on yet, or ended: 409."""
    unit = who.agency_id or ""
    check_unnamed(c, c.dispatch.get_referral(referral_id, unit=unit).case_id,
                  {"note": (LABELS["progress"], body.note)})
    done = c.dispatch.record_progress(referral_id, progress_id=body.progress_id or str(uuid4()),
                                      note=body.note, by=who.subject, unit=unit, actor=actor)
    return {"referral_id": str(done.id), "progress": [progress_out(x) for x in done.progress]}
