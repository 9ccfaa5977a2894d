"""Settings fail fast; personal data never rests or travels in clear text."""

import base64
import json
from pathlib import Path

import pytest
import structlog
from pydantic import ValidationError

from services.bootstrap import edges_of
from services.common.clocks import parse_ack_sla
from services.common.crypto import Hasher, Sealer
from services.common.embedded import EmbeddedRunner
from services.common.logging import configure_logging, redact
from services.common.messages import Message
from services.common.secrets import PUBLISHED, PURPOSES, MissingKey
from services.common.settings import Settings
from services.intake.schemas import ReportIn
from tests.helpers import FAST_HASHER, PII_VALUES, build, report_body

KEY = base64.b64encode(b"k" * 32).decode()


def test_keys_published_in_the_history_are_refused_everywhere(tmp_path: Path) -> None:
    for published in PUBLISHED:
        with pytest.raises(ValidationError, match="published"):
            Settings(environment="development", token_key=published)
        (tmp_path / "secrets").mkdir(exist_ok=True)
        (tmp_path / "secrets" / "token.key").write_text(published)
        with pytest.raises(ValueError, match="published"):
            Settings(var_dir=tmp_path).ensure_secret("token")


def test_production_never_makes_keys_up(tmp_path: Path) -> None:
    with pytest.raises(MissingKey, match="HOTLINE_DATA_KEY"):
        Settings(environment="production", var_dir=tmp_path).ensure_secret("data")
    assert not (tmp_path / "secrets").exists()
    assert Settings(environment="production", var_dir=tmp_path, data_key=KEY).ensure_secret("data") == KEY


def test_a_fresh_var_gets_random_keys_in_private_files(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    keys = {p: settings.ensure_secret(p) for p in PURPOSES}
    assert len(set(keys.values())) == len(PURPOSES)  # one key per purpose
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    for purpose in PURPOSES:
        assert (tmp_path / "secrets" / f"{purpose}.key").stat().st_mode & 0o777 == 0o600
    assert {p: Settings(var_dir=tmp_path).ensure_secret(p) for p in PURPOSES} == keys  # reused
    assert Settings(var_dir=tmp_path, token_key=KEY).ensure_secret("token") == KEY  # env overrides
    other = tmp_path / "other"
    assert Settings(var_dir=other).ensure_secret("token") != keys["token"]  # no key is built in


def test_without_key_files_a_process_has_only_the_keys_it_was_given(tmp_path: Path) -> None:
    Settings(var_dir=tmp_path).ensure_secret("data")  # the files exist
    relay = Settings(var_dir=tmp_path, key_files=False, event_key=KEY)
    assert relay.ensure_secret("event") == KEY
    with pytest.raises(MissingKey):
        relay.ensure_secret("data")


def test_key_must_be_32_bytes_of_base64() -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(data_key=base64.b64encode(b"short").decode())


def test_ack_sla_parsing_and_errors() -> None:
    assert parse_ack_sla("red=3,orange=4,yellow=5,blue=6") == {
        "red": 3, "orange": 4, "yellow": 5, "blue": 6}
    with pytest.raises(ValueError, match="lacks levels: blue"):
        parse_ack_sla("red=3,orange=4,yellow=5")
    with pytest.raises(ValidationError, match="HOTLINE_ACK_SLA_SECONDS"):
        Settings(ack_sla_seconds="red=soon")


def test_sealer_roundtrip_and_wrong_key_fails() -> None:
    sealed = Sealer(KEY).seal({"name": "王小明"})
    assert "王小明" not in sealed
    assert Sealer(KEY).open(sealed) == {"name": "王小明"}
    with pytest.raises(ValueError):
        Sealer(base64.b64encode(b"x" * 32).decode()).open(sealed)


def test_child_keys_match_on_id_or_name_age_county_only_with_the_key() -> None:
    h = Hasher(KEY)
    a = h.child_keys({"name": "王 小明", "age": 9, "id_number": "441823201501011237"}, "441823100")
    b = h.child_keys({"name": "王小明", "age": 9}, "441823200")
    assert a[1] == b[0]  # same name + age + county, different township
    assert Hasher(base64.b64encode(b"z" * 32).decode()).child_keys(
        {"name": "王小明", "age": 9}, "441823") != b


def test_lookup_code_checks_in_constant_time_and_case_insensitively() -> None:
    h = Hasher(KEY)
    code = h.lookup_code("r-1")
    assert h.check_lookup_code("r-1", code.lower())
    assert not h.check_lookup_code("r-2", code)
    assert not h.check_lookup_code("r-1", "查询码")  # non-ASCII input is a miss, not an error


def test_log_redaction_removes_personal_values() -> None:
    out = redact(None, "info", {"event": "call from 13800000000 about 441823201501011237",
                                "name": "王小明", "narrative": "x", "case_id": "c"})
    assert out == {"event": "call from [phone] about [id]", "name": "[redacted]",
                   "narrative": "[redacted]", "case_id": "c"}


def test_service_logging_runs_the_redactor(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    try:
        structlog.get_logger("t").info("report", phone="13800000000", note="tel 13800000000")
    finally:
        structlog.reset_defaults()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["phone"] == "[redacted]" and line["note"] == "tel [phone]"


def test_embedded_flow_keeps_no_personal_data_in_clear_text(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, database_url="")
    h = build(settings, password_hasher=FAST_HASHER)
    assert h.intake is not None and h.view is not None
    h.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op", role="operator",
                           idempotency_key="k")
    runner = EmbeddedRunner(edges_of(h))
    assert runner.pump() > 0
    assert runner.pump() == 0  # everything pending was handled
    messages: list[Message] = []
    for edge in edges_of(h):
        for n in edge.leader.recorder.select_notifications(start=1, limit=100):
            m = edge.translate(edge.leader.mapper.to_domain_event(n))
            if m and m.id not in {x.id for x in messages}:
                messages.append(m)
    h.close()
    files = sorted(tmp_path.glob("*.sqlite*"))
    assert {f.name.split(".")[0] for f in files} >= {"intake", "triage", "dispatch", "desk"}
    for f in files:
        blob = f.read_bytes()
        for value in PII_VALUES:
            assert value.encode() not in blob, (f.name, value)
    wire = b"".join(m.value() + json.dumps(m.headers(), default=bytes.hex).encode()
                    for m in messages)
    assert len(messages) == 5  # received, opened, two referrals, the follow-up plan
    for value in PII_VALUES:
        assert value.encode() not in wire
    # What was sealed is still there for whoever holds the key.
    received = next(m for m in messages if m.type == "hotline.report.received")
    h2 = build(settings, password_hasher=FAST_HASHER)
    assert h2.keys is not None
    opened = h2.keys.open(received.data["report_id"], received.data["pii"])
    h2.close()
    assert opened["children"][0]["name"] == "王小明"


def test_tokens_expire_and_must_carry_our_signature() -> None:
    from services.api.auth import TokenIssuer
    from services.common.auditnote import Principal

    issuer = TokenIssuer(KEY, ttl_seconds=3600)
    token = issuer.issue(Principal("desk7", "desk", agency_id="police-441823"))
    assert issuer.verify(token) == Principal("desk7", "desk", "police-441823", None)
    assert TokenIssuer(KEY, ttl_seconds=-1).verify(TokenIssuer(KEY, -1).issue(
        Principal("desk7", "desk"))) is None  # expired
    other = TokenIssuer(base64.b64encode(b"o" * 32).decode(), 3600)
    assert other.verify(token) is None  # signed with another key
    head, _payload, sig = token.split(".")
    forged_payload = base64.urlsafe_b64encode(
        json.dumps({"sub": "x", "role": "admin", "iss": "hotline", "iat": 1, "exp": 9999999999}
                   ).encode()).decode().rstrip("=")
    assert issuer.verify(f"{head}.{forged_payload}.{sig}") is None


def test_tls_in_the_database_url_reaches_every_connection(tmp_path: Path) -> None:
    """libpq reads PGSSL* for the pool's connections, which eventsourcing opens by host and port."""
    url = ("postgresql://hotline:pw@db.county.example:5432/hotline"
           "?sslmode=verify-full&sslrootcert=/etc/hotline/pg-ca.crt&application_name=x")
    settings = Settings(var_dir=tmp_path, database_url=url)
    assert settings.libpq_tls() == {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": "/etc/hotline/pg-ca.crt"}
    assert settings.postgres_env()["POSTGRES_DBNAME"] == "hotline"
    assert Settings(var_dir=tmp_path, database_url="postgresql://h:p@db/hotline").libpq_tls() == {}


def test_kafka_over_tls_checks_the_brokers_against_the_ca(tmp_path: Path) -> None:
    ca = tmp_path / "kafka-ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    over_tls = Settings(var_dir=tmp_path, kafka_security_protocol="SASL_SSL", kafka_sasl_username="triage",
                        kafka_sasl_password="pw", kafka_ssl_cafile=str(ca)).kafka_security()
    assert over_tls == {"security_protocol": "SASL_SSL", "ssl_check_hostname": True, "ssl_cafile": str(ca),
                        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "triage",
                        "sasl_plain_password": "pw"}
    tls_only = Settings(var_dir=tmp_path, kafka_security_protocol="SSL", kafka_ssl_cafile=str(ca))
    assert tls_only.kafka_security() == {"security_protocol": "SSL", "ssl_check_hostname": True,
                                         "ssl_cafile": str(ca)}
    assert not tls_only.kafka_principals  # no SASL: no principal per service to make
    plain = Settings(var_dir=tmp_path, kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="a",
                     kafka_sasl_password="pw").kafka_security()
    assert plain["security_protocol"] == "SASL_PLAINTEXT" and not [k for k in plain if k.startswith("ssl")]
    with pytest.raises(ValidationError, match="HOTLINE_KAFKA_SSL_CAFILE: no file at"):
        Settings(var_dir=tmp_path, kafka_security_protocol="SASL_SSL", kafka_ssl_cafile=str(tmp_path / "no"))
    with pytest.raises(ValidationError, match="kafka_security_protocol"):
        Settings(var_dir=tmp_path, kafka_security_protocol="TLS")
