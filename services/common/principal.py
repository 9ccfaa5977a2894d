"""Who is calling: a user with one role, scoped to an agency unit or sentinel point."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    agency_id: str | None = None
    sentinel_id: str | None = None

    @property
    def unit(self) -> str | None:
        return self.agency_id or self.sentinel_id
