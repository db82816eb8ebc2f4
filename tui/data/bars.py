"""One symbol's intraday OHLC bars from Yahoo's v8 chart, fetched on demand for the detail view.

Spark (the batched quotes, tui/data/providers/yahoo_spark.py) carries closes only, so the
open/high/low/volume of each bar need the per-symbol v8 chart. Asking for it per symbol per
refresh is what got monitors rate-limited, so it is asked only for the instrument a user is
looking at, and at most every :data:`BARS_MAX_AGE` seconds: :class:`BarBook` keeps the last
answer (or error) per symbol, shares one request between callers that ask at once, and refetches
only when an answer is older than that and the caller (the open detail view) still wants it.
Every request goes through the shared Fetcher, so the host's governor (budget, pause) applies.

Bars are an immutable value. A bar whose values are null in the answer stays in the series as a
gap (NaN) rather than being dropped or joined to its neighbours, so a chart shows the hole.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.data.clock import Clock
from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher
from tui.data.providers.yahoo import chart_result, price_hint, request_chart
from tui.data.sanitize import sanitize_optional
from tui.data.schema import finite, from_epoch

BARS_MAX_AGE = 60.0  # seconds: an open detail view refetches its bars at most this often
BARS_RANGE = "1d"
BARS_INTERVAL = "5m"
MAX_BARS = 5000  # more than a day of 1-minute bars; a longer answer is not what was asked
OHLC = ("open", "high", "low", "close")


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar; a value Yahoo sent as null (or not finite) is NaN, a gap."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float | None

    @property
    def is_gap(self) -> bool:
        return not all(math.isfinite(v) for v in (self.open, self.high, self.low, self.close))


@dataclass(frozen=True, slots=True)
class Bars:
    """A symbol's bars for one session, oldest first, with the meta fields the view shows."""

    symbol: str
    interval: str
    bars: tuple[Bar, ...]
    currency: str | None = None
    decimals: int | None = None

    @property
    def complete(self) -> tuple[Bar, ...]:
        """The bars with all four prices (no gaps)."""
        return tuple(b for b in self.bars if not b.is_gap)

    @property
    def last(self) -> Bar | None:
        full = self.complete
        return full[-1] if full else None

    @property
    def day_range(self) -> tuple[float, float] | None:
        """(low, high) over the bars: the range the bars themselves show."""
        full = self.complete
        if not full:
            return None
        return min(b.low for b in full), max(b.high for b in full)


def parse_bars(payload: Any, symbol: str) -> Bars:
    """The bars of one v8 chart body; typed ``FetchError`` for errors, drift and bad values.

    NO_DATA: Yahoo's error object, no result, no bar with prices. PARSE: a shape that cannot be
    read (arrays that are not lists or differ in length). WRONG_SYMBOL: ``meta.symbol`` names
    another instrument. BAD_DATA: a bar whose high is below its low, or a price ≤ 0 (a chart
    with impossible bars is not drawn at all rather than drawn wrong).
    """
    result, meta = chart_result(payload)
    named = meta.get("symbol")
    if isinstance(named, str) and named.upper() != symbol.upper():
        shown = sanitize_optional(named, 40)
        raise FetchError(ErrorKind.WRONG_SYMBOL, f"chart for {shown}, not {symbol}")
    bars = _read_bars(result)
    if not any(not b.is_gap for b in bars):
        raise FetchError(ErrorKind.NO_DATA, "no bars with prices in chart response")
    interval = meta.get("dataGranularity")
    return Bars(
        symbol=symbol,
        interval=sanitize_optional(interval, 8) or BARS_INTERVAL,
        bars=bars,
        currency=sanitize_optional(meta.get("currency"), 12),
        decimals=price_hint(meta),
    )


def _read_bars(result: dict[str, Any]) -> tuple[Bar, ...]:
    stamps = result.get("timestamp")
    if stamps is None:
        return ()  # a closed market's answer: no timestamp key at all
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    first = quotes[0] if isinstance(quotes, list) and quotes else None
    if not isinstance(stamps, list) or not isinstance(first, dict):
        raise FetchError(ErrorKind.PARSE, "chart bars are not lists")
    if len(stamps) > MAX_BARS:
        raise FetchError(ErrorKind.PARSE, f"{len(stamps)} bars (at most {MAX_BARS})")
    columns: dict[str, list[Any]] = {}
    for key in (*OHLC, "volume"):
        values = first.get(key, [None] * len(stamps))
        if not isinstance(values, list) or len(values) != len(stamps):
            raise FetchError(ErrorKind.PARSE, f"'{key}' does not match the timestamps")
        columns[key] = values
    out: dict[datetime, Bar] = {}
    for i, stamp in enumerate(stamps):
        when = from_epoch(finite(stamp))
        if when is None:
            continue  # a bar with no time cannot be placed
        o, h, lo, c = (_price(columns[k][i]) for k in OHLC)
        bar = Bar(when, o, h, lo, c, finite(columns["volume"][i]))
        if not bar.is_gap and (h < lo or min(o, h, lo, c) <= 0):
            raise FetchError(ErrorKind.BAD_DATA, f"impossible bar at {when:%H:%M} UTC")
        out[when] = bar  # a repeated timestamp: the later bar (a live bar's update) wins
    return tuple(out[t] for t in sorted(out))


def _price(value: object) -> float:
    number = finite(value)
    return math.nan if number is None else number


async def fetch_yahoo_bars(fetcher: Fetcher, base_url: str, symbol: str) -> Bars:
    """The day's 5-minute bars of ``symbol``, from the v8 chart (range 1d)."""
    payload = await request_chart(fetcher, base_url, symbol, BARS_RANGE, BARS_INTERVAL)
    return parse_bars(payload, symbol)


@dataclass(frozen=True, slots=True)
class BarState:
    """What is known of one symbol's bars: the last good ones and the last error, if newer."""

    bars: Bars | None = None
    error: FetchError | None = None
    fetched_at: float | None = None  # monotonic time of the last answer (good or not)
    retry_at: float | None = None  # monotonic: not asked again before this (rate limit)

    def retry_in(self, now: float) -> float | None:
        """Seconds until the next allowed request after a rate limit, or ``None``."""
        if self.retry_at is None or self.retry_at <= now:
            return None
        return self.retry_at - now


@dataclass
class BarBook:
    """Per-symbol bars with a slow cadence and one request at a time per symbol.

    ``fetch`` is the request (``fetch_yahoo_bars`` bound to the fetcher); ``source`` the
    provider whose symbols it serves (rows from other sources keep their series-only view).
    """

    fetch: Callable[[str], Awaitable[Bars]]
    clock: Clock
    source: str = "yahoo"
    max_age: float = BARS_MAX_AGE
    requests: int = 0  # fetches started (for tests and the bench)
    _states: dict[str, BarState] = field(default_factory=dict, repr=False)
    _pending: dict[str, asyncio.Task[BarState]] = field(default_factory=dict, repr=False)

    def serves(self, source: str | None) -> bool:
        return source == self.source

    def state(self, symbol: str) -> BarState:
        return self._states.get(symbol, BarState())

    def due(self, symbol: str) -> bool:
        """True when a caller asking now would cause a request (nothing fresh, none running)."""
        if symbol in self._pending:
            return False
        state = self._states.get(symbol)
        if state is None or state.fetched_at is None:
            return True
        now = self.clock.monotonic()
        if state.retry_at is not None and now < state.retry_at:
            return False
        return now - state.fetched_at >= self.max_age

    async def get(self, symbol: str) -> BarState:
        """The symbol's state, fetching first when :meth:`due`; callers at once share a request.

        The request runs in a task of its own, so a caller that is cancelled (the view closed)
        does not cancel it for the others, and its answer is kept for the next opening.
        """
        task = self._pending.get(symbol)
        if task is None:
            if not self.due(symbol):
                return self.state(symbol)
            task = self._pending[symbol] = asyncio.ensure_future(self._refresh(symbol))
            task.add_done_callback(lambda _t: self._pending.pop(symbol, None))
        return await asyncio.shield(task)

    async def _refresh(self, symbol: str) -> BarState:
        self.requests += 1
        before = self._states.get(symbol, BarState())
        try:
            try:
                bars = await self.fetch(symbol)
            except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
                # An answer shaped in a way no check foresaw: unreadable, not a crash.
                name = type(exc).__name__
                raise FetchError(ErrorKind.PARSE, f"unreadable chart: {name}") from exc
        except FetchError as exc:
            now = self.clock.monotonic()
            wait = exc.retry_after if exc.kind is ErrorKind.RATE_LIMITED else None
            state = BarState(before.bars, exc, now, now + wait if wait else None)
        else:
            state = BarState(bars, None, self.clock.monotonic())
        self._states[symbol] = state
        return state

    async def aclose(self) -> None:
        """Cancel requests still running (the app is closing)."""
        for task in list(self._pending.values()):
            task.cancel()
        self._pending.clear()
