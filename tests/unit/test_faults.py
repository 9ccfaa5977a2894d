"""The chaos suite's crash points: armed by a file, fired once, and absent unless asked for."""

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from eventsourcing.popo import POPOTrackingRecorder

from services.bootstrap import ApiContainer, Wiring
from services.bootstrap.outboxes import TRANSLATED, TRANSLATORS
from services.common.faults import FaultFile, never
from services.common.kafka.relay import OutboxRelay
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_outbox_topics import Producer


def test_a_fault_file_fires_once(tmp_path: Path) -> None:
    fault = FaultFile(tmp_path / "relay-intake.crash-after-publish")
    assert not fault.fired()
    fault.path.touch()
    assert fault.fired() and not fault.path.exists() and not fault.fired()


def test_crash_points_exist_only_with_fault_injection_and_never_in_production(tmp_path: Path) -> None:
    name = "relay-intake.crash-after-publish"
    assert Wiring.of(Settings(var_dir=tmp_path), "memory").fault(name) is never
    production = Settings(var_dir=tmp_path, fault_injection=True, environment="production")
    assert Wiring.of(production, "memory").fault(name) is never
    armed = Wiring.of(Settings(var_dir=tmp_path, fault_injection=True), "memory").fault(name)
    assert armed is not never
    armed()  # not armed: nothing happens (a fired one would end this process)


def test_a_relay_calls_its_crash_point_only_when_one_is_armed(api: Api, hotline: ApiContainer,
                                                               tmp_path: Path) -> None:
    """Outside `make chaos` the relay has nothing to call between publish and record; with fault
    injection on, it calls the crash point once per batch it publishes."""
    called: list[str] = []

    def relay(after_publish: Callable[[], None]) -> OutboxRelay:
        return OutboxRelay(leader=hotline.intake, translate=TRANSLATORS["intake"], producer=Producer(),
                           topic="hotline.reports.v1", position=POPOTrackingRecorder(),
                           topics=TRANSLATED["intake"], wakeup=None, after_publish=after_publish)

    api.submit(report_body(), key="one")
    quiet = relay(Wiring.of(Settings(var_dir=tmp_path), "memory").fault("relay-intake.crash-after-publish"))

    def profile(frame: FrameType, what: str, _: object) -> None:
        if what == "call":
            called.append(frame.f_code.co_filename)

    sys.setprofile(profile)
    try:
        assert quiet.publish_pending() > 0
    finally:
        sys.setprofile(None)
    assert called and not [f for f in called if f.endswith("common/faults.py")]
    hooks: list[int] = []
    assert relay(lambda: hooks.append(1)).publish_pending() > 0 and hooks == [1]
