"""The demo's cross-asset board: FX, yields, energy, index futures and the macro strip.

On the sell-off day money seeks safety: the yen gains (USD/JPY falls), yields fall, the dollar
index rises, crude falls and jobless claims rise. Only symbols listed here (and in
:mod:`tui.data.demo_profiles`) are simulated; any other symbol gets no price at all, because a
plausible made-up price could be taken for a real one.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from typing import ClassVar

from tui.data.macro import CLAIMS, MacroResult, next_claims_release, scale_of, title_of
from tui.data.snapshot import MacroValue

# symbol -> (previous close, currency, market, normal daily move, decimals)
BOARD: dict[str, tuple[float, str, str, float, int]] = {
    "EURUSD=X": (1.1790, "USD", "FX", 0.004, 4),
    "JPY=X": (155.20, "JPY", "FX", 0.005, 2),
    "GBPUSD=X": (1.3390, "USD", "FX", 0.004, 4),
    "CNY=X": (7.1120, "CNY", "FX", 0.002, 4),
    "KRW=X": (1_418.50, "KRW", "FX", 0.004, 2),
    "DX-Y.NYB": (99.35, "USD", "FX", 0.004, 3),
    "^IRX": (3.905, "USD", "CBOE", 0.01, 3),
    "^FVX": (3.712, "USD", "CBOE", 0.015, 3),
    "^TNX": (4.183, "USD", "CBOE", 0.012, 3),
    "^TYX": (4.745, "USD", "CBOE", 0.01, 3),
    "CL=F": (62.35, "USD", "CME", 0.02, 2),
    "BZ=F": (66.10, "USD", "CME", 0.018, 2),
    "NG=F": (4.512, "USD", "CME", 0.03, 3),
    "ES=F": (6_872.0, "USD", "CME", 0.009, 2),
    "NQ=F": (25_410.0, "USD", "CME", 0.012, 2),
    "YM=F": (47_460.0, "USD", "CME", 0.008, 2),
    "RTY=F": (2_468.0, "USD", "CME", 0.013, 2),
}

# The sell-off day's moves in percent. Yields: -9 bp on 4.18 % is about -2.2 %.
BOARD_SELLOFF: dict[str, float] = {
    "EURUSD=X": -0.8,  # the dollar up
    "JPY=X": -1.6,  # the yen up: fewer yen per dollar
    "GBPUSD=X": -0.9,
    "CNY=X": 0.3,
    "KRW=X": 1.4,  # the won weak as the KOSPI falls
    "DX-Y.NYB": 0.9,
    "^IRX": -0.8,
    "^FVX": -2.6,
    "^TNX": -2.2,
    "^TYX": -1.6,
    "CL=F": -4.2,
    "BZ=F": -3.8,
    "NG=F": -2.5,
    # Futures trade on after the cash close: a little further down overnight.
    "ES=F": -2.6,
    "NQ=F": -3.5,
    "YM=F": -1.9,
    "RTY=F": -3.1,
}

# Demo macro values: (latest, previous) in the CSV's units, per scenario.
_MACRO: dict[str, dict[str, tuple[float, float]]] = {
    "selloff": {"ICSA": (262_000.0, 229_000.0), "JTSJOL": (7_012.0, 7_391.0)},
    "calm": {"ICSA": (231_000.0, 233_000.0), "JTSJOL": (7_380.0, 7_391.0)},
}


def _week_ending(now: datetime) -> date:
    """The week the latest claims release (at or before ``now``) reported on: a Saturday."""
    release = next_claims_release(now - timedelta(days=7))
    if release > now:
        release = next_claims_release(now - timedelta(days=14))
    day = release.date()
    return day - timedelta(days=(day.weekday() - 5) % 7)


def _month_reported(now: datetime) -> date:
    """Job openings lag about six weeks: the month two months back."""
    month = now.month - 2
    year = now.year + (month <= 0) * -1
    return date(year, (month - 1) % 12 + 1, 1)


class DemoMacro:
    """Simulated macro strip (source ``demo``); unknown series get no value, only a reason."""

    name: ClassVar[str] = "demo-macro"

    def __init__(self, series: tuple[str, ...], seed: int = 7, scenario: str = "selloff") -> None:
        self.series = series
        self.seed = seed
        self.scenario = scenario

    async def fetch(self, now: datetime) -> MacroResult:
        return MacroResult(tuple(self.value(s, now) for s in self.series))

    def value(self, series: str, now: datetime) -> MacroValue:
        pair = _MACRO.get(self.scenario, {}).get(series)
        if pair is None:
            return MacroValue(series, title_of(series), None, None, None, True, self.name,
                              "no simulated value for this series")  # fmt: skip
        nudge = zlib.crc32(f"{self.seed}|{series}".encode()) % 5 - 2  # -2..2 units of 1 %
        value = round(pair[0] * (1 + nudge / 100.0), -3 if series == CLAIMS else 0)
        period = _week_ending(now) if series == CLAIMS else _month_reported(now)
        return MacroValue(
            series=series,
            title=title_of(series),
            value=value,
            previous=pair[1],
            date=period,
            stale=False,
            source=self.name,
            next_release=next_claims_release(now) if series == CLAIMS else None,
            scale=scale_of(series),
        )
