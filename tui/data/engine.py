"""The polling engine: one asyncio loop per source, fallback down each pane's chain.

Each source polls on its own interval and backs off on its own, so a failing or rate-limited
source never delays the others. A symbol is fetched from the first source in its pane's chain
that is not failing for it; when that source fails, the next one is woken at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from tui.data.backoff import Backoff
from tui.data.clock import Clock
from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.headlines import merge_headlines, relate_headlines
from tui.data.history import HistorySource
from tui.data.instruments import Instrument
from tui.data.moves import compute_moves, instruments_frame, pane_snapshots, select_quotes
from tui.data.providers.base import QuoteProvider
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
    ) -> None:
        self.instruments = tuple(instruments)
        self.providers = dict(providers)
        self.settings = settings
        self.clock = clock
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

    async def fetch_source(self, source: str, symbols: Sequence[str]) -> bool:
        """Fetch ``symbols`` from ``source`` and record the outcome; True when it answered."""
        state = self.states[source]
        provider = self.providers[source]
        try:
            result = await provider.fetch(list(symbols))
        except FetchError as exc:
            error = exc.to_error(source, None)
        except Exception as exc:  # a parser bug must not take the engine down
            error = SourceError(source, None, ErrorKind.PARSE, f"{type(exc).__name__}: {exc}")
        else:
            self.store.record(source, symbols, result)
            if result.frame.height or not symbols:
                state.succeeded(self.clock.now(), self.clock.monotonic())
            else:
                first = (
                    result.errors[0]
                    if result.errors
                    else SourceError(source, None, ErrorKind.NO_DATA, "no quotes in the response")
                )
                state.failed(first, self.clock.now(), self.clock.monotonic(), self.backoff)
            return True
        self.store.fail_all(source, symbols, error)
        state.failed(error, self.clock.now(), self.clock.monotonic(), self.backoff)
        return False

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
        merged = merge_headlines([result.headlines, self.headlines], self.settings.max_headlines)
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

    async def _quote_loop(self, source: str, changed: Callable[[], None]) -> None:
        state = self.states[source]
        while True:
            await self._hold_until_allowed(state)
            symbols = self.assigned(source)
            if symbols:
                before = {s for s in symbols if self.store.is_failing(source, s)}
                answered = await self.fetch_source(source, symbols)
                changed()
                if any(self.store.is_failing(source, s) for s in symbols if s not in before):
                    self._wake_followers(source)
                if not answered:
                    continue  # the backoff set by the failure decides when to try again
            await self._idle(source, state.interval)

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
        event = self._wake[source]
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
        selected = select_quotes(self.store.candidates(), self._chain_frame)
        moves = compute_moves(selected, self._instruments_frame, now, self.settings.max_age)
        if self.history is not None:
            moves = self._sigma(moves, self.history.frame())
        errors = self.store.errors() + self._headline_errors + self.no_source_errors()
        return MarketSnapshot(
            generated_at=now,
            demo=self.settings.demo,
            panes=pane_snapshots(moves, self._groups),
            headlines=self.headlines,
            errors=tuple(dict.fromkeys(errors)),
            sources=tuple(state.status() for state in self.states.values()),
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
