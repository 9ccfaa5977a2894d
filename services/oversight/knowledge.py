"""The knowledge base (知识库, contract §13): the call-taking guidance per concern, with what the
routing data says of it (the units the report reaches, its level, who reads the caller's name),
by concern or by a search over the Chinese text. Guidance is not personal data: reads are not
audited."""

from __future__ import annotations

from functools import cache
from typing import Any

from services.bootstrap import ApiContainer
from services.common.errors import FieldError
from services.common.labels import CONCERN_TEXT, KIND_TEXT, LEVEL_TEXT
from services.common.vocabulary import Concern
from services.intake.knowledge import PARTS, Knowledge

MAX_Q = 50
GENERAL = "每通来电"


@cache
def knowledge() -> Knowledge:
    return Knowledge.load()


def check_query(concern: str | None, q: str | None) -> str | None:
    """422 naming `concern` for one the vocabulary does not hold, `q` outside 1–50 characters."""
    if concern is not None and concern not in set(Concern):
        raise FieldError("concern", "没有这个情况类别。", where="query")
    if q is None:
        return None
    q = q.strip()
    if not 1 <= len(q) <= MAX_Q:
        raise FieldError("q", f"搜索词须为1到{MAX_Q}个字。", where="query")
    return q


def guidance(c: ApiContainer, concern: str | None = None, q: str | None = None) -> dict[str, Any]:
    """The entries asked for (a concern's, those whose text holds `q`, or all), with the versions
    of the guidance and of the rules the answer was worked out from."""
    q = check_query(concern, q)
    kb = knowledge()
    entries: list[dict[str, Any]] = [] if concern else [{"concern": None, "label": GENERAL, **kb.general}]
    entries += [entry(c, kb, name) for name in CONCERN_TEXT if concern in (None, name)]
    if q:
        entries = [e for e in entries if q in text_of(e)]
    used = {rule["source"] for e in entries for part in PARTS for rule in e[part]}
    return {"version": kb.version, "routing_version": c.dispatch.matrix.version,
            "risk_rules_version": c.triage.rules.version, "disclosure_version": c.disclosure.version,
            "entries": entries, "sources": {k: v for k, v in kb.sources.items() if k in used}}


def entry(c: ApiContainer, kb: Knowledge, concern: str) -> dict[str, Any]:
    kinds = c.dispatch.matrix.kinds_for([concern])
    plain = c.triage.rules.assess([concern], immediate_danger=False).level
    danger = c.triage.rules.assess([concern], immediate_danger=True).level
    return {"concern": concern, "label": CONCERN_TEXT[concern], **kb.concerns[concern],
            "reaches": {"kinds": kinds, "text": reaches_text(kinds)},
            "level": {"level": plain, "with_danger": danger,
                      "text": level_text(plain, danger, c.settings.ack_sla)},
            "reporter_visible": reporter_text(c, kinds)}


def reaches_text(kinds: list[str]) -> str:
    units = "、".join(KIND_TEXT[k] for k in kinds)
    return (f"按转介规则，报告将转给事发地的{units}；"
            "每个案件另由所在地民政部门（儿童主任）牵头随访。")


def level_text(plain: str, danger: str, sla: dict[str, int]) -> str:
    said = f"风险等级{LEVEL_TEXT[plain]}"
    if danger != plain:
        said += f"，儿童正处于危险中时为{LEVEL_TEXT[danger]}"
    return f"{said}；接收单位须在{span(sla[plain])}内确认接收（内部督办时限，不对来电人承诺）。"


def span(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}天"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    return f"{max(1, round(seconds / 60))}分钟"


def reporter_text(c: ApiContainer, kinds: list[str]) -> str:
    """Who of the receiving units reads the caller's name and phone (the disclosure rule)."""
    said = []
    for kind in kinds:
        fields = c.disclosure.recipients.get(kind, {}).get("reporter", [])
        sees = ("可看到来电人的姓名和电话（匿名来电不保存）" if "phone" in fields or "name" in fields
                else "只看到来电人与儿童的关系" if "relation" in fields else "看不到来电人的任何信息")
        said.append(f"{KIND_TEXT[kind]}{sees}")
    return "；".join(said) + "。"


def text_of(e: dict[str, Any]) -> str:
    """The Chinese text a search looks in: the label and every rule."""
    return "\n".join([e["label"], *(rule["text"] for part in PARTS for rule in e[part])])
