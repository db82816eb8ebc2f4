"""The board's memory, as seen from the app: the last-known cache, the recorder and replay.

A mixin of :class:`tui.app.MarketmonApp`, kept apart so the app module stays about wiring.
The data work lives in tui/data (snapshot_cache, recorder, replay); this is only what the
screen shows about it (the CACHED/REPLAY badge, status-line notes) and the replay keys.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.app import App

from tui.data.clock import Clock
from tui.data.snapshot import MarketSnapshot
from tui.data.snapshot_cache import CacheWriter
from tui.format import age_between
from tui.screens.main import MainScreen
from widgets.market_header import MarketHeader
from widgets.status_bar import SourceStatusBar

if TYPE_CHECKING:
    from tui.data.recorder import Recorder
    from tui.data.replay import ReplaySession


class BoardMemory(App[None]):
    """Cache badge and notes, recorder flushes, replay keys (see the module docstring)."""

    REPLAY_ACTIONS = frozenset({"replay_pause", "replay_jump", "replay_step", "replay_speed"})

    clock: Clock
    main_screen: MainScreen
    cached: MarketSnapshot | None
    cache_writer: CacheWriter | None
    recorder: Recorder | None
    replay: ReplaySession | None

    def _changed(self) -> None:
        raise NotImplementedError

    def action_toggle_pause(self) -> None:
        raise NotImplementedError

    def _show_cache_state(self, shown: MarketSnapshot | None) -> None:
        """The CACHED badge and the age of the cache, while any cached price is on screen."""
        header = self.main_screen.query_one(MarketHeader)
        status = self.main_screen.query_one(SourceStatusBar)
        if shown is None or self.cached is None:
            header.badge = ""
            if status.note and status.note.startswith("cached prices"):
                status.set_note(None)
            return
        header.badge = "CACHED"
        saved = self.cached.generated_at
        status.set_note(
            f"cached prices from {saved.astimezone():%H:%M} "
            f"({age_between(saved, self.clock.now())} ago) until live ones arrive"
        )

    def _save_cache(self, *, at_exit: bool = False) -> None:
        writer = self.cache_writer
        if writer is None:
            return
        mono = self.clock.monotonic()
        if at_exit or writer.due(mono):
            writer.flush(mono)
        if writer.failed and self.is_running:
            self.main_screen.query_one(SourceStatusBar).set_note(writer.failed)

    def _flush_record(self, *, at_exit: bool = False) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        mono = self.clock.monotonic()
        if at_exit or recorder.due(mono):
            recorder.flush(mono)
        if recorder.stopped and self.is_running:
            self.main_screen.query_one(SourceStatusBar).set_note(recorder.stopped)

    def _start_compaction(self) -> None:
        """Look for closed days to compact now (a minute after start) and every 10 minutes."""
        from tui.data.record_compact import COMPACT_EVERY, COMPACT_FIRST

        self.set_timer(COMPACT_FIRST, self._compact_record)
        self.set_interval(COMPACT_EVERY, self._compact_record)

    def _compact_record(self) -> None:
        """Compact the record folder's closed days in a thread (tui/data/record_compact.py)."""
        recorder = self.recorder
        if recorder is None or recorder.stopped or not getattr(self, "is_fetcher", True):
            return
        from tui.data.record_compact import compact_closed_days

        work = asyncio.to_thread(compact_closed_days, recorder.folder, self.clock.now())
        self.run_worker(work, name="compact", group="compact", exclusive=True)

    # --- replay -----------------------------------------------------------------------------

    def _replay_tick(self) -> None:
        """The replay clock moves: show the board when the recording changed, and the badge."""
        headers = self.main_screen.query(MarketHeader)  # none while the app shuts down
        if self.replay is None or not self.main_screen.ready or not headers:
            return
        headers.first().badge = self.replay.badge()
        if self.replay.changed():
            self._changed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.REPLAY_ACTIONS:
            return self.replay is not None
        return True

    def action_replay_pause(self) -> None:
        self.action_toggle_pause()

    def action_replay_jump(self, seconds: float) -> None:
        if self.replay is not None:
            self.replay.clock.jump(seconds)
            self._replay_tick()

    def action_replay_step(self) -> None:
        if self.replay is not None:
            self.replay.step()
            self._replay_tick()

    def action_replay_speed(self) -> None:
        if self.replay is not None:
            speed = self.replay.clock.cycle_speed()
            self._replay_tick()
            self.notify(f"Replay speed ×{speed}", timeout=1.5)
