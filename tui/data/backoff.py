"""Exponential backoff with jitter that never undercuts a server's ``Retry-After``."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        seconds = float(value)
        # A 400-digit number parses as inf; treat it as junk rather than "never retry".
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class Backoff:
    """Delay before the next try after ``failures`` consecutive failures.

    Equal jitter (half fixed, half random) spreads retries of many clients without ever
    retrying immediately; ``cap`` bounds the wait so a recovered source is noticed soon.
    """

    base: float = 2.0
    factor: float = 2.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(
        self, failures: int, retry_after: float | None = None, base: float | None = None
    ) -> float:
        """``base`` overrides the first delay (a source's own interval, so a failing source is
        never polled faster than a healthy one)."""
        if failures <= 0:
            return 0.0
        first = self.base if base is None else base
        # Clamp the exponent: factor ** n overflows a float after ~1000 failures.
        raw = min(self.cap, first * self.factor ** min(failures - 1, 64))
        jittered = raw / 2 + self.rng.uniform(0, raw / 2)
        if retry_after is not None:
            return max(jittered, retry_after)
        return jittered
