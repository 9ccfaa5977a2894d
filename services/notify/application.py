"""Notify: on-call rosters, and the webhooks a referral owes people (contract §8). Consumes the
referrals topic; plans each delivery as an event in the same transaction as the tracking
position, so a redelivered message plans nothing twice; the notifier (`notifier.py`) makes the
attempts and records each one here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.system import ProcessApplication

from services.common import store
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.crypto import Sealer
from services.common.errors import NotFound
from services.common.messages import (
    CASE_MAJOR_INCIDENT,
    REFERRAL_ACKNOWLEDGED,
    REFERRAL_CLOSED,
    REFERRAL_DECLINED,
    REFERRAL_DISPATCHED,
    REFERRAL_ESCALATED,
    REFERRAL_RAISED,
    REFERRAL_REPORTED,
    Message,
    same_originator,
)
from services.common.outbound import AddressGuard
from services.common.outbox import NotifiesCommits
from services.notify import upward, webhook
from services.notify.domain import SUPERVISORS, UPWARD, Delivery, Watch, watch_id
from services.notify.later import LaterPlans
from services.notify.ledger import LedgerStore
from services.notify.oncall import Contact, Roster, check_secret, parse_contacts, roster_id

log = structlog.get_logger("notify")
NOTIFIER = Actor("notifier", "system")  # who the audit trail says made each attempt
SETTLING = {REFERRAL_ACKNOWLEDGED: "acknowledged", REFERRAL_DECLINED: "declined",
            REFERRAL_CLOSED: "closed"}


@dataclass(frozen=True)
class SupervisorHook:
    """HOTLINE_SUPERVISOR_WEBHOOK: told of every escalation (HOTLINE_UPWARD_WEBHOOK: of every
    major incident)."""

    url: str
    secret: str
    format: str = "json"


class NotifyApplication(LaterPlans, NotifiesCommits, ProcessApplication[UUID]):
    name = "notify"
    run_key = staticmethod(same_originator)  # a referral's messages apart: its watch and deliveries

    def __init__(self, env: dict[str, str] | None = None, *, desk_url: str,  # type: ignore[no-untyped-def]
                 supervisors: SupervisorHook | None = None,
                 give_up_after: timedelta = timedelta(seconds=webhook.RETRY_FOR_SECONDS),
                 guard: AddressGuard | None = None, upward_hook: SupervisorHook | None = None,
                 summaries: Sealer | None = None):
        super().__init__(env)
        self.desk_url = desk_url
        self.supervisors = supervisors
        # A supervisor's summary opens with the event key's subkey for it (no data key here).
        self.upward, self.summaries = upward_hook, summaries
        # Where webhooks may go (contract §10): checked when a roster is set and at every attempt.
        self.guard = guard or AddressGuard()
        self.give_up_after = give_up_after
        self._silent: dict[str, tuple[float, int]] = {}  # unit → (last warned, referrals since)
        self.ledgers = LedgerStore(self, create=str(self.env.get("CREATE_TABLE", "y")).lower()
                                   in ("y", "yes", "true", "1"))

    # Rosters (admin) ------------------------------------------------------------------------

    def set_roster(self, agency_id: str, contacts: Any, secret: Any, *, by: str,
                   actor: Actor | None = None) -> Roster:
        """Replace a unit's roster; a wrong field → FieldError naming it, and nothing stored."""
        checked, key = parse_contacts(contacts, self.guard), check_secret(secret)
        roster = self.roster(agency_id) or Roster(agency_id)
        roster.replace(checked, key, by=by, at=datetime.now(UTC))
        self.save(roster, *audit_note(actor, "oncall.set", "agency", agency_id))
        log.info("on-call roster set", agency_id=agency_id, contacts=len(checked))
        return roster

    def roster(self, agency_id: str) -> Roster | None:
        return store.find(self.repository, roster_id(agency_id), Roster)

    def rosters(self, agency_ids: Iterable[str]) -> dict[str, Roster]:
        """Several units' rosters in one read (the board's waiting units); the unset left out."""
        ids = {roster_id(a): a for a in agency_ids}
        return {ids[i]: r for i, r in store.find_all(self, ids).items() if isinstance(r, Roster)}

    # The policy: referral messages ------------------------------------------------------------

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        if not isinstance(domain_event, Message):
            return
        d, kind = domain_event.data, domain_event.type
        if kind == CASE_MAJOR_INCIDENT:
            self._upward(d, processing_event)
        elif kind == REFERRAL_DISPATCHED:
            self._dispatched(d, processing_event)
        elif kind == REFERRAL_RAISED:
            self._raised(d, domain_event.time, processing_event)
        elif kind == REFERRAL_REPORTED:
            self._reported(d, datetime.fromisoformat(d["at"]), processing_event)
        elif kind in SETTLING or kind == REFERRAL_ESCALATED:
            watch = self.watch(d["referral_id"])
            if watch is None:
                return
            if kind in SETTLING and watch.settle(SETTLING[kind], domain_event.time):
                processing_event.collect_events(watch)
            elif kind == REFERRAL_ESCALATED and watch.escalate(domain_event.time):
                processing_event.collect_events(watch, *self._escalation(watch, self.roster(watch.agency_id),
                                                                         domain_event.time))

    def _found(self, d: dict[str, Any], at: datetime) -> tuple[Watch | None, Roster | None, list[Contact]]:
        """The referral's watch and the unit's roster in one read (#31), and who on duty at `at`
        has a webhook."""
        found = store.find_all(self, [watch_id(d["referral_id"]), roster_id(d["agency_id"])])
        watch, roster = found.get(watch_id(d["referral_id"])), found.get(roster_id(d["agency_id"]))
        roster = roster if isinstance(roster, Roster) else None
        reachable = [c for c in (roster.on_duty(at) if roster else []) if c.webhook_url]
        return (watch if isinstance(watch, Watch) else None), roster, reachable

    def _dispatched(self, d: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        at = datetime.fromisoformat(d["dispatched_at"])
        found, _, reachable = self._found(d, at)
        if found is not None:  # there after a redelivery
            return
        watch = Watch(referral_id=d["referral_id"], case_id=d["case_id"], agency_id=d["agency_id"],
                      agency_kind=d["agency_kind"], risk_level=d["risk_level"], dispatched_at=at,
                      due_at=datetime.fromisoformat(d["due_at"]), on_duty=len(reachable))
        planned = [self._deliver(watch, "referral.dispatched", reachable[0], at)] if reachable else []
        if not reachable:
            self._unreachable(d)
        processing_event.collect_events(watch, *planned)

    def _upward(self, d: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        """A major incident: one delivery upward (a repeat of the message meets it stored)."""
        if self.upward is None:
            log.warning("major incident not reported upward: HOTLINE_UPWARD_WEBHOOK is not set",
                        case_id=d["case_id"], reason=d["reason"])
            return
        delivery = upward.plan(d, self.upward.url, self.upward.format, self.summaries)
        if store.find(self.repository, delivery.id, Delivery) is None:
            processing_event.collect_events(delivery)

    def _deliver(self, watch: Watch, event_name: str, contact: Contact, at: datetime,
                 risk_level: str | None = None, report_id: str | None = None,
                 supplement_id: str | None = None) -> Delivery:
        """One delivery planned for the watch's referral; `risk_level`: the case's now, and
        `report_id` (with `supplement_id` for a call-back's 补充): what came, when told of it."""
        payload = webhook.payload(event_name, {"referral_id": watch.referral_id, "agency_id": watch.agency_id,
                                               "risk_level": risk_level or watch.risk_level,
                                               "due_at": watch.due_at.isoformat()}, self.desk_url)
        if report_id:
            payload["report_id"] = report_id
        if supplement_id:
            payload["supplement_id"] = supplement_id
        delivery = Delivery(referral_id=watch.referral_id, case_id=watch.case_id, agency_id=watch.agency_id,
                            agency_kind=watch.agency_kind, event_name=event_name, contact=contact.name,
                            webhook_url=str(contact.webhook_url), format=contact.format,
                            payload=payload, planned_at=at)
        watch.contacted_by(contact=contact.name, delivery_id=str(delivery.id))
        return delivery

    # The notifier's steps ------------------------------------------------------------------

    def remind(self, referral_id: str, now: datetime) -> Delivery | None:
        """Half the acknowledgement time gone: the next on-duty contact not told yet (or, with
        none left, the first again). None if no reminder is due or another process sent it."""
        watch = self.watch(referral_id)
        if watch is None or not watch.needs_reminder(now):
            return None
        roster = self.roster(watch.agency_id)
        reachable = [c for c in (roster.on_duty(now) if roster else []) if c.webhook_url]
        fresh = [c for c in reachable if c.name not in watch.contacted] or reachable
        watch.remind(now)
        delivery = self._deliver(watch, "referral.reminder", fresh[0], now) if fresh else None
        try:
            self.save(watch, *([delivery] if delivery else []))
        except IntegrityError:
            return None
        return delivery

    def attempt(self, delivery_id: UUID, error: str | None, at: datetime, retry_in: float) -> Delivery:
        """Record one attempt on the delivery and on the audit trail (the notifier as the actor), in
        one transaction. Nothing else is written: attempts to one receiver never contend."""
        delivery: Delivery = self.repository.get(delivery_id)
        delivery.attempt(error, at, retry_in, self.give_up_after)
        outcome = "delivered" if error is None else "gave-up" if delivery.gave_up else "failed"
        if delivery.contact == UPWARD:  # the upward report is about the case, not a referral
            self.save(delivery, *audit_note(NOTIFIER, f"notify.upward-{outcome}", "case",
                                            delivery.case_id, delivery.case_id))
        else:
            self.save(delivery, *audit_note(NOTIFIER, f"notify.{outcome}", "referral",
                                            delivery.referral_id, delivery.case_id))
        log.info("webhook delivered" if error is None else "webhook failed", referral_id=delivery.referral_id,
                 delivery_id=str(delivery.id), notify_event=delivery.event_name, attempts=delivery.attempts,
                 error=error, gave_up=delivery.gave_up)
        return delivery

    def target_for(self, delivery: Delivery) -> tuple[str | None, str, str]:
        """The secret, address and format an attempt uses: a unit's contact as its roster has
        them now, so an address mended after the delivery was planned is the one tried (the IT
        office's review, stop 60: owed red referrals kept failing at the old address); as
        planned for a contact no longer on the roster, and for the supervisors and upward."""
        if delivery.contact in (SUPERVISORS, UPWARD):
            hook = self.supervisors if delivery.contact == SUPERVISORS else self.upward
            return hook.secret if hook is not None else None, delivery.webhook_url, delivery.format
        roster = self.roster(delivery.agency_id)
        if roster is None:
            return None, delivery.webhook_url, delivery.format
        now = next((c for c in roster.contacts if c.name == delivery.contact and c.webhook_url), None)
        return roster.secret, str(now.webhook_url) if now else delivery.webhook_url, \
            now.format if now else delivery.format

    # What supervisors see --------------------------------------------------------------------

    def watch(self, referral_id: str) -> Watch | None:
        return store.find(self.repository, watch_id(referral_id), Watch)

    def deliveries(self, referral_id: str, watch: Watch | None = None) -> list[Delivery]:
        """The referral's deliveries, oldest first (`watch`: its watch, when read already)."""
        watch = watch or self.watch(referral_id)
        if watch is None:
            raise NotFound("No notifications for this referral")
        return [self.repository.get(UUID(i)) for i in watch.deliveries]

    def receiver_health(self, now: datetime) -> dict[str, dict[str, Any]]:
        """Per receiver (`receiver_of`): failures in a row, the last delivery taken, deliveries
        pending, failures in 24 hours; as the notifier last saved them (about a second ago; a few
        seconds when its ledger is large)."""
        ledger = self.ledgers.load()
        return ledger.health(now.timestamp()) if ledger else {}

