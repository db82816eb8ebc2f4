"""The one-line app header: name, DEMO/PAUSED badges, which markets are open, local time.

The clock ticks on second (or minute) boundaries and repaints only when the line it would draw
differs from the one on screen, so a minute-resolution header costs one line a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from tui.data.markets import HEADER_MARKETS, MARKETS, Market
from tui.data.sessions import SessionBook
from tui.data.snapshot import MarketState as BookState
from tui.data.snapshot import Session

TITLE = "marketmon"
CITY_LABELS: dict[str, str] = {
    "New York": "NY",
    "London": "LDN",
    "Frankfurt": "FRA",
    "Tokyo": "TYO",
    "Seoul": "SEO",
    "Hong Kong": "HK",
}


@dataclass(frozen=True, slots=True)
class MarketState:
    label: str
    is_open: bool
    word: str  # "open", "closed", "lunch", "holiday", "pre" or "post"
    detail: str = ""  # the next change: "closes 2:10", "· 12:30", "opens 2:10", "· 20:00"
    verified: bool = False  # from the exchange calendar, not just regular hours


WORDS = {
    Session.REGULAR: "open",
    Session.BREAK: "lunch",
    Session.CLOSED: "closed",
    Session.HOLIDAY: "holiday",
    Session.PRE: "pre",
    Session.POST: "post",
}


def countdown(start: datetime, end: datetime) -> str:
    """``2:10`` for two hours ten minutes (rounded up, so 0:00 never shows while shut)."""
    minutes = max(0, -(-int((end - start).total_seconds()) // 60))
    return f"{minutes // 60}:{minutes % 60:02d}"


def _detail(state: BookState, market: Market, when: datetime) -> str:
    change = state.next_change
    if change is None:
        return ""
    if state.state in (Session.BREAK, Session.POST):  # until: "lunch · 12:30", "post · 20:00"
        return "· " + change.astimezone(ZoneInfo(market.tz)).strftime("%H:%M")
    if change - when >= timedelta(hours=24):
        return "opens " + change.astimezone(ZoneInfo(market.tz)).strftime("%a")
    verb = "closes" if state.state is Session.REGULAR else "opens"
    return f"{verb} {countdown(when, change)}"


_DEFAULT_BOOK = SessionBook()  # regular hours only: used when no calendar book is given


def market_states(
    when: datetime, codes: tuple[str, ...] = HEADER_MARKETS, book: SessionBook | None = None
) -> list[MarketState]:
    """State and next change for each header market at ``when``: holidays, half days and
    lunch breaks when the calendars are cached, regular hours (unverified) until then."""
    book = book or _DEFAULT_BOOK
    states = []
    for code in codes:
        market = MARKETS.get(code)
        if market is None:
            continue
        state = book.state(code, when)
        states.append(
            MarketState(
                CITY_LABELS.get(market.city, code),
                state.state is Session.REGULAR,
                WORDS[state.state],
                _detail(state, market, when),
                state.verified,
            )
        )
    return states


CLOCK_CELLS = 15  # " 23:59:59 CEST ": the clock's cells at the left edge


class MarketHeader(Widget):
    """Docked top line; set ``paused`` to show the PAUSED badge."""

    DEFAULT_CSS = """
    MarketHeader {
        dock: top;
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
    }
    MarketHeader > .market-header--title { color: $accent; text-style: bold; }
    MarketHeader > .market-header--demo { background: $warning; color: $text; text-style: bold; }
    MarketHeader > .market-header--paused { background: $primary; color: $text; text-style: bold; }
    MarketHeader > .market-header--badge { background: $accent; color: $text; text-style: bold; }
    MarketHeader > .market-header--offline { background: $error; color: $text; text-style: bold; }
    MarketHeader > .market-header--skew { background: $warning; color: $text; text-style: bold; }
    MarketHeader > .market-header--city { color: $text; }
    MarketHeader > .market-header--open { color: $success; }
    MarketHeader > .market-header--closed { color: $text-muted; }
    MarketHeader > .market-header--clock { color: $text; text-style: bold; }
    MarketHeader > .market-header--zone { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "market-header--title",
        "market-header--demo",
        "market-header--paused",
        "market-header--offline",
        "market-header--badge",
        "market-header--skew",
        "market-header--city",
        "market-header--open",
        "market-header--closed",
        "market-header--clock",
        "market-header--zone",
    }

    paused: reactive[bool] = reactive(False)
    offline: reactive[bool] = reactive(False)  # no data source can be reached
    badge: reactive[str] = reactive("")  # CACHED until live prices arrive; REPLAY x10 ...
    clock_warning: reactive[str] = reactive("")  # "local clock 5m behind", when it is off

    def __init__(
        self,
        now: Callable[[], datetime],
        demo: bool,
        *,
        seconds: bool = True,
        animate: bool = True,
        sessions: SessionBook | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._now = now
        self._demo = demo
        self._seconds = seconds
        self._animated = animate
        self._book = sessions
        self._shown_at = now()  # the instant the painted line describes
        self._key = self._key_at(self._shown_at)
        self._timer: Timer | None = None

    @property
    def demo(self) -> bool:
        return self._demo

    @property
    def period(self) -> float:
        """Seconds between clock ticks."""
        return 1.0 if self._seconds else 60.0

    def on_mount(self) -> None:
        if self._animated:
            # Start on the next boundary so the clock never lags its true second/minute.
            self.set_timer(self._until_boundary(), self._start_ticking)

    def _start_ticking(self) -> None:
        self._tick()
        self._timer = self.set_interval(self.period, self._tick)

    def _until_boundary(self) -> float:
        stamp = self._now().timestamp()
        return self.period - stamp % self.period + 0.02

    def _tick(self) -> None:
        when = self._now()
        key = self._key_at(when)
        if key == self._key:
            return
        only_clock = key[1] == self._key[1]
        self._shown_at, self._key = when, key
        if only_clock:
            # The clock sits at the left edge: repaint just its cells, not the whole row.
            self.refresh(Region(0, 0, CLOCK_CELLS, 1))
        else:
            self.refresh()

    def _key_at(self, when: datetime) -> tuple[object, ...]:
        """Everything the line shows that depends on time."""
        return (self._clock_text(when), tuple(market_states(when, book=self._book)))

    def _clock_text(self, when: datetime) -> tuple[str, str]:
        local = when.astimezone()
        clock = local.strftime("%H:%M:%S" if self._seconds else "%H:%M")
        return clock, local.strftime("%Z")

    def render(self) -> Text:
        if not self._animated:  # no clock: show the time of this paint
            self._shown_at = self._now()
        return self.build_line(self.content_size.width)

    def build_line(self, width: int) -> Text:
        """The header for ``width`` cells, dropping detail until it fits."""
        style = self.get_component_rich_style
        left = Text(no_wrap=True, end="")
        left.append(f" {TITLE} ", style("market-header--title"))
        if self._demo:
            left.append(" ")
            left.append(" DEMO ", style("market-header--demo"))
        if self.paused:
            left.append(" ")
            left.append(" PAUSED ", style("market-header--paused"))
        if self.badge:
            left.append(" ")
            left.append(f" {self.badge} ", style("market-header--badge"))
        if self.offline:
            left.append(" ")
            left.append(" OFFLINE ", style("market-header--offline"))
        if self.clock_warning:
            left.append(" ")
            left.append(f" {self.clock_warning} ", style("market-header--skew"))

        states = market_states(self._shown_at, book=self._book)
        clock, zone = self._clock_text(self._shown_at)
        full_clock = self._clock(clock, zone)
        short_clock = self._clock(clock, "")
        candidates = [
            (self._markets(states, words=True), full_clock),
            (self._markets(states, words=True), short_clock),
            (self._markets(states, words=False), full_clock),
            (self._markets(states, words=False), short_clock),
        ]
        # Then fewer markets, keeping the ones a trader scans first.
        candidates += [
            (self._markets(states[:count], words=False), short_clock)
            for count in range(len(states) - 1, -1, -1)
        ]
        for markets, clock_text in candidates:
            # The clock comes first: Textual repaints a widget from its left edge to the end
            # of the dirty region, so a clock at the left edge ticks for ~30 bytes a second,
            # where one at the right edge resent the whole 900-byte row.
            line = clock_text.copy()
            line.append_text(left)
            if markets.plain:
                line.append("  ")
                line.append_text(markets)
            if line.cell_len <= width:
                line.append(" " * (width - line.cell_len))
                return line
        line = short_clock.copy()
        line.append_text(left)
        line.truncate(width, overflow="ellipsis", pad=True)
        return line

    def _markets(self, states: list[MarketState], *, words: bool) -> Text:
        style = self.get_component_rich_style
        text = Text(no_wrap=True, end="")
        for i, state in enumerate(states):
            if i:
                text.append("  ")
            text.append(state.label, style("market-header--city"))
            if not state.verified:  # regular hours only: holidays not known yet
                text.append("?", style("market-header--closed"))
            mark: Style = style("market-header--open" if state.is_open else "market-header--closed")
            text.append(" ●" if state.is_open else " ○", mark)
            if words:
                word = "" if state.detail and state.word in ("open", "closed") else state.word
                detail = " ".join(p for p in (word, state.detail) if p)
                text.append(f" {detail}", mark)
        return text

    def _clock(self, clock: str, zone: str) -> Text:
        text = Text(" ", end="")
        text.append(clock, self.get_component_rich_style("market-header--clock"))
        if zone:
            text.append(f" {zone}", self.get_component_rich_style("market-header--zone"))
        text.append(" ")
        return text
