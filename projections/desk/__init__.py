"""The desk read model: cases, referrals and timelines for desks, the board and statistics."""

from projections.desk.processor import DeskProjection
from projections.desk.reader import CaseLink, CaseRow, DeskReader, ReferralRow, TimelineRow
from projections.desk.view import DeskView

__all__ = ["CaseLink", "CaseRow", "DeskProjection", "DeskReader", "DeskView", "ReferralRow",
           "TimelineRow"]
