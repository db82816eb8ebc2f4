"""σ-move scaling: one polars step over every instrument's daily closes.

1,000 and 10,000 instruments with 260 daily closes each (a year of sessions), the σ of the last
60 changes and the 52-week range, joined onto a moves frame: the work added to each snapshot.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

import polars as pl

from tests.bench.figures import Figure
from tui.data.history import DailyBars, bars_frame
from tui.data.sigma import SigmaStep, add_sigma

NOW = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)
SESSIONS = 260
SIZES = (1_000, 10_000)


def setup(n: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = random.Random(13)
    days = tuple(date(2026, 2, 2) - timedelta(days=SESSIONS - i) for i in range(SESSIONS))
    bars = []
    lasts, prevs = [], []
    for i in range(n):
        price = 50 + rng.random() * 1000
        closes = []
        for _ in range(SESSIONS):
            price *= 1 + rng.gauss(0, 0.01)
            closes.append(price)
        bars.append(DailyBars(f"SYM{i:05d}", days, tuple(closes), 0))
        prevs.append(closes[-1])
        lasts.append(closes[-1] * (1 + rng.gauss(0, 0.02)))
    moves = pl.DataFrame(
        {
            "pane": ["indices"] * n,
            "symbol": [b.symbol for b in bars],
            "last": lasts,
            "change": [a - b for a, b in zip(lasts, prevs, strict=True)],
            "change_pct": [(a - b) / b * 100 for a, b in zip(lasts, prevs, strict=True)],
            "as_of": [NOW] * n,
        },
        schema_overrides={"as_of": pl.Datetime("us", "UTC")},
    )
    return moves, bars_frame(bars)


def one(moves: pl.DataFrame, history: pl.DataFrame, step: SigmaStep | None = None) -> float:
    start = time.perf_counter()
    out = step(moves, history) if step is not None else add_sigma(moves, history)
    elapsed = time.perf_counter() - start
    assert out.get_column("sigma").null_count() == 0
    return elapsed * 1000


def run(runs: int = 3, seconds: float = 0.0) -> list[Figure]:
    del seconds
    figures: dict[int, Figure] = {}
    extra: list[Figure] = []
    for n in SIZES:
        moves, history = setup(n)
        one(moves, history)  # warm-up
        fig = Figure(
            "sigma",
            f"σ-moves from scratch, {n:,} instruments × {SESSIONS} daily closes",
            "ms",
            note="60-day σ, 52-week range, joined onto the moves (every snapshot)",
        )
        fig.values.extend(one(moves, history) for _ in range(max(runs, 5)))
        figures[n] = fig
        step = SigmaStep()
        one(moves, history, step)  # computes the statistics once
        steady = Figure(
            "sigma",
            f"σ-moves per snapshot, {n:,} instruments (statistics kept)",
            "ms",
            note="history and session days unchanged: only the join (SigmaStep)",
        )
        steady.values.extend(one(moves, history, step) for _ in range(max(runs, 5)))
        assert step.computed == 1
        if n == 10_000:
            steady.target, steady.target_text = 100.0, "≤ 100 ms"
        extra.append(steady)
    ratio = Figure(
        "sigma",
        "σ 10,000 / 1,000 time ratio",
        "×",
        values=[figures[10_000].median / figures[1_000].median],
        target=10.0,
        target_text="≤ 10 (linear)",
    )
    return [*figures.values(), ratio, *extra]
