"""Why triage gave a case its level, in Chinese, from the rationale its event records (the
reviews of stop 62: a child living alone for days came out yellow and no page said why)."""

from __future__ import annotations

import re

from services.common.labels import CONCERN_TEXT, LEVEL_TEXT

LEVELS = "|".join(LEVEL_TEXT)
_DANGER = re.compile(rf"^({LEVELS}): immediate danger reported$")
_PHRASES = re.compile(rf"^({LEVELS}): narrative mentions (.+?) \((.*)\)$")
_BURST = re.compile(rf"^({LEVELS}): (\d+) reports about one child within (\d+) hours \((.*)\)$")
_KEPT = re.compile(rf"^({LEVELS}): kept \(supplement assessed ({LEVELS})\)$")
_CONCERNS = re.compile(rf"^({LEVELS}): (?:only )?([a-z_, ]+)$")
_STRANGER = "; joined by a report from another reporter account (review)"
DANGER_SAID = "报告时儿童处于紧急危险中"


def level_why(rationale: str | None, kind: str = "") -> str:
    """The rationale said for people ("" when it is none of triage's forms); of a supplement
    (`kind`), the danger is the ring-back's (stop 63's hospital desk: "报告时" for a danger said in
    the caller's ring-back)."""
    if not rationale:
        return ""
    text, stranger = rationale, rationale.endswith(_STRANGER)
    if stranger:
        text = text[: -len(_STRANGER)]
    said = _said(text)
    if said and stranger:
        said += "；另一报告人账号的报告并入本案，待督办人员复核"
    if kind == "case_supplement":
        # The ring-back's own assessment: the case may have been at that level already (stop 64's
        # civil desk read "提高为橙色" on an orange case that stayed orange).
        said = said.replace(DANGER_SAID, "来电人回拨补充时儿童处于紧急危险中").replace(
            "报告中提到", "补充中提到").replace("，提高为", "，补充评估为")
    return said


def _said(text: str) -> str:
    if _DANGER.match(text):
        return DANGER_SAID
    if m := _PHRASES.match(text):
        words = "、".join(f"“{'”与“'.join(p.split('+'))}”" for p in m.group(2).split("、"))
        inner = _said(m.group(3))
        return f"报告中提到{words}，提高为{LEVEL_TEXT[m.group(1)]}" + (f"（{inner}）" if inner else "")
    if m := _BURST.match(text):
        inner = _said(m.group(4))
        return (f"{m.group(3)}小时内关于该儿童已有{m.group(2)}次报告，提高一级为{LEVEL_TEXT[m.group(1)]}"
                + (f"（原依据：{inner}）" if inner else ""))
    if m := _KEPT.match(text):
        return f"补充情况评估为{LEVEL_TEXT[m.group(2)]}，案件保持{LEVEL_TEXT[m.group(1)]}（只升不降）"
    if text.endswith(": no concern given"):
        return "报告未选择情况类别"
    if (m := _CONCERNS.match(text)) and all(c.strip() in CONCERN_TEXT for c in m.group(2).split(",")):
        named = "、".join(CONCERN_TEXT[c.strip()] for c in m.group(2).split(","))
        return f"所选情况：{named}"
    return ""


DECIDING = ("case_opened", "case_report_joined", "case_supplement", "case_reassessment")


def latest_why(timeline: list[dict[str, object]]) -> str:
    """Why the case has its level now: the last event that set it, said ("" when none is known)."""
    for t in reversed(timeline):
        if t.get("type") not in DECIDING:
            continue
        if t["type"] == "case_reassessment":
            written, level = str(t.get("written") or ""), LEVEL_TEXT.get(str(t.get("risk_level")), "")
            return f"督办人员调整为{level}" + (f"：{written}" if written else "")
        rationale = str(t.get("rationale") or "")
        if _KEPT.match(rationale):  # the level stood: its reason is an earlier event's (stop 62)
            continue
        said = level_why(rationale, str(t["type"]))
        if said:
            return said
    return ""
