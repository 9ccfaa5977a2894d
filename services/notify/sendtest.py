"""An admin's "发送测试" (contract §15): one signed test notification to a saved contact's
webhook, in its format, with nothing about anyone; the outcome as a kind and a code, never the
receiver's answer."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog

from services.common.errors import NotFound
from services.common.outbound import AddressGuard
from services.common.vocabulary import BEIJING
from services.notify import webhook
from services.notify.oncall import Roster

log = structlog.get_logger("notify")
# What went wrong, from the notifier's one-line error (webhook.post), most specific first.
PROBLEMS = (("blocked", re.compile(r"^AddressRefused")),
            ("status", re.compile(r"^HTTP (\d{3})")), ("errcode", re.compile(r"^errcode (-?\w+)")),
            ("robot", re.compile(r"^errcode$")),
            ("timeout", re.compile(r"timed? ?out|Timeout", re.I)),
            ("refused", re.compile(r"refused|ConnectionRefused", re.I)),
            ("dns", re.compile(r"Name or service|nodename|gaierror|getaddrinfo|resolution", re.I)),
            ("tls", re.compile(r"SSL|CERTIFICATE", re.I)))


@dataclass(frozen=True)
class Outcome:
    """`problem` is None when delivered, else blocked (an address inside, contract §10), status,
    errcode, robot, timeout, refused, dns, tls or network; `code` the HTTP status or the robot's
    error code where there is one."""

    contact: str
    problem: str | None = None
    code: str | None = None


def classify(error: str) -> tuple[str, str | None]:
    for problem, pattern in PROBLEMS:
        found = pattern.search(error)
        if found:
            return problem, (found.group(1) if found.groups() else None)
    return "network", None


def send_test(roster: Roster, contact_name: str, *, now: datetime,
              guard: AddressGuard | None = None) -> Outcome:
    """Post the test to the named contact's webhook now (at most the notifier's timeout)."""
    contact = next((c for c in roster.contacts if c.name == contact_name and c.webhook_url), None)
    if contact is None or contact.webhook_url is None:
        raise NotFound("No such contact with a webhook on this roster")
    p = webhook.probe_payload(roster.agency_id, now.astimezone(BEIJING).isoformat(timespec="seconds"))
    req = webhook.request(contact.format, contact.webhook_url, roster.secret, p, str(uuid.uuid4()),
                          now_ms=int(now.timestamp() * 1000))
    error = webhook.post(req, guard=guard)
    if error is None:
        log.info("test notification delivered", agency_id=roster.agency_id)
        return Outcome(contact.name)
    problem, code = classify(error)
    log.info("test notification failed", agency_id=roster.agency_id, problem=problem, code=code)
    return Outcome(contact.name, problem, code)
