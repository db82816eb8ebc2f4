"""The main screen's sort and filter: ``s`` cycles the sort, ``/`` filters every quote pane.

A mixin of :class:`tui.screens.main.MainScreen`, kept apart so the screen module stays about
composing the panes and laying them out. The tables do the sorting and matching themselves
(widgets/quote_table.py); this is the keys, the filter box and the panes' subtitles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from tui.layout import Plan
from tui.screens.pane_fit import hidden_note
from widgets.quote_table import SORT_CYCLE, QuoteTable, SortMode

# What each pane's group column holds (indices by region, metals futures/spot): its header.
GROUP_LABELS = {"indices": "Region", "metals": "Type"}


class BoardFilter(Screen[None]):
    """Sort cycling, the filter box and the subtitles that show both."""

    sort_mode: SortMode
    active_pane: str
    panes: tuple[tuple[str, str], ...]

    plan: Plan | None

    if TYPE_CHECKING:

        def action_focus_pane(self, key: str) -> None: ...

        def _relayout(self, width: int, height: int) -> None: ...

        def _focus_now(self, widget: Widget) -> None: ...

    def action_cycle_sort(self) -> None:
        order = list(SORT_CYCLE)
        self.sort_mode = (
            order[(order.index(self.sort_mode) + 1) % len(order)]
            if (self.sort_mode in order)
            else order[0]
        )
        for table in self.query(QuoteTable):
            table.set_sort(self.sort_mode)
        self._update_subtitles()
        label = "group (region, type)" if self.sort_mode is SortMode.REGION else self.sort_mode
        self.notify(f"Sorted by {label}", timeout=2)

    def action_open_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self._relayout(self.size.width, self.size.height)  # the box takes rows from the panes
        self._focus_now(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        for table in self.query(QuoteTable):
            table.set_filter(event.value)
        self._update_subtitles()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        """Keep the filter; go to the first pane that has matches, or say there are none."""
        from tui.screens.pane_tabs import PANES  # every pane, shown or not (as before --pane)

        event.input.display = False
        tables = {
            key: t for key, _ in PANES for t in self.query(f"#table-{key}").results(QuoteTable)
        }
        matching = [key for key, table in tables.items() if table.match_count]
        if event.value.strip() and not matching:
            self.notify(f"No matches for {event.value.strip()!r}", severity="warning", timeout=4)
        elif matching and self.active_pane not in matching:
            self.action_focus_pane(matching[0])  # lays the panes out again, box gone
            return
        self._focus_now(self.query_one(f"#table-{self.active_pane}"))
        # The box's rows go back to the panes (after the focus: a relayout keeps focus where
        # it is, and would otherwise put it back on the pane that had it before the filter).
        self._relayout(self.size.width, self.size.height)

    def key_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display or box.value:
            box.value = ""
            box.display = False
            self._relayout(self.size.width, self.size.height)
            self._focus_now(self.query_one(f"#table-{self.active_pane}"))

    def _update_subtitles(self) -> None:
        from tui.screens.pane_tabs import PANE_KEYS

        box = self.query_one("#filter", Input)
        for key, _ in self.panes:
            if key == "news":
                continue
            sort = self.sort_mode.value
            if self.sort_mode is SortMode.REGION:
                sort = GROUP_LABELS.get(key, "Group").lower()  # what this pane groups by
            table = self.query_one(f"#table-{key}", QuoteTable)
            parts = [f"sort: {sort}"]
            place = self.plan.placement(key) if self.plan is not None else None
            if place is not None:  # rows the pane cannot show: how many, and how to see them
                note = hidden_note(
                    table.match_count - place.data_rows, PANE_KEYS[key], key == self.active_pane
                )
                parts[:0] = [note] if note else []
            if box.value.strip():
                matches = table.match_count
                parts.append(f"filter: {box.value.strip()}" + ("" if matches else " (no matches)"))
            subtitle = Text(" · ".join(parts)).plain
            pane = self.query_one(f"#pane-{key}")
            if pane.border_subtitle != subtitle:
                pane.border_subtitle = subtitle
