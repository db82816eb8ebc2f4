"""Poll efficiency: one full refresh of the default watchlist against servers on 127.0.0.1
that add 100 ms of latency to every response.

Each provider gets a server of its own (a host:port, so the per-host concurrency limit applies
as it would to the real hosts); the six default feeds share one. Reported: the wall time of a
cold refresh (new connections, nothing cached) and of a warm one (the steady state a running
app sees every refresh), the number of HTTP requests, and the peak number of requests in
flight per host.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.bench.figures import Figure
from tests.faultserver import default_watchlist_config, one_server_per_host
from tui.data.clock import SystemClock
from tui.data.factory import build_engine
from tui.data.http import make_client

LATENCY = 0.1


async def one_run() -> dict[str, float]:
    with one_server_per_host(latency=LATENCY) as servers:
        out: dict[str, float] = {}
        async with make_client(read_timeout=10) as client:
            engine = build_engine(
                default_watchlist_config(servers), clock=SystemClock(), client=client
            )
            for phase in ("cold", "warm"):
                before = {n: s.request_count for n, s in servers.items()}
                opened = sum(s.connections for s in servers.values())
                for s in servers.values():
                    s.peak_in_flight = 0
                start = time.perf_counter()
                snap = await engine.refresh_once()
                out[f"{phase} s"] = time.perf_counter() - start
                out[f"{phase} requests"] = sum(
                    s.request_count - before[n] for n, s in servers.items()
                )
                out[f"{phase} connections"] = sum(s.connections for s in servers.values()) - opened
                out[f"{phase} peak per host"] = max(s.peak_in_flight for s in servers.values())
                out[f"{phase} quotes"] = snap.quote_count
        return out


def run(runs: int = 3, seconds: float = 0.0) -> list[Figure]:
    del seconds
    results = [asyncio.run(one_run()) for _ in range(runs)]

    def values(key: str, scale: float = 1.0) -> list[float]:
        return [r[key] * scale for r in results]

    per_host = Figure(
        "poll",
        "peak requests in flight per host (warm)",
        "requests",
        values("warm peak per host"),
        target=10.0,
        target_text="≤ general.per_host (10)",
    )
    figures = [
        Figure(
            "poll",
            "full refresh, warm (100 ms latency)",
            "ms",
            values("warm s", 1000),
            target=3 * LATENCY * 1000,
            target_text="≤ 3 × latency (300 ms)",
        ),
        Figure(
            "poll",
            "full refresh, cold: new connections, nothing cached",
            "ms",
            values("cold s", 1000),
        ),
        Figure("poll", "HTTP requests per refresh (warm)", "requests", values("warm requests")),
        Figure("poll", "HTTP requests per refresh (cold)", "requests", values("cold requests")),
        Figure(
            "poll",
            "new connections per refresh (warm)",
            "connections",
            values("warm connections"),
            note="kept alive between refreshes (tests/test_keepalive.py: also after 30 s idle)",
        ),
        per_host,
        Figure("poll", "quotes obtained", "quotes", values("warm quotes")),
    ]
    return figures


def _debug() -> Any:  # pragma: no cover - manual use: python -m tests.bench.poll
    print(asyncio.run(one_run()))


if __name__ == "__main__":
    _debug()
