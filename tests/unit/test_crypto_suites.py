"""The formats of #30 (contract §14): sealed text, event bytes and keyed hashes name their suite,
and what either suite made stays readable and matchable after a switch."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest
from eventsourcing.utils import Environment

from services.common.crypto import UPWARD_SUMMARY, Hasher, RotatingCipher, Sealer
from services.common.settings import Settings
from services.common.suites import AES_SUITE, SM_SUITE, hmac_sm3
from services.deploy.systemd import shared_environment

KEY = base64.b64encode(os.urandom(32)).decode()
OLDER = base64.b64encode(os.urandom(32)).decode()


def test_sealed_text_names_its_suite_and_either_opens_under_either_setting() -> None:
    aes = Sealer(KEY, context="report:a").seal({"name": "王小明"})
    sm = Sealer(KEY, context="report:a", suite="sm").seal({"name": "王小明"})
    assert aes.startswith("v2:") and sm.startswith("s4:")
    blob = base64.b64decode(sm[3:])
    assert blob[:4] == SM_SUITE.key_id(base64.b64decode(KEY))  # SM_SUITE's own layout
    for reader in (Sealer(KEY, context="report:a"), Sealer(KEY, context="report:a", suite="sm")):
        assert reader.open(aes) == reader.open(sm) == {"name": "王小明"}
    with pytest.raises(ValueError):
        Sealer(KEY, context="report:b", suite="sm").open(sm)  # bound to its owner under sm too
    with pytest.raises(ValueError):  # the prefix decides: an sm blob relabelled aes does not open
        Sealer(KEY, context="report:a").open("v2:" + sm[3:])


def test_a_subkey_sealer_derives_per_suite_and_opens_both() -> None:
    aes = Sealer(f"{KEY},{OLDER}", info=UPWARD_SUMMARY).seal("摘要", context="c")
    sm = Sealer(f"{KEY},{OLDER}", suite="sm", info=UPWARD_SUMMARY).seal("摘要", context="c")
    raw = base64.b64decode(KEY)
    assert base64.b64decode(sm[3:])[:4] == SM_SUITE.key_id(SM_SUITE.derive(raw, UPWARD_SUMMARY))
    assert base64.b64decode(aes[3:])[:4] == AES_SUITE.key_id(AES_SUITE.derive(raw, UPWARD_SUMMARY))
    after_rotation = Sealer(f"{OLDER}", suite="sm", info=UPWARD_SUMMARY)
    with pytest.raises(ValueError):
        after_rotation.open(sm, context="c")  # sealed under the current key, not the older
    for reader in (Sealer(f"{KEY},{OLDER}", info=UPWARD_SUMMARY),
                   Sealer(f"{KEY},{OLDER}", suite="sm", info=UPWARD_SUMMARY)):
        assert reader.open(aes, context="c") == reader.open(sm, context="c") == "摘要"
    with pytest.raises(ValueError):
        Sealer(KEY, suite="sm").open(sm, context="c")  # the raw key is not the subkey


def test_event_bytes_carry_the_suites_magic_and_open_under_either() -> None:
    aes = RotatingCipher(Environment(env={"CIPHER_KEY": KEY}))
    sm = RotatingCipher(Environment(env={"CIPHER_KEY": KEY, "HOTLINE_CRYPTO_SUITE": "sm"}))
    old, new = aes.encrypt(b"event"), sm.encrypt(b"event")
    assert old.startswith(b"\x00hk1") and new.startswith(b"\x00hs1")
    assert new[4:8] == SM_SUITE.key_id(base64.b64decode(KEY))
    assert aes.decrypt(new) == sm.decrypt(old) == b"event"
    with pytest.raises(ValueError):
        sm.decrypt(b"\x00hk1" + new[4:])  # the magic is authenticated: no relabelling
    with pytest.raises(ValueError):
        RotatingCipher(Environment(env={"CIPHER_KEY": KEY, "HOTLINE_CRYPTO_SUITE": "des"}))


def test_keyed_hashes_by_family_and_matching_under_the_stored_family() -> None:
    aes, sm = Hasher(KEY), Hasher(KEY, "sm")
    raw = base64.b64decode(KEY)
    expected = hmac.new(raw, b"child-id\x1fX", hashlib.sha256).hexdigest()
    assert aes.digest("child-id", "X") == expected  # unchanged: stored values keep matching
    assert sm.digest("child-id", "X") == "sm3:" + hmac_sm3(raw, b"child-id\x1fX").hex()
    assert sm.digests("child-id", "X") == [sm.digest("child-id", "X"), expected]
    assert aes.digests("child-id", "X") == [expected, sm.digest("child-id", "X")]
    for h in (aes, sm):
        assert h.matches(expected, "child-id", "X") and h.matches(sm.digest("child-id", "X"), "child-id", "X")
        assert not h.matches(expected, "child-id", "Y")
    assert sm.short("submitter", "op", 32) == "sm3:" + sm.digest("submitter", "op")[4:36]
    short = hmac.new(raw, b"submitter\x1fop", hashlib.sha256).hexdigest()[:32]
    assert aes.short("submitter", "op", 32) == short


def test_a_lookup_code_of_either_suite_checks() -> None:
    aes, sm = Hasher(KEY), Hasher(KEY, "sm")
    old, new = aes.lookup_code("R1"), sm.lookup_code("R1")
    assert old != new and len(new) == 10
    for h in (aes, sm):
        assert h.check_lookup_code("R1", old) and h.check_lookup_code("R1", new.lower())
        assert not h.check_lookup_code("R2", new)


def test_the_setting_is_checked_at_start_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().crypto_suite == "aes"
    monkeypatch.setenv("HOTLINE_CRYPTO_SUITE", "sm")
    assert Settings().crypto_suite == "sm"
    assert "HOTLINE_CRYPTO_SUITE=sm" in shared_environment(Settings())  # every systemd unit's
    monkeypatch.setenv("HOTLINE_CRYPTO_SUITE", "sm2")
    with pytest.raises(ValueError, match="HOTLINE_CRYPTO_SUITE"):
        Settings()
