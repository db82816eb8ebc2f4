"""Start-up with last-known prices, against a local upstream that answers in 100 ms.

``python -m tests.bench --only startup``. Every provider and the feeds get a server of their
own on 127.0.0.1 (tests/faultserver.py) adding 100 ms to every answer; marketmon runs on the
default watchlist pointed at them, under a pty of its own at 160x48, as in the footprint suite
(same launch, same capture, same warm-up before every measured run). Measured in the same run:

* **floor**: the floor app (tests/bench/floor_app.py): its time to prices and RSS at 60 s;
* **stack floor**: the floor app that also imports polars and runs the demo pipeline once
  after its first paint (tests/bench/stack_floor_app.py): its RSS at 60 s;
* **live floor**: the floor app that, from its mount, fetches the S&P 500 from the local
  Yahoo server with httpx while importing polars, and shows it read through a polars frame
  (tests/bench/live_floor_app.py): its time to that live row is the least any one-process
  app on the design card's stack can do, so it is given the live target too;
* **marketmon, cached start**: a last-known snapshot is put in ``$XDG_CACHE_HOME`` before each
  run, with the S&P 500 at 1,234.56 (a price the upstream never serves). From one stream:
  the time the cached row is on screen (``S&P 500  1,234.56``) and the time the live one
  replaces it (``S&P 500  5,653.08``, the upstream's price), and RSS at 60 s;
* **marketmon, no cache** (``--no-cache``, informational): time to the live row.

Targets (the issue's): cached prices ≤ 1.5 times the floor's time; live prices ≤ the floor's time
+ 0.4 s; RSS at 60 s ≤ the stack floor's + 10 MB.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.bench.figures import Figure
from tests.bench.footprint import (
    FLOOR_PRICES,
    AppConfig,
    Run,
    _log,
    _stop_apps_on_termination,
    first_prices,
    measure,
    save_stream,
    warm_up,
)
from tests.faultserver import FaultServer, default_watchlist_config, one_server_per_host

LATENCY = 0.1
CACHED_PRICE = "1,234.56"
LIVE_PRICE = "5,653.08"  # tests/faultserver.py DEFAULT_PRICES["^GSPC"]
CACHED_ROW = re.compile(r"S&P 500\s+" + re.escape(CACHED_PRICE) + r"\b")
LIVE_ROW = re.compile(r"S&P 500\s+" + re.escape(LIVE_PRICE) + r"\b")
LIVE_FLOOR_ROW = re.compile(r"Floor 00\s+" + re.escape(LIVE_PRICE) + r"\b")
NO_CACHE_SECONDS = 8.0  # the no-cache run only measures the time to live prices


def _config_toml(servers: dict[str, FaultServer]) -> str:
    config = default_watchlist_config(servers)
    lines = []
    for name, provider in config.providers.items():
        lines += [f"[providers.{name}]", f'base_url = "{provider.base_url}"']
    feeds = ", ".join(f'"{f}"' for f in config.headlines.feeds)
    lines += ["[headlines]", f"feeds = [{feeds}]"]
    return "\n".join(lines) + "\n"


async def _seed_cache(servers: dict[str, FaultServer]) -> bytes:
    """A real snapshot of the local upstream, with the S&P 500 at a price it never serves."""
    from tui.data.clock import SystemClock
    from tui.data.factory import build_engine
    from tui.data.http import make_client
    from tui.data.snapshot_codec import encode_snapshot

    async with make_client(read_timeout=10) as client:
        engine = build_engine(default_watchlist_config(servers), clock=SystemClock(), client=client)
        snap = await engine.refresh_once()
    panes = []
    for pane in snap.panes:
        quotes = tuple(
            dataclasses.replace(q, last=1234.56) if q.symbol == "^GSPC" else q for q in pane.quotes
        )
        panes.append(dataclasses.replace(pane, quotes=quotes))
    return encode_snapshot(dataclasses.replace(snap, panes=tuple(panes)))


@dataclasses.dataclass(frozen=True)
class Upstream:
    """What every start-up measurement launches against (see :func:`seeded_upstream`)."""

    servers: dict[str, FaultServer]
    folder: Path  # a temporary folder, removed at the end
    config: Path  # the default watchlist pointed at the servers
    cache_home: Path  # $XDG_CACHE_HOME for the launched app
    cache_file: Path  # where the app reads its last-known snapshot
    seed: bytes  # that snapshot: write it before each launch (a run replaces it)


@contextlib.contextmanager
def seeded_upstream() -> Iterator[Upstream]:
    """One server per host on 127.0.0.1 adding :data:`LATENCY`, a config file pointing at them
    and a cache folder for a last-known snapshot of them with the S&P 500 at 1,234.56."""
    with one_server_per_host(latency=LATENCY) as servers, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "config.toml"
        config.write_text(_config_toml(servers))
        cache_home = folder / "cache"
        cache_file = cache_home / "marketmon" / "last-live.snapshot"
        cache_file.parent.mkdir(parents=True)
        seed = asyncio.run(_seed_cache(servers))
        yield Upstream(servers, folder, config, cache_home, cache_file, seed)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def run(runs: int = 3, seconds: float = 65.0) -> list[Figure]:
    with _stop_apps_on_termination():
        return _run(max(runs, 3), seconds)


def _run(runs: int, seconds: float) -> list[Figure]:
    py = sys.executable
    with seeded_upstream() as upstream:
        servers, config, cache_home = upstream.servers, upstream.config, upstream.cache_home
        cache_file, seed = upstream.cache_file, upstream.seed
        # ``python -m tui`` from this checkout (the ``marketmon`` script may be another one's).
        mm = (py, "-m", "tui", "--config", str(config))
        floor = AppConfig("floor", "floor 160×48", (py, "-m", "tests.bench.floor_app"), 160, 48,
                          FLOOR_PRICES)  # fmt: skip
        stack_argv = (py, "-m", "tests.bench.stack_floor_app")
        stack = AppConfig("stack-floor", "stack floor 160×48", stack_argv, 160, 48, FLOOR_PRICES)
        cached = AppConfig("cached", "marketmon cached start 160×48", mm, 160, 48, CACHED_ROW,
                           floor="floor", env=(("XDG_CACHE_HOME", str(cache_home)),))  # fmt: skip
        nocache = AppConfig("nocache", "marketmon no cache 160×48", (*mm, "--no-cache"), 160, 48,
                            LIVE_ROW, floor="floor")  # fmt: skip
        spark = servers["yahoo"].url + "/v7/finance/spark"
        live_floor = AppConfig("live-floor", "live floor 160×48",
                               (py, "-m", "tests.bench.live_floor_app", "--spark", spark), 160, 48,
                               LIVE_FLOOR_ROW)  # fmt: skip
        plan = [
            (floor, seconds),
            (stack, seconds),
            (live_floor, NO_CACHE_SECONDS),
            (cached, seconds),
            (nocache, NO_CACHE_SECONDS),
        ]
        results: dict[str, list[Run]] = {app.key: [] for app, _ in plan}
        live_after_cache: list[float] = []
        _log(f"startup: {len(plan)} configurations × {runs} runs, upstream latency {LATENCY} s")
        for index in range(runs):
            for app, length in plan:
                warm_up([app], "pty")
                cache_file.write_bytes(seed)  # the warm-up (and the last run) replaced it
                result = measure(app, length, "pty")
                results[app.key].append(result)
                save_stream(result)  # /tmp/marketmon-bench-<key>.bin: the last run of each
                live = None
                if app is cached:
                    live = first_prices(result.chunks, dataclasses.replace(app, prices=LIVE_ROW))
                    if live is not None:
                        live_after_cache.append(live)
                _log(
                    f"  run {index + 1}/{runs} {app.label:<32} prices {result.first_prices} s"
                    + (f", live {live} s" if app is cached else "")
                    + f", RSS at 60 s {result.rss_late} MB"
                    + (f"  [{result.problem}]" if result.problem else "")
                )
    return _figures(results, live_after_cache)


def _values(runs: list[Run], attr: str) -> list[float]:
    return [v for r in runs if (v := getattr(r, attr)) is not None]


def _figures(results: dict[str, list[Run]], live_after_cache: list[float]) -> list[Figure]:
    floor_time = _median(_values(results["floor"], "first_prices"))
    stack_rss = _median(_values(results["stack-floor"], "rss_late"))
    upstream = f"upstream on 127.0.0.1 with {LATENCY * 1000:.0f} ms latency"

    def timed(group: str, name: str, values: list[float], times: float | None = None) -> Figure:
        """A time against the floor's: the target is floor + 0.4 s, or ``times`` times the floor."""
        figure = Figure(group, name, "s", values, floor=floor_time, note=upstream)
        if floor_time is not None and times is None:
            figure.target, figure.target_text = floor_time + 0.4, "≤ floor + 0.4 s"
        elif floor_time is not None and times is not None:
            figure.target, figure.target_text = times * floor_time, f"≤ {times:g} × floor"
        return figure

    rss = Figure(
        "startup",
        "RSS at 60 s, cached start (160×48)",
        "MB",
        _values(results["cached"], "rss_late"),
        note=upstream,
    )
    if stack_rss is not None:
        rss.target, rss.target_text = stack_rss + 10.0, "≤ stack floor + 10 MB"
        rss.floor = stack_rss
    return [
        Figure(
            "floor", "first prices (floor 160×48)", "s", _values(results["floor"], "first_prices")
        ),
        Figure("floor", "RSS at 60 s (floor 160×48)", "MB", _values(results["floor"], "rss_late")),
        Figure(
            "floor",
            "RSS at 60 s (stack floor: floor + polars + demo pipeline)",
            "MB",
            _values(results["stack-floor"], "rss_late"),
        ),
        timed(
            "floor",
            "live price on screen (live floor: floor + httpx + polars, one request)",
            _values(results["live-floor"], "first_prices"),
        ),
        timed(
            "startup",
            "cached prices on screen (160×48)",
            _values(results["cached"], "first_prices"),
            times=1.5,
        ),
        timed("startup", "live prices on screen, cached start (160×48)", live_after_cache),
        timed(
            "startup",
            "live prices on screen, no cache (160×48)",
            _values(results["nocache"], "first_prices"),
        ),
        rss,
    ]
