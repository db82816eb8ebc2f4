"""Upstream etiquette: what marketmon costs an upstream, and what one bad request costs the rest.

Three figures, against the fault server on 127.0.0.1 (real sockets, the real engine):

- requests per refresh for 19, 100 and 500 Yahoo symbols (a warm refresh of ``refresh_once``;
  before spark it was one v8 chart per symbol: n requests). Target ⌈n/20⌉ + 2;
- requests reaching the Yahoo host within ``Retry-After`` (120 s) after its host-wide 429, with
  the engine refreshing every 5 s of virtual time for 300 s. Target 0. Requests that waited
  for the pause to end (it ended within their deadline) leave through the token bucket: the
  most requests in any one second after it lifted is reported too (budget 60 a minute);
- the interval achieved by healthy symbols (gold-api, one request per metal, refresh 2 s) while
  one metal's request drips a byte a second to its 4 s deadline, in real time. Target: their
  own interval (2 s; before per-symbol scheduling it was the deadline plus the interval).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from itertools import pairwise
from typing import Any

from tests.bench.figures import Figure
from tests.faultserver import Fault, FaultServer
from tui.config import Config, _build
from tui.data.clock import SystemClock, VirtualClock
from tui.data.factory import build_engine
from tui.data.http import make_client

SIZES = (19, 100, 500)
RETRY_AFTER = 120.0
DRIP_REFRESH = 2.0
DRIP_DEADLINE = 4.0
DRIP_SECONDS = 16.0


def yahoo_config(url: str, n: int, *, budget: float, refresh: float = 10.0) -> Config:
    """``n`` Yahoo symbols: n - 2 indices, one metal future and one crypto, all on ``url``."""
    indices = [f"IDX{i:03d}.X" for i in range(n - 2)]
    return _build(
        {
            "general": {"refresh": refresh},
            "providers": {"yahoo": {"base_url": url, "max_requests_per_minute": budget}},
            "headlines": {"feeds": []},
            "panes": {
                "indices": {"symbols": indices, "sources": ["yahoo"]},
                "metals": {"symbols": ["GC=F"], "sources": ["yahoo"]},
                "crypto": {"symbols": ["BTC-USD"], "sources": ["yahoo"]},
            },
        },
        None,
    )


async def requests_per_refresh(n: int) -> tuple[int, int]:
    """(requests of a warm refresh, quotes obtained) for ``n`` Yahoo symbols."""
    with FaultServer() as server:
        async with make_client() as client:
            # A budget this high never delays: the figure is the count, not the pacing.
            config = yahoo_config(server.url, n, budget=1e6)
            engine = build_engine(config, clock=SystemClock(), client=client)
            await engine.refresh_once()
            before = server.request_count
            snap = await engine.refresh_once()
            return server.request_count - before, snap.quote_count


async def requests_within_retry_after() -> tuple[int, int, int]:
    """(requests within Retry-After after the 429, requests after it lifted, the most of
    those in one second)."""
    clock = VirtualClock()
    with FaultServer(now=clock.now) as server:
        server.stamp = clock.monotonic
        async with make_client() as client:
            engine = build_engine(
                yahoo_config(server.url, 100, budget=60.0), clock=clock, client=client
            )
            await engine.refresh_once()
            server.fault_host(Fault.RATE_LIMIT_SECONDS, retry_after=RETRY_AFTER)
            limited_at: float | None = None
            for _ in range(60):  # 300 s of virtual time, a refresh every 5 s
                clock.advance(5.0)
                await _refresh_in_virtual_time(engine, clock)
                if limited_at is None:
                    hits = [r.stamp for r in server.requests if r.fault is not None]
                    if hits and hits[0] is not None:
                        limited_at = hits[0]
                        server.clear()  # the upstream would answer again after Retry-After
            assert limited_at is not None
            stamps = [r.stamp for r in server.requests if r.stamp is not None]
            within = [s for s in stamps if limited_at < s < limited_at + RETRY_AFTER]
            after = [s for s in stamps if s >= limited_at + RETRY_AFTER]
            # The release: the first 5 s after the pause (later, a refresh's burst of 5 is
            # what the bucket, 10 s of budget, is for).
            lifted = limited_at + RETRY_AFTER
            per_second: dict[int, int] = {}
            for stamp in after:
                if stamp < lifted + 5.0:
                    second = math.floor(stamp - lifted)
                    per_second[second] = per_second.get(second, 0) + 1
            return len(within), len(after), max(per_second.values(), default=0)


async def _refresh_in_virtual_time(engine: Any, clock: VirtualClock) -> None:
    """One refresh; whatever in it waits for virtual time (a token, the end of a pause) is
    served by moving the clock on in 0.25 s steps whenever no real I/O has finished for 20 ms."""
    task = asyncio.create_task(engine.refresh_once())
    while not task.done():
        await asyncio.sleep(0.02)
        if not task.done() and clock.parked:
            await clock.run_for(0.25)
    await task


async def healthy_interval_while_one_drips() -> dict[str, list[float]]:
    """Gaps between polls of each healthy gold-api metal while XPT drips to its deadline."""
    with FaultServer() as server:
        server.stamp = time.monotonic
        server.fault("/price/XPT", Fault.SLOW_DRIP, interval=1.0)
        config = _build(
            {
                "general": {"refresh": DRIP_REFRESH, "timeout": DRIP_DEADLINE},
                # 4 metals every 2 s is 120 a minute: above gold-api's default budget (30),
                # which would pace them; the figure is about scheduling, not the budget.
                "providers": {"goldapi": {"base_url": server.url, "max_requests_per_minute": 600}},
                "headlines": {"feeds": []},
                "panes": {
                    "indices": {"symbols": ["XAU"], "sources": ["goldapi"]},
                    "metals": {"symbols": ["XAG", "XPT", "XPD"], "sources": ["goldapi"]},
                    "crypto": {"symbols": ["XAU"], "sources": ["goldapi"]},
                },
            },
            None,
        )
        async with make_client() as client:
            engine = build_engine(config, clock=SystemClock(), client=client)
            task = asyncio.create_task(engine.run(lambda: None))
            await asyncio.sleep(DRIP_SECONDS)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        out: dict[str, list[float]] = {}
        for metal in ("XAU", "XAG", "XPD", "XPT"):
            times = sorted(
                r.stamp for r in server.requests if r.path == f"/price/{metal}" and r.stamp
            )
            out[metal] = [b - a for a, b in pairwise(times)]
        return out


def run(runs: int = 3, seconds: float = 0.0) -> list[Figure]:
    del seconds
    figures: list[Figure] = []
    for n in SIZES:
        results = [asyncio.run(requests_per_refresh(n)) for _ in range(runs)]
        target = math.ceil(n / 20) + 2
        figures.append(
            Figure(
                "etiquette",
                f"requests per refresh, {n} Yahoo symbols (was {n})",
                "requests",
                [float(r[0]) for r in results],
                target=float(target),
                target_text=f"≤ ⌈n/20⌉ + 2 ({target})",
                note=f"quotes obtained: {results[0][1]}",
            )
        )
    limited = [asyncio.run(requests_within_retry_after()) for _ in range(runs)]
    figures.append(
        Figure(
            "etiquette",
            f"requests to the host within Retry-After ({RETRY_AFTER:g} s) after its 429",
            "requests",
            [float(w) for w, _, _ in limited],
            target=0.0,
            target_text="0",
            note=f"requests after it lifted (recovery): {[a for _, a, _ in limited]}",
        )
    )
    figures.append(
        Figure(
            "etiquette",
            "most requests in one second of the 5 s after the pause lifted (60/min, 5 batches)",
            "requests",
            [float(b) for _, _, b in limited],
            target=2.0,
            target_text="≤ 2 (paced by the bucket, no burst)",
        )
    )
    drips = [asyncio.run(healthy_interval_while_one_drips()) for _ in range(max(1, runs - 2))]
    healthy = [g for d in drips for m in ("XAU", "XAG", "XPD") for g in d[m]]
    dripping = [g for d in drips for g in d["XPT"]]
    figures.append(
        Figure(
            "etiquette",
            f"healthy symbols' interval while one drips to its {DRIP_DEADLINE:g} s deadline",
            "s",
            healthy,
            target=DRIP_REFRESH * 1.1,
            target_text=f"their own interval ({DRIP_REFRESH:g} s)",
            note=(
                f"the dripping symbol's own gaps: median "
                f"{statistics.median(dripping) if dripping else float('nan'):.1f} s"
            ),
        )
    )
    return figures


def _debug() -> Any:  # pragma: no cover - manual use: python -m tests.bench.etiquette
    for figure in run(runs=1):
        print(figure.name, figure.median, figure.note)


if __name__ == "__main__":
    _debug()
