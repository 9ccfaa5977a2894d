"""Where each topic partition ends, and where a consumer group has committed: for lag."""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

Partition = tuple[str, int]


def end_offsets(servers: str, topics: list[str], security: dict[str, Any] | None = None,
                timeout_ms: int = 5000) -> dict[Partition, int]:
    """The next offset of every partition of these topics (needs DESCRIBE on them, no READ)."""
    consumer = KafkaConsumer(**(security or {}), bootstrap_servers=servers.split(","),
                             request_timeout_ms=max(timeout_ms, 3000) + 1000)
    try:
        partitions = [TopicPartition(t, p) for t in topics
                      for p in sorted(consumer.partitions_for_topic(t) or ())]
        ends = consumer.end_offsets(partitions) if partitions else {}
        return {(tp.topic, tp.partition): int(offset) for tp, offset in ends.items()}
    finally:
        consumer.close()


def committed_offsets(servers: str, group: str, security: dict[str, Any] | None = None
                      ) -> dict[Partition, int]:
    """What the group committed (the administrator's view; tracked positions are what count)."""
    admin = KafkaAdminClient(**(security or {}), bootstrap_servers=servers.split(","),
                             request_timeout_ms=5000)
    try:
        found = admin.list_group_offsets(group).get(group, {})
        return {(tp.topic, tp.partition): int(meta.offset) for tp, meta in found.items()}
    finally:
        admin.close()
