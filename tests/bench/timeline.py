"""Where the time to live prices goes: one start-up as a timeline of events.

``python -m tests.bench.timeline [--runs N] [--seconds S] [--no-cache]`` sets up what the startup
suite (tests/bench/startup.py) measures (the default watchlist against servers on 127.0.0.1
adding 100 ms to every answer, a last-known snapshot whose S&P 500 is at 1,234.56, 160x48 under
a pty of its own) and launches marketmon through tests/bench/timeline_child.py, which marks the
app's steps. It prints one merged timeline per run, in seconds since the launch: the app's
events, each request as the server received it, and the moments the terminal showed the cached
and the live S&P 500 row. A diagnostic, not a figure: the tracing itself costs a little.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import time
from pathlib import Path

from tests.bench.footprint import AppConfig, first_prices, launch, stop, warm_up
from tests.bench.startup import CACHED_ROW, LIVE_ROW, seeded_upstream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args(argv)
    with seeded_upstream() as upstream:
        servers, folder, config = upstream.servers, upstream.folder, upstream.config
        cache_file, seed = upstream.cache_file, upstream.seed
        calendars = Path.home() / ".cache" / "marketmon" / "calendars"
        if calendars.is_dir():  # as in the suite's later runs: the year's calendar is cached
            shutil.copytree(calendars, cache_file.parent / "calendars")
        events_file = folder / "timeline.txt"
        argv_app = (sys.executable, "-m", "tests.bench.timeline_child", "--config", str(config))
        if args.no_cache:
            argv_app = (*argv_app, "--no-cache")
        env = (
            ("XDG_CACHE_HOME", str(folder / "cache")),
            ("MARKETMON_TIMELINE", str(events_file)),
        )
        app = AppConfig("timeline", "timeline", argv_app, 160, 48, CACHED_ROW, env=env)
        warm_up([app], "pty")
        for run in range(args.runs):
            cache_file.write_bytes(seed)
            for server in servers.values():
                server.requests.clear()
            session = launch(app, "pty")
            time.sleep(args.seconds)
            stop(session)
            session.close()
            t0 = session.t0
            events = [
                (float(stamp) - t0, f"app     {text}")
                for stamp, _, text in (
                    line.partition(" ") for line in events_file.read_text().splitlines()
                )
            ]
            for name, server in servers.items():
                events += [
                    (r.at - t0, f"server  {name} received {r.path}") for r in server.requests
                ]
            cached = first_prices(session.chunks, app)
            live = first_prices(session.chunks, dataclasses.replace(app, prices=LIVE_ROW))
            for when, what in ((cached, "cached S&P 500 row"), (live, "live S&P 500 row")):
                if when is not None:
                    events.append((when, f"screen  {what}"))
            print(f"run {run + 1}: cached row {cached} s, live row {live} s")
            for when, what in sorted(events):
                print(f"{when:8.3f}  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
