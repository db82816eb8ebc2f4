"""The Textual app: wires the engine to the screens, coalesces snapshots, owns the keys."""

from __future__ import annotations

__all__ = ["MarketmonApp", "create_app", "end_startup_pause", "run_app"]

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypedDict, Unpack

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.app_actions import THEMES, AppActions
from tui.app_alerts import AlertWiring
from tui.app_memory import BoardMemory
from tui.app_startup import (
    end_startup_pause,
    has_live_price,
    import_engine_modules,
    resume_collector,
)
from tui.data.clock import Clock, SystemClock
from tui.data.snapshot import MarketSnapshot, SnapshotOrigin
from tui.data.snapshot_cache import WRITE_EVERY, CacheWriter, load_cache, merge_live
from tui.screens.main import MainScreen
from widgets.market_header import MarketHeader
from widgets.quote_table import QuoteTable
from widgets.status_bar import SourceStatusBar

if TYPE_CHECKING:
    # The engine (and with it polars, httpx, feedparser) loads after the first paint.
    import httpx
    from textual.command import Provider

    from tui.config import Config
    from tui.data.alert_dispatch import AlertDispatcher, AlertMonitor
    from tui.data.engine import Engine
    from tui.data.recorder import Recorder
    from tui.data.replay import ReplaySession
    from tui.data.share import ShareNode


STARTUP_GRACE_SECONDS = 5.0  # after the engine starts: start-up ends even if no price came


def _instrument_commands() -> type[Provider]:
    """Loaded when the palette first opens: tui.commands is off the start-up path."""
    from tui.commands import InstrumentCommands

    return InstrumentCommands


class MarketmonApp(AlertWiring, AppActions, BoardMemory):
    """marketmon's TUI. Build it with :func:`create_app` (shared by the CLI and the tests)."""

    TITLE = "marketmon"
    COMMANDS = App.COMMANDS | {_instrument_commands}
    CSS_PATH = ["app.tcss", "screens/screens.tcss"]  # noqa: RUF012 (Textual's own type)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        # Textual 1.0+ binds Ctrl+C to copy; a terminal user expects it to stop the program.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("r", "refresh_now", "Refresh"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("t", "next_theme", "Theme"),
        Binding("m", "movers", "Movers"),
        Binding("a", "alerts", "Alerts"),
        Binding("question_mark", "help", "Help", key_display="?"),
        # Replay only (check_action hides them on the live board).
        Binding("space", "replay_pause", "Pause", show=False),
        Binding("left_square_bracket", "replay_jump(-60)", "-1 min", key_display="["),
        Binding("right_square_bracket", "replay_jump(60)", "+1 min", key_display="]"),
        Binding("full_stop", "replay_step", "Step", key_display="."),
        Binding("x", "replay_speed", "Speed"),
    ]

    def __init__(
        self,
        config: Config,
        *,
        demo: bool = False,
        seed: int = 7,
        scenario: str = "selloff",
        low_bandwidth: bool = False,
        clock: Clock | None = None,
        client: httpx.AsyncClient | None = None,
        animate: bool = True,
        history: bool = False,
        cache_path: Path | None = None,
        record_dir: Path | None = None,
        replay: ReplaySession | None = None,
        panes: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.history = history  # fetch daily closes for σ-moves (the CLI's app does)
        self.replay = replay
        if replay is not None:  # the recorded board: its clock, no network, no cache
            clock, cache_path, record_dir, demo = replay.clock, None, None, False
        self.config = config
        self.demo = demo
        self.seed = seed
        self.scenario = scenario
        self.low_bandwidth = low_bandwidth
        self.clock: Clock = clock or SystemClock()
        self.animated = animate
        self.paused = False
        self.snapshot: MarketSnapshot | None = None
        self.applied = 0  # snapshots applied (tests and benchmarks read it)
        self._client = client
        self._owns_client = client is None and not demo and replay is None
        self.record_dir = record_dir
        self.recorder: Recorder | None = None  # created with the engine (it needs polars)
        self._apply_scheduled = False
        self._changed_since_apply = False
        self.engine: Engine | None = None
        self.alerts: AlertMonitor | None = None
        self.alert_dispatcher: AlertDispatcher | None = None
        self.alert_problem: str | None = None  # the last alert side effect that failed
        self.share: ShareNode | None = None  # with [share]: fetcher or viewer of a desk
        self.on_first_prices: Callable[[], None] | None = None  # once, after they are painted
        # One calendar book for the engine (staleness, JSON) and the header (states).
        from tui.data.sessions import SessionBook
        from tui.data.sessions import default_cache_dir as calendars_dir

        self.sessions = SessionBook(calendars_dir())
        self.main_screen = MainScreen(
            now=self.true_now,
            demo=demo,
            low_bandwidth=low_bandwidth,
            animate=animate,
            share=config.share is not None,
            sessions=self.sessions,
            pane_rows={name: len(pane.symbols) for name, pane in config.panes.items()},
            panes=panes,
            pane_grouped={
                name: len({pane.group_of(s) for s in pane.symbols}) > 1
                for name, pane in config.panes.items()
            },
        )
        self.main_screen.on_ready = self._screen_ready
        # The last-known snapshot: shown until live prices replace it (None: no cache).
        self.cache_path = cache_path
        self.cached: MarketSnapshot | None = None
        self.cache_writer = CacheWriter(cache_path) if cache_path is not None else None
        self._cache_note: str | None = None  # why a cache file was ignored, for the status line
        # Fewer, larger frames over a slow link.
        self.coalesce_seconds = 2.0 if low_bandwidth else 0.25
        self.theme = THEMES[0]

    def true_now(self) -> datetime:
        """The servers' time: the local clock corrected by the offset their Date headers show."""
        truth = self.engine.truth if self.engine is not None else None
        now = self.clock.now()
        return now + timedelta(seconds=truth.offset) if truth is not None else now

    def get_default_screen(self) -> Screen[None]:
        return self.main_screen

    def on_mount(self) -> None:
        if self.cache_path is not None:
            loaded = load_cache(self.cache_path, self.config.instruments(), demo=self.demo)
            self.cached = loaded.snapshot
            self._cache_note = loaded.note
            if self.cached is not None:
                self._changed_since_apply = True
                self.main_screen.expect(self.cached)  # composed after this, for these rows
        if self.cache_writer is not None:
            self.set_interval(WRITE_EVERY, self._save_cache)
        if self.replay is not None:
            self._changed_since_apply = True
            self.set_interval(0.25, self._replay_tick)
        if self.animated:
            self.set_interval(60.0 if self.low_bandwidth else 15.0, self._tick)
        if self.replay is not None:
            self.set_timer(STARTUP_GRACE_SECONDS, self._startup_over)

    def _screen_ready(self) -> None:
        """The main screen is composed: paint the cached prices, then start the engine."""
        if self._cache_note:
            self.main_screen.query_one(SourceStatusBar).set_note(self._cache_note)
        self._apply()
        # After the first paint: importing polars and httpx (0.1-0.2 s) must not delay it.
        self.call_after_refresh(self._start_engine_after_paint, 8)

    def _start_engine_after_paint(self, rounds: int) -> None:
        """Cached rows are built on the tables' first layout, a refresh or two after the first
        frame: wait for that (a few rounds at most: a hidden pane never lays out)."""
        waiting = any(t.awaiting_layout for t in self.main_screen.query(QuoteTable))
        if waiting and rounds > 0:
            self.call_after_refresh(self._start_engine_after_paint, rounds - 1)
        else:
            self.run_worker(self._load_and_start_engine(), name="engine-start", group="engine")

    async def _load_and_start_engine(self) -> None:
        """Import the engine's modules in a thread (polars, httpx, feedparser: 0.2 s, and far
        more on a busy machine), so the event loop keeps painting meanwhile; then start."""
        await asyncio.to_thread(import_engine_modules, self.config, self.demo, self.record_dir)
        self._start_engine()

    def _start_engine(self) -> None:
        if self.engine is not None or self.replay is not None or not self.is_running:
            return
        if self.record_dir is not None:
            from tui.data.recorder import FLUSH_EVERY, Recorder

            self.recorder = Recorder(self.record_dir)
            self.set_interval(FLUSH_EVERY, self._flush_record)
            self._start_compaction()
        from tui.data.factory import build_engine  # polars (and httpx for live data) load here
        from tui.data.history import default_cache_dir

        if self._owns_client:
            from tui.data.http import make_client

            self._client = make_client(read_timeout=self.config.general.timeout)
        self.engine = build_engine(
            self.config,
            clock=self.clock,
            client=self._client,
            demo=self.demo,
            seed=self.seed,
            scenario=self.scenario,
            history=self.history,
            history_cache=default_cache_dir() if self.history else None,
            sessions=self.sessions,
        )
        self._start_alerts()
        self.set_timer(STARTUP_GRACE_SECONDS, self._startup_over)  # prices may never come
        if self.config.share is not None:
            from tui.data.share import node_for  # the share loads only when configured

            self.share = node_for(
                self.config,
                self.engine,
                self.clock,
                demo=self.demo,
                seed=self.seed,
                scenario=self.scenario,
                on_update=self._changed,
            )
            work = self.share.run()
        else:
            work = self.engine.run(self._changed)
        self.run_worker(work, name="poller", exclusive=True, group="poller")

    def _startup_over(self) -> None:
        if self.on_first_prices is not None:
            callback, self.on_first_prices = self.on_first_prices, None
            callback()

    @property
    def is_fetcher(self) -> bool:
        """True when this instance fetches (always, without [share]). Alerts (issue 13) write
        their log and run their commands only here, so a desk of four rings once."""
        return self.share is None or self.share.fetching

    async def on_unmount(self) -> None:
        if self.share is not None:
            await self.share.close()  # release the lease: a viewer takes over at once
        self._save_cache(at_exit=True)
        self._flush_record(at_exit=True)
        if self._owns_client and self._client is not None:
            await self._client.aclose()

    # --- snapshots --------------------------------------------------------------------------

    def _changed(self) -> None:
        """Called by the engine after every answer; many calls make one snapshot and one
        screen update (the snapshot is taken when the update runs)."""
        self._changed_since_apply = True
        if not self._apply_scheduled:
            self._apply_scheduled = True
            snap = self.snapshot
            if snap is None or not snap.quote_count or self.cached is not None:
                # Until every row shows a live price, no coalescing delay (0.25 s, 2 s with
                # --low-bandwidth): answers arriving together still make one update.
                self.call_later(self._apply)
            else:
                self.set_timer(self.coalesce_seconds, self._apply)

    def _apply(self) -> None:
        self._apply_scheduled = False
        if not self._changed_since_apply or not self.is_running:
            return  # nothing new, or shutting down: the screens' widgets are being removed
        if self.paused:
            self._apply_paused()
            return
        if not self.main_screen.ready:
            self._apply_scheduled = True  # MainScreen.on_ready applies it once composed
            return
        snapshot = self._next_snapshot()
        if snapshot is None:
            return
        self._changed_since_apply = False
        self.snapshot = snapshot
        self.applied += 1
        self.main_screen.apply(snapshot)
        self._check_alerts(snapshot)
        if self.on_first_prices is not None and snapshot.origin is SnapshotOrigin.CACHED:
            self.call_after_refresh(resume_collector)  # the cached board is on screen
        if self.on_first_prices is not None and self.cached is None and has_live_price(snapshot):
            # Live prices painted, none cached left: the collector can no longer delay them.
            self.call_after_refresh(self._startup_over)
        if self.screen is not self.main_screen:
            from tui.messages import SnapshotUpdated  # loaded already, by the screen shown

            self.screen.post_message(SnapshotUpdated(snapshot))

    def _next_snapshot(self) -> MarketSnapshot | None:
        """The live snapshot, its empty rows filled from the cache; the cache before the engine."""
        if self.replay is not None:
            self.main_screen.query_one(MarketHeader).badge = self.replay.badge()
            return self.replay.snapshot()
        if self.engine is None:
            if self.cached is not None:
                self._show_cache_state(self.cached)
            return self.cached
        if self.share is not None:  # [share]: what this node fetched or received
            shared = self.share.view()
            self.main_screen.show_share(self.share.status(), shared)
            if shared is None:
                return self.cached  # a viewer with nothing received yet
            shown = shared
        else:
            shown = self.engine.snapshot()
        if self.cached is not None:
            shown, still_cached = merge_live(shown, self.cached)
            if not still_cached:
                self.cached = None
            self._show_cache_state(shown if still_cached else None)
        if self.cache_writer is not None:
            self.cache_writer.offer(shown, self.clock.monotonic())
        if self.recorder is not None and self.is_fetcher:  # one recording per desk
            self.recorder.record(shown)
        return shown

    def _apply_paused(self) -> None:
        """Paused: the prices stay frozen, their ages, staleness and the status line do not."""
        if self.engine is None or self.snapshot is None or not self.main_screen.ready:
            return
        from tui.data.paused import paused_view

        # _changed_since_apply stays set: resuming applies the latest live snapshot.
        view = paused_view(self.snapshot, self.engine.snapshot())
        self.main_screen.apply(view, flash=False)

    def _tick(self) -> None:
        """Ages and staleness move with the clock even when no source answers (or paused)."""
        self._changed()

    # --- actions ----------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        if self.replay is not None:  # pause the recorded clock; keys still step and jump
            self.replay.clock.toggle_pause()
            self._replay_tick()
            return
        self.paused = not self.paused
        self.main_screen.set_paused(self.paused)
        if not self.paused:
            self._apply()
        self.notify("Paused: prices are frozen" if self.paused else "Live again", timeout=2)


class AppOptions(TypedDict, total=False):
    """Everything but the config that makes one app: the CLI, the tests and the screenshot
    script name what they need, and the factory passes it on, so the list lives once here
    and in ``MarketmonApp.__init__`` (mypy checks the two agree)."""

    demo: bool
    seed: int
    scenario: str
    low_bandwidth: bool
    clock: Clock | None
    client: httpx.AsyncClient | None
    animate: bool
    history: bool
    cache_path: Path | None
    record_dir: Path | None
    replay: ReplaySession | None
    panes: Sequence[str] | None


def create_app(config: Config, **options: Unpack[AppOptions]) -> MarketmonApp:
    """The one app factory, shared by the CLI, the tests and the screenshot script."""
    return MarketmonApp(config, **options)


def run_app(config: Config, **options: Unpack[AppOptions]) -> int:
    """Run the app in this terminal; daily history for σ unless replaying a recording."""
    options.setdefault("history", options.get("replay") is None)
    app = create_app(config, **options)
    app.on_first_prices = end_startup_pause
    app.run()
    return app.return_code or 0
