"""Immutable snapshots: what the data layer hands to the UI and the snapshot command.

A snapshot is built once per refresh and never mutated, so the UI can diff the new one against
the one it is showing and touch only the cells that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from tui.data.errors import SourceError
from tui.data.instruments import BASIS_POINT_PANES

SPARK_POINTS = 32


class StaleReason(StrEnum):
    CLOSED = "market_closed"  # the market is shut; the last price is the close
    OLD = "old"  # older than the source's expected refresh
    FAILING = "source_failing"  # the source is failing; this is the last good value
    CACHED = "cached"  # from the last-known snapshot saved by a previous run; never fresh


class Session(StrEnum):
    """Which session a market (or a quote's market) is in; also the ``state`` of ``markets``."""

    PRE = "pre"
    REGULAR = "regular"
    POST = "post"
    BREAK = "break"  # a lunch break (Tokyo, Hong Kong, Shanghai)
    CLOSED = "closed"  # outside the session on a trading day, or a weekend
    HOLIDAY = "holiday"  # a weekday on which the exchange does not trade


class SnapshotOrigin(StrEnum):
    """Where a snapshot's prices came from: alerts fire and the recorder writes on live ones."""

    LIVE = "live"  # computed from the sources in this run
    CACHED = "cached"  # the last-known snapshot of a previous run, shown until live prices arrive
    REPLAY = "replay"  # read back from a recording


class SourceHealth(StrEnum):
    IDLE = "idle"  # not polled yet
    OK = "ok"
    STALE = "stale"  # failing, but last good data is still recent enough to show
    RATE_LIMITED = "rate_limited"
    OFFLINE = "offline"  # network/DNS/timeouts


@dataclass(frozen=True, slots=True)
class Headline:
    title: str
    source: str
    published: datetime | None
    url: str
    related: tuple[str, ...] = ()  # symbols on screen that the headline names
    # When it first arrived, if its own time was ahead of the clock: it sorts by this instead,
    # so a headline dated next year does not stay pinned at the top.
    received: datetime | None = None

    @property
    def sort_time(self) -> datetime | None:
        return self.received or self.published


@dataclass(frozen=True, slots=True)
class HeadlineResult:
    headlines: tuple[Headline, ...]
    errors: tuple[SourceError, ...] = ()


@dataclass(frozen=True, slots=True)
class FuturesLeg:
    """The future paired with a cash index: read while the cash market is shut."""

    symbol: str
    name: str
    last: float | None
    change: float | None
    change_pct: float | None
    as_of: datetime | None
    stale_reason: StaleReason | None
    decimals: int | None = None

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None


@dataclass(frozen=True, slots=True)
class Quote:
    """One instrument's computed move, as shown in a row."""

    pane: str
    group: str
    symbol: str
    name: str
    source: str | None
    currency: str | None
    last: float | None
    prev_close: float | None
    change: float | None
    change_pct: float | None  # percent: -1.25 means down 1.25 %
    day_high: float | None
    day_low: float | None
    range_pos: float | None  # 0 at the day's low, 1 at its high
    as_of: datetime | None
    stale_reason: StaleReason | None
    # The day's series, oldest first (read lazily from the moves frame: see tui.data.lazy).
    series: Sequence[float] = ()
    series_time: Sequence[datetime] = ()
    # How unusual today's move is (tui.data.sigma): change over the σ of the last 60 daily
    # changes; null without enough history. ``sigma_daily`` is that σ itself, in percent
    # (basis points for rates); ``range_52w_pos`` is 0 at the 52-week low close, 1 at the high.
    sigma: float | None = None
    sigma_daily: float | None = None
    range_52w_pos: float | None = None
    # Why the row has no price or only an old one ("rate-ltd", "not found", "timeout",
    # "bad data", "offline"; see ErrorKind.row_reason), None when nothing is wrong.
    problem: str | None = None
    # Decimals the source quotes this instrument with (Yahoo's meta.priceHint); None: unknown.
    decimals: int | None = None
    session: Session | None = None  # the session of the instrument's market now
    futures: FuturesLeg | None = None  # the paired future, when one is configured
    # The exchange-local trading day the price is from, for a closed row ("Fri close").
    session_date: date | None = None
    # Plausibility marks (tui.data.plausibility.Mark values): jump, negative, future.
    marks: tuple[str, ...] = ()

    @property
    def change_bp(self) -> float | None:
        """The move in basis points, for yields quoted in percent (the rates pane); else None."""
        if self.pane not in BASIS_POINT_PANES or self.change is None:
            return None
        return self.change * 100.0

    @property
    def spark(self) -> tuple[float, ...]:
        """The series thinned to at most SPARK_POINTS evenly spaced points, ending at the last.

        Computed on demand: only rows being drawn need it, never all 10,000 of a snapshot.
        """
        values = self.series
        size = len(values)
        if size <= SPARK_POINTS:
            return tuple(values)
        return tuple(values[(k + 1) * size // SPARK_POINTS - 1] for k in range(SPARK_POINTS))

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None

    @property
    def has_data(self) -> bool:
        return self.last is not None


@dataclass(frozen=True, slots=True)
class PaneSnapshot:
    name: str
    groups: tuple[str, ...]
    quotes: tuple[Quote, ...]

    def by_symbol(self) -> dict[str, Quote]:
        return {q.symbol: q for q in self.quotes}


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    health: SourceHealth
    last_ok: datetime | None = None
    next_retry: datetime | None = None
    failures: int = 0
    last_error: SourceError | None = None
    rows: int = 0  # quote rows this source feeds: the status line shows the biggest first
    note: str | None = None  # e.g. Yahoo's "spark unusable; per-symbol charts"


@dataclass(frozen=True, slots=True)
class MarketState:
    """One exchange's state now and its next changes (from exchange calendars when verified)."""

    code: str  # ISO MIC: XNYS, XLON, ...
    name: str
    state: Session
    next_open: datetime | None
    next_close: datetime | None
    verified: bool  # False: regular hours only (calendar not computed yet, or unavailable)
    next_change: datetime | None = None  # the next open, close, or end of a break


@dataclass(frozen=True, slots=True)
class MacroValue:
    """One macro series' latest observation (FRED), as on the macro strip."""

    series: str
    title: str
    value: float | None
    previous: float | None
    date: date | None  # the period the value is for (week ending, month)
    stale: bool  # the period is older than the series' rhythm allows, or the source fails
    source: str
    error: str | None = None  # why the last fetch gave no new value (the value is the last good)
    next_release: datetime | None = None
    scale: float = 1.0  # units of the value (JTSJOL is in thousands)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    generated_at: datetime
    demo: bool
    panes: tuple[PaneSnapshot, ...]
    headlines: tuple[Headline, ...] = ()
    errors: tuple[SourceError, ...] = ()
    sources: tuple[SourceStatus, ...] = field(default=())
    origin: SnapshotOrigin = SnapshotOrigin.LIVE
    markets: tuple[MarketState, ...] = ()
    macro: tuple[MacroValue, ...] = ()
    # Seconds the local clock is behind the servers' (tui/data/clock_truth.py); 0 when unknown.
    clock_offset: float = 0.0

    def pane(self, name: str) -> PaneSnapshot | None:
        return next((p for p in self.panes if p.name == name), None)

    @property
    def quotes(self) -> tuple[Quote, ...]:
        return tuple(q for p in self.panes for q in p.quotes)

    @property
    def quote_count(self) -> int:
        return sum(1 for q in self.quotes if q.has_data)
