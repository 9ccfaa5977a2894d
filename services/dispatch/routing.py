"""Referral matrix and agency directory: versioned data, loaded once per process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from services.common.vocabulary import AGENCY_KINDS


def _load(filename: str) -> dict[str, Any]:
    return json.loads(resources.files("services.dispatch").joinpath("data", filename).read_text())


@dataclass(frozen=True)
class ReferralMatrix:
    version: str
    concerns: dict[str, tuple[str, ...]]
    no_concern: tuple[str, ...]
    # The agency kinds that may receive referrals, in routing order (v2 on; v1 named none, and
    # received on the kinds its rows name, in the order the directory then knew).
    receiving_kinds: tuple[str, ...] = ()

    @classmethod
    def load(cls, filename: str = "referral_matrix.v2.json") -> ReferralMatrix:
        raw = _load(filename)
        concerns = {c: tuple(kinds) for c, kinds in raw["concerns"].items()}
        named = {k for kinds in concerns.values() for k in kinds} | set(raw["no_concern"])
        receiving = tuple(raw.get("receiving_kinds") or (k for k in AGENCY_KINDS if k in named))
        unknown = (named | set(receiving)) - set(AGENCY_KINDS)
        wrong = unknown | (named - set(receiving))
        if wrong:
            raise ValueError(f"matrix {filename}: kinds unknown or not receiving {sorted(wrong)}")
        return cls(version=raw["version"], concerns=concerns, no_concern=tuple(raw["no_concern"]),
                   receiving_kinds=receiving)

    def receives(self, kind: str) -> bool:
        """Whether units of this kind may be referred to (procuratorate, court, justice: never)."""
        return kind in self.receiving_kinds

    def kinds_for(self, concerns: list[str]) -> list[str]:
        """The union of agency kinds for the concerns, in the matrix's receiving order."""
        wanted: set[str] = set()
        for concern in concerns:
            wanted.update(self.concerns.get(concern, ()))
        if not wanted:
            wanted.update(self.no_concern)
        return [k for k in self.receiving_kinds if k in wanted]


@dataclass(frozen=True)
class Agency:
    agency_id: str
    kind: str
    name: str
    regions: tuple[str, ...]
    # The unit's duty phone (值班电话, an office line, v6 on): whom a supervisor calls when no one
    # on its roster can be told or called (stop 52's review: "请直接电话联系" with no number).
    phone: str = ""

    def public(self) -> dict[str, Any]:
        return {"agency_id": self.agency_id, "kind": self.kind, "name": self.name,
                "regions": list(self.regions), "phone": self.phone or None}


def _holds(name: str, word: str) -> bool:
    """Whether a place's name holds the word, or the word is the name of a place above (its last
    character, 镇 or 村, may be left out) run on into part of its own: "三江镇龙", "三江龙"."""
    *above, own = name.split(" ")
    heads = {head for n in above for head in (n, n[:-1]) if head}
    return word in name.replace(" ", "") or any(
        word.startswith(head) and word[len(head):] in own for head in heads if len(word) > len(head))


@dataclass(frozen=True)
class Directory:
    version: str
    agencies: tuple[Agency, ...]
    # The places it covers, (region code, name): what operators choose from by name.
    places: tuple[tuple[str, str], ...] = ()
    # The regions above its counties (a province, a city), by name: never a place to report.
    areas: tuple[tuple[str, str], ...] = ()

    def place_name(self, region_code: str) -> str:
        """The name of the longest listed prefix of the code ("" when none)."""
        best = max((c for c, _ in self.places if region_code.startswith(c)), key=len, default="")
        return dict(self.places).get(best, "")

    def find_places(self, text: str) -> list[tuple[str, str]]:
        """The places a reporter means by `text`, spaces ignored: the one whose full name it is,
        else those it names exactly, each followed by the places under it ("三江镇" and its
        villages), else those whose names hold each of its words ("金坑", "三排 新寨", "三江镇龙")."""
        words = text.split()
        wanted = "".join(words)
        if not wanted:
            return []
        exact = [p for p in self.places if p[1].replace(" ", "") == wanted]
        if exact:
            return exact
        named = [p for p in self.places if p[1].rsplit(" ", 1)[-1] == wanted]
        if named:
            return [p for n in named for p in self.places
                    if p == n or (p[0].startswith(n[0]) and len(p[0]) > len(n[0]))]
        return [p for p in self.places if all(_holds(p[1], w) for w in words)]

    def region_name(self, code: str) -> str:
        """A region's own short name ("清远市", "清城区", "东城街道"), "" when not known."""
        known = dict(self.areas).get(code) or dict(self.places).get(code, "")
        return known.rsplit(" ", 1)[-1]

    def county_label(self, code: str) -> str:
        """A case's county as every page names it: its name, or the code it gave when the directory
        does not know it (one wording on the board, callbacks and incidents, stop 55's review)."""
        if not code:
            return "未填写地区"
        wider = self.region_name(code[:4]) or self.region_name(code[:2])  # the city it is in, if known
        return self.region_name(code[:6]) or f"{wider}名录外地区（{code[:6]}）"

    def place_label(self, code: str) -> str:
        """The county and the town in it the directory knows ("连南瑶族自治县 三江镇"), else as
        `county_label` (stop 56's county supervisor: a 三江镇 case read only 连南瑶族自治县)."""
        county, parts = self.region_name(code[:6]), self.place_name(code).split(" ")
        if county and county in parts:
            return " ".join(parts[parts.index(county):parts.index(county) + 2])
        return self.county_label(code)

    def subregions(self, region: str | None, digits: int) -> list[str]:
        """The codes of `digits` digits it knows inside the region (a prefix), in order."""
        codes = [c for c, _ in (*self.areas, *self.places)]
        return sorted({c[:digits] for c in codes if len(c) >= digits and c.startswith(region or "")})

    @classmethod
    def load(cls, filename: str = "directory.demo.v6.json") -> Directory:
        raw = _load(filename)
        agencies = tuple(
            Agency(a["agency_id"], a["kind"], a["name"], tuple(a["regions"]), a.get("phone", ""))
            for a in raw["agencies"]
        )
        unknown = {a.kind for a in agencies} - set(AGENCY_KINDS)
        if unknown:
            raise ValueError(f"directory {filename} has unknown agency kinds {sorted(unknown)}")
        places = tuple((p["code"], p["name"]) for p in raw.get("places", ()))
        areas = tuple((p["code"], p["name"]) for p in raw.get("areas", ()))
        return cls(version=raw["version"], agencies=agencies, places=places, areas=areas)

    def get(self, agency_id: str) -> Agency | None:
        return next((a for a in self.agencies if a.agency_id == agency_id), None)

    def serves(self, agency_id: str, region_code: str) -> bool:
        """Whether the unit's regions hold the place (an unknown unit serves nowhere)."""
        unit = self.get(agency_id)
        return unit is not None and any(region_code.startswith(r) for r in unit.regions)

    def resolve(self, kind: str, region_code: str) -> Agency | None:
        """The unit of this kind whose regions hold the longest prefix of the region code."""
        best: tuple[int, Agency] | None = None
        for agency in self.agencies:
            if agency.kind != kind:
                continue
            for region in agency.regions:
                if region_code.startswith(region) and (best is None or len(region) > best[0]):
                    best = (len(region), agency)
        return best[1] if best else None


def places_to_route(case: dict[str, Any]) -> list[str]:
    """Where a case message is routed: the case's region, and a joining report's own region when
    it puts the child elsewhere or more precisely (§3 routes by the report's region code; the police
    desk's review, stop 56: the child taken to 三江镇 never reached 三江派出所). A report that only
    names the case's county, less precise than the case, adds no place."""
    joined_at = case.get("report_region_code") if case.get("reason") == "report_joined" else None
    return [case["region_code"], joined_at] if joined_at and not case["region_code"].startswith(joined_at) \
        else [case["region_code"]]
