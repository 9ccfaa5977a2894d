"""Webhook deliveries (contract §8): the payload (ids, level, due time and the desk link; no
personal data), its HMAC-SHA256 signature under the unit's secret, the group-robot formats of
WeCom and DingTalk (DingTalk's signed URL), one HTTP attempt, and the backoff between attempts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from services.common.vocabulary import KIND_TEXT, LEVEL_TEXT

TEST_EVENT = "test"  # an admin's "发送测试": proves the address and the secret, says nothing else
HEADLINE = {"referral.dispatched": "新转介待签收", "referral.reminder": "转介仍未签收（提醒）",
            "referral.escalated": "转介超时未签收（已升级）", TEST_EVENT: "值班通知测试"}
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


class _Unfollowed(urllib.request.HTTPRedirectHandler):
    """A redirect is the receiver's answer (`HTTP 302`), not an address to follow: the signed body
    goes only where the roster says, and a moved robot or a redirect loop fails at once."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_Unfollowed)


def post(req: Request, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """One attempt: None if the receiver took it (2xx; a robot's JSON `errcode` 0 or absent),
    else what went wrong, short enough to record."""
    try:
        with _OPENER.open(urllib.request.Request(  # noqa: S310 (http(s) checked at entry)
                req.url, data=req.body, headers=req.headers, method="POST"), timeout=timeout) as answer:
            text = answer.read(4096)
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        return f"{type(e).__name__}: {getattr(e, 'reason', e)}"[:200]
    try:  # WeCom and DingTalk answer 200 with an error code in the body
        code = json.loads(text).get("errcode", 0) if text.strip().startswith(b"{") else 0
    except ValueError:
        code = 0
    return None if code in (0, "0") else f"errcode {code}"


def next_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after `attempts` failures: doubling from 2 s to at most
    2 min, with full jitter in its upper half so many units' retries do not arrive together."""
    ceiling = min(LONGEST_DELAY, FIRST_DELAY * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + (rng or random).random() * ceiling / 2
