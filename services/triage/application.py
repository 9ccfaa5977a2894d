"""Triage: opens or joins a case for each report and assesses its risk (contract §3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.system import ProcessApplication

from services.common import store
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.crypto import Hasher, Sealer
from services.common.errors import NotFound, parse_id
from services.common.keystore import KeyStore
from services.common.messages import REPORT_ERASED, REPORT_RECEIVED, REPORT_SUPPLEMENTED, Message, same_key
from services.common.outbox import NotifiesCommits
from services.triage.assessment import IncidentRules, ReportFacts, RiskRules, SupplementFacts
from services.triage.case import Case, TriageError
from services.triage.indexes import ChildIndex, ReportLink, child_index_id, link_id_for

log = structlog.get_logger("triage")
TRIAGE = Actor("triage", "system")  # who the audit trail says sent a case upward by the rule


class CaseNotFound(NotFound):
    """No such case."""

    def __init__(self, case_id: str = ""):
        super().__init__("没有这个案件。")
        self.case_id = case_id


class TriageApplication(NotifiesCommits, ProcessApplication[UUID]):
    """Consumes report messages; every decision records the rule version and its reasons."""

    name = "triage"
    run_key = staticmethod(same_key)  # a report and its supplement apart
    # A child reported again and again must not make each new report slower to triage.
    snapshotting_intervals = {Case: 50, ChildIndex: 50}

    def __init__(  # type: ignore[no-untyped-def]
        self, env=None, *, rules: RiskRules | None = None, keys: KeyStore | None = None,
        hasher: Hasher | None = None, incidents: IncidentRules | None = None,
        summaries: Sealer | None = None,
    ):
        super().__init__(env)
        self.rules = rules or RiskRules.load()
        self.incidents = incidents or IncidentRules.load()  # the major-incident rule (§12), data
        self.keys = keys
        self.hasher = hasher
        self.summaries = summaries  # the event key's subkey for a mark's summary (notify opens it)

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        if not isinstance(domain_event, Message):
            return
        if domain_event.type == REPORT_RECEIVED:
            self._triage_report(domain_event.data, processing_event)
        elif domain_event.type == REPORT_SUPPLEMENTED:
            self._supplement(domain_event.data, processing_event)
        elif domain_event.type == REPORT_ERASED:
            self._forget(domain_event.data, processing_event)

    def _personal(self, data: dict[str, Any]) -> dict[str, Any]:
        # An erased report's key is gone: its personal data no longer counts, its facts still do.
        opened = self.keys.open(data["report_id"], data.get("pii")) if self.keys else None
        return opened or {}

    def _narrative(self, data: dict[str, Any]) -> str:
        return str(self._personal(data).get("narrative") or "")

    def _child_keys(self, report: dict[str, Any], personal: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Matching keys computed here, from the sealed names and id numbers triage can open:
        no matching hash travels on Kafka or sits beside the names it was made from. (The keys
        noted, in the current suite's family; the keys looked up, in every family.)"""
        if self.hasher is None:
            return [], []
        named = personal.get("children") or []
        keys: set[str] = set()
        every: set[str] = set()
        for public, private in zip(report["children"], named, strict=False):
            child = {**private, "age": public.get("age")}
            keys.update(self.hasher.child_keys(child, report["region_code"]))
            every.update(self.hasher.every_child_key(child, report["region_code"]))
        return sorted(keys), sorted(every)

    def _triage_report(self, data: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        report_id = data["report_id"]
        personal = self._personal(data)
        keys, every = self._child_keys(data, personal)
        # Both families are looked up: a child reported before a switch of suite is found until
        # the old entries age out of the joining window; a report is noted in the current one.
        # The report's link and the indexes in one read (#31).
        found = store.find_all(self, [link_id_for(report_id), *map(child_index_id, every)])
        if isinstance(found.get(link_id_for(report_id)), ReportLink):
            log.info("report already triaged", report_id=report_id)
            return
        report = ReportFacts.of(data, str(personal.get("narrative") or ""))
        indexes = {k: _index(found.get(child_index_id(k))) for k in every}
        case = self._recent_case(indexes, report.at)
        if case is None:
            case = Case.open(report, self.rules, keys, self.incidents)
            log.info("case opened", report_id=report_id, case_id=str(case.id),
                     risk_level=case.risk_level, rule_version=case.rule_version)
        else:
            flagged = case.burst_flagged
            if case.join(report, self.rules, keys, self.incidents):
                log.info("report joined case", report_id=report_id, case_id=str(case.id),
                         risk_level=case.risk_level, burst=case.burst_flagged and not flagged)
        for key in keys:
            index = indexes[key] or ChildIndex(id=child_index_id(key))
            index.note(str(case.id), report.at, report_id)
            processing_event.collect_events(index)
        link = ReportLink(report_id=report_id, case_id=str(case.id),
                          index_ids=[str(child_index_id(k)) for k in keys])
        processing_event.collect_events(case, link, *self._upward_notes(case))

    def _forget(self, data: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        """An erased report no longer lets later reports find its children: its entries in the
        child indexes are tombstoned (the indexes are found through the report's link, since
        its personal data, and so its matching keys, can no longer be computed)."""
        link = self._find(link_id_for(data["report_id"]))
        for index_id in link.index_ids if link else []:
            index = self._find(UUID(index_id))
            if isinstance(index, ChildIndex) and index.holds(data["report_id"]):
                index.forget(data["report_id"])
                processing_event.collect_events(index)
        log.info("erased report forgotten by the child index", report_id=data["report_id"])

    def _recent_case(self, indexes: dict[str, ChildIndex | None], at: datetime) -> Case | None:
        """The most recent case about any of these children within the joining window."""
        window = timedelta(days=self.rules.join_within_days)
        recent = [(when, case_id) for index in indexes.values() if index
                  for case_id, when, *_ in index.entries if at - window <= when <= at + window]
        if not recent:
            return None
        return self.get_case(UUID(max(recent)[1]))

    def _supplement(self, data: dict[str, Any], processing_event: ProcessingEvent[UUID]) -> None:
        link = self._find(link_id_for(data["report_id"]))
        if link is None:  # cannot happen: a report's messages share a partition, in order
            raise CaseNotFound(f"no case for report {data['report_id']}")
        case = self.get_case(UUID(link.case_id))
        if case.add_supplement(SupplementFacts.of(data, self._narrative(data)), self.rules, self.incidents):
            processing_event.collect_events(case, *self._upward_notes(case))
            log.info("case supplemented", case_id=str(case.id), report_id=data["report_id"],
                     risk_level=case.risk_level)

    def _upward_notes(self, case: Case) -> list[Any]:
        """Each major incident the rule or a death made now is an audit entry, the system's."""
        pending = [e for e in case.pending_events if isinstance(e, Case.MajorIncident)]
        return [n for e in pending for n in audit_note(
            TRIAGE, f"case.major-incident-{e.reason}", "case", str(case.id), str(case.id))]

    # -- supervisor commands --------------------------------------------------------------

    def mark_major_incident(self, case_id: UUID | str, *, summary: str, names: list[str], by: str,
                            actor: Actor | None = None) -> Case:
        """A supervisor's mark (重大事项): the summary checked first (nothing sealed or kept when
        refused), then sealed for notify under the event key's subkey for it, the case id bound in."""
        # Not the case's data key: notify talks to outside receivers and must not hold the data key;
        # the summary names no one (§12) and notify keeps what goes upward under the event key anyway.
        case = self.get_case(case_id)
        case.check_mark(summary, names, self.incidents)
        sealer = self.summaries
        if sealer is None:
            raise TriageError("summary", "this process cannot seal (no event key)")
        case.mark_major_incident(summary=summary, names=names, by=by, incidents=self.incidents,
                                 seal=lambda text: sealer.seal(text, context=str(case.id)))
        self.save(case, *audit_note(actor, "case.major-incident", "case", str(case.id), str(case.id)))
        log.info("case marked as a major incident", case_id=str(case.id))
        return case


    def reassess(self, case_id: UUID | str, *, risk_level: str, concerns: list[str], reason: str,
                 by: str, actor: Actor | None = None, categories: list[str] | None = None) -> Case:
        case = self.get_case(case_id)
        case.reassess(risk_level=risk_level, concerns=concerns, reason=reason, by=by,
                      categories=categories)
        self.save(case, *audit_note(actor, "case.reassess", "case", str(case.id), str(case.id)))
        log.info("case reassessed", case_id=str(case_id), risk_level=risk_level)
        return case

    def review(self, case_id: UUID | str, *, note: str, by: str, actor: Actor | None = None) -> Case:
        case = self.get_case(case_id)
        case.review(note=note, by=by)
        self.save(case, *audit_note(actor, "case.review", "case", str(case.id), str(case.id)))
        log.info("case reviewed", case_id=str(case_id))
        return case

    def reasons(self, case_id: UUID | str) -> list[dict[str, Any]]:
        """The supervisors' written reasons on a case (reassessments and reviews), oldest first:
        kept only in the (encrypted) event store, read back for the board."""
        try:
            events = self.repository.event_store.get(parse_id(case_id, "case"))
        except AggregateNotFoundError:  # pragma: no cover - the store answers empty instead
            return []
        return [{"at": e.timestamp.isoformat(), "by": e.by, "kind": type(e).__name__,
                 "previous": e.previous_risk_level if isinstance(e, Case.Reassessed) else None,
                 "risk_level": e.risk_level,
                 "text": e.reason if isinstance(e, Case.Reassessed) else e.note}
                for e in events if isinstance(e, Case.Reassessed | Case.Reviewed)]

    def get_case(self, case_id: UUID | str) -> Case:
        case = self._find(parse_id(case_id, "case"))
        if not isinstance(case, Case):
            raise CaseNotFound(str(case_id))
        return case

    def known_cases(self, children: list[dict[str, Any]], region_code: str) -> list[tuple[str, datetime]]:
        """The cases any of these children appeared in, with when last, newest first: the
        operator's repeat check. Same keys as matching (contract §3); erased reports don't count."""
        if self.hasher is None:
            raise TriageError("children", "this process cannot match children (no hash key)")
        keys: set[str] = set()
        for child in children:  # in every family: a child reported before a switch is known
            keys.update(self.hasher.every_child_key(child, region_code))
        last: dict[str, datetime] = {}
        for key in keys:
            index = self._find(child_index_id(key))
            for case_id, when, *_ in index.entries if isinstance(index, ChildIndex) else ():
                last[case_id] = max(when, last.get(case_id, when))
        return sorted(last.items(), key=lambda item: item[1], reverse=True)

    def case_for_report(self, report_id: str) -> UUID | None:
        link = self._find(link_id_for(report_id))
        return UUID(link.case_id) if link else None

    def _find(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None


def _index(found: Any) -> ChildIndex | None:
    return found if isinstance(found, ChildIndex) else None


__all__ = ["CaseNotFound", "TriageApplication", "TriageError"]
