"""Screen soak: RSS after opening and closing the detail, headlines and help screens 200 times.

Each run is a fresh interpreter running the frozen demo app headless at 160x48: 10 opens of
each screen to warm up (Textual's caches, the chart library), then RSS, then ``opens`` more
of each, then RSS again. RSS is read after ``gc.collect()`` and ``malloc_trim(0)`` (see
tests/soak.py), so freed memory glibc has not handed back yet does not count. Before closed
screens were freed, 100 detail views alone added 234 MB.

    python -m tests.bench --only screens --runs 1
    python -m tests.bench.screens --child --opens 200   # one run, prints JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from typing import Any

from tests.bench.figures import Figure

OPENS = 200
WARMUP = 10
TARGET_MB = 10.0
# (key that opens it, the screen's class name): Enter opens the focused row's detail view.
SCREENS = (("enter", "DetailScreen"), ("n", "HeadlinesScreen"), ("question_mark", "HelpScreen"))


async def _child(opens: int) -> dict[str, Any]:
    from tests.soak import probe
    from tui.demo_app import frozen_demo_app, wait_for_data

    app = frozen_demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)

        async def cycle(times: int) -> None:
            for _ in range(times):
                for key, name in SCREENS:
                    await pilot.press(key)
                    await pilot.pause()
                    assert type(app.screen).__name__ == name, app.screen
                    await pilot.press("escape")
                    await pilot.pause()

        await cycle(WARMUP)
        start = probe()
        await cycle(opens)
        end = probe()
        import gc

        alive = {
            name: sum(1 for o in gc.get_objects() if type(o).__name__ == name)
            for _, name in SCREENS
        }
    return {
        "start_mb": start.rss_mb,
        "end_mb": end.rss_mb,
        "growth_mb": end.rss_mb - start.rss_mb,
        "raw_growth_mb": end.raw_rss_mb - start.raw_rss_mb,
        "alive": alive,
    }


def run(runs: int = 3, seconds: float = 0.0, opens: int = OPENS) -> list[Figure]:
    del seconds  # not timed
    growth = Figure(
        "screens",
        f"RSS growth, {opens} opens each of detail/headlines/help",
        "MB",
        target=TARGET_MB,
        target_text=f"≤ {TARGET_MB:g} MB",
    )
    raw = Figure("screens", "  the same, untrimmed (informational)", "MB")
    alive = Figure("screens", "screens alive after closing (instances)", "count", target=0)
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-m", "tests.bench.screens", "--child", "--opens", str(opens)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        growth.values.append(result["growth_mb"])
        raw.values.append(result["raw_growth_mb"])
        alive.values.append(float(sum(result["alive"].values())))
        growth.note = f"start {result['start_mb']:.1f} MB, end {result['end_mb']:.1f} MB"
    return [growth, raw, alive]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.screens")
    parser.add_argument("--child", action="store_true", help="one run in this process (JSON)")
    parser.add_argument("--opens", type=int, default=OPENS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child(args.opens))))
        return 0
    for figure in run(runs=1, opens=args.opens):
        print(figure.name, figure.values)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
