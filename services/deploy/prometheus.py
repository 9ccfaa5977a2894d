"""Prometheus for the distributed wiring: a scrape configuration for the processes of `hotline
processes` (the API's port, each worker's HOTLINE_METRICS_PORT), the alert rules and the Grafana
dashboard."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from services.common.settings import Settings
from services.runtime.processlist import metrics_port, processes

MONITORING = Path(__file__).resolve().parents[2] / "infra" / "monitoring"
FILES = ("prometheus.yml", "alerts.yml", "alerts.test.yml", "grafana-dashboard.json")


def scrape_config(settings: Settings, hosts: dict[str, str], default_host: str) -> dict[str, Any]:
    """Prometheus's configuration (JSON is YAML): the API and every worker, labelled by process."""
    listed = processes(settings.consumers, settings.relays)

    def host(name: str) -> str:
        return hosts.get(name, default_host)

    workers = [{"targets": [f"{host(p.name)}:{metrics_port(settings, p)}"], "labels": {"process": p.name}}
               for p in listed if p.kind != "api"]
    return {
        "global": {"scrape_interval": "15s", "evaluation_interval": "15s"},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [
            {"job_name": "hotline-api", "metrics_path": "/metrics", "static_configs": [
                {"targets": [f"{host('api')}:{settings.port}"], "labels": {"process": "api"}}]},
            {"job_name": "hotline-workers", "metrics_path": "/metrics", "static_configs": workers},
        ],
    }


def write_monitoring(settings: Settings, target: Path, hosts: dict[str, str], default_host: str) -> None:
    """prometheus.yml, and the alert rules and dashboard as kept in infra/monitoring."""
    config = scrape_config(settings, hosts, default_host)
    target.mkdir(parents=True, exist_ok=True)
    (target / "prometheus.yml").write_text(json.dumps(config, indent=2) + "\n")
    for name in FILES[1:]:
        shutil.copyfile(MONITORING / name, target / name)
