"""The knowledge base on the operator console in headless Chromium (contract §13): F1 opens it
with the cursor in its search box and F1 closes it back where the operator was; ticking concerns
shows their guidance (the units from the routing data), unticking takes it away; a Chinese word
finds its entries, marked; Esc closes it at once; the search box spans the panel; the next call
clears it; it sits in the form's column, above the
narrative, covering nothing. Axe at 1366 and 360 px with the panel open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root

PORT = 18400
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("knowledge") / "var", PORT) as client:
        yield client


def test_an_operator_reads_the_guidance_of_the_concerns_ticked_and_searches_it(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        from_root(page, server, "operator1", "/intake")
        expect(page.locator("#shortcuts")).to_contain_text("F1 知识库")
        kb, q, entries = page.locator("#kb"), page.locator("#kb-q"), page.locator("#kb-entries h3")
        assert kb.evaluate("d => d.open") is False
        expect(page.locator("#f-danger")).to_be_focused()

        # F1 opens it, the cursor in the search box; nothing ticked: the guidance of every call.
        page.keyboard.press("F1")
        expect(q).to_be_focused()
        expect(entries).to_have_text(["每通来电"])
        expect(page.locator("#kb-entries")).to_contain_text("请不要挂机")
        page.keyboard.press("F1")  # closed, back where the operator was
        assert kb.evaluate("d => d.open") is False
        expect(page.locator("#f-danger")).to_be_focused()

        # Ticking concerns shows theirs, in the tiles' order, as they change.
        page.locator("#f-concerns label", has_text="家庭暴力").click()
        page.locator("#f-concerns label", has_text="严重受伤").click()
        expect(page.locator("#kb-count")).to_have_text("（已勾选 2 类）")
        page.keyboard.press("F1")
        expect(q).to_be_focused()
        expect(entries).to_have_text(["家庭暴力", "严重受伤，需要紧急救治"])
        violence = page.locator(".kb-entry", has=page.locator("h3", has_text="家庭暴力"))
        expect(violence).to_contain_text("按转介规则，报告将转给事发地的公安")  # referral_matrix.v2
        expect(violence).to_contain_text("风险等级橙色，儿童正处于危险中时为红色")
        expect(violence.locator("h4")).to_have_text(["问什么", "怎么说", "转接 110 / 120", "不要承诺"])
        injury = page.locator(".kb-entry", has=page.locator("h3", has_text="严重受伤"))
        expect(injury).to_contain_text("医院看不到来电人的任何信息")  # disclosure/v2
        page.locator("#f-concerns label", has_text="家庭暴力").click()
        expect(entries).to_have_text(["严重受伤，需要紧急救治"])

        # Beside the concern toggles, in the form's column, above the narrative: covering nothing.
        box, form = kb.bounding_box(), page.locator("#call-form").bounding_box()
        tiles = page.locator("#f-concerns").bounding_box()
        narrative = page.locator("#f-narrative").bounding_box()
        side = page.locator("aside.side").bounding_box()
        assert box and form and tiles and narrative and side
        assert tiles["y"] + tiles["height"] <= box["y"] and box["y"] + box["height"] <= narrative["y"]
        assert box["x"] + box["width"] <= form["x"] + form["width"] <= side["x"]

        # A Chinese word finds its entries, the word marked; Enter searches at once.
        q.focus()
        page.keyboard.type("一站式")
        page.keyboard.press("Enter")
        expect(entries).to_have_text(["性侵害或疑似性侵害"])
        expect(page.locator("#kb-entries mark").first).to_have_text("一站式")
        expect(page.locator("#kb-status")).to_contain_text("找到 1 条指引")
        expect(q).to_be_focused()  # Enter in the search box did not move on through the form
        SHOTS.mkdir(parents=True, exist_ok=True)
        kb.screenshot(path=str(SHOTS / "console-knowledge.png"))
        q.fill("车牌")
        expect(entries).to_have_text(["被拐卖、拐骗或失踪"])
        q.fill("没有这样的词")
        expect(page.locator("#kb-status")).to_contain_text("没有找到")
        expect(entries).to_have_count(0)
        # The search box spans its panel (it was the browser's narrow default).
        wide = q.evaluate("e => e.getBoundingClientRect().width / e.parentElement.clientWidth")
        assert wide > 0.9, wide
        q.fill("")
        expect(entries).to_have_text(["严重受伤，需要紧急救治"])  # no word: the concerns ticked again
        no_serious(page)

        # Esc closes it at once, a word in the box or not (the guide: 再按 F1 或 Esc 关闭); it took two.
        q.fill("转接")
        expect(page.locator("#kb-status")).to_contain_text("找到")
        expect(q).to_be_focused()
        page.keyboard.press("Escape")
        assert kb.evaluate("d => d.open") is False
        assert not kb.evaluate("d => d.contains(document.activeElement)")  # back where the operator was
        # The next call (F9) clears what was ticked and the word, and so the guidance.
        page.keyboard.press("F9")
        expect(page.locator("#kb-count")).to_have_text("")
        page.keyboard.press("F1")
        expect(entries).to_have_text(["每通来电"])
        browser.close()
