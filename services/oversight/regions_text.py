"""How a region is named wherever it is shown (pages, workbooks): one rule, so that the two demo
counties read alike although the directory names 441823 without its city and 441802 with it.

The rule: a region's label is its own short name, preceded by the names of the levels between
the county and it ("连南瑶族自治县三江镇", "清城区", "清远市"); shown inside a region (`inside`,
e.g. the caller's or the page's), the levels down to that region are left out ("三江镇")."""

from __future__ import annotations

from services.dispatch.routing import Directory

# The digits of each level: province, city, county, township, village (as the statistics').
LEVELS = (2, 4, 6, 9, 12)
COUNTY = 6


def region_label(directory: Directory, code: str, inside: str | None = None) -> str:
    """A region's name as shown: from the county (or below `inside`) down to its own level; a
    code the directory lacks reads as its nearest named region above, else as the code."""
    known = [n for n in LEVELS if n <= len(code) and directory.region_name(code[:n])]
    if not known:
        return code
    own = known[-1]
    start = max(COUNTY, len(inside or "") + 1) if own > COUNTY else own
    return "".join(directory.region_name(code[:n]) for n in known if n >= min(start, own))


def region_trail(directory: Directory, code: str, top: str | None) -> list[tuple[str, str]]:
    """The regions from `top` (the caller's; none → from the province) down to the code, each
    (code, own short name), those the directory names: a breadcrumb's steps."""
    return [(code[:n], name) for n in LEVELS
            if len(top or "") <= n <= len(code) and (name := directory.region_name(code[:n]))]


def unit_county(directory: Directory, agency_id: str) -> str:
    """The county (or wider place) a unit serves, by name: 清远市人民医院 read as a city's body
    without it (the province supervisor's second review, stop 61)."""
    agency = directory.get(agency_id)
    served = sorted({r[:6] for r in agency.regions}) if agency else []
    return "、".join(directory.region_name(r) or r for r in served)
