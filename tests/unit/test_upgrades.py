"""Upgrades that lose nothing (#16): an event class that changes is read back by upcasting, its
old events stored encrypted and compressed as every store keeps them; and the consumers ignore
fields of contract messages they do not know (a newer producer ahead of them)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import clear_topic_cache, get_topic, register_topic

from services.bootstrap import ApiContainer, Wiring, edges_of
from services.common.embedded import Edge, EmbeddedRunner
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import report_body


class PagerV1(Aggregate):
    """Version 1, as a release stored it: a pager with a name and the texts it sent."""

    @event("Registered")
    def __init__(self, name: str):
        self.name = name
        self.sent: list[str] = []

    @event("Paged")
    def page(self, text: str) -> None:
        self.sent.append(text)


class PagerV2(Aggregate):
    """Version 2 of the same class: a channel on registration, urgency on each page."""

    class Registered(Aggregate.Created):
        class_version = 2
        name: str
        channel: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["channel"] = "webhook"  # what every version-1 pager was

    class Paged(Aggregate.Event):
        class_version = 2
        text: str
        urgent: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["urgent"] = False

    @event(Registered)
    def __init__(self, name: str, channel: str):
        self.name, self.channel = name, channel
        self.sent: list[tuple[str, bool]] = []

    @event(Paged)
    def page(self, text: str, urgent: bool) -> None:
        self.sent.append((text, urgent))


def store(tmp_path: Path) -> Application[Any]:
    """An application on the product's real store settings: encrypted, compressed, its own file."""
    wiring = Wiring.of(Settings(var_dir=tmp_path, database_url="", environment="development"))
    return Application(wiring.prepare_environment("upgrades"))


def test_version_1_events_are_read_by_the_version_2_class(tmp_path: Path) -> None:
    old = store(tmp_path)
    pager = PagerV1("值班手机")
    pager.page("红色转介")
    old.save(pager)
    old.close()

    # The release with version 2: the old topics now name the new class and its events (in a
    # new process, where nothing has resolved them yet: hence the cleared cache).
    clear_topic_cache()
    for name in ("", ".Registered", ".Paged"):
        register_topic(get_topic(PagerV1) + name, eval("PagerV2" + name))  # noqa: S307 - fixed names
    new = store(tmp_path)
    upgraded = new.repository.get(pager.id)
    assert isinstance(upgraded, PagerV2)
    assert (upgraded.name, upgraded.channel, upgraded.sent) == ("值班手机", "webhook", [("红色转介", False)])
    upgraded.page("提醒", urgent=True)
    new.save(upgraded)
    new.close()

    reader = store(tmp_path)  # a later start: version 1 and version 2 events together
    again = reader.repository.get(pager.id)
    assert again.sent == [("红色转介", False), ("提醒", True)] and again.version == 3
    reader.close()


def with_unknown_fields(edge: Edge) -> Edge:
    """The edge as a newer producer would fill it: fields this release does not know."""
    def translate(domain_event: Any) -> Any:
        message = edge.translate(domain_event)
        return replace(message, data={**message.data, "added_later": {"by": "a newer release"},
                                      "priority_hint": 7}) if message else None
    return replace(edge, translate=translate)


def test_consumers_ignore_fields_they_do_not_know(api: Api, hotline: ApiContainer) -> None:
    runner = EmbeddedRunner([with_unknown_fields(e) for e in edges_of(hotline)])
    accepted = api.submit(report_body(), key="newer-producer").json()
    runner.pump()
    police = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert [r["risk_level"] for r in police] == ["red"]
    report = api.client.get(f"/v1/reports/{accepted['report_id']}", headers=api.auth("supervisor1")).json()
    assert report["case_id"] == police[0]["case_id"]
    assert hotline.notify.watch(police[0]["referral_id"]) is not None
