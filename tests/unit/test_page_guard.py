"""The pages' one guard (services/api/guard.py): log in first and come back, the Chinese refusal
for another role, a bare 401 for a page's self-updating part, the CSRF token on every POST, a
page's own further check, and plain-def pages run off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.testclient import TestClient

from services.api.auth import SESSION_COOKIE, csrf_for
from services.api.guard import FormDep, Page, page_guard
from services.api.http import create_app
from services.api.web import refuse
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from tests.helpers import add_test_users
from tests.unit.test_pages import login

REFUSAL = "此页面供督办人员使用，请用督办账号登录。"


def _no_case_9(request: Request, principal: Principal) -> Response | None:
    if request.path_params["n"] != "9":
        return None
    return refuse(request, principal, "没有这个案件。", 404, "未找到")


Supervisor = Annotated[Page, Depends(page_guard(("supervisor", "auditor"), "/probe/{n}", REFUSAL,
                                                admit=_no_case_9))]
Part = Annotated[Page, Depends(page_guard("supervisor", "/probe", REFUSAL, fragment=True))]
Stale = Annotated[Page, Depends(page_guard(
    "supervisor", "/probe", REFUSAL, stale=lambda request, page: PlainTextResponse("再试一次", 409)))]
probe = APIRouter()


def _in_pool() -> str:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "pool"
    return "loop"


@probe.get("/probe/{n}")
def probe_page(n: str, page: Supervisor) -> Response:
    return PlainTextResponse(f"{page.principal.subject} {n} {_in_pool()}")


@probe.post("/probe/{n}")
def probe_post(n: str, page: Supervisor) -> Response:
    return PlainTextResponse(f"{page.principal.subject} {page.form.get('note')} {_in_pool()}")


@probe.get("/probe-part")
def probe_part(page: Part) -> Response:
    return PlainTextResponse("part")


@probe.post("/probe-stale")
def probe_stale(page: Stale) -> Response:
    return PlainTextResponse("done")


@probe.post("/probe-open")
def probe_open(form: FormDep) -> Response:
    return PlainTextResponse(f"{form.get('q')} {_in_pool()}")


@pytest.fixture
def client(hotline: ApiContainer) -> Iterator[TestClient]:
    add_test_users(hotline.accounts)
    app = create_app(hotline)
    app.include_router(probe)
    with TestClient(app) as c:
        yield c


def _csrf(client: TestClient) -> str:
    """The token the pages put in their forms for this session (csrf_for reads only the app's key)."""
    return csrf_for(SimpleNamespace(app=client.app), client.cookies[SESSION_COOKIE])  # type: ignore[arg-type]


def test_without_a_session_it_sends_to_log_in_and_back(client: TestClient) -> None:
    r = client.get("/probe/42", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/probe/42"
    assert client.get("/probe-part").status_code == 401


def test_another_role_is_told_why_in_chinese(client: TestClient) -> None:
    login(client, "police-desk", "/desk")
    r = client.get("/probe/42")
    assert r.status_code == 403 and REFUSAL in r.text and "text/html" in r.headers["content-type"]
    part = client.get("/probe-part")
    assert part.status_code == 401 and part.text == ""


def test_the_allowed_roles_get_the_page_in_the_pool(client: TestClient) -> None:
    login(client, "supervisor1")
    assert client.get("/probe/42").text == "supervisor1 42 pool"
    assert client.get("/probe-part").text == "part"
    login(client, "auditor1")
    assert client.get("/probe/7").text == "auditor1 7 pool"


def test_a_page_may_refuse_further(client: TestClient) -> None:
    login(client, "supervisor1")
    r = client.get("/probe/9")
    assert r.status_code == 404 and "没有这个案件。" in r.text


def test_every_post_needs_the_page_csrf_token(client: TestClient) -> None:
    login(client, "supervisor1")
    refused = client.post("/probe/1", data={"note": "x"})
    assert refused.status_code == 403 and refused.text == "页面已过期，请刷新后重试。"
    assert refused.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.post("/probe/1", data={"note": "x", "csrf": "0" * 64}).status_code == 403
    ok = client.post("/probe/1", data={"note": "已核实", "csrf": _csrf(client)})
    assert ok.status_code == 200 and ok.text == "supervisor1 已核实 pool"
    assert client.post("/probe-stale", data={"csrf": "bad"}).text == "再试一次"
    assert client.post("/probe-stale", data={"csrf": _csrf(client)}).text == "done"


def test_an_open_form_is_read_before_a_plain_def_page(client: TestClient) -> None:
    assert client.post("/probe-open", data={"q": "回执"}).text == "回执 pool"
