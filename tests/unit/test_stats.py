"""GET /v1/stats: counts, acknowledgement times, overdue; unchanged by erasure."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.vocabulary import BEIJING
from tests.conftest import Api
from tests.helpers import report_body


def test_stats_count_and_survive_erasure(api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    red = api.submit(report_body(), key="s1").json()
    api.submit(report_body(channel="web_form", reporter={"relation": "teacher"},
                           children=[{"name": "李小红", "age": 7}], concerns=["neglect"],
                           immediate_danger=False, narrative="常一个人在家"),
               as_user="teacher1", key="s2")
    runner.pump()
    (police,) = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    api.client.post(f"/v1/referrals/{police['referral_id']}/acknowledge",
                    headers=api.auth("police-desk"))
    runner.pump()

    assert api.client.get("/v1/stats", headers=api.auth("operator1")).status_code == 403
    day = datetime.now(BEIJING).date()  # at the run, not the import (a run across Beijing midnight)
    days = f"since={day}T00:00:00%2B08:00&until={day + timedelta(days=1)}T00:00:00%2B08:00"
    assert api.client.get("/v1/stats", headers=api.auth("auditor1")).status_code == 422
    stats = api.client.get(f"/v1/stats?{days}", headers=api.auth("auditor1")).json()
    assert stats["reports"] == 2 and stats["cases"] == 2
    assert stats["by_channel"] == {"hotline_12345": 1, "web_form": 1}
    assert stats["by_risk_level"] == {"red": 1, "yellow": 1}
    assert stats["by_concern"] == {"domestic_violence": 1, "neglect": 1, "serious_injury": 1}
    assert stats["by_agency_kind"] == {"civil_affairs": 1, "hospital": 1, "police": 1}
    assert stats["by_referral_status"] == {"acknowledged": 1, "dispatched": 2}
    assert stats["ack_seconds_by_risk_level"]["red"]["n"] == 1
    assert stats["overdue"] == 0

    future = api.client.get("/v1/stats?since=2099-01-01T00:00:00%2B08:00",
                            headers=api.auth("supervisor1")).json()
    assert future["reports"] == 0
    naive = api.client.get("/v1/stats?since=2026-01-01T00:00:00", headers=api.auth("auditor1"))
    assert naive.status_code == 422 and naive.json()["detail"][0]["loc"] == ["query", "since"]

    assert hotline.intake is not None
    hotline.intake.erase(UUID(red["report_id"]), reason="依法删除", by="admin1")
    after = api.client.get(f"/v1/stats?{days}", headers=api.auth("auditor1")).json()
    assert after == stats
