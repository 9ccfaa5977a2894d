"""What a refused form field says next to it, in Chinese: empty, or too long by how much."""

from __future__ import annotations

from typing import Any


def field_error(error: Any, typed: dict[str, Any], labels: dict[str, str],
                otherwise: dict[str, str] | None = None) -> str:
    """Empty, or too long by how much: each said as it is, so a full field is not asked for;
    other refusals say what `otherwise` holds for the field."""
    name = str(error["loc"][0])
    label = labels.get(name, "此项")
    if error["type"] == "string_too_long":
        limit = error["ctx"]["max_length"]
        return f"{label}不能超过{limit}字（现在{len(str(typed.get(name, '')).strip())}字），请删减后再提交。"
    return (otherwise or {}).get(name) or f"请填写{label}。"
