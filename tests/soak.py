"""Soak: the real polling engine against the fault server for a long (virtual) time.

    python -m tests.soak [--cycles N] [--seconds S] [--seed K] [--warmup W]

Every provider and the headlines poll ``tests.faultserver`` over real sockets, scheduled by an
``IoClock`` (virtual time that waits for real I/O), so hours of polling pass in a minute. Every
few cycles a random route (Yahoo's chart, Coinbase's products, Binance's ticker or klines,
CoinGecko, gold-api, the feeds) starts failing in a random way or recovers, seeded, so a run can
be repeated. A cycle is one poller woken by the clock, its requests answered and it asleep again.

RSS, asyncio tasks and open file descriptors are measured after a warm-up (every fault on every
route once, then random cycles) and at the end, both after a short fault-free settle (so
connections the client pools and faults the server is still holding do not count), and the run
fails, exit status 1, when they grew past the bounds. RSS is read after ``gc.collect()`` and
glibc's ``malloc_trim(0)``, so memory that was freed but not yet handed back to the system (the
1 MB buffers of refused bodies, say) does not pass for a leak; the untrimmed figure is shown too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.faultserver import ROUTES, SLOW_FAULTS, Fault, FaultServer, IoClock, gzip_bomb
from tui.config import PROVIDER_URLS, Config, _build
from tui.data.factory import build_engine
from tui.data.http import make_client
from tui.data.snapshot import MarketSnapshot

START = datetime(2026, 2, 3, 14, 30, tzinfo=UTC)
BOUNDS = {"rss_mb": 30.0, "tasks": 0, "fds": 8}
SETTLE_CYCLES = 60
SWITCH_EVERY = 10  # cycles between fault changes
PREFIXES = [p for source in ROUTES.values() for p in source]
# Slow faults cost a real deadline (0.5 s) each, so they are drawn less often.
WEIGHTS = {f: (0.15 if f in SLOW_FAULTS else 1.0) for f in Fault}


@dataclass
class Probe:
    rss_mb: float  # after gc and malloc_trim
    tasks: int
    fds: int
    raw_rss_mb: float  # before malloc_trim


@dataclass
class SoakResult:
    cycles: int = 0
    requests: int = 0
    faults_injected: int = 0
    faulted_responses: int = 0
    published: int = 0
    elapsed: float = 0.0
    virtual: float = 0.0
    start: Probe | None = None
    end: Probe | None = None
    counts_at_start: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _malloc_trim() -> None:
    """Hand freed heap pages back to the system (glibc only; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def probe() -> Probe:
    gc.collect()
    raw = rss_mb()
    _malloc_trim()
    return Probe(rss_mb(), len(asyncio.all_tasks()), open_fds(), raw)


def soak_config(url: str) -> Config:
    """All five providers and three feeds at ``url``; crypto falls back down the whole chain."""
    return _build(
        {
            "general": {
                "refresh": 10,
                "timeout": 0.5,
                "max_response_bytes": 1024 * 1024,
                "per_host": 8,
                "backoff_cap": 60,
            },
            "providers": {name: {"base_url": url} for name in PROVIDER_URLS},
            "headlines": {
                "feeds": [f"{url}/rss/{name}.xml" for name in ("markets", "crypto", "metals")],
                "interval": 30,
                "max_items": 100,
            },
            "panes": {
                "indices": {"symbols": ["^GSPC", "^N225", "^FTSE"], "sources": ["yahoo"]},
                "metals": {
                    "symbols": ["GC=F", "SI=F", "XAU", "XAG"],
                    "sources": ["yahoo", "goldapi"],
                },
                "crypto": {
                    "symbols": ["BTC-USD", "ETH-USD", "SOL-USD"],
                    "sources": ["coinbase", "binance", "coingecko", "yahoo"],
                },
            },
        },
        None,
    )


def fault_options(kind: Fault, rng: random.Random) -> dict[str, Any]:
    options: dict[str, Any] = {"nesting": 20_000, "interval": 0.05}
    if kind is Fault.SCHEMA_DRIFT:
        options["drift"] = rng.choice(("missing", "renamed", "wrong_type"))
    elif kind in (Fault.RATE_LIMIT_SECONDS, Fault.RATE_LIMIT_DATE, Fault.TEAPOT):
        options["retry_after"] = rng.choice((5, 30, 90))
    elif kind in (Fault.HUGE_BODY, Fault.GZIP_BOMB):
        options["declare_length"] = rng.random() < 0.2
    return options


def switch_fault(server: FaultServer, rng: random.Random) -> bool:
    """Fault a random route a random way, or let it recover; True when a fault was set."""
    prefix = rng.choice(PREFIXES)
    if rng.random() < 0.35:
        server.clear(prefix)
        return False
    kind = rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
    server.fault(prefix, kind, **fault_options(kind, rng))
    return True


async def soak(
    cycles: int = 20_000,
    seconds: float = 120.0,
    *,
    seed: int = 1,
    warmup: int = 300,
    progress: Callable[[str], None] | None = None,
) -> SoakResult:
    """Run the soak; ``cycles``/``seconds`` bound the measured phase (whichever comes first)."""
    result = SoakResult()
    rng = random.Random(seed)
    clock = IoClock(START, patience=60.0)
    gzip_bomb()  # built once up front, like every other allocation that is not a leak
    published: list[MarketSnapshot] = []

    def publish() -> None:
        result.published += 1
        published[:] = [engine.snapshot()]

    with FaultServer(now=clock.now, max_records=2_000) as server:
        server.stamp = clock.monotonic
        async with make_client(read_timeout=5.0) as client:
            engine = build_engine(
                soak_config(server.url), clock=clock, client=client, rng=random.Random(seed)
            )
            clock.loops = len(engine.states)
            task = asyncio.create_task(engine.run(publish))

            async def run_cycles(n: int, faults: bool, until: float | None = None) -> int:
                done = 0
                while done < n and (until is None or time.monotonic() < until):
                    if task.done():
                        raise RuntimeError(f"the engine stopped: {task.exception()!r}")
                    if faults and done % SWITCH_EVERY == 0 and switch_fault(server, rng):
                        result.faults_injected += 1
                    await clock.step()
                    done += 1
                return done

            async def settle() -> Probe:
                server.clear()
                await run_cycles(SETTLE_CYCLES, faults=False)
                await asyncio.sleep(0.3)  # real time: the server notices clients that left
                await clock.quiesce()
                return probe()

            try:
                # Warm-up: every fault on every route once (so each code path has allocated
                # what it keeps: pools, caches, worker threads, allocator arenas), then random.
                for kind in Fault:
                    for prefix in PREFIXES:
                        options = fault_options(kind, rng)
                        options["retry_after"] = 5
                        server.fault(prefix, kind, **options)
                    await clock.advance(65)  # every loop tries at least once (cap 60 s)
                server.clear()
                await run_cycles(warmup, faults=True)
                result.start = await settle()
                result.counts_at_start = {
                    "requests": server.request_count,
                    "faults": server.faults_served,
                }
                began = time.monotonic()
                virtual_began = clock.monotonic()
                last_report = began
                deadline = began + seconds
                while result.cycles < cycles and time.monotonic() < deadline:
                    chunk = min(500, cycles - result.cycles)
                    result.cycles += await run_cycles(chunk, faults=True, until=deadline)
                    if progress and time.monotonic() - last_report > 10:
                        last_report = time.monotonic()
                        progress(
                            f"  {result.cycles} cycles, {server.request_count} requests, "
                            f"RSS {rss_mb():.1f} MB, {time.monotonic() - began:.0f} s"
                        )
                result.elapsed = time.monotonic() - began
                result.virtual = clock.monotonic() - virtual_began
                result.end = await settle()
                result.requests = server.request_count - result.counts_at_start["requests"]
                result.faulted_responses = server.faults_served - result.counts_at_start["faults"]
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    start, end = result.start, result.end
    assert start is not None and end is not None
    if end.rss_mb - start.rss_mb > BOUNDS["rss_mb"]:
        result.failures.append(f"RSS grew {end.rss_mb - start.rss_mb:+.1f} MB")
    if end.tasks - start.tasks > BOUNDS["tasks"]:
        result.failures.append(f"asyncio tasks grew {end.tasks - start.tasks:+d}")
    if end.fds - start.fds > BOUNDS["fds"]:
        result.failures.append(f"open fds grew {end.fds - start.fds:+d}")
    if published and published[-1].quote_count == 0:
        result.failures.append("no quotes at the end (the engine never recovered)")
    return result


def table(result: SoakResult, seed: int) -> str:
    start, end = result.start, result.end
    assert start is not None and end is not None
    virtual = timedelta(seconds=round(result.virtual))
    lines = [
        f"marketmon soak, seed {seed}: {result.cycles} cycles in {result.elapsed:.1f} s "
        f"(virtual {virtual}), {result.published} snapshots published",
        "",
        f"{'':22}{'start':>10}{'end':>10}{'growth':>10}{'bound':>10}",
        f"{'cycles':22}{0:>10}{result.cycles:>10}",
        f"{'requests':22}{0:>10}{result.requests:>10}",
        f"{'faults injected':22}{0:>10}{result.faults_injected:>10}",
        f"{'faulted responses':22}{0:>10}{result.faulted_responses:>10}",
        f"{'RSS (MB)':22}{start.rss_mb:>10.1f}{end.rss_mb:>10.1f}"
        f"{end.rss_mb - start.rss_mb:>+10.1f}{BOUNDS['rss_mb']:>+10.0f}",
        f"{'  untrimmed':22}{start.raw_rss_mb:>10.1f}{end.raw_rss_mb:>10.1f}"
        f"{end.raw_rss_mb - start.raw_rss_mb:>+10.1f}",
        f"{'asyncio tasks':22}{start.tasks:>10}{end.tasks:>10}"
        f"{end.tasks - start.tasks:>+10d}{BOUNDS['tasks']:>+10d}",
        f"{'open fds':22}{start.fds:>10}{end.fds:>10}"
        f"{end.fds - start.fds:>+10d}{BOUNDS['fds']:>+10d}",
        "",
        "RSS is VmRSS after gc.collect() and malloc_trim(0); untrimmed is before malloc_trim.",
        "PASS" if result.ok else "FAIL: " + "; ".join(result.failures),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cycles", type=int, default=20_000, help="measured cycles (20000)")
    parser.add_argument("--seconds", type=float, default=120.0, help="wall-clock limit (120)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warmup",
        type=int,
        default=300,
        help="random cycles before measuring (300), after every fault once",
    )
    args = parser.parse_args(argv)
    print(
        f"soak: up to {args.cycles} cycles or {args.seconds:g} s after {args.warmup} warm-up "
        f"cycles, seed {args.seed}",
        flush=True,
    )
    result = asyncio.run(
        soak(
            args.cycles,
            args.seconds,
            seed=args.seed,
            warmup=args.warmup,
            progress=lambda line: print(line, flush=True),
        )
    )
    print(table(result, args.seed))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
