"""The simulated market's daily history: a deterministic year of closes per instrument.

Demo mode measures its moves in σ like live data does, so it needs a past. Each symbol gets
about a year of weekday closes ending at the demo's previous close, with daily changes whose
sample σ over the last 60 sessions is the symbol's :func:`daily_vol`. On the sell-off day that
makes silver about −13σ, the KOSPI about −6σ and the S&P about −2σ, the figures the README
quotes. Like every demo number it is a pure function of (seed, symbol, date) and is labelled
DEMO on screen with the rest of the simulated market.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from datetime import UTC, date, timedelta

import polars as pl

from tui.data.clock import Clock
from tui.data.demo_profiles import path_key, previous_close, profile, seeded_rng
from tui.data.history import DailyBars, bars_frame

SESSIONS = 260
# A normal day's move in percent, where it is not the profile's own (these set the
# signature screen's σ: silver −20 % ≈ −13σ, KOSPI −5 % ≈ −6σ, S&P −2.1 % ≈ −2σ).
DAILY_VOL: dict[str, float] = {"SI=F": 1.52, "^KS11": 0.82, "^GSPC": 1.05}


def daily_vol(symbol: str, seed: int = 7) -> float:
    """The σ, in percent, of ``symbol``'s simulated daily changes."""
    key = path_key(symbol)
    return DAILY_VOL.get(key, profile(symbol, seed).vol * 100.0)


def _weekdays_before(end: date, count: int) -> list[date]:
    days: list[date] = []
    day = end
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days[::-1]


def simulated_bars(symbol: str, today: date, seed: int = 7) -> DailyBars:
    """``SESSIONS`` weekday closes before ``today`` ending at the demo's previous close."""
    key = path_key(symbol)
    rng = seeded_rng(seed, "daily", key, today.isoformat())
    draws = [rng.gauss(0.0, 1.0) for _ in range(SESSIONS - 1)]
    # Scale so that the last 60 changes have exactly the wanted sample σ.
    tail = draws[-60:]
    mean, spread = statistics.fmean(tail), statistics.stdev(tail)
    vol = daily_vol(symbol, seed)
    changes = [(d - mean) / spread * vol for d in draws]
    closes = [previous_close(symbol, seed)]
    for pct in reversed(changes):  # walk back from the latest close
        closes.append(closes[-1] / (1.0 + pct / 100.0))
    closes.reverse()
    days = _weekdays_before(today, SESSIONS)
    return DailyBars(symbol, tuple(days), tuple(c for c in closes if math.isfinite(c)), 0)


class DemoHistory:
    """The :class:`~tui.data.history.HistorySource` of demo mode: no network, no disk."""

    def __init__(self, symbols: Sequence[str], clock: Clock, seed: int = 7) -> None:
        self.symbols = tuple(dict.fromkeys(symbols))
        self.clock = clock
        self.seed = seed
        self._day: date | None = None
        self._frame: pl.DataFrame | None = None

    def frame(self) -> pl.DataFrame:
        today = self.clock.now().astimezone(UTC).date()
        if self._frame is None or self._day != today:
            self._day = today
            self._frame = bars_frame([simulated_bars(s, today, self.seed) for s in self.symbols])
        return self._frame

    async def fetch_missing(self) -> None:
        return None

    async def run(self, changed: Callable[[], None]) -> None:
        return None
