"""How a client authenticates to Kafka and encrypts what it sends: SASL/SCRAM with a principal
per service, over TLS (SASL_SSL) or not (SASL_PLAINTEXT, make up's private broker), TLS alone
(SSL), or PLAINTEXT where the broker asks for nothing. kafka-python's own option names."""

from __future__ import annotations

import os
from typing import Any

PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL")


def sasl(protocol: str, mechanism: str, username: str, password: str, cafile: str = "") -> dict[str, Any]:
    """The client options; over TLS the broker's certificate is checked against `cafile` (the
    system's CAs when empty) and its name against the bootstrap address."""
    protocol = protocol.upper()
    options: dict[str, Any] = {}
    if "SSL" in protocol:
        options = {"security_protocol": protocol, "ssl_check_hostname": True}
        if cafile:
            options["ssl_cafile"] = cafile
    if protocol.startswith("SASL_") and username:
        options.update({"security_protocol": protocol, "sasl_mechanism": mechanism.upper(),
                        "sasl_plain_username": username, "sasl_plain_password": password})
    return options


def from_env(prefix: str = "HOTLINE_KAFKA_") -> dict[str, Any]:
    return sasl(os.environ.get(f"{prefix}SECURITY_PROTOCOL", "PLAINTEXT"),
                os.environ.get(f"{prefix}SASL_MECHANISM", "SCRAM-SHA-512"),
                os.environ.get(f"{prefix}SASL_USERNAME", ""),
                os.environ.get(f"{prefix}SASL_PASSWORD", ""),
                os.environ.get(f"{prefix}SSL_CAFILE", ""))
