"""Daily closes per instrument: what a σ-move is measured against.

One Yahoo ``v8/finance/chart/{symbol}?range=1y&interval=1d`` request per symbol per UTC day,
never per refresh: the closes of past sessions do not change during the day. The answers are
kept in one JSON file per UTC day in the platform cache directory, so a restart the same day
costs no request, and the first session of the next day fetches again.

Today's bar is excluded: Yahoo includes the session in progress as the last daily bar, and a
σ-move compares today's change against the changes *up to yesterday's close*. A bar belongs to
"today" when its exchange-local date is the exchange-local date at fetch time; the σ step also
drops bars on or after the date of the live quote (see :mod:`tui.data.sigma`).

Requests go through the shared :class:`~tui.data.http.Fetcher`, whose per-host governor paces
them; the live loop also starts late and spaces them out so prices come first.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from tui.data.clock import Clock
from tui.data.errors import ErrorKind, FetchError
from tui.data.schema import finite

if TYPE_CHECKING:
    from tui.data.http import Fetcher

HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "symbol": pl.String(),
    "day": pl.Date(),  # the session's exchange-local date
    "close": pl.Float64(),
    "utc_offset": pl.Int64(),  # seconds east of UTC of the exchange (to date a live quote)
}
# Symbols Yahoo has no chart for (gold-api.com spot metals).
NO_HISTORY = frozenset({"XAU", "XAG", "XPT", "XPD"})
START_DELAY = 30.0  # seconds after start before the first history request: prices come first
SPACING = 1.0  # seconds between two history requests of the live loop
NOTIFY_SECONDS = 10.0  # the live loop announces new closes at most this often
RETRY_SECONDS = 600.0  # a transient failure (network, 429, 5xx) is tried again after this
# Answers that will not get better today: the symbol's σ stays null until tomorrow.
_FINAL = (ErrorKind.PARSE, ErrorKind.NO_DATA, ErrorKind.UNSUPPORTED, ErrorKind.TOO_LARGE)


@dataclass(frozen=True, slots=True)
class DailyBars:
    """Completed sessions of one symbol, oldest first (empty: no usable history today)."""

    symbol: str
    days: tuple[date, ...]
    closes: tuple[float, ...]
    utc_offset: int = 0


class HistorySource(Protocol):
    """What the engine needs: the closes as a frame, and a way to fill them in."""

    def frame(self) -> pl.DataFrame: ...

    async def fetch_missing(self) -> None: ...

    async def run(self, changed: Callable[[], None]) -> None: ...


def parse_daily(payload: Any, symbol: str, now: datetime) -> DailyBars:
    """Completed daily closes from a v8 chart body; raise ``FetchError`` when there are none.

    ``chartPreviousClose`` is deliberately ignored: for ``range=1y`` it is the close *before*
    the window, a year ago, not yesterday's.
    """
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        raise FetchError(ErrorKind.PARSE, "no 'chart' object in history response")
    results = chart.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise FetchError(ErrorKind.NO_DATA, "empty history")
    result = results[0]
    raw_meta = result.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    offset = int(finite(meta.get("gmtoffset")) or 0)
    if abs(offset) >= 86_400:
        offset = 0
    # Bars are stamped at the session's local midnight or open: date them in the exchange's
    # own time zone (with its DST history), falling back to today's offset.
    tz = _zone(meta.get("exchangeTimezoneName")) or timezone(timedelta(seconds=offset))
    today = now.astimezone(tz).date()
    stamps = result.get("timestamp")
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    first = quotes[0] if isinstance(quotes, list) and quotes else None
    closes = first.get("close") if isinstance(first, dict) else None
    if not isinstance(stamps, list) or not isinstance(closes, list):
        raise FetchError(ErrorKind.NO_DATA, "history has no bars")
    by_day: dict[date, float] = {}
    for stamp, close in zip(stamps, closes, strict=False):
        when, price = finite(stamp), finite(close)
        if when is None or price is None or price <= 0:
            continue
        day = datetime.fromtimestamp(when, tz).date()
        if day < today:  # today's bar is the session in progress
            by_day[day] = price  # a repeated day keeps its latest bar
    if not by_day:
        raise FetchError(ErrorKind.NO_DATA, "history has no completed closes")
    days = tuple(sorted(by_day))
    return DailyBars(symbol, days, tuple(by_day[d] for d in days), offset)


def _zone(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def bars_frame(bars: Sequence[DailyBars]) -> pl.DataFrame:
    """Every symbol's closes in one long frame (the σ step works on all of them at once)."""
    return pl.DataFrame(
        {
            "symbol": [b.symbol for b in bars for _ in b.days],
            "day": [d for b in bars for d in b.days],
            "close": [c for b in bars for c in b.closes],
            "utc_offset": [b.utc_offset for b in bars for _ in b.days],
        },
        schema=HISTORY_SCHEMA,
    )


def default_cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("marketmon", appauthor=False)


class DailyHistory:
    """Yahoo daily closes for ``symbols``, fetched once per UTC day and cached on disk."""

    def __init__(
        self,
        fetcher: Fetcher,
        base_url: str,
        symbols: Sequence[str],
        clock: Clock,
        cache_dir: Path | None = None,
        *,
        spacing: float = SPACING,
        start_delay: float = START_DELAY,
    ) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.symbols = tuple(dict.fromkeys(s for s in symbols if s.upper() not in NO_HISTORY))
        self.clock = clock
        self.cache_dir = cache_dir
        self.spacing = spacing
        self.start_delay = start_delay
        self.requests = 0
        self._day: date | None = None
        self._bars: dict[str, DailyBars] = {}
        # Yesterday's answers, shown until today's arrive (σ does not blank at midnight UTC:
        # the σ step drops any session on or after the live quote's day anyway).
        self._previous: dict[str, DailyBars] = {}
        self._retry_at: dict[str, float] = {}  # symbol -> monotonic time of the next try
        self._frame: pl.DataFrame | None = None

    # --- what the engine reads ------------------------------------------------------------

    def frame(self) -> pl.DataFrame:
        if self._frame is None:
            merged = {**self._previous, **self._bars}
            self._frame = bars_frame([b for b in merged.values() if b.days])
        return self._frame

    def missing(self) -> list[str]:
        """Symbols with no answer for today's UTC day that may be asked now."""
        self._roll_day()
        now = self.clock.monotonic()
        return [
            s for s in self.symbols if s not in self._bars and self._retry_at.get(s, 0.0) <= now
        ]

    # --- fetching -------------------------------------------------------------------------

    async def fetch_missing(self) -> None:
        """Fetch every missing symbol now, a few at a time (the ``snapshot`` command)."""
        gate = asyncio.Semaphore(4)

        async def one(symbol: str) -> None:
            async with gate:
                await self.fetch_one(symbol)

        await asyncio.gather(*(one(s) for s in self.missing()))
        self._save()

    async def run(self, changed: Callable[[], None]) -> None:
        """The live loop: after start-up, one request every ``spacing`` seconds, then idle
        until the next UTC day (or a transient failure's retry time)."""
        if self.missing() != list(self.symbols):  # today's cache: σ at once, no request
            changed()
        await self.clock.sleep(self.start_delay)
        while True:
            wanted = self.missing()
            fresh, told = False, self.clock.monotonic()
            for symbol in wanted:
                fresh = await self.fetch_one(symbol) or fresh
                # Arrivals are announced in batches: each announcement costs a snapshot, and
                # the statistics are recomputed for the new history.
                if fresh and self.clock.monotonic() - told >= NOTIFY_SECONDS:
                    changed()
                    fresh, told = False, self.clock.monotonic()
                await self.clock.sleep(self.spacing)
            if fresh:
                changed()
            if wanted:
                self._save()
            await self.clock.sleep(self._idle_seconds())

    async def fetch_one(self, symbol: str) -> bool:
        """Fetch ``symbol``'s closes; True when usable closes arrived."""
        url = f"{self.base_url}/v8/finance/chart/{quote(symbol, safe='')}"
        self.requests += 1
        try:
            resp = await self.fetcher.get(url, params={"range": "1y", "interval": "1d"})
            if resp.status != 200:
                from tui.data.http import status_error

                raise status_error(resp)
            bars = parse_daily(resp.json(), symbol, self.clock.now())
        except FetchError as exc:
            if exc.kind in _FINAL:
                self._store(DailyBars(symbol, (), ()))
            else:
                self._retry_at[symbol] = self.clock.monotonic() + RETRY_SECONDS
            return False
        except Exception:  # a parser bug must not stop the loop: σ stays null for today
            self._store(DailyBars(symbol, (), ()))
            return False
        self._store(bars)
        return True

    def _store(self, bars: DailyBars) -> None:
        self._bars[bars.symbol] = bars
        self._previous.pop(bars.symbol, None)
        self._retry_at.pop(bars.symbol, None)
        self._frame = None

    def _idle_seconds(self) -> float:
        now = self.clock.now()
        tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        until_tomorrow = (tomorrow - now).total_seconds() + 1.0
        mono = self.clock.monotonic()
        retries = [t - mono for t in self._retry_at.values()]
        return max(1.0, min([until_tomorrow, *retries]))

    # --- the day's disk cache -------------------------------------------------------------

    def _roll_day(self) -> None:
        today = self.clock.now().astimezone(UTC).date()
        if self._day == today:
            return
        self._day = today
        self._previous = {**self._previous, **self._bars}
        self._bars = self._load(today)
        self._retry_at.clear()
        self._frame = None

    def _path(self, day: date) -> Path | None:
        return self.cache_dir / f"history-{day.isoformat()}.json" if self.cache_dir else None

    def _load(self, day: date) -> dict[str, DailyBars]:
        path = self._path(day)
        if path is None:
            return {}
        try:
            data = json.loads(path.read_text("utf-8"))
            return {
                sym: DailyBars(
                    sym,
                    tuple(date.fromisoformat(d) for d in entry["days"]),
                    tuple(float(c) for c in entry["closes"]),
                    int(entry["utc_offset"]),
                )
                for sym, entry in data["symbols"].items()
                if sym in self.symbols
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # no cache, or a damaged one: fetch again

    def _save(self) -> None:
        """Write today's file atomically and drop older days' files (best effort)."""
        if self._day is None or (path := self._path(self._day)) is None:
            return
        data = {
            "day": self._day.isoformat(),
            "symbols": {
                sym: {
                    "days": [d.isoformat() for d in b.days],
                    "closes": list(b.closes),
                    "utc_offset": b.utc_offset,
                }
                for sym, b in self._bars.items()
            },
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), "utf-8")
            os.replace(tmp, path)
            for old in path.parent.glob("history-*.json"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # the cache only saves requests; the closes are in memory
