"""The pages speak Chinese: every page each role reaches from its home, crawled link by link
over a seeded case, shows no English word or code in its visible text outside a short allowlist
(ids, receipt numbers, key names). It reads the server's HTML; text that JavaScript draws (the
operator's receipt, the charts) is checked in the browser tests with the same english_in."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import on_call_everywhere, report_body
from tests.unit.test_notice_page import FILLED as FILED_NOTICE
from tests.unit.test_pages import GOOD, form_fields, login

# Words a Chinese office reads as they are: keys on the keyboard, file formats.
ALLOWED = {"Ctrl", "Enter", "Tab", "Esc", "Shift", "Alt", "Space", "Excel", "CSV", "ID",
           *(f"F{n}" for n in range(1, 13))}
# Attributes whose text a person sees or hears (placeholders, button labels, alt text).
SHOWN_ATTRIBUTES = {"placeholder", "alt", "title", "aria-label"}
NOT_SHOWN = {"script", "style", "template"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-/:]*")
# An id as the pages show it: hex with at least one digit (uuid or its first 8 characters).
ID = re.compile(r"(?=[0-9a-fA-F-]*\d)[0-9a-fA-F-]{6,}")
# A receipt number as a whole token: the date, a dash, ten characters of base32 (upper case).
RECEIPT_NO = re.compile(r"(?<![A-Za-z0-9_.\-/:])\d{8}-[0-9A-Z]{10}(?![A-Za-z0-9_\-/:])")
# A lookup code only where the page shows it as one: right after its label 查询码.
LOOKUP_CODE = re.compile(r"(查询码[：:\s]*)[2-9A-HJ-NP-Z]{10}(?![A-Za-z0-9_\-/:])")
ROLES = {"operator1": "/intake", "teacher1": "/report", "police-desk": "/desk",
         "hospital-desk": "/desk", "civil-desk": "/desk", "supervisor1": "/board",
         "auditor1": "/audit", "admin1": "/admin", "security1": "/security"}
# Links that are not pages: downloads, the API docs (Swagger's own words), logging out.
SKIP = ("/v1/", "/docs", "/openapi.json", "/logout", "/static/", "/assets/", "/redoc")


class Visible(HTMLParser):
    """The text of a page as a person sees it, and the links on it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NOT_SHOWN:
            self._hidden += 1
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        for name in SHOWN_ATTRIBUTES & a.keys():
            self.text.append(str(a[name]))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.text.append(str(a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in NOT_SHOWN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def english_in(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """Words on a Chinese page that a Chinese reader should not meet (names: identifiers people
    chose or type, such as account names and the directory's version, which are allowed)."""
    found = []
    text = LOOKUP_CODE.sub(r"\1", RECEIPT_NO.sub(" ", text))
    for word in WORD.findall(text):
        word = word.rstrip(".:-/")
        if word and word not in ALLOWED and word not in names and not ID.fullmatch(word):
            found.append(word)
    return found


def seed(api: Api, hotline: ApiContainer, runner: EmbeddedRunner) -> str:
    """A red case with a declined, an acknowledged and a closed referral and a visit."""
    on_call_everywhere(hotline)
    r = api.submit(report_body(), key="text-1")
    assert r.status_code == 201, r.text
    runner.pump()
    desk = {name: api.client.get("/v1/desk/referrals", headers=api.auth(name)).json()
            for name in ("police-desk", "hospital-desk")}
    police, hospital = desk["police-desk"][0], desk["hospital-desk"][0]
    api.client.post(f"/v1/referrals/{hospital['referral_id']}/decline", json={"reason": "已在外院救治"},
                    headers=api.auth("hospital-desk"))
    api.client.post(f"/v1/referrals/{police['referral_id']}/acknowledge", headers=api.auth("police-desk"))
    runner.pump()
    case_id = str(police["case_id"])
    api.client.post(f"/v1/cases/{case_id}/visits", headers=api.auth("civil-desk"), json={
        "visited_at": r.json()["received_at"], "visitor": "儿童主任", "child_seen": True,
        "findings": "孩子在家", "measures": ["psychological_support"]})
    runner.pump()
    return case_id


def crawl(api: Api, user: str, home: str, names: frozenset[str], seen: set[str],
          most: int = 40) -> dict[str, list[str]]:
    """Every page the user reaches from home by following links: its English words."""
    client = api.client
    client.cookies.clear()
    login(client, user, home)
    todo: list[str] = [home]
    mine: set[str] = set()
    found: dict[str, list[str]] = {}
    while todo and len(mine) < most:
        path = todo.pop(0)
        if path in mine:
            continue
        mine.add(path)
        seen.add(path)
        r = client.get(path)
        assert r.status_code < 500, f"{user} {path}: {r.status_code}"
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        parser = Visible()
        parser.feed(r.text)
        words = english_in(" ".join(parser.text), names)
        if words:
            found[path] = sorted(set(words))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
                continue
            todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def test_the_words_rule_catches_codes_and_lets_ids_through() -> None:
    assert english_in("立案（triage） 连南县公安局 police-441823 case_opened") == [
        "triage", "police-441823", "case_opened"]
    assert english_in("案件 95ee2c99 受理编号 20261202-0001 按 Ctrl+Enter 提交 F9") == []
    assert english_in("Not authenticated") == ["Not", "authenticated"]


def test_receipt_numbers_pass_whole_and_lookup_codes_only_as_one() -> None:
    assert english_in("受理编号：20261202-XWFTQWRNQ5。") == []
    assert english_in("受理编号\n20261202-XWFTQWRNQ5 查询码：K7MPQ2RZ9C") == []
    assert english_in("查询码\nK7MPQ2RZ9C") == []
    # Not whole, not upper case, or not where a lookup code is shown: still words.
    assert english_in("20261202-XWFTQWRNQ5X 20261202-xwftqwrnq5") == ["XWFTQWRNQ5X", "xwftqwrnq5"]
    assert english_in("案件 K7MPQ2RZ9C XWFTQWRNQ5") == ["K7MPQ2RZ9C", "XWFTQWRNQ5"]
    assert english_in("查询码：HELLOWORLD") == ["HELLOWORLD"]  # O is not in the codes' alphabet
    assert english_in("查询码：K7MPQ2RZ9CABC") == ["K7MPQ2RZ9CABC"]


def visible_english(html: str, names: frozenset[str] = frozenset()) -> list[str]:
    parser = Visible()
    parser.feed(html)
    return english_in(" ".join(parser.text), names)


def filed_pages(api: Api, runner: EmbeddedRunner, names: frozenset[str]) -> dict[str, list[str]]:
    """Pages that show a receipt number or a lookup code, which the crawl does not reach: the
    reporter's receipt, the lookup's answer, a desk's notice receipt, the admin's 停用 confirmation."""
    client, found = api.client, {}
    client.cookies.clear()
    login(client, "teacher1")
    fields = form_fields(client.get("/report").text)
    receipt = client.post("/report", data={**GOOD, **fields})
    assert receipt.url.path.startswith("/report/receipt/"), receipt.text  # 303 to the receipt
    receipt_no = re.search(r'id="receipt-no">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    code = re.search(r'id="lookup-code">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    found["teacher1 POST /report"] = visible_english(receipt.text, names)
    runner.pump()
    mine = client.get("/report/mine").text
    assert receipt_no in mine  # the crawl of teacher1 below meets /report/mine with rows
    client.cookies.clear()
    form = client.get("/lookup").text
    answer = client.post("/lookup", data={"csrf": form_fields(form)["csrf"], "receipt_no": receipt_no,
                                          "lookup_code": code})
    assert answer.status_code == 200 and 'id="lookup-status"' in answer.text and receipt_no in answer.text
    found["anyone POST /lookup"] = visible_english(answer.text)
    login(client, "court-desk", "/desk")
    form = client.get("/desk/notice").text
    notice = client.post("/desk/notice", data={**FILED_NOTICE, **form_fields(form)})
    assert notice.status_code in (200, 201) and 'id="lookup-code"' in notice.text, notice.text
    found["court-desk POST /desk/notice"] = visible_english(notice.text, names)
    client.cookies.clear()
    login(client, "admin1")
    confirm = client.get("/admin/users/teacher1/disable")
    assert confirm.status_code == 200 and "停用" in confirm.text and 'name="confirmed"' in confirm.text
    found["admin1 /admin/users/teacher1/disable"] = visible_english(confirm.text, names)
    return {where: words for where, words in found.items() if words}


def test_every_page_of_every_role_is_in_chinese(api: Api, hotline: ApiContainer,
                                              runner: EmbeddedRunner) -> None:
    seed(api, hotline, runner)
    # Account requests: one pending, one rejected (on /admin and /security).
    for body in ({"username": "boss9", "role": "supervisor"}, {"username": "audit9", "role": "auditor"}):
        asked = api.client.post("/v1/users", json=body, headers=api.auth("admin1")).json()
    api.client.post(f"/v1/account-requests/{asked['request_id']}/reject", json={"reason": "不需要"},
                    headers=api.auth("security1"))
    names = frozenset({u.username for u in hotline.accounts.list_users()} | {hotline.directory.version}
                      | {r.username for r in hotline.accounts.list_requests()})
    english, seen = filed_pages(api, runner, names), set()
    for user, home in ROLES.items():
        for path, words in crawl(api, user, home, names, seen).items():
            english[f"{user} {path}"] = words
    for public in ("/login", "/lookup"):
        api.client.cookies.clear()
        parser = Visible()
        parser.feed(api.client.get(public).text)
        if words := english_in(" ".join(parser.text)):
            english[f"anyone {public}"] = words
    # The crawl reached the pages behind the homes (a referral, a case's visits, a roster).
    for behind in ("/desk/referrals/", "/followups/cases/", "/admin/oncall/", "/lookup", "/report/mine"):
        assert any(path.startswith(behind) for path in seen), f"no link reached {behind}"
    assert english == {}, "English or codes on Chinese pages: " + "; ".join(
        f"{where}: {', '.join(words)}" for where, words in english.items())
