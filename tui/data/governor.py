"""A request governor per upstream service: token bucket, concurrency cap and host-wide pause.

Upstreams rate-limit per client IP for a whole host, not per symbol or per provider: after a
429 every further request to that host only extends the ban. So every request any provider
makes goes through one :class:`Governor` (applied inside the shared ``Fetcher``) keyed by
*service*, and a 429, a 503 with ``Retry-After`` or Binance's 418 pauses the whole service.
Requests that arrive during a pause are never sent while it lasts. One whose pause ends within
its own deadline budget waits for the end, then takes a token like any other; one whose pause
outlasts that budget is refused at once with a typed ``RATE_LIMITED`` error carrying the
remaining wait, so its row says ``rate-ltd`` and the status line counts down. A pause empties
the bucket and stops its refill until the pause ends, so the waiters go out one token at a time
afterwards, not in a burst; at most :data:`MAX_WAITERS` wait per service, later ones are refused.

Yahoo's ``query1`` and ``query2`` hosts are one service behind one limiter, so they share one
key (:func:`service_key`).

Time comes from the project's :class:`~tui.data.clock.Clock`, so hours of pauses are tested
without sleeping; the governor imports nothing from httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tui.data.clock import Clock, SystemClock
from tui.data.errors import ErrorKind, FetchError

# Hosts that are one service (one rate limiter upstream) -> the key they share.
SERVICE_ALIASES: dict[str, str] = {
    # Not "finance.yahoo.com": that host serves Yahoo's RSS, a different front end.
    "query1.finance.yahoo.com": "query.finance.yahoo.com",
    "query2.finance.yahoo.com": "query.finance.yahoo.com",
}
# A Retry-After outside this range is a lie or a bug; the pause is clamped into it.
MIN_PAUSE = 1.0
MAX_PAUSE = 3600.0
# Without Retry-After: exponential from this, with equal jitter, up to BACKOFF_CAP.
BACKOFF_BASE = 5.0
BACKOFF_CAP = 600.0
# A bucket holds this many seconds' worth of its budget, so a refresh's burst goes out at once.
BURST_SECONDS = 10.0
PAUSING_STATUSES = frozenset({429, 418})
# Requests allowed to wait out one service's pause; more are refused (waiters never pile up).
MAX_WAITERS = 64
# A service without a budget refills at this rate after a pause (then is unlimited again), so
# the end of a pause never releases its waiters at once.
RECOVERY_PER_SECOND = 1.0
# Float slack: a sleep of exactly the time left can wake a hair early, and a virtual clock at
# t = 9 s cannot move by 1e-16; without it such a request would spin.
EPSILON = 1e-6


def service_key(url_or_host: str) -> str:
    """The governor key of a URL or host: its host (with port), aliases folded together."""
    host = urlsplit(url_or_host).netloc if "//" in url_or_host else url_or_host
    host = host.lower()
    return SERVICE_ALIASES.get(host, host)


def clamp_retry_after(seconds: float | None) -> float | None:
    """A server's ``Retry-After`` forced into ``[MIN_PAUSE, MAX_PAUSE]`` (``None`` stays ``None``).

    Negative, zero, 10⁹ or non-finite values would mean "hammer now" or "never again"; neither is
    what a user wants from a monitor meant to run for days.
    """
    if seconds is None or math.isnan(seconds):
        return None
    return min(MAX_PAUSE, max(MIN_PAUSE, seconds))


@dataclass(frozen=True, slots=True)
class HostState:
    """Read-only view of one service, for the status line and tests."""

    key: str
    paused_for: float  # seconds left in the pause (0 when not paused)
    reason: str | None  # why it is paused ("HTTP 429", ...), None when not paused
    tokens: float  # requests that may go out right now
    budget_per_minute: float | None  # None: no rate budget, only the concurrency cap
    in_flight: int
    waiting: int = 0  # requests waiting for the pause to end


@dataclass
class _Host:
    key: str
    rate: float | None  # tokens per second; None: unlimited
    capacity: float
    semaphore: asyncio.Semaphore
    tokens: float = 0.0
    stamp: float = 0.0  # monotonic time ``tokens`` was last brought up to date
    paused_until: float = 0.0
    reason: str | None = None
    strikes: int = 0  # consecutive pausing answers without Retry-After
    in_flight: int = 0
    waiting: int = 0
    recovering: bool = False  # an unbudgeted service refilling slowly after a pause

    @property
    def refill_rate(self) -> float | None:
        """Tokens per second now (``None``: unlimited)."""
        if self.rate is None and self.recovering:
            return RECOVERY_PER_SECOND
        return self.rate

    def refill(self, now: float) -> None:
        if now <= self.stamp:
            return  # ``stamp`` is the end of a pause: nothing refills before it
        rate = self.refill_rate
        if rate is None:
            self.tokens = self.capacity
        else:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * rate)
            if self.rate is None and self.tokens >= self.capacity:
                self.recovering = False
        self.stamp = now

    def pause_until(self, until: float) -> None:
        """Stop sending until ``until``: the bucket keeps at most one token and refills only
        from then on, so the requests that waited leave at the budget's pace."""
        self.paused_until = until
        self.tokens = min(self.tokens, 1.0)
        self.stamp = max(self.stamp, until)
        self.recovering = self.rate is None


@dataclass
class Governor:
    """Per-service token buckets, concurrency caps and pauses; shared by every provider.

    ``budgets`` maps a service key (see :func:`service_key`) to requests per minute; hosts not
    in it get ``default_budget`` (``None``: no rate limit, only ``per_host`` concurrency).
    """

    clock: Clock = field(default_factory=SystemClock)
    per_host: int = 10
    budgets: Mapping[str, float] = field(default_factory=dict)
    default_budget: float | None = None
    rng: random.Random = field(default_factory=random.Random)
    _hosts: dict[str, _Host] = field(default_factory=dict, repr=False)
    refused: int = 0  # requests refused locally because their service was paused

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            budget = self.budgets.get(key, self.default_budget)
            rate = budget / 60.0 if budget else None
            capacity = max(1.0, math.floor((budget or 60.0) * BURST_SECONDS / 60.0))
            host = self._hosts[key] = _Host(
                key=key,
                rate=rate,
                capacity=capacity,
                semaphore=asyncio.Semaphore(self.per_host),
                tokens=capacity,
                stamp=self.clock.monotonic(),
            )
        return host

    async def _wait_out_pause(self, host: _Host, deadline: float | None) -> None:
        """Return once ``host`` is not paused: at once, or after waiting for the pause to end
        when it ends before ``deadline`` (monotonic); else raise ``RATE_LIMITED``."""
        while (left := host.paused_until - (now := self.clock.monotonic())) > EPSILON:
            if deadline is None or now + left > deadline or host.waiting >= MAX_WAITERS:
                self.refused += 1
                raise FetchError(
                    ErrorKind.RATE_LIMITED,
                    f"{host.key} paused after {host.reason or 'rate limit'}; not sent",
                    retry_after=left,
                )
            host.waiting += 1
            try:
                await self.clock.sleep(left)
            finally:
                host.waiting -= 1

    @contextlib.asynccontextmanager
    async def slot(self, url: str, budget: float | None = None) -> AsyncIterator[str]:
        """Hold one request's place: never during a pause, within budget and concurrency.

        ``budget``: how long this request may wait for a pause to end (its deadline); ``None``
        refuses during any pause. Yields the service key. Raises ``FetchError(RATE_LIMITED)``
        instead of sending when the pause outlasts the budget, also when a pause began while
        this request waited its turn and outlasts what is left of it.
        """
        host = self._host(service_key(url))
        deadline = None if budget is None else self.clock.monotonic() + budget
        while True:
            await self._take_token(host, deadline)  # waits out (or refuses) a pause first
            await host.semaphore.acquire()
            if host.paused_until - self.clock.monotonic() <= EPSILON:
                break
            host.semaphore.release()  # paused while it queued: wait again (or be refused)
        host.in_flight += 1
        try:
            yield host.key
        finally:
            host.in_flight -= 1
            host.semaphore.release()

    async def _take_token(self, host: _Host, deadline: float | None) -> None:
        while True:
            await self._wait_out_pause(host, deadline)
            now = self.clock.monotonic()
            host.refill(now)
            if host.tokens >= 1.0 - EPSILON:
                host.tokens = max(0.0, host.tokens - 1.0)
                return
            rate = host.refill_rate
            assert rate is not None  # an unlimited bucket is always full
            await self.clock.sleep((1.0 - host.tokens) / rate)

    def observe(self, url: str, status: int, retry_after: float | None) -> float | None:
        """Record an answer; pause the service on 429/418 (or 503 with ``Retry-After``).

        Returns the pause in seconds when one began, else ``None``. ``retry_after`` is the
        parsed header (``None`` when absent or unparseable).
        """
        host = self._host(service_key(url))
        if status in PAUSING_STATUSES or (status == 503 and retry_after is not None):
            pause = clamp_retry_after(retry_after)
            if pause is None:
                host.strikes += 1
                raw = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** min(host.strikes - 1, 32))
                pause = raw / 2 + self.rng.uniform(0, raw / 2)
            until = self.clock.monotonic() + pause
            if until > host.paused_until:
                host.pause_until(until)
                host.reason = f"HTTP {status}"
            return pause
        if 200 <= status < 300:
            host.strikes = 0
        return None

    def paused_for(self, url_or_host: str) -> float:
        """Seconds left in the pause of this URL's service (0 when it may be asked)."""
        host = self._hosts.get(service_key(url_or_host))
        if host is None:
            return 0.0
        return max(0.0, host.paused_until - self.clock.monotonic())

    def states(self) -> tuple[HostState, ...]:
        """Every service seen so far, sorted by key (a read-only view)."""
        now = self.clock.monotonic()
        out: list[HostState] = []
        for key in sorted(self._hosts):
            host = self._hosts[key]
            host.refill(now)
            left = max(0.0, host.paused_until - now)
            out.append(
                HostState(
                    key=key,
                    paused_for=left,
                    reason=host.reason if left > 0 else None,
                    tokens=host.tokens,
                    budget_per_minute=host.rate * 60.0 if host.rate is not None else None,
                    in_flight=host.in_flight,
                    waiting=host.waiting,
                )
            )
        return tuple(out)
