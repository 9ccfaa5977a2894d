"""The pages' one guard, as a dependency: a session of an allowed role, and on a POST its form
with the CSRF token checked; otherwise the answer (log in, the Chinese refusal, a stale form)."""

# No postponed annotations here: FastAPI reads the closures' Annotated types at runtime.
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from services.api.auth import SESSION_COOKIE, check_csrf, csrf_for, session_of
from services.api.deps import audit_log
from services.api.pages.outside import case_named
from services.api.web import refuse
from services.common.auditnote import Principal

STALE = "页面已过期，请刷新后重试。"


class Refused(Exception):
    """The answer a page gives instead of itself; errors.py sends it as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Page:
    """Who is on the page: their session token, principal and, on a POST, the checked form."""

    token: str
    principal: Principal
    form: FormData = field(default_factory=FormData)

    def csrf(self, request: Request) -> str:
        return csrf_for(request, self.token)


def stale_text(request: Request, page: Page) -> Response:
    """A POST whose CSRF token does not hold: the pages' plain answer."""
    return Response(STALE, status_code=403, media_type="text/plain")


def page_guard(roles: str | tuple[str, ...], home: str, refusal: str, *, fragment: bool = False,
               stale: Callable[[Request, Page], Response] = stale_text,
               admit: Callable[[Request, Principal], Response | None] | None = None,
               ) -> Callable[..., Any]:
    """The dependency for a page open to `roles`: without a session, a redirect to log in and
    back to `home` (formatted with the path's parameters), another role gets `refusal` (403);
    a `fragment` (a part the page reloads by itself) answers both with a bare 401. `admit`
    may refuse further; `stale` is the answer to a POST with a wrong CSRF token."""
    allowed = (roles,) if isinstance(roles, str) else roles

    def session(request: Request) -> Page:  # plain def: the pool reads the token's account
        found = session_of(request)
        if fragment and (found is None or found[1].role not in allowed):
            raise Refused(Response(status_code=401))
        if found is None:
            # Why: idle, or a session that ended elsewhere (a logout, a new password, expiry).
            # A form sent with no session at all (its cookie gone with the expiry): it was not
            # taken, and the login page says so (the child director's review, stop 54).
            idle = ("&idle=1" if getattr(request.state, "idle", False)
                    else "&ended=1" if request.cookies.get(SESSION_COOKIE)
                    else "&unsent=1" if request.method == "POST" else "")
            back = home.format(**request.path_params)
            if request.method == "GET" and request.url.path == back and request.url.query:
                back += "?" + request.url.query  # the link as sent (an on-call message's ?referral=)
            raise Refused(RedirectResponse(f"/login?next={quote(back, safe='/')}{idle}", status_code=303))
        if found[1].role not in allowed:
            # On the trail: an account trying pages not of its role (the auditor's review, stop 61).
            route = getattr(request.scope.get("route"), "path", home)
            audit_log(request)(found[1], "access.denied", route, request.url.path, case_named(request))
            raise Refused(refuse(request, found[1], refusal))
        refused = admit(request, found[1]) if admit is not None else None
        if refused is not None:
            raise Refused(refused)
        return Page(*found)

    async def guard(request: Request, page: Annotated[Page, Depends(session)]) -> Page:
        if request.method != "POST":
            return page
        form = one_newline(await request.form())
        if not check_csrf(request, page.token, form.get("csrf")):
            raise Refused(stale(request, page))
        return replace(page, form=form)

    return guard


async def posted_form(request: Request) -> FormData:
    """The form of a page no session guards (log in, look up): read here, so the page is a plain def."""
    return one_newline(await request.form())


def one_newline(form: FormData) -> FormData:
    """A form's text as it was typed: each line break one character (a browser sends CR LF, while
    the page's count has LF: the child director's review, stop 54, "已输入 4990 / 5000 字", then
    refused as 5058), and fullwidth digits as ASCII, as a Chinese input method types them (the
    police desk's review, stop 54: "１２０" in an outcome, found by no search for "120").
    Passwords and secrets stay exactly as typed."""
    return FormData([(k, typed_value(k, v)) for k, v in form.multi_items()])


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def typed_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or "password" in key or "secret" in key:
        return value
    return value.replace("\r\n", "\n").translate(_DIGITS)


FormDep = Annotated[FormData, Depends(posted_form)]
