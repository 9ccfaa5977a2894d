"""The audit chain across a switch of suite (contract §14): entries chained under aes, then sm, each
hashed under its own row's suite; checkpoints of either suite. `hotline audit verify` passes on
such a chain and still fails on every alteration it catches on a chain of one suite."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from services.audit.chain import GENESIS, entry_hash
from services.audit.checkpoints import Checkpointer, FileCheckpointLog, signature
from services.audit.trail import AuditTrail
from services.bootstrap import Wiring
from services.common.crypto import Sealer
from services.common.settings import Settings
from services.common.store import Sql
from services.common.suites import sm3
from tests.unit import test_audit_checkpoints as checkpoints

Cap = pytest.CaptureFixture[str]
var = checkpoints.var  # the fixture: an embedded var/ of the test's own
verify = checkpoints.verify  # `hotline audit verify`: (exit code, its JSON)
AT = "2026-12-02T09:00:00+00:00"
# What an entry's hash covers, written out here (not taken from the code under test).
COVERED = ("seq", "at", "actor", "role", "unit", "action", "resource_type", "resource_id", "case_id",
           "client")


def canonical(prev: str, fields: dict[str, Any]) -> bytes:
    body = json.dumps({k: fields.get(k) for k in COVERED}, sort_keys=True, ensure_ascii=False)
    return f"{prev}\x1f{body}".encode()


def audit_key(var: Path) -> bytes:
    return base64.b64decode(Settings(var_dir=var).ensure_secret("audit"))


def trail(var: Path, suite: str) -> AuditTrail:
    settings = Settings(var_dir=var)
    sql = Sql(Wiring.of(settings).factory("audit").datastore)
    audit = AuditTrail(sql, settings.ensure_secret("event"), suite)
    audit.create_tables()
    return audit


def chain(var: Path, suite: str, actors: list[str]) -> None:
    """Entries chained by a sequencer of that suite, and its checkpoint published."""
    audit = trail(var, suite)
    for actor in actors:
        audit.record(actor=actor, role="desk", action="referral.read", resource_type="referral")
    assert audit.integrate() == len(actors)
    log = Wiring.of(Settings(var_dir=var)).checkpoint_log()
    Checkpointer(audit, Settings(var_dir=var).ensure_secret("audit"), log).checkpoint()
    audit.close()


def switched(var: Path) -> None:
    """Entries 1-3 under aes, 4-6 under sm; a checkpoint after each segment."""
    chain(var, "aes", ["alice", "bob", "carol"])
    chain(var, "sm", ["dave", "erin", "frank"])


def rows(var: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(var / "audit.sqlite") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM audit_log ORDER BY seq")]


def test_a_chain_that_switches_suite_verifies_each_entry_under_its_own(
    var: Path, capsys: Cap
) -> None:
    switched(var)
    found = rows(var)
    assert [r["suite"] for r in found] == ["aes"] * 3 + ["sm"] * 3
    assert [r["sealed"][:3] for r in found] == ["v2:"] * 3 + ["s4:"] * 3  # sealed in the suite too
    # The sm segment continues the aes one: entry 4 follows entry 3's SHA-256 with an SM3 hash.
    assert found[3]["prev_hash"] == found[2]["hash"]
    sealer = Sealer(Settings(var_dir=var).ensure_secret("event"))
    covered = canonical(found[2]["hash"], sealer.open(found[3]["sealed"]))
    assert found[3]["hash"] == sm3(covered).hex() != hashlib.sha256(covered).hexdigest()
    checkpoints = Wiring.of(Settings(var_dir=var)).checkpoint_log().read_all()
    assert [(c["seq"], c["suite"]) for c in checkpoints] == [(3, "aes"), (6, "sm")]
    code, out = verify(capsys)
    assert code == 0 and out["entries_checked"] == 6 and out["last_checkpoint"]["seq"] == 6


def test_an_altered_sm_entry_is_caught(var: Path, capsys: Cap) -> None:
    switched(var)
    # Rewritten by someone holding the event key, validly sealed under sm: only the chain tells.
    sealer = Sealer(Settings(var_dir=var).ensure_secret("event"), suite="sm")
    forged = {**sealer.open(rows(var)[4]["sealed"]), "actor": "mallory"}
    with sqlite3.connect(var / "audit.sqlite") as db:
        db.execute("UPDATE audit_log SET sealed = ? WHERE seq = 5", (sealer.seal(forged),))
    code, out = verify(capsys)
    assert code == 1 and out["entries_checked"] == 4
    assert "entry 5" in out["problem"] and "altered" in out["problem"]


def test_an_entry_relabelled_to_the_other_suite_is_caught(var: Path, capsys: Cap) -> None:
    switched(var)
    with sqlite3.connect(var / "audit.sqlite") as db:
        db.execute("UPDATE audit_log SET suite = 'aes' WHERE seq = 4")
    code, out = verify(capsys)
    assert code == 1 and "entry 4" in out["problem"]


def test_a_dropped_sm_tail_is_caught_by_the_sm_checkpoint(var: Path, capsys: Cap) -> None:
    switched(var)
    with sqlite3.connect(var / "audit.sqlite") as db:
        db.execute("DELETE FROM audit_log WHERE seq > 3")  # back to a self-consistent aes chain
    audit = trail(var, "sm")
    assert audit.verify() == (True, 3, "")  # the chain alone cannot tell
    audit.close()
    code, out = verify(capsys)
    assert code == 1 and "no longer holds" in out["problem"] and out["last_checkpoint"]["seq"] == 3


def test_entries_reordered_across_the_switch_are_caught(var: Path, capsys: Cap) -> None:
    switched(var)
    third, fourth = rows(var)[2:4]
    with sqlite3.connect(var / "audit.sqlite") as db:  # the last aes entry and the first sm one swap
        for seq, row in ((3, fourth), (4, third)):
            db.execute("UPDATE audit_log SET sealed = ?, prev_hash = ?, hash = ?, suite = ? WHERE seq = ?",
                       (row["sealed"], row["prev_hash"], row["hash"], row["suite"], seq))
    code, out = verify(capsys)
    assert code == 1 and "entry 3" in out["problem"]


@pytest.mark.parametrize(("named", "signed", "seq", "problem"), [
    ("aes", "sm", 6, "bad signature"),  # signed with the other suite's MAC than it names
    ("sm", "aes", 6, "bad signature"),
    ("des", "aes", 6, "bad signature"),  # a suite nobody knows
    ("aes", "aes", 2, "entry 2 differs"),  # well signed, naming another head than the entry's
    ("sm", "sm", 2, "entry 2 differs"),
])
def test_a_checkpoint_of_either_suite_is_checked_under_its_own(
    var: Path, capsys: Cap, named: str, signed: str, seq: int, problem: str
) -> None:
    switched(var)
    head = rows(var)[5]["hash"] if seq == 6 else GENESIS
    FileCheckpointLog(var / "audit" / "checkpoints.jsonl").publish(
        {"seq": seq, "head": head, "at": AT, "suite": named,
         "signature": signature(audit_key(var), seq, head, AT, signed)})
    code, out = verify(capsys)
    assert code == 1 and problem in out["problem"]


def test_a_trail_made_before_the_suite_column_gains_it_and_still_verifies(
    var: Path, capsys: Cap
) -> None:
    """A pre-#30 audit_log (no suite column), its entries chained with SHA-256 and checkpoints
    without a suite: the trail's tables add the column ('aes' for each), and verify passes."""
    key = Settings(var_dir=var).ensure_secret("event")
    sealer, prev = Sealer(key), GENESIS
    with sqlite3.connect(var / "audit.sqlite") as db:
        db.execute("CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, case_id TEXT, sealed TEXT NOT NULL,"
                   " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)")
        for seq in (1, 2):
            fields = {"seq": seq, "at": AT, "actor": f"old{seq}", "role": "desk", "action": "x",
                      "resource_type": "r"}
            digest = hashlib.sha256(canonical(prev, fields)).hexdigest()
            assert digest == entry_hash(prev, fields)  # the aes hash is the pre-#30 one, unchanged
            db.execute("INSERT INTO audit_log VALUES (?, NULL, ?, ?, ?)",
                       (seq, sealer.seal(fields), prev, digest))
            prev = digest
    raw = audit_key(var)
    FileCheckpointLog(var / "audit" / "checkpoints.jsonl").publish(
        {"seq": 2, "head": prev, "at": AT, "signature": signature(raw, 2, prev, AT)})  # no suite: aes
    chain(var, "sm", ["newer"])  # opens the old table, adds the column, chains entry 3 under sm
    assert [r["suite"] for r in rows(var)] == ["aes", "aes", "sm"]
    code, out = verify(capsys)
    assert code == 0 and out["entries_checked"] == 3 and out["last_checkpoint"]["seq"] == 3
