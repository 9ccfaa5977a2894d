"""The benchmark's load generator: a process of its own, asyncio on raw HTTP/1.1 keep-alive
connections (no client library's overhead), so the machine's time goes to the stack.

    closed   --url U --token T --clients N --reports M   N clients, each posting when answered
    open     --url U --token T --rate R --seconds S      R reports a second, whatever the answers;
                                                         one JSON line per answer as it arrives
    selftest --rate R --seconds S                        both against a stub server (another
                                                         process): what the generator sustains

Every mode ends with one JSON line {"summary": ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlparse


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def latency_summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "mean_ms": round(statistics.mean(values) * 1000, 1) if values else 0.0}


def report_body() -> bytes:
    """A report about a child no other benchmark report is about (so cases do not join)."""
    return json.dumps({
        "channel": "hotline_12345",
        "reporter": {"name": "李女士", "phone": "13800000000", "relation": "neighbour", "anonymous": False},
        "children": [{"name": f"儿童{uuid.uuid4().hex[:8]}", "gender": "male", "age": 9,
                      "id_number": None}],
        "location": {"region_code": "441823", "address": "某村三巷"},
        "concerns": ["domestic_violence", "serious_injury"],
        "narrative": "孩子被打流血", "immediate_danger": True,
        "occurred_at": "2026-11-28T20:00:00+08:00",
    }, ensure_ascii=False).encode()


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: str):
        self.reader, self.writer, self.url = reader, writer, url
        self.host = urlparse(url).netloc

    @classmethod
    async def open(cls, url: str) -> Connection:
        u = urlparse(url)
        reader, writer = await asyncio.open_connection(u.hostname, u.port or 80)
        return cls(reader, writer, url)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                   f"{head}Content-Length: {len(body)}\r\n\r\n").encode() + body
        for attempt in range(2):
            try:
                self.writer.write(request)
                await self.writer.drain()
                status_line = await self.reader.readline()
            except (ConnectionResetError, BrokenPipeError):  # closed under the request: a reset
                if attempt:
                    raise
                status_line = b""
            if status_line:
                break
            # The server closed an idle keep-alive connection (a FIN read as the answer, or a
            # reset once the request was on its way): again on a new one (the same
            # Idempotency-Key, so never a second report).
            self.writer.close()
            u = urlparse(self.url)
            self.reader, self.writer = await asyncio.open_connection(u.hostname, u.port or 80)
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def headers_for(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}


async def closed(url: str, token: str, clients: int, reports: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    left = [reports]

    async def client() -> None:
        nonlocal errors
        conn = await Connection.open(url)
        while left[0] > 0:
            left[0] -= 1
            started = time.perf_counter()
            status, _ = await conn.post("/v1/reports", report_body(), headers_for(token))
            latencies.append(time.perf_counter() - started)
            errors += status != 201
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    return {"clients": clients, "reports_per_s": round(len(latencies) / wall, 1), "errors": errors,
            **latency_summary(latencies)}


async def open_loop(url: str, token: str, rate: float, seconds: float, emit: bool) -> dict[str, Any]:
    """Reports at fixed times; an answer's connection goes back to the idle ones, a send with
    no idle connection opens another (so a slow answer never delays the next send)."""
    idle: list[Connection] = []
    latencies: list[float] = []
    behind: list[float] = []  # how late each send started against its schedule
    errors = 0
    total = int(rate * seconds)
    begin = time.perf_counter() + 0.2

    async def send(n: int) -> None:
        nonlocal errors
        conn = idle.pop() if idle else await Connection.open(url)
        sent_at, started = time.time(), time.perf_counter()
        behind.append(started - (begin + n / rate))
        status, body = await conn.post("/v1/reports", report_body(), headers_for(token))
        latencies.append(time.perf_counter() - started)
        idle.append(conn)
        if status != 201:
            errors += 1
        elif emit:
            sys.stdout.write(json.dumps({"report_id": json.loads(body)["report_id"], "sent": sent_at}) + "\n")
            sys.stdout.flush()

    tasks = []
    for n in range(total):
        delay = begin + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(n)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    return {"offered_per_s": rate, "seconds": seconds, "sent": total, "errors": errors,
            "connections": len(idle), "max_behind_ms": round(max(behind) * 1000, 1) if behind else 0,
            "post": latency_summary(latencies)}


def stub_server(port: int, ready: Any) -> None:
    """Answers every request at once with a fixed 201 and a fresh report id."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if not line:
                    break
                await reader.readexactly(length)
                body = json.dumps({"report_id": str(uuid.uuid4())}).encode()
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def selftest(rate: float, seconds: float) -> dict[str, Any]:
    port = 18099
    ready = multiprocessing.Event()
    stub = multiprocessing.Process(target=stub_server, args=(port, ready), daemon=True)
    stub.start()
    ready.wait(10)
    url = f"http://127.0.0.1:{port}"
    try:
        opened = asyncio.run(open_loop(url, "stub", rate, seconds, emit=False))
        capacity = asyncio.run(closed(url, "stub", 50, 5000))
    finally:
        stub.terminate()
    achieved = round(opened["sent"] / (seconds + opened["max_behind_ms"] / 1000), 1)
    return {"against": "a stub server in another process", "open": opened,
            "open_achieved_per_s": achieved, "closed_50_clients": capacity,
            "generator_pid": os.getpid()}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["closed", "open", "selftest"])
    p.add_argument("--url", default="")
    p.add_argument("--token", default="")
    p.add_argument("--clients", type=int, default=1)
    p.add_argument("--reports", type=int, default=100)
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--seconds", type=float, default=60.0)
    a = p.parse_args()
    if a.mode == "closed":
        summary = asyncio.run(closed(a.url, a.token, a.clients, a.reports))
    elif a.mode == "open":
        summary = asyncio.run(open_loop(a.url, a.token, a.rate, a.seconds, emit=True))
    else:
        summary = selftest(a.rate, a.seconds)
    sys.stdout.write(json.dumps({"summary": summary}) + "\n")


if __name__ == "__main__":
    main()
