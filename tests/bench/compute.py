"""Compute scaling: provider frames -> fallback selection -> moves -> per-pane snapshots.

100, 1,000 and 10,000 instruments with 390 one-minute bars each, spread over the three panes
and two sources (half of the primary's symbols failing, so the fallback path is exercised).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import polars as pl

from tests.bench.figures import Figure
from tui.data.errors import ErrorKind, SourceError
from tui.data.instruments import PANES, Instrument
from tui.data.moves import compute_moves, instruments_frame, pane_snapshots, select_quotes
from tui.data.providers.base import ProviderResult
from tui.data.schema import QUOTE_SCHEMA, UTC_TIME
from tui.data.store import QuoteStore

NOW = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)
BARS = 390
SIZES = (100, 1_000, 10_000)


def provider_frame(symbols: list[str], source: str, seed: int) -> pl.DataFrame:
    """A QUOTE_SCHEMA frame as a provider returns it, built column-wise (like a parser would)."""
    rng = random.Random(seed)
    n = len(symbols)
    start = int((NOW - timedelta(minutes=BARS)).timestamp() * 1_000_000)
    stamps = pl.Series([start + i * 60_000_000 for i in range(BARS)], dtype=pl.Int64)
    base = [50 + rng.random() * 1000 for _ in range(n)]
    walk = [[b * (1 + 0.001 * rng.gauss(0, 1)) for _ in range(BARS)] for b in base]
    frame = pl.DataFrame(
        {
            "symbol": symbols,
            "source": [source] * n,
            "name": [None] * n,
            "currency": ["USD"] * n,
            "last": [w[-1] for w in walk],
            "prev_close": base,
            "day_high": [None] * n,
            "day_low": [None] * n,
            "as_of": [NOW - timedelta(seconds=5)] * n,
            "session_start": [None] * n,
            "session_end": [None] * n,
            "series_time": pl.Series([stamps] * n).cast(pl.List(UTC_TIME)),
            "series": pl.Series(walk, dtype=pl.List(pl.Float64)),
            "decimals": [2] * n,
            "response_symbol": symbols,
            "marks": [None] * n,
            **{name: [None] * n for name in ("pre_start", "pre_end", "post_start", "post_end")},
        },
        schema_overrides={
            "name": pl.String,
            "day_high": pl.Float64,
            "day_low": pl.Float64,
            "session_start": UTC_TIME,
            "session_end": UTC_TIME,
            "marks": pl.List(pl.String),
            **dict.fromkeys(("pre_start", "pre_end", "post_start", "post_end"), UTC_TIME),
        },
    )
    return frame.with_columns(pl.col("as_of").cast(UTC_TIME)).select(list(QUOTE_SCHEMA))


def setup(n: int) -> tuple[QuoteStore, pl.DataFrame, pl.DataFrame, dict[str, tuple[str, ...]]]:
    symbols = [f"SYM{i:05d}" for i in range(n)]
    instruments = [
        Instrument(PANES[i % 3], f"G{i % 4}", s, s, "NYSE") for i, s in enumerate(symbols)
    ]
    store = QuoteStore()
    primary = provider_frame(symbols, "primary", 1)
    failing = symbols[::2]
    ok = primary.filter(~pl.col("symbol").is_in(failing))
    errors = tuple(SourceError("primary", s, ErrorKind.NO_DATA, "no data") for s in failing)
    store.record("primary", symbols, ProviderResult(ok, errors))
    store.record("secondary", failing, ProviderResult(provider_frame(failing, "secondary", 2)))
    chains = pl.DataFrame(
        {
            "pane": [i.pane for i in instruments] * 2,
            "symbol": symbols * 2,
            "source": ["primary"] * n + ["secondary"] * n,
            "rank": [0] * n + [1] * n,
        }
    )
    groups = {pane: tuple(f"G{g}" for g in range(4)) for pane in PANES}
    return store, chains, instruments_frame(instruments), groups


def one_refresh(
    store: QuoteStore, chains: pl.DataFrame, insts: pl.DataFrame, groups: dict[str, tuple[str, ...]]
) -> float:
    start = time.perf_counter()
    selected = select_quotes(store.candidates(), chains)
    moves = compute_moves(selected, insts, NOW, {"primary": 1500.0, "secondary": 120.0})
    panes = pane_snapshots(moves, groups)
    elapsed = time.perf_counter() - start
    assert sum(len(p.quotes) for p in panes) == insts.height
    return elapsed * 1000


def run(runs: int = 3, seconds: float = 0.0) -> list[Figure]:
    del seconds
    figures: dict[int, Figure] = {}
    for n in SIZES:
        store, chains, insts, groups = setup(n)
        one_refresh(store, chains, insts, groups)  # warm-up (polars thread pool, caches)
        fig = Figure(
            "compute",
            f"moves pipeline, {n:,} × {BARS} bars",
            "ms",
            note="provider frames -> fallback selection -> moves -> pane snapshots",
        )
        for _ in range(max(runs, 5)):
            fig.values.append(one_refresh(store, chains, insts, groups))
        if n == 10_000:
            fig.target, fig.target_text = 100.0, "≤ 100 ms"
        figures[n] = fig
    ratio = Figure(
        "compute",
        "10,000 / 1,000 time ratio",
        "×",
        values=[figures[10_000].median / figures[1_000].median],
        target=10.0,
        target_text="≤ 10 (linear)",
    )
    return [*figures.values(), ratio]
