"""Marker values sent through every error path never reach a log line (issue #9, logs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.http import MAX_BODY_BYTES, create_app
from services.bootstrap import ApiContainer
from services.common.logging import configure_logging
from services.intake.application import IntakeApplication
from tests.conftest import Api
from tests.helpers import add_test_users, report_body

MARKERS = ("标记童名", "13912345678", "110101201001011237", "标记叙述内容", "标记住址", "markpass-99")


def marked_body(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "reporter": {"name": "标记报告人", "phone": "13912345678", "relation": "neighbour"},
        "children": [{"name": "标记童名", "age": 9, "id_number": "110101201001011237"}],
        "location": {"region_code": "441823", "address": "标记住址"},
        "narrative": "标记叙述内容"}
    return report_body(**{**fields, **overrides})


class ExplodingIntake(IntakeApplication):
    """A store failure whose message quotes the report, as driver errors do."""

    def submit_report(self, report: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"could not store {report.model_dump()}")


@pytest.fixture
def logged(hotline: ApiContainer) -> Iterator[Api]:
    configure_logging("INFO")
    add_test_users(hotline.accounts)
    with TestClient(create_app(hotline), raise_server_exceptions=False) as client:
        yield Api(client)


def test_no_marker_reaches_the_log_on_any_error_path(
    logged: Api, hotline: ApiContainer, capsys: pytest.CaptureFixture[str]
) -> None:
    c, headers = logged.client, logged.auth("operator1")

    def post(body: Any = None, key: str = "k", **kwargs: Any) -> int:
        h = {**headers, "Idempotency-Key": key, "Content-Type": "application/json"}
        sent = {"json": body} if body is not None else kwargs
        return c.post("/v1/reports", headers=h, **sent).status_code

    assert post(marked_body(), key="ok") == 201
    assert post(marked_body(narrative="标记叙述内容 changed"), key="ok") == 409
    bad_age = marked_body()
    bad_age["children"][0]["age"] = 30
    assert post(bad_age, key="422") == 422
    surrogate = json.dumps(marked_body(), ensure_ascii=True).replace("\\u6807\\u8bb0\\u7ae5", "\\ud800")
    assert post(key="surrogate", content=surrogate.encode()) == 422
    assert post(key="utf8", content=json.dumps(marked_body(), ensure_ascii=False).encode() + b"\xff") == 422
    big = json.dumps(marked_body(narrative="标记叙述内容" * (MAX_BODY_BYTES // 10))).encode()
    assert post(key="413", content=big) == 413
    assert post(key="chunked", content=iter([big[i:i + 65536] for i in range(0, len(big), 65536)])) == 413
    assert c.post("/v1/auth/token", data={"username": "operator1", "password": "markpass-99"}
                  ).status_code == 401
    assert c.post("/v1/receipts/lookup", json={"receipt_no": "20261129-X", "lookup_code": "13912345678"}
                  ).status_code == 404

    hotline.intake = ExplodingIntake(hotline.intake.env, hasher=hotline.intake.hasher,
                                     keys=hotline.intake.keys)
    assert post(marked_body(), key="500") == 500

    log = capsys.readouterr().err
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any("RuntimeError" in str(e.get("exception", "")) for e in lines)  # the 500 was logged
    assert [m for m in MARKERS if m in log] == []


def test_validation_errors_name_the_field_and_echo_nothing(api: Api) -> None:
    body = marked_body()
    body["children"][0]["age"] = 30
    r = api.submit(body, key="echo")
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["body", "children", 0, "age"], "type": "less_than_equal",
                                   "msg": "Input should be less than or equal to 17"}]
    assert [m for m in MARKERS if m in r.text] == []


def test_each_log_line_is_one_write(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """API workers append to one file: a line written in two parts could interleave with another
    process's line (seen as two records on one line in api.log)."""
    import io
    import json as jsonlib
    import sys

    import structlog as sl

    from services.common.logging import configure_logging

    writes: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return len(text)

    monkeypatch.setattr(sys, "stderr", Recording())
    configure_logging("INFO")
    try:
        sl.get_logger("t").info("request", route="/v1/reports")
    finally:
        sl.reset_defaults()
    (line,) = writes
    assert line.endswith("\n") and jsonlib.loads(line)["route"] == "/v1/reports"
