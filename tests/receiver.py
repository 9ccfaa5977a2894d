"""A local webhook receiver for the tests (unit and end-to-end): records every request, checks
nothing itself, answers what the test sets (`status`, `answer`), can be made to fail for a while
or to answer slowly (`delay`)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from services.notify import webhook


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that gave up on a slow answer (its timeout) is no error of the receiver's."""


class Receiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.got: list[dict[str, Any]] = []
        self.status, self.answer = 200, b'{"errcode":0}'
        self.failing = 0  # answer 503 to this many requests first
        self.delay = 0.0  # seconds before each answer (a slow receiver)
        self.location: str | None = None  # answer 302 to everything, pointing there
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.delay:
                    time.sleep(outer.delay)
                with outer.lock:
                    failing = outer.failing > 0
                    outer.failing -= 1 if failing else 0
                    outer.got.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                      "taken": not failing and outer.status < 300 and not outer.location,
                                      "at": time.time()})
                self.send_response(503 if failing else 302 if outer.location else outer.status)
                if outer.location:
                    self.send_header("Location", outer.location)
                self.end_headers()
                self.wfile.write(b"" if failing else outer.answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Quiet((host, 0), Handler)
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.url = f"{self.base}/hook?key=robot-1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hook(self, name: str) -> str:
        """A URL of its own for one contact (the path tells contacts apart)."""
        return f"{self.base}/{name}"

    def taken(self, path: str | None = None) -> list[dict[str, Any]]:
        """The payloads it accepted (JSON format), for one contact's path or all."""
        with self.lock:
            return [json.loads(g["body"]) for g in self.got
                    if g["taken"] and (path is None or urlparse(g["path"]).path == f"/{path}")]

    def signed(self, secret: str) -> bool:
        """Whether every request carried a valid signature of its body under the secret."""
        with self.lock:
            return bool(self.got) and all(g["headers"].get(webhook.SIGNATURE_HEADER)
                                          == webhook.sign(secret, g["body"]) for g in self.got)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
