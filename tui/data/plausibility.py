"""Plausibility rules: a quote that cannot be right is never shown as a fresh number.

Every provider's rows pass through :func:`check` once, when the store records them (so the
rules hold for any parser, present or future). A rule either refuses a row with a typed
per-symbol error, which leaves the last good value on screen marked as failing and lets the
fallback chain try the next source, or keeps the row and marks it:

- the response names another instrument than the one asked for (ignoring case and Yahoo's
  canonical forms) -> ``wrong_symbol`` error;
- a price <= 0 for an instrument that cannot go negative (indices, FX, crypto, spot metals,
  shares) -> ``bad_data`` error;
- a previous close of 0, or <= 0 where prices cannot be negative -> the previous close is
  dropped, so change and change % are both unknown (never the whole price as the change);
- a negative price where it can happen (futures: WTI in April 2020) -> kept, marked
  ``negative``;
- more than 50 % away from the last good price of the same source in one refresh -> kept
  (real crashes happen), marked ``jump`` for :data:`JUMP_MARK_SECONDS`.

Time stamps ahead of the clock are judged when a snapshot is taken (they depend on "now"):
see :func:`is_future` and tui/data/clock_truth.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import unquote

import polars as pl

from tui.data.errors import ErrorKind, SourceError

JUMP_RATIO = 0.5  # a move larger than this fraction of the last good price in one refresh
JUMP_MARK_SECONDS = 900.0  # how long a jump stays marked, so a trader sees it
FUTURE_TOLERANCE = timedelta(minutes=5)  # a time further ahead than this is not believed

# Yields can go below zero (Yahoo's US Treasury yield indices); prices of these cannot.
NEGATIVE_ALLOWED = frozenset({"^IRX", "^FVX", "^TNX", "^TYX"})


class Mark(StrEnum):
    """What a row carries besides its staleness; shown next to the value, never replacing it."""

    JUMP = "jump"  # moved more than 50 % from the last good price in one refresh
    NEGATIVE = "negative"  # below zero: possible for futures, shown as is but marked
    FUTURE = "future"  # its time is ahead of the (corrected) clock


def canonical(symbol: str) -> str:
    """A symbol in the form two spellings of one instrument share.

    Yahoo answers ``^gspc`` as ``^GSPC``, ``%5EGSPC`` as ``^GSPC``, and ``USDJPY=X`` as
    ``JPY=X`` (a dollar pair is named by its other currency).
    """
    text = unquote(symbol).strip().upper()
    if text.endswith("=X") and len(text) == 8 and text.startswith("USD"):
        return text[3:]
    return text


def same_symbol(requested: str, answered: str) -> bool:
    return canonical(requested) == canonical(answered)


def can_be_negative(symbol: str) -> bool:
    """Futures (Yahoo's ``=F``) and yields can trade below zero; nothing else on the board can."""
    text = canonical(symbol)
    return text.endswith("=F") or text in NEGATIVE_ALLOWED


def is_future(when: datetime | None, now: datetime) -> bool:
    """A time further ahead of ``now`` (the corrected clock) than any clock drift explains."""
    return when is not None and when - now > FUTURE_TOLERANCE


@dataclass(slots=True)
class Checked:
    """The rows to record (with marks) and the refused rows as per-symbol errors."""

    frame: pl.DataFrame
    errors: list[SourceError] = field(default_factory=list)
    jumps: dict[str, datetime] = field(default_factory=dict)  # symbol -> when it jumped


def check(
    source: str,
    frame: pl.DataFrame,
    last_good: Mapping[str, float],
    jumped_at: Mapping[str, datetime],
    now: datetime,
) -> Checked:
    """Apply the rules to one provider answer (``QUOTE_SCHEMA`` rows of ``source``).

    ``last_good`` is the last recorded price per symbol from this source, ``jumped_at`` when
    each still-marked jump happened; the result's ``jumps`` replaces ``jumped_at``.
    """
    symbols: list[str] = frame.get_column("symbol").to_list()
    answered: list[str | None] = frame.get_column("response_symbol").to_list()
    lasts: list[float] = frame.get_column("last").to_list()
    prevs: list[float | None] = frame.get_column("prev_close").to_list()
    out = Checked(frame)
    keep: list[bool] = []
    marks: list[list[str] | None] = []
    drop_prev: list[bool] = []
    for symbol, response, last, prev in zip(symbols, answered, lasts, prevs, strict=True):
        negative_ok = can_be_negative(symbol)
        refusal: SourceError | None = None
        if response is not None and not same_symbol(symbol, response):
            refusal = SourceError(
                source, symbol, ErrorKind.WRONG_SYMBOL, f"the answer is for {response}"
            )
        elif last <= 0 and not negative_ok:
            refusal = SourceError(
                source, symbol, ErrorKind.BAD_DATA, f"bad data: price {last:g} is impossible"
            )
        keep.append(refusal is None)
        if refusal is not None:
            out.errors.append(refusal)
            marks.append(None)
            drop_prev.append(False)
            continue
        drop_prev.append(prev is not None and (prev == 0 or (prev < 0 and not negative_ok)))
        row_marks: list[str] = []
        before = last_good.get(symbol)
        if before is not None and before != 0 and abs(last - before) > JUMP_RATIO * abs(before):
            out.jumps[symbol] = now
        elif symbol in jumped_at and (now - jumped_at[symbol]).total_seconds() < JUMP_MARK_SECONDS:
            out.jumps[symbol] = jumped_at[symbol]
        if symbol in out.jumps:
            row_marks.append(Mark.JUMP.value)
        if last < 0:
            row_marks.append(Mark.NEGATIVE.value)
        marks.append(row_marks or None)
    out.frame = (
        frame.with_columns(
            marks=pl.Series(marks, dtype=pl.List(pl.String())),
            prev_close=pl.when(pl.Series(drop_prev, dtype=pl.Boolean()))
            .then(None)
            .otherwise(pl.col("prev_close")),
        )
        .filter(pl.Series(keep, dtype=pl.Boolean()))
        .select(frame.columns)
    )
    return out
