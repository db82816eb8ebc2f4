"""One line for a shared desk: this instance's role, the age of what it shows, and why it is
stale when it is.

Hidden unless ``[share]`` is configured. Every text on it is made by marketmon (roles, ages,
notes built from fixed words and the URL without its secrets), and it is rendered as plain
``Text``, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from tui.format import age_between

TICK_SECONDS = 5.0

if TYPE_CHECKING:  # the share module loads only when [share] is configured
    from tui.data.share import ShareStatus


def badge_text(status: ShareStatus, shown_at: datetime | None, now: datetime) -> Text:
    """The badge's line; pure, for tests."""
    text = Text()
    text.append(f" {status.role.value.upper()} ", style="reverse bold")
    text.append(f" data {age_between(shown_at, now)} old" if shown_at else " no data yet")
    if status.stale:
        text.append(f" · STALE: {status.stale}", style="bold")
    if status.note:
        text.append(f" · {status.note}")
    if status.ignored:
        text.append(f" · {status.ignored} foreign message(s) ignored")
    text.append(f" · {status.where}", style="dim")
    return text


class ShareBadge(Static):
    DEFAULT_CSS = """
    ShareBadge {
        display: none;
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
    }
    ShareBadge.-on {
        display: block;
    }
    ShareBadge.-stale {
        color: $warning;
    }
    """

    def __init__(self, *, now: Callable[[], datetime], animate: bool = True) -> None:
        super().__init__(id="share-badge")
        self.now = now
        self.animated = animate
        self.status: ShareStatus | None = None
        self.shown_at: datetime | None = None
        self._shown: Text | None = None

    def on_mount(self) -> None:
        if self.animated:  # the age moves with the clock; coarse ticks cost less CPU
            self.set_interval(TICK_SECONDS, self._repaint)

    def show(self, status: ShareStatus, shown_at: datetime | None) -> None:
        self.status, self.shown_at = status, shown_at
        self.add_class("-on")  # a class, not inline display: too-small screens still hide it
        self.set_class(status.stale is not None, "-stale")
        self._repaint()

    def _repaint(self) -> None:
        if self.status is None:
            return
        text = badge_text(self.status, self.shown_at, self.now())
        if self._shown is None or text.plain != self._shown.plain:  # repaint only a change
            self._shown = text
            self.update(text)
