"""Who reads which case (contract §10, "Operators see their own"; §12): a supervisor the cases of
their region (every case without one), an operator only the cases holding a report that operator
filed; list reads audited with filters."""

from __future__ import annotations

from projections.desk.reader import CaseRow
from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog, Principal
from services.common.errors import NotFound
from services.oversight.filters import filters_text
from services.oversight.unreached import flag_case, flag_unreached


def own_cases(c: ApiContainer, who: Principal) -> set[str] | None:
    """The case ids an operator may read; None: no limit by filer (supervisors, whose limit is
    their region)."""
    if who.role != "operator":
        return None
    return set().union(*(c.view.cases_filed_by(ref) for ref in c.intake.submitter_refs(who.subject)))


def list_cases(c: ApiContainer, who: Principal, audit: AuditLog, risk_level: str | None,
               status: str | None) -> list[CaseRow]:
    audit(who, "case.list", "cases", filters_text(risk_level=risk_level, status=status))
    allowed = own_cases(c, who)
    cases = c.view.list_cases(risk_level, status, region=who.region)
    if allowed is not None:
        cases = [case for case in cases if case["case_id"] in allowed]
    return flag_unreached(cases, c.notify)


def get_case(c: ApiContainer, who: Principal, audit: AuditLog, case_id: str) -> CaseRow:
    allowed = own_cases(c, who)
    hidden = allowed is not None and case_id not in allowed
    case = None if hidden else flag_case(c.view.get_case(case_id), c.notify)
    if case is None or not who.sees_region(case["region_code"]):
        raise NotFound("No such case")
    audit(who, "case.read", "case", case_id, case_id)
    return case  # type: ignore[no-any-return]
