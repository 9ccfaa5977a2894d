"""Contract §3 referral matrix (every row) and unit resolution by region-code prefix."""

import pytest

from services.dispatch.routing import Directory, ReferralMatrix

MATRIX = ReferralMatrix.load()
DIRECTORY = Directory.load()

ROWS = {
    "wandering_begging": ["civil_affairs"],
    "domestic_violence": ["police"],
    "physical_harm": ["police"],
    "trafficking_abduction": ["police"],
    "coercion_exploitation": ["police"],
    "sexual_abuse": ["police"],
    "online_harm": ["police"],
    "serious_injury": ["hospital"],
    "guardianship_missing": ["civil_affairs"],
    "guardian_unable": ["civil_affairs"],
    "special_hardship": ["civil_affairs"],
    "parents_detained_or_rehab": ["civil_affairs"],
    "early_marriage": ["civil_affairs"],
    "neglect": ["civil_affairs"],
    "school_dropout": ["civil_affairs", "education"],
    "school_bullying": ["education"],
}


@pytest.mark.parametrize(("concern", "kinds"), sorted(ROWS.items()))
def test_each_concern_goes_to_its_agency_kinds(concern: str, kinds: list[str]) -> None:
    assert MATRIX.kinds_for([concern]) == kinds


def test_no_concern_goes_to_civil_affairs() -> None:
    assert MATRIX.kinds_for([]) == ["civil_affairs"]


def test_several_concerns_go_to_the_union_once_each() -> None:
    kinds = MATRIX.kinds_for(["domestic_violence", "serious_injury", "physical_harm"])
    assert kinds == ["police", "hospital"]


def test_demo_directory_covers_441823_with_every_kind() -> None:
    for kind in ("police", "civil_affairs", "education", "hospital"):
        unit = DIRECTORY.resolve(kind, "441823")
        assert unit is not None and unit.kind == kind


def test_longest_prefix_wins() -> None:
    township = DIRECTORY.resolve("police", "441823100201")
    assert township is not None and township.agency_id == "police-441823100"
    county = DIRECTORY.resolve("police", "441823200")
    assert county is not None and county.agency_id == "police-441823"


def test_township_without_own_unit_falls_back_to_county() -> None:
    unit = DIRECTORY.resolve("hospital", "441823100201")
    assert unit is not None and unit.agency_id == "hospital-441823"


def test_region_outside_directory_resolves_to_nothing() -> None:
    assert DIRECTORY.resolve("police", "110101") is None
