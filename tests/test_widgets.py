"""Widgets: pure chart helpers, and headless checks of the tape, header and status bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

import widgets.tape as tape_module
from tui.data.snapshot import SourceHealth, SourceStatus
from widgets.market_header import MarketHeader, market_states
from widgets.spark import range_bar, sparkline
from widgets.status_bar import SourceStatusBar, source_parts
from widgets.tape import HeadlineTape, TapeItem

NOW = datetime(2026, 2, 3, 15, 0, 7, tzinfo=UTC)  # a Tuesday: New York open, Tokyo closed


def fixed(when: datetime = NOW) -> Callable[[], datetime]:
    return lambda: when


class Host(App[None]):
    """A bare app hosting one widget."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def line(widget: Widget) -> str:
    return widget.render_line(0).text


def count_refreshes(widget: Widget) -> list[int]:
    calls = [0]
    original = widget.refresh

    def counting(*args: object, **kwargs: object) -> Widget:
        calls[0] += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    widget.refresh = counting  # type: ignore[method-assign]
    return calls


ITEMS = [
    TapeItem("Gold hits a record", "Reuters", NOW - timedelta(minutes=5), ("Gold",)),
    TapeItem("Tokyo stocks slip", "CNBC", NOW - timedelta(hours=2)),
    TapeItem("Bitcoin steady", "CoinDesk", None),
]


# -- spark ------------------------------------------------------------------------------------


def test_sparkline_scales_min_to_max() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    assert sparkline([10, 0, 5], 3) == "█▁▅"


def test_sparkline_short_series_is_right_aligned() -> None:
    assert sparkline([1, 2, 3], 5) == "  ▁▅█"


def test_sparkline_downsamples_to_last_value_of_each_bucket() -> None:
    # buckets of 10 keep 9, 19, ..., 99: evenly rising
    assert sparkline([float(v) for v in range(100)], 10) == "▁▂▃▃▄▅▆▆▇█"
    # buckets [0,5], [1,1], [2,8]: last values 5, 1, 8
    assert sparkline([0, 5, 1, 1, 2, 8], 3) == "▅▁█"


def test_sparkline_flat_empty_and_non_finite() -> None:
    assert sparkline([3, 3, 3], 3) == "▄▄▄"
    assert sparkline([3, 3], 4) == "  ▄▄"
    assert sparkline([], 5) == ""
    assert sparkline([1, 2], 0) == ""
    assert sparkline([1, float("nan"), 2], 2) == "▁█"


def test_range_bar() -> None:
    assert range_bar(0.5, 7) == "───●───"
    assert range_bar(0.0, 5) == "●────"
    assert range_bar(1.0, 5) == "────●"
    assert range_bar(0.5, 6) == "───●──"  # half rounds up
    assert range_bar(-3, 4) == "●───"
    assert range_bar(7, 4) == "───●"
    assert range_bar(None, 5) == "╌╌╌╌╌"
    assert range_bar(float("nan"), 3) == "╌╌╌"
    assert range_bar(0.5, 0) == ""


# -- tape -------------------------------------------------------------------------------------


async def test_tape_shows_segments_with_source_age_and_tags() -> None:
    tape = HeadlineTape(fixed(), animate=False)
    app = Host(tape)
    async with app.run_test(size=(80, 3)) as pilot:
        assert "No headlines yet" in line(tape)
        tape.set_items(ITEMS)
        await pilot.pause()
        text = line(tape)
        assert len(text) == 80
        assert text.startswith("Reuters · 5m · Gold ▸ Gold hits a record ◆ CNBC · 2h · Tokyo")
        assert tape.region.height == 1  # one line; the app decides where it sits


async def test_tape_renders_untrusted_markup_literally() -> None:
    items = [
        TapeItem("[bold]x[/] and [@click=app.quit]y[/]", "[red]Src", NOW, ()),
        TapeItem("line\nbreak\x1b[2J", "S", None, ()),
    ]
    tape = HeadlineTape(fixed(), animate=False)
    app = Host(tape)
    async with app.run_test(size=(100, 3)) as pilot:
        tape.set_items(items)
        await pilot.pause()
        text = line(tape)
        assert "[red]Src · 0s · [bold]x[/] and [@click=app.quit]y[/] ◆ S · line break" in text
        await pilot.click(HeadlineTape, offset=(30, 0))
        await pilot.click(HeadlineTape, offset=(40, 0))
        await pilot.pause()
        assert app.is_running


async def test_tape_scrolls_when_too_long() -> None:
    tape = HeadlineTape(fixed(), speed=50)
    app = Host(tape)
    async with app.run_test(size=(40, 3)) as pilot:
        tape.set_items(ITEMS)
        await pilot.pause()
        before = line(tape)
        await pilot.pause(0.6)
        after = line(tape)
        assert after != before
        assert len(after) == 40
        strip = (
            "Reuters · 5m · Gold ▸ Gold hits a record ◆ CNBC · 2h · Tokyo stocks slip ◆ "
            "CoinDesk · Bitcoin steady ◆ "
        )
        assert after in strip * 3  # a window onto the looping tape


async def test_tape_that_fits_stands_still_and_does_not_repaint() -> None:
    tape = HeadlineTape(fixed(), speed=50)
    app = Host(tape)
    async with app.run_test(size=(80, 3)) as pilot:
        tape.set_items(ITEMS[1:2])
        await pilot.pause()
        before = line(tape)
        calls = count_refreshes(tape)
        await pilot.pause(0.4)
        assert line(tape) == before
        assert before.startswith("CNBC · 2h · Tokyo stocks slip   ")
        assert calls[0] == 0


async def test_tape_pause_stops_scrolling() -> None:
    tape = HeadlineTape(fixed(), speed=50)
    app = Host(tape)
    async with app.run_test(size=(30, 3)) as pilot:
        tape.set_items(ITEMS)
        await pilot.pause()
        tape.pause()
        before = line(tape)
        await pilot.pause(0.3)
        assert line(tape) == before
        tape.resume()
        await pilot.pause(0.3)
        assert line(tape) != before


async def test_tape_step_mode_shows_one_headline_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tape_module, "STEP_SECONDS", 0.2)
    tape = HeadlineTape(fixed(), step_mode=True)
    app = Host(tape)
    async with app.run_test(size=(80, 3)) as pilot:
        tape.pause()
        tape.set_items(ITEMS)
        await pilot.pause()
        first = line(tape)
        assert first.rstrip() == "Reuters · 5m · Gold ▸ Gold hits a record"
        assert "◆" not in first
        tape.resume()
        await pilot.pause(0.3)
        # One whole headline, the next one (or the one after, on a loaded machine whose pause
        # outlasted a second step), never two run together.
        assert line(tape).rstrip() in {"CNBC · 2h · Tokyo stocks slip", "CoinDesk · Bitcoin steady"}


async def test_tape_step_mode_crops_long_headline_with_ellipsis() -> None:
    tape = HeadlineTape(fixed(), step_mode=True, animate=False)
    app = Host(tape)
    async with app.run_test(size=(20, 3)) as pilot:
        tape.set_items(ITEMS)
        await pilot.pause()
        assert line(tape) == "Reuters · 5m · Gold…"


async def test_tape_keeps_place_when_items_change() -> None:
    tape = HeadlineTape(fixed(), step_mode=True, animate=False)
    app = Host(tape)
    async with app.run_test(size=(80, 3)) as pilot:
        tape.set_items(ITEMS[1:])
        await pilot.pause()
        assert line(tape).startswith("CNBC")
        tape.set_items(ITEMS)  # a newer headline arrives in front
        await pilot.pause()
        assert line(tape).startswith("CNBC")


async def test_tape_ages_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tape_module, "AGE_SECONDS", 0.1)
    clock = [NOW]
    tape = HeadlineTape(lambda: clock[0], step_mode=True)
    app = Host(tape)
    async with app.run_test(size=(80, 3)) as pilot:
        tape.set_items(ITEMS[:1])
        await pilot.pause()
        assert line(tape).startswith("Reuters · 5m · ")
        calls = count_refreshes(tape)
        await pilot.pause(0.3)
        assert calls[0] == 0  # ages unchanged: no repaint
        clock[0] += timedelta(minutes=5)
        await pilot.pause(0.3)
        assert line(tape).startswith("Reuters · 10m · ")
        assert calls[0] == 1


async def test_tape_restyles_on_theme_change() -> None:
    tape = HeadlineTape(fixed(), animate=False)
    app = Host(tape)
    async with app.run_test(size=(80, 3)) as pilot:
        tape.set_items(ITEMS[:1])
        await pilot.pause()
        dark = next(iter(tape.render_line(0))).style
        app.theme = "textual-light"
        await pilot.pause()
        light = next(iter(tape.render_line(0))).style
        assert dark is not None and light is not None
        assert dark.bgcolor != light.bgcolor


# -- header -----------------------------------------------------------------------------------


def test_market_states_for_fixed_time() -> None:
    states = {s.label: s for s in market_states(NOW)}
    assert list(states) == ["NY", "LDN", "FRA", "TYO", "SEO", "HK"]
    assert states["NY"].is_open and states["NY"].word == "open"
    assert not states["TYO"].is_open and states["TYO"].word == "closed"
    lunch = datetime(2026, 2, 3, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    assert {s.label: s.word for s in market_states(lunch)}["TYO"] == "lunch"


async def test_header_shows_markets_badges_and_clock() -> None:
    header = MarketHeader(fixed(), demo=True, animate=False)
    app = Host(header)
    async with app.run_test(size=(140, 3)) as pilot:
        text = line(header)
        assert "marketmon" in text
        assert "DEMO" in text
        assert "PAUSED" not in text
        assert "NY ● open" in text
        assert "TYO ○ closed" in text
        assert text.startswith(" " + NOW.astimezone().strftime("%H:%M:%S %Z"))
        assert header.region.y == 0
        header.paused = True
        await pilot.pause()
        assert "PAUSED" in line(header)


async def test_header_drops_detail_to_fit() -> None:
    header = MarketHeader(fixed(), demo=False, seconds=False, animate=False)
    app = Host(header)
    async with app.run_test(size=(60, 3)):
        text = line(header)
        assert len(text) == 60
        assert "DEMO" not in text
        assert "NY ●" in text and "open" not in text
        assert text.startswith(" " + NOW.astimezone().strftime("%H:%M"))


async def test_header_ticks_only_when_the_text_changes() -> None:
    clock = [NOW.replace(microsecond=990_000)]
    header = MarketHeader(lambda: clock[0], demo=False)
    app = Host(header)
    async with app.run_test(size=(140, 3)) as pilot:
        calls = count_refreshes(header)
        await pilot.pause(0.3)
        assert calls[0] == 0  # same second: nothing to repaint
        clock[0] += timedelta(seconds=1)
        for _ in range(30):  # the next tick is due within ~1 s
            await pilot.pause(0.1)
            if calls[0]:
                break
        await pilot.pause(0.1)
        assert calls[0] == 1
        assert (NOW + timedelta(seconds=1)).astimezone().strftime("%H:%M:%S") in line(header)


# -- status bar -------------------------------------------------------------------------------

SOURCES = [
    SourceStatus("yahoo", SourceHealth.OK, NOW - timedelta(seconds=12), rows=20),
    SourceStatus(
        "coinbase",
        SourceHealth.RATE_LIMITED,
        NOW - timedelta(minutes=3),
        NOW + timedelta(seconds=45),
        2,
        rows=7,
    ),
    SourceStatus("binance", SourceHealth.OFFLINE, None, NOW + timedelta(minutes=2), 5, rows=7),
    SourceStatus("goldapi", SourceHealth.IDLE),
]


def test_source_parts() -> None:
    assert source_parts(SOURCES[0], NOW) == ("ok", "12s", None)
    assert source_parts(SOURCES[1], NOW) == ("rate-limited", "3m", "retry 0:45")
    assert source_parts(SOURCES[2], NOW) == ("offline", None, "retry 2:00")
    limited = SourceStatus("yahoo", SourceHealth.RATE_LIMITED, None, NOW + timedelta(seconds=115))
    assert source_parts(limited, NOW) == ("rate-limited", None, "retry 1:55")
    assert source_parts(SOURCES[3], NOW) == ("idle", None, None)
    late = SourceStatus("x", SourceHealth.STALE, NOW, NOW - timedelta(seconds=5))
    assert source_parts(late, NOW) == ("stale", "0s", "retrying")


async def test_status_bar_lists_sources() -> None:
    bar = SourceStatusBar(fixed(), animate=False)
    app = Host(bar)
    async with app.run_test(size=(120, 3)) as pilot:
        assert "No data sources" in line(bar)
        bar.update_sources(SOURCES)
        await pilot.pause()
        text = line(bar)
        # Most rows first (ties by name), so the main source is never the one cut off.
        assert text.startswith(
            "yahoo ok 12s │ binance offline · retry 2:00 │ coinbase rate-limited 3m · retry 0:45"
            " │ goldapi idle"
        )


async def test_status_bar_truncates_with_ellipsis() -> None:
    bar = SourceStatusBar(fixed(), animate=False)
    app = Host(bar)
    async with app.run_test(size=(50, 3)) as pilot:
        bar.update_sources(SOURCES)
        await pilot.pause()
        text = line(bar)
        assert len(text) == 50
        assert text.startswith("yahoo ok │ binance offline · retry 2:00 │ coinba")
        assert text.endswith("…")
        # Even listed last, the source feeding most rows comes first and stays in view.
        bar.update_sources([*SOURCES[1:], SOURCES[0]])
        await pilot.pause()
        assert line(bar).startswith("yahoo ok │ ")


async def test_status_bar_says_why_yahoo_is_not_using_spark() -> None:
    bar = SourceStatusBar(fixed(), animate=False)
    app = Host(bar)
    async with app.run_test(size=(120, 3)) as pilot:
        note = "spark unusable (HTTP 400: Bad Request); per-symbol charts"
        bar.update_sources([SourceStatus("yahoo", SourceHealth.OK, NOW, rows=20, note=note)])
        await pilot.pause()
        assert line(bar).startswith(f"yahoo ok 0s · {note}")


async def test_status_bar_repaints_only_on_change() -> None:
    bar = SourceStatusBar(fixed(), animate=False)
    app = Host(bar)
    async with app.run_test(size=(120, 3)) as pilot:
        bar.update_sources(SOURCES)
        await pilot.pause()
        calls = count_refreshes(bar)
        bar.update_sources(list(SOURCES))
        await pilot.pause()
        assert calls[0] == 0
        bar.update_sources([*SOURCES[:3], SourceStatus("goldapi", SourceHealth.OK, NOW)])
        await pilot.pause()
        assert calls[0] == 1
        assert "goldapi ok 0s" in line(bar)
