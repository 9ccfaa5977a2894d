"""What intake refuses, as the typed errors the API maps to HTTP."""

from __future__ import annotations

from services.common.errors import Conflict, NotFound


class IdempotencyConflict(Conflict):
    """The Idempotency-Key was used before with a different body."""

    def __init__(self, report_id: str):
        super().__init__("This Idempotency-Key was already used with a different report body")
        self.report_id = report_id


class ReportNotFound(NotFound):
    """No such report (or not visible to the caller)."""

    def __init__(self, report_id: str = ""):
        super().__init__("No such report")
        self.report_id = report_id


class ReportErased(Conflict):
    """The report's personal data was erased; nothing can be added to it."""

    def __init__(self, report_id: str):
        super().__init__("This report's personal data was erased; file a new report")
        self.report_id = report_id
