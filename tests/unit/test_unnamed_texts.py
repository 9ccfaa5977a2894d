"""What stays on inboxes and the board names no child or reporter of the case: a decline's reason,
an outcome and its note, a supervisor's call note (the civil desk's review, stop 53: "盘小雨失学问题
属于控辍保学…" was taken as a 退回 reason though the form asks for no names). Refused at the field,
in Chinese on the page with what was typed kept, and nothing stored."""

from __future__ import annotations

import re

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_pages import login


def test_a_decline_or_outcome_naming_the_child_or_reporter_is_refused_at_its_field(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner, "unnamed-api")
    police, hospital = referral_of(case, "police"), referral_of(case, "hospital")
    decline = f"/v1/referrals/{police}/decline"
    refused = post(api, "police-desk", decline, {"reason": "王小明的事不归本所"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "reason"
    assert "退回原因不能含有儿童或报告人的姓名" in refused.text
    given = post(api, "police-desk", decline, {"reason": "小明家不在本所辖区"})
    assert given.status_code == 422 and "退回原因不能含有儿童或报告人的名字" in given.text  # no surname
    assert api.client.get(f"/v1/referrals/{police}", headers=api.auth("police-desk")).json()["status"] == \
        "dispatched"  # nothing stored
    plain = post(api, "police-desk", decline, {"reason": "不在本所辖区"})
    assert plain.status_code == 200
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge").status_code == 200
    calls = f"/v1/referrals/{hospital}/calls"
    call = post(api, "supervisor1", calls, {"reached": True, "note": "王小明已收治"})
    assert call.status_code == 422 and call.json()["detail"][0]["loc"][-1] == "note"
    assert "通话情况不能含有儿童或报告人的姓名（通话情况会显示在督办看板上）" in call.text
    called = post(api, "supervisor1", calls, {"reached": True, "note": "该儿童已收治"})
    assert called.status_code == 201 and [c["note"] for c in called.json()["calls"]] == ["该儿童已收治"]
    note = post(api, "hospital-desk", f"/v1/referrals/{hospital}/outcome",
                {"outcome": "已接诊救治", "note": "李女士陪同来院"})
    assert note.status_code == 422 and note.json()["detail"][0]["loc"][-1] == "note"
    assert "说明不能含有儿童或报告人的姓名" in note.text
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/outcome",
                {"outcome": "已接诊救治", "note": "报告人陪同来院"}).status_code == 200


def test_the_desk_page_refuses_a_named_reason_at_the_field_and_keeps_what_was_typed(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner, "unnamed-page")
    police = referral_of(case, "police")
    login(api.client, "police-desk", "/desk")
    page = api.client.get(f"/desk/referrals/{police}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    typed = "王小明住在县城，应由城区派出所处理"
    r = api.client.post(f"/desk/referrals/{police}/decline", data={"csrf": csrf, "reason": typed})
    assert r.status_code == 422
    said = "退回原因不能含有儿童或报告人的姓名（退回原因会留在收件箱和督办看板上）："
    assert f'id="reason-error">{said}' in r.text
    assert typed in r.text and "确认退回" not in visible(r.text)  # kept, and not yet asked to confirm
    assert api.client.get(f"/v1/referrals/{police}", headers=api.auth("police-desk")).json()["status"] == \
        "dispatched"
