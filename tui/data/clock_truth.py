"""How wrong the machine's clock is, estimated from the servers' ``Date`` headers.

Servers and VMs often run with a wrong clock. Ages, staleness and "market closed" all compare
source times with the local clock, so a clock that is off labels fresh prices hours old, or
old ones fresh. Every HTTP answer carries the server's time in its ``Date`` header (to the
second); the offset is the median of the recent differences, after dropping any that lie far
from the others, so one server with a missing, unparseable or wildly wrong header cannot move
it. Below :data:`DEADBAND` the offset is taken as zero: that is the header's own resolution
plus the time an answer takes to arrive.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from tui.data.clock import Clock

WINDOW = 15  # recent samples kept
MIN_SAMPLES = 3  # no correction on fewer: one server alone cannot outvote the local clock
DEADBAND = 2.0  # seconds: smaller offsets are the header's resolution and latency
OUTLIER = 30.0  # seconds from the median (or 5 x the spread, if larger) is a liar
WARN_SECONDS = 120.0  # beyond this the header says the clock is off


def parse_date_header(value: str | None) -> datetime | None:
    """An HTTP-date as aware UTC; ``None`` when missing or unparseable."""
    if not value:
        return None
    # email.utils and statistics load with the first answer (the engine's start warms them,
    # tui/app_startup.py), not with the main screen, which needs only :func:`clock_warning`.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class ClockTruth:
    """The offset to add to the local clock to get the servers' time (seconds)."""

    def __init__(self, local_now: Callable[[], datetime]) -> None:
        self._local_now = local_now
        self._samples: deque[float] = deque(maxlen=WINDOW)
        self.ignored = 0  # answers whose Date was missing or unparseable
        self.offset = 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        """One answer's headers (the Fetcher calls this once per response)."""
        server = parse_date_header(headers.get("date"))
        if server is None:
            self.ignored += 1
            return
        self._samples.append((server - self._local_now()).total_seconds())
        self.offset = estimate(self._samples)

    @property
    def samples(self) -> int:
        return len(self._samples)

    @property
    def warning(self) -> str | None:
        return clock_warning(self.offset)


def clock_warning(offset: float) -> str | None:
    """``local clock 5m behind`` when it is off by more than :data:`WARN_SECONDS`."""
    if abs(offset) <= WARN_SECONDS:
        return None
    return f"local clock {describe(-offset)}"


def estimate(samples: deque[float] | list[float]) -> float:
    """The robust offset: median of the samples near the median, whole seconds, 0 if small."""
    if len(samples) < MIN_SAMPLES:
        return 0.0
    import statistics

    middle = statistics.median(samples)
    spread = statistics.median(abs(s - middle) for s in samples)
    honest = [s for s in samples if abs(s - middle) <= max(OUTLIER, 5 * spread)]
    value = float(round(statistics.median(honest)))
    return value if abs(value) > DEADBAND else 0.0


def describe(seconds: float) -> str:
    """``5m ahead`` / ``2h behind``: how far a clock is from the truth."""
    size = abs(seconds)
    if size < 3600:
        amount = f"{size / 60:.0f}m"
    elif size < 86400:
        amount = f"{size / 3600:.1f}h"
    else:
        amount = f"{size / 86400:.0f}d"
    return f"{amount} {'ahead' if seconds > 0 else 'behind'}"


class CorrectedClock:
    """A clock whose ``now`` is the servers' time: the local clock plus the estimated offset."""

    def __init__(self, base: Clock, truth: ClockTruth) -> None:
        self.base = base
        self.truth = truth

    def now(self) -> datetime:
        return self.base.now() + timedelta(seconds=self.truth.offset)

    def monotonic(self) -> float:
        return self.base.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(seconds)
