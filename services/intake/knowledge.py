"""The call-taking guidance per concern (知识库, contract §13): versioned data in Chinese, each
rule naming its source; checked whole when loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from services.common.vocabulary import Concern

PARTS = ("ask", "tell", "transfer", "never_promise")  # 问什么、怎么说、转接、不要承诺


@dataclass(frozen=True)
class Knowledge:
    version: str
    sources: dict[str, str]
    general: dict[str, list[dict[str, str]]]
    concerns: dict[str, dict[str, list[dict[str, str]]]]

    @classmethod
    def load(cls, filename: str = "knowledge.v3.json") -> Knowledge:
        raw = json.loads(resources.files("services.intake").joinpath("data", filename).read_text())
        known = cls(version=raw["version"], sources=raw["sources"], general=raw["general"],
                    concerns=raw["concerns"])
        known.check(filename)
        return known

    def check(self, filename: str) -> None:
        """Every concern answered, nothing else; every rule has text and a source the file names."""
        missing, extra = set(Concern) - set(self.concerns), set(self.concerns) - set(Concern)
        if missing or extra:
            raise ValueError(f"knowledge {filename}: concerns missing {sorted(missing)}, "
                             f"unknown {sorted(extra)}")
        for name, entry in [("general", self.general), *self.concerns.items()]:
            for part in PARTS:
                rules: list[dict[str, Any]] = entry.get(part) or []
                if not rules or any(not r.get("text") or r.get("source") not in self.sources for r in rules):
                    raise ValueError(f"knowledge {filename}: {name}.{part} empty, "
                                     "or a rule without a known source")
