"""The reporter's receipt after Post/Redirect/Get (#29 re-review): /report answers 303 to
/report/receipt/{id}, the lookup code rides in a sealed cookie for 10 minutes (never in the URL),
so Back and reload show the receipt again from the server, with the code while the cookie lasts
and then a plain line; the receipt names the report (children, the narrative's first words) for a
report sent online too; another reporter gets 404. 我提交的报告 shows each report's concerns and
place, never a child's name or the narrative. The notice's receipt keeps its once-only code."""

import re

from services.api.pages.receipt_cookie import KEEP_SECONDS, KEPT
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
    cookie = next(c for c in r.headers.get_list("set-cookie") if "Path=/report;" in c)
    assert cookie.startswith(CARRIED.name + "=") and f"Max-Age={KEEP_SECONDS}" in cookie
    assert "Path=/report;" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace(
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
    assert 'href="/report/mine" id="mine-link" class="tap">我提交的报告<' in first.text
    # Where it goes and what was chosen, as the form's line said (the reporters' review, stop 49).
    # With each unit's duty line, the follow-up's unit by name (stop 59's teacher: no number to call).
    assert ('id="routed">您的报告已安全保存，将按所选类别转给事发地的公安（连南瑶族自治县公安局，值班电话 '
            '0763-6622110）、医院（连南瑶族自治县人民医院，值班电话 0763-6625120）处理；另由连南瑶族自治县'
            '民政局（未成年人保护中心）（值班电话 0763-6628012）牵头随访。<') in first.text
    assert re.search(r'id="status-now">当前状态：<strong>(已收到|处理中)</strong>', first.text)
    assert re.search(r'id="code-minutes">查询码只显示到\d\d:\d\d（提交后10分钟），请现在记下。<', first.text)
    assert 'id="filed-danger">是<' in first.text
    assert 'id="filed-place">连南瑶族自治县<' in first.text
    assert 'id="filed-concerns">家庭暴力；严重受伤，需要紧急救治<' in first.text
    # What the reporter does now (stop 59's teacher: nothing said not to confront the parent).
    steps = re.search(r'<ul id="next-steps">(.*?)</ul>', first.text, re.S).group(1)  # type: ignore[union-attr]
    assert "不要向可能伤害儿童的人（如家长、监护人）透露您已报告" in steps and "拨打 110" in steps
    assert "联系儿童的监护人" not in steps  # 家庭暴力: the family is not told
    assert "您没有留下电话" in steps and "请保持电话畅通" not in steps  # GOOD gives no phone
    with_phone = {**GOOD, "reporter.phone": "１３９ ０７６３ ２２１８"}
    r = api.client.post("/report", data={**with_phone, **form_fields(api.client.get("/report").text)})
    assert "请保持电话畅通" in r.text and "您没有留下电话" not in r.text
    again = api.client.get(location)  # Back or reload within the 10 minutes: the code again
    assert f'id="lookup-code">{code}<' in again.text
    api.client.cookies.delete(CARRIED.name, path="/report")  # the 10 minutes are over
    later = api.client.get(location)
    assert later.status_code == 200 and 'id="lookup-code"' not in later.text
    assert f'id="lookup-code-gone">{CODE_GONE}<' in later.text and CODE_GONE.startswith("查询码已不再显示")
    assert "处理状态可在“我提交的报告”中查看" in later.text and "请记下受理编号和查询码" not in later.text
    assert re.search(r'id="receipt-no">\d{8}-', later.text)


def test_each_of_several_reports_filed_in_a_row_shows_its_code_for_its_10_minutes(api: Api) -> None:
    """The reporters' review, stop 49: a teacher filed three reports and the first one's receipt,
    a minute later, said its code was gone "after 10 minutes"; the cookie held the last code only."""
    login(api.client)
    locations = [filed(api)[0] for _ in range(3)]
    codes = [re.search(r'id="lookup-code">([^<]+)<', api.client.get(loc).text) for loc in locations]
    assert all(codes) and len({c.group(1) for c in codes if c}) == 3
    first = api.client.get(locations[0]).text  # after the other two were filed
    assert f'id="lookup-code">{codes[0].group(1)}<' in first  # type: ignore[union-attr]
    cookie = api.client.cookies.get(CARRIED.name, path="/report") or ""
    assert cookie.count(".") == 2 and all(c.group(1) not in cookie for c in codes if c)  # sealed, each
    assert KEPT == 5 and len([filed(api) for _ in range(KEPT - 1)]) == 4  # seven filed in all
    assert 'id="lookup-code"' not in api.client.get(locations[1]).text  # the sixth newest: no longer held
    assert 'id="lookup-code"' in api.client.get(locations[2]).text  # the fifth newest


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
    assert row.group(1) == "家庭暴力；严重受伤，需要紧急救治"  # "；" between: "、" is inside some names
    link = re.search(r'<td class="receipt-no"[^>]*><a class="tap" href="(/report/receipt/[0-9a-f-]{36})"',
                     page)
    assert link is not None and api.client.get(link.group(1)).status_code == 200  # the receipt again
    assert row.group(2) == "连南瑶族自治县"
    for personal in ("王小明", "张老师", "孩子身上有伤", "某村三巷"):
        assert personal not in page


def test_a_child_left_without_care_may_have_the_family_called(api: Api) -> None:
    """Stop 59's teacher: the left-behind boy's receipt told her not to tell his parents, who were
    exactly whom she would call."""
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    left = {"concerns": ["guardian_unable"], "immediate_danger": "",
            "narrative": "父母外出务工，奶奶卧病在床"}
    sent = api.client.post("/report", data={**GOOD, **fields, **left})
    steps = re.search(r'<ul id="next-steps">(.*?)</ul>', sent.text, re.S).group(1)  # type: ignore[union-attr]
    assert "可以联系儿童的监护人" in steps and "不要向可能伤害儿童的人" not in steps
