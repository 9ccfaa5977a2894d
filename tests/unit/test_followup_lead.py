"""A supervisor makes another civil-affairs unit lead a case's visits (the child moved: stop 58's
child director could not hand a child gone to another town to that town's officer)."""

from __future__ import annotations

import re

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import audit_entries, report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case
from tests.unit.test_followups import get, visit_body
from tests.unit.test_pages import login

TOWN = "civil-441823100"
MOVED = "儿童随外婆迁往三江镇居住"


def test_the_visits_go_to_the_unit_a_supervisor_chooses(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case_id = red_case(api, runner)["case_id"]
    path = f"/v1/cases/{case_id}/followup-lead"
    police = post(api, "supervisor1", path, {"agency_id": "police-441823", "reason": MOVED})
    assert police.status_code == 422 and "agency_id" in police.text
    assert post(api, "supervisor1", path, {"agency_id": TOWN, "reason": ""}).status_code == 422
    assert post(api, "civil-desk", path, {"agency_id": TOWN, "reason": MOVED}).status_code == 403
    named = post(api, "supervisor1", path, {"agency_id": TOWN, "reason": "王小明去了外婆家"})
    assert named.status_code == 422 and "reason" in named.text
    moved = post(api, "supervisor1", path, {"agency_id": TOWN, "reason": MOVED})
    assert moved.status_code == 200 and moved.json()["lead_agency_id"] == TOWN, moved.text
    again = post(api, "supervisor1", path, {"agency_id": TOWN, "reason": MOVED})
    assert again.status_code == 200  # no change
    assert len(hotline.dispatch.followup_plan(case_id).handovers) == 1  # type: ignore[union-attr]
    runner.pump()
    assert [p["case_id"] for p in get(api, "civil-sanjiang", "/v1/followups").json()] == [case_id]
    assert get(api, "civil-desk", "/v1/followups").json() == []
    assert post(api, "civil-sanjiang", f"/v1/cases/{case_id}/visits", visit_body()).status_code == 201
    assert post(api, "civil-desk", f"/v1/cases/{case_id}/visits", visit_body()).status_code in (403, 404)
    timeline = get(api, "supervisor1", f"/v1/cases/{case_id}").json()["timeline"]
    assert "followup_lead_changed" in [t["type"] for t in timeline]
    assert ("followup.lead", "supervisor1") in [(e["action"], e["actor"]) for e in audit_entries(hotline)]
    other = post(api, "supervisor-qingcheng", path, {"agency_id": "civil-441802", "reason": MOVED})
    assert other.status_code == 404  # another county's case: as if none


def test_the_visit_record_page_changes_the_lead_in_chinese(api: Api, runner: EmbeddedRunner) -> None:
    case_id = red_case(api, runner)["case_id"]
    login(api.client, "supervisor1")
    page = api.client.get(f"/followups/cases/{case_id}").text
    assert 'id="lead-name">连南瑶族自治县民政局' in page and f'value="{TOWN}"' in page
    assert "清城区民政局（负责清城区，不含儿童最新所在地）" in page  # each unit's area
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    blank = api.client.post(f"/followups/lead/{case_id}",
                            data={"csrf": token, "agency_id": TOWN, "reason": " "})
    assert blank.status_code == 422 and "未能更换牵头单位：请填写更换原因。" in visible(blank.text)
    assert f'<option value="{TOWN}" selected>' in blank.text  # the choice kept
    done = api.client.post(f"/followups/lead/{case_id}", follow_redirects=False,
                           data={"csrf": token, "agency_id": TOWN, "reason": MOVED})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=lead#lead")
    said = visible(api.client.get(done.headers["location"]).text)
    assert "牵头随访单位：三江镇社会事务办（儿童督导员）" in said and "已更换牵头单位" in said
    moved = f"连南瑶族自治县民政局（未成年人保护中心）→三江镇社会事务办（儿童督导员）（督办人员）：{MOVED}"
    assert moved in said
    runner.pump()
    board = visible(api.client.get("/board").text)
    assert "更换随访牵头单位" in board and "牵头随访：三江镇社会事务办（儿童督导员）" in board
    login(api.client, "civil-sanjiang", home="/desk")
    assert f'id="plan-{case_id}"' in api.client.get("/followups").text


def test_a_region_with_no_other_civil_unit_says_so_not_an_empty_list(api: Api,
                                                                    runner: EmbeddedRunner) -> None:
    """Stop 62's 清城区 supervisor: "更换牵头单位" opened on a list holding only "请选择单位"."""
    report = api.submit(report_body(location={"region_code": "441802", "address": "某街"}), key="qc").json()
    runner.pump()
    case_id = get(api, "operator1", f"/v1/reports/{report['report_id']}").json()["case_id"]
    login(api.client, "supervisor-qingcheng", home="/board")
    page = api.client.get(f"/followups/cases/{case_id}").text
    assert "本辖区没有其他民政单位可以牵头此案的随访" in page and 'id="lead-unit"' not in page
    login(api.client, "supervisor1")
    page = api.client.get(f"/followups/cases/{case_id}").text  # the province's: 连南's units to choose
    assert 'id="lead-unit"' in page and "本辖区没有其他民政单位" not in page
