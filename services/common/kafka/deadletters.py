"""The dead-letter topic: a message a consumer cannot take goes here with where it came from
and why, and the consumer moves on (never skipped silently, never a crash loop)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from services.common.messages import DEAD_LETTER_TOPIC

ORIGIN = ("dlq_topic", "dlq_partition", "dlq_offset", "dlq_group", "dlq_reason", "dlq_at")


class DeadLetters:
    def __init__(self, bootstrap_servers: str, topic: str = DEAD_LETTER_TOPIC,
                 security: dict[str, Any] | None = None):
        self.servers = bootstrap_servers.split(",")
        self.security = security or {}
        self.topic = topic
        self._producer: KafkaProducer | None = None

    def _send(self, topic: str, key: bytes | None, value: bytes | None,
              headers: list[tuple[str, bytes]], partition: int | None = None) -> None:
        if self._producer is None:
            self._producer = KafkaProducer(**self.security, bootstrap_servers=self.servers, acks="all",
                                           enable_idempotence=True, client_id="hotline-dlq")
        self._producer.send(topic, key=key, value=value, headers=headers,
                            partition=partition).get(timeout=30)

    def send(self, record: Any, *, group: str, reason: str) -> None:
        """Returns once the broker holds the dead letter (acks=all)."""
        origin = [("dlq_topic", record.topic), ("dlq_partition", str(record.partition)),
                  ("dlq_offset", str(record.offset)), ("dlq_group", group),
                  ("dlq_reason", reason[:500]), ("dlq_at", datetime.now(UTC).isoformat())]
        kept = [(k, v) for k, v in (record.headers or []) if k not in ORIGIN]
        self._send(self.topic, record.key, record.value,
                   [*((k, v.encode()) for k, v in origin), *kept])

    def _records(self) -> list[Any]:
        consumer = KafkaConsumer(self.topic, **self.security, bootstrap_servers=self.servers,
                                 group_id=None,
                                 auto_offset_reset="earliest", enable_auto_commit=False,
                                 consumer_timeout_ms=3000)
        try:
            return list(consumer)
        finally:
            consumer.close()

    def list(self) -> list[dict[str, Any]]:
        """Where each dead letter came from and why (not its content: it may be personal)."""
        out = []
        for r in self._records():
            h = {k: v.decode(errors="replace") for k, v in (r.headers or [])}
            out.append({"topic": h.get("dlq_topic"), "partition": int(h.get("dlq_partition", -1)),
                        "offset": int(h.get("dlq_offset", -1)), "group": h.get("dlq_group"),
                        "reason": h.get("dlq_reason"), "at": h.get("dlq_at"),
                        "ce_type": h.get("ce_type"), "bytes": len(r.value or b"")})
        return out

    def replay(self, topic: str, partition: int, offset: int) -> int:
        """Publish the dead letters from this position to their topic again (after a fix)."""
        replayed = 0
        for r in self._records():
            h = {k: v.decode(errors="replace") for k, v in (r.headers or [])}
            if (h.get("dlq_topic"), h.get("dlq_partition"), h.get("dlq_offset")) == (
                    topic, str(partition), str(offset)):
                kept = [(k, v) for k, v in (r.headers or []) if k not in ORIGIN]
                self._send(topic, r.key, r.value, kept, partition)  # back where it was, in order
                replayed += 1
                break  # the same position may have been dead-lettered twice: replay it once
        return replayed

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
