"""The Report aggregate: one report about one or more children, as received; its receipt number,
and receipt numbers and lookup codes as an operator or a caller types them."""

from __future__ import annotations

import base64
import itertools
import re
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.numbers import ASCII_DIGITS, fold

REPORT_NS = uuid5(NAMESPACE_URL, "urn:hotline:report")
RECEIPT_NS = uuid5(NAMESPACE_URL, "urn:hotline:receipt")
SUPPLEMENT_NS = uuid5(NAMESPACE_URL, "urn:hotline:supplement")


def report_id_for(submitted_by: str, idempotency_key: str) -> UUID:
    """One report per (caller, Idempotency-Key): retries land on the same aggregate."""
    return uuid5(REPORT_NS, f"{submitted_by}\x1f{idempotency_key}")


def receipt_no_for(report_id: UUID, received_at: datetime) -> str:
    """Date plus 10 characters of the id: readable aloud, unique, free of personal data."""
    return f"{received_at:%Y%m%d}-{receipt_tail(report_id.bytes)}"


class Report(Aggregate):
    """A report of a child harmed, neglected, trafficked or left without care.

    Names, phone and id numbers, the address and the narrative are sealed under the report's
    own data key (`pii`); what is left in the clear is what routing and statistics need."""

    # Each supplement's time and danger: a class default, so a report stored before reads as none.
    supplement_facts: tuple[dict[str, object], ...] = ()

    class Received(Aggregate.Created):
        """The report as filed; version 2 carries the submitter's pseudonym (disclosure/v2),
        version 3 the unit that filed an agency notice (§12), version 4 whether a child died."""

        class_version = 4
        receipt_no: str
        received_at: datetime
        submitted_by: str
        request_hash: str
        channel: str
        reporter: dict[str, Any]
        children: list[dict[str, Any]]
        region_code: str
        concerns: list[str]
        immediate_danger: bool
        occurred_at: str | None
        pii: str
        sentinel_id: str | None
        submitter_ref: str | None
        filing_unit: str | None
        child_died: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Filed before the pseudonym was kept: no submitter to tell apart. (Version 1 is also
            # every report filed since, until the class had a version: those carry it already.)
            state.setdefault("submitter_ref", None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # Filed before agencies notified: no report came from a unit's desk.
            state["filing_unit"] = None

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            # Filed before major incidents (§12): no report said a child died.
            state["child_died"] = False

    @event(Received)
    def __init__(
        self,
        id: UUID,  # noqa: A002 - eventsourcing takes the aggregate id from this parameter
        *,
        receipt_no: str,
        received_at: datetime,
        submitted_by: str,
        request_hash: str,
        channel: str,
        reporter: dict[str, Any],
        children: list[dict[str, Any]],
        region_code: str,
        concerns: list[str],
        immediate_danger: bool,
        occurred_at: str | None,
        pii: str,
        sentinel_id: str | None = None,
        submitter_ref: str | None = None,
        filing_unit: str | None = None,
        child_died: bool = False,
    ):
        self.receipt_no = receipt_no
        self.received_at = received_at
        self.submitted_by = submitted_by
        self.request_hash = request_hash
        self.channel = channel
        self.reporter = reporter  # relation and anonymous only
        self.children = children  # gender, age and matching keys only
        self.region_code = region_code
        self.concerns = concerns
        self.immediate_danger = immediate_danger
        # The latest time danger was said, None when it never was (a supplement in danger moves it).
        self.danger_at: datetime | None = received_at if immediate_danger else None
        self.occurred_at = occurred_at
        self.pii = pii
        self.sentinel_id = sentinel_id
        # A keyed pseudonym of the submitting account: triage can tell submitters apart
        # without learning who they are.
        self.submitter_ref = submitter_ref
        # The agency unit whose desk filed it (channel agency_notice), else None.
        self.filing_unit = filing_unit
        self.child_died = child_died
        self.supplement_ids: list[str] = []
        self.supplement_pii: list[str] = []
        self.erased_at: datetime | None = None
        self.transfers: list[dict[str, str]] = []

    class Supplemented(Aggregate.Event):
        """New information; version 2 says whether a child died (§12), version 3 whether the
        caller complained or pressed for action (投诉、催办: no one came, or dissatisfied)."""

        class_version = 3
        supplement_id: str
        pii: str
        concerns: list[str]
        immediate_danger: bool
        child_died: bool
        complaint: bool
        by: str
        at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["child_died"] = False

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["complaint"] = False

    @event(Supplemented)
    def supplement(
        self,
        *,
        supplement_id: str,
        pii: str,
        concerns: list[str],
        immediate_danger: bool,
        child_died: bool,
        by: str,
        at: datetime,
        complaint: bool = False,
    ) -> None:
        """New information about the same report: appended, never edited."""
        self.supplement_ids.append(supplement_id)
        self.supplement_pii.append(pii)
        # When each came and whether it said danger (no personal data): the desk shows a call-back's
        # 补充 at the top when it is the newest (stop 56's police desk: it sat far down, undated).
        self.supplement_facts = (*self.supplement_facts,
                                 {"at": at.isoformat(), "immediate_danger": immediate_danger})
        if immediate_danger:
            self.danger_at = at  # a new danger: its transfers are recorded again

    @event("TransferConfirmed")
    def confirm_transfer(self, *, to: str, by: str, at: datetime) -> None:
        """The operator put the caller through to 110 (police) or 120 (ambulance)."""
        self.transfers = [*self.transfers, {"to": to, "by": by, "at": at.isoformat()}]

    def _since_danger(self) -> list[dict[str, str]]:
        """The transfers recorded since danger was last said (all of them when it never was)."""
        said = self.danger_at
        return [t for t in self.transfers if said is None or datetime.fromisoformat(t["at"]) >= said]

    def transferred_to(self, to: str) -> bool:
        """Recorded once for each time danger is said: a double click records it once, a caller
        ringing back in danger again gets it recorded again."""
        return any(t["to"] == to for t in self._since_danger())

    @property
    def transfer_owed(self) -> bool:
        """Said in danger, when filed or in a supplement, and no transfer to 110 or 120 recorded
        since: what the console flags until one is."""
        return self.danger_at is not None and not self._since_danger()

    @event("Erased")
    def erase(self, *, reason: str, by: str, at: datetime) -> None:
        """The report's data key is destroyed; this records who erased it, when and why."""
        self.erased_at = at


def receipt_index_id(receipt_no: str) -> UUID:
    return uuid5(RECEIPT_NS, receipt_no.strip().upper())


def supplement_id_for(report_id: UUID, by: str, key: str) -> str:
    return str(uuid5(SUPPLEMENT_NS, f"{report_id}\x1f{by}\x1f{key}"))


class ReceiptIndex(Aggregate):
    """Finds a report by the receipt number read out to the caller."""

    @event("Issued")
    def __init__(self, id: UUID, *, report_id: UUID):  # noqa: A002
        self.report_id = report_id


_DASHES = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
# Receipts are read aloud and copied by hand: Crockford's base32 has no I, L, O or U, and a
# typed O, I or L is read as the 0 or 1 it looks like (U as V).
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD)
_TO_CROCKFORD = str.maketrans("OILU", "011V")
# Receipts issued before (RFC 4648 base32: A-Z, 2-7) have no 0 or 1: typed, they meant O and I/L.
_OLD_ONE = ("I", "L")
_MOST_ONES = 3  # a tail of more typed 1s than this is not tried in the old alphabet


def receipt_tail(report_id: bytes) -> str:
    """Ten characters (50 bits) of the report's id in Crockford's base32."""
    return base64.b32encode(report_id).decode()[:10].translate(_FROM_RFC4648)


def spoken(text: str) -> str:
    """A receipt number or lookup code as typed from what a caller read out: full-width forms
    folded (NFKC), spaces and dashes of any kind dropped, upper case; a receipt number gets its
    one dash back after the date."""
    plain = _DASHES.sub("", fold(text)).upper()
    return f"{plain[:8]}-{plain[8:]}" if len(plain) == 18 and ASCII_DIGITS.fullmatch(plain[:8]) else plain


def typed_tail(text: str) -> str | None:
    """A receipt number's ten characters after the dash, typed alone (a caller reads out only
    those), in Crockford's alphabet; None when the text cannot be one."""
    tail = spoken(text).translate(_TO_CROCKFORD)
    return tail if len(tail) == 10 and all(c in CROCKFORD for c in tail) else None


def readings(text: str) -> list[str]:
    """The receipt numbers a typed one may stand for, most literal first: as typed; with look-alikes
    read in Crockford's alphabet (new receipts); with 0 and 1 read as O and I/L (older ones).
    How many depends only on what was typed, never on what is stored."""
    typed = spoken(text)
    if len(typed) != 19 or typed[8] != "-":
        return [typed]
    date, tail = typed[:9], typed[9:]
    found = [typed, date + tail.translate(_TO_CROCKFORD)]
    old = tail.replace("0", "O")
    ones = [i for i, c in enumerate(old) if c == "1"]
    if len(ones) <= _MOST_ONES:
        for letters in itertools.product(_OLD_ONE, repeat=len(ones)):
            chars = list(old)
            for i, letter in zip(ones, letters, strict=True):
                chars[i] = letter
            found.append(date + "".join(chars))
    return list(dict.fromkeys(found))
