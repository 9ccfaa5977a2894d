"""What the concerns ticked on a form will reach, for the forms' own script
(static/report/routes.js): the referral matrix dispatch routes by (contract §3), the units' kinds
in Chinese, and what the line says."""

from __future__ import annotations

from typing import Any

from services.common.labels import CONCERN_TEXT, KIND_TEXT
from services.common.vocabulary import AgencyKind, Concern
from services.dispatch.routing import ReferralMatrix

# Harm by someone that the police receive; the first two are named when an injury reaches no police.
HARM = (Concern.domestic_violence, Concern.physical_harm, Concern.sexual_abuse)
# A child out of school or without a guardian may be missing: the police look for missing children.
UNKNOWN_WHEREABOUTS = (Concern.school_dropout, Concern.guardianship_missing)


def routing_data(matrix: ReferralMatrix, *, reporter: bool = False) -> dict[str, Any]:
    """The matrix and the line's words, for <script type="application/json" id="routing">; a
    reporter calls 120 themselves, an operator puts the caller through."""
    police = KIND_TEXT[AgencyKind.police]
    harm = "”“".join(CONCERN_TEXT[c] for c in HARM[:2] if AgencyKind.police in matrix.concerns.get(c, ()))
    missing = CONCERN_TEXT[Concern.trafficking_abduction]
    unflagged = "、".join(KIND_TEXT[k] for k in matrix.no_concern)
    ask = f"有人伤害儿童或儿童被拐、走失的，请再勾选相应类别，报告也会转{police}。"
    call = "拨打" if reporter else "转接"
    return {
        "concerns": {c: list(kinds) for c, kinds in matrix.concerns.items()},
        "no_concern": list(matrix.no_concern),
        "order": list(matrix.receiving_kinds),
        "kinds": {k: KIND_TEXT[k] for k in matrix.receiving_kinds},
        "injury": str(Concern.serious_injury),
        "abduction": str(Concern.trafficking_abduction),
        "harm": [str(c) for c in HARM],
        "hospital": str(AgencyKind.hospital),
        "reporter": reporter,
        "missing": [str(c) for c in UNKNOWN_WHEREABOUTS],
        "early_marriage": str(Concern.early_marriage),
        "text": {
            "reaches": "提交后转介：{units}。",
            "reaches_new": "新的类别转介：{units}（已转介的单位不重复）。",
            "none": f"未选类别：提交后转介{unflagged}，并提请主管复核。",
            "follow_up": f"另由所在地{KIND_TEXT[AgencyKind.civil_affairs]}部门牵头随访。",
            "injury_call": f"需要紧急救治：请立即{call} 120；车祸逃逸等须报警的，同时{call} 110。",
            # Stop 59's teacher: a missing pupil's form said only where it went, not to call now.
            "abduction_call": (f"儿童被拐、被带走或下落不明：请立即{call} 110 报警"
                               "（儿童走失报警不需要等 24 小时）。"),
            "injury": f"意外受伤只转医院；如是被人伤害，请同时勾选“{harm}”等类别，报告才会同时转{police}。",
            "missing": f"如不知儿童下落，请同时勾选“{missing}”，报告会转{police}。",
            # Stop 59's hospital desk: a beaten girl in its ward, reported with 家庭暴力 only, never
            # reached the hospital (the matrix sends harm to the police alone).
            "treat": (f"儿童受了伤需要医治、或正在医院的，请同时勾选"
                      f"“{CONCERN_TEXT[Concern.serious_injury]}”，报告才会同时转{KIND_TEXT[AgencyKind.hospital]}。"),
            # A girl under 14 cannot consent (Criminal Law art. 236); a forced marriage is coercion.
            "early_marriage": (f"早婚早育：女孩未满14周岁发生性关系或怀孕的，属于性侵害，请同时勾选"
                               f"“{CONCERN_TEXT[Concern.sexual_abuse]}”；被强迫结婚的，请同时勾选"
                               f"“{CONCERN_TEXT[Concern.coercion_exploitation]}”，报告都会转{police}。"),
            "danger": (f"儿童正处于危险中，所选类别不转{police}。需要警察到场的（如儿童被锁在家中无人照看），"
                       f"请{call} 110；{ask}"),
            # Danger alone routes nowhere (contract §3: no concern, civil affairs): said before it
            # is sent (stop 59's teacher: a stranger at the school gate reached no police).
            "danger_none": (f"儿童正处于危险中，未选类别的报告不转{police}：需要警察到场的，"
                            f"请立即{call} 110；{ask}说不清时可以不选，报告照常提交，由主管复核类别。"),
            "called110": f"已转接 110，公安已在电话中接报；所选类别不转{police}，{ask}",
        },
    }
