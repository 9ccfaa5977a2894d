"""The reporter's form offline (contract §13): the service worker is served at the root with the
whole site as its scope allowed (a link it cannot fetch offline gets its small page), every file
it keeps for offline use is there, the web app manifest is the form's (Chinese name, start
/report, icons of the sizes it says), and the form page links them under its script nonce,
marks a fresh form (the page gives it a new key) and whose it is, and carries the server's own
messages for the checks it makes before keeping a report; the offline page is static, in
Chinese, under a CSP with no inline script."""

import json
import re
import struct

from services.api.pages.report_text import FIELD_MESSAGES, PLACE_MISSING
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.unit.test_page_text import Visible, english_in
from tests.unit.test_pages import GOOD, form_fields, login


def test_the_service_worker_is_served_for_the_whole_site_without_a_session(api: Api) -> None:
    api.client.cookies.clear()
    r = api.client.get("/report-sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/"  # 我提交的报告 and /lookup get the offline page
    assert r.headers["cache-control"] == "no-cache"  # a new release reaches the phones
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "request.method !== 'GET'" in r.text  # a report sent never comes from a copy
    assert api.client.head("/report-sw.js").status_code == 200  # the form's "can the server be reached"
    kept = re.search(r"var ASSETS = \[([^\]]*)\]", r.text)
    assert kept is not None
    for path in re.findall(r"'([^']+)'", kept.group(1)):  # one missing file fails the install
        assert api.client.get(path).status_code == 200, path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_names_the_form_in_chinese_and_its_icons_are_there(api: Api) -> None:
    client = api.client
    r = client.get("/static/report/manifest.webmanifest")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(r.text)
    assert manifest["name"].startswith("未成年人保护热线") and manifest["short_name"] == "强制报告"
    assert manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == manifest["scope"] == "/report"
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        got = client.get(icon["src"])
        assert got.status_code == 200 and got.headers["content-type"] == icon["type"], icon
        if icon["type"] == "image/png":
            width, height = png_size(got.content)
            assert f"{width}x{height}" == icon["sizes"]
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}  # installable


def test_only_the_forms_own_files_are_served(api: Api) -> None:
    client = api.client
    assert client.get("/static/report/sw.js").status_code == 404  # only at the root, for its scope
    assert client.get("/static/report/..%2F..%2Fpages%2Foffline.py").status_code == 404
    assert client.get("/static/report/nothing.js").status_code == 404


def test_the_form_links_its_manifest_and_offline_script_under_the_pages_nonce(api: Api) -> None:
    login(api.client)
    r = api.client.get("/report")
    assert r.status_code == 200
    nonce = re.search(r"script-src 'nonce-([^']+)'", r.headers["content-security-policy"])
    assert nonce is not None
    assert r.headers["content-security-policy"].endswith("; worker-src 'self'")  # not only nonces
    assert f'<script nonce="{nonce.group(1)}" src="/static/report/offline.js"></script>' in r.text
    assert '<link rel="manifest" href="/static/report/manifest.webmanifest">' in r.text
    assert 'data-user="teacher1" data-fresh>' in r.text
    assert 'id="offline-box" role="status"' in r.text and "发送成功后立即从本机删除" in r.text
    assert r.headers["cache-control"] == "no-store"  # only the service worker keeps a copy


def test_a_refused_form_keeps_its_key_and_is_not_marked_fresh(api: Api, runner: EmbeddedRunner) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    r = api.client.post("/report", data={**GOOD, **fields, "narrative": ""})
    assert r.status_code == 422
    assert "data-fresh" not in r.text  # the key the server kept is the one sent again
    assert "worker-src 'self'" in r.headers["content-security-policy"]
    assert f'name="idempotency_key" value="{fields["idempotency_key"]}"' in r.text
    assert runner.pump() == 0


def test_a_queued_report_sent_later_with_a_new_token_is_filed_once(api: Api, runner: EmbeddedRunner) -> None:
    """What the page's script does when the network returns: a fresh form token, the queued
    fields and their key; sent twice (two tabs coming online), one report."""
    login(api.client)
    key = "queued-key-0123456789ab"
    receipts = set()
    for _ in range(2):
        token = form_fields(api.client.get("/report").text)["csrf"]
        r = api.client.post("/report", data={**GOOD, "csrf": token, "idempotency_key": key})
        assert r.status_code == 200 and r.url.path.startswith("/report/receipt/")  # 303, then the receipt
        receipts.add(re.search(r'id="receipt-no">([^<]+)<', r.text).group(1))  # type: ignore[union-attr]
    assert len(receipts) == 1
    runner.pump()
    assert len(api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()) == 1


def test_the_offline_page_is_chinese_static_and_under_a_strict_csp(api: Api) -> None:
    api.client.cookies.clear()
    r = api.client.get("/static/report/offline.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "<h1>网络已断开</h1>" in r.text and 'href="/report"' in r.text
    assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/static/report/offline-page.js">']
    seen = Visible()
    seen.feed(r.text)
    assert english_in(" ".join(seen.text)) == [] and "/report" in seen.links


def test_the_form_carries_the_servers_messages_for_its_own_checks(api: Api) -> None:
    login(api.client)
    r = api.client.get("/report")
    found = re.search(r'<script type="application/json" id="report-messages">(.*?)</script>', r.text)
    assert found is not None
    messages = json.loads(found.group(1))
    assert messages["narrative"] == FIELD_MESSAGES["narrative"]
    said = messages["children.N.id_number:id_number_check"]
    assert said == "身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。"
    assert messages["place:missing"] == PLACE_MISSING and "{text}" in messages["place:unknown"]
    scripts = ("checks.js", "queue.js", "home.js", "offline.js")  # in this order: offline.js uses them
    order = [r.text.index(f'src="/static/report/{script}"') for script in scripts]
    assert order == sorted(order)
