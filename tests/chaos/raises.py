"""A supervisor's raises in the stream of `make chaos`: about one orange case in ten is raised to
red a moment after its report is accepted (each retried until 202, through every fault), so the
raise that re-times a waiting referral is held under faults too; and the proof after the stream
that each raised case's referrals are red in the view and no referral was raised twice."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

REASON = "chaos: raised to red"


def chosen(report_id: str, kind: str) -> bool:
    """The orange reports whose case is raised: one in ten, by the report's id (no state)."""
    return kind == "orange" and int(report_id.replace("-", "")[:8], 16) % 10 == 0


@dataclass
class Raises:
    url: str
    operator: str  # a token: whose report, which case
    supervisor: str  # a token: the raise
    accepted: dict[str, tuple[str, float]]  # the stream's accepted reports (report id → kind, when)
    flowing: threading.Event  # cleared while the suite checks the system at rest
    stop: threading.Event = field(default_factory=threading.Event)
    raised: dict[str, str] = field(default_factory=dict)  # case id → report id
    statuses: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    _done: set[str] = field(default_factory=set)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=15) as client:
            while not self.stop.is_set() or self._owed():
                owed = self._owed()
                if not owed:
                    time.sleep(0.5)
                    continue
                self.flowing.wait()
                report_id = owed[0]
                case_id = self._case(client, report_id)
                if case_id is not None:
                    self._raise(client, case_id)
                    self.raised[case_id] = report_id
                self._done.add(report_id)

    def _owed(self) -> list[str]:
        return [rid for rid, (kind, _) in list(self.accepted.items())
                if chosen(rid, kind) and rid not in self._done]

    def _case(self, client: httpx.Client, report_id: str) -> str | None:
        """The report's case once triage has opened it (polled through faults, up to 10 minutes)."""
        for _ in range(3000):
            try:
                r = client.get(f"/v1/reports/{report_id}",
                               headers={"Authorization": f"Bearer {self.operator}"})
                if r.status_code == 200 and r.json().get("case_id"):
                    return str(r.json()["case_id"])
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return None

    def _raise(self, client: httpx.Client, case_id: str) -> None:
        """POST the raise until it is accepted; a repeat after a lost answer raises nothing twice."""
        for _ in range(3000):
            try:
                r = client.post(f"/v1/cases/{case_id}/reassessments",
                                json={"risk_level": "red", "reason": REASON},
                                headers={"Authorization": f"Bearer {self.supervisor}"})
                status = str(r.status_code)
            except httpx.HTTPError:
                r, status = None, "no answer"
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if r is not None and r.status_code == 202:
                return
            if r is not None and r.status_code >= 500 and r.status_code != 503:
                self.server_errors += 1
            time.sleep(0.2)
        raise RuntimeError("a raise was never accepted")


def raised_twice(db_url: str) -> int:
    """Referrals with more than one Raised event: every raise here is to red, once."""
    with psycopg.connect(db_url) as conn:
        return int(conn.execute("SELECT count(*) FROM (SELECT originator_id FROM dispatch_events"
                                " WHERE topic LIKE %s GROUP BY originator_id HAVING count(*) > 1) r",
                                ("%Referral.Raised",)).fetchone()[0])  # type: ignore[index]


def figures(db_url: str, raises: Raises) -> dict[str, Any]:
    """After the stream: each raised case's referrals red in the view (none left at their old level),
    one Raised event for each referral raised, none twice."""
    cases = list(raises.raised)
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT case_id, referral_id, risk_level FROM view_referrals"
                            " WHERE case_id = ANY(%s)", (cases,)).fetchall()
        events = int(conn.execute("SELECT count(*) FROM dispatch_events WHERE topic LIKE %s",
                                  ("%Referral.Raised",)).fetchone()[0])  # type: ignore[index]
    return {"cases_raised": len(cases), "referrals": len(rows),
            "not_red_in_view": sum(1 for _, _, level in rows if level != "red"),
            "raised_events": events, "raised_twice": raised_twice(db_url),
            "statuses": raises.statuses, "server_errors": raises.server_errors}
