"""What the fixed stack costs before marketmon does anything: the budget behind two targets.

The footprint targets are relative to Textual (first prices ≤ 1.5 times the floor app) or absolute
(RSS ≤ 90 MB). The design card fixes polars for the moves, so polars is on the path to the
first prices and in the resident set for the whole session. This suite measures, each in a
fresh interpreter (the footprint's environment and bytecode cache, median of the runs):

* ``import textual.app`` and ``import polars``: wall time and the RSS they add to a bare
  interpreter;
* the first run of the demo pipeline (provider frames → selection → moves → snapshots, no UI):
  its wall time and the RSS it adds, almost all of it the polars library's code pages mapped as
  its kernels are first used.

Compare them with the floor's figures from the footprint suite: the headroom of the first-prices
target is half the floor's time, and that of the RSS target is 90 MB minus the floor's RSS.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.bench.figures import Figure
from tests.bench.footprint import bench_env

# Each probe prints {"seconds": …, "rss_mb": …}: the time and the VmRSS growth of its step.
_RSS = (
    "def rss():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmRSS:'):\n"
    "            return int(line.split()[1]) * 1024 / 1e6\n"
)
_IMPORT = (
    "import json, time\n" + _RSS + "r0 = rss(); t0 = time.perf_counter()\n"
    "import {module}\n"
    "print(json.dumps({{'seconds': time.perf_counter() - t0, 'rss_mb': rss() - r0}}))\n"
)
_PIPELINE = (
    "import asyncio, json, time\n" + _RSS + "import polars\n"
    "from tui.config import load_config\n"
    "from tui.data.clock import SystemClock\n"
    "from tui.data.factory import build_engine\n"
    "r0 = rss(); t0 = time.perf_counter()\n"
    "engine = build_engine(load_config(None), clock=SystemClock(), client=None, demo=True)\n"
    "snap = asyncio.run(engine.refresh_once())\n"
    "assert snap.quote_count > 0\n"
    "print(json.dumps({'seconds': time.perf_counter() - t0, 'rss_mb': rss() - r0}))\n"
)
PROBES: dict[str, str] = {
    "import textual.app": _IMPORT.format(module="textual.app"),
    "import polars": _IMPORT.format(module="polars"),
    "first demo pipeline run (polars kernels)": _PIPELINE,
}


def probe(code: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=bench_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(runs: int = 3, seconds: float = 0.0) -> list[Figure]:
    del seconds
    figures: list[Figure] = []
    for name, code in PROBES.items():
        probe(code)  # warm-up: bytecode and page cache
        results = [probe(code) for _ in range(max(runs, 5))]
        figures.append(
            Figure("stack", f"{name}: time", "s", values=[r["seconds"] for r in results])
        )
        figures.append(
            Figure("stack", f"{name}: RSS added", "MB", values=[r["rss_mb"] for r in results])
        )
    return figures
