"""One line saying how every data source is doing, so a stale number is never a mystery.

Ages and retry countdowns are refreshed on a coarse timer (every 5 s), and the line is repainted
only when its text or colours actually change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

from tui.data.sanitize import sanitize_text
from tui.data.snapshot import SourceHealth, SourceStatus
from tui.format import age_between

TICK_SECONDS = 15.0  # ages to the nearest 15 s are enough, and cost a line each
SEPARATOR = " │ "

STATE_WORDS: dict[SourceHealth, str] = {
    SourceHealth.OK: "ok",
    SourceHealth.STALE: "stale",
    SourceHealth.RATE_LIMITED: "rate-limited",
    SourceHealth.OFFLINE: "offline",
    SourceHealth.IDLE: "idle",
}
FAILING = frozenset({SourceHealth.STALE, SourceHealth.RATE_LIMITED, SourceHealth.OFFLINE})


def source_parts(status: SourceStatus, now: datetime) -> tuple[str, str | None, str | None]:
    """``(state word, age of last good data, retry note)`` for one source; pure, for tests."""
    word = STATE_WORDS.get(status.health, str(status.health))
    data_age = age_between(status.last_ok, now) if status.last_ok is not None else None
    retry: str | None = None
    if status.health in FAILING and status.next_retry is not None:
        wait = (status.next_retry - now).total_seconds()
        retry = f"retry {countdown(wait)}" if wait >= 1 else "retrying"
    return word, data_age, retry


def countdown(seconds: float) -> str:
    """``1:55``, ``12:00``, ``1:02:03``: a wait to the second, as a clock counts down."""
    total = max(0, int(seconds + 0.5))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def by_importance(statuses: Sequence[SourceStatus]) -> list[SourceStatus]:
    """Sources feeding most rows first (then by name), so a cut line never hides the main one."""
    return sorted(statuses, key=lambda s: (-s.rows, s.name))


class SourceStatusBar(Widget):
    """Every source's state word, data age and next retry, truncated to one line."""

    DEFAULT_CSS = """
    SourceStatusBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
    }
    SourceStatusBar > .source-status--name { color: $text; }
    SourceStatusBar > .source-status--detail { color: $text-muted; }
    SourceStatusBar > .source-status--ok { color: $success; }
    SourceStatusBar > .source-status--stale { color: $warning; }
    SourceStatusBar > .source-status--rate-limited { color: $warning; }
    SourceStatusBar > .source-status--offline { color: $error; }
    SourceStatusBar > .source-status--idle { color: $text-muted; }
    SourceStatusBar > .source-status--empty { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "source-status--name",
        "source-status--detail",
        "source-status--ok",
        "source-status--stale",
        "source-status--rate-limited",
        "source-status--offline",
        "source-status--idle",
        "source-status--empty",
    }

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        animate: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._now = now
        self._animated = animate
        self._statuses: tuple[SourceStatus, ...] = ()
        self._note: str | None = None  # app-level news: cache ignored, recording stopped…
        self._notice: str | None = None  # an app error shown before the sources
        self._shown: Text | None = None  # what was last painted
        self._timer: Timer | None = None

    @property
    def statuses(self) -> tuple[SourceStatus, ...]:
        return self._statuses

    def update_sources(self, statuses: Sequence[SourceStatus]) -> None:
        new = tuple(statuses)
        if new != self._statuses:
            self._statuses = new
            self._repaint_if_changed()

    @property
    def note(self) -> str | None:
        return self._note

    def set_note(self, note: str | None) -> None:
        """Show ``note`` (plain text, shown literally) before the sources; ``None`` clears it."""
        if note != self._note:
            self._note = note
            self._repaint_if_changed()

    def set_notice(self, text: str | None) -> None:
        self._notice = sanitize_text(text, 120) if text else None
        self._repaint_if_changed()

    def on_mount(self) -> None:
        if self._animated:
            self._timer = self.set_interval(TICK_SECONDS, self._repaint_if_changed)

    def _repaint_if_changed(self) -> None:
        if not self.is_mounted:
            return
        line = self.build_line(self.content_size.width)
        if line != self._shown:
            self._shown = line
            self.refresh()

    def render(self) -> Text:
        self._shown = self.build_line(self.content_size.width)
        return self._shown

    def build_line(self, width: int) -> Text:
        """The status line for ``width`` cells: full, then without ages, then with an ellipsis."""
        style = self.get_component_rich_style
        if not self._statuses:
            line = Text("No data sources", style("source-status--empty"))
        else:
            now = self._now()
            line = self._line(now, ages="all")
            if line.cell_len > width:
                line = self._line(now, ages="failing")
            if line.cell_len > width:
                line = self._line(now, ages="none")
        if self._note:
            noted = Text(sanitize_text(self._note, 200), style("source-status--stale"))
            noted.append(SEPARATOR, style("source-status--detail"))
            line = noted + line
        if self._notice:
            notice = Text(self._notice, self.get_component_rich_style("source-status--offline"))
            line = Text.assemble(notice, Text(SEPARATOR), line)
        line.no_wrap = True
        line.end = ""
        line.truncate(width, overflow="ellipsis")
        return line

    def _line(self, now: datetime, *, ages: str) -> Text:
        style = self.get_component_rich_style
        detail = style("source-status--detail")
        text = Text(no_wrap=True, end="")
        for i, status in enumerate(by_importance(self._statuses)):
            if i:
                text.append(SEPARATOR, detail)
            word, data_age, retry = source_parts(status, now)
            failing = status.health in FAILING
            text.append(sanitize_text(status.name, 40), style("source-status--name"))
            text.append(" ")
            text.append(word, style(f"source-status--{status.health.value.replace('_', '-')}"))
            if data_age is not None and (ages == "all" or (ages == "failing" and failing)):
                text.append(f" {data_age}", detail)
            if retry is not None:
                text.append(f" · {retry}", detail)
            if status.note:
                text.append(f" · {sanitize_text(status.note, 80)}", detail)
        return text
