"""Per-source health, failure count and the earliest time the next request may go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.data.backoff import Backoff
from tui.data.errors import ErrorKind, SourceError
from tui.data.snapshot import SourceHealth, SourceStatus


@dataclass
class SourceState:
    name: str
    interval: float
    attempts: int = 0
    failures: int = 0
    last_ok: datetime | None = None
    last_error: SourceError | None = None
    not_before: float = 0.0  # monotonic seconds; no request to this source before then
    next_retry: datetime | None = None

    def succeeded(self, now: datetime, mono: float) -> None:
        self.attempts += 1
        self.failures = 0
        self.last_ok = now
        self.last_error = None
        self.not_before = mono
        self.next_retry = now + timedelta(seconds=self.interval)

    def failed(self, error: SourceError, now: datetime, mono: float, backoff: Backoff) -> float:
        """Record a source-wide failure; return the delay before the next try."""
        self.attempts += 1
        self.failures += 1
        self.last_error = error
        delay = backoff.delay(self.failures, error.retry_after, base=self.interval)
        self.not_before = mono + delay
        self.next_retry = now + timedelta(seconds=delay)
        return delay

    @property
    def health(self) -> SourceHealth:
        if self.attempts == 0:
            return SourceHealth.IDLE
        if self.failures == 0 or self.last_error is None:
            return SourceHealth.OK
        kind = self.last_error.kind
        if kind is ErrorKind.RATE_LIMITED:
            return SourceHealth.RATE_LIMITED
        if kind.is_offline:
            return SourceHealth.OFFLINE
        return SourceHealth.STALE

    def status(self) -> SourceStatus:
        return SourceStatus(
            name=self.name,
            health=self.health,
            last_ok=self.last_ok,
            next_retry=self.next_retry,
            failures=self.failures,
            last_error=self.last_error,
        )
