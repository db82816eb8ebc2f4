"""The app's keys and commands that open views or act on the board, and the help text.

A mixin of :class:`tui.app.MarketmonApp`, kept apart so the app module stays about wiring the
engine to the screens and coalescing snapshots. Every screen it opens loads lazily (off the
start-up path).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.screen import Screen

from tui.data.snapshot import MarketSnapshot
from tui.screens.main import MainScreen

if TYPE_CHECKING:
    from tui.data.engine import Engine
    from tui.messages import OpenDetail

THEMES: tuple[str, ...] = (
    "textual-dark",
    "tokyo-night",
    "nord",
    "gruvbox",
    "dracula",
    "catppuccin-mocha",
    "textual-light",
    "solarized-light",
)


class AppActions(App[None]):
    """Refresh, theme, help, movers, detail and the palette's system commands."""

    main_screen: MainScreen
    snapshot: MarketSnapshot | None
    engine: Engine | None

    if TYPE_CHECKING:

        def true_now(self) -> datetime: ...

        @property
        def is_fetcher(self) -> bool: ...

    def action_toggle_pause(self) -> None:
        raise NotImplementedError

    def action_refresh_now(self) -> None:
        if not self.is_fetcher:  # a viewer polls nothing: the desk's fetcher does
            self.notify("Viewer: the desk's fetcher refreshes", timeout=2)
            return
        if self.engine is not None:
            self.engine.wake_all()
        self.notify("Refreshing…", timeout=1.5)

    def action_next_theme(self) -> None:
        current = THEMES.index(self.theme) if self.theme in THEMES else -1
        self.theme = THEMES[(current + 1) % len(THEMES)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if getattr(self, "replay", None) is not None:  # p is the replay clock's; no refresh
            live_only = {"r", "p"}
            keys = [(k, d) for k, d in key_help() if k not in live_only]
            self.push_screen(HelpScreen(keys, replay_key_help()))
        else:
            self.push_screen(HelpScreen(key_help()))

    def action_movers(self) -> None:
        from tui.screens.movers import MoversScreen

        if self.snapshot is not None and not isinstance(self.screen, MoversScreen):
            self.push_screen(MoversScreen(self.snapshot, self.true_now))

    def on_open_detail(self, message: OpenDetail) -> None:
        from tui.screens.detail import DetailScreen

        if self.snapshot is not None:
            bars = self.engine.bars if self.engine is not None else None
            self.push_screen(
                DetailScreen(self.snapshot, message.pane, message.symbol, self.true_now, bars)
            )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh now", "Poll every source now", self.action_refresh_now)
        yield SystemCommand(
            "Pause / resume", "Freeze or resume live updates", self.action_toggle_pause
        )
        yield SystemCommand("Next theme", "Cycle the colour theme", self.action_next_theme)
        yield SystemCommand(
            "Sort", "Cycle the sort: change %, name, region", self.main_screen.action_cycle_sort
        )
        yield SystemCommand(
            "Headlines", "All headlines with their times", self.main_screen.action_headlines
        )
        # Instruments come from InstrumentCommands: their names must not be parsed as markup.


def key_help() -> list[tuple[str, str]]:
    """Every key, for the help screen."""
    return [
        ("1 2 3 4", "focus indices / metals / crypto / headlines"),
        ("5 6 7", "focus FX / rates / energy"),
        ("Tab / Shift+Tab", "next / previous pane"),
        ("↑ ↓ / j k", "move within a pane"),
        ("Enter", "open the detail view (chart, stats, related headlines)"),
        ("Esc", "close a view / clear the filter"),
        ("s", "cycle the sort: change %, name, group (region, type)"),
        ("/", "filter by name or symbol"),
        ("n", "all headlines with their times"),
        ("m", "movers: every instrument ranked by |σ|, the most unusual move first"),
        ("a", "alerts fired this session, with their times"),
        ("r", "refresh now"),
        ("p", "pause / resume live updates"),
        ("t", "switch theme"),
        ("Ctrl+P", "command palette: instruments and actions"),
        ("?", "this help"),
        ("q", "close a view; on the main screen, quit"),
        ("Ctrl+C", "quit"),
    ]


def replay_key_help() -> list[tuple[str, str]]:
    """The keys of ``marketmon replay`` (shown in the help only there: they do nothing live)."""
    return [
        ("p / Space", "pause / play the recorded clock"),
        (".", "step: pause and go to the next recorded change"),
        ("[ / ]", "jump back / forward one minute"),
        ("x", "speed: ×1 → ×10 → ×60 (then ×1 again)"),
    ]
