"""The Redis share: upstream load with many viewers, failover, delivery delay, viewer footprint.

All against a real ``redis-server`` on a free loopback port (tests/redis_server.py):

* **upstream requests per minute** with 1, 4 and 16 viewers behind one fetcher (target: flat,
  equal to one instance on its own, the floor). The instances are share nodes in this process,
  each with its own engine and its own httpx client, polling the fault server
  (tests/faultserver.py, one server per provider host) at ``refresh = 5`` for ``WINDOW``
  seconds; every request any server receives is counted, start-up included. For comparison,
  4 instances *without* the share.
* **failover after SIGKILL**: two ``marketmon serve --demo`` processes (default lease 15 s);
  the fetcher is killed at points spread evenly over its renewal cycle (run i of n at
  (i + 0.5)/n of the 5 s between renewals); the figure is the time from the kill to the first
  snapshot the other one publishes (read from the channel), and how long after the dead
  fetcher's lease expired the other one took it.
* **fetch → viewer delay**: a fetcher node and a viewer app (Textual, headless) in one
  process; the fetcher is woken every second; per snapshot, the time from the fetcher's
  publish to the viewer decoding it, and to the viewer's screen applying it (which includes
  the app's 0.25 s coalescing of updates, on purpose).
* **viewer steady CPU and RSS**: ``marketmon --demo --share URL`` as a viewer (with a
  ``serve --demo`` fetcher) under a pty of its own at 160x48, against ``marketmon --demo`` on
  its own, CPU between 5 s and ``FOOT_SECONDS``, RSS at the end.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import redis

from tests.bench.figures import Figure
from tests.bench.footprint import (
    MARKETMON_PRICES,
    AppConfig,
    PtySession,
    cpu_seconds,
    rss_mb,
)
from tests.faultserver import default_watchlist_config, one_server_per_host
from tests.redis_server import RedisServer, redis_server
from tui.config import Config, default_config, with_share
from tui.data.clock import SystemClock
from tui.data.factory import build_engine
from tui.data.http import make_client
from tui.data.share import ShareNode
from tui.data.share_lock import LocalLock
from tui.data.share_wire import Verdict, desk_keys, read_message

WINDOW = 15.0
VIEWERS = (1, 4, 16)
FOOT_SECONDS = 30.0
ROOT = Path(__file__).resolve().parents[2]


def _log(message: str) -> None:
    print(f"  share: {message}", file=sys.stderr, flush=True)


# --- upstream requests ----------------------------------------------------------------------


async def _requests_per_minute(instances: int, url: str | None, lock_dir: Path) -> float:
    with one_server_per_host() as servers:
        base = default_watchlist_config(servers)
        config: Config = replace(base, general=replace(base.general, refresh=5.0))
        if url is not None:
            config = with_share(config, url)
        clients = [make_client(read_timeout=10) for _ in range(instances)]
        tasks: list[asyncio.Task[None]] = []
        nodes: list[ShareNode] = []
        clock = SystemClock()
        start_count = sum(s.request_count for s in servers.values())
        for client in clients:
            engine = build_engine(config, clock=clock, client=client)
            if url is None:
                tasks.append(asyncio.create_task(engine.run(lambda: None)))
            else:
                keys = desk_keys(config, demo=False, seed=7, scenario="selloff")
                node = ShareNode(url, keys, engine, clock, lock=LocalLock(keys.desk, lock_dir))
                nodes.append(node)
                tasks.append(asyncio.create_task(node.run()))
        await asyncio.sleep(WINDOW)
        count = sum(s.request_count for s in servers.values()) - start_count
        if nodes:
            fetching = sum(n.fetching for n in nodes)
            if fetching != 1:
                _log(f"warning: {fetching} instances fetching")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.aclose()
        return count * 60.0 / WINDOW


def upstream_figures(server: RedisServer, runs: int) -> list[Figure]:
    lock_dir = Path(tempfile.mkdtemp(prefix="marketmon-bench-lock-"))
    floor = [asyncio.run(_requests_per_minute(1, None, lock_dir)) for _ in range(runs)]
    _log(f"1 instance alone: {statistics.median(floor):.0f} requests/min")
    figures = []
    for viewers in VIEWERS:
        values = []
        for _ in range(runs):
            server.stop()  # a fresh Redis each run: no lease or snapshot left from the last
            server.start()
            values.append(asyncio.run(_requests_per_minute(viewers + 1, server.url, lock_dir)))
        _log(f"fetcher + {viewers} viewers: {statistics.median(values):.0f} requests/min")
        figures.append(
            Figure(
                "share",
                f"upstream requests/min, fetcher + {viewers} viewer(s), refresh 5 s",
                "req/min",
                values,
                floor=statistics.median(floor),
                target=statistics.median(floor) * 1.1,
                target_text="flat: ≤ 1.1 × one instance alone",
            )
        )
    alone4 = [asyncio.run(_requests_per_minute(4, None, lock_dir))]
    figures.append(
        Figure(
            "share",
            "upstream requests/min, 4 instances without the share (for comparison)",
            "req/min",
            alone4,
            floor=statistics.median(floor),
        )
    )
    return figures


# --- failover ---------------------------------------------------------------------------------


def _serve(config_path: Path, lock_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(lock_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--config", str(config_path), "serve", "--demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )


def _wait(predicate: object, timeout: float) -> float:
    start = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - start > timeout:
            raise TimeoutError("share bench: timed out")
        time.sleep(0.02)
    return time.monotonic() - start


def failover_once(server: RedisServer, folder: Path, phase: float) -> tuple[float, float, float]:
    """Kill the fetcher ``phase`` (0-1) of the way through its renewal cycle; returns seconds
    from the SIGKILL to the next fetcher's first snapshot, to it holding the lease, and the
    lease's remaining time at the kill (what any lease-based takeover must wait)."""
    config_path = folder / "serve.toml"
    config_path.write_text(f'[share]\nredis = "{server.url}"\n')
    keys = desk_keys(
        with_share(default_config(), server.url), demo=True, seed=7, scenario="selloff"
    )
    client = redis.Redis.from_url(server.url)
    a = _serve(config_path, folder)
    b: subprocess.Popen[bytes] | None = None
    try:
        _wait(lambda: (client.get(keys.lease) or b"").find(f":{a.pid}:".encode()) >= 0, 30)
        b = _serve(config_path, folder)
        time.sleep(4)  # b starts and follows
        pubsub = client.pubsub()
        pubsub.subscribe(keys.channel)
        renew_ms = 15_000 / 3
        kill_at = 15_000 - phase * renew_ms  # the lease's remaining ms when it is killed
        _wait(lambda: abs(int(client.pttl(keys.lease)) - kill_at) < 40, 15)
        left = int(client.pttl(keys.lease)) / 1000
        killed = time.monotonic()
        a.send_signal(signal.SIGKILL)
        a.wait(5)
        held = first = None
        while time.monotonic() - killed < 30 and first is None:
            message = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.02)
            now = time.monotonic()
            if held is None and f":{b.pid}:".encode() in (client.get(keys.lease) or b""):
                held = now - killed
            if message and read_message(message["data"]).verdict is Verdict.SNAPSHOT:
                first = now - killed
        pubsub.close()
        if first is None or held is None:
            raise TimeoutError("no failover within 30 s")
        return first, held, left
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
        client.delete(keys.lease, keys.last)
        client.close()


def failover_figures(server: RedisServer, runs: int) -> list[Figure]:
    folder = Path(tempfile.mkdtemp(prefix="marketmon-bench-failover-"))
    # kills spread evenly over the renewal cycle: just after a renewal ... just before the next
    results = [failover_once(server, folder, (i + 0.5) / runs) for i in range(runs)]
    _log(f"failover (first snapshot, lease taken, lease left at the kill): {results}")
    return [
        Figure(
            "share",
            "failover: SIGKILL of the fetcher → first snapshot of the next (lease 15 s)",
            "s",
            [r[0] for r in results],
            target=15.0,
            target_text="≤ lease (15 s)",
        ),
        Figure(
            "share",
            "failover: SIGKILL of the fetcher → lease taken by the next",
            "s",
            [r[1] for r in results],
        ),
        Figure(
            "share",
            "failover: lease taken, after the dead fetcher's lease expired",
            "ms",
            [(r[1] - r[2]) * 1000 for r in results],
        ),
    ]


# --- fetch → viewer delay -----------------------------------------------------------------------


async def _delays(url: str, samples: int, lock_dir: Path) -> tuple[list[float], list[float]]:
    from tui.app import create_app

    config = with_share(default_config(), url)
    clock = SystemClock()
    keys = desk_keys(config, demo=True, seed=7, scenario="selloff")
    engine = build_engine(config, clock=clock, demo=True)
    fetcher = ShareNode(url, keys, engine, clock, lock=LocalLock(keys.desk, lock_dir))
    published: dict[object, float] = {}
    original_publish = fetcher._publish

    async def publish(client: object, snapshot: object) -> bool:
        published[snapshot.generated_at] = time.perf_counter()  # type: ignore[attr-defined]
        return await original_publish(client, snapshot)  # type: ignore[arg-type]

    fetcher._publish = publish  # type: ignore[method-assign]
    task = asyncio.create_task(fetcher.run())
    while fetcher.published == 0:
        await asyncio.sleep(0.05)
    app = create_app(config, demo=True, animate=False)
    decoded: list[float] = []
    shown: list[float] = []
    async with app.run_test(size=(160, 48)):
        while app.share is None or app.snapshot is None:
            await asyncio.sleep(0.05)
        node = app.share
        original_receive = node._receive

        def receive(data: object, *, initial: bool = False) -> None:
            original_receive(data, initial=initial)
            sent = published.get(node.current.generated_at) if node.current else None
            if sent is not None and not initial:
                decoded.append(time.perf_counter() - sent)

        node._receive = receive  # type: ignore[method-assign]
        original_apply = app.main_screen.apply

        def apply(snapshot: object) -> int:
            touched = original_apply(snapshot)  # type: ignore[arg-type]
            sent = published.pop(snapshot.generated_at, None)  # type: ignore[attr-defined]
            if sent is not None:
                shown.append(time.perf_counter() - sent)
            return touched

        app.main_screen.apply = apply  # type: ignore[method-assign]
        published.clear()
        for _ in range(samples):
            engine.wake_all()
            await asyncio.sleep(1.0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return decoded, shown


def delay_figures(server: RedisServer, runs: int) -> list[Figure]:
    lock_dir = Path(tempfile.mkdtemp(prefix="marketmon-bench-lock-"))
    decoded, shown = asyncio.run(_delays(server.url, max(10, 4 * runs), lock_dir))
    return [
        Figure(
            "share",
            "fetcher publish → viewer decoded (Redis pub/sub + codec)",
            "ms",
            [d * 1000 for d in decoded],
        ),
        Figure(
            "share",
            "fetcher publish → viewer screen updated (includes 0.25 s coalescing)",
            "ms",
            [s * 1000 for s in shown],
            target=500.0,
            target_text="≤ 0.5 s",
        ),
    ]


# --- viewer footprint ---------------------------------------------------------------------------


def _footprint(argv: tuple[str, ...], key: str) -> tuple[float, float]:
    app = AppConfig(key, key, argv, 160, 48, MARKETMON_PRICES)
    session = PtySession(app)
    try:
        time.sleep(5.0)
        wall0, cpu0 = time.monotonic(), cpu_seconds(session.pid)
        time.sleep(FOOT_SECONDS - 5.0)
        wall1, cpu1 = time.monotonic(), cpu_seconds(session.pid)
        rss = rss_mb(session.pid)
        if session.exited() or cpu0 is None or cpu1 is None or rss is None:
            raise RuntimeError(f"share bench: {key} exited early")
        return 100.0 * (cpu1 - cpu0) / (wall1 - wall0), rss
    finally:
        session.kill(signal.SIGTERM)
        session.close()


def footprint_figures(server: RedisServer, runs: int) -> list[Figure]:
    folder = Path(tempfile.mkdtemp(prefix="marketmon-bench-foot-"))
    config_path = folder / "serve.toml"
    config_path.write_text(f'[share]\nredis = "{server.url}"\n')
    fetcher = _serve(config_path, folder)
    mm = (sys.executable, "-m", "tui")  # this checkout's marketmon, not an installed one
    viewer_argv = (*mm, "--demo", "--share", server.url)
    alone_argv = (*mm, "--demo")
    viewer, alone = [], []
    try:
        time.sleep(3)
        _footprint(viewer_argv, "share-warmup")  # the page cache and bytecode, unmeasured
        for _ in range(runs):
            viewer.append(_footprint(viewer_argv, "share-viewer"))
            alone.append(_footprint(alone_argv, "share-alone"))
    finally:
        fetcher.send_signal(signal.SIGTERM)
        fetcher.wait(10)
    _log(f"viewer {viewer}, alone {alone}")
    return [
        Figure(
            "share",
            f"viewer CPU 5–{FOOT_SECONDS:.0f} s, 160×48 (floor: the same app alone)",
            "%",
            [v[0] for v in viewer],
            floor=statistics.median(a[0] for a in alone),
        ),
        Figure(
            "share",
            f"viewer RSS at {FOOT_SECONDS:.0f} s, 160×48 (floor: the same app alone)",
            "MB",
            [v[1] for v in viewer],
            floor=statistics.median(a[1] for a in alone),
        ),
    ]


def run(runs: int = 3, seconds: float = 0.0) -> list[Figure]:
    del seconds
    with redis_server() as server:
        figures = upstream_figures(server, runs)
        figures += failover_figures(server, runs)
        figures += delay_figures(server, runs)
        figures += footprint_figures(server, runs)
    return figures
