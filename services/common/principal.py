"""Who is calling: a user with one role, scoped to an agency unit or sentinel point, and for
supervisors and auditors to a region (contract §12)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    agency_id: str | None = None
    sentinel_id: str | None = None
    # An administrative-code prefix: 2 digits a province, 4 a city, 6 a county; None everywhere.
    region: str | None = None

    @property
    def unit(self) -> str | None:
        return self.agency_id or self.sentinel_id

    def sees_region(self, region_code: str | None) -> bool:
        """Whether a case of this region code is inside the caller's jurisdiction."""
        return within(region_code, self.region)


def within(region_code: str | None, region: str | None) -> bool:
    """A region code lies in a jurisdiction when it starts with the jurisdiction's prefix."""
    if not region:
        return True
    return bool(region_code) and str(region_code).startswith(region)
