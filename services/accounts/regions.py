"""A supervisor's or auditor's region (contract §12): an administrative-code prefix, 2 digits a
province, 4 a city, 6 a county (their names are the directory's: Directory.region_name)."""

from __future__ import annotations

import re

from services.common.errors import FieldError
from services.common.numbers import fold
from services.common.vocabulary import Role

REGION_ROLES = frozenset({Role.supervisor, Role.auditor})
JURISDICTION = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}")


def clean_region(region: str | None, role: str) -> str | None:
    """The region folded (fullwidth digits) and checked; None (everywhere) when left blank."""
    folded = (fold(region) or "").strip() if region is not None else ""
    if not folded:
        return None
    if role not in REGION_ROLES:
        raise FieldError("region", "only a supervisor or auditor account has a region")
    if not (folded.isascii() and JURISDICTION.fullmatch(folded)):
        raise FieldError("region", "region must be 2, 4 or 6 digits 0-9 (province, city or county code)")
    return folded
