"""The supervisor's board in Chinese (contract §15): units by name, the timeline in words, a
decline's reason and a closed referral's outcome next to them, categories set with the level, a
refusal shown whole, re-routing after a decline, and the ledger's download for a chosen month."""

from __future__ import annotations

import re

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_pages import login

POLICE = "连南瑶族自治县公安局"


def visible(html: str) -> str:
    """The page's text as a person reads it (no tags, scripts, styles or attribute values), without
    spaces: the Chinese text has none."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", html))


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_board_speaks_chinese_and_shows_what_happened(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    police, hospital = referral_of(case, "police"), referral_of(case, "hospital")
    post(api, "police-desk", f"/v1/referrals/{police}/decline", {"reason": "不属本单位辖区，请转派出所"})
    post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge")
    post(api, "hospital-desk", f"/v1/referrals/{hospital}/outcome",
         {"outcome": "已救治出院", "note": "伤情稳定"})
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/board")
    text = visible(page.text)
    assert page.status_code == 200
    assert f"{POLICE}：已退回" in text and "退回原因：不属本单位辖区，请转派出所" in text
    assert "办结情况：已救治出院（伤情稳定）" in text
    assert "立案研判（研判系统）" in text and f"退回转介（{POLICE}）" in text
    assert f"转介：{POLICE}（分派系统）" in text  # to whom
    assert "待复核：有单位退回转介" in text
    for code in ("police-441823", "hospital-441823", "case_opened", "referral_declined", "triage",
                 "dispatch"):
        assert code not in text, code
    assert api.client.get("/board/cases").status_code == 200


def test_categories_are_set_with_the_level_and_a_refusal_is_shown_whole(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    login(api.client, "supervisor1")
    token = csrf(api.client.get("/board").text)
    path = f"/board/cases/{case['case_id']}"
    r = api.client.post(f"{path}/reassess", data={"csrf": token, "risk_level": "orange",
                                                  "reason": "核实后下调", "categories_shown": "1",
                                                  "categories": ["left_behind", "guardian_unable"]},
                        follow_redirects=False)
    assert r.status_code == 303
    runner.pump()
    got = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()
    assert got["risk_level"] == "orange" and got["categories"] == ["guardian_unable", "left_behind"]
    assert "台账类别：监护人无力履行、留守" in visible(api.client.get("/board").text)
    bad = api.client.post(f"{path}/reassess", data={"csrf": token, "risk_level": "orange", "reason": "x",
                                                    "categories_shown": "1", "categories": ["nonsense"]})
    assert bad.status_code == 422 and "请从列表中勾选困境类别" in bad.text
    refused = api.client.post(f"{path}/close", data={"csrf": token, "reason": "处置完毕"})
    assert refused.status_code == 409
    assert ("以下转介尚未办结或退回：连南瑶族自治县人民医院、连南瑶族自治县公安局。"
            "请先办结或退回全部转介再结案。") in visible(refused.text)
    assert api.client.post(f"{path}/close", data={"reason": "处置完毕"}).status_code == 403  # no CSRF


def test_rerouting_after_a_decline_from_the_board(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    post(api, "police-desk", f"/v1/referrals/{referral_of(case, 'police')}/decline", {"reason": "非本辖区"})
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/board").text
    choices = re.search(rf'id="agency-{case["case_id"]}"[^>]*>(.*?)</select>', page, re.S).group(1)  # type: ignore[union-attr]
    assert '"civil-441823"' in choices
    assert '"police-441823"' not in choices  # a unit already referred is not offered
    r = api.client.post(f"/board/cases/{case['case_id']}/refer",
                        data={"csrf": csrf(page), "agency_id": "civil-441823", "reason": "公安退回，转民政"},
                        follow_redirects=False)
    assert r.status_code == 303
    runner.pump()
    assert any(x["agency_id"] == "civil-441823" for x in api.client.get(
        f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()["referrals"])
    again = api.client.post(f"/board/cases/{case['case_id']}/refer",
                            data={"csrf": csrf(page), "agency_id": "civil-441823", "reason": "再派"})
    assert again.status_code == 409 and "该案件已转介给" in again.text


def test_the_board_offers_the_ledger_by_month(api: Api, runner: EmbeddedRunner) -> None:
    red_case(api, runner)
    login(api.client, "supervisor1")
    page = api.client.get("/board").text
    assert 'action="/v1/ledger"' in page and 'value="xlsx"' in page and 'value="csv"' in page
    month = re.search(r'<option value="(\d{4}-\d{2})">', page).group(1)  # type: ignore[union-attr]
    r = api.client.get("/v1/ledger", params={"month": month, "format": "xlsx"})  # as the form sends it
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
