"""The intake application: takes reports and keeps them as immutable events."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from services.common import store
from services.common.auditnote import Actor, Principal
from services.common.auditnote import note as audit_note
from services.common.crypto import Hasher
from services.common.errors import FieldError, parse_id
from services.common.keystore import KeyStore
from services.common.outbox import NotifiesCommits
from services.common.vocabulary import BEIJING, HOTLINE_CHANNELS, Channel, Role
from services.intake.by_receipt import ReceiptCommands
from services.intake.callers import CallerNotes
from services.intake.domain import (
    ReceiptIndex,
    Report,
    receipt_index_id,
    receipt_no_for,
    report_id_for,
)
from services.intake.errors import IdempotencyConflict, ReportNotFound
from services.intake.schemas import ReportIn
from services.intake.supplements import SupplementCommands


def check_channel(channel: str, *, role: str, sentinel_id: str | None,
                  agency_id: str | None = None) -> None:
    """Who may file on which channel (contract §2, §12): hotline staff on the hotline numbers,
    mandated reporters on the web form, or as their sentinel point when bound to one, an agency
    unit's desk on agency_notice only."""
    problem = None
    if role == Role.desk:
        if channel != Channel.agency_notice:
            problem = "an agency unit's desk files on agency_notice"
        elif not agency_id:
            problem = "agency_notice needs an account bound to an agency unit"
    elif channel == Channel.agency_notice:
        problem = "agency_notice is filed by an agency unit's desk"
    elif role == Role.operator and channel not in HOTLINE_CHANNELS:
        problem = "hotline operators file on hotline_12345, hotline_12349 or hotline_12355"
    elif role == Role.reporter and channel in HOTLINE_CHANNELS:
        problem = "mandated reporters file on web_form (or sentinel, if bound to a sentinel point)"
    elif channel == Channel.sentinel and not sentinel_id:
        problem = "the sentinel channel needs an account bound to a sentinel point; use web_form"
    if problem:
        raise FieldError("channel", problem)

@dataclass(frozen=True)
class Receipt:
    report_id: UUID
    receipt_no: str
    lookup_code: str
    received_at: datetime


class IntakeApplication(CallerNotes, NotifiesCommits, ReceiptCommands, SupplementCommands,
                        Application[UUID]):
    """Records each report once; retries with the same key return the same receipt."""

    name = "intake"

    def __init__(self, env=None, *, hasher: Hasher, keys: KeyStore):  # type: ignore[no-untyped-def]
        super().__init__(env)
        self.hasher = hasher
        self.keys = keys
        self._filed = functools.lru_cache(maxsize=50_000)(self._filed_as)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def submit_report(
        self,
        report: ReportIn,
        *,
        submitted_by: str,
        idempotency_key: str,
        role: str,
        sentinel_id: str | None = None,
        agency_id: str | None = None,
        actor: Actor | None = None,
    ) -> Receipt:
        """Store the report durably and return its receipt; a retry returns the same one."""
        check_channel(report.channel, role=role, sentinel_id=sentinel_id, agency_id=agency_id)
        report_id = report_id_for(submitted_by, idempotency_key)
        body = report.model_dump(mode="json")
        # Without a death a report hashes as before child_died (and without confidentiality as
        # before `confidential`): a retry across the upgrade is one report.
        hashed = {k: v for k, v in body.items() if k != "child_died" or v}
        if not hashed["reporter"].get("confidential"):
            hashed["reporter"] = {k: v for k, v in hashed["reporter"].items() if k != "confidential"}
        canonical = json.dumps(hashed, sort_keys=True, ensure_ascii=False).encode()
        request = hashlib.sha256(canonical).hexdigest()
        request_hash = self.hasher.digest("request", request)
        sentinel_id = sentinel_id if body["channel"] == "sentinel" else None
        # Optimistic: a first attempt is the common case, so it is saved without a read first;
        # a retry meets the stored report on its id (IntegrityError) and answers as it did.
        received_at = self.clock()
        # The key is durable before the report is: a report is never stored unreadable.
        key = self.keys.key_for(str(report_id), create=True)
        assert key is not None
        region_code = body["location"]["region_code"]
        aggregate = Report(
            id=report_id,
            # The date a person reads on the receipt is the Beijing one (contract §15).
            receipt_no=receipt_no_for(report_id, received_at.astimezone(BEIJING)),
            received_at=received_at,
            submitted_by=submitted_by,
            request_hash=request_hash,
            channel=body["channel"],
            reporter={k: body["reporter"][k] for k in ("relation", "anonymous")}
            | ({"confidential": True} if body["reporter"]["confidential"] else {}),
            children=[{"gender": c["gender"], "age": c["age"]} for c in body["children"]],
            region_code=region_code,
            concerns=body["concerns"],
            immediate_danger=body["immediate_danger"],
            occurred_at=body["occurred_at"],
            pii=key.seal({
                "reporter": {k: body["reporter"][k] for k in ("name", "phone")},
                "children": [{k: c[k] for k in ("name", "id_number")}
                             for c in body["children"]],
                "address": body["location"]["address"],
                "narrative": body["narrative"],
            }),
            sentinel_id=sentinel_id,
            submitter_ref=self.submitter_ref(submitted_by),
            filing_unit=agency_id if body["channel"] == "agency_notice" else None,
            child_died=body["child_died"],
        )
        index = ReceiptIndex(id=receipt_index_id(aggregate.receipt_no), report_id=report_id)
        caller_rows = self.caller_statements(aggregate, body["reporter"]) if self.callers_in_save else []
        try:
            # One transaction; save() returns only after the commit: the report is durable.
            self.save(aggregate, index, *audit_note(actor, "report.submit", "report", str(report_id)),
                      **({"caller_rows": caller_rows} if caller_rows else {}))
            existing = aggregate
        except IntegrityError:
            # A retry, or a concurrent one that won the race: answer as the first did.
            existing = self.repository.get(report_id)
            if existing.erased_at is not None:
                self.keys.destroy(str(report_id))  # the key just made for it unlocks nothing
        if not self.hasher.matches(existing.request_hash, "request", request):  # either suite's
            raise IdempotencyConflict(str(report_id))
        if existing is not aggregate or not self.callers_in_save:
            self.note_caller(existing, body["reporter"])  # after the report is durable; a retry notes it
        return self._receipt(existing)

    def _filed_as(self, report_id: str) -> tuple[str, tuple[str, ...]]:
        report = self.get_report(report_id)
        return report.receipt_no, tuple(report.concerns)

    def receipt_no_of(self, report_id: str) -> str:
        """A report's receipt number (it never changes: kept once read, for the console's list
        of recent calls, which asks for the same ones every few seconds)."""
        return self._filed(report_id)[0]

    def transfer_owed(self, report_id: str) -> bool:
        """In danger and no transfer recorded yet (read afresh: transfers follow)."""
        return self.get_report(report_id).transfer_owed

    def concerns_filed(self, report_id: str) -> list[str]:
        """The concerns a report was filed with (never changed; supplements add their own)."""
        return list(self._filed(report_id)[1])

    def submitter_ref(self, username: str) -> str:
        """The keyed pseudonym of an account that travels with its reports."""
        return self.hasher.short("submitter", username, 32)

    def submitter_refs(self, username: str) -> list[str]:
        """The account's pseudonym in every suite's family: its reports from before a switch too."""
        return [h.short("submitter", username, 32) for h in self.hasher.families()]

    def personal_data(self, report: Report) -> dict[str, Any] | None:
        """The report's personal data with its supplements' narratives; None once erased."""
        data = self.keys.open(str(report.id), report.pii)
        if data is None:
            return None
        data["supplements"] = [
            (self.keys.open(str(report.id), sealed) or {}).get("narrative")
            for sealed in report.supplement_pii
        ]
        return data  # type: ignore[no-any-return]

    def erase(self, report_id: UUID | str, *, reason: str, by: str,
              actor: Actor | None = None) -> Report:
        """Crypto-shred the report's personal data; the non-personal facts stay."""
        if not reason.strip():
            raise FieldError("reason", "say why the personal data is erased")
        report = self.get_report(report_id)
        if report.erased_at is None:
            report.erase(reason=reason.strip(), by=by, at=datetime.now(UTC))
            # The erasure (and its audit entry) is recorded before the key goes.
            self.save(report, *audit_note(actor, "report.erase", "report", str(report.id)))
        self.keys.destroy(str(report.id))
        self.forget_caller(str(report.id))  # the caller history no longer finds it
        return report

    def audit_identity(self, principal: Principal, report: ReportIn) -> Principal:
        """Who the audit trail names as the submitter: a reporter who chose to stay anonymous
        appears under a stable pseudonym, so auditors cannot link the report to the account."""
        if principal.role != Role.reporter or not report.reporter.anonymous:
            return principal
        return Principal(f"anon-{self.hasher.short('audit-pseudonym', principal.subject, 16)}",
                         principal.role)

    def report_for(self, report_id: UUID | str, principal: Principal) -> Report:
        """The report if the caller may see it: a reporter only their own (else not found)."""
        report = self.get_report(report_id)
        if principal.role == Role.reporter and report.submitted_by != principal.subject:
            raise ReportNotFound(str(report_id))
        return report

    def get_report(self, report_id: UUID | str) -> Report:
        report_id = parse_id(report_id, "report")
        report = store.find(self.repository, report_id, Report)
        if report is None:
            raise ReportNotFound(str(report_id))
        return report

    def _receipt(self, report: Report) -> Receipt:
        return Receipt(
            report_id=report.id,
            receipt_no=report.receipt_no,
            lookup_code=self.hasher.lookup_code(report.receipt_no),
            received_at=report.received_at,
        )
