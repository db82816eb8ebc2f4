"""The polling engine: asyncio loops per source and per unit, fallback down each pane's chain.

Each source polls on its own interval and backs off on its own, so a failing or rate-limited
source never delays the others. Within a source, each unit of symbols (what one request serves,
``QuoteProvider.batch_size``) polls in its own loop, so a slow or failing request delays only
its own symbols; a rate limit still holds the whole source. A symbol is fetched from the first
source in its pane's chain that is not failing for it; when that source fails, the next one is
woken at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import polars as pl

from tui.data.backoff import Backoff
from tui.data.clock import Clock
from tui.data.clock_truth import ClockTruth, CorrectedClock
from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.headlines import merge_headlines, relate_headlines
from tui.data.history import HistorySource
from tui.data.instruments import Instrument
from tui.data.moves import compute_moves, instruments_frame, pane_snapshots, select_quotes
from tui.data.plausibility import is_future
from tui.data.providers.base import QuoteProvider
from tui.data.reasons import rows_per_source, with_problems
from tui.data.schedule import units
from tui.data.sigma import SigmaStep
from tui.data.snapshot import Headline, HeadlineResult, MarketSnapshot
from tui.data.source_state import SourceState
from tui.data.store import QuoteStore

HEADLINES = "headlines"


class HeadlineFeed(Protocol):
    @property
    def name(self) -> str: ...

    async def fetch(self) -> HeadlineResult: ...


@dataclass(frozen=True, slots=True)
class EngineSettings:
    chains: Mapping[str, Sequence[str]]  # pane -> source names, in fallback order
    intervals: Mapping[str, float]  # source (and "headlines") -> poll interval, seconds
    max_age: Mapping[str, float]  # source -> seconds before a price counts as old
    max_headlines: int = 100
    demo: bool = False


class Engine:
    def __init__(
        self,
        instruments: Sequence[Instrument],
        providers: Mapping[str, QuoteProvider],
        settings: EngineSettings,
        clock: Clock,
        headlines: HeadlineFeed | None = None,
        backoff: Backoff | None = None,
        history: HistorySource | None = None,
        truth: ClockTruth | None = None,
    ) -> None:
        self.instruments = tuple(instruments)
        self.providers = dict(providers)
        self.settings = settings
        # With ``truth`` every time (ages, staleness, sessions) is the servers' time.
        self.truth = truth
        self.clock: Clock = CorrectedClock(clock, truth) if truth is not None else clock
        self.headline_feed = headlines
        self.backoff = backoff or Backoff()
        self.history = history
        self._sigma = SigmaStep()
        self.store = QuoteStore()
        self.headlines: tuple[Headline, ...] = ()
        self._headline_errors: tuple[SourceError, ...] = ()
        self._chains = self._build_chains()
        self._chain_frame = pl.DataFrame(
            [
                (p, s, src, rank)
                for (p, s), chain in self._chains.items()
                for rank, src in enumerate(chain)
            ],
            schema={
                "pane": pl.String(),
                "symbol": pl.String(),
                "source": pl.String(),
                "rank": pl.Int64(),
            },
            orient="row",
        )
        self._instruments_frame = instruments_frame(self.instruments)
        self._groups = self._pane_groups()
        self._keywords = {i.symbol: i.keywords for i in self.instruments if i.keywords}
        names = {src for chain in self._chains.values() for src in chain}
        if headlines is not None:
            names.add(HEADLINES)
        self.states = {
            name: SourceState(name, settings.intervals.get(name, 30.0)) for name in sorted(names)
        }
        self._wake = {name: asyncio.Event() for name in self.states}
        self._regroup = {name: asyncio.Event() for name in self.states}
        self._unit_wakes: dict[str, dict[tuple[str, ...], asyncio.Event]] = {
            name: {} for name in self.states
        }

    # --- set-up ---------------------------------------------------------------------------

    def _build_chains(self) -> dict[tuple[str, str], tuple[str, ...]]:
        chains: dict[tuple[str, str], tuple[str, ...]] = {}
        for inst in self.instruments:
            chain = tuple(
                src
                for src in self.settings.chains.get(inst.pane, ())
                if src in self.providers and self.providers[src].supports(inst.symbol)
            )
            chains[(inst.pane, inst.symbol)] = chain
        return chains

    def _pane_groups(self) -> dict[str, tuple[str, ...]]:
        groups: dict[str, list[str]] = {}
        for inst in self.instruments:
            pane = groups.setdefault(inst.pane, [])
            if inst.group not in pane:
                pane.append(inst.group)
        return {pane: tuple(g) for pane, g in groups.items()}

    # --- which symbols each source should fetch -------------------------------------------

    def assigned(self, source: str) -> list[str]:
        """Symbols for which ``source`` is the first source in the chain not failing for it."""
        out: dict[str, None] = {}
        for (_pane, symbol), chain in self._chains.items():
            for src in chain:
                if self.store.is_unlisted(src, symbol):
                    continue
                if src == source:
                    out[symbol] = None
                    break
                if not self.store.is_failing(src, symbol):
                    break
        return list(out)

    # --- fetching -------------------------------------------------------------------------

    async def fetch_source(
        self, source: str, symbols: Sequence[str], *, unit: bool = False
    ) -> SourceError | None:
        """Fetch ``symbols`` from ``source`` and record the outcome; ``None`` when it answered.

        With ``unit``, the symbols are one unit among several: a failure other than a rate
        limit still shows in the source's health, but does not hold the source's other units.
        """
        state = self.states[source]
        provider = self.providers[source]
        try:
            result = await provider.fetch(list(symbols))
        except FetchError as exc:
            error = exc.to_error(source, None)
        except Exception as exc:  # a parser bug must not take the engine down
            error = SourceError(source, None, ErrorKind.PARSE, f"{type(exc).__name__}: {exc}")
        else:
            self.store.record(source, symbols, result, self.clock.now())
            if result.frame.height or not symbols:
                state.succeeded(self.clock.now(), self.clock.monotonic())
            else:
                first = (
                    result.errors[0]
                    if result.errors
                    else SourceError(source, None, ErrorKind.NO_DATA, "no quotes in the response")
                )
                self._source_failed(state, first, unit)
            return None
        self.store.fail_all(source, symbols, error)
        self._source_failed(state, error, unit)
        return error

    def _source_failed(self, state: SourceState, error: SourceError, unit: bool) -> None:
        held = state.not_before
        state.failed(error, self.clock.now(), self.clock.monotonic(), self.backoff)
        if unit and error.kind is not ErrorKind.RATE_LIMITED:
            state.not_before = held  # the unit backs off by itself (_unit_loop)

    async def fetch_headlines(self) -> None:
        if self.headline_feed is None:
            return
        state = self.states[HEADLINES]
        try:
            result = await self.headline_feed.fetch()
        except FetchError as exc:
            error = exc.to_error(HEADLINES, None)
            self._headline_errors = (error,)
            state.failed(error, self.clock.now(), self.clock.monotonic(), self.backoff)
            return
        now = self.clock.now()
        arrived = [
            replace(h, received=now) if is_future(h.published, now) else h for h in result.headlines
        ]
        merged = merge_headlines([arrived, self.headlines], self.settings.max_headlines)
        self.headlines = relate_headlines(merged, self._keywords)
        self._headline_errors = result.errors
        if not result.headlines and result.errors:  # every feed failed
            state.failed(result.errors[0], self.clock.now(), self.clock.monotonic(), self.backoff)
        else:
            state.succeeded(self.clock.now(), self.clock.monotonic())

    async def refresh_once(self) -> MarketSnapshot:
        """Fetch everything once, walking each chain until every symbol has an answer."""
        tried: set[tuple[str, str]] = set()
        tasks = [asyncio.create_task(self.fetch_headlines())]
        if self.history is not None:
            tasks.append(asyncio.create_task(self.history.fetch_missing()))
        while True:
            batch: dict[str, list[str]] = {}
            for source in self.providers:
                if source not in self.states:
                    continue
                wanted = [s for s in self.assigned(source) if (source, s) not in tried]
                if wanted and self.states[source].not_before <= self.clock.monotonic():
                    batch[source] = wanted
                elif wanted:  # backing off: pass its symbols down the chain
                    error = self.states[source].last_error or SourceError(
                        source, None, ErrorKind.RATE_LIMITED, "backing off"
                    )
                    self.store.fail_all(source, wanted, error)
            if not batch:
                break
            for source, symbols in batch.items():
                tried.update((source, s) for s in symbols)
            await asyncio.gather(*(self.fetch_source(s, syms) for s, syms in batch.items()))
        await asyncio.gather(*tasks)
        return self.snapshot()

    # --- the live loops -------------------------------------------------------------------

    async def run(self, changed: Callable[[], None]) -> None:
        """Poll every source for ever, calling ``changed`` after each answer.

        The caller takes a :meth:`snapshot` when it is ready to show one: answers that arrive
        together (every source at start-up) then cost one snapshot, not one each.
        """
        loops = [self._quote_loop(src, changed) for src in self.states if src != HEADLINES]
        if self.headline_feed is not None:
            loops.append(self._headline_loop(changed))
        if self.history is not None:
            loops.append(self.history.run(changed))
        tasks = [asyncio.create_task(loop) for loop in loops]
        try:
            await asyncio.gather(*tasks)
        finally:
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
                for new in wanted:
                    if new not in loops:
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

    async def _headline_loop(self, changed: Callable[[], None]) -> None:
        state = self.states[HEADLINES]
        while True:
            await self._hold_until_allowed(state)
            await self.fetch_headlines()
            changed()
            await self._idle(HEADLINES, state.interval)

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

    # --- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> MarketSnapshot:
        now = self.clock.now()
        selected = select_quotes(self.store.candidates(), self._chain_frame, now)
        moves = compute_moves(selected, self._instruments_frame, now, self.settings.max_age)
        if self.history is not None:
            moves = self._sigma(moves, self.history.frame())
        errors = self.store.errors() + self._headline_errors + self.no_source_errors()
        panes = with_problems(pane_snapshots(moves, self._groups), self._chains, self.store)
        rows = rows_per_source(panes)
        return MarketSnapshot(
            generated_at=now,
            demo=self.settings.demo,
            panes=panes,
            headlines=self.headlines,
            errors=tuple(dict.fromkeys(errors)),
            sources=tuple(
                replace(
                    state.status(),
                    rows=rows.get(name, 0),
                    note=getattr(self.providers.get(name), "note", None),
                )
                for name, state in self.states.items()
            ),
            clock_offset=self.truth.offset if self.truth is not None else 0.0,
        )

    def no_source_errors(self) -> tuple[SourceError, ...]:
        """Instruments that no configured source can price at all."""
        return tuple(
            SourceError(
                "config",
                symbol,
                ErrorKind.UNSUPPORTED,
                f"no source in panes.{pane}.sources supports {symbol}",
            )
            for (pane, symbol), chain in self._chains.items()
            if not chain
        )


async def _first_of(*events: asyncio.Event) -> None:
    """Return once any of ``events`` is set."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
