"""`make chaos`'s receiver faults (#25, contract §11), all at once for the whole run: each unit the
stream reaches has a live receiver first on its roster and a faulty one second (police: down,
hospital: answering after 30 s, civil affairs: redirecting), and the supervisors' webhook is down;
every referral is reminded and escalated (nobody acknowledges), so the faulty ones pile up
failing deliveries. The figures: for the live receivers, report-dispatch to delivery p50/p99 and
the deliveries missed (must be 0)."""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime
from typing import Any

import httpx
import psycopg

from tests.receiver import Receiver

SECRET = "chaos-webhook-secret-0000001"
UNITS = ("police-441823", "hospital-441823", "civil-441823")


def dead_url(path: str) -> str:
    """An address nothing listens on: the connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{path}"


SUPERVISORS = dead_url("supervisors")


class ReceiverFaults:
    def __init__(self) -> None:
        self.live, self.slow, self.moved = Receiver(), Receiver(), Receiver()
        self.slow.delay = 30.0
        self.moved.location = self.live.hook("followed-a-redirect")
        self.faulty = {"police-441823": dead_url("down"), "hospital-441823": self.slow.hook("slow"),
                       "civil-441823": self.moved.hook("moved")}

    def rosters(self, api: str, token: str) -> None:
        for unit in UNITS:
            r = httpx.put(f"{api}/v1/agencies/{unit}/oncall", headers={"Authorization": f"Bearer {token}"},
                          json={"contacts": [{"name": "值班员", "webhook_url": self.live.hook(unit)},
                                             {"name": "备班", "webhook_url": self.faulty[unit]}],
                                "secret": SECRET}, timeout=30)
            r.raise_for_status()

    def figures(self, db_url: str, api: str, token: str, wait: float = 90) -> dict[str, Any]:
        """Once every referral's dispatch has reached its live receiver (or `wait` is over)."""
        deadline = time.monotonic() + wait
        while True:
            with psycopg.connect(db_url) as conn:
                rows = conn.execute("SELECT referral_id, agency_id, dispatched_ts FROM view_referrals"
                                    " WHERE agency_id = ANY(%s)", (list(UNITS),)).fetchall()
            owed = {rid: (unit, float(ts)) for rid, unit, ts in rows}
            with self.live.lock:
                got = [g for g in self.live.got if g["taken"]]
            taken: dict[str, list[float]] = {}
            raised: dict[tuple[str, str], int] = {}  # (referral, level) → raises taken
            for g in got:
                p = json.loads(g["body"])
                if p.get("event") == "referral.dispatched" and g["path"] == f"/{p['agency_id']}":
                    taken.setdefault(p["referral_id"], []).append(g["at"])
                if p.get("event") == "referral.raised" and g["path"] == f"/{p['agency_id']}":
                    key = (p["referral_id"], p["risk_level"])
                    raised[key] = raised.get(key, 0) + 1
            missed = [rid for rid in owed if rid not in taken]
            if not missed or time.monotonic() > deadline:
                break
            time.sleep(1)
        seconds = sorted(min(at) - owed[rid][1] for rid, at in taken.items() if rid in owed)
        health = _health(api, token)
        return {
            "referrals": len(owed), "delivered": len(seconds), "missed": len(missed),
            "repeated": sum(len(at) - 1 for at in taken.values()),
            "raised_told": len(raised), "raised_repeated": sum(n - 1 for n in raised.values()),
            "p50_s": round(_quantile(seconds, 0.5), 2), "p99_s": round(_quantile(seconds, 0.99), 2),
            "max_s": round(seconds[-1], 2) if seconds else None,
            "redirects_followed": len([g for g in self.live.got if g["path"] == "/followed-a-redirect"]),
            "faulty_attempts_seen": {"slow (30 s)": len(self.slow.got), "redirecting": len(self.moved.got)},
            "pending": {row["agency_id"]: {r["contact"]: r["pending"] for r in row["receivers"]}
                        for row in health if row["agency_id"] in (*UNITS, "supervisors")},
            "at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }

    def close(self) -> None:
        for receiver in (self.live, self.slow, self.moved):
            receiver.close()


def _health(api: str, token: str, tries: int = 10) -> list[dict[str, Any]]:
    """The notifier's health view; a refusal or an unready API is retried, then said with its
    status and body (a chaos run once ended on a health answer that was not the list)."""
    r = None
    for _ in range(tries):
        r = httpx.get(f"{api}/v1/notifications/health", headers={"Authorization": f"Bearer {token}"},
                      timeout=30)
        if r.status_code == 200 and isinstance(r.json(), list):
            return r.json()  # type: ignore[no-any-return]
        time.sleep(3)
    assert r is not None
    raise RuntimeError(f"GET /v1/notifications/health answered {r.status_code}: {r.text[:300]}")


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")
