"""Run the benchmarks, print a table, write the results as JSON.

python -m tests.bench                  # everything (~15 min: each footprint run lasts 65 s)
python -m tests.bench --only compute,poll,ui
python -m tests.bench --only etiquette   # requests per refresh, Retry-After, one slow request
python -m tests.bench --runs 5 --out bench-results.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.figures import Figure, fmt

SUITES: dict[str, str] = {
    "stack": "tests.bench.stack",
    "footprint": "tests.bench.footprint",
    "compute": "tests.bench.compute",
    "sigma": "tests.bench.sigma",
    "poll": "tests.bench.poll",
    "ui": "tests.bench.ui_update",
    "startup": "tests.bench.startup",
    "etiquette": "tests.bench.etiquette",
    "screens": "tests.bench.screens",
    "share": "tests.bench.share",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median of them)")
    parser.add_argument("--only", default=",".join(SUITES), help="comma-separated suites")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    parser.add_argument(
        "--seconds",
        type=float,
        default=65.0,
        help="footprint: how long each app run lasts (measures 5 s to this)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TZ", "UTC")
    time.tzset()

    figures: list[Figure] = []
    for name in [s.strip() for s in args.only.split(",") if s.strip()]:
        module = __import__(SUITES[name], fromlist=["run"])
        run: Callable[..., list[Figure]] = module.run
        print(f"running {name} …", file=sys.stderr, flush=True)
        figures.extend(run(runs=args.runs, seconds=args.seconds))

    print_table(figures)
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": args.runs,
        "figures": [f.to_json() for f in figures],
    }
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0 if all(f.met is not False for f in figures) else 1


def print_table(figures: list[Figure]) -> None:
    header = (
        "group",
        "figure",
        "median",
        "min",
        "max",
        "unit",
        "floor",
        "ratio",
        "target",
        "ok",
        "noisy",
    )
    rows = [header]
    for f in figures:
        ratio = f.ratio_to_floor
        rows.append(
            (
                f.group,
                f.name,
                fmt(f.median, f.unit),
                fmt(f.low, f.unit),
                fmt(f.high, f.unit),
                f.unit,
                fmt(f.floor, f.unit),
                f"{ratio:.2f}×" if ratio is not None else "—",
                f.target_text or "—",
                {True: "yes", False: "NO", None: ""}[f.met],
                "noisy" if f.noisy else "",
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    raise SystemExit(main())
