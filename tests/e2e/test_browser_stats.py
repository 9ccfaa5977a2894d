"""A supervisor opens /stats in headless Chromium (`make run`): every chart with figures draws on a
canvas from the application's own copy of ECharts, under the page's CSP, without console errors;
an empty one says 暂无数据; a wrong window keeps what was typed and a quick range mends it; the
acknowledgement times (minutes under one too) drawn as bars growing up from the axis floor, each
labelled with its minutes, the 90 % explained; the callbacks' rates per month (回访率, 满意率) each
labelled on its bar, 0 % too, one month charted as well (#29)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from playwright.sync_api import expect, sync_playwright

from services.bootstrap import Wiring
from services.bootstrap.cli_container import CliContainer
from services.common.settings import Settings
from services.intake.callback import Callback
from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import login
from tests.e2e.test_browser_form import SHOTS
from tests.helpers import report_body
from tests.unit.test_page_text import english_in

PORT = 18221
# What each chart drew on its canvas: the text of every displayed element (legend, labels, axes).
DRAWN = """() => Object.fromEntries([...document.querySelectorAll('[_echarts_instance_]')].map(el => {
  const chart = echarts.getInstanceByDom(el);
  const texts = chart.getZr().storage.getDisplayList().map(e => e.style && e.style.text)
    .filter(t => typeof t === 'string' && t.trim());
  const pies = chart.getOption().series.filter(s => s.type === 'pie')
    .map(s => s.data.map(d => d.name));
  return [el.id, {texts, pies}]; }))"""
# Each bar of the acknowledgement chart: where it starts and how tall it is (negative: upwards on
# the canvas), and the grid's bottom edge (the axis floor).
ACK_BARS = """() => { const c = echarts.getInstanceByDom(document.getElementById('c-ack'));
  const rect = c.getModel().getComponent('grid').coordinateSystem.getRect();
  const bars = c.getModel().getSeries().filter(s => s.subType === 'bar').map(s => {
    const d = s.getData();
    return d.mapArray(i => d.getItemLayout(i)).filter(l => l && isFinite(l.height)); });
  return {floor: rect.y + rect.height, bars: [].concat(...bars), yType: c.getOption().yAxis[0].type}; }"""
MINUTES = re.compile(r"^(<0\.1|\d+(\.\d)?)分钟$")  # drawn as two lines: 0.2, then 分钟


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Client]:
    with embedded_server(tmp_path / "var", PORT) as client:
        yield client


def test_the_charts_render_offline_without_console_errors(server: Client) -> None:
    seeded = [report_body(), report_body(children=[{"name": "李小红", "age": 7}], concerns=["neglect"],
                                         immediate_danger=False, narrative="常一个人在家"),
              report_body(channel="hotline_12345", children=[{"name": "张小军", "age": 12}],
                          concerns=["school_bullying"], immediate_danger=False, narrative="在校被欺负")]
    for i, body in enumerate(seeded):
        server.submit(body, key=f"stats-{i}")
    wait_for(lambda: server.http.get("/v1/stats", headers=server.auth("supervisor1")).json()["cases"] == 3,
             what="the cases in the view")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        # Nothing from outside: the page works offline.
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            f"http://127.0.0.1:{PORT}") else route.abort())
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, server, "supervisor1", "/board")
        page.goto(f"http://127.0.0.1:{PORT}/stats")
        expect(page.locator("#n-reports")).to_have_text("3")
        # Each unit named with its referrals (stop 58's city supervisor: which unit is late).
        police = page.locator("#units tr[data-unit='police-441823'] td")
        expect(police.first).to_have_text("连南瑶族自治县公安局")
        for chart in ("c-day", "c-level", "c-concern", "c-kind", "c-status", "c-follow"):
            expect(page.locator(f"#{chart} canvas")).to_have_count(1)
        # Every bar chart says its values, 随访帮扶 included.
        follow = page.evaluate("echarts.getInstanceByDom(document.getElementById('c-follow'))"
                               ".getOption().series[0].label.show")
        assert follow is True
        # Each pie names its categories whole, as the label table writes them, in what it drew.
        drawn = page.evaluate(DRAWN)
        labels = page.evaluate("JSON.parse(document.getElementById('stats-data').textContent).labels")
        full = {name for table in labels.values() for name in table.values()}
        pies = {chart: d for chart, d in drawn.items() if d["pies"]}
        assert pies, drawn.keys()
        for chart, d in pies.items():
            names = [n for pie in d["pies"] for n in pie]
            assert names and set(names) <= full, (chart, names)
            for name in names:
                assert any(name in text for text in d["texts"]), (chart, name, d["texts"])
            assert not [t for t in d["texts"] if t.rstrip().endswith(("…", "..."))], (chart, d["texts"])
        # The page's text and what the charts drew speak Chinese (JavaScript draws it: the
        # page-text check reads the server's HTML only).
        shown = page.evaluate("document.body.innerText") + " " + " ".join(
            t for d in drawn.values() for t in d["texts"])
        assert english_in(shown, frozenset({"supervisor1"})) == []
        # Nothing acknowledged yet: the ack chart says so instead of drawing an SLA line alone.
        expect(page.locator("#c-ack-empty")).to_have_text("暂无数据")
        expect(page.locator("#c-ack canvas")).to_have_count(0)
        # The concern chart is as tall as its list: a bar and a readable name for each concern.
        assert page.locator("#c-concern").bounding_box()["height"] >= 3 * 46  # type: ignore[index]
        assert errors == [], errors
        # A wrong window keeps what was typed (answered 422, which the console notes); a quick
        # range mends it.
        page.fill("#from", "2026-11-29")
        page.fill("#to", "2026-11-28")
        page.click("form[action='/stats'] button[type=submit]")
        expect(page.locator("#error-to")).to_have_text("结束日期不能早于开始日期。")
        # A message under one field leaves the row's fields in line.
        tops = [page.locator(f).bounding_box()["y"] for f in ("#from", "#to", "#region")]  # type: ignore[index]
        assert max(tops) - min(tops) < 2, tops
        expect(page.locator("#from")).to_have_value("2026-11-29")
        page.click(".quick a:text('本月')")
        expect(page.locator("#n-reports")).to_have_text("3")
        expect(page.locator(".quick a[aria-current]")).to_have_text("本月")
        # Referrals acknowledged within seconds: bars under a minute grow up from the axis floor
        # (a log axis hung them down from 1), each labelled with its minutes; 90 % explained.
        acked = 0
        for desk in ("police-desk", "hospital-desk", "civil-desk", "edu-desk"):
            for referral in server.inbox(desk):
                r = server.http.post(f"/v1/referrals/{referral['referral_id']}/acknowledge",
                                     headers=server.auth(desk))
                acked += r.status_code == 200
        assert acked >= 2
        wait_for(lambda: any(a.get("n") for a in server.http.get(
            "/v1/stats", headers=server.auth("supervisor1")).json()["ack_seconds"].values()),
            what="the acknowledgements in the view")
        page.reload()
        expect(page.locator("#c-ack canvas")).to_have_count(1)
        expect(page.locator("#c-ack-hint")).to_contain_text("90%：九成的转介在此时间内接收")
        ack = page.evaluate(ACK_BARS)
        assert ack["yType"] == "value" and len(ack["bars"]) >= 2, ack
        for bar in ack["bars"]:
            assert abs(bar["y"] - ack["floor"]) < 1 and bar["height"] < 0, ack  # up from the floor
        texts = page.evaluate(DRAWN)["c-ack"]["texts"]
        labels = [a + b for a, b in zip(texts, texts[1:], strict=False) if MINUTES.match(a + b)]
        assert len(labels) == len(ack["bars"]), texts  # a value on each bar, its unit under it
        assert "90%的转介在此时间内接收" in texts and texts.index("时限15分钟") == texts.index("红色") + 1
        assert not [t for t in texts if t.startswith("-")], texts
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "stats.png"), full_page=True)
        # axe at 1366 and 360 px with the acknowledgement chart, inside the phone's width.
        checked = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      bypass_csp=True).new_page()
        login(checked, server, "supervisor1", "/board")
        checked.goto(f"http://127.0.0.1:{PORT}/stats")
        expect(checked.locator("#c-ack canvas")).to_have_count(1)
        no_serious(checked)  # at 1366 and 360 px
        checked.set_viewport_size({"width": 360, "height": 800})
        box = checked.locator("#c-ack").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        browser.close()
    assert [e for e in errors if "status of 422" not in e] == [], errors


def seed_callbacks(var: Path) -> None:
    """Callbacks opened (cases closed) in three months, written into the running server's stores
    (SQLite) as its callbacks consumer would: September one due (回访率 0 %, 满意率 none), October
    one satisfied and one due, November one dissatisfied and one not reached (满意率 0 %)."""
    cli = CliContainer(Wiring.of(Settings(var_dir=var, database_url="")))
    try:
        for month, results in ((9, [None]), (10, [("satisfied", True), None]),
                               (11, [("dissatisfied", True), (None, False)])):
            opened = datetime(2026, month, 15, 2, tzinfo=UTC)
            for result in results:
                callback = Callback(id=uuid4(), report_id=str(uuid4()), case_id=str(uuid4()),
                                    receipt_no="20260915-X", region_code="441823100", opened_at=opened,
                                    due_at=opened + timedelta(days=3))
                cli.callbacks.save(callback)
                if result is not None:
                    note = "说没人来" if result[0] == "dissatisfied" else None
                    cli.callbacks.record(callback.id, reached=result[1], satisfaction=result[0], note=note,
                                         by="operator1")
    finally:
        cli.close()


def test_the_callback_rates_per_month_each_labelled(server: Client) -> None:
    seed_callbacks(server.var)
    url = f"http://127.0.0.1:{PORT}/stats?from=2026-09-01&to=2026-11-30"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, server, "supervisor1", "/board")
        page.goto(url)
        expect(page.locator("#cb-callback-rate")).to_have_text("60.0%")  # 3 of 5
        expect(page.locator("#cb-rate")).to_have_text("50.0%")  # 1 of the 2 reached
        expect(page.locator("#cb-basis")).to_contain_text("回访按案件结案时间统计")
        expect(page.locator("#c-callbacks canvas")).to_have_count(1)
        texts = page.evaluate(DRAWN)["c-callbacks"]["texts"]
        for month in ("2026年9月", "2026年10月", "2026年11月", "回访率", "满意率"):
            assert month in texts, (month, texts)
        # A value on each bar (the axis says 0 % and 100 % once each): 回访率 0 %, 50 %, 100 %;
        # 满意率 100 % and 0 % (September: nothing to count, no bar and no label).
        assert (texts.count("0%"), texts.count("50%"), texts.count("100%")) == (3, 1, 3), texts
        assert not [t for t in texts if "-" in t or "NaN" in t or "null" in t or "暂无" in t], texts
        assert english_in(" ".join(texts) + page.evaluate("document.body.innerText"),
                          frozenset({"supervisor1"})) == []
        page.locator("#callbacks-h").scroll_into_view_if_needed()
        block = page.locator("section[aria-labelledby=callbacks-h]")
        block.screenshot(path=str(SHOTS / "stats-callbacks.png"))
        # One month: one group of bars under its name, each labelled; no sentence instead.
        page.goto(f"http://127.0.0.1:{PORT}/stats?from=2026-11-01&to=2026-11-30")
        expect(page.locator("#cb-callback-rate")).to_have_text("100.0%")
        expect(page.locator("#c-callbacks canvas")).to_have_count(1)
        texts = page.evaluate(DRAWN)["c-callbacks"]["texts"]
        assert "2026年11月" in texts and "2026年10月" not in texts, texts
        assert (texts.count("100%"), texts.count("0%")) == (2, 2), texts  # 回访率 100 %, 满意率 0 % (+ axis)
        assert "以上即" not in page.evaluate("document.body.innerText")
        assert errors == [], errors
        # axe at 1366 and 360 px (in a context that lets axe in), the chart inside the phone's width.
        page = browser.new_context(locale="zh-CN", bypass_csp=True).new_page()
        login(page, server, "supervisor1", "/board")
        page.goto(url)
        expect(page.locator("#c-callbacks canvas")).to_have_count(1)
        no_serious(page)
        page.set_viewport_size({"width": 360, "height": 800})
        box = page.locator("#c-callbacks").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        browser.close()
