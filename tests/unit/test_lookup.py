"""Anyone who reported looks up progress at /lookup; an operator supplements by receipt number
for a caller who rings back; receipt numbers carry the Beijing date (issue #24, contract §15)."""

import re
from datetime import UTC, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.intake import application
from services.intake.domain import CROCKFORD, readings, receipt_no_for, spoken
from tests.conftest import Api
from tests.helpers import audit_entries, report_body
from tests.unit.test_intake_features import case_of, file_report
from tests.unit.test_pages import login


def lookup_form(client: TestClient) -> str:
    page = client.get("/lookup")
    assert page.status_code == 200 and "查询报告进度" in page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def look_up(client: TestClient, receipt_no: str, lookup_code: str, csrf: str | None = None,
            **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/lookup", headers=headers, data={
        "csrf": lookup_form(client) if csrf is None else csrf,
        "receipt_no": receipt_no, "lookup_code": lookup_code})


def test_the_public_looks_up_progress_on_a_page_without_signing_in(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    receipt = api.submit(report_body(reporter={"relation": "public", "anonymous": True}),
                         key="anon").json()
    page = look_up(api.client, receipt["receipt_no"], receipt["lookup_code"])
    assert page.status_code == 200 and 'id="lookup-status">已收到<' in page.text
    runner.pump()
    # As a caller types what was read out: full-width, spaced, lower case, no dash.
    typed = receipt["receipt_no"].replace("-", " ").lower()
    code = "".join(chr(ord(c) + 0xFEE0) for c in receipt["lookup_code"].lower())
    page = look_up(api.client, typed, code)
    assert page.status_code == 200 and 'id="lookup-status">处理中<' in page.text
    assert receipt["receipt_no"] in page.text and receipt["lookup_code"] not in page.text
    assert "王小明" not in page.text and "红色" not in page.text  # the coarse status only
    assert not re.search(r'id="receipt_no"[^>]*value="\S', page.text)  # 查询另一份报告 starts empty (stop 49)
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]
    wrong = look_up(api.client, receipt["receipt_no"], "AAAAAAAAAA")
    assert wrong.status_code == 404 and "未找到与该受理编号和查询码相符的报告" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    typed = look_up(api.client, '"><b>20261202', "AAAAAAAAAA")
    assert typed.status_code == 404 and "<b>20261202" not in typed.text  # echoed, escaped
    empty = look_up(api.client, "", "")
    assert empty.status_code == 422 and "请填写受理编号" in empty.text and "请填写10位查询码" in empty.text
    lookups = [e for e in audit_entries(hotline) if e["action"] == "receipt.lookup"]
    assert len(lookups) == 2 and all(e["actor"] == "anonymous" for e in lookups)


def test_the_lookup_form_refuses_posts_from_other_sites(api: Api) -> None:
    receipt = api.submit(report_body(), key="csrf").json()
    pair = (receipt["receipt_no"], receipt["lookup_code"])
    csrf = lookup_form(api.client)
    assert look_up(api.client, *pair, csrf="forged").status_code == 403
    # The browser says the post comes from another site: refused even with a valid token.
    r = look_up(api.client, *pair, csrf=csrf, **{"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and "页面已过期" in r.text and "已收到" not in r.text
    # Another site's form: its visitor's browser holds no form cookie for it to match.
    stranger = TestClient(api.client.app)
    r = stranger.post("/lookup", data={"csrf": csrf, "receipt_no": pair[0], "lookup_code": pair[1]})
    assert r.status_code == 403
    assert look_up(api.client, *pair, csrf=csrf, **{"Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_the_page_and_the_api_share_one_rate_limit_and_say_so_in_chinese(api: Api) -> None:
    for _ in range(5):
        assert look_up(api.client, "20260101-XXXXXXXXXX", "AAAAAAAAAA").status_code == 404
    body = {"receipt_no": "20260101-XXXXXXXXXX", "lookup_code": "AAAAAAAAAA"}
    for _ in range(5):
        r = api.client.post("/v1/receipts/lookup", json=body)
        assert r.status_code == 404 and r.json()["detail"].startswith("未找到")
    limited = look_up(api.client, "20260101-XXXXXXXXXX", "AAAAAAAAAA")
    assert limited.status_code == 429 and "查询失败次数过多" in limited.text
    assert int(limited.headers["Retry-After"]) > 0
    assert api.client.post("/v1/receipts/lookup", json=body).status_code == 429


def test_the_way_to_the_lookup_page_from_the_root_and_the_receipts(api: Api) -> None:
    login_page = api.client.get("/", follow_redirects=True)
    assert '<a href="/lookup" class="tap">查询报告进度</a>' in login_page.text
    login(api.client, "teacher1")
    form = api.client.get("/report").text
    fields = dict(re.findall(r'name="(csrf|idempotency_key)" value="([^"]+)"', form))
    receipt = api.client.post("/report", data={
        **fields, "children.0.name": "王小明", "children.0.age": "9", "reporter.relation": "teacher",
        "location.region_code": "441823", "narrative": "孩子身上有伤"})
    assert receipt.status_code == 200 and receipt.url.path.startswith("/report/receipt/")  # after a 303
    # The link fills in the receipt number; the lookup code never goes into a URL (history, logs).
    receipt_no = re.search(r'id="receipt-no">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    code = re.search(r'id="lookup-code">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    link = re.search(r'href="(/lookup[^"]*)" id="lookup-link"', receipt.text).group(1)  # type: ignore[union-attr]
    assert link == f"/lookup?receipt_no={receipt_no}" and receipt.text.count(code) == 1
    filled = api.client.get(link).text
    assert f'value="{receipt_no}"' in filled and re.search(r'id="lookup_code"[^>]*autofocus', filled)
    assert f'value="{receipt_no}"' in api.client.get(f"/lookup?receipt_no={receipt_no.lower()}").text
    api.client.cookies.clear()
    login(api.client, "operator1")
    assert 'href="/lookup"' in api.client.get("/intake").text


def receipt_supplement(api: Api, user: str = "operator1", **body):  # type: ignore[no-untyped-def]
    return api.client.post("/v1/receipts/supplements", json={"narrative": "来电人补充情况", **body},
                           headers=api.auth(user))


def test_an_operator_supplements_by_receipt_for_a_caller_who_rings_back(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    # A teacher's web report: the caller's pair, not the channel, is what lets the operator add.
    teacher = api.submit(report_body(channel="web_form", reporter={"relation": "teacher"},
                                     concerns=["neglect"], immediate_danger=False,
                                     narrative="孩子常常一个人在家"), as_user="teacher1", key="t").json()
    runner.pump()
    before = case_of(api, teacher["report_id"])
    assert before["risk_level"] == "yellow"
    r = receipt_supplement(api, receipt_no=f" {teacher['receipt_no'].lower()} ",
                           lookup_code=teacher["lookup_code"], concerns=["domestic_violence"])
    assert r.status_code == 202, r.text
    assert r.json()["report_id"] == teacher["report_id"]
    runner.pump()
    after = case_of(api, teacher["report_id"])
    assert after["risk_level"] == "orange"
    assert sorted(x["agency_kind"] for x in after["referrals"]) == ["civil_affairs", "police"]
    (entry,) = [e for e in audit_entries(hotline) if e["action"] == "report.supplement"]
    assert (entry["actor"], entry["resource_id"], entry["case_id"]) == (
        "operator1", teacher["report_id"], before["case_id"])

    wrong = receipt_supplement(api, receipt_no=teacher["receipt_no"], lookup_code="AAAAAAAAAA")
    assert wrong.status_code == 404 and wrong.json()["detail"].startswith("未找到")
    pair = {"receipt_no": teacher["receipt_no"], "lookup_code": teacher["lookup_code"]}
    assert receipt_supplement(api, user="teacher1", **pair).status_code == 403
    assert receipt_supplement(api, user="supervisor1", **pair).status_code == 403
    r = receipt_supplement(api, narrative="", **pair)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "narrative"]


def test_supplements_by_receipt_are_no_oracle_they_share_the_lookup_limit(
    api: Api, runner: EmbeddedRunner
) -> None:
    report = file_report(api, runner)
    pair = {"receipt_no": report["receipt_no"], "lookup_code": report["lookup_code"]}
    guesses = [receipt_supplement(api, receipt_no=report["receipt_no"], lookup_code=f"AAAAAAAAA{c}")
               for c in "23456"]
    assert [g.status_code for g in guesses] == [404] * 5
    body = {"receipt_no": "20260101-XXXXXXXXXX", "lookup_code": "AAAAAAAAAA"}
    assert [api.client.post("/v1/receipts/lookup", json=body).status_code
            for _ in range(5)] == [404] * 5
    # Ten failures from this address, between both: even the right pair now waits.
    assert receipt_supplement(api, **pair).status_code == 429
    assert api.client.post("/v1/receipts/lookup", json=pair).status_code == 429


def test_receipt_numbers_carry_the_beijing_date(api: Api, hotline: ApiContainer) -> None:
    # 21:30 UTC on 12-01 is 05:30 on 12-02 in Beijing.
    hotline.intake.clock = lambda: datetime(2026, 12, 1, 21, 30, tzinfo=UTC)
    receipt = api.submit(report_body(), key="night").json()
    assert receipt["receipt_no"].startswith("20261202-")
    assert receipt["received_at"].startswith("2026-12-01T21:30")  # the instant itself stays UTC
    hotline.intake.clock = lambda: datetime(2026, 12, 1, 15, 59, tzinfo=UTC)
    assert api.submit(report_body(), key="evening").json()["receipt_no"].startswith("20261201-")


def test_what_a_caller_reads_out_is_typed_back_to_one_form() -> None:
    assert spoken(" 20261202 abcd－efghij ") == "20261202-ABCDEFGHIJ"
    assert spoken("２０２６１２０２—ＡＢＣＤＥＦＧＨＩＪ") == "20261202-ABCDEFGHIJ"
    assert spoken("k7m p9 q2rs") == "K7MP9Q2RS"


def test_new_receipts_have_no_look_alikes_and_old_ones_are_still_found(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An id whose RFC 4648 base32 starts "OILU…": the alphabet of receipts before, for contrast.
    report_id = UUID(bytes=bytes.fromhex("721740") + bytes(13))
    assert receipt_no_for(report_id, datetime(2026, 12, 2)) == "20261202-E8BM000000"
    tails = [api.submit(report_body(), key=f"new-{i}").json()["receipt_no"][9:] for i in range(4)]
    assert all(set(tail) <= set(CROCKFORD) for tail in tails) and not set("ILOU") & set("".join(tails))
    # A receipt issued before, in the old alphabet (letters O, I, L and U).
    monkeypatch.setattr(application, "receipt_no_for", lambda _id, at: f"{at:%Y%m%d}-KVO3IL7UAB")
    old = api.submit(report_body(), key="old").json()
    monkeypatch.undo()
    date = old["receipt_no"][:9]
    for typed in (old["receipt_no"], f"{date}kvo3il7uab", f"{date}KV03IL7UAB", f"{date}KVO31L7UAB"):
        pair = {"receipt_no": typed, "lookup_code": old["lookup_code"]}
        assert api.client.post("/v1/receipts/lookup", json=pair).status_code == 200, typed
    wrong = {"receipt_no": f"{date}KVO3IL7VAB", "lookup_code": old["lookup_code"]}
    assert api.client.post("/v1/receipts/lookup", json=wrong).status_code == 404


def test_look_alikes_typed_are_read_in_the_new_alphabet_then_in_the_old() -> None:
    assert readings("20261202-K0M1P") == ["20261202K0M1P"]  # not a whole receipt number
    assert readings("2026 1202 kom lpqrsuv") == ["20261202-KOMLPQRSUV", "20261202-K0M1PQRSVV"]
    assert readings("20261202-V0311AAAAA") == [
        "20261202-V0311AAAAA", *(f"20261202-VO3{a}{b}AAAAA" for a in "IL" for b in "IL")]
    assert readings("20261202-1111111111") == ["20261202-1111111111"]  # too many 1s to try
