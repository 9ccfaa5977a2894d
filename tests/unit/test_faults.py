"""The chaos suite's crash points: armed by a file, fired once, and absent unless asked for."""

from pathlib import Path

from services.bootstrap import Wiring
from services.common.faults import FaultFile, never
from services.common.settings import Settings


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
