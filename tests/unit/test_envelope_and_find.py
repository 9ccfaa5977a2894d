"""The two helpers every room shares (#27): the CloudEvents envelope of a stored event, and
finding an aggregate that may not be there."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from services.bootstrap import ApiContainer
from services.common import aggregates
from services.common.envelope import envelope
from services.common.messages import REFERRAL_DISPATCHED, REPORT_RECEIVED
from services.intake.domain import ReceiptIndex, Report

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_the_envelope_names_the_app_the_aggregate_and_its_version() -> None:
    index = ReceiptIndex(id=uuid4(), report_id=uuid4())
    (issued,) = index.collect_events()
    message = envelope("intake", issued, REPORT_RECEIVED, {"n": 1})
    assert (message.id, message.source, message.type, message.key) == (
        f"intake/{index.id}/1", "/hotline/intake", REPORT_RECEIVED, str(index.id))
    assert message.time == issued.timestamp and message.data == {"n": 1}
    keyed = envelope("dispatch", issued, REFERRAL_DISPATCHED, {}, key="case-1")
    assert keyed.key == "case-1" and keyed.source == "/hotline/dispatch"
    assert dict(keyed.headers())["ce_id"] == f"dispatch/{index.id}/1".encode()
    assert keyed.roundtrip() == keyed


def test_find_answers_none_for_nothing_another_kind_or_no_uuid(hotline: ApiContainer) -> None:
    index = ReceiptIndex(id=uuid4(), report_id=uuid4())
    hotline.intake.save(index)
    repository = hotline.intake.repository
    found = aggregates.find(repository, index.id, ReceiptIndex)
    assert found is not None and found.report_id == index.report_id
    assert aggregates.find(repository, str(index.id), ReceiptIndex) is not None
    assert aggregates.find(repository, index.id, Report) is None  # the id holds another kind
    assert aggregates.find(repository, uuid4(), ReceiptIndex) is None
    assert aggregates.find(repository, "not-a-uuid", ReceiptIndex) is None
    assert aggregates.exists(repository, index.id) and not aggregates.exists(repository, uuid4())
