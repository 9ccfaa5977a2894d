"""A supervisor's board left open in a tab says in the tab's title how many referrals went past
their time without being taken on, as it refreshes (no reload), and a desk's open inbox rings when
one of its own does: red referrals here are due in 5 s, so they go past it while the page is open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.client import Client, embedded_server
from tests.e2e.test_browser_desk import from_root
from tests.helpers import report_body

PORT = 18470


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOTLINE_ACK_SLA_SECONDS", "red=5,orange=7200,yellow=86400,blue=259200")
        with embedded_server(tmp_path_factory.mktemp("board-title") / "var", PORT) as client:
            yield client


def test_the_board_s_tab_title_counts_referrals_past_their_time(server: Client, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    from_root(page, server, "supervisor1", "/board")
    assert page.title() == "案件督办看板"
    report = server.submit(report_body(), key="title-red")  # a red case: police and hospital
    referrals = server.wait_for_referrals(report["report_id"], ("police-desk", "hospital-desk"))
    r = server.http.post(f"/v1/referrals/{referrals['hospital-desk']['referral_id']}/acknowledge",
                         headers=server.auth("hospital-desk"))
    assert r.status_code == 200, r.text
    # The police's referral goes past its 5 s; the hospital took its own on in time.
    expect(page).to_have_title("【1个转介超时未接收】案件督办看板", timeout=30_000)
    expect(page.locator("#cases .referral[data-agency=police-441823] .ref-status")).to_have_text("已超时")
    # Said on the page's first screen as well: a phone hardly shows the title (stop 57).
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#overdue-line")).to_have_text("有1个转介超时未接收：见下方标“已超时”的案件，请电话督办。")
    expect(page.locator("#overdue-line")).to_be_in_viewport()
    # The case's timeline, below every form, is one tap away on the phone (stop 57).
    case = page.locator("#cases tbody tr").first
    case.locator("details summary").click()
    case.get_by_role("link", name="跳到时间线 ↓").click()
    expect(case.locator("h3.timeline-h")).to_be_in_viewport()
    page.close()


def test_the_desks_open_inbox_rings_when_a_red_referral_goes_past_its_time(server: Client,
                                                                          browser: Browser) -> None:
    """Stop 59's hospital desk: a red referral went past its time on the open inbox with no sound,
    no title and no banner; only the row's countdown said 已超时."""
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    from_root(page, server, "hospital-desk", "/desk")
    report = server.submit(report_body(children=[{"name": "甘小乐", "age": 5}]), key="desk-late")
    server.wait_for_referrals(report["report_id"], ("police-desk", "hospital-desk"))
    expect(page.locator("#red-alert-text")).to_contain_text("新的红色转介")  # first: it arrived
    page.click("#red-alert-close")
    expect(page.locator("#red-alert-text")).to_contain_text("的红色转介已超过接收时限，已转入督办：请立即接收。",
                                                            timeout=30_000)
    expect(page).to_have_title("【超时未接收】转介收件箱 · 连南瑶族自治县人民医院")
    page.close()


def test_the_open_inbox_says_when_the_police_go_past_their_time_on_a_case_it_holds(
        server: Client, browser: Browser) -> None:
    """Stop 63's hospital desk, third round: the police overdue on a beaten child turned the rows red
    in place, with no banner or title, and the referral's page gave no 110 line at its top."""
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    from_root(page, server, "hospital-desk", "/desk")
    report = server.submit(report_body(children=[{"name": "吴小林", "age": 9}]), key="police-late")
    found = server.wait_for_referrals(report["report_id"], ("police-desk", "hospital-desk"))
    mine = found["hospital-desk"]["referral_id"]
    took = server.http.post(f"/v1/referrals/{mine}/acknowledge", headers=server.auth("hospital-desk"))
    assert took.status_code == 200, took.text  # within its 5 s; the police's go by
    banner = page.locator("#red-alert-text")
    expect(banner).to_contain_text("的其他单位已超过接收时限、尚未接收", timeout=30_000)
    expect(page).to_have_title("【他单位超时】转介收件箱 · 连南瑶族自治县人民医院")
    police = "连南瑶族自治县公安局"
    expect(page.locator(f"#ref-{mine} .late-elsewhere")).to_contain_text(f"本案{police}已超时未接收")
    page.locator(f"#ref-{mine} a.open").click()
    expect(page.locator("#police-nearby")).to_contain_text(f"本案{police}已超时未接收，尚无公安机关在办")
    expect(page.locator("#police-nearby")).to_be_in_viewport()  # at the page's top
    page.close()
