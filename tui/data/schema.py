"""The one frame schema every provider returns, and helpers to build it.

A provider turns a response into rows of ``QUOTE_SCHEMA``; everything downstream (fallback
selection, moves, snapshots) works on frames of this shape, so a new provider only has to
fill these columns.

=============  ========================  ==================================================
column         type                      meaning
=============  ========================  ==================================================
symbol         str                       canonical symbol (as in the config, e.g. BTC-USD)
source         str                       provider name that produced the row
name           str | null                instrument name from the response (sanitised)
currency       str | null                quote currency (USD, USDT, JPY, ...)
last           f64                       last price
prev_close     f64 | null                previous session close (24 h open for crypto)
day_high       f64 | null                session high as reported by the source
day_low        f64 | null                session low as reported by the source
as_of          datetime[us, UTC]         time of the last price
session_start  datetime[us, UTC] | null  current regular session, when the source says
session_end    datetime[us, UTC] | null
series_time    list[datetime[us, UTC]]   intraday series, oldest first, no nulls
series         list[f64]                 prices matching ``series_time``
decimals       i64 | null                decimals the source quotes with (Yahoo priceHint)
response_sym   str | null                the symbol the response said it is for (checked
                                         against the request: tui/data/plausibility.py)
marks          list[str] | null          plausibility marks set when the row is recorded
pre_start      datetime[us, UTC] | null  the source's own pre-market period (Yahoo's
pre_end        datetime[us, UTC] | null  ``currentTradingPeriod.pre``), null when it has none
post_start     datetime[us, UTC] | null  the source's own after-hours period (``…post``)
post_end       datetime[us, UTC] | null
=============  ========================  ==================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

UTC_TIME = pl.Datetime("us", "UTC")

QUOTE_SCHEMA: dict[str, pl.DataType] = {
    "symbol": pl.String(),
    "source": pl.String(),
    "name": pl.String(),
    "currency": pl.String(),
    "last": pl.Float64(),
    "prev_close": pl.Float64(),
    "day_high": pl.Float64(),
    "day_low": pl.Float64(),
    "as_of": UTC_TIME,
    "session_start": UTC_TIME,
    "session_end": UTC_TIME,
    "series_time": pl.List(UTC_TIME),
    "series": pl.List(pl.Float64()),
    "decimals": pl.Int64(),
    "response_symbol": pl.String(),
    "marks": pl.List(pl.String()),
    "pre_start": UTC_TIME,
    "pre_end": UTC_TIME,
    "post_start": UTC_TIME,
    "post_end": UTC_TIME,
}


@dataclass(slots=True)
class QuoteRow:
    """One parsed quote before it joins a frame; parsers build these from a response."""

    symbol: str
    source: str
    last: float
    as_of: datetime
    name: str | None = None
    currency: str | None = None
    prev_close: float | None = None
    day_high: float | None = None
    day_low: float | None = None
    session_start: datetime | None = None
    session_end: datetime | None = None
    series_time: list[datetime] = field(default_factory=list)
    series: list[float] = field(default_factory=list)
    decimals: int | None = None
    # The symbol named inside the response (Yahoo's meta.symbol), when the source names one.
    response_symbol: str | None = None
    # The source's extended-hours periods around ``session_start``/``session_end`` (Yahoo's
    # currentTradingPeriod pre and post); None when it has none (futures, FX, yields).
    pre_start: datetime | None = None
    pre_end: datetime | None = None
    post_start: datetime | None = None
    post_end: datetime | None = None


def empty_quotes() -> pl.DataFrame:
    return pl.DataFrame(schema=QUOTE_SCHEMA)


def quotes_frame(rows: Iterable[QuoteRow]) -> pl.DataFrame:
    """Build a ``QUOTE_SCHEMA`` frame from parsed rows (column-wise, one pass)."""
    rows = list(rows)
    if not rows:
        return empty_quotes()
    # ``marks`` is not a parser's business: it is set when the row is recorded.
    columns = {name: [getattr(r, name, None) for r in rows] for name in QUOTE_SCHEMA}
    return pl.DataFrame(columns, schema=QUOTE_SCHEMA)


def concat_quotes(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    if not frames:
        return empty_quotes()
    return pl.concat([f.select(list(QUOTE_SCHEMA)) for f in frames], how="vertical")


def from_epoch(seconds: float | int | None) -> datetime | None:
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def finite(value: object) -> float | None:
    """A float from JSON numbers or numeric strings; ``None`` for null, NaN, inf or junk."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def parse_iso_time(value: object) -> datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` or offset, any fraction length) to aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python < 3.11-era APIs reject >6 fractional digits; trim to microseconds.
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        rest = tail[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
