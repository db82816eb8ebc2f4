"""σ-moves: how unusual today's move is against the instrument's own recent volatility.

Definition (also in the README): today's change in percent divided by the sample standard
deviation (ddof = 1) of the last :data:`SIGMA_WINDOW` daily close-to-close changes in percent,
up to yesterday's close. Rates (yields) use changes in basis points instead of percent, on both
sides. With fewer than :data:`MIN_CHANGES` changes, or no history, σ is null: never a guess.

Computed in polars over every instrument at once, as one more step after the moves.
"""

from __future__ import annotations

import polars as pl

SIGMA_WINDOW = 60
MIN_CHANGES = 20
YEAR_SESSIONS = 252  # the 52-week range: about a year of daily closes
# Yields quoted in percent: their moves are measured in basis points.
RATE_SYMBOLS = frozenset({"^TNX", "^FVX", "^IRX", "^TYX"})
RATE_PANES = frozenset({"rates"})
SIGMA_COLUMNS: tuple[str, ...] = ("sigma", "sigma_daily", "range_52w_pos")


def is_rate(pane: str, symbol: str) -> bool:
    return pane in RATE_PANES or symbol in RATE_SYMBOLS


def daily_stats(history: pl.DataFrame, cutoffs: pl.DataFrame) -> pl.DataFrame:
    """Per (pane, symbol): the σ of its last daily changes before its cutoff day, and the
    lowest and highest close of the last year.

    ``cutoffs`` holds ``pane, symbol, cutoff, rate``: only sessions dated before ``cutoff``
    (the exchange-local date of the live quote) count, so today's move is never part of its
    own yardstick.
    """
    change = (
        pl.when(pl.col("rate"))
        .then((pl.col("close") - pl.col("close").shift(1)) * 100.0)
        .otherwise((pl.col("close") / pl.col("close").shift(1) - 1.0) * 100.0)
        .over("pane", "symbol")
    )
    rows = (
        cutoffs.join(history.select("symbol", "day", "close"), on="symbol", how="inner")
        .filter(pl.col("day") < pl.col("cutoff"))
        .sort("pane", "symbol", "day")
        .with_columns(chg=change)
    )
    window = pl.col("chg").drop_nulls().tail(SIGMA_WINDOW)
    return rows.group_by("pane", "symbol").agg(
        sigma_daily=window.std(ddof=1),
        changes=window.len(),
        low_52w=pl.col("close").tail(YEAR_SESSIONS).min(),
        high_52w=pl.col("close").tail(YEAR_SESSIONS).max(),
    )


def offsets_of(history: pl.DataFrame) -> pl.DataFrame:
    """Each symbol's exchange UTC offset (one row per symbol)."""
    return history.group_by("symbol").agg(pl.col("utc_offset").last())


def cutoffs_of(moves: pl.DataFrame, offsets: pl.DataFrame) -> pl.DataFrame:
    """Per (pane, symbol) with a price and a history: the live quote's exchange-local day
    (sessions from that day on are not part of the yardstick) and whether it is a rate."""
    local_day = (
        pl.col("as_of").dt.convert_time_zone("UTC")
        + pl.duration(seconds=pl.col("utc_offset").fill_null(0))
    ).dt.date()
    rate = pl.col("pane").is_in(list(RATE_PANES)) | pl.col("symbol").is_in(list(RATE_SYMBOLS))
    return (
        moves.select("pane", "symbol", "as_of")
        .filter(pl.col("as_of").is_not_null())
        .join(offsets, on="symbol", how="inner")
        .select("pane", "symbol", cutoff=local_day, rate=rate)
        .sort("pane", "symbol")
    )


def join_sigma(moves: pl.DataFrame, stats: pl.DataFrame, cutoffs: pl.DataFrame) -> pl.DataFrame:
    """``moves`` with ``sigma``, ``sigma_daily`` (% or bp) and ``range_52w_pos`` (0 at the
    52-week low of daily closes, 1 at the high, today's last price included)."""
    move = (
        pl.when(pl.col("rate"))
        .then(pl.col("change") * 100.0)  # percentage points -> basis points
        .otherwise(pl.col("change_pct"))
    )
    enough = pl.col("changes") >= MIN_CHANGES
    sigma_daily = pl.when(enough & (pl.col("sigma_daily") > 0)).then(pl.col("sigma_daily"))
    low = pl.min_horizontal("low_52w", "last")
    high = pl.max_horizontal("high_52w", "last")
    return (
        moves.join(
            stats.join(cutoffs.select("pane", "symbol", "rate"), on=["pane", "symbol"]),
            on=["pane", "symbol"],
            how="left",
            maintain_order="left",
        )
        .with_columns(sigma_daily=sigma_daily)
        .with_columns(
            sigma=move / pl.col("sigma_daily"),
            range_52w_pos=pl.when(pl.col("low_52w").is_not_null() & (high > low)).then(
                (pl.col("last") - low) / (high - low)
            ),
        )
        .drop("changes", "low_52w", "high_52w", "rate")
    )


def add_sigma(moves: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """``moves`` with the σ columns (:data:`SIGMA_COLUMNS`), computed from scratch."""
    cutoffs = cutoffs_of(moves, offsets_of(history))
    return join_sigma(moves, daily_stats(history, cutoffs), cutoffs)


class SigmaStep:
    """:func:`add_sigma` for every snapshot, keeping the daily statistics until the history
    or a quote's session day changes (a few times a day): a snapshot then only joins them."""

    def __init__(self) -> None:
        self._history: pl.DataFrame | None = None
        self._offsets: pl.DataFrame | None = None
        self._cutoffs: pl.DataFrame | None = None
        self._stats: pl.DataFrame | None = None
        self.computed = 0  # how often the statistics were computed (tests)

    def __call__(self, moves: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
        if history is not self._history or self._offsets is None:
            self._history, self._offsets, self._stats = history, offsets_of(history), None
        cutoffs = cutoffs_of(moves, self._offsets)
        if self._stats is None or self._cutoffs is None or not cutoffs.equals(self._cutoffs):
            self._stats = daily_stats(history, cutoffs)
            self._cutoffs = cutoffs
            self.computed += 1
        return join_sigma(moves, self._stats, cutoffs)
