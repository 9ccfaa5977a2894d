"""The callbacks' figures (回访, contract §13), counted by when the callback opened (the case's
结案时间): due (and overdue), done, reached, each answer, the callback rate and the satisfied
rate, per Beijing month; with `detail`, per county and the dissatisfied cases (no personal data)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from projections.desk.reader import DeskQueries
from services.common.auditnote import within
from services.common.vocabulary import BEIJING
from services.intake.callback import DISSATISFIED
from services.intake.callback_book import CallbackRow
from services.intake.callbacks import CallbacksApplication
from services.oversight.callback_reviews import reviewed_at

COUNTY_DIGITS = 6
ANSWERS = ("satisfied", "basically_satisfied", "dissatisfied")
# The rules, in the words the page and the workbook print beside the figures.
CALLBACK_RATE_RULE = "回访率 = 已回访 ÷ 应回访（已回访 + 待回访）"
SATISFIED_RATE_RULE = "满意率 =（满意 + 基本满意）÷ 联系上"


def _rate(part: int, whole: int) -> float | None:
    """A share to four places; None (a blank cell, never 0 %) when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def counts(rows: Iterable[CallbackRow], now: datetime) -> dict[str, Any]:
    """The figures of these callbacks."""
    rows = list(rows)
    done = [r for r in rows if r.status == "done"]
    reached = [r for r in done if r.reached]
    answers = {a: sum(r.satisfaction == a for r in reached) for a in ANSWERS}
    return {"due": len(rows) - len(done),
            "overdue": sum(r.status == "due" and r.due_at < now for r in rows),
            "done": len(done), "reached": len(reached), "unreached": len(done) - len(reached),
            **answers,
            "callback_rate": _rate(len(done), len(rows)),
            "satisfied_rate": _rate(answers["satisfied"] + answers["basically_satisfied"], len(reached))}


def callback_figures(callbacks: CallbacksApplication, region: str | None, since: datetime | None = None,
                     until: datetime | None = None, *, counties: Iterable[str] = (),
                     detail: bool = False, view: DeskQueries | None = None) -> dict[str, Any]:
    """The figures of the callbacks opened (cases closed) in the window and region, and of each
    Beijing month (`by_month`, without overdue); with `detail`, `by_county` (each of `counties`
    and any other county counted, when more than one) and `dissatisfied_cases` (newest first; with
    `view`, each with `reviewed_at`: the case's first review since, or None)."""
    now = datetime.now(UTC)
    rows = [r for r in callbacks.book.read() if within(r.region_code, region)
            and (since is None or r.opened_at >= since) and (until is None or r.opened_at < until)]
    months: dict[str, list[CallbackRow]] = {}
    for r in rows:
        months.setdefault(r.opened_at.astimezone(BEIJING).strftime("%Y-%m"), []).append(r)
    found = {**counts(rows, now), "by_month": [
        {"month": m, **{k: v for k, v in counts(months[m], now).items() if k != "overdue"}}
        for m in sorted(months)]}
    if detail:
        reviewed = reviewed_at(view, rows) if view is not None else {}
        found["by_county"] = by_county(rows, now, region, counties)
        found["dissatisfied_cases"] = [
            {"case_id": r.case_id, "region_code": r.region_code,
             "recorded_at": r.done_at.isoformat() if r.done_at else None,
             "reviewed_at": reviewed[r.callback_id].isoformat() if r.callback_id in reviewed else None}
            for r in sorted((r for r in rows if r.satisfaction == DISSATISFIED),
                            key=lambda r: r.done_at or r.opened_at, reverse=True)]
    return found


def by_county(rows: list[CallbackRow], now: datetime, region: str | None,
              counties: Iterable[str]) -> list[dict[str, Any]]:
    """Each county's figures, when the region holds several (a county's own region: none)."""
    if len(region or "") >= COUNTY_DIGITS:
        return []
    codes = sorted({*counties, *(r.region_code[:COUNTY_DIGITS] for r in rows
                                 if len(r.region_code) >= COUNTY_DIGITS)})
    if len(codes) < 2:
        return []
    return [{"code": code, **counts((r for r in rows if r.region_code.startswith(code)), now)}
            for code in codes]
