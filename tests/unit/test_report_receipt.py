"""The reporter's receipt after Post/Redirect/Get (#29 re-review): /report answers 303 to
/report/receipt/{id}, the lookup code rides in a sealed cookie for 10 minutes (never in the URL),
so Back and reload show the receipt again from the server, with the code while the cookie lasts
and then a plain line; the receipt names the report (children, the narrative's first words) for a
report sent online too; another reporter gets 404. 我提交的报告 shows each report's concerns and
place, never a child's name or the narrative. The notice's receipt keeps its once-only code."""

import re

from services.api.pages.receipt_cookie import KEEP_SECONDS
from services.api.pages.report_receipt import CARRIED, CODE_GONE
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD
from tests.unit.test_pages import GOOD, form_fields, login


def filed(api: Api) -> tuple[str, str]:
    fields = form_fields(api.client.get("/report").text)
    r = api.client.post("/report", data={**GOOD, **fields}, follow_redirects=False)
    assert r.status_code == 303, r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(CARRIED.name + "=") and f"Max-Age={KEEP_SECONDS}" in cookie
    assert "Path=/report/receipt" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace(
        "Strict", "strict")
    assert "王小明" not in cookie and "孩子" not in cookie  # sealed
    return r.headers["location"], cookie


def test_the_receipt_is_a_page_of_its_own_shown_again_on_back_and_reload(api: Api) -> None:
    login(api.client)
    location, _ = filed(api)
    assert re.fullmatch(r"/report/receipt/[0-9a-f-]{36}", location)
    first = api.client.get(location)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    code = re.search(r'id="lookup-code">([^<]+)<', first.text).group(1)  # type: ignore[union-attr]
    assert code not in location
    assert re.search(r'id="which">儿童王小明，“孩子身上有伤，说被打……”<', first.text)  # sent online
    assert 'href="/report/mine" id="mine-link">我提交的报告<' in first.text
    again = api.client.get(location)  # Back or reload within the 10 minutes: the code again
    assert f'id="lookup-code">{code}<' in again.text
    api.client.cookies.delete(CARRIED.name, path="/report/receipt")  # the 10 minutes are over
    later = api.client.get(location)
    assert later.status_code == 200 and 'id="lookup-code"' not in later.text
    assert f'id="lookup-code-gone">{CODE_GONE}<' in later.text and CODE_GONE.startswith("查询码已不再显示")
    assert re.search(r'id="receipt-no">\d{8}-', later.text)


def test_another_reporters_receipt_is_not_shown(api: Api, hotline: ApiContainer) -> None:
    login(api.client)
    location, _ = filed(api)
    hotline.accounts.add_user("teacher2", TEST_PASSWORD, "reporter")
    login(api.client, "teacher2")
    r = api.client.get(location)
    assert r.status_code == 404 and "王小明" not in r.text and 'id="receipt-no"' not in r.text
    assert api.client.get("/report/receipt/not-a-report").status_code == 404


def test_my_reports_show_concerns_and_place_and_nothing_personal(api: Api, runner: EmbeddedRunner) -> None:
    login(api.client)
    filed(api)
    runner.pump()
    page = api.client.get("/report/mine").text
    row = re.search(r'<td class="concerns"[^>]*>([^<]+)</td><td class="place"[^>]*>([^<]+)</td>', page)
    assert row is not None, page
    assert "家庭暴力" in row.group(1) and "、" in row.group(1)
    assert row.group(2) == "连南瑶族自治县"
    for personal in ("王小明", "张老师", "孩子身上有伤", "某村三巷"):
        assert personal not in page
