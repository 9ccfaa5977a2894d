"""Logs stay traceable (contract §10): identifiers pass the redactor verbatim, personal data not."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.common.logging import redact

REFERRAL = "1d7713df-0c5e-4b1a-b485-13812345678e"  # its last group holds 11 digits that start with 1


def logged(**fields: Any) -> dict[str, Any]:
    return dict(redact(None, "info", dict(fields)))


def test_a_referral_id_passes_verbatim_in_fields_text_and_nesting() -> None:
    line = logged(referral_id=REFERRAL, event=f"referral {REFERRAL} delivered",
                  batch=[{"referral_id": REFERRAL}], request_id="1a3812345678b9c0")
    assert line["referral_id"] == REFERRAL
    assert line["event"] == f"referral {REFERRAL} delivered"
    assert line["batch"] == [{"referral_id": REFERRAL}]
    assert line["request_id"] == "1a3812345678b9c0"


def test_receipt_numbers_and_undashed_ids_pass_verbatim() -> None:
    hex_id = "13812345678013812345678000abcdef"
    line = logged(receipt_no="20261202-13812345AB", event=f"report {hex_id} received")
    assert line["receipt_no"] == "20261202-13812345AB"
    assert line["event"] == f"report {hex_id} received"


def test_phone_and_id_numbers_in_free_text_beside_an_id_stay_redacted() -> None:
    line = logged(event=f"referral {REFERRAL} caller 13812345678 child 110101201001011237 call back",
                  detail={"note": "电话13912345678，身份证11010120100101123X"})
    assert line["event"] == f"referral {REFERRAL} caller [phone] child [id] call back"
    assert line["detail"] == {"note": "电话[phone]，身份证[id]"}
    assert "13812345678" not in str(line).replace(REFERRAL, "") and "13912345678" not in str(line)


def test_names_of_people_stay_redacted() -> None:
    line = logged(name="张小明", reporter={"name": "李四"}, children=[{"name": "王五"}], consumer="desk")
    assert line["name"] == "[redacted]" and line["reporter"] == "[redacted]"
    assert line["children"] == "[redacted]"
    assert line["consumer"] == "desk"  # a consumer's name is logged under its own key


@given(st.uuids(), st.sampled_from(["referral", "case", "visit", "delivery"]))
def test_any_uuid_passes_verbatim(value: uuid.UUID, kind: str) -> None:
    text = str(value)
    line = logged(**{f"{kind}_id": text}, event=f"{kind} {text} handled", hex=value.hex,
                  ids=[text, text.upper()])
    assert line[f"{kind}_id"] == text
    assert line["event"] == f"{kind} {text} handled"
    assert line["hex"] == value.hex
    assert line["ids"] == [text, text.upper()]


@given(st.uuids(), st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_phone_next_to_any_uuid_is_redacted(value: uuid.UUID, phone: str) -> None:
    line = logged(event=f"{value} 来电 {phone}")
    assert line["event"] == f"{value} 来电 [phone]"
