"""Statistics by region (contract §12): every read inside the caller's region, a region asked for
outside it refused (404, audited), and the roll-up one level below (group=region) with the same
figures per sub-region, its code and its name; cases seeded in 连南 (441823) and 清城区 (441802)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from projections.desk.processor import DeskProjection
from services.bootstrap import ApiContainer
from services.cli.main import main
from services.common.auditnote import Principal
from services.common.errors import FieldError, NotFound
from services.common.settings import Settings
from services.common.vocabulary import BEIJING
from services.oversight.filters import filters_label
from services.oversight.statistics import figures, group_digits, scoped_region
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries, build
from tests.unit.test_board_page import visible
from tests.unit.test_pages import login
from tests.unit.test_stats_figures import NOW, SLA, seed


def stats_of(h: ApiContainer, region: str | None, asked: str | None = None) -> dict[str, Any]:
    return figures(h.view, h.accounts, SLA, since=None, until=NOW, region=asked, group="region",
                   principal=Principal("sup", "supervisor", region=region), directory=h.directory)


@pytest.fixture
def seeded(hotline: ApiContainer) -> ApiContainer:
    seed(DeskProjection(hotline.view))  # six cases in 441823, one in 441802001 (a blue one)
    return hotline


def groups(found: dict[str, Any]) -> dict[str, tuple[str, int, int]]:
    return {g["code"]: (g["name"], g["reports"], g["cases"]) for g in found["groups"]}


def test_a_city_caller_gets_its_two_counties_with_their_figures(seeded: ApiContainer) -> None:
    found = stats_of(seeded, "4418")
    assert found["region"] == "4418" and found["cases"] == 7 and found["group"] == "region"
    assert groups(found) == {"441802": ("清城区", 1, 1), "441823": ("连南瑶族自治县", 6, 6)}
    county = next(g for g in found["groups"] if g["code"] == "441823")
    alone = seeded.view.stats(None, NOW, NOW, region="441823", sla=SLA)
    for figure in ("by_risk_level", "by_referral_status", "by_agency_kind", "by_concern", "overdue"):
        assert county[figure] == alone[figure], figure
    assert county["by_risk_level"] == {"orange": 1, "red": 4, "yellow": 1}
    assert county["ack_seconds"]["red"]["within_sla"] == 3  # SLA met, per sub-region too
    qingcheng = next(g for g in found["groups"] if g["code"] == "441802")
    assert qingcheng["by_risk_level"] == {"blue": 1}
    assert qingcheng["followups"]["active"] == 1 and qingcheng["by_channel"] == {"web_form": 1}


def test_a_county_caller_gets_its_towns_and_nothing_of_the_other_county(seeded: ApiContainer) -> None:
    found = stats_of(seeded, "441802")
    assert found["region"] == "441802" and found["reports"] == 1 and found["cases"] == 1
    towns = groups(found)
    assert len(towns) == 8 and all(code.startswith("441802") and len(code) == 9 for code in towns)
    assert towns["441802001"] == ("凤城街道", 1, 1) and towns["441802103"] == ("飞来峡镇", 0, 0)
    assert found["by_region"] == {"441802001": 1} and found["followups"]["active"] == 1
    narrower = stats_of(seeded, "441802", asked="441802001")  # inside: its villages
    assert narrower["region"] == "441802001" and narrower["cases"] == 1
    assert all(len(code) == 12 for code in groups(narrower) if code is not None)
    assert groups(narrower)[None] == ("未细化到村（社区）", 1, 1)  # placed at the street only


def test_a_region_outside_the_callers_or_wider_is_refused(seeded: ApiContainer) -> None:
    for asked in ("441823", "4418", "44", "441823100"):
        with pytest.raises(NotFound):
            stats_of(seeded, "441802", asked=asked)
    assert scoped_region(Principal("s", "supervisor", region="4418"), "441802") == "441802"
    assert scoped_region(Principal("s", "supervisor", region="4418"), None) == "4418"
    assert scoped_region(Principal("s", "supervisor"), "441823") == "441823"


def test_no_region_rolls_up_to_the_province(seeded: ApiContainer) -> None:
    found = stats_of(seeded, None)
    assert found["region"] is None and groups(found) == {"44": ("广东省", 7, 7)}
    assert [group_digits(r) for r in (None, "44", "4418", "441802", "441802001", "441802001001")] == [
        2, 4, 6, 9, 12, None]
    with pytest.raises(FieldError) as refused:
        figures(seeded.view, seeded.accounts, SLA, since=None, until=None, region=None, group="town")
    assert refused.value.field == "group"


def test_the_api_names_group_when_it_is_unknown(api: Api) -> None:
    r = api.client.get("/v1/stats", params={"group": "county"}, headers=api.auth("supervisor1"))
    assert r.status_code == 422
    assert any(e["loc"] == ["query", "group"] for e in r.json()["detail"])
    r = api.client.get("/v1/stats", params={"group": "region", "region": "4418"},
                       headers=api.auth("supervisor1"))
    assert r.status_code == 200
    assert [(g["code"], g["name"]) for g in r.json()["groups"]] == [("441802", "清城区"),
                                                                    ("441823", "连南瑶族自治县")]


def test_a_county_caller_asking_for_the_other_county_is_refused_and_audited(
        api: Api, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("sup-qc", TEST_PASSWORD, "supervisor", region="441802")
    seed(DeskProjection(hotline.view))
    sup = api.auth("sup-qc")
    r = api.client.get("/v1/stats", params={"region": "441823"}, headers=sup)
    assert r.status_code == 404 and "辖区" in r.json()["detail"]
    assert api.client.get("/v1/stats/monthly", params={"region": "4418"}, headers=sup).status_code == 404
    r = api.client.get("/v1/stats", params={"group": "region"}, headers=sup)
    assert r.status_code == 200 and r.json()["region"] == "441802" and r.json()["cases"] == 1
    assert {g["code"][:6] for g in r.json()["groups"]} == {"441802"}
    refused = [(e["action"], e["resource_id"]) for e in audit_entries(hotline)
               if e["actor"] == "sup-qc" and e["resource_type"] == "stats"]
    assert [action for action, _ in refused] == ["stats.refused", "stats.refused", "stats.read"]
    assert refused[0][1] == "region=441823" and refused[1][1].endswith("&region=4418")
    assert refused[2][1] == "group=region"
    assert filters_label("group=region&region=441802", hotline.directory.place_name) == (
        "分组 按下级区划 地区 清远市清城区")


def test_the_county_callers_page_offers_only_its_own_county(api: Api, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("sup-qc", TEST_PASSWORD, "supervisor", region="441802")
    seed(DeskProjection(hotline.view))
    login(api.client, "sup-qc", home="/board")
    page = api.client.get("/stats", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    codes = re.findall(r'<option value="(\d+)"', page.text.split('id="region"')[1].split("</select>")[0])
    assert codes and all(c.startswith("441802") for c in codes) and "441802" not in codes
    assert "清城区（全部）" in page.text and "全部地区" not in page.text  # the county once, first
    assert 'id="g-441802001"' in page.text and "飞来峡镇" in visible(page.text)  # a chart, a quiet town
    page = api.client.get("/stats", params={"from": "2026-11-01", "to": "2026-11-30", "region": "441823"})
    assert page.status_code == 422 and "该地区不在您的辖区内" in page.text


def test_the_cli_shows_the_figures_per_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    h = build(Settings(var_dir=tmp_path))
    seed(DeskProjection(h.view))
    h.close()
    capsys.readouterr()
    assert main(["stats", "show", "--region", "4418", "--group", "region"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(g["code"], g["name"], g["cases"]) for g in shown["groups"]] == [
        ("441802", "清城区", 1), ("441823", "连南瑶族自治县", 6)]
    with pytest.raises(SystemExit):  # argparse names the choices
        main(["stats", "show", "--group", "town"])


def _sum(values: list[Any]) -> Any:
    """Figures added: numbers, or tallies key by key (the zeros left out)."""
    if isinstance(values[0], dict):
        keys = {k for v in values for k in v}
        return {k: n for k in keys if (n := sum(v.get(k, 0) for v in values))}
    return sum(values)


@pytest.mark.parametrize("whole_days", [False, True])  # from the rows; from the daily rollup
@pytest.mark.parametrize("caller", [None, "4418", "441823", "441823100"])
def test_the_groups_add_up_to_the_whole(seeded: ApiContainer, caller: str | None, whole_days: bool) -> None:
    since, until = (datetime(2026, 11, 1, tzinfo=BEIJING), datetime(2026, 12, 1, tzinfo=BEIJING)) \
        if whole_days else (None, NOW)
    found = figures(seeded.view, seeded.accounts, SLA, since=since, until=until, region=None,
                    group="region", principal=Principal("sup", "supervisor", region=caller),
                    directory=seeded.directory)
    assert found["reports"] and found["groups"]
    for read in (lambda s: s["reports"], lambda s: s["cases"], lambda s: s["overdue"],
                 lambda s: s["by_channel"], lambda s: s["by_concern"], lambda s: s["by_risk_level"],
                 lambda s: s["by_agency_kind"], lambda s: s["by_referral_status"],
                 lambda s: s["followups"], lambda s: len(s["sentinels"]),
                 lambda s: {lv: a["within_sla"] for lv, a in s["ack_seconds"].items()}):
        assert _sum([read(g) for g in found["groups"]]) == _sum([read(found)])


def test_a_report_placed_at_the_county_only_has_its_group_in_the_countys_towns(
        seeded: ApiContainer) -> None:
    found = stats_of(seeded, "441823")
    assert found["reports"] == 6
    rest = found["groups"][-1]
    assert (rest["code"], rest["name"], rest["reports"], rest["cases"]) == (None, "未细化到乡镇", 1, 1)
    assert sum(g["reports"] for g in found["groups"] if g["code"]) == 5
    assert all(g["code"] for g in stats_of(seeded, "4418")["groups"])  # none above the counties
