"""Where a supervisor or auditor may look (contract §12): a case inside the caller's region, and
the region a filtered read covers. Every test of a code against a region is `within`'s."""

from __future__ import annotations

from services.bootstrap import ApiContainer
from services.common.auditnote import Principal, within
from services.common.errors import NotFound
from services.dispatch.domain import Referral


class Outside(NotFound):
    """A case or a region outside the caller's jurisdiction: as if it did not exist."""


def check_case(c: ApiContainer, who: Principal, case_id: str, what: str = "case") -> None:
    """Outside (404) unless the case lies in the caller's region; read from triage's store, so a
    case the view has not caught up with is judged too."""
    if who.region is None:
        return
    try:
        region_code = c.triage.get_case(case_id).region_code
    except NotFound:
        raise Outside(f"No such {what}") from None
    if not who.sees_region(region_code):
        raise Outside(f"No such {what}")


def check_referral(c: ApiContainer, who: Principal, referral_id: str) -> Referral:
    """The referral (dispatch's aggregate) when its case lies in the caller's region; Outside (404)
    when it is not there or not known."""
    try:
        referral = c.dispatch.get_referral(referral_id)
    except NotFound:
        raise Outside("No such referral") from None
    check_case(c, who, referral.case_id, "referral")
    return referral


def narrowed(who: Principal, asked: str | None) -> str | None:
    """The region a read filtered by `asked` covers, for this caller (see `narrow`)."""
    return narrow(who.region, asked)


def narrow(mine: str | None, asked: str | None) -> str | None:
    """The region a read filtered by `asked` covers: the caller's when none is asked, the asked
    one when it lies in the caller's; Outside (404) when it lies outside or is wider (nothing
    said about what is there)."""
    if asked is None:
        return mine
    if not within(asked, mine):
        raise Outside(f"region {asked} is outside your jurisdiction")
    return asked


def cases_within(c: ApiContainer, who: Principal, case_ids: set[str]) -> set[str]:
    """Those of the cases that lie in the caller's region (all of them for a caller without one)."""
    if who.region is None:
        return case_ids
    inside = set()
    for case_id in case_ids:
        try:
            check_case(c, who, case_id)
        except Outside:
            continue
        inside.add(case_id)
    return inside


def check_case_filter(c: ApiContainer, who: Principal, case: str) -> None:
    """A region-bound auditor filters the audit trail by a case of their region only (a short id:
    some case it names lies there); else Outside."""
    if who.region is None:
        return
    for case_id in [case] if len(case) == 36 else c.audit.case_ids(case):
        try:
            check_case(c, who, case_id)
            return
        except Outside:
            continue
    raise Outside("No such case")
