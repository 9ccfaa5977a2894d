"""PostgreSQL and Kafka as an operator runs them (#16): started by their own scripts on their own
ports and data directories, not by `make up`; TLS only (PostgreSQL verify-full against its CA,
Kafka SASL_SSL), Kafka a cluster of three brokers."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def infra(script: str, command: str, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", f"infra/{script}", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@contextmanager
def operator_servers(base: Path, pg_port: int, kafka_port: int) -> Iterator[dict[str, str]]:
    """The settings `make up` is given for them (HOTLINE_*), `pg_admin` (the superuser's URL) and
    `base` (their data directories)."""
    pg = {**os.environ, "HOTLINE_VAR_DIR": str(base / "pg-server"), "HOTLINE_PG_PORT": str(pg_port),
          "HOTLINE_PG_TLS": "1"}
    kafka = {**os.environ, "HOTLINE_VAR_DIR": str(base / "kafka-server"), "HOTLINE_KAFKA_BROKERS": "3",
             "HOTLINE_KAFKA_PORT": str(kafka_port), "HOTLINE_KAFKA_CONTROLLER_PORT": str(kafka_port + 1),
             "HOTLINE_KAFKA_TLS": "1"}
    try:
        infra("postgres.sh", "start", pg)
        infra("kafka.sh", "start", kafka)
        tls = f"?sslmode=verify-full&sslrootcert={infra('postgres.sh', 'ca', pg)}"
        admin = dict(line.split("=", 1) for line in infra("kafka.sh", "admin-env", kafka).splitlines())
        yield {"HOTLINE_DATABASE_URL": infra("postgres.sh", "url", pg) + tls,
               "HOTLINE_KAFKA_BOOTSTRAP_SERVERS": infra("kafka.sh", "bootstrap", kafka),
               "HOTLINE_KAFKA_REPLICAS": "3", **admin,
               "pg_admin": infra("postgres.sh", "admin-url", pg) + tls, "base": str(base)}
    finally:
        for script, env in (("kafka.sh", kafka), ("postgres.sh", pg)):
            subprocess.run(["bash", f"infra/{script}", "stop"], cwd=ROOT, env=env, capture_output=True,
                           timeout=300)
        shutil.rmtree(base, ignore_errors=True)
