"""The admin CLI's container: each part built on first use, so a command opens only its stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from projections.desk.view import DeskView
from services.accounts.application import AccountsApplication
from services.audit.follower import AuditFollower
from services.audit.trail import AuditTrail
from services.bootstrap.processes import _close
from services.bootstrap.wiring import Wiring
from services.common.keystore import KeyStore
from services.dispatch.routing import Directory
from services.intake.application import IntakeApplication
from services.intake.callbacks import CallbacksApplication
from services.notify.application import NotifyApplication
from services.triage.application import TriageApplication


@dataclass
class CliContainer:
    wiring: Wiring
    _opened: list[Any] = field(default_factory=list)

    def _open(self, part: Any) -> Any:
        self._opened.append(part)
        return part

    @property
    def directory(self) -> Directory:
        return self.wiring.directory

    @cached_property
    def keys(self) -> KeyStore:
        return self._open(self.wiring.keystore())  # type: ignore[no-any-return]

    @cached_property
    def accounts(self) -> AccountsApplication:
        return self._open(self.wiring.accounts())  # type: ignore[no-any-return]

    @cached_property
    def intake(self) -> IntakeApplication:
        return self._open(self.wiring.intake(self.keys))  # type: ignore[no-any-return]

    @cached_property
    def view(self) -> DeskView:
        return self._open(self.wiring.view())  # type: ignore[no-any-return]

    @cached_property
    def triage(self) -> TriageApplication:
        return self._open(self.wiring.triage(self.keys))  # type: ignore[no-any-return]

    @cached_property
    def notify(self) -> NotifyApplication:
        return self._open(self.wiring.notify())  # type: ignore[no-any-return]

    @cached_property
    def callbacks(self) -> CallbacksApplication:
        """Read for the statistics (回访, §13)."""
        return self._open(self.wiring.callbacks(self.keys, self.intake))  # type: ignore[no-any-return]

    @cached_property
    def audit(self) -> AuditTrail:
        return self._open(self.wiring.audit())  # type: ignore[no-any-return]

    def sequence(self) -> int:
        """What this command queued or noted, into the chain now (as the sequencer would within a
        second; sequencers meet safely, so the CLI may be one while the stack runs)."""
        sources: dict[str, Any] = {name: self.__dict__[name] for name in ("intake", "accounts", "notify")
                                   if name in self.__dict__}
        if not sources and not ("audit" in self.__dict__ and self.audit.recorded):
            return 0
        return AuditFollower(self.audit, sources).pump()

    def close(self) -> None:
        self.sequence()
        if "audit" in self.__dict__ and self.audit.appended:  # publish the head it moved
            self.wiring.checkpointer(self.audit).checkpoint()
        _close(*reversed(self._opened))
        self._opened.clear()


def bootstrap_cli(w: Wiring) -> CliContainer:
    return CliContainer(w)
