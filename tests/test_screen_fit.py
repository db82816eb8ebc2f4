"""What a user sees of the main screen at 100x30, 120x40 and 160x48: every pane's title and
bottom border, the Time column's words whole (``!not found``, ``Fri close``), no number cut,
and a pane that cannot show all its rows says how many are off screen and how to reach them.

Read from the rendered screen (the compositor's strips), not from the tables' cells: a word
in a cell can still be cut by the column's width, which is what these tests guard.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App

from tui import format as fmt
from tui.config import default_config
from tui.data.clock import FakeClock
from tui.data.errors import ROW_REASONS
from tui.data.factory import build_engine
from tui.data.sessions import SessionBook, default_cache_dir
from tui.data.snapshot import MarketSnapshot, Quote, Session, StaleReason
from tui.demo_app import frozen_demo_app, wait_for_data
from tui.layout import COLUMNS
from tui.screens.main import PANES, MainScreen
from widgets.quote_table import QuoteTable

TCSS = Path(__file__).resolve().parent.parent / "tui" / "app.tcss"
NOW = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)  # Tuesday: New York open, Asia closed
FRIDAY = date(2026, 1, 30)
SIZES = [(100, 30), (120, 40), (160, 48)]
TITLES = [title for _, title in PANES]
# symbol -> how the engine would hand the row over, and the word its Time cell must show.
FAULTS: dict[str, tuple[str, str | None, str]] = {
    "^GSPC": ("failing", "not found", "!not found"),  # a last good value, then a 404
    "^IXIC": ("failing", "rate-ltd", "!rate-ltd"),
    "^DJI": ("empty", "timeout", "timeout"),
    "^RUT": ("empty", "bad data", "bad data"),
    "EURUSD=X": ("failing", "offline", "!offline"),
    "JPY=X": ("empty", "not found", "not found"),
    "BTC-USD": ("failing", "wrong sym", "!wrong sym"),
    "CL=F": ("closed", None, "Fri close"),
}


def _fault(quote: Quote) -> Quote:
    kind, problem, _ = FAULTS[quote.symbol]
    if kind == "failing":
        return replace(quote, stale_reason=StaleReason.FAILING, problem=problem)
    if kind == "empty":
        return replace(
            quote, last=None, change=None, change_pct=None, as_of=None, problem=problem,
            stale_reason=None, futures=None,
        )  # fmt: skip
    return replace(
        quote, stale_reason=StaleReason.CLOSED, session=Session.CLOSED, session_date=FRIDAY,
        futures=None, as_of=NOW - timedelta(days=4),
    )  # fmt: skip


async def faulty_snapshot() -> MarketSnapshot:
    """The demo market with a row of every kind of trouble (see FAULTS)."""
    engine = build_engine(
        default_config(), clock=FakeClock(NOW), demo=True, sessions=SessionBook(default_cache_dir())
    )
    snap = await engine.refresh_once()
    panes = tuple(
        replace(p, quotes=tuple(_fault(q) if q.symbol in FAULTS else q for q in p.quotes))
        for p in snap.panes
    )
    return replace(snap, panes=panes)


class Host(App[None]):
    CSS_PATH = str(TCSS)

    def __init__(self) -> None:
        super().__init__()
        self.main = MainScreen(now=lambda: NOW, demo=True, low_bandwidth=True, animate=False)

    def on_mount(self) -> None:
        self.push_screen(self.main)


def screen_text(app: App[None]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def _visible_rows(screen: MainScreen, pane: str) -> list[str]:
    """Symbols of the rows a pane shows on screen (the table scrolled to the top)."""
    assert screen.plan is not None
    place = screen.plan.placement(pane)
    assert place is not None
    table = screen.query_one(f"#table-{pane}", QuoteTable)
    rows = [table.coordinate_to_cell_key((r, 0)).row_key.value for r in range(table.row_count)]
    return [s for s in rows[: place.data_rows] if s is not None]


def test_every_time_word_fits_the_time_column() -> None:
    width = next(c.width for c in COLUMNS if c.key == "age")
    words = [w for reason in ROW_REASONS.values() for w in (reason, "!" + reason)]
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    words += [f"{day} close" for day in days] + [
        f"{s} {day}" for s in ("pre", "post") for day in days
    ]
    assert max(len(w) for w in words) <= width


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_time_words_are_whole_and_numbers_uncut(size: tuple[int, int]) -> None:
    snap = await faulty_snapshot()
    app = Host()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.main.apply(snap, flash=False)
        await pilot.pause(0.3)
        lines = screen_text(app)
        text = "\n".join(lines)
        for title in TITLES:
            assert f"─ {title} ─" in text, title
        # Every pane's bottom border is on screen: none is cut under the macro strip or tape.
        assert sum(line.count("╰") for line in lines) == len(TITLES)
        quotes = {q.symbol: q for q in snap.quotes}
        shown = 0
        for pane in (p for p, _ in PANES if p != "news"):
            for symbol in _visible_rows(app.main, pane):
                quote = quotes[symbol]
                # The row's line: its name (perhaps shortened) and everything it must show.
                wanted = [fmt.fit_name(quote.name, 10)[:8]]
                if symbol in FAULTS:
                    wanted.append(FAULTS[symbol][2] + " ")  # the word whole, then the cell's end
                    shown += 1
                if quote.last is not None:
                    wanted.append(fmt.price(quote.last, fmt.quote_decimals(quote)))
                    if pane != "rates":
                        wanted.append(fmt.percent(quote.change_pct))
                assert any(all(w in ln for w in wanted) for ln in lines), (symbol, wanted)
        assert shown >= 4  # the faults in the panes' first rows are on screen at every size
        # No price or percent cut (a name may be: "Russell 20…").
        assert not re.search(r"\d[,.][\d,.]*…", text)
        for word in ("not fou…", "Fri cl.", "Fri clo…"):
            assert word not in text


async def test_a_pane_too_short_for_its_rows_says_how_many_and_how_to_see_them() -> None:
    snap = await faulty_snapshot()
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.main.apply(snap, flash=False)
        await pilot.pause(0.3)
        text = "\n".join(screen_text(app))
        screen = app.main
        assert screen.plan is not None
        for pane in (p for p, _ in PANES if p != "news"):
            place = screen.plan.placement(pane)
            assert place is not None
            rows = next(len(p.quotes) for p in snap.panes if p.name == pane)
            hidden = rows - place.data_rows
            key = {"indices": "1", "metals": "2", "crypto": "3", "fx": "5"}.get(pane, "")
            if hidden > 0:
                active = pane == screen.active_pane
                note = f"+{hidden} more ↓" if active else f"+{hidden} more · {key} ↓"
                assert note in text, (pane, note)
        assert "+6 more ↓" in text  # indices, focused: 8 of 14 rows on screen
        await pilot.press("3")  # crypto: focused now, so its note says ↓ alone
        await pilot.pause(0.1)
        text = "\n".join(screen_text(app))
        assert "+3 more ↓" in text and "+6 more · 1 ↓" in text


@pytest.mark.parametrize("size", [(120, 40), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_instrument_shows_at_120x40_and_160x48_in_the_real_app(
    size: tuple[int, int],
) -> None:
    """The frozen demo app, macro strip and all: every pane whole, no row hidden."""
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(app)
        await pilot.pause(0.2)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        text = "\n".join(lines)
        assert "Jobless claims" in text  # the macro strip is on screen...
        assert sum(line.count("╰") for line in lines) == len(TITLES)  # ...and no pane under it
        assert " more" not in text
        snap = app.snapshot
        assert snap is not None
        for quote in snap.quotes:
            assert fmt.price(quote.last, fmt.quote_decimals(quote)) in text, quote.symbol
        # Opening the filter box takes rows from the panes; they shrink, none is cut.
        await pilot.press("slash")
        await pilot.pause(0.2)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        assert sum(line.count("╰") for line in lines) == len(TITLES)
