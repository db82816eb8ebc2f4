"""A one-line headline ticker for the bottom of the screen.

The whole tape is rendered once into a cached :class:`Strip` and each tick only crops a window
out of it, so scrolling costs one short line per step. The strip is rebuilt when the headlines
change, once a minute (for the ages) and when the theme changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from tui.data.sanitize import sanitize_text
from tui.format import age_between

DIVIDER = " ◆ "
STEP_SECONDS = 8.0
AGE_SECONDS = 60.0
EMPTY = "No headlines yet"


@dataclass(frozen=True, slots=True)
class TapeItem:
    """One headline as the tape shows it.

    ``related`` holds display names of on-screen instruments the headline mentions; they are
    shown as a highlighted tag so the eye links the story to the row that moved.
    """

    title: str
    source: str
    published: datetime | None
    related: tuple[str, ...] = ()


class HeadlineTape(Widget):
    """Scrolling (or, in step mode, paging) headline ticker, exactly one line high."""

    DEFAULT_CSS = """
    HeadlineTape {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
    }
    HeadlineTape > .headline-tape--source { color: $text-muted; }
    HeadlineTape > .headline-tape--age { color: $text-muted; }
    HeadlineTape > .headline-tape--tag { color: $accent; text-style: bold; }
    HeadlineTape > .headline-tape--divider { color: $text-muted; }
    HeadlineTape > .headline-tape--empty { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "headline-tape--source",
        "headline-tape--age",
        "headline-tape--tag",
        "headline-tape--divider",
        "headline-tape--empty",
    }

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        step_mode: bool = False,
        speed: float = 3.0,
        animate: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._now = now
        self._step_mode = step_mode
        self._speed = speed
        self._animated = animate
        self._items: tuple[TapeItem, ...] = ()
        self._ages: tuple[str, ...] = ()
        # The position is kept as (item, cells into it) rather than a raw offset, so it
        # survives rebuilds: new headlines or a longer age do not make the tape jump.
        self._pos = 0
        self._within = 0
        # Render caches, rebuilt lazily by _build().
        self._segments: list[Strip] | None = None
        self._starts: list[int] = []
        self._tape = Strip([])  # every item followed by the divider
        self._loop = Strip([])  # the tape twice, so a window can wrap around the end
        self._view: Strip | None = None  # what was last painted
        self._paused = False
        self._ages_due = False  # an age refresh fell due while paused
        self._move_timer: Timer | None = None
        self._age_timer: Timer | None = None

    # -- public API ---------------------------------------------------------------------------

    @property
    def items(self) -> tuple[TapeItem, ...]:
        return self._items

    @property
    def paused(self) -> bool:
        return self._paused

    def set_items(self, items: Sequence[TapeItem]) -> None:
        """Show ``items``; the headline on show keeps its place if it is still among them."""
        new = tuple(items)
        if new == self._items:
            return
        current = self._items[self._pos] if self._pos < len(self._items) else None
        if current is not None and current in new:
            self._pos = new.index(current)
        else:
            self._pos, self._within = 0, 0
        self._items = new
        self._ages = self._compute_ages()
        self._invalidate()
        self._update_view()

    def pause(self) -> None:
        """Stop moving (e.g. while the app is paused); the text stays where it is."""
        self._paused = True
        for timer in (self._move_timer, self._age_timer):
            if timer is not None:
                timer.pause()

    def resume(self) -> None:
        self._paused = False
        for timer in (self._move_timer, self._age_timer):
            if timer is not None:
                timer.resume()
        if self._ages_due:
            self._refresh_ages()

    # -- Textual hooks ------------------------------------------------------------------------

    def on_mount(self) -> None:
        if not self._animated:
            return
        interval = STEP_SECONDS if self._step_mode else 1.0 / self._speed
        self._move_timer = self.set_interval(interval, self._advance, pause=self._paused)
        self._age_timer = self.set_interval(AGE_SECONDS, self._refresh_ages, pause=self._paused)

    def notify_style_update(self) -> None:
        # Colours may have changed (theme switch) and the cached strips hold resolved styles.
        super().notify_style_update()
        self._invalidate()

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if y != 0:
            return Strip.blank(width, self.rich_style)
        self._view = self._compute_view(width)
        return self._view

    # -- internals ----------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._segments = None

    def _compute_ages(self) -> tuple[str, ...]:
        now = self._now()
        return tuple(age_between(item.published, now) for item in self._items)

    def _segment_text(self, item: TapeItem, age: str) -> Text:
        """``source · age · tags title``; untrusted parts are plain text, never markup."""
        muted = self.get_component_rich_style("headline-tape--source")
        age_style = self.get_component_rich_style("headline-tape--age")
        tag_style = self.get_component_rich_style("headline-tape--tag")
        text = Text(style=self.rich_style, no_wrap=True, end="")
        source = sanitize_text(item.source, 60)
        if source:
            text.append(source, muted)
            text.append(" · ", muted)
        if item.published is not None:
            text.append(age, age_style)
            text.append(" · ", muted)
        tags = [tag for tag in (sanitize_text(r, 40) for r in item.related) if tag]
        if tags:
            text.append(", ".join(tags) + " ▸ ", tag_style)
        text.append(sanitize_text(item.title))
        return text

    def _to_strip(self, text: Text) -> Strip:
        # Text.render drops the base style when there are no spans, so apply it explicitly.
        base = self.app.console.get_style(text.style)
        return Strip(Segment.apply_style(text.render(self.app.console, end=""), base))

    def _build(self) -> list[Strip]:
        """Render every item once; scrolling then only crops the cached tape."""
        if self._segments is not None:
            return self._segments
        segments = [
            self._to_strip(self._segment_text(item, age))
            for item, age in zip(self._items, self._ages, strict=True)
        ]
        divider_style = self.get_component_rich_style("headline-tape--divider")
        divider = self._to_strip(Text(DIVIDER, divider_style, end=""))
        starts: list[int] = []
        parts: list[Strip] = []
        position = 0
        for strip in segments:
            starts.append(position)
            parts.extend((strip, divider))
            position += strip.cell_length + divider.cell_length
        self._segments, self._starts = segments, starts
        self._tape = Strip.join(parts)
        self._loop = Strip.join([self._tape, self._tape])
        if self._pos >= len(segments):
            self._pos, self._within = 0, 0
        elif segments:
            self._within = min(self._within, self._item_length(self._pos) - 1)
        return segments

    def _item_length(self, pos: int) -> int:
        """Cells from the start of item ``pos`` to the start of the next one."""
        end = self._starts[pos + 1] if pos + 1 < len(self._starts) else self._tape.cell_length
        return end - self._starts[pos]

    def _scrolls(self, width: int) -> bool:
        """Scroll only when the headlines do not fit; a short tape stands still."""
        return self._tape.cell_length - len(DIVIDER) > width

    def _compute_view(self, width: int) -> Strip:
        base = self.rich_style
        if width <= 0:
            return Strip([])
        if not self._items:
            text = Text(EMPTY, self.get_component_rich_style("headline-tape--empty"), end="")
            return self._to_strip(text).crop_extend(0, width, base)
        segments = self._build()
        if self._step_mode:
            strip = segments[self._pos]
            if strip.cell_length > width:
                ellipsis = Strip([Segment("…", base)])
                strip = Strip.join([strip.crop(0, width - 1), ellipsis])
            return strip.crop_extend(0, width, base)
        if not self._scrolls(width):
            shown = self._tape.crop(0, self._tape.cell_length - len(DIVIDER))
            return shown.crop_extend(0, width, base)
        offset = self._starts[self._pos] + self._within
        return self._loop.crop(offset, offset + width).simplify()

    def _update_view(self) -> None:
        """Repaint only if the visible line actually changed."""
        if not self.is_mounted:
            return
        view = self._compute_view(self.content_size.width)
        if view != self._view:
            self._view = view
            self.refresh()

    def _advance(self) -> None:
        if not self._items:
            return
        self._build()
        if self._step_mode:
            self._pos = (self._pos + 1) % len(self._items)
        elif self._scrolls(self.content_size.width):
            self._within += 1
            if self._within >= self._item_length(self._pos):
                self._pos, self._within = (self._pos + 1) % len(self._items), 0
        else:
            return
        self._update_view()

    def _refresh_ages(self) -> None:
        if self._paused:
            self._ages_due = True
            return
        self._ages_due = False
        ages = self._compute_ages()
        if ages != self._ages:
            self._ages = ages
            self._invalidate()
            self._update_view()
