"""The report's path in docs/architecture.md is the one the code takes: the product's modules a
red report crosses, filed on the console with its session cookie, until the on-call contact's
webhook takes it, traced in the embedded wiring; the distributed wiring's parts stand in for the
embedded runner."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi.testclient import TestClient

from services.api.auth import TokenVersions
from services.api.http import create_app
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.notify.notifier import Notifier
from tests.conftest import Api
from tests.helpers import add_test_users, report_body
from tests.receiver import Receiver
from tests.unit.test_console import console_csrf
from tests.unit.test_notifications import receiver, set_rosters  # noqa: F401 - the fixture
from tests.unit.test_pages import login

ROOT = Path(__file__).resolve().parents[2]
# Where the distributed wiring differs: the relay and the consumer loop do what the embedded runner
# does here (the relay's crash point for `make chaos` is not called outside it).
EMBEDDED = {"common/embedded.py"}
DISTRIBUTED = {"common/kafka/relay.py", "common/kafka/consumer.py"}
# Branches beside the path: the callbacks consumer (the desk's projection is under projections/).
BESIDE = {"intake/callback.py", "intake/callbacks.py"}
# What every log line passes through (its redaction), whatever the step: beside the path, and
# crossed or not as the tests before configured the logs.
LOGS = {"common/logging.py"}
PAGE = "api/templates/intake.html"  # the console's page, where Ctrl+Enter is pressed


class Trace:
    """The product's modules (relative to services/) whose functions are called while recording,
    in this thread and every thread started after it (the test client's, the thread pool's)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.recording = False

    def __enter__(self) -> Trace:
        threading.setprofile(self.profile)
        sys.setprofile(self.profile)
        return self

    def __exit__(self, *_: object) -> None:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]

    def profile(self, frame: FrameType, what: str, _: Any) -> None:
        if self.recording and what == "call":
            self.seen.add(frame.f_code.co_filename)

    def modules(self) -> set[str]:
        services = str(ROOT / "services") + "/"
        return {f.removeprefix(services) for f in self.seen if f.startswith(services)}


def documented() -> list[str]:
    """The numbered files of the path's section, in order."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## One report's path", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\d+\. \(?`([a-z_/]+\.(?:py|html))`", section, re.M)


def test_the_documented_path_is_the_traced_one(hotline: ApiContainer, runner: EmbeddedRunner,
                                               receiver: Receiver) -> None:  # noqa: F811
    add_test_users(hotline.accounts)
    with Trace() as trace, TestClient(create_app(hotline)) as client:
        api = Api(client)
        set_rosters(api, receiver)
        login(client, "operator1")
        headers = {"Idempotency-Key": "path-1", "X-CSRF-Token": console_csrf(api)}
        notifier = Notifier(hotline.notify)
        # The token's version as the path reads it: from the accounts, not from the last 0.5 s.
        client.app.state.tokens.is_current = TokenVersions(hotline.accounts).is_current  # type: ignore[attr-defined]
        trace.recording = True
        assert client.post("/v1/reports", json=report_body(), headers=headers).status_code == 201
        runner.pump()
        assert notifier.tick() >= 1
        trace.recording = False
    assert receiver.taken()
    crossed = trace.modules()
    assert EMBEDDED <= crossed and BESIDE <= crossed
    listed = documented()
    assert len(listed) == len(set(listed)), "each file is counted once, where the report first crosses it"
    assert set(listed) == (crossed - EMBEDDED - BESIDE - LOGS) | DISTRIBUTED | {PAGE}
    count = re.search(r"\*\*(\d+) files\*\*", (ROOT / "docs" / "architecture.md").read_text())
    assert count and int(count.group(1)) == len(listed)
