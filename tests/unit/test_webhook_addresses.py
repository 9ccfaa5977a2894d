"""Webhooks cannot reach inside (contract §10, issue #26 finding 3): an address inside is refused
when a roster or the supervisors' webhook is set and again at every attempt, on the addresses the
attempt connects to; HOTLINE_WEBHOOK_ALLOWED_NETWORKS lets some in; a 3xx is a failed attempt
never followed; what is recorded of a failure is a status or an error's class, never the body."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import suppress
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.common.embedded import EmbeddedRunner
from services.common.errors import FieldError
from services.common.outbound import AddressGuard, AddressRefused, inside, parse_allowed
from services.common.settings import Settings
from services.notify import webhook
from services.notify.notifier import Notifier
from services.notify.oncall import Roster, parse_contacts
from services.notify.sendtest import send_test
from tests.conftest import Api
from tests.helpers import report_body
from tests.receiver import Receiver
from tests.unit.test_admin_oncall import form, open_roster

INSIDE = [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1",  # loopback, private
    "169.254.169.254",  # link-local (the cloud metadata service)
    "100.64.0.1", "100.127.255.254",  # shared (carrier-grade NAT)
    "224.0.0.1", "239.255.255.250", "0.0.0.0", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
    "2002:7f00:1::1", "2002:a00:1::1",  # 6to4 of 127.0.0.1 and 10.0.0.1
    "64:ff9b::a9fe:a9fe", "::a00:1",  # NAT64 of 169.254.169.254; IPv4-compatible 10.0.0.1
]
OUTSIDE = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]  # (an IPv4-mapped literal is refused)
SECRET = "s3cret-of-the-unit-0001"


def host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def resolver(table: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    """A fake DNS: what each name resolves to now (the test changes the table to rebind)."""
    def resolve(name: str, port: int) -> Sequence[str]:
        if name not in table:
            raise OSError("no such name")
        return table[name]
    return resolve


@pytest.mark.parametrize("address", INSIDE)
def test_every_class_of_inside_address_is_refused(address: str) -> None:
    assert inside(ipaddress.ip_address(address))
    with pytest.raises(AddressRefused):
        AddressGuard().target(f"http://{host(address)}:8080/hook")
    with pytest.raises(FieldError) as caught:
        parse_contacts([{"name": "甲", "webhook_url": f"https://{host(address)}/h"}], AddressGuard())
    assert caught.value.field == "contacts.0.webhook_url"


@pytest.mark.parametrize("address", OUTSIDE)
def test_public_addresses_pass(address: str) -> None:
    assert AddressGuard().target(f"https://{host(address)}/h").addresses == (address,)


def test_allowed_networks_let_only_themselves_in() -> None:
    guard = AddressGuard(parse_allowed("10.0.0.0/8, fd00::/8"))
    assert guard.target("http://10.1.2.3/h").addresses == ("10.1.2.3",)
    assert guard.target("http://[::ffff:10.1.2.3]/h").addresses  # the same address, mapped
    assert guard.target("http://[fd12::1]/h").addresses
    for elsewhere in ("127.0.0.1", "192.168.1.1", "[::1]", "169.254.169.254"):
        with pytest.raises(AddressRefused):
            guard.target(f"http://{elsewhere}/h")
    with pytest.raises(ValueError, match="HOTLINE_WEBHOOK_ALLOWED_NETWORKS"):
        parse_allowed("10.0.0.0/8, intranet")


def test_a_name_resolving_inside_is_refused_when_set() -> None:
    guard = AddressGuard(resolve=resolver({"hooks.example.cn": ["93.184.216.34", "10.0.0.5"],
                                           "robot.example.cn": ["93.184.216.34"]}))
    with pytest.raises(FieldError) as caught:
        parse_contacts([{"name": "甲", "webhook_url": "https://robot.example.cn/h"},
                        {"name": "乙", "webhook_url": "https://hooks.example.cn/h"}], guard)
    assert caught.value.field == "contacts.1.webhook_url"
    assert "10.0.0.5" not in caught.value.message  # the refusal names no address
    # A name that does not resolve now is accepted: every attempt checks it again.
    assert parse_contacts([{"name": "甲", "webhook_url": "https://later.example.cn/h"}], guard)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _request(url: str) -> webhook.Request:
    p = webhook.payload("referral.dispatched", {"referral_id": "r-1", "agency_id": "police-441823",
                                                "risk_level": "red", "due_at": "2026-12-01T12:15:00+08:00"},
                        "https://hotline.example.cn/")
    return webhook.request("json", url, SECRET, p, "d-1", now_ms=0)


def test_each_attempt_resolves_checks_and_connects_to_the_checked_address(receiver: Receiver) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    table: dict[str, Sequence[str]] = {"robot.example.cn": ["127.0.0.1"]}
    guard = AddressGuard(parse_allowed("127.0.0.0/8"), resolver(table))
    url = f"http://robot.example.cn:{port}/hook"
    assert webhook.post(_request(url), guard=guard) is None
    # Pinned to the vetted address, and still named: the Host header is the URL's.
    assert receiver.got[-1]["headers"]["Host"] == f"robot.example.cn:{port}"
    table["robot.example.cn"] = ["169.254.169.254"]  # rebound after the roster was set
    assert webhook.post(_request(url), guard=guard) == webhook.REFUSED
    table["robot.example.cn"] = ["127.0.0.1", "10.0.0.7"]  # any address inside refuses the name
    assert webhook.post(_request(url), guard=guard) == webhook.REFUSED
    assert len(receiver.got) == 1
    # Without the allowed network, the receiver on 127.0.0.1 is never reached.
    assert webhook.post(_request(receiver.url), guard=AddressGuard()) == webhook.REFUSED
    assert len(receiver.got) == 1


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(receiver: Receiver) -> None:
    elsewhere = Receiver()
    try:
        receiver.location = elsewhere.hook("inside")
        guard = AddressGuard(parse_allowed("127.0.0.0/8"))
        assert webhook.post(_request(receiver.url), guard=guard) == "HTTP 302"
        assert len(receiver.got) == 1 and elsewhere.got == []
    finally:
        elsewhere.close()


def test_what_is_recorded_of_a_failure_carries_nothing_of_the_body(receiver: Receiver) -> None:
    guard = AddressGuard(parse_allowed("127.0.0.0/8"))
    receiver.status, receiver.answer = 501, b'{"errcode": "pg at 10.0.0.8:5432 says no"}'
    assert webhook.post(_request(receiver.url), guard=guard) == "HTTP 501"
    receiver.status = 200
    assert webhook.post(_request(receiver.url), guard=guard) == "errcode"
    receiver.answer = b'{"errcode": 93000, "errmsg": "invalid webhook url, hint: [1701] from ip: 10.0.0.8"}'
    assert webhook.post(_request(receiver.url), guard=guard) == "errcode 93000"
    receiver.close()
    assert webhook.post(_request(receiver.url), guard=guard, timeout=1) == "ConnectionRefusedError"
    # Attempts recorded before the rule are shown by their status or class only.
    assert webhook.recorded("URLError: <urlopen error [Errno 111] Connection refused>") == "URLError"
    assert webhook.recorded("errcode pg at 10.0.0.8:5432 says no") == "errcode"


def test_the_supervisors_webhook_inside_stops_the_process_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    for url in ("http://127.0.0.1:9000/h", "http://[::1]/h", "http://169.254.169.254/latest",
                "http://localhost:8000/h", "http://100.64.1.1/h"):
        with pytest.raises(ValidationError, match="HOTLINE_SUPERVISOR_WEBHOOK is refused"):
            Settings(var_dir="v", supervisor_webhook=url, supervisor_webhook_secret=SECRET)
    allowed = Settings(var_dir="v", supervisor_webhook="http://127.0.0.1:9000/h",
                       supervisor_webhook_secret=SECRET, webhook_allowed_networks="127.0.0.0/8")
    assert allowed.webhook_guard.allowed == (ipaddress.ip_network("127.0.0.0/8"),)
    assert Settings(var_dir="v").webhook_guard.allowed == ()  # none by default
    with pytest.raises(ValidationError, match="HOTLINE_WEBHOOK_ALLOWED_NETWORKS"):
        Settings(var_dir="v", webhook_allowed_networks="127.0.0.0/33")


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    """A deployment's default: no inside network allowed."""
    return Settings(var_dir=tmp_path / "var", database_url="", environment="development",
                    webhook_allowed_networks="")


@pytest.mark.parametrize("url", ["http://127.0.0.1:5432/", "http://[::1]:9400/metrics",
                                 "http://169.254.169.254/latest/meta-data/", "http://localhost:8000/",
                                 "http://[::ffff:192.168.0.1]/"])
def test_a_roster_with_an_inside_webhook_is_422_naming_the_field(api: Api, url: str) -> None:
    r = api.client.put("/v1/agencies/police-441823/oncall", headers=api.auth("admin1"), json={
        "contacts": [{"name": "值班员", "webhook_url": "https://robot.example.invalid/h"},
                     {"name": "所长", "webhook_url": url}], "secret": SECRET})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "contacts", 1, "webhook_url"]


def test_the_roster_page_says_why_in_chinese_next_to_the_field(api: Api) -> None:
    csrf = open_roster(api)
    r = api.client.post("/admin/oncall/police-441823", data=form(
        csrf, {"name": "值班民警", "webhook_url": "http://127.0.0.1:5432/"}))
    assert r.status_code == 422
    assert "该通知地址指向内部网络" in r.text


def test_a_stored_webhook_now_inside_is_refused_at_the_attempt_and_the_test_says_so(
        api: Api, runner: EmbeddedRunner, receiver: Receiver) -> None:
    container = api.client.app.state.container  # type: ignore[attr-defined]
    open_guard = AddressGuard(parse_allowed("127.0.0.0/8"))
    roster = Roster("police-441823")
    roster.replace(parse_contacts([{"name": "值班员", "webhook_url": receiver.hook("p")}], open_guard),
                   SECRET, by="test", at=datetime.now(UTC))
    outcome = send_test(roster, "值班员", now=datetime.now(UTC), guard=container.notify.guard)
    assert outcome.problem == "blocked" and receiver.got == []
    # A roster saved while the network was allowed: the notifier refuses it at every attempt.
    container.notify.save(roster)
    api.submit(report_body(), key="inside")
    runner.pump()
    Notifier(container.notify).tick()
    referral = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()[0]
    owed = api.client.get("/v1/notifications", params={"referral_id": referral["referral_id"]},
                          headers=api.auth("supervisor1")).json()
    assert [d["last_error"] for d in owed] == [webhook.REFUSED] and receiver.got == []


def test_a_tls_attempt_goes_to_the_vetted_address_and_names_the_host_in_its_handshake(  # type: ignore[no-untyped-def]
        tmp_path) -> None:
    """SNI (and so the certificate check) is the URL's name, the TCP connection the checked address."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=robot.example.cn"],
                   check=True, capture_output=True)
    named: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: named.append(name)  # type: ignore[assignment,misc]
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with suppress(OSError):
            context.wrap_socket(conn, server_side=True).close()
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    guard = AddressGuard(parse_allowed("127.0.0.0/8"), resolver({"robot.example.cn": ["127.0.0.1"]}))
    error = webhook.post(_request(f"https://robot.example.cn:{port}/hook"), guard=guard, timeout=5)
    thread.join(5)
    listener.close()
    assert named == ["robot.example.cn"]
    assert error == "SSLCertVerificationError"  # a certificate nobody vouches for: refused, by class


def test_hotline_refuses_to_start_and_says_why_without_the_secret(
        tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from services.cli.main import main
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    monkeypatch.setenv("HOTLINE_SUPERVISOR_WEBHOOK", "http://169.254.169.254/latest")
    monkeypatch.setenv("HOTLINE_SUPERVISOR_WEBHOOK_SECRET", "supervisors-secret-0042")
    assert main(["agencies", "list"]) == 2
    err = capsys.readouterr().err
    assert "HOTLINE_SUPERVISOR_WEBHOOK is refused" in err and "supervisors-secret-0042" not in err
