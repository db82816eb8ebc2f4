"""App soak: the real app (engine, screens, widgets) headless against the fault server.

    python -m tests.soak_app [--minutes 30] [--seed K]

The app polls ``tests.faultserver`` over real sockets on an ``IoClock`` (virtual time that waits
for real I/O), so 30 minutes pass in a few real ones. Every virtual 10 s a random route starts
failing in a random way (transport faults, impossible values, lying Date headers) or recovers,
snapshots reach the screen, and every minute the detail, headlines or help screen is opened
and closed. RSS (after ``gc.collect()`` and ``malloc_trim``), asyncio tasks, threads and open
file descriptors are measured after a warm-up and at the end, both after a fault-free settle;
the run fails (exit status 1) when any grew past :data:`BOUNDS`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.faultserver import Fault, FaultServer, IoClock, gzip_bomb
from tests.soak import Probe, probe, soak_config, switch_fault
from tui.app import create_app
from tui.data.http import make_client

START = datetime(2026, 2, 3, 14, 30, tzinfo=UTC)
BOUNDS = {"rss_mb": 20.0, "tasks": 0, "threads": 2, "fds": 8}
STEP = 10.0  # virtual seconds between fault switches
SCREEN_EVERY = 6  # steps between screen opens (one a virtual minute)
SCREENS = ("enter", "n", "question_mark")


@dataclass
class AppSoakResult:
    virtual_minutes: float = 0.0
    elapsed: float = 0.0
    requests: int = 0
    faulted: int = 0
    screens_opened: int = 0
    applied: int = 0
    start: Probe | None = None
    end: Probe | None = None
    threads: tuple[int, int] = (0, 0)
    failures: list[str] = field(default_factory=list)


async def soak_app(
    minutes: float = 30.0, seed: int = 1, warmup_minutes: float = 5.0
) -> AppSoakResult:
    result = AppSoakResult()
    rng = random.Random(seed)
    clock = IoClock(START, patience=60.0)
    gzip_bomb()  # built once, like every allocation that is not a leak
    with FaultServer(now=clock.now, max_records=2_000) as server:
        server.stamp = clock.monotonic
        async with make_client(read_timeout=5.0) as client:
            app = create_app(soak_config(server.url), clock=clock, client=client, animate=False)
            async with app.run_test(size=(160, 48)) as pilot:
                while app.engine is None:
                    await pilot.pause(0.05)
                clock.loops = len(app.engine.states)
                opened = 0

                async def run(virtual: float, faults: bool) -> None:
                    nonlocal opened
                    steps = int(virtual // STEP)
                    for step in range(steps):
                        if faults:
                            switch_fault(server, rng)
                        await clock.advance(STEP)
                        await pilot.pause(0.02)  # the app applies the new snapshot
                        if faults and step % SCREEN_EVERY == 0:
                            await pilot.press(SCREENS[opened % len(SCREENS)])
                            await pilot.pause(0.02)
                            await pilot.press("escape")
                            await pilot.pause()
                            opened += 1

                async def settle() -> tuple[Probe, int]:
                    server.clear()
                    await run(120.0, faults=False)
                    await asyncio.sleep(0.3)  # real time: the server notices clients that left
                    await clock.quiesce()
                    return probe(), threading.active_count()

                # Warm-up: every fault once on every route, then random faults and screens.
                for kind in Fault:
                    server.fault_source("yahoo", kind, retry_after=5, nesting=20_000, interval=0.05)
                    await clock.advance(65)
                server.clear()
                await run(warmup_minutes * 60, faults=True)
                result.start, threads_start = await settle()
                requests, faulted, opened = server.request_count, server.faults_served, 0
                began, virtual_began = time.monotonic(), clock.monotonic()
                await run(minutes * 60, faults=True)
                result.elapsed = time.monotonic() - began
                result.virtual_minutes = (clock.monotonic() - virtual_began) / 60
                result.end, threads_end = await settle()
                result.threads = (threads_start, threads_end)
                result.requests = server.request_count - requests
                result.faulted = server.faults_served - faulted
                result.screens_opened = opened
                result.applied = app.applied
                snapshot = app.snapshot
                if snapshot is None or not snapshot.quote_count:
                    result.failures.append("no quotes on screen at the end")
    start, end = result.start, result.end
    assert start is not None and end is not None
    growth = {
        "rss_mb": end.rss_mb - start.rss_mb,
        "tasks": end.tasks - start.tasks,
        "threads": result.threads[1] - result.threads[0],
        "fds": end.fds - start.fds,
    }
    for key, value in growth.items():
        if value > BOUNDS[key]:
            result.failures.append(f"{key} grew {value:+g} (bound {BOUNDS[key]:+g})")
    return result


def table(result: AppSoakResult) -> str:
    start, end = result.start, result.end
    assert start is not None and end is not None
    rows = [
        ("RSS (MB)", f"{start.rss_mb:.1f}", f"{end.rss_mb:.1f}", end.rss_mb - start.rss_mb),
        ("  untrimmed", f"{start.raw_rss_mb:.1f}", f"{end.raw_rss_mb:.1f}", None),
        ("asyncio tasks", str(start.tasks), str(end.tasks), end.tasks - start.tasks),
        ("threads", str(result.threads[0]), str(result.threads[1]), None),
        ("open fds", str(start.fds), str(end.fds), end.fds - start.fds),
    ]
    bounds = dict(zip([r[0] for r in rows], [BOUNDS["rss_mb"], None, 0, 2, 8], strict=True))
    lines = [
        f"marketmon app soak: {result.virtual_minutes:.0f} virtual minutes in "
        f"{result.elapsed:.0f} s, {result.requests} requests ({result.faulted} faulted), "
        f"{result.screens_opened} screens opened and closed, {result.applied} snapshots applied",
        "",
        f"{'':16}{'start':>9}{'end':>9}{'bound':>9}",
    ]
    for name, first, last, _ in rows:
        bound = bounds[name]
        limit = f"+{bound:g}" if bound is not None else ""
        lines.append(f"{name:16}{first:>9}{last:>9}{limit:>9}")
    lines.append("PASS" if not result.failures else "FAIL: " + "; ".join(result.failures))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak_app", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--minutes", type=float, default=30.0, help="virtual minutes measured (30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="virtual warm-up minutes (5)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    result = asyncio.run(soak_app(args.minutes, args.seed, args.warmup))
    print(table(result))
    return 0 if not result.failures else 1


if __name__ == "__main__":
    sys.exit(main())
