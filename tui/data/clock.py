"""Time as a dependency, so tests can run hours of polling without sleeping."""

from __future__ import annotations

import asyncio
import heapq
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall-clock time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that only moves when slept on or advanced; ``sleep`` returns at once."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 2, 3, 14, 30, tzinfo=UTC)
        self._elapsed = 0.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        self._elapsed += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)


class VirtualClock(FakeClock):
    """Virtual time for many concurrent loops: ``sleep`` parks until ``run_for`` reaches it.

    Unlike :class:`FakeClock` (where every sleep advances time for everyone), each sleeper
    wakes at its own deadline, so several pollers interleave as they would in real time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self._elapsed + seconds, self._seq, future))
        await future

    @property
    def parked(self) -> int:
        """How many sleepers are waiting for virtual time to reach them."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def run_for(
        self, seconds: float, settle: int = 30, parked: int | None = None, timeout: float = 10.0
    ) -> None:
        """Advance virtual time by ``seconds``, waking sleepers in deadline order.

        With ``parked``, wait (in real time, up to ``timeout``) after each wake-up until that
        many sleepers are parked again, so real I/O started by a woken task (an HTTP request
        to a local server) finishes before time moves on.
        """
        end = self._elapsed + seconds
        await self._settle(settle, parked, timeout)
        while self._sleepers and self._sleepers[0][0] <= end:
            when, _, future = heapq.heappop(self._sleepers)
            self._elapsed = max(self._elapsed, when)
            if not future.done():
                future.set_result(None)
            await self._settle(settle, parked, timeout)
        self._elapsed = end
        await self._settle(settle, parked, timeout)

    async def _settle(self, rounds: int, parked: int | None, timeout: float) -> None:
        await _settle(rounds)
        if parked is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.parked < parked and loop.time() < deadline:
            await asyncio.sleep(0.005)


async def _settle(rounds: int) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)
