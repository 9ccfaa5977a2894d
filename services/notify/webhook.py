"""Webhook deliveries (contract §8): the payload (ids, level, due time and the desk link; no
personal data), its HMAC-SHA256 signature under the unit's secret, the group-robot formats of
WeCom and DingTalk (DingTalk's signed URL), one HTTP attempt, and the backoff between attempts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import random
import re
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlsplit

from services.common.labels import KIND_TEXT, LEVEL_TEXT
from services.common.outbound import AddressGuard, AddressRefused, Target

TEST_EVENT = "test"  # an admin's "发送测试": proves the address and the secret, says nothing else
HEADLINE = {"referral.dispatched": "新转介待签收", "referral.reminder": "转介仍未签收（提醒）",
            "referral.escalated": "转介超时未签收（已升级）", TEST_EVENT: "值班通知测试",
            "referral.raised": "转介等级提高，请按新时限签收",
            "referral.new_report": "已接收的案件有新报告或补充情况，请立即查看",
            "major_incident.reported": "重大事项报告"}
SIGNATURE_HEADER = "X-Hotline-Signature"
DELIVERY_HEADER = "X-Hotline-Delivery"  # the same on every attempt: receivers drop repeats by it
TIMEOUT_SECONDS = 5.0
RETRY_FOR_SECONDS = 15 * 60  # at least the contract's ten minutes
FIRST_DELAY, LONGEST_DELAY = 2.0, 120.0


def payload(event: str, referral: dict[str, Any], desk_url: str) -> dict[str, Any]:
    """The contract's JSON: ids, level, due time and the link, nothing about the child."""
    return {"event": event, "referral_id": referral["referral_id"], "agency_id": referral["agency_id"],
            "risk_level": referral["risk_level"], "due_at": referral["due_at"],
            "url": f"{desk_url.rstrip('/')}/desk?referral={referral['referral_id']}"}


def probe_payload(agency_id: str, sent_at: str) -> dict[str, Any]:
    """The test notification's JSON: which unit's roster and when, nothing about anyone."""
    return {"event": TEST_EVENT, "agency_id": agency_id, "sent_at": sent_at}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def robot_text(p: dict[str, Any], kind: str | None = None) -> str:
    """A group robot's markdown: what happened, how urgent, by when, and the link."""
    if p["event"] == TEST_EVENT:
        return (f"### {HEADLINE[TEST_EVENT]}\n- 这是系统管理员发送的测试通知，无需处理。\n"
                f"- 收到即说明本群能收到未成年人保护热线的转介通知。\n- 发送时间：{p['sent_at']}")
    level = LEVEL_TEXT.get(p["risk_level"], p["risk_level"])
    if "case_id" in p:  # a major incident going upward (§12)
        return (f"### 【{level}】{HEADLINE[p['event']]}\n- 案件编号：{p['case_id']}\n"
                f"- 地区代码：{p['region_code']}\n- 摘要：{p['summary']}\n- 报告时间：{p['reported_at']}")
    unit = f"（{KIND_TEXT.get(kind, kind)}）" if kind else ""
    return (f"### 【{level}】{HEADLINE[p['event']]}{unit}\n"
            f"- 转介编号：{p['referral_id']}\n- 签收时限：{p['due_at']}\n"
            f"- [打开工作台签收]({p['url']})")


@dataclass(frozen=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


def request(fmt: str, url: str, secret: str, p: dict[str, Any], delivery_id: str, *,
            now_ms: int, kind: str | None = None) -> Request:
    """The HTTP request for one contact's format. Every format carries the HMAC header; DingTalk
    also wants its own signature in the URL (timestamp and the HMAC of `timestamp\\nsecret`)."""
    if fmt == "wecom":
        document: dict[str, Any] = {"msgtype": "markdown", "markdown": {"content": robot_text(p, kind)}}
    elif fmt == "dingtalk":
        document = {"msgtype": "markdown",
                    "markdown": {"title": HEADLINE[p["event"]], "text": robot_text(p, kind)}}
        signed = base64.b64encode(hmac.new(secret.encode(), f"{now_ms}\n{secret}".encode(),
                                           hashlib.sha256).digest()).decode()
        url = f"{url}{'&' if '?' in url else '?'}timestamp={now_ms}&sign={quote_plus(signed)}"
    else:
        document = p
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Request(url, body, {"Content-Type": "application/json; charset=utf-8",
                               SIGNATURE_HEADER: sign(secret, body), DELIVERY_HEADER: delivery_id})


REFUSED = "AddressRefused"  # what is recorded of an attempt whose host is inside (contract §10)
NO_SECRET = "no secret: the unit's roster is gone"
_ROBOT_CODE = re.compile(r"^-?[0-9]{1,6}$")  # WeCom's and DingTalk's documented error codes
_SAFE = re.compile(r"^(HTTP [0-9]{3}|errcode(?: -?[0-9]{1,6})?|[A-Za-z_][A-Za-z0-9_]{0,63})$")
_HEAD = re.compile(r"^(HTTP [0-9]{3}|errcode|[A-Za-z_][A-Za-z0-9_]{0,63})\b")


def recorded(error: str | None) -> str | None:
    """What is shown of a failed attempt: a status, a robot's numeric code or an error's class.
    Attempts recorded before this rule kept the receiver's words (`errcode` text, an exception's
    message with addresses): only their leading status or class is shown."""
    if error is None or error == NO_SECRET or _SAFE.match(error):
        return error
    head = _HEAD.match(error)
    return head.group(1) if head else "error"


def _pinned(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    """A connection to the vetted address that still names the URL's host (Host header, TLS
    SNI and certificate check): nothing resolves the name again between check and connect."""
    conn: http.client.HTTPConnection = (
        http.client.HTTPSConnection(target.host, target.port, timeout=timeout,
                                    context=ssl.create_default_context())
        if target.scheme == "https"
        else http.client.HTTPConnection(target.host, target.port, timeout=timeout))

    def connect(_: tuple[str, int], wait: float | None = None, source: Any = None) -> socket.socket:
        return socket.create_connection((address, target.port), wait, source)

    conn._create_connection = connect  # type: ignore[attr-defined]
    return conn


def _exchange(target: Target, req: Request, timeout: float) -> tuple[int, bytes]:
    """POST to the first vetted address that takes the connection; the answer's status and at
    most 4 KiB of its body (never followed: http.client does not redirect)."""
    parts = urlsplit(req.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for i, address in enumerate(target.addresses):
        conn = _pinned(target, address, timeout)
        try:
            conn.request("POST", path, body=req.body, headers=req.headers)
            answer = conn.getresponse()
            return answer.status, answer.read(4096)
        except ConnectionError:
            if i == len(target.addresses) - 1:
                raise
        finally:
            conn.close()
    raise ConnectionError  # no address at all (the guard returns at least one)


def post(req: Request, timeout: float = TIMEOUT_SECONDS, guard: AddressGuard | None = None) -> str | None:
    """One attempt: None if the receiver took it (2xx; a robot's JSON `errcode` 0 or absent),
    else what went wrong as a status code or an error's class (`HTTP 302`, `ConnectionRefusedError`,
    `AddressRefused`), never the receiver's words. The host is resolved and checked here, at every
    attempt, and the connection made to the address checked. A 3xx is a failed attempt."""
    try:
        status, text = _exchange((guard or AddressGuard()).target(req.url), req, timeout)
    except AddressRefused:
        return REFUSED
    except (OSError, ValueError, http.client.HTTPException) as e:
        return type(e).__name__
    if not 200 <= status < 300:
        return f"HTTP {status}"
    try:  # WeCom and DingTalk answer 200 with an error code in the body
        code = json.loads(text).get("errcode", 0) if text.strip().startswith(b"{") else 0
    except (ValueError, AttributeError):
        code = 0
    if code in (0, "0"):
        return None
    return f"errcode {code}" if _ROBOT_CODE.match(str(code)) else "errcode"


def next_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after `attempts` failures: doubling from 2 s to at most
    2 min, with full jitter in its upper half so many units' retries do not arrive together."""
    ceiling = min(LONGEST_DELAY, FIRST_DELAY * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + (rng or random).random() * ceiling / 2
