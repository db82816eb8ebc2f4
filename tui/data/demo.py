"""Demo mode: an offline, deterministic, seedable simulated market.

:class:`DemoQuoteProvider` is just another provider, so demo data runs through the same
fallback, moves and snapshot pipeline as live data. Every number is a pure function of
(seed, scenario, symbol, clock time): snapshot tests freeze the clock and get the same screen
on every run and machine (seeds go through ``zlib.crc32``, never the salted ``hash()``).
This module is the provider; what each symbol trades like and the scenarios' moves live in
:mod:`tui.data.demo_profiles`, the headlines in :mod:`tui.data.demo_headlines`.

How a price is made:

* each symbol has a base level; the seed nudges it by up to 1 % to give the previous close;
* the scenario sets the day's change in percent (``demo_profiles.SELLOFF``, or ±1 % for ``calm``);
* the session comes from :mod:`tui.data.markets`: 5-minute bars from today's open (or the last
  completed session when the market is shut), a rolling 24 h for crypto, and from 18:00
  New York the previous day for Globex metals;
* the path opens with a gap towards the target and then follows a Brownian bridge that lands
  on the target at the latest bar, so the scenario's screen shows at any time of day; bar
  noise is keyed by absolute bar time, so a crypto window slides instead of being redrawn;
* while a market is open the last price ticks a little every :data:`TICK_SECONDS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import polars as pl

from tui.data.clock import Clock
from tui.data.demo_headlines import HEADLINE_SPACING, DemoHeadlines
from tui.data.demo_profiles import (
    PROFILES,
    SCENARIOS,
    SELLOFF,
    Profile,
    at_epoch,
    check_scenario,
    path_key,
    previous_close,
    profile,
    quote_digits,
    seeded_rng,
    target_change_pct,
)
from tui.data.errors import ErrorKind, SourceError
from tui.data.markets import MARKETS, Market
from tui.data.providers.base import ProviderResult, QuoteProvider
from tui.data.schema import QUOTE_SCHEMA, QuoteRow, empty_quotes

# The demo's public names, wherever they live (tests, the factory and benches import them here).
__all__ = [
    "HEADLINE_SPACING",
    "PROFILES",
    "SCENARIOS",
    "SELLOFF",
    "DemoHeadlines",
    "DemoQuoteProvider",
    "Profile",
    "previous_close",
    "profile",
    "target_change_pct",
]

BAR_SECONDS = 300
TICK_SECONDS = 5
_DAY = 86_400
_BARS_PER_DAY = _DAY // BAR_SECONDS
_CACHE_LIMIT = 2048


@dataclass(frozen=True, slots=True)
class _Session:
    """One regular session in epoch seconds; ``lunch`` is a midday break, if the market has one."""

    start: int
    end: int
    lunch: tuple[int, int] | None = None

    def trading_bars(self) -> int:
        seconds = self.end - self.start
        if self.lunch:
            seconds -= self.lunch[1] - self.lunch[0]
        return max(1, seconds // BAR_SECONDS)


def _epoch(day: date, at: time, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, at, tzinfo=tz).timestamp())


def _session(market: Market, now: datetime) -> _Session:
    """The session in progress at ``now``, else the most recent completed one (holidays aside).

    A Globex session for trade date D runs from ``market.open`` (18:00 New York) on D-1 to
    ``market.close`` (17:00) on D, for D Monday to Friday.
    """
    tz = ZoneInfo(market.tz)
    local = now.astimezone(tz)
    now_s = int(now.timestamp())
    globex = market.kind in ("globex", "fx")  # sessions run 18:00 (17:00) D-1 to D
    day = local.date()
    if globex and local.time() >= market.open:
        day += timedelta(days=1)
    for back in range(8):
        d = day - timedelta(days=back)
        if d.weekday() >= 5:
            continue
        start = _epoch(d - timedelta(days=1) if globex else d, market.open, tz)
        if start > now_s:
            continue
        lunch = None
        if market.lunch is not None:
            lunch = (_epoch(d, market.lunch[0], tz), _epoch(d, market.lunch[1], tz))
        return _Session(start, _epoch(d, market.close, tz), lunch)
    raise AssertionError("no weekday in the last eight days")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class _Path:
    """A computed session path (rounded prices), kept until the next bar starts."""

    prices: list[float]
    times: list[datetime]
    micros: list[int]  # ``times`` as epoch microseconds, for the fast frame build
    end: float  # unrounded last point, which the tick moves
    sigma: float
    digits: int


class DemoQuoteProvider(QuoteProvider):
    """Simulated quotes for any symbol, through the same pipeline as a live source."""

    name: ClassVar[str] = "demo"
    default_max_age: ClassVar[float] = 120.0

    def __init__(self, clock: Clock, seed: int = 7, scenario: str = "selloff") -> None:
        # No super().__init__: there is nothing to fetch, so no fetcher and no base URL.
        self.base_url = ""
        self.clock = clock
        self.seed = seed
        self.scenario = check_scenario(scenario)
        # Caches only: every value depends on (seed, scenario, symbol, time) alone.
        self._noise: dict[tuple[str, int], list[float]] = {}
        self._paths: dict[tuple[str, int, int], _Path] = {}

    def supports(self, symbol: str) -> bool:
        """Only instruments whose scale and market the demo knows (:data:`PROFILES`): any
        other is shown unavailable, never with an invented price that looks plausible."""
        return symbol in PROFILES

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        now = self.clock.now()
        wanted = list(dict.fromkeys(symbols))
        errors = tuple(
            SourceError(
                "demo", s, ErrorKind.UNSUPPORTED, "not in the simulated market: unavailable"
            )
            for s in wanted
            if s not in PROFILES
        )
        known = [s for s in wanted if s in PROFILES]
        return ProviderResult(_frame([self._quote(s, now) for s in known]), errors)

    def _noise_chunk(self, key: str, day: int) -> list[float]:
        """Standard normal bar noise for one UTC day of ``key``'s path."""
        chunk = self._noise.get((key, day))
        if chunk is None:
            if len(self._noise) >= _CACHE_LIMIT:
                self._noise.clear()
            rng = seeded_rng(self.seed, self.scenario, "bars", key, day)
            chunk = [rng.gauss(0.0, 1.0) for _ in range(_BARS_PER_DAY)]
            self._noise[(key, day)] = chunk
        return chunk

    def quote(self, symbol: str, now: datetime) -> QuoteRow:
        """The row for ``symbol`` at ``now``: a pure function of seed, scenario, symbol and time."""
        return self._quote(symbol, now)[0]

    def _quote(self, symbol: str, now: datetime) -> tuple[QuoteRow, _Path]:
        prof = profile(symbol, self.seed)
        key = path_key(symbol)
        prev = previous_close(symbol, self.seed)
        market = MARKETS[prof.market]
        now_s = int(now.timestamp())
        session: _Session | None = None
        times: Sequence[int]
        if market.kind == "always":
            last_bar = now_s - now_s % BAR_SECONDS
            times = range(last_bar - _DAY, last_bar + 1, BAR_SECONDS)
            bars_per_day, gap, is_open, as_of = _BARS_PER_DAY, 0.0, True, now
        else:
            session = _session(market, now)
            lunch = session.lunch
            times = range(session.start, min(now_s + 1, session.end), BAR_SECONDS)
            if lunch is not None:
                times = [t for t in times if not lunch[0] <= t < lunch[1]]
            bars_per_day = session.trading_bars()
            gap = seeded_rng(self.seed, self.scenario, "gap", key).uniform(0.35, 0.7)
            is_open = now_s < session.end and market.is_open(now)
            if is_open:
                as_of = now
            elif now_s < session.end and lunch is not None:
                as_of = at_epoch(lunch[0])
            else:
                as_of = at_epoch(session.end)
        # The path only changes when a bar starts, so most refreshes only redo the tick.
        cache_key = (symbol, times[0], len(times))
        cached = self._paths.get(cache_key)
        if cached is None:
            if len(self._paths) >= _CACHE_LIMIT:
                self._paths.clear()
            move = math.log1p(target_change_pct(symbol, self.seed, self.scenario) / 100.0)
            # Busy days are noisier: the bridge's spread grows with the size of the move.
            sigma = max(prof.vol, 0.35 * abs(move)) / math.sqrt(bars_per_day)
            digits = prof.decimals if prof.decimals is not None else quote_digits(prev)
            path = self._bridge(key, times, math.log(prev), move, gap, sigma)
            cached = _Path(
                prices=[round(p, digits) for p in path],
                times=[at_epoch(t) for t in times],
                micros=[t * 1_000_000 for t in times],
                end=path[-1],
                sigma=sigma,
                digits=digits,
            )
            self._paths[cache_key] = cached
        series = list(cached.prices)
        if is_open:
            tick = seeded_rng(self.seed, self.scenario, "tick", symbol, now_s // TICK_SECONDS)
            moved = cached.end * math.exp(0.3 * cached.sigma * tick.gauss(0.0, 1.0))
            series[-1] = round(moved, cached.digits)
        row = QuoteRow(
            symbol=symbol,
            source=self.name,
            last=series[-1],
            as_of=as_of,
            name=None,
            currency=prof.currency,
            prev_close=prev,
            day_high=max(series),
            day_low=min(series),
            session_start=at_epoch(session.start) if session else None,
            session_end=at_epoch(session.end) if session else None,
            series_time=list(cached.times),
            series=series,
            decimals=prof.decimals,
        )
        return row, cached

    def _bridge(
        self,
        key: str,
        times: Sequence[int],
        start: float,
        move: float,
        gap: float,
        sigma: float,
    ) -> list[float]:
        """Prices along a gap of ``gap * move``, then a Brownian bridge to ``start + move``."""
        n = len(times) - 1
        if n == 0:
            return [math.exp(start + move)]
        chunks: dict[int, list[float]] = {}
        noise = [0.0]
        for t in times[1:]:
            day = t // _DAY
            chunk = chunks.get(day)
            if chunk is None:
                chunk = chunks[day] = self._noise_chunk(key, day)
            noise.append(chunk[t % _DAY // BAR_SECONDS])
        walk = list(accumulate(noise))
        opening = start + move * gap
        # Per bar: the drift to the target minus the walk's own end, so the bridge lands on it.
        step = (move * (1.0 - gap) - sigma * walk[-1]) / n
        exp = math.exp
        return [exp(opening + step * k + sigma * w) for k, w in enumerate(walk)]


def _frame(quoted: list[tuple[QuoteRow, _Path]]) -> pl.DataFrame:
    """``quotes_frame`` for demo rows, with series times passed as integers.

    polars converts Python datetimes one at a time (about 1 µs each), which made building the
    frame cost four times as much as simulating the market; the cached integers avoid that.
    """
    if not quoted:
        return empty_quotes()
    rows = [row for row, _ in quoted]
    columns: dict[str, list[Any]] = {
        name: [getattr(r, name, None) for r in rows] for name in QUOTE_SCHEMA
    }
    columns["series_time"] = [path.micros for _, path in quoted]
    schema = {**QUOTE_SCHEMA, "series_time": pl.List(pl.Int64())}
    return pl.DataFrame(columns, schema=schema).with_columns(
        pl.col("series_time").cast(QUOTE_SCHEMA["series_time"])
    )
