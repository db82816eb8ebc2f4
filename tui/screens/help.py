"""The key reference, as a modal over whatever screen is showing.

The app passes its bindings in, so this list can never drift from the keys that actually work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.screens.lifecycle import release

# (sample as shown in a row, CSS class of the sample, what it means).
LEGEND: tuple[tuple[str, str, str], ...] = (
    ("Fri cl.", "legend-closed", "the market is closed: the price is Friday's close"),
    ("lunch", "legend-closed", "the market is at its lunch break"),
    ("ES=F / F-2.6%", "legend-closed", "cash closed: the move shown is its future's"),
    ("pre Fri", "legend-closed", "pre-market (post: after-hours): still Friday's close"),
    ("NY?", "legend-closed", "header: regular hours only, holidays not verified yet"),
    ("!", "legend-failing", "prefix: the source is failing; the last good value is shown"),
    ("4m", "legend-delayed", "age in this colour: older than the source's refresh (delayed)"),
    ("↯", "legend-delayed", "after a price: it moved over 50 % from the last one (kept, check it)"),
    ("±", "legend-delayed", "after a price: below zero (possible for futures only)"),
    ("ahead", "legend-delayed", "time ahead of the clock: its age is unknown"),
)


class HelpScreen(ModalScreen[None]):
    """Keys and the meaning of the stale markers; escape, ? or q close it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, bindings: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="help-screen")
        self.key_bindings = tuple(bindings)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Label("Keys", classes="help-heading")
            with Grid(id="help-keys"):
                for key, description in self.key_bindings:
                    yield Label(key, classes="help-key", markup=False)
                    yield Label(description, classes="help-description", markup=False)
            yield Label("Stale markers", classes="help-heading")
            with Grid(id="help-legend"):
                for sample, css, meaning in LEGEND:
                    yield Label(sample, classes=f"legend-sample {css}", markup=False)
                    yield Label(meaning, classes="legend-meaning", markup=False)
            yield Label("escape, ? or q to close", id="help-hint", markup=False)

    def on_unmount(self) -> None:
        release(self)  # and Textual's memo of closed widgets' render caches
