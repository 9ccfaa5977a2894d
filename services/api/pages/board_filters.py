"""Which of the region's cases the board lists: open ones by default, closed ones or all when
asked, one level, or the case a case number or a receipt number (受理编号) names; and the counts
above the list, each a link to its cases (stop 58's city supervisor: no counts, no search, and
the closed cases stayed on a board that only grew)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from services.common.numbers import fold
from services.common.vocabulary import RISK_LEVELS
from services.intake.domain import receipt_tail, typed_tail
from services.oversight.board import case_state

SHOWS = {"open": "在办", "closed": "已结案", "all": "全部"}
ONLY = {"late": "超时未接收", "review": "待复核", "unheld": "无单位在办"}  # the counts' flags, each a link
CASE_NUMBER = re.compile(r"[0-9a-f]{4,8}(?:-[0-9a-f-]{0,28})?")


@dataclass(frozen=True)
class Filters:
    county: str = ""
    show: str = "open"
    level: str = ""
    q: str = ""
    only: str = ""

    @classmethod
    def of(cls, params: Any, county: str) -> Filters:
        show, level, only = params.get("show", "open"), params.get("level", ""), params.get("only", "")
        return cls(county=county, show=show if show in SHOWS else "open",
                   level=level if level in RISK_LEVELS else "", q=str(params.get("q", "")).strip()[:40],
                   only=only if only in ONLY else "")

    def query(self, **changed: str) -> str:
        """The board's own address with these filters ("" for none), as links and forms keep them."""
        chosen = {**{"county": self.county, "show": self.show, "level": self.level, "q": self.q,
                     "only": self.only}, **changed}
        kept = {k: v for k, v in chosen.items() if v and not (k == "show" and v == "open")}
        return f"?{urlencode(kept)}" if kept else ""


def closed(case: Any) -> bool:
    return case_state(case) == "closed"


def wanted(case: Any, show: str) -> bool:
    """A closed case a supervisor must look at again (a dissatisfied reporter) is listed as open."""
    return show == "all" or (closed(case) and not case["needs_review"]) == (show == "closed")


def found(container: Any, cases: list[Any], text: str) -> list[Any]:
    """The cases a typed case number (its first characters, as the pages show it) or a receipt
    number names, among the caller's; fullwidth digits and dashes as typed on a phone; a receipt
    number's ten characters alone too (stop 64's civil desk: a caller reads out only those)."""
    typed = fold(text).strip().lower()
    if CASE_NUMBER.fullmatch(typed):
        return [c for c in cases if c["case_id"].startswith(typed)]
    if (tail := typed_tail(text)) is not None:  # the board's cases carry their reports; referrals do not
        rows = cases if all("report_ids" in c for c in cases) else \
            container.view.cases_by_id(sorted({c["case_id"] for c in cases}))
        named = {c["case_id"] for c in rows if tail_report(c, tail)}
        return [c for c in cases if c["case_id"] in named]
    report = container.intake.report_id_for_receipt(text)
    link = container.view.case_for_report(report) if report else None
    return [c for c in cases if link and c["case_id"] == link["case_id"]]


def tail_report(case: Any, tail: str) -> str | None:
    """The case's report whose receipt number ends in these ten characters (the receipt's tail is
    the report id's first 50 bits: no store is read)."""
    return next((r for r in case.get("report_ids") or () if receipt_tail(UUID(r).bytes) == tail), None)


def listed(container: Any, cases: list[Any], chosen: Filters, keep: str = "") -> list[Any]:
    """The cases the filters choose, in the board's order; `keep` (the case just acted on) stays
    whatever they say, so the notice's link finds its row."""
    picked = found(container, cases, chosen.q) if chosen.q else [c for c in cases if wanted(c, chosen.show)]
    if chosen.level:
        picked = [c for c in picked if c["risk_level"] == chosen.level]
    if chosen.only:
        state = {"late": "escalated", "unheld": "unheld"}.get(chosen.only)
        picked = [c for c in picked if (case_state(c) == state if state else c["needs_review"])]
    return picked if not keep or any(c["case_id"] == keep for c in picked) else \
        [*picked, *(c for c in cases if c["case_id"] == keep)]


def counts(cases: list[Any]) -> dict[str, Any]:
    """What the line above the list counts, of every case of the region (the county chosen)."""
    working = [c for c in cases if wanted(c, "open")]
    return {"open": len(working), "closed": len(cases) - len(working),
            "closed_review": sum(closed(c) for c in working),  # closed, a reporter dissatisfied: to review
            "levels": {level: sum(c["risk_level"] == level for c in working) for level in RISK_LEVELS},
            "escalated": sum(case_state(c) == "escalated" for c in working),
            "unheld": sum(case_state(c) == "unheld" for c in working),
            "review": sum(bool(c["needs_review"]) for c in working)}
