"""A Kafka topic used as an append-only log of small JSON records (one partition, in order)."""

from __future__ import annotations

import json
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


class KafkaTopicLog:
    def __init__(self, bootstrap_servers: str, topic: str, *, client_id: str = "hotline-log",
                 security: dict[str, Any] | None = None):
        self.servers = bootstrap_servers.split(",")
        self.security = security or {}
        self.topic = topic
        self.client_id = client_id
        self._producer: KafkaProducer | None = None

    def publish(self, record: dict[str, Any]) -> None:
        """Returns once the broker acknowledged the record (acks=all)."""
        if self._producer is None:
            self._producer = KafkaProducer(**self.security, bootstrap_servers=self.servers,
                                           client_id=self.client_id,
                                           acks="all", max_block_ms=15000)
        value = json.dumps(record, sort_keys=True).encode()
        self._producer.send(self.topic, key=b"log", value=value, partition=0).get(timeout=30)

    def read_all(self) -> list[dict[str, Any]]:
        consumer = KafkaConsumer(**self.security, bootstrap_servers=self.servers,
                                 client_id=f"{self.client_id}-reader",
                                 enable_auto_commit=False, group_id=None)
        try:
            tp = TopicPartition(self.topic, 0)
            consumer.assign([tp])
            consumer.seek_to_beginning(tp)
            end = consumer.end_offsets([tp])[tp]
            out: list[dict[str, Any]] = []
            while consumer.position(tp) < end:
                for records in consumer.poll(timeout_ms=1000).values():
                    out.extend(json.loads(r.value) for r in records)
            return out
        finally:
            consumer.close()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
