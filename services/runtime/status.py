"""How far behind the pipeline is: each outbox's backlog, each consumer's lag by partition
(against its tracked position, which is what counts), and overdue referrals. Read by
`hotline consumers status`, `/metrics` and `/readyz`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Gauge
from prometheus_client.core import GaugeMetricFamily

from projections.desk.view import DeskView
from services.audit.checkpoints import Checkpointer
from services.bootstrap import CONSUMERS, RELAYS
from services.bootstrap.topology import TRACKING_TABLES
from services.common.kafka.offsets import Partition, committed_offsets, end_offsets
from services.common.messages import DEAD_LETTER_TOPIC
from services.common.settings import Settings
from services.common.store import Sql


@dataclass
class PipelineStatus:
    outboxes: list[dict[str, Any]] = field(default_factory=list)
    consumers: list[dict[str, Any]] = field(default_factory=list)
    overdue: int = 0
    followups_overdue: int = 0
    dead_letters: int = 0

    @property
    def max_lag(self) -> int:
        return max([c["lag"] for c in self.consumers] + [o["backlog"] for o in self.outboxes] + [0])


def outboxes(sql: Sql) -> list[dict[str, Any]]:
    out = []
    for app in RELAYS:
        stored = sql.one(f"SELECT max(notification_id) AS n FROM {app}_events")
        published = sql.one(f"SELECT max(notification_id) AS n FROM relay_{app}_tracking")
        s, p = int((stored or {}).get("n") or 0), int((published or {}).get("n") or 0)
        out.append({"app": app, "stored": s, "published": p, "backlog": max(0, s - p)})
    return out


def consumers(sql: Sql, ends: dict[Partition, int],
              committed: dict[str, dict[Partition, int]] | None = None) -> list[dict[str, Any]]:
    """Each consumer's tracked positions are rows named "topic:partition" in its tracking table."""
    out = []
    for service, (topics, group) in CONSUMERS.items():
        tracked = {str(r["application_name"]): int(r["notification_id"]) for r in sql.rows(
            f"SELECT application_name, notification_id FROM {TRACKING_TABLES[service]}")}
        for (topic, partition), end in sorted(ends.items()):
            if topic not in topics:
                continue
            position = tracked.get(f"{topic}:{partition}", 0)
            row = {"group": group, "topic": topic, "partition": partition, "end": end,
                   "tracked": position, "lag": max(0, end - position)}
            if committed is not None:
                row["committed"] = committed.get(group, {}).get((topic, partition))
            out.append(row)
    return out


def pipeline_status(settings: Settings, sql: Sql, view: DeskView, *, with_committed: bool = False
                    ) -> PipelineStatus:
    topics = sorted({t for topics, _ in CONSUMERS.values() for t in topics})
    security = settings.kafka_security()
    ends = end_offsets(settings.kafka_bootstrap_servers, [*topics, DEAD_LETTER_TOPIC], security)
    committed = ({group: committed_offsets(settings.kafka_bootstrap_servers, group, security)
                  for _, group in CONSUMERS.values()} if with_committed else None)
    now = datetime.now(UTC)
    dead = sum(n for (topic, _), n in ends.items() if topic == DEAD_LETTER_TOPIC)
    return PipelineStatus(outboxes(sql), consumers(sql, ends, committed), len(view.due_referrals(now)),
                          view.overdue_followup_count(now), dead)


class PipelineCollector:
    """Prometheus gauges, computed when scraped (at most every `every` seconds)."""

    def __init__(self, settings: Settings, sql: Sql, view: DeskView, every: float = 5.0):
        self.settings, self.sql, self.view, self.every = settings, sql, view, every
        self._last: tuple[float, PipelineStatus] | None = None

    def status(self) -> PipelineStatus:
        if self._last is None or time.monotonic() - self._last[0] > self.every:
            self._last = (time.monotonic(), pipeline_status(self.settings, self.sql, self.view))
        return self._last[1]

    def collect(self) -> Any:
        status = self.status()
        lag = GaugeMetricFamily("hotline_consumer_lag", "Messages a consumer has yet to handle",
                                labels=["group", "topic", "partition"])
        for c in status.consumers:
            lag.add_metric([c["group"], c["topic"], str(c["partition"])], c["lag"])
        backlog = GaugeMetricFamily("hotline_outbox_backlog", "Stored events not yet published",
                                    labels=["app"])
        for o in status.outboxes:
            backlog.add_metric([o["app"]], o["backlog"])
        overdue = GaugeMetricFamily("hotline_referrals_overdue",
                                    "Referrals past their due time not yet escalated")
        overdue.add_metric([], status.overdue)
        followups = GaugeMetricFamily("hotline_followups_overdue", "Follow-up visits past their due date")
        followups.add_metric([], status.followups_overdue)
        dead = GaugeMetricFamily("hotline_dead_letters", "Messages ever put on the dead-letter topic")
        dead.add_metric([], status.dead_letters)
        return [lag, backlog, overdue, followups, dead]


def watch_checkpoints(checkpointer: Checkpointer, registry: CollectorRegistry = REGISTRY) -> None:
    """The audit process's gauges: entries chained but not yet in a signed checkpoint, and how
    long since the last checkpoint went out (alert when both stay up: checkpoints stalled)."""
    unpublished = Gauge("hotline_audit_unpublished_entries", "Audit entries chained, not yet checkpointed",
                        registry=registry)
    age = Gauge("hotline_audit_checkpoint_age_seconds", "Seconds since the last signed checkpoint",
                registry=registry)

    def behind() -> float:
        head = checkpointer.audit.head()
        return float(max(0, (head.length if head else 0) - max(checkpointer.published, 0)))

    unpublished.set_function(behind)
    age.set_function(lambda: (datetime.now(UTC) - checkpointer.published_at).total_seconds())
