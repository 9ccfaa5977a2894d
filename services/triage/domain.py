"""The module earlier releases' stored events name (`services.triage.domain:Case.Opened`, …):
its names resolve those topics to the aggregates' own modules. New code imports those."""

from services.triage.case import Case, TriageError, case_id_for
from services.triage.indexes import ChildIndex, ReportLink, child_index_id, link_id_for

__all__ = ["Case", "ChildIndex", "ReportLink", "TriageError", "case_id_for", "child_index_id",
           "link_id_for"]
