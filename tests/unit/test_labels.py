"""Every timeline event, audit action, resource type and role the code can write has a Chinese
label in the vocabulary: the lists are read from the code itself, so a new one without a label
fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from services.common.labels import (
    ACTION_GROUP_TEXT,
    ACTION_TEXT,
    ACTOR_TEXT,
    EVENT_TEXT,
    RESOURCE_TEXT,
    ROLE_TEXT,
    STATUS_TEXT,
)
from services.common.vocabulary import ROLES, ReferralStatus
from services.triage.translate import UPDATE_REASONS

ROOT = Path(__file__).resolve().parents[2]
# f-strings the code builds actions from, and the values they take.
ACTION_TEMPLATES = {"notify.": ("delivered", "failed", "gave-up"),
                    "notify.upward-": ("delivered", "failed", "gave-up"),  # major incidents (§12)
                    "case.major-incident-": ("auto", "death")}


def _calls(folder: str) -> list[ast.Call]:
    return [node for path in sorted((ROOT / folder).rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(), str(path))) if isinstance(node, ast.Call)]


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Call):  # audit_log(request)(...)
        return _name(func.func)
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _strings(node: ast.expr) -> list[str]:
    """The texts an argument can be: a literal, either branch of `a if … else b`, an f-string's
    values from ACTION_TEMPLATES."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.JoinedStr):
        head = node.values[0].value if isinstance(node.values[0], ast.Constant) else ""
        assert head in ACTION_TEMPLATES, f"an action built as f{ast.unparse(node)!r}: list its values above"
        return [f"{head}{v}" for v in ACTION_TEMPLATES[str(head)]]
    return []


def audit_calls() -> tuple[set[str], set[str]]:
    """The actions and resource types of every call that writes the audit trail."""
    actions: set[str] = set()
    resources: set[str] = set()
    for call in _calls("services"):
        name = _name(call.func)
        keywords = {k.arg: k.value for k in call.keywords}
        if name == "record" and "action" in keywords:
            actions.update(_strings(keywords["action"]))
            resources.update(_strings(keywords.get("resource_type", ast.Constant(None))))
        elif ("audit" in name or name == "_note") and len(call.args) >= 3:
            found = _strings(call.args[1])
            if found and all(re.fullmatch(r"[a-z]+\.[a-z_.-]+", a) for a in found):
                actions.update(found)
                resources.update(_strings(call.args[2]))
    return actions, resources


def timeline_types() -> set[str]:
    """The desk view's timeline types: literal ones, and those made from a case update's reason
    or a referral's status."""
    types: set[str] = set()

    def add(kind: ast.expr) -> None:
        if isinstance(kind, ast.IfExp):  # one type or another
            add(kind.body)
            add(kind.orelse)
        elif isinstance(kind, ast.JoinedStr):
            head = str(kind.values[0].value) if isinstance(kind.values[0], ast.Constant) else ""
            values = {"case_": UPDATE_REASONS.values(), "referral_": tuple(ReferralStatus)}[head]
            types.update(f"{head}{v}" for v in values)
        else:
            types.update(_strings(kind))

    for call in _calls("projections"):
        if _name(call.func) == "timeline" and len(call.args) >= 3:
            add(call.args[2])
    return types


def test_the_code_is_read_for_what_it_writes() -> None:
    actions, resources = audit_calls()
    assert {"report.submit", "ledger.read", "notifications.health", "child.repeat-check", "case.close",
            "referral.decline", "auth.login_failed", "notify.gave-up", "stats.monthly"} <= actions
    assert {"case", "referral", "report", "ledger"} <= resources
    assert {"case_opened", "case_reassessment", "referral_declined", "referral_withdrawn",
            "followup_overdue"} <= timeline_types()


def test_every_audit_action_and_resource_type_has_a_label() -> None:
    actions, resources = audit_calls()
    missing = sorted(actions - ACTION_TEXT.keys())
    assert not missing, f"add these to ACTION_TEXT in services/common/labels.py: {missing}"
    unlabelled = sorted(r for r in resources - RESOURCE_TEXT.keys() if not r.startswith("/"))
    assert not unlabelled, f"add these to RESOURCE_TEXT: {unlabelled}"  # a route reads as 页面或接口
    assert all(any(a.startswith(p) for p in ACTION_GROUP_TEXT) for a in ACTION_TEXT)


def test_every_timeline_event_has_a_label() -> None:
    missing = sorted(timeline_types() - EVENT_TEXT.keys())
    assert not missing, f"add these to EVENT_TEXT in services/common/labels.py: {missing}"


def test_roles_statuses_and_system_actors_have_labels() -> None:
    assert set(ROLES) | {"system", "public"} <= ROLE_TEXT.keys()
    assert set(ReferralStatus) <= STATUS_TEXT.keys()
    assert {"triage", "dispatch", "scheduler", "notifier", "system"} <= ACTOR_TEXT.keys()
    labels = [*ACTION_TEXT.values(), *EVENT_TEXT.values(), *ROLE_TEXT.values(), *RESOURCE_TEXT.values()]
    assert not [t for t in labels if re.search(r"[A-Za-z]", t)]  # Chinese, not codes
