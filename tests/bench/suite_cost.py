"""What the cryptography of one report costs under each suite (contract §14), in µs of CPU per
report, through the product's own classes: its data key made and wrapped under the data key, and
unwrapped; its personal fields sealed and opened under that key; its keyed hashes made (request,
submitter, lookup code, caller, two per child) and, on the reading side, a lookup of its caller
and child in both families (matching across a switch); its first event's stored state encrypted
and decrypted (RotatingCipher); one audit entry sealed and chained, then opened and checked.
No I/O: the store's own cost is the pipeline bench's. Part of `make bench`; alone:

    .venv/bin/python -m tests.bench.suite_cost [--reports 1000 --rounds 5]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from eventsourcing.utils import Environment

from services.audit.chain import GENESIS, entry_hash
from services.common.crypto import SUITE_ENV, Hasher, RotatingCipher, Sealer
from services.common.suites import SUITES
from tests.helpers import report_body

OUT = Path(__file__).resolve().parents[2] / "var" / "bench"
PARTS = ("data key", "fields", "keyed hashes", "event", "audit entry")


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class Report:
    """One report's cryptographic work under one suite, each part timed apart."""

    def __init__(self, suite: str):
        self.suite = suite
        self.kek = Sealer(_key(), suite=suite)
        self.hasher = Hasher(_key(), suite)
        self.receipts = Hasher(_key(), suite)
        self.cipher = RotatingCipher(Environment(env={"CIPHER_KEY": _key(), SUITE_ENV: suite}))
        self.audit = Sealer(_key(), suite=suite)
        body = report_body()
        self.pii = {"reporter": {k: body["reporter"][k] for k in ("name", "phone")},
                    "children": [{k: c[k] for k in ("name", "id_number")} for c in body["children"]],
                    "address": body["location"]["address"], "narrative": body["narrative"] * 20}
        self.body, self.child = body, {**body["children"][0]}

    def seal(self, n: int, t: dict[str, float]) -> dict[str, Any]:
        """What filing does: every part once, timed into t (ns)."""
        owner = f"report-{n}"
        now = time.perf_counter_ns
        a = now()
        dek = base64.b64encode(os.urandom(32)).decode()
        wrapped = self.kek.seal(dek, context=f"data-key:{owner}")
        b = now()
        sealed = Sealer(dek, context=f"report:{owner}", suite=self.suite).seal(self.pii)
        c = now()
        self.receipts.digest("request", "0" * 64)
        self.receipts.short("submitter", "operator1", 32)
        self.receipts.lookup_code(f"R-{n}")
        self.hasher.digest("caller-phone", self.body["reporter"]["phone"])
        self.hasher.child_keys(self.child, self.body["location"]["region_code"])
        d = now()
        state = zlib.compress(json.dumps({"pii": sealed, **self.body}, ensure_ascii=False).encode())
        d2 = now()  # the mapper's serialising and compressing are not cryptography
        stored = self.cipher.encrypt(state)
        e = now()
        entry = {"seq": n, "at": "2026-12-02T10:00:00+00:00", "actor": "operator1", "role": "operator",
                 "action": "report.submit", "resource_type": "report", "resource_id": owner}
        row = (self.audit.seal(entry), entry_hash(GENESIS, entry, self.suite))
        f = now()
        for part, spent in zip(PARTS, (b - a, c - b, d - c, e - d2, f - e), strict=True):
            t[part] += spent
        return {"owner": owner, "wrapped": wrapped, "sealed": sealed, "stored": stored, "state": state,
                "row": row}

    def open(self, kept: dict[str, Any], t: dict[str, float]) -> None:
        """What reading it back does: every sealed part opened (and the audit hash checked)."""
        now = time.perf_counter_ns
        a = now()
        dek = self.kek.open(kept["wrapped"], context=f"data-key:{kept['owner']}")
        b = now()
        Sealer(dek, context=f"report:{kept['owner']}", suite=self.suite).open(kept["sealed"])
        c = now()
        # Lookups ask both families (matching across a switch): the caller's and the child's.
        self.hasher.digests("caller-phone", self.body["reporter"]["phone"])
        self.hasher.every_child_key(self.child, self.body["location"]["region_code"])
        d = now()
        assert self.cipher.decrypt(kept["stored"]) == kept["state"]
        e = now()
        sealed, digest = kept["row"]
        assert entry_hash(GENESIS, self.audit.open(sealed), self.suite) == digest
        f = now()
        for part, spent in zip(PARTS, (b - a, c - b, d - c, e - d, f - e), strict=True):
            t[part] += spent


def one_round(suite: str, reports: int) -> tuple[dict[str, float], dict[str, float]]:
    """µs per report of each part, sealing and opening."""
    work = Report(suite)
    sealing, opening = dict.fromkeys(PARTS, 0.0), dict.fromkeys(PARTS, 0.0)
    kept = [work.seal(n, sealing) for n in range(reports)]
    for item in kept:
        work.open(item, opening)
    per = 1000.0 * reports
    return {k: v / per for k, v in sealing.items()}, {k: v / per for k, v in opening.items()}


def _median(results: list[tuple[dict[str, float], dict[str, float]]], side: int, part: str) -> float:
    return round(statistics.median(r[side][part] for r in results), 1)


def measure(reports: int = 1000, rounds: int = 5) -> dict[str, Any]:
    """The median of `rounds` rounds (the suites alternate, after one warm round each)."""
    runs: dict[str, list[tuple[dict[str, float], dict[str, float]]]] = {s: [] for s in SUITES}
    for suite in SUITES:
        one_round(suite, max(50, reports // 10))
    for _ in range(rounds):
        for suite in SUITES:
            runs[suite].append(one_round(suite, reports))
    out: dict[str, Any] = {"reports_per_round": reports, "rounds": rounds, "unit": "µs per report"}
    for suite, results in runs.items():
        seal = {part: _median(results, 0, part) for part in PARTS}
        opened = {part: _median(results, 1, part) for part in PARTS}
        out[suite] = {"algorithms": SUITES[suite].label, "seal": seal, "open": opened,
                      "seal_total": round(sum(seal.values()), 1),
                      "open_total": round(sum(opened.values()), 1)}
    out["sm_over_aes"] = {k: round(out["sm"][k] / out["aes"][k], 2) for k in ("seal_total", "open_total")}
    return out


def lines(result: dict[str, Any]) -> list[str]:
    """The printout: one line per part, both suites side by side."""
    text = [f"crypto per report (µs, median of {result['rounds']} × {result['reports_per_round']}):"
            f" {'aes seal':>9} {'sm seal':>9} {'aes open':>9} {'sm open':>9}"]
    for part in PARTS:
        cells = [result[s]["seal"][part] for s in ("aes", "sm")]
        cells += [result[s]["open"][part] for s in ("aes", "sm")]
        text.append(f"  {part:<16}" + "".join(f" {c:>9.1f}" for c in cells))
    totals = [result[s][k] for k in ("seal_total", "open_total") for s in ("aes", "sm")]
    text.append(f"  {'total':<16}" + "".join(f" {c:>9.1f}" for c in totals))
    ratio = result["sm_over_aes"]
    text.append(f"  sm / aes: seal {ratio['seal_total']}×, open {ratio['open_total']}×")
    return text


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    result = {"command": "python -m tests.bench.suite_cost " + " ".join(sys.argv[1:]),
              **measure(args.reports, args.rounds)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "suites.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    sys.stderr.write("\n".join(lines(result)) + "\n")
    sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
