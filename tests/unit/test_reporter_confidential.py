"""A caller who asks that the child's family not learn who reported: every unit on the case reads
that instruction on the referral, whatever it may read of the reporter (stop 59's operator had
only full anonymity, and wrote the wish into the narrative the family's visitors read)."""

from __future__ import annotations

import re

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_pages import GOOD, form_fields, login

SAID = "报告人要求：不要向儿童家属或涉事人员透露是谁报告的"


def referral_page(api: Api, desk: str) -> str:
    login(api.client, desk)
    found = re.search(r'id="ref-([0-9a-f-]+)"', api.client.get("/desk").text)
    referral_id = found.group(1)  # type: ignore[union-attr]
    return api.client.get(f"/desk/referrals/{referral_id}").text


def test_the_callers_wish_reaches_every_unit_and_the_api(api: Api, runner: EmbeddedRunner) -> None:
    body = report_body()
    body["reporter"] = {**body["reporter"], "confidential": True}
    report = api.submit(body, key="confidential").json()
    runner.pump()
    for desk in ("police-desk", "hospital-desk"):  # the police read the reporter, the hospital not
        assert SAID in referral_page(api, desk), desk
    referral = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()[0]
    detail = api.client.get(f"/v1/referrals/{referral['referral_id']}",
                            headers=api.auth("hospital-desk")).json()
    assert detail["reports"][0]["reporter_confidential"] is True
    assert detail["reports"][0]["reporter"] == {"anonymous": False}  # who reported: withheld
    again = api.submit(body, key="confidential")  # the same request again: the same report
    assert again.json()["report_id"] == report["report_id"]


def test_without_the_wish_nothing_is_said_and_the_form_offers_it(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="plain")
    runner.pump()
    assert SAID not in referral_page(api, "police-desk")
    login(api.client)
    form = api.client.get("/report").text
    assert 'name="reporter.confidential"' in form and "请不要向儿童家属透露是我报告的" in form
    fields = form_fields(form)
    sent = api.client.post("/report", data={**GOOD, **fields, "reporter.confidential": "1"})
    assert sent.status_code == 200 and "受理编号" in sent.text
    runner.pump()
    said = [r["reporter_confidential"] for ref in api.client.get("/v1/desk/referrals",
                                                                 headers=api.auth("police-desk")).json()
            for r in api.client.get(f"/v1/referrals/{ref['referral_id']}",
                                    headers=api.auth("police-desk")).json()["reports"]]
    assert sorted(said) == [False, True]  # the operator's plain report, the teacher's with the wish
