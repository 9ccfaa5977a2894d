"""Free text that stays on inboxes and the board (a decline's reason, an outcome and its note, a
supervisor's call note, reason or review) names no child or reporter of its case: the forms ask
it, and this holds them to it as a major incident's summary is held (the civil desk's review, stop
53: a child's name in a 退回 reason was taken without a word)."""

from __future__ import annotations

from services.bootstrap import ApiContainer
from services.common.errors import FieldError, NotFound
from services.oversight.incidents import personal_on
from services.triage.assessment import named_in

SHOWN_ON = {"reason": "会留在收件箱和督办看板上", "outcome": "会留在收件箱和督办看板上",
            "note": "会显示在督办看板上", "progress": "会显示在督办看板上"}
# A supervisor's text on a case, by command: its field, its name and where it shows. The board's
# timeline is read by anyone at the board, unlike the audited 阅读报告原文 (the county supervisor's
# review, stop 55: a child's name in 改级原因 showed on the timeline).
ON_TIMELINE = "会显示在督办看板的案件时间线上"
TO_THE_UNIT = "会显示在督办看板和承办单位的转介详情上"
SUPERVISOR_TEXT = {"reassess": ("reason", "改级原因", ON_TIMELINE),
                   "review": ("note", "复核意见", ON_TIMELINE),
                   "refer": ("reason", "改派原因", TO_THE_UNIT),
                   "rework": ("reason", "重新交办原因", TO_THE_UNIT),
                   "close": ("reason", "结案原因", ON_TIMELINE)}


def check_unnamed(c: ApiContainer, case_id: str, texts: dict[str, tuple[str, str]],
                  shown: str | None = None) -> None:
    """FieldError on the first field (name → (label, text)) holding a name of the case's children
    or reporters, whole or without a one-character surname; nothing read when all are blank."""
    if not any(text.strip() for _, text in texts.values()):
        return
    try:
        names, _ = personal_on(c, c.triage.get_case(case_id))
    except NotFound:  # a case triage has not opened yet has no reports to name anyone from
        return
    for field, (label, text) in texts.items():
        if text.strip() and (named := named_in(text, names)):
            where = shown or SHOWN_ON.get(field, "会被其他人看到")
            raise FieldError(field, f"{label}不能含有儿童或报告人的{named}（{label}{where}）："
                                    "请改写，如“该儿童”“报告人”。")


def check_supervisor_text(c: ApiContainer, case_id: str, action: str, text: str) -> None:
    """A supervisor's reason or note for `action` on a case names no child or reporter of it."""
    field, label, shown = SUPERVISOR_TEXT[action]
    check_unnamed(c, case_id, {field: (label, text)}, shown)
