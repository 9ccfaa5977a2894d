"""Who may do what with a report: business rules of intake, used by the API and the pages alike."""

from __future__ import annotations

from services.common.errors import FieldError
from services.common.principal import Principal
from services.common.vocabulary import HOTLINE_CHANNELS, Channel, Role


def check_channel(channel: str, *, role: str, sentinel_id: str | None,
                  agency_id: str | None = None) -> None:
    """Who may file on which channel (contract §2, §12): hotline staff on the hotline numbers,
    mandated reporters on the web form, or as their sentinel point when bound to one, an agency
    unit's desk on agency_notice only."""
    problem = None
    if role == Role.desk:
        if channel != Channel.agency_notice:
            problem = "an agency unit's desk files on agency_notice"
        elif not agency_id:
            problem = "agency_notice needs an account bound to an agency unit"
    elif channel == Channel.agency_notice:
        problem = "agency_notice is filed by an agency unit's desk"
    elif role == Role.operator and channel not in HOTLINE_CHANNELS:
        problem = "hotline operators file on hotline_12345, hotline_12349 or hotline_12355"
    elif role == Role.reporter and channel in HOTLINE_CHANNELS:
        problem = "mandated reporters file on web_form (or sentinel, if bound to a sentinel point)"
    elif channel == Channel.sentinel and not sentinel_id:
        problem = "the sentinel channel needs an account bound to a sentinel point; use web_form"
    if problem:
        raise FieldError("channel", problem)


def may_supplement(principal: Principal, *, submitted_by: str, channel: str) -> bool:
    """The submitter, any operator for a hotline call (the next shift takes over), supervisors."""
    return (principal.role == Role.supervisor or principal.subject == submitted_by
            or (principal.role == Role.operator and channel in HOTLINE_CHANNELS))
