"""How a client authenticates to Kafka: SASL/SCRAM with a principal per service (make up), or
PLAINTEXT where the broker asks for nothing. kafka-python's own option names."""

from __future__ import annotations

import os
from typing import Any


def sasl(protocol: str, mechanism: str, username: str, password: str) -> dict[str, Any]:
    if protocol.upper() == "PLAINTEXT" or not username:
        return {}
    return {"security_protocol": protocol.upper(), "sasl_mechanism": mechanism.upper(),
            "sasl_plain_username": username, "sasl_plain_password": password}


def from_env(prefix: str = "HOTLINE_KAFKA_") -> dict[str, Any]:
    return sasl(os.environ.get(f"{prefix}SECURITY_PROTOCOL", "PLAINTEXT"),
                os.environ.get(f"{prefix}SASL_MECHANISM", "SCRAM-SHA-512"),
                os.environ.get(f"{prefix}SASL_USERNAME", ""),
                os.environ.get(f"{prefix}SASL_PASSWORD", ""))
