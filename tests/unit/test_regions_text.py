"""One rule for how a region is named (services/oversight/regions_text.py)."""

from services.dispatch.routing import Directory
from services.oversight.regions_text import region_label, region_trail

DIRECTORY = Directory.load()


def test_both_counties_read_alike_without_their_city() -> None:
    assert region_label(DIRECTORY, "441802") == "清城区"  # the directory names it 清远市 清城区
    assert region_label(DIRECTORY, "441823") == "连南瑶族自治县"


def test_a_place_below_a_county_reads_from_the_county_or_below_the_region_it_is_shown_in() -> None:
    assert region_label(DIRECTORY, "441823100") == "连南瑶族自治县三江镇"
    assert region_label(DIRECTORY, "441802002") == "清城区东城街道"
    assert region_label(DIRECTORY, "441823100", inside="441823") == "三江镇"
    assert region_label(DIRECTORY, "441823100001", inside="441823100") == "城北社区"


def test_areas_above_counties_and_unknown_codes() -> None:
    assert region_label(DIRECTORY, "4418") == "清远市"
    assert region_label(DIRECTORY, "44") == "广东省"
    assert region_label(DIRECTORY, "4418239") == "连南瑶族自治县"  # its nearest named region
    assert region_label(DIRECTORY, "99") == "99"


def test_trail_starts_at_the_callers_region() -> None:
    assert region_trail(DIRECTORY, "441823100", "4418") == [
        ("4418", "清远市"), ("441823", "连南瑶族自治县"), ("441823100", "三江镇")]
    assert region_trail(DIRECTORY, "441823", "441823") == [("441823", "连南瑶族自治县")]
    assert region_trail(DIRECTORY, "4418", None) == [("44", "广东省"), ("4418", "清远市")]
