"""The alerts screen: every alert fired this session, in the order they fired, with times.

The list only grows (alerts are never withdrawn), so new rows are added and nothing is
rewritten. Messages are sanitised text and go into plain ``Text`` cells, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from tui.data.alert_rules import AlertRule
from tui.data.alerts import AlertEvent
from tui.messages import SnapshotUpdated
from tui.screens.lifecycle import release

COLUMNS: tuple[tuple[str, str], ...] = (
    ("time", "Time"),
    ("symbol", "Symbol"),
    ("rule", "Rule"),
    ("message", "Message"),
)


def clock(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M:%S")


class AlertsScreen(Screen[None]):
    """Fired alerts (read from the app's monitor, which keeps this session's list)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Back"),
        Binding("a", "dismiss", "Back", show=False),
        Binding("q", "dismiss", "Back", show=False),  # q quits only from the main screen
    ]

    def __init__(
        self,
        fired: Callable[[], Sequence[AlertEvent]],
        rules: Sequence[AlertRule],
        problem: Callable[[], str | None],
    ) -> None:
        super().__init__(classes="alerts-screen")
        self._fired = fired
        self._rules = tuple(rules)
        self._problem = problem
        self._count = 0

    def compose(self) -> ComposeResult:
        yield Label(id="alerts-title", markup=False)
        yield DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield Label(id="alerts-empty", markup=False)
        yield Footer()

    def on_unmount(self) -> None:
        release(self)  # and Textual's memo of closed widgets' render caches

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#alerts-table", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.refresh_alerts()
        table.focus()

    def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        message.stop()
        self.refresh_alerts()

    def refresh_alerts(self) -> None:
        table: DataTable[Text] = self.query_one("#alerts-table", DataTable)
        fired = self._fired()
        for index in range(self._count, len(fired)):
            event = fired[index]
            table.add_row(
                Text(clock(event.at)),
                Text(event.symbol),
                Text(event.rule),
                Text(event.message),
                key=str(index),
            )
        if len(fired) != self._count:
            self._count = len(fired)
            table.move_cursor(row=table.row_count - 1)  # the newest, at the bottom
        rules = ", ".join(f"{r.symbol} {r.text}" for r in self._rules) or "none configured"
        title = f"Alerts · {len(fired)} fired this session · rules: {rules}"
        self.query_one("#alerts-title", Label).update(Text(title))
        empty = self.query_one("#alerts-empty", Label)
        problem = self._problem()
        if problem:
            empty.update(Text(problem))
            empty.display = True
        elif not fired:
            empty.update(
                Text(
                    "No alert has fired this session."
                    if self._rules
                    else "No alert rules: add [[alerts.rules]] to the config (see the README)."
                )
            )
            empty.display = True
        else:
            empty.display = False
