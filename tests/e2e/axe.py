"""axe-core in the browser tests: the vendored engine, run on a page, serious and critical
violations returned in a form that says what to fix."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "vendored axe-core changed"
    return source.decode()


def serious_violations(page: Page) -> list[str]:
    """What axe finds serious or critical on the page as it is now (the browser context must be
    opened with bypass_csp=True: the pages' CSP rightly refuses injected scripts)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def no_serious(page: Page, height: int = 800) -> None:
    """No serious or critical violation, and nothing wider than the window, at 1366 and 360 px;
    the page is left at 1366 px."""
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": height})
        assert serious_violations(page) == [], width
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (width, overflow)
    page.set_viewport_size({"width": 1366, "height": height})
