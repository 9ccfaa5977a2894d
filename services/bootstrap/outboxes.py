"""What each relay publishes of its leader's log, and how (who consumes what: topology.py)."""

from __future__ import annotations

from services.common.messages import Translator
from services.dispatch.translate import TOPICS as DISPATCH_TOPICS
from services.dispatch.translate import dispatch_translator
from services.intake.schemas import TOPICS as INTAKE_TOPICS
from services.intake.schemas import IntakeTranslator
from services.triage.translate import TOPICS as TRIAGE_TOPICS
from services.triage.translate import triage_translator

# How each relay's leader's events become contract messages (who publishes what, who consumes
# what: topology.py).
TRANSLATORS: dict[str, Translator] = {
    "intake": IntakeTranslator(), "triage": triage_translator, "dispatch": dispatch_translator,
}
# The stored topics each translator may publish: relays and edges read only those.
TRANSLATED = {"intake": INTAKE_TOPICS, "triage": TRIAGE_TOPICS, "dispatch": DISPATCH_TOPICS}
