"""A form's receipt after Post/Redirect/Get: the filing answers 303 to its receipt's page, and the
lookup code travels sealed in a short-lived cookie bound to the session that filed it and to that
report (never in a URL or a log). The desk's notice and the reporter's form share it."""

from __future__ import annotations

import base64
import hashlib
import json
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


@dataclass(frozen=True)
class ReceiptCookie:
    """One form's cookie: its name, the receipt pages' path and the purpose its key is drawn for."""

    name: str
    path: str
    purpose: bytes

    def _key(self, request: Request) -> bytes:
        return hashlib.sha256(self.purpose + b"\x1f" + request.app.state.csrf_key).digest()

    def _aad(self, token: str, report_id: str) -> bytes:
        return self.purpose + f"\x1f{hashlib.sha256(token.encode()).hexdigest()}\x1f{report_id}".encode()

    def filed(self, request: Request, token: str, receipt: Receipt) -> Response:
        """303 to the receipt's page, the lookup code sealed for this session and report only."""
        report_id = str(receipt.report_id)
        sealed = gcm_seal(self._key(request), json.dumps({"lookup_code": receipt.lookup_code}).encode(),
                          self._aad(token, report_id))
        response = RedirectResponse(f"{self.path}/{report_id}", status_code=303)
        response.set_cookie(self.name, base64.urlsafe_b64encode(sealed).decode(), max_age=KEEP_SECONDS,
                            path=self.path, httponly=True, samesite="strict", secure=is_https(request))
        return response

    def lookup_code(self, request: Request, token: str, report_id: str) -> str | None:
        try:
            blob = base64.urlsafe_b64decode(request.cookies.get(self.name, ""))
            opened = gcm_open([self._key(request)], blob, self._aad(token, report_id))
            return str(json.loads(opened)["lookup_code"])
        except (ValueError, KeyError, TypeError):
            return None  # expired, shown already, another session's or another report's

    def forget(self, request: Request, response: Response) -> None:
        response.delete_cookie(self.name, path=self.path, httponly=True, samesite="strict",
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
