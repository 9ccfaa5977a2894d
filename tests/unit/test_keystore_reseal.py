"""`hotline keys rotate --suite`: each wrapped data key opened and wrapped again under the new suite,
in either backend; a run cut short is finished by the next, and an erased key is never revived."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from services.bootstrap import Wiring
from services.common.keystore import FileKeys, KeyBackend, KeyStore, SQLiteKeys
from services.common.settings import Settings

KEK = base64.b64encode(os.urandom(32)).decode()


def backend(kind: str, tmp_path: Path) -> KeyBackend:
    """Files under a folder (distributed) or an SQLite store (embedded; here in memory)."""
    if kind == "files":
        return FileKeys(tmp_path / "keys")
    return SQLiteKeys(Wiring.of(Settings(var_dir=tmp_path), "memory").factory("keys").datastore)


@pytest.mark.parametrize("kind", ["files", "sqlite"])
def test_reseal_rewraps_every_key_keeps_what_it_opens_and_finishes_a_cut_run(
        tmp_path: Path, kind: str) -> None:
    keys = backend(kind, tmp_path)
    aes = KeyStore(keys, KEK)
    sealed = {}
    for owner in ("r1", "r2", "r3"):
        key = aes.key_for(owner, create=True)
        assert key is not None
        sealed[owner] = key.seal({"narrative": f"{owner} 的经过"})
    sm = KeyStore(keys, KEK, "sm")
    # A run cut short: r1 done before the crash (and, for files, the old wrapping's link left).
    first = keys.get("r1") or ""
    assert keys.replace("r1", first, sm._kek.seal(sm._kek.open(first, context="data-key:r1"),
                                                     context="data-key:r1"))
    if kind == "files":  # cut before r2's swap (its link left) and after r1's (the old wrapping left)
        os.link(tmp_path / "keys" / "r2", tmp_path / "keys" / ".r2.old")
        (tmp_path / "keys" / ".r1.old").write_text(first)
        (tmp_path / "keys" / ".r3.new").write_text("s4:cut-short")  # cut while writing r3's
    assert keys.owners() == ["r1", "r2", "r3"]
    assert sm.reseal() == (2, 1)
    assert sm.reseal() == (0, 3)  # nothing left to do
    assert {(keys.get(o) or "")[:3] for o in ("r1", "r2", "r3")} == {"s4:"}
    for owner, blob in sealed.items():  # the same data key: what it sealed under aes still opens
        for store in (aes, sm):
            assert store.open(owner, blob) == {"narrative": f"{owner} 的经过"}
    if kind == "files":
        assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["r1", "r2", "r3"]


@pytest.mark.parametrize("kind", ["files", "sqlite"])
def test_a_replace_after_erasure_revives_nothing(tmp_path: Path, kind: str) -> None:
    keys = backend(kind, tmp_path)
    store = KeyStore(keys, KEK)
    store.key_for("r1", create=True)
    wrapped = keys.get("r1") or ""
    if kind == "files":  # a replace cut short left both wrappings: erasure takes them too
        (tmp_path / "keys" / ".r1.old").write_text(wrapped)
        (tmp_path / "keys" / ".r1.new").write_text("s4:new")
    assert store.destroy("r1")
    if kind == "files":
        assert list((tmp_path / "keys").iterdir()) == []
    assert keys.replace("r1", wrapped, "s4:new") is False
    assert keys.get("r1") is None and keys.owners() == []
    store.key_for("r2", create=True)
    assert keys.replace("r2", "v2:not-what-it-holds", "s4:new") is False  # compare, then swap
    assert (keys.get("r2") or "").startswith("v2:")


@pytest.mark.parametrize("kind", ["files", "sqlite"])
def test_the_first_key_made_for_an_owner_is_the_one_every_caller_gets(tmp_path: Path, kind: str) -> None:
    """A new key is used without reading it back; a second caller for the same owner (a retry, a
    concurrent request) gets the key kept, not the one it made."""
    keys = backend(kind, tmp_path)
    store = KeyStore(keys, KEK)
    first = store.key_for("r1", create=True)
    assert first is not None
    assert keys.put("r1", "another wrapping") is False  # the first value stays
    second = store.key_for("r1", create=True)
    assert second is not None
    blob = first.seal({"narrative": "经过"})
    assert second.open(blob) == {"narrative": "经过"}
    assert store.open("r1", second.seal({"n": 1})) == {"n": 1}
    assert keys.put("r2", store._kek.seal("x", context="data-key:r2")) is True
