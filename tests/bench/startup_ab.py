"""Interleaved start-up launches of checkouts against the floor: is a change faster?

``python -m tests.bench.startup_ab [--runs N] CHECKOUT [CHECKOUT ...]`` sets up what the
startup suite measures (tests/bench/startup.py: the default watchlist against servers on
127.0.0.1 adding 100 ms, a last-known snapshot with the S&P 500 at 1,234.56, 160x48 under a pty
of its own) and launches, in turn and N times, the floor app and ``python -m tui`` from each
checkout (``PYTHONPATH``; e.g. a ``git worktree`` of the commit before a change). It prints the
median and every value of the time to the cached row and to the live row. A diagnostic for
comparing commits within minutes of each other on a noisy machine, not a figure of the suite.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from pathlib import Path

from tests.bench.footprint import FLOOR_PRICES, AppConfig, first_prices, measure, warm_up
from tests.bench.startup import CACHED_ROW, LIVE_ROW, seeded_upstream

SECONDS = 3.5  # long enough for the live row at this latency


def _line(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: none"
    return f"{label} {statistics.median(values):.3f} {sorted(round(v, 3) for v in values)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("checkouts", nargs="+", type=Path)
    args = parser.parse_args(argv)
    py = sys.executable
    with seeded_upstream() as upstream:
        config, cache_home = upstream.config, upstream.cache_home
        cache_file, seed = upstream.cache_file, upstream.seed
        floor = AppConfig("floor", "floor", (py, "-m", "tests.bench.floor_app"), 160, 48,
                          FLOOR_PRICES)  # fmt: skip
        apps = [floor]
        for index, checkout in enumerate(args.checkouts):
            argv_app = ("env", f"PYTHONPATH={checkout.resolve()}", py, "-m", "tui",
                        "--config", str(config))  # fmt: skip
            env = (("XDG_CACHE_HOME", str(cache_home)),)
            apps.append(AppConfig(f"ab{index}", str(checkout), argv_app, 160, 48, CACHED_ROW,
                                  floor="floor", env=env))  # fmt: skip
        cached: dict[str, list[float]] = {app.key: [] for app in apps}
        live: dict[str, list[float]] = {app.key: [] for app in apps}
        warm_up(apps, "pty")
        for _ in range(args.runs):
            for app in apps:
                cache_file.write_bytes(seed)
                run = measure(app, SECONDS, "pty")
                if run.first_prices is not None:
                    cached[app.key].append(run.first_prices)
                if app is not floor:
                    row = first_prices(run.chunks, dataclasses.replace(app, prices=LIVE_ROW))
                    if row is not None:
                        live[app.key].append(row)
        for app in apps:
            text = _line(f"{app.label}: first prices", cached[app.key])
            if app is not floor:
                text += "  " + _line("live", live[app.key])
            print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
