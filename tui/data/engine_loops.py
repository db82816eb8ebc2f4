"""The engine's live loops: one per source, one per unit of its symbols, headlines and macro.

Kept apart from :mod:`tui.data.engine` (set-up, fetching and snapshot assembly) so each stays
a readable size. The loops only decide *when* to poll: waking, backing off, handing symbols
down the chain when a leader fails; what a poll does is the engine's ``fetch_*`` methods.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tui.data.backoff import Backoff
from tui.data.clock import Clock
from tui.data.errors import ErrorKind, SourceError
from tui.data.history import HistorySource
from tui.data.providers.base import QuoteProvider
from tui.data.schedule import units
from tui.data.source_state import SourceState
from tui.data.store import QuoteStore

if TYPE_CHECKING:
    from tui.data.engine import HeadlineFeed, MacroFeed

HEADLINES = "headlines"
# Headlines and the macro strip wait for every price unit's first answer (at most this long):
# at start their answers and parsing would otherwise queue ahead of the prices on one core.
PRICES_FIRST_WAIT = 3.0


class EngineLoops:
    """Mixin of :class:`tui.data.engine.Engine`: the polling loops over its state."""

    if TYPE_CHECKING:
        providers: dict[str, QuoteProvider]
        clock: Clock
        backoff: Backoff
        history: HistorySource | None
        store: QuoteStore
        headline_feed: HeadlineFeed | None
        macro_feed: MacroFeed | None
        states: dict[str, SourceState]
        _calendar_job: asyncio.Task[None] | None
        _chains: dict[tuple[str, str], tuple[str, ...]]
        _wake: dict[str, asyncio.Event]
        _regroup: dict[str, asyncio.Event]
        _unit_wakes: dict[str, dict[tuple[str, ...], asyncio.Event]]
        _unanswered: set[tuple[str, tuple[str, ...]]]
        _prices_answered: asyncio.Event

        def assigned(self, source: str) -> list[str]: ...

        async def fetch_source(
            self, source: str, symbols: Sequence[str], *, unit: bool = False
        ) -> SourceError | None: ...

        async def fetch_headlines(self) -> None: ...

        async def fetch_macro(self) -> None: ...

    # --- the live loops -------------------------------------------------------------------

    async def run(self, changed: Callable[[], None]) -> None:
        """Poll every source for ever, calling ``changed`` after each answer.

        The caller takes a :meth:`snapshot` when it is ready to show one: answers that arrive
        together (every source at start-up) then cost one snapshot, not one each.
        """
        macro_name = self.macro_feed.name if self.macro_feed is not None else None
        sources = [src for src in self.states if src not in (HEADLINES, macro_name)]
        # The source pricing the most rows sends first: at start every request leaves at once,
        # and the answers are read in that order (Yahoo's two spark requests before 21 crypto).
        sources.sort(key=lambda src: -len(self.assigned(src)))
        loops = [self._quote_loop(src, changed) for src in sources]
        if self.headline_feed is not None:
            loops.append(self._headline_loop(changed))
        if macro_name is not None:
            loops.append(self._macro_loop(macro_name, changed))
        if self.history is not None:
            loops.append(self.history.run(changed))
        tasks = [asyncio.create_task(loop) for loop in loops]
        try:
            await asyncio.gather(*tasks)
        finally:
            if self._calendar_job is not None:
                tasks.append(self._calendar_job)
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)

    def wake_all(self) -> None:
        """Ask every loop to poll now (still never before a source's backoff allows)."""
        for event in self._wake.values():
            event.set()
        for wakes in self._unit_wakes.values():
            for event in wakes.values():
                event.set()

    async def _quote_loop(self, source: str, changed: Callable[[], None]) -> None:
        """Keep one :meth:`_unit_loop` per unit of the symbols assigned to ``source``.

        Re-groups whenever a unit has answered (fallbacks move symbols between sources) and
        passes a wake-up (refresh now, a leader failing) on to every unit.
        """
        state = self.states[source]
        size = self.providers[source].batch_size
        loops: dict[tuple[str, ...], asyncio.Task[None]] = {}
        wakes = self._unit_wakes[source]
        regroup = self._regroup[source]
        try:
            while True:
                wanted = units(self.assigned(source), size)
                for old in [u for u in loops if u not in wanted]:
                    loops.pop(old).cancel()
                    wakes.pop(old, None)
                    self._answered(source, old)  # a unit regrouped away waits no longer
                for new in wanted:
                    if new not in loops:
                        if not self._prices_answered.is_set():
                            self._unanswered.add((source, new))
                        wakes[new] = asyncio.Event()
                        loops[new] = asyncio.create_task(
                            self._unit_loop(source, new, changed, wakes[new])
                        )
                regroup.clear()
                if not loops:
                    await self._idle(source, state.interval)
                    continue
                await _first_of(regroup, self._wake[source])
                if self._wake[source].is_set():
                    self._wake[source].clear()
                    for event in wakes.values():
                        event.set()
        finally:
            for task in loops.values():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*loops.values(), return_exceptions=True)
            wakes.clear()

    async def _unit_loop(
        self,
        source: str,
        unit: tuple[str, ...],
        changed: Callable[[], None],
        wake: asyncio.Event,
    ) -> None:
        state = self.states[source]
        failures = 0
        while True:
            await self._hold_until_allowed(state)
            before = {s for s in unit if self.store.is_failing(source, s)}
            error = await self.fetch_source(source, unit, unit=True)
            self._answered(source, unit)
            changed()
            if any(self.store.is_failing(source, s) for s in unit if s not in before):
                self._wake_followers(source)
            self._regroup[source].set()
            if error is None:
                failures = 0
                delay = state.interval
            elif error.kind is ErrorKind.RATE_LIMITED:
                continue  # the source-wide backoff set by the failure decides
            else:
                failures += 1
                delay = self.backoff.delay(failures, error.retry_after, base=state.interval)
            await self._sleep_or_wake(wake, delay)

    def _answered(self, source: str, unit: tuple[str, ...]) -> None:
        self._unanswered.discard((source, unit))
        if not self._unanswered:
            self._prices_answered.set()

    async def _prices_first(self) -> None:
        """Wait until every price unit has answered once (or :data:`PRICES_FIRST_WAIT`)."""
        await asyncio.sleep(0)  # the quote loops (started first) register their units
        if self._prices_answered.is_set() or not self._unanswered:
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(PRICES_FIRST_WAIT))
        waiter = asyncio.ensure_future(self._prices_answered.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waiter.cancel()

    async def _headline_loop(self, changed: Callable[[], None]) -> None:
        state = self.states[HEADLINES]
        await self._prices_first()
        while True:
            await self._hold_until_allowed(state)
            await self.fetch_headlines()
            changed()
            await self._idle(HEADLINES, state.interval)

    async def _macro_loop(self, name: str, changed: Callable[[], None]) -> None:
        state = self.states[name]
        await self._prices_first()
        while True:
            await self._hold_until_allowed(state)
            await self.fetch_macro()
            changed()
            await self._idle(name, state.interval)

    async def _hold_until_allowed(self, state: SourceState) -> None:
        while (wait := state.not_before - self.clock.monotonic()) > 0:
            await self.clock.sleep(wait)

    async def _idle(self, source: str, seconds: float) -> None:
        await self._sleep_or_wake(self._wake[source], seconds)

    async def _sleep_or_wake(self, event: asyncio.Event, seconds: float) -> None:
        if event.is_set():
            event.clear()
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for fut in (sleeper, waiter):
                fut.cancel()
            event.clear()

    def _wake_followers(self, source: str) -> None:
        for chain in self._chains.values():
            if source in chain:
                for follower in chain[chain.index(source) + 1 :]:
                    self._wake[follower].set()


async def _first_of(*events: asyncio.Event) -> None:
    """Return once any of ``events`` is set."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
