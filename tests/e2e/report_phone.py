"""The reporter's phone in the browser tests of /report offline: a 360 px page under the site's
own CSP with axe, the form opened from the site's address and kept by the service worker, and
what the browser's storage holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.e2e.axe import axe_source
from tests.e2e.client import Client, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root


def controlled(page: Page) -> None:
    """The service worker runs this page and has kept the form for the next visit."""
    # Polled from here: wait_for_function evaluates a string, which the pages' CSP refuses.
    wait_for(lambda: page.evaluate("navigator.serviceWorker.controller !== null"), what="the worker")
    wait_for(lambda: page.evaluate("async () => !!(await caches.match('/report'))"), what="the kept form")


def fill(page: Page, child: str, narrative: str) -> None:
    page.fill("#f-children-0-name", child)
    page.fill("#f-children-0-age", "8")
    page.fill("#f-location-region_code", "441823")
    page.fill("#f-narrative", narrative)


def kept_anywhere(page: Page, text: str, storage: bool = True) -> bool:
    """Whether the browser's storage holds this text: web storage, IndexedDB, the caches (or
    only the caches)."""
    return bool(page.evaluate("""async ([text, storage]) => {
        const stored = JSON.stringify(Object.assign({}, localStorage, sessionStorage));
        if (storage && (stored.includes(text) || (await indexedDB.databases()).length)) { return true; }
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                if ((await (await cache.match(request)).text()).includes(text)) { return true; }
            }
        }
        return false;
    }""", [text, storage]))


def mine(server: Client, user: str) -> list[dict[str, str]]:
    r = server.http.get("/v1/reports/mine", headers=server.auth(user))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@contextmanager
def phone() -> Iterator[tuple[BrowserContext, Page]]:
    """A 360 px phone's page under the site's own CSP, with axe added by the browser rather than
    by a script tag."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN", is_mobile=True,
                                      has_touch=True)
        context.add_init_script(axe_source())
        yield context, context.new_page()
        browser.close()


def open_form(page: Page, server: Client) -> None:
    """The teacher signs in from the site's address, lands on /report, and the worker keeps it."""
    from_root(page, server, "teacher1", "/report")
    controlled(page)
