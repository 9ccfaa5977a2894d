"""Supplements, receipt lookup, sentinel points, rate limits (issue #3)."""

import hashlib
import json
import re
from uuid import UUID

from fastapi.testclient import TestClient

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, report_body
from tests.unit.test_board_page import visible
from tests.unit.test_pages import login


def file_report(api: Api, runner: EmbeddedRunner, **overrides) -> dict:  # type: ignore[no-untyped-def, type-arg]
    # A key that is the same in every process (str hashes are salted per process).
    key = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()
    r = api.submit(report_body(**overrides), key=key)
    assert r.status_code == 201, r.text
    runner.pump()
    return r.json()  # type: ignore[no-any-return]


def case_of(api: Api, report_id: str) -> dict:  # type: ignore[type-arg]
    case_id = api.client.get(f"/v1/reports/{report_id}", headers=api.auth("operator1")).json()["case_id"]
    return api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()  # type: ignore[no-any-return]


def supplement(api: Api, report_id: str, user: str = "operator1", key: str | None = None, **body):  # type: ignore[no-untyped-def]
    headers = api.auth(user, **({"Idempotency-Key": key} if key else {}))
    return api.client.post(f"/v1/reports/{report_id}/supplements",
                           json={"narrative": "补充情况", **body}, headers=headers)


def test_supplement_adds_concerns_referrals_and_raises_the_level(
    api: Api, runner: EmbeddedRunner
) -> None:
    report = file_report(api, runner, concerns=["neglect"], immediate_danger=False,
                         narrative="孩子常常一个人在家")
    before = case_of(api, report["report_id"])
    assert before["risk_level"] == "yellow"
    assert [r["agency_kind"] for r in before["referrals"]] == ["civil_affairs"]

    r = supplement(api, report["report_id"], concerns=["school_bullying"], immediate_danger=True)
    assert r.status_code == 202, r.text
    runner.pump()
    after = case_of(api, report["report_id"])
    assert after["risk_level"] == "red" and after["initial_risk_level"] == "yellow"
    assert after["concerns"] == ["neglect", "school_bullying"]
    assert sorted(r["agency_kind"] for r in after["referrals"]) == ["civil_affairs", "education"]
    assert "case_supplement" in [t["type"] for t in after["timeline"]]
    # The referral that already existed was not duplicated.
    assert len(api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()) == 1


def test_supplement_never_lowers_the_level(api: Api, runner: EmbeddedRunner) -> None:
    report = file_report(api, runner)  # red
    supplement(api, report["report_id"], concerns=["special_hardship"])
    runner.pump()
    assert case_of(api, report["report_id"])["risk_level"] == "red"


def test_supplement_with_key_is_appended_once(api: Api, runner: EmbeddedRunner,
                                             hotline: ApiContainer) -> None:
    report = file_report(api, runner)
    first = supplement(api, report["report_id"], key="s1")
    again = supplement(api, report["report_id"], key="s1")
    assert first.json()["supplement_id"] == again.json()["supplement_id"]
    assert hotline.intake is not None
    assert len(hotline.intake.get_report(UUID(report["report_id"])).supplement_ids) == 1


def test_supplement_scope(api: Api, runner: EmbeddedRunner) -> None:
    teacher = api.submit(report_body(channel="web_form", reporter={"relation": "teacher"}),
                         as_user="teacher1", key="t").json()
    operator = file_report(api, runner)
    assert supplement(api, teacher["report_id"], user="teacher1").status_code == 202
    assert supplement(api, teacher["report_id"], user="operator1").status_code == 404
    assert supplement(api, operator["report_id"], user="teacher1").status_code == 404
    assert supplement(api, operator["report_id"], user="supervisor1").status_code == 202
    assert supplement(api, operator["report_id"], user="police-desk").status_code == 403
    r = supplement(api, operator["report_id"], narrative="")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "narrative"]


def test_receipt_lookup_gives_coarse_status_only(api: Api, runner: EmbeddedRunner) -> None:
    r = api.submit(report_body(reporter={"relation": "public", "anonymous": True}), key="anon")
    receipt = r.json()
    body = {"receipt_no": receipt["receipt_no"], "lookup_code": receipt["lookup_code"]}
    assert api.client.post("/v1/receipts/lookup", json=body).json() == {"status": "received"}
    runner.pump()
    assert api.client.post("/v1/receipts/lookup", json=body).json() == {"status": "in_progress"}
    lower = {**body, "lookup_code": body["lookup_code"].lower()}
    assert api.client.post("/v1/receipts/lookup", json=lower).status_code == 200
    wrong = {**body, "lookup_code": "AAAAAAAAAA"}
    assert api.client.post("/v1/receipts/lookup", json=wrong).status_code == 404
    unknown = {**body, "receipt_no": "20260101-XXXXXXXXXX"}
    assert api.client.post("/v1/receipts/lookup", json=unknown).status_code == 404


def test_receipt_lookup_is_rate_limited(api: Api) -> None:
    body = {"receipt_no": "20260101-XXXXXXXXXX", "lookup_code": "AAAAAAAAAA"}
    codes = [api.client.post("/v1/receipts/lookup", json=body).status_code for _ in range(12)]
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]
    assert api.client.post("/v1/receipts/lookup", json=body).headers["Retry-After"]


def test_login_failures_are_limited_per_account_and_per_address(api: Api) -> None:
    def attempt(username: str, password: str = "y" * 8) -> int:
        return api.client.post("/v1/auth/token", data={"username": username, "password": password}
                               ).status_code

    assert [attempt("operator1") for _ in range(11)] == [401] * 10 + [429]  # one account
    assert attempt("operator1", TEST_PASSWORD) == 429  # even the right password, for a while
    assert [attempt(f"guess{i}") for i in range(10)] == [401] * 10  # address: 20 failures so far
    assert attempt("another") == 429
    r = api.client.post("/v1/auth/token", data={"username": "x", "password": "y"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_successful_logins_do_not_count(api: Api) -> None:
    for _ in range(30):  # a school behind one address, everyone logging in
        assert api.client.post("/v1/auth/token", data={"username": "teacher1",
                                                        "password": TEST_PASSWORD}).status_code == 200


def sentinel_body(**overrides: str) -> dict[str, str]:
    return {"name": "三江镇中心小学", "kind": "school", "region_code": "441823100",
            "first_reporter": "teacher1", **overrides}


def test_admin_registers_a_sentinel_and_its_first_reporter_files_under_it(
    api: Api, hotline: ApiContainer
) -> None:
    r = api.client.post("/v1/sentinels", json=sentinel_body(), headers=api.auth("admin1"))
    assert r.status_code == 201, r.text
    sentinel = r.json()
    listed = api.client.get("/v1/sentinels", headers=api.auth("admin1")).json()
    assert listed == [sentinel]

    # Bound now: a fresh token carries the sentinel point.
    api._tokens.pop("teacher1", None)
    body = report_body(channel="sentinel", reporter={"relation": "sentinel_first_reporter"})
    r = api.submit(body, as_user="teacher1", key="sentinel-1")
    assert r.status_code == 201, r.text
    assert hotline.intake is not None
    report = hotline.intake.get_report(UUID(r.json()["report_id"]))
    assert report.sentinel_id == sentinel["sentinel_id"]


def test_sentinel_rules(api: Api) -> None:
    admin = api.auth("admin1")
    assert api.client.post("/v1/sentinels", json=sentinel_body(),
                           headers=api.auth("operator1")).status_code == 403
    bad_kind = api.client.post("/v1/sentinels", json=sentinel_body(kind="mall"), headers=admin)
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"][0]["loc"] == ["body", "kind"]
    nobody = api.client.post("/v1/sentinels", json=sentinel_body(first_reporter="ghost"),
                             headers=admin)
    assert nobody.status_code == 422
    assert nobody.json()["detail"][0]["loc"] == ["body", "first_reporter"]
    assert api.client.post("/v1/sentinels", json=sentinel_body(), headers=admin).status_code == 201
    assert api.client.post("/v1/sentinels", json=sentinel_body(), headers=admin).status_code == 409


def test_unbound_reporter_cannot_use_the_sentinel_channel(api: Api) -> None:
    body = report_body(channel="sentinel", reporter={"relation": "teacher"})
    r = api.submit(body, as_user="teacher1", key="s")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "channel"]


def test_a_unit_reads_which_sentinel_point_filed_the_report(api: Api, runner: EmbeddedRunner) -> None:
    """The education desk's review, stop 60: the address is withheld from the bureau, and the page
    never said which school the teacher reported from. The point is an institution, not a
    person: every unit on the case reads its name and kind."""
    registered = api.client.post("/v1/sentinels", json=sentinel_body(), headers=api.auth("admin1"))
    assert registered.status_code == 201
    api._tokens.pop("teacher1", None)
    body = report_body(channel="sentinel", reporter={"relation": "sentinel_first_reporter"},
                       concerns=["school_dropout"], immediate_danger=False, narrative="孩子两周没来上学")
    assert api.submit(body, as_user="teacher1", key="sentinel-school").status_code == 201
    runner.pump()
    login(api.client, "edu-desk", "/desk")
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', api.client.get("/desk").text).group(1)  # type: ignore[union-attr]
    page = visible(api.client.get(f"/desk/referrals/{referral_id}").text)
    assert "报告单位三江镇中心小学（监测哨点·学校）" in page and "（报告单位：三江镇中心小学" in page
    assert "详细地址不向本单位提供" in page  # the rule for the bureau stands
    plain = report_body(concerns=["school_dropout"], immediate_danger=False)
    api.submit({**plain, "children": [{"name": "另一个", "age": 9}]}, key="hotline-school")
    runner.pump()
    inbox = api.client.get("/v1/desk/referrals", headers=api.auth("edu-desk")).json()
    others = [r["referral_id"] for r in inbox if r["referral_id"] != referral_id]
    assert others and "报告单位" not in visible(api.client.get(f"/desk/referrals/{others[0]}").text)


def test_wrong_passwords_from_one_address_do_not_lock_the_account_out_elsewhere(api: Api) -> None:
    """The IT office's review, stop 60: ten wrong passwords typed by anyone locked the county
    hospital's only desk out for 15 minutes, and /login then answered in English JSON."""
    for _ in range(10):
        api.client.post("/v1/auth/token", data={"username": "hospital-desk", "password": "wrong-guess"})
    assert api.client.post("/v1/auth/token", data={"username": "hospital-desk", "password": TEST_PASSWORD}
                           ).status_code == 429  # from the guessing address, for a while
    with TestClient(api.client.app, client=("10.20.0.7", 50001)) as desk:  # the hospital's own PC
        r = desk.post("/v1/auth/token", data={"username": "hospital-desk", "password": TEST_PASSWORD})
        assert r.status_code == 200, r.text
    page = api.client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    refused = api.client.post("/login", data={"username": "hospital-desk", "password": TEST_PASSWORD,
                                              "csrf": csrf})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in refused.text and "分钟后再试" in refused.text
    assert "Too many" not in refused.text and refused.headers["content-type"].startswith("text/html")


def test_a_first_reporters_form_starts_in_her_points_name(api: Api) -> None:
    """The IT office's second review, stop 60: the new school's first reporter found 以所在监测哨点
    名义报告 unticked, her school unnamed, and 您的身份 教师: her reports would not count as the
    point's."""
    login(api.client, "teacher1")
    assert 'name="channel" value="sentinel"' not in api.client.get("/report").text  # bound to none
    registered = api.client.post("/v1/sentinels", json=sentinel_body(), headers=api.auth("admin1"))
    assert registered.status_code == 201
    login(api.client, "teacher1")  # a new session carries the binding
    page = api.client.get("/report").text
    assert re.search(r'value="sentinel" checked> 以所在监测哨点（三江镇中心小学）名义报告', page), page
    assert re.search(r'<option value="sentinel_first_reporter" selected>', page)
