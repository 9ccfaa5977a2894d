"""Webhook deliveries against a local receiver that checks what it is sent: the contract's JSON
with its HMAC-SHA256 signature, the WeCom and DingTalk robot formats (DingTalk's signed URL), no
personal data, a failing receiver reported as such; and on-call duty hours in Beijing time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from services.common.errors import FieldError
from services.common.outbound import AddressGuard, parse_allowed
from services.notify import webhook
from services.notify.oncall import Contact, Roster, check_secret, parse_contacts
from tests.receiver import Receiver

SECRET = "s3cret-of-the-unit-0001"
# The receivers listen on 127.0.0.1: inside, allowed here as HOTLINE_WEBHOOK_ALLOWED_NETWORKS would.
LOCAL = AddressGuard(parse_allowed("127.0.0.0/8"))


def post(req: webhook.Request, timeout: float = webhook.TIMEOUT_SECONDS) -> str | None:
    return webhook.post(req, timeout, guard=LOCAL)
REFERRAL = {"referral_id": "0b7f6c2e-1111-4c6a-9d0e-2a3b4c5d6e7f", "agency_id": "police-441823",
            "risk_level": "red", "due_at": "2026-11-30T12:15:00+08:00",
            # what a referral message also holds, and a payload must not
            "concerns": ["sexual_abuse"], "case_id": "c-1"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def deliver(receiver: Receiver, fmt: str) -> dict[str, Any]:
    p = webhook.payload("referral.dispatched", REFERRAL, "https://hotline.example.cn/")
    req = webhook.request(fmt, receiver.url, SECRET, p, "delivery-1", now_ms=1796012100000, kind="police")
    assert post(req) is None
    return receiver.got[-1]


def test_the_json_payload_is_signed_and_carries_no_personal_data(receiver: Receiver) -> None:
    got = deliver(receiver, "json")
    expected = hmac.new(SECRET.encode(), got["body"], hashlib.sha256).hexdigest()
    assert got["headers"][webhook.SIGNATURE_HEADER] == f"sha256={expected}"
    assert got["headers"][webhook.DELIVERY_HEADER] == "delivery-1"
    body = json.loads(got["body"])
    assert body == {"event": "referral.dispatched", "referral_id": REFERRAL["referral_id"],
                    "agency_id": "police-441823", "risk_level": "red", "due_at": REFERRAL["due_at"],
                    "url": f"https://hotline.example.cn/desk?referral={REFERRAL['referral_id']}"}


def test_a_tampered_body_does_not_match_its_signature(receiver: Receiver) -> None:
    got = deliver(receiver, "json")
    forged = got["body"].replace(b'"red"', b'"blue"')
    assert got["headers"][webhook.SIGNATURE_HEADER] != webhook.sign(SECRET, forged)
    assert got["headers"][webhook.SIGNATURE_HEADER] != webhook.sign("another-secret-000000", got["body"])


def test_wecom_and_dingtalk_robots_get_markdown_and_dingtalk_a_signed_url(receiver: Receiver) -> None:
    wecom = json.loads(deliver(receiver, "wecom")["body"])
    assert wecom["msgtype"] == "markdown" and "【红色】新转介待签收（公安）" in wecom["markdown"]["content"]
    got = deliver(receiver, "dingtalk")
    ding = json.loads(got["body"])
    assert ding["markdown"]["title"] == "新转介待签收" and REFERRAL["referral_id"] in ding["markdown"]["text"]
    query = parse_qs(urlparse(got["path"]).query)
    assert query["key"] == ["robot-1"] and query["timestamp"] == ["1796012100000"]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"1796012100000\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    for body in (got["body"], receiver.got[0]["body"]):
        assert b"sexual_abuse" not in body and b"c-1" not in body


def test_a_failing_receiver_is_reported_with_what_went_wrong(receiver: Receiver) -> None:
    p = webhook.payload("referral.reminder", REFERRAL, "http://desk")
    receiver.status = 503
    assert post(webhook.request("json", receiver.url, SECRET, p, "d", now_ms=0)) == "HTTP 503"
    receiver.status, receiver.answer = 200, b'{"errcode":310000,"errmsg":"sign not match"}'
    ding = webhook.request("dingtalk", receiver.url, SECRET, p, "d", now_ms=0)
    assert post(ding) == "errcode 310000"
    receiver.server.shutdown()
    receiver.server.server_close()
    error = post(webhook.request("json", receiver.url, SECRET, p, "d", now_ms=0), timeout=1)
    assert error == "ConnectionRefusedError"  # the error's class, never its message (contract §10)


def test_a_redirect_is_a_failure_not_followed_and_a_slow_receiver_times_out(receiver: Receiver) -> None:
    """#25: the signed body goes only where the roster says; an attempt lasts the timeout at most."""
    elsewhere = Receiver()
    try:
        receiver.location = elsewhere.hook("moved")
        p = webhook.payload("referral.dispatched", REFERRAL, "http://desk")
        assert post(webhook.request("json", receiver.url, SECRET, p, "d", now_ms=0)) == "HTTP 302"
        assert elsewhere.got == []
        receiver.location, receiver.delay = None, 3.0
        began = time.monotonic()
        error = post(webhook.request("json", receiver.url, SECRET, p, "d", now_ms=0), timeout=0.5)
        assert error == "TimeoutError" and time.monotonic() - began < 2
    finally:
        elsewhere.close()


def test_backoff_doubles_to_two_minutes_with_jitter_and_retries_past_ten_minutes() -> None:
    rng = random.Random(15)
    delays = [webhook.next_delay(n, rng) for n in range(1, 12)]
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0
    assert all(60.0 <= d <= 120.0 for d in delays[7:])
    assert len({round(d, 3) for d in delays}) == len(delays)  # jittered, not in lockstep
    elapsed, attempts = 0.0, 0
    while elapsed < webhook.RETRY_FOR_SECONDS:
        attempts += 1
        elapsed += webhook.next_delay(attempts, rng)
    assert webhook.RETRY_FOR_SECONDS >= 600 and attempts >= 10


def beijing(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def test_duty_hours_are_beijing_time_and_a_night_shift_belongs_to_the_day_it_starts() -> None:
    day, night, always = parse_contacts([
        {"name": "值班民警甲", "webhook_url": "https://a.example/hook", "weekdays": [1, 2, 3, 4, 5],
         "from": "08:30", "to": "17:30"},
        {"name": "夜班", "webhook_url": "https://b.example/hook", "weekdays": [5],
         "from": "22:00", "to": "06:00"},
        {"name": "所长", "phone": "+86-763-1234567"},
    ])
    assert day.on_duty(beijing("2026-11-30T09:00")) and not day.on_duty(beijing("2026-11-30T17:30"))
    assert not day.on_duty(beijing("2026-11-29T09:00"))  # a Sunday
    assert night.on_duty(beijing("2026-12-04T23:00")) and night.on_duty(beijing("2026-12-05T05:59"))
    assert not night.on_duty(beijing("2026-12-05T23:00")) and not night.on_duty(beijing("2026-12-04T05:00"))
    assert always.on_duty(beijing("2026-12-06T03:00"))
    roster = Roster("police-441823")
    roster.replace([day, night, always], SECRET, by="admin", at=datetime.now(UTC))
    assert [c.name for c in roster.on_duty(beijing("2026-11-30T09:00"))] == ["值班民警甲", "所长"]
    assert always.public() == {"name": "所长", "phone": "+86-763-1234567", "format": "json"}
    assert night.public()["from"] == "22:00" and night.public()["weekdays"] == [5]


@pytest.mark.parametrize(("contacts", "field"), [
    ([], "contacts"),
    ([{"name": ""}], "contacts.0.name"),
    ([{"name": "甲"}, {"name": "乙", "webhook_url": "ftp://x"}], "contacts.1.webhook_url"),
    ([{"name": "甲", "format": "sms"}], "contacts.0.format"),
    ([{"name": "甲", "weekdays": [0]}], "contacts.0.weekdays"),
    ([{"name": "甲", "weekdays": [True]}], "contacts.0.weekdays"),
    ([{"name": "甲", "from": "25:00", "to": "08:00"}], "contacts.0.from"),
    ([{"name": "甲", "from": "08:00"}], "contacts.0.to"),
    ([{"name": "甲", "phone": "call me"}], "contacts.0.phone"),
])
def test_a_wrong_contact_names_its_field(contacts: list[dict[str, Any]], field: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_contacts(contacts)
    assert caught.value.field == field


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(FieldError) as caught:
        check_secret("short")
    assert caught.value.field == "secret"
    assert check_secret(SECRET) == SECRET
    assert Contact.parse({"name": "甲"}, "c").on_duty(datetime.now(UTC))
