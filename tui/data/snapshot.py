"""Immutable snapshots: what the data layer hands to the UI and the snapshot command.

A snapshot is built once per refresh and never mutated, so the UI can diff the new one against
the one it is showing and touch only the cells that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tui.data.errors import SourceError

SPARK_POINTS = 32


class StaleReason(StrEnum):
    CLOSED = "market_closed"  # the market is shut; the last price is the close
    OLD = "old"  # older than the source's expected refresh
    FAILING = "source_failing"  # the source is failing; this is the last good value
    CACHED = "cached"  # from the last-known snapshot saved by a previous run; never fresh


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
    # Plausibility marks (tui.data.plausibility.Mark values): jump, negative, future.
    marks: tuple[str, ...] = ()

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
class MarketSnapshot:
    generated_at: datetime
    demo: bool
    panes: tuple[PaneSnapshot, ...]
    headlines: tuple[Headline, ...] = ()
    errors: tuple[SourceError, ...] = ()
    sources: tuple[SourceStatus, ...] = field(default=())
    origin: SnapshotOrigin = SnapshotOrigin.LIVE
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
