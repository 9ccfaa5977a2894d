"""A worker process's own `/healthz` and `/metrics` (HOTLINE_METRICS_PORT), so a scraper watches
every process, not only the API: `/healthz` answers 200 while the worker's thread is alive, and
names the release it runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from services.common.build_info import build_info


class ProbeServer:
    def __init__(self, host: str, port: int, alive: Callable[[], bool], release: str = "unknown"):
        build = build_info(release)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/metrics":
                    self._answer(200, generate_latest(REGISTRY) + generate_latest(build), CONTENT_TYPE_LATEST)
                elif self.path == "/healthz":
                    ok = alive()
                    body = {"status": "alive" if ok else "stopped", "release": release}
                    self._answer(200 if ok else 503, json.dumps(body).encode(), "application/json")
                else:
                    self._answer(404, b"not found\n", "text/plain")

            def _answer(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # the scraper's every look is not news
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="probe", daemon=True)

    def start(self) -> ProbeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
