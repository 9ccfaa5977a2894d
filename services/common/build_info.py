"""Which release a process runs, as a metric every process serves (the API and each worker)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge


def build_info(release: str) -> CollectorRegistry:
    """`hotline_build_info{release="…"} 1`: which release each scraped process runs."""
    registry = CollectorRegistry(auto_describe=False)
    Gauge("hotline_build_info", "The release this process runs", ["release"],
          registry=registry).labels(release).set(1)
    return registry
