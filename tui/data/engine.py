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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import polars as pl

from tui.data.backoff import Backoff
from tui.data.clock import Clock
from tui.data.clock_truth import ClockTruth, CorrectedClock
from tui.data.engine_loops import HEADLINES as HEADLINES
from tui.data.engine_loops import EngineLoops
from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.futures import attach_futures
from tui.data.headlines import merge_headlines, relate_headlines
from tui.data.history import HistorySource
from tui.data.instruments import Instrument
from tui.data.macro import MacroResult
from tui.data.moves import compute_moves, instruments_frame, pane_snapshots, select_quotes
from tui.data.plausibility import is_future
from tui.data.providers.base import QuoteProvider
from tui.data.reasons import rows_per_source, with_problems
from tui.data.sessions import SessionBook
from tui.data.sigma import SigmaStep
from tui.data.snapshot import Headline, HeadlineResult, MacroValue, MarketSnapshot
from tui.data.source_state import SourceState
from tui.data.store import QuoteStore

if TYPE_CHECKING:
    from tui.data.bars import BarBook


class HeadlineFeed(Protocol):
    @property
    def name(self) -> str: ...

    async def fetch(self) -> HeadlineResult: ...


class MacroFeed(Protocol):
    @property
    def name(self) -> str: ...

    async def fetch(self, now: datetime) -> MacroResult: ...


@dataclass(frozen=True, slots=True)
class EngineSettings:
    chains: Mapping[str, Sequence[str]]  # pane -> source names, in fallback order
    intervals: Mapping[str, float]  # source (and "headlines") -> poll interval, seconds
    max_age: Mapping[str, float]  # source -> seconds before a price counts as old
    max_headlines: int = 100
    demo: bool = False
    # pane -> cash symbol -> paired future (their rows are attached, not shown on their own)
    futures: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class Engine(EngineLoops):
    def __init__(
        self,
        instruments: Sequence[Instrument],
        providers: Mapping[str, QuoteProvider],
        settings: EngineSettings,
        clock: Clock,
        headlines: HeadlineFeed | None = None,
        backoff: Backoff | None = None,
        history: HistorySource | None = None,
        sessions: SessionBook | None = None,
        macro: MacroFeed | None = None,
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
        self.sessions = sessions or SessionBook()
        self.macro_feed = macro
        self.macro: tuple[MacroValue, ...] = ()
        self._macro_errors: tuple[SourceError, ...] = ()
        self._calendar_job: asyncio.Task[None] | None = None
        # Per-symbol OHLC bars for the detail view, fetched on demand (live Yahoo only).
        self.bars: BarBook | None = None
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
        if macro is not None:
            names.add(macro.name)
        self.states = {
            name: SourceState(name, settings.intervals.get(name, 30.0)) for name in sorted(names)
        }
        self._wake = {name: asyncio.Event() for name in self.states}
        self._regroup = {name: asyncio.Event() for name in self.states}
        self._unit_wakes: dict[str, dict[tuple[str, ...], asyncio.Event]] = {
            name: {} for name in self.states
        }
        # Price units that have not answered yet (headlines and macro wait for them at start).
        self._unanswered: set[tuple[str, tuple[str, ...]]] = set()
        self._prices_answered = asyncio.Event()

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

    async def fetch_macro(self) -> None:
        """Poll the macro strip's series; the feed keeps each series' last good value."""
        feed = self.macro_feed
        if feed is None:
            return
        state = self.states[feed.name]
        try:
            result = await feed.fetch(self.clock.now())
        except FetchError as exc:
            error = exc.to_error(feed.name, None)
            self._macro_errors = (error,)
            state.failed(error, self.clock.now(), self.clock.monotonic(), self.backoff)
            return
        self.macro = result.values
        self._macro_errors = result.errors
        if result.errors and len(result.errors) == len(result.values):
            state.failed(result.errors[0], self.clock.now(), self.clock.monotonic(), self.backoff)
        else:
            state.succeeded(self.clock.now(), self.clock.monotonic())

    async def prepare_calendars(self) -> None:
        """Compute missing exchange calendars in a subprocess (never in this process)."""
        await self.sessions.compute_missing(self.clock.now())

    async def refresh_once(self) -> MarketSnapshot:
        """Fetch everything once, walking each chain until every symbol has an answer."""
        tried: set[tuple[str, str]] = set()
        tasks = [
            asyncio.create_task(self.fetch_headlines()),
            asyncio.create_task(self.fetch_macro()),
            asyncio.create_task(self.prepare_calendars()),
        ]
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

    def _calendars_needed(self, missing: list[int]) -> None:
        """Start the calendar subprocess for missing years, at most one job at a time.

        Not a polling loop: it sleeps on no clock, so virtual-time tests count the same loops;
        it runs when a snapshot finds a year missing (at start, and at New Year).
        """
        if not missing or (self._calendar_job is not None and not self._calendar_job.done()):
            return
        try:
            self._calendar_job = asyncio.get_running_loop().create_task(self.prepare_calendars())
        except RuntimeError:  # no running loop (a snapshot taken from synchronous code)
            return

    # --- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> MarketSnapshot:
        now = self.clock.now()
        selected = select_quotes(self.store.candidates(), self._chain_frame, now)
        # Picks up a calendar another process (or the job) computed; starts the job if needed.
        self._calendars_needed(self.sessions.load(now))
        moves = compute_moves(
            selected, self._instruments_frame, now, self.settings.max_age, sessions=self.sessions
        )
        if self.history is not None:
            moves = self._sigma(moves, self.history.frame())
        errors = (
            self.store.errors()
            + self._headline_errors
            + self._macro_errors
            + self.no_source_errors()
        )
        panes = with_problems(pane_snapshots(moves, self._groups), self._chains, self.store)
        rows = rows_per_source(panes)
        return MarketSnapshot(
            generated_at=now,
            demo=self.settings.demo,
            panes=attach_futures(panes, self.settings.futures),
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
            markets=tuple(self.sessions.states(now)),
            macro=self.macro,
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
