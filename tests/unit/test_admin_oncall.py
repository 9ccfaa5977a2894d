"""The admin's roster page (/admin/oncall/{agency_id}, contract §15): the directory links each
unit; the form saves through the API's checks (errors in Chinese next to their field, 422);
rows are added, moved and removed without JavaScript; the secret is generated and shown once;
a contact without a webhook is warned about; "发送测试" sends a signed test with no personal
data and says whether it arrived; every action audited, every form CSRF-checked. Also /docs
from the application's own Swagger UI."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from services.api.pages import assets
from services.bootstrap import ApiContainer
from services.notify import webhook
from services.notify.sendtest import classify
from tests.conftest import Api
from tests.helpers import audit_entries
from tests.receiver import Receiver
from tests.unit.test_pages import login

URL = "/admin/oncall/police-441823"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def open_roster(api: Api) -> str:
    login(api.client, "admin1")
    page = api.client.get(URL)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def form(csrf: str, *rows: dict[str, Any], op: str = "save") -> dict[str, Any]:
    """The posted form: c{i}_field per row; weekdays as a list of ticked days."""
    data: dict[str, Any] = {"csrf": csrf, "rows": str(len(rows)), "op": op}
    for i, row in enumerate(rows):
        days = row.get("weekdays", [1, 2, 3, 4, 5, 6, 7])
        data.update({f"c{i}_{k}": v for k, v in row.items() if k != "weekdays"})
        data[f"c{i}_weekdays"] = [str(d) for d in days]
    return data


def secret_in(html: str) -> str | None:
    found = re.search(r'id="secret-value">([^<]+)<', html)
    return found.group(1) if found else None


def test_the_directory_links_each_unit_to_its_roster_by_name(api: Api, hotline: ApiContainer) -> None:
    login(api.client, "admin1")
    page = api.client.get("/admin").text
    for agency in hotline.directory.agencies:
        assert f'<a href="/admin/oncall/{agency.agency_id}">{agency.name}</a>' in page
    directory = page.split('id="directory"')[1]
    assert "police-441823</td>" not in directory and "公安" in directory and "未设置" in directory
    assert api.client.get("/admin/oncall/nowhere").status_code == 404
    api.client.cookies.clear()  # signed out first: /login now sends one signed in on to their page
    login(api.client, "supervisor1")
    assert api.client.get(URL).status_code == 403


def test_saving_a_roster_shows_its_secret_once_and_warns_of_a_contact_without_webhook(
        api: Api, hotline: ApiContainer, receiver: Receiver) -> None:
    csrf = open_roster(api)
    r = api.client.post(URL, data=form(
        csrf, {"name": "值班民警", "phone": "0763-1234567", "webhook_url": receiver.hook("a"),
               "format": "json", "weekdays": [1, 2, 3, 4, 5], "from": "8:00", "to": "18:00"},
        {"name": "所长", "phone": "13800000000"}, {"name": ""}))
    assert r.status_code == 200, r.text
    secret = secret_in(r.text)
    assert secret and len(secret) >= 16
    roster = hotline.notify.roster("police-441823")
    assert roster is not None and roster.secret == secret
    assert [c.public() for c in roster.contacts] == [
        {"name": "值班民警", "phone": "0763-1234567", "webhook_url": receiver.hook("a"), "format": "json",
         "weekdays": [1, 2, 3, 4, 5], "from": "08:00", "to": "18:00"},
        {"name": "所长", "phone": "13800000000", "format": "json"}]
    again = api.client.get(URL).text
    assert secret not in again and secret_in(again) is None  # shown once
    assert 'id="warn-1"' in again and "不会自动收到通知" in again and 'id="warn-0"' not in again
    # A second save keeps the secret (and shows none).
    r = api.client.post(URL, data=form(csrf, {"name": "值班民警", "webhook_url": receiver.hook("a")}),
                        follow_redirects=False)
    assert r.status_code == 303 and hotline.notify.roster("police-441823").secret == secret  # type: ignore[union-attr]
    assert "已保存值班表" in api.client.get(r.headers["location"]).text
    # The GET of the API shows what the page saved, the same format.
    shown = api.client.get("/v1/agencies/police-441823/oncall", headers=api.auth("admin1")).json()
    assert shown["contacts"] == [{"name": "值班民警", "webhook_url": receiver.hook("a"), "format": "json"}]
    actions = [(e["action"], e["actor"]) for e in audit_entries(hotline)
               if e["resource_id"] == "police-441823"]
    assert ("oncall.set", "admin1") in actions and ("oncall.read", "admin1") in actions


def test_times_and_phones_typed_in_fullwidth_are_saved_as_ascii(api: Api, hotline: ApiContainer) -> None:
    """A Chinese keyboard's ０８：００ is 08:00, as its fullwidth phone digits are a phone (the IT
    office's review, stop 50: the time was refused as not “时:分”), on the page and by the API."""
    csrf = open_roster(api)
    r = api.client.post(URL, data=form(csrf, {"name": "值班民警", "phone": "０７６３－１２３４５６７",
                                              "from": "０８：００", "to": "１８：３０"}))
    assert r.status_code == 200, r.text
    [contact] = hotline.notify.roster("police-441823").contacts  # type: ignore[union-attr]
    assert (contact.phone, contact.start, contact.end) == ("0763-1234567", "08:00", "18:30")
    r = api.client.put("/v1/agencies/police-441823/oncall", headers=api.auth("admin1"), json={
        "secret": "s" * 32, "contacts": [{"name": "所长", "from": "２２：００", "to": "０６：００"}]})
    assert r.status_code == 200, r.text
    [contact] = hotline.notify.roster("police-441823").contacts  # type: ignore[union-attr]
    assert (contact.start, contact.end) == ("22:00", "06:00")


def test_regenerating_the_secret_shows_the_new_one_once(api: Api, hotline: ApiContainer) -> None:
    csrf = open_roster(api)
    first = secret_in(api.client.post(URL, data=form(csrf, {"name": "值班员"})).text)
    step = api.client.post(f"{URL}/secret", data={"csrf": csrf})  # asked first
    replaces = re.search(r'name="replaces" value="([^"]+)"', step.text).group(1)  # type: ignore[union-attr]
    assert first not in step.text  # names the secret it replaces without showing it
    sent = {"csrf": csrf, "confirmed": "yes", "replaces": replaces}
    r = api.client.post(f"{URL}/secret", data=sent)
    second = secret_in(r.text)
    assert r.status_code == 200 and second and second != first
    # F5 on the new secret's page sends the form again: no third secret (the IT office's review, stop
    # 50: each F5 made one, and the one just copied stopped working).
    again = api.client.post(f"{URL}/secret", data=sent)
    assert again.status_code == 409 and "密钥已经重新生成过，这次没有再生成" in again.text
    assert secret_in(again.text) is None
    assert hotline.notify.roster("police-441823").secret == second  # type: ignore[union-attr]
    assert [c.name for c in hotline.notify.roster("police-441823").contacts] == ["值班员"]  # type: ignore[union-attr]
    assert api.client.post(f"{URL}/secret", data={"csrf": "forged"}).status_code == 403
    assert hotline.notify.roster("police-441823").secret == second  # type: ignore[union-attr]


@pytest.mark.parametrize(("row", "field", "text"), [
    ({"name": "甲", "webhook_url": "ftp://x"}, "c0_webhook_url", "完整的网址"),
    ({"name": "甲", "from": "25:00", "to": "08:00"}, "c0_from", "时:分"),
    ({"name": "甲", "from": "08:00"}, "c0_to", "同时填写"),
    ({"name": "甲", "from": "08:00", "to": "08:00"}, "c0_to", "不能与开始时间相同"),
    ({"name": "甲", "weekdays": []}, "c0_weekdays", "至少勾选"),
    ({"name": "甲", "phone": "call me"}, "c0_phone", "电话只能"),
])
def test_a_wrong_field_is_named_in_chinese_and_nothing_is_stored(
        api: Api, hotline: ApiContainer, row: dict[str, Any], field: str, text: str) -> None:
    csrf = open_roster(api)
    r = api.client.post(URL, data=form(csrf, row))
    assert r.status_code == 422
    assert f'id="error-{field}"' in r.text and text in r.text.split(f'id="error-{field}"')[1][:200]
    assert hotline.notify.roster("police-441823") is None


def test_duplicate_names_and_an_empty_roster_are_refused(api: Api, hotline: ApiContainer) -> None:
    csrf = open_roster(api)
    r = api.client.post(URL, data=form(csrf, {"name": "甲"}, {"name": "甲"}))
    assert r.status_code == 422 and 'id="error-c1_name"' in r.text and "重复" in r.text
    r = api.client.post(URL, data=form(csrf, {"name": ""}))
    assert r.status_code == 422 and "请至少填写一位联系人" in r.text
    assert api.client.post(URL, data={**form(csrf, {"name": "甲"}), "csrf": "x"}).status_code == 403
    assert hotline.notify.roster("police-441823") is None


def test_rows_are_added_moved_and_removed_without_saving(api: Api, hotline: ApiContainer) -> None:
    csrf = open_roster(api)
    rows = ({"name": "甲"}, {"name": "乙"})
    r = api.client.post(URL, data=form(csrf, *rows, op="add"))
    assert r.status_code == 200 and 'name="rows" value="3"' in r.text
    r = api.client.post(URL, data=form(csrf, *rows, op="up-1"))
    assert r.text.index('value="乙"') < r.text.index('value="甲"')
    r = api.client.post(URL, data=form(csrf, *rows, op="down-0"))
    assert r.text.index('value="乙"') < r.text.index('value="甲"')
    r = api.client.post(URL, data=form(csrf, *rows, op="remove-0"))
    assert 'value="甲"' not in r.text and 'value="乙"' in r.text
    assert hotline.notify.roster("police-441823") is None  # nothing saved by rearranging


def test_send_test_delivers_a_signed_test_without_personal_data(
        api: Api, hotline: ApiContainer, receiver: Receiver) -> None:
    csrf = open_roster(api)
    secret = secret_in(api.client.post(URL, data=form(
        csrf, {"name": "值班民警", "phone": "13800000000", "webhook_url": receiver.hook("a")},
        {"name": "企业微信群", "webhook_url": receiver.hook("b"), "format": "wecom"},
        {"name": "所长"})).text)
    assert secret
    page = api.client.get(URL).text
    assert page.count('formaction="/admin/oncall/police-441823/test"') == 2  # not for 所长 (no webhook)
    r = api.client.post(f"{URL}/test", data={"csrf": csrf, "contact": "值班民警"})
    assert r.status_code == 200 and "已送达" in r.text and 'id="test-result"' in r.text
    (got,) = receiver.got
    body = json.loads(got["body"])
    assert body["event"] == "test" and body["agency_id"] == "police-441823" and set(body) == {
        "event", "agency_id", "sent_at"}
    assert receiver.signed(secret)
    assert "13800000000" not in got["body"].decode() and "值班民警" not in got["body"].decode()
    r = api.client.post(f"{URL}/test", data={"csrf": csrf, "contact": "企业微信群"})
    robot = json.loads(receiver.got[1]["body"])
    assert "已送达" in r.text and robot["msgtype"] == "markdown" and "测试" in robot["markdown"]["content"]
    receiver.status, receiver.answer = 500, b"internal secret details of the receiver"
    r = api.client.post(f"{URL}/test", data={"csrf": csrf, "contact": "值班民警"})
    assert "发送失败" in r.text and "状态码 500" in r.text and "internal secret" not in r.text
    assert "下一步：请接收方查看其系统日志中拒收的原因" in r.text  # what to check (stop 50's review)
    assert api.client.post(f"{URL}/test", data={"csrf": csrf, "contact": "所长"}).status_code == 404
    assert api.client.post(f"{URL}/test", data={"csrf": "x", "contact": "值班民警"}).status_code == 403
    assert len(receiver.got) == 3
    tests = [e for e in audit_entries(hotline) if e["action"] == "oncall.test"]
    assert len(tests) == 4 and tests[0]["actor"] == "admin1"


def test_a_receiver_that_cannot_be_reached_is_said_so_in_chinese(api: Api, receiver: Receiver) -> None:
    csrf = open_roster(api)
    dead = receiver.hook("gone")
    receiver.close()
    api.client.post(URL, data=form(csrf, {"name": "值班员", "webhook_url": dead}))
    r = api.client.post(f"{URL}/test", data={"csrf": csrf, "contact": "值班员"})
    assert "发送失败" in r.text and "连接被拒绝" in r.text
    assert "下一步：请确认接收系统已启动、地址中的端口正确" in r.text
    assert classify("HTTP 503") == ("status", "503") and classify("errcode 93000") == ("errcode", "93000")
    assert classify("TimeoutError: timed out")[0] == "timeout"
    assert classify("URLError: [Errno -2] Name or service not known")[0] == "dns"


def test_a_url_python_cannot_even_split_is_a_named_error_not_a_server_error(api: Api) -> None:
    r = api.client.put("/v1/agencies/police-441823/oncall", headers=api.auth("admin1"), json={
        "contacts": [{"name": "甲", "webhook_url": "https://[x/h"}], "secret": "s" * 16})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "contacts", 0, "webhook_url"]


def test_the_api_documents_the_roster_format(api: Api) -> None:
    schema = api.client.get("/openapi.json", headers=api.auth("police-desk")).json()
    put = schema["paths"]["/v1/agencies/{agency_id}/oncall"]["put"]
    body_ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    contact = schema["components"]["schemas"]["ContactIn"]
    assert body_ref == "RosterIn"
    assert set(contact["properties"]) == {"name", "phone", "webhook_url", "format", "weekdays", "from", "to"}
    assert schema["components"]["schemas"]["WebhookFormat"]["enum"] == ["json", "wecom", "dingtalk"]
    days = contact["properties"]["weekdays"]["anyOf"][0]["items"]
    assert (days["minimum"], days["maximum"]) == (1, 7)
    get = schema["paths"]["/v1/agencies/{agency_id}/oncall"]["get"]
    assert "RosterOut" in json.dumps(get["responses"]["200"])


def test_docs_are_served_from_the_applications_own_swagger_ui(api: Api) -> None:
    page = api.client.get("/docs", headers=api.auth("admin1"))
    assert page.status_code == 200
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    styles = re.findall(r'<link[^>]*href="([^"]+)"', page.text)
    assert scripts == ["/static/swagger-ui/swagger-ui-bundle.js"]
    assert all(u.startswith("/") for u in scripts + styles) and "http" not in "".join(scripts + styles)
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
    assert page.text.count(f'nonce="{nonce}"') == 2  # the bundle and the page's own script
    for name, (digest, media) in assets.SWAGGER_UI.items():
        r = api.client.get(f"/static/swagger-ui/{name}")
        assert r.status_code == 200 and r.headers["content-type"] == media
        assert hashlib.sha256(r.content).hexdigest() == digest
    assert api.client.get("/static/swagger-ui/LICENSE").status_code == 404
    assert api.client.get("/redoc").status_code == 404
    assert webhook.TEST_EVENT == "test"


def test_on_duty_with_no_webhook_is_said_as_nobody_told(api: Api) -> None:
    """Someone on duty with no address is no one the system can tell: the roster page says so as
    运行状况 does (the IT office's review, stop 50: it listed the contact with no warning)."""
    csrf = open_roster(api)
    api.client.post(URL, data=form(csrf, {"name": "医务科总值班", "phone": "0763-6612000"}))
    page = api.client.get(URL).text
    assert "此刻值班：医务科总值班" in re.sub(r"<[^>]+>", "", page)
    assert 'id="on-duty-silent"' in page and "系统无法自动通知到人" in page
    saved = api.client.post(URL, data=form(csrf, {"name": "医务科总值班", "phone": "0763-6612000",
                                                  "webhook_url": "https://example.org/hook"}))
    assert saved.status_code in (200, 303), saved.text
    assert 'id="on-duty-silent"' not in api.client.get(URL).text


def test_a_saved_robot_key_is_never_sent_to_the_page_and_saving_again_keeps_it(
        api: Api, hotline: ApiContainer) -> None:
    """The form showed a robot's whole `key=` (the IT office's review, stop 60): the page masks
    it, as the test result does, and a save that leaves the masked address as it was keeps the
    saved one; a new address pasted in replaces it."""
    csrf = open_roster(api)
    robot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd1234-ffff-eeee-dddd-0123456789ab"
    api.client.post(URL, data=form(csrf, {"name": "值班群", "webhook_url": robot}))
    page = api.client.get(URL).text
    assert "abcd1234-ffff" not in page and "key=****89ab" in page and 'id="masked-0"' in page
    shown = re.search(r'name="c0_webhook_url"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    same = {"name": "值班群", "webhook_url": shown, "phone": "0763-1234567"}
    r = api.client.post(URL, data=form(csrf_of(page), same), follow_redirects=False)
    assert r.status_code == 303, r.text
    roster = hotline.notify.roster("police-441823")
    assert roster is not None
    assert [(c.webhook_url, c.phone) for c in roster.contacts] == [(robot, "0763-1234567")]
    moved = robot.replace("abcd1234", "9999aaaa")
    api.client.post(URL, data=form(csrf_of(page), {"name": "值班群", "webhook_url": moved}))
    assert [c.webhook_url for c in hotline.notify.roster("police-441823").contacts] == [moved]  # type: ignore[union-attr]
