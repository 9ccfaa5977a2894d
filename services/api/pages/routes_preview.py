"""What the concerns ticked on a form will reach, for the forms' own script
(static/report/routes.js): the referral matrix dispatch routes by (contract §3), its version, the
units' kinds in Chinese, and what the line says."""

from __future__ import annotations

from typing import Any

from services.common.labels import CONCERN_TEXT, KIND_TEXT
from services.common.vocabulary import AgencyKind, Concern
from services.dispatch.routing import ReferralMatrix

# Harm by someone that the police receive, named when an injury alone reaches no police.
HARM = (Concern.domestic_violence, Concern.physical_harm, Concern.sexual_abuse)


def routing_data(matrix: ReferralMatrix) -> dict[str, Any]:
    """The matrix and the line's words, for <script type="application/json" id="routing">."""
    police = KIND_TEXT[AgencyKind.police]
    harm = "”“".join(CONCERN_TEXT[c] for c in HARM if AgencyKind.police in matrix.concerns.get(c, ()))
    injured = CONCERN_TEXT[Concern.serious_injury]
    unflagged = "、".join(KIND_TEXT[k] for k in matrix.no_concern)
    return {
        "version": matrix.version,
        "concerns": {c: list(kinds) for c, kinds in matrix.concerns.items()},
        "no_concern": list(matrix.no_concern),
        "order": list(matrix.receiving_kinds),
        "kinds": {k: KIND_TEXT[k] for k in matrix.receiving_kinds},
        "injury": str(Concern.serious_injury),
        "text": {
            "reaches": "提交后转介：{units}。",
            "reaches_new": "新的类别转介：{units}（已转介的单位不重复）。",
            "none": f"未选类别：提交后转介{unflagged}，并提请主管复核。",
            "injury": f"“{injured}”不转{police}：儿童如是被人伤害的（打伤、家暴、性侵害），请同时勾选"
                      f"相应类别（“{harm}”），报告才会同时转{police}。",
            "called110": f"已转接 110，但所选类别不转{police}：如有人伤害儿童，请勾选相应类别。",
        },
    }
