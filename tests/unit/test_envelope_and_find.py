"""The two helpers every room shares (#27): the CloudEvents envelope of a stored event, and
finding an aggregate that may not be there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from services.bootstrap import ApiContainer, Store
from services.common import store as aggregates
from services.common.messages import REFERRAL_DISPATCHED, REPORT_RECEIVED, envelope
from services.common.settings import Settings
from services.intake.domain import ReceiptIndex, Report
from services.triage.indexes import ChildIndex
from tests.helpers import build

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


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_find_all_rebuilds_several_as_get_would(store: Store, tmp_path: Path) -> None:
    """The indexes a policy looks up per message, in one read of the SQL store (#31): the same
    aggregates the repository rebuilds, every version, the absent left out."""
    triage = build(Settings(var_dir=tmp_path), store=store).triage
    assert hasattr(triage.recorder, "datastore") == (store == "sqlite")  # the SQL read, or get
    grown = ChildIndex(id=uuid4())
    for n in range(3):
        grown.note(f"case-{n}", AT, f"report-{n}")
    single = ChildIndex(id=uuid4())
    single.note("case-9", AT, "report-9")
    triage.save(grown, single)
    found = aggregates.find_all(triage, [grown.id, single.id, uuid4(), grown.id])
    assert set(found) == {grown.id, single.id}
    for aggregate in (grown, single):
        again = triage.repository.get(aggregate.id)
        assert (found[aggregate.id].version, found[aggregate.id].entries) == (again.version, again.entries)
    assert aggregates.find_all(triage, []) == {}
