"""The system declared once (services/bootstrap/topology.py): every artefact derived from it (the
process list, the grants, the Kafka ACLs, the keys, the embedded edges) still says what the
system is, and the ground floor knows no process kind."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from kafka.admin import ACLOperation, ResourceType

from services.bootstrap import ApiContainer, edges_of
from services.bootstrap.roles import GRANTS, KAFKA_ACLS
from services.bootstrap.topology import CONSUMERS, NEEDS, RELAYS, TOPOLOGY, publisher
from services.common import secrets
from services.common.messages import (
    AUDIT_CHECKPOINTS_TOPIC,
    CASES_TOPIC,
    DEAD_LETTER_TOPIC,
    REFERRALS_TOPIC,
    REPORTS_TOPIC,
)
from services.deploy.systemd import unit
from services.runtime.processlist import processes


def test_every_topic_read_has_one_publisher_and_every_topic_published_is_read() -> None:
    published = [t for s in TOPOLOGY for t in s.publishes]
    read = {t for s in TOPOLOGY for t in (*s.consumes, *s.reads)}
    assert len(published) == len(set(published))  # one writer per topic
    assert read == set(published)
    assert {t: publisher(t).name for t in read} == {
        REPORTS_TOPIC: "relay", CASES_TOPIC: "relay", REFERRALS_TOPIC: "relay",
        AUDIT_CHECKPOINTS_TOPIC: "audit"}


def test_the_keys_each_process_gets_are_todays() -> None:
    assert {p.name: set(NEEDS[p.kind]) for p in processes("triage=2")} == {
        "relay": {"event"},
        "triage": {"event", "data", "hash"}, "triage-2": {"event", "data", "hash"},
        "dispatch": {"event"}, "projection-desk": set(), "notify": {"event"}, "scheduler": {"event"},
        "audit": {"event", "audit"}, "api": {"event", "data", "hash", "receipt", "token", "audit"},
        "callbacks": {"event", "data"}}
    assert set(NEEDS["cli"]) == set(secrets.PURPOSES)
    # A kind is one key set: services of one kind (the relays) declare the same keys.
    assert all(NEEDS[s.kind] == s.keys and set(s.keys) <= set(secrets.PURPOSES) for s in TOPOLOGY)


def test_the_ground_floor_names_no_process_kind() -> None:
    source = inspect.getsource(secrets)
    kinds = {s.kind for s in TOPOLOGY} | {s.name for s in TOPOLOGY}
    assert not hasattr(secrets, "NEEDS")
    assert [k for k in kinds - set(secrets.PURPOSES) if f'"{k}"' in source] == []


def holders(privilege: str) -> dict[str, set[str]]:
    """Table -> the roles granted `privilege` on it."""
    out: dict[str, set[str]] = {}
    for role, grants in GRANTS.items():
        for privileges, tables in grants:
            for table in tables:
                if privilege in privileges:
                    out.setdefault(table, set()).add(role)
    return out


def test_each_table_is_written_by_exactly_the_roles_of_today() -> None:
    writers = holders("INSERT")
    view = {t: {"projection-desk"} for t in writers if t.startswith("view_")}
    assert len(view) == 15  # view_incidents: major incidents (#28)
    assert writers == {
        **view, "intake_events": {"api"}, "accounts_events": {"api"}, "triage_events": {"api", "triage"},
        "dispatch_events": {"api", "dispatch", "scheduler"}, "notify_events": {"api", "notify"},
        "triage_snapshots": {"api", "triage"}, "notify_state": {"notify"},
        "audit_queue": {"api"}, "audit_log": {"audit"}, "audit_sources": {"audit"},
        "throttle_failures": {"api"}, "repeat_checks": {"api"}, "caller_reports": {"api"},
        "relay_intake_tracking": {"relay"}, "relay_triage_tracking": {"relay"},
        "relay_dispatch_tracking": {"relay"}, "triage_tracking": {"triage"},
        "dispatch_tracking": {"dispatch"}, "desk_tracking": {"projection-desk"},
        "notify_tracking": {"notify"}, "callbacks_events": {"api", "callbacks"},
        "callbacks_tracking": {"callbacks"}}
    # eventsourcing's insert locks the table: every writer of an event store may UPDATE it.
    assert all(writers[t] <= holders("UPDATE")[t] for t in writers if t.endswith("_events"))
    # Only the audit sequencer takes entries out of the queue; no one deletes an event or the chain.
    deleters = holders("DELETE")
    # The API drops the caller history's rows past its window (§13); erasure is the CLI's.
    assert deleters == {"audit_queue": {"audit"}, "throttle_failures": {"api"}, "repeat_checks": {"api"},
                        "caller_reports": {"api"}}


def test_personal_data_is_read_only_by_the_roles_that_need_it() -> None:
    readers = holders("SELECT")
    assert readers["intake_events"] == {"api", "relay", "audit", "callbacks"}
    assert readers["triage_events"] == {"api", "relay", "triage", "audit"}
    assert "projection-desk" not in {r for t, rs in readers.items() if t.endswith("_events") for r in rs}
    assert all(GRANTS[s.name] for s in TOPOLOGY) and set(GRANTS) == {s.name for s in TOPOLOGY}


def acl(principal: str, kind: ResourceType, operation: ACLOperation) -> set[str]:
    return {name for k, name, op in KAFKA_ACLS.get(principal, []) if k == kind and op == operation}


def test_each_principal_reads_what_it_consumes_and_writes_what_it_publishes() -> None:
    topic = ResourceType.TOPIC
    for s in TOPOLOGY:
        assert acl(s.name, topic, ACLOperation.WRITE) == (
            set(s.publishes) | ({DEAD_LETTER_TOPIC} if s.consumes else set())), s.name
        assert acl(s.name, topic, ACLOperation.READ) == {*s.consumes, *s.reads}, s.name
        assert acl(s.name, ResourceType.GROUP, ACLOperation.READ) == ({s.group} if s.group else set())
    assert set(KAFKA_ACLS) == {s.name for s in TOPOLOGY} - {"scheduler"}  # it speaks no Kafka
    assert {g for _, g in CONSUMERS.values()} == {
        "hotline-triage", "hotline-dispatch", "hotline-projection-desk", "hotline-notify",
        "hotline-callbacks"}
    assert acl("api", topic, ACLOperation.DESCRIBE) == {REPORTS_TOPIC, CASES_TOPIC, REFERRALS_TOPIC,
                                                        DEAD_LETTER_TOPIC}
    # As many as before the declaration, notify's read of the cases (major incidents, §12) and the
    # callbacks consumer's four (two topics, its group, the dead letters: §13).
    assert sum(len(a) for a in KAFKA_ACLS.values()) == 28


def test_the_process_list_scales_consumer_groups_only() -> None:
    one, more = processes(), processes("triage=3,desk=2")
    assert [p.name for p in one] == [s.name for s in TOPOLOGY]
    assert [p.name for p in more if p.principal == "triage"] == ["triage", "triage-2", "triage-3"]
    assert [p.args for p in more if p.principal == "projection-desk"] == ["consume desk"] * 2
    assert len(more) == len(one) + 3 and len({p.name for p in more}) == len(more)
    assert [p.args for p in one if p.kind == "relay"] == ["relay"]


def test_the_relays_run_as_one_process_or_one_each_with_one_role() -> None:
    each = processes(relays="each")
    assert [(p.name, p.args, p.principal) for p in each if p.kind == "relay"] == [
        (f"relay-{app}", f"relay --app {app}", "relay") for app in RELAYS]
    assert len(each) == len(processes()) + len(RELAYS) - 1
    with pytest.raises(ValueError, match="HOTLINE_RELAYS"):
        processes(relays="two")


def test_the_embedded_edges_carry_the_topics(hotline: ApiContainer) -> None:
    edges = {(e.leader.name, e.follower) for e in edges_of(hotline)}
    assert edges == {("intake", "triage"), ("triage", "dispatch"), ("triage", "desk"), ("dispatch", "desk"),
                     ("dispatch", "notify"), ("triage", "notify"), ("triage", "callbacks"),
                     ("dispatch", "callbacks")}
    assert len(edges_of(hotline)) == sum(len(topics) for topics, _ in CONSUMERS.values())


def test_each_unit_holds_its_kinds_limits() -> None:
    where = Path("/opt/hotline")
    units = {p.name: unit(p, where, where / "env", "hotline", where / "var") for p in processes()}
    limits = {name: re.findall(r"^(?:MemoryMax|CPUQuota)=(\S+)$", text, re.M) for name, text in units.items()}
    assert limits == {name: ["2G", "400%"] if name == "api" else ["512M", "100%"] if name == "notify"
                      else ["1G", "100%"] for name in units}
