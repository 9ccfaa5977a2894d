"""A form's receipt after Post/Redirect/Get: the filing answers 303 to its receipt's page, and the
lookup code travels sealed in a short-lived cookie bound to the session that filed it and to that
report (never in a URL or a log). The desk's notice and the reporter's form share it."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.api.guards import is_https
from services.common.auditnote import AuditLog, Principal
from services.common.crypto import gcm_open, gcm_seal
from services.common.errors import NotFound
from services.intake.application import IntakeApplication, Receipt
from services.intake.domain import Report

KEEP_SECONDS = 600
KEPT = 5  # the newest reports whose codes one session's cookie holds


@dataclass(frozen=True)
class ReceiptCookie:
    """One form's cookie: its name, the receipt pages' path and the purpose its key is drawn for."""

    name: str
    path: str
    purpose: bytes

    @property
    def scope(self) -> str:
        """The cookie's path: the form's, so that filing the next report reads the codes kept."""
        return self.path.rsplit("/", 1)[0]

    def _key(self, request: Request) -> bytes:
        return hashlib.sha256(self.purpose + b"\x1f" + request.app.state.csrf_key).digest()

    def _aad(self, token: str, report_id: str) -> bytes:
        return self.purpose + f"\x1f{hashlib.sha256(token.encode()).hexdigest()}\x1f{report_id}".encode()

    def _kept(self, request: Request, now: float) -> list[tuple[float, str]]:
        """The codes the cookie still holds, (until, sealed), newest first; the times are not
        secret (each is sealed inside as well), so expired ones are dropped unopened."""
        kept = []
        for part in request.cookies.get(self.name, "").split("."):
            until, _, sealed = part.partition("~")
            try:
                if float(until) > now and sealed:
                    kept.append((float(until), sealed))
            except ValueError:
                continue  # an older form of the cookie, or altered: nothing to keep
        return kept[:KEPT]

    def filed(self, request: Request, token: str, receipt: Receipt) -> Response:
        """303 to the receipt's page, the lookup code sealed for this session and report only;
        the codes of the session's last few reports stay beside it for their 10 minutes (a teacher
        filing several in a row, the reporters' review at stop 49)."""
        report_id, now = str(receipt.report_id), time.time()
        until = now + KEEP_SECONDS
        sealed = gcm_seal(self._key(request), json.dumps({"lookup_code": receipt.lookup_code,
                                                          "until": until}).encode(),
                          self._aad(token, report_id))
        kept = [(until, base64.urlsafe_b64encode(sealed).decode()), *self._kept(request, now)][:KEPT]
        response = RedirectResponse(f"{self.path}/{report_id}", status_code=303)
        response.delete_cookie(self.name, path=self.path, httponly=True, samesite="strict",
                               secure=is_https(request))  # where it was kept before stop 49
        response.set_cookie(self.name, ".".join(f"{u:.0f}~{blob}" for u, blob in kept), max_age=KEEP_SECONDS,
                            path=self.scope, httponly=True, samesite="strict", secure=is_https(request))
        return response

    def lookup_code(self, request: Request, token: str, report_id: str) -> str | None:
        """The report's code while its 10 minutes last, for this session only; else None."""
        now = time.time()
        for _, sealed in self._kept(request, now):
            try:
                opened = json.loads(gcm_open([self._key(request)], base64.urlsafe_b64decode(sealed),
                                             self._aad(token, report_id)))
            except (ValueError, KeyError, TypeError):
                continue  # another report's, another session's, or altered
            if float(opened.get("until", 0)) > now:
                return str(opened["lookup_code"])
        return None

    def forget(self, request: Request, response: Response) -> None:
        response.delete_cookie(self.name, path=self.scope, httponly=True, samesite="strict",
                               secure=is_https(request))


def own_filed(intake: IntakeApplication, audit: AuditLog, principal: Principal, report_id: str,
              channels: Collection[str]) -> tuple[Report, dict[str, Any]] | None:
    """The report this account filed on one of these channels and its personal data (the reading
    audited), or None: not found, another's, another form's or erased."""
    try:
        report = intake.get_report(report_id)
    except NotFound:
        return None
    data = intake.personal_data(report)
    if report.submitted_by != principal.subject or report.channel not in channels or data is None:
        return None
    audit(principal, "report.receipt", "report", report_id)
    return report, data
