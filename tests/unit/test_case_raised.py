"""A case raised after its unit took the referral on (stop 58's child director): the desk's inbox
and referral page give the case's level now, rank it by that level, say it was raised and from
what, and the timeline says each change of level."""

from __future__ import annotations

import re

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import referrals_of, yellow_case

CIVIL = "civil-441823"


def taken_on(api: Api, runner: EmbeddedRunner, key: str, **child: object) -> tuple[str, str]:
    """A yellow case of its own child, its civil-affairs referral taken on: (case, referral)."""
    body = report_body(concerns=["school_dropout"], immediate_danger=False, narrative="孩子没去上学",
                       children=[{"name": "陈小军", "gender": "male", "age": 8, **child}])
    report = api.submit(body, key=key).json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    referral = referrals_of(api, case_id)["civil_affairs"]["referral_id"]
    assert post(api, "civil-desk", f"/v1/referrals/{referral}/acknowledge").status_code == 200
    return case_id, referral


def test_a_case_raised_after_it_was_taken_on_is_given_at_its_level_now(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    older, raised = taken_on(api, runner, "raised-older", age=8)
    newer, _ = taken_on(api, runner, "raised-newer", age=5)
    assert older != newer
    login(api.client, "civil-desk", "/desk")
    rows = re.findall(r'id="ref-([0-9a-f-]+)"', api.client.get("/desk/inbox").text)
    assert rows.index(raised) == 1  # both yellow: the newer first
    r = api.client.post(f"/v1/cases/{older}/reassessments", headers=api.auth("supervisor1"),
                        json={"risk_level": "orange", "reason": "核实后情况更紧急"})
    assert r.status_code == 202, r.text
    runner.pump()
    inbox = api.client.get("/desk/inbox").text
    assert re.findall(r'id="ref-([0-9a-f-]+)"', inbox).index(raised) == 0  # orange now: first
    row = re.search(rf'id="ref-{raised}".*?</tr>', inbox, re.S).group(0)  # type: ignore[union-attr]
    assert 'class="badge lv-orange">橙色' in row and "案件已升为橙色（转介时为黄色）" in visible(row)
    marks = {m[0]: m[1] for m in hotline.view.inbox_marks(CIVIL)}
    assert marks[raised] == "orange"  # the live stream rings for it
    page = api.client.get(f"/desk/referrals/{raised}").text
    said = visible(page)
    assert re.search(r'<h1><span class="badge lv-orange">橙色</span>', page)
    assert "案件现为橙色（这条转介时为黄色，之后案件已升级）：请按橙色处置。" in said, said
    assert "重新评估：黄色→橙色，原因：核实后情况更紧急" in said  # the change and why, not only one was made


def test_a_timeline_line_does_not_name_its_unit_twice(api: Api, runner: EmbeddedRunner) -> None:
    case = yellow_case(api, runner, "named-once")
    referral = referrals_of(api, case["case_id"])["civil_affairs"]["referral_id"]
    assert post(api, "civil-desk", f"/v1/referrals/{referral}/acknowledge").status_code == 200
    runner.pump()
    login(api.client, "civil-desk", "/desk")
    said = visible(api.client.get(f"/desk/referrals/{referral}").text)
    line = re.search(r"\d\d-\d\d\d\d:\d\d接收转介[^\d]*", said).group(0)  # type: ignore[union-attr]
    assert line.count("民政局") == 1, line
