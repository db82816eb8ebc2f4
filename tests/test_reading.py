"""Pilot tests of how the screen reads and answers keys: bursts, focus after resizes, views."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events

from tui.demo_app import frozen_demo_app, wait_for_data
from tui.screens.detail import DetailScreen
from tui.screens.main import MainScreen
from widgets.quote_table import QuoteTable


def table(app: Any, pane: str) -> QuoteTable:
    return app.main_screen.query_one(f"#table-{pane}", QuoteTable)


async def burst(app: Any, *keys: str) -> None:
    """Keys arriving together, as over SSH: all queued before the app handles the first."""
    driver = app._driver
    for key in keys:
        char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


async def until(pilot: Any, condition: Any, timeout: float = 3.0) -> None:
    """Pause until ``condition()`` holds (a loaded machine may need more than one frame)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)


@pytest.mark.parametrize(
    ("keys", "symbol"),
    [
        (("3", "enter"), "BTC-USD"),
        (("2", "down", "enter"), "SI=F"),
        (("3", "j", "enter"), "ETH-USD"),
    ],
)
@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_key_burst_after_a_pane_switch_acts_on_the_new_pane(
    keys: tuple[str, ...], symbol: str, size: tuple[int, int]
) -> None:
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        await burst(app, *keys)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.is_mounted)
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.symbol == symbol


async def test_several_keys_in_one_press_call_act_in_order() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(app)
        await pilot.press("3", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.symbol == "ETH-USD"


async def test_focus_survives_a_squeeze_below_the_minimum_and_back() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(app)
        await pilot.press("3", "down")
        for size in ((40, 10), (80, 24), (40, 10), (120, 40)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.2)
        assert app.focused is table(app, "crypto")
        assert table(app, "crypto").cursor_row == 1
        footer_keys = {b.binding.key for b in app.active_bindings.values() if b.binding.show}
        assert "enter" in footer_keys  # ⏎ Detail is back in the footer
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.is_mounted)
        assert app.screen.symbol == "SOL-USD"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_tab_walks_every_pane_across_pages() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(app)
        seen = []
        for _ in range(7):
            await pilot.press("tab")
            seen.append(app.main_screen.active_pane)
            assert app.main_screen.query_one(f"#pane-{seen[-1]}").display
        assert seen == ["metals", "crypto", "fx", "rates", "energy", "news", "indices"]


@pytest.mark.parametrize("opener", [("enter",), ("n",), ("question_mark",), ("m",), ("a",)])
@pytest.mark.parametrize("closer", ["escape", "q"])
async def test_esc_and_q_close_every_view_and_q_quits_only_from_main(
    opener: tuple[str, ...], closer: str
) -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press(*opener)
        await until(pilot, lambda: app.screen is not app.main_screen and app.screen.is_mounted)
        assert app.screen is not app.main_screen
        await pilot.press(closer)
        await pilot.pause()
        assert app.screen is app.main_screen
        assert app.is_running


async def test_q_on_the_main_screen_and_ctrl_c_anywhere_quit() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


@pytest.mark.parametrize("size", [(200, 60), (120, 40), (80, 24), (60, 20), (50, 12)])
async def test_help_key_is_in_the_footer_at_every_size(size: tuple[int, int]) -> None:
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        footer = app.main_screen.query_one("Footer")
        keys = [
            str(item.render()) for item in footer.query("FooterKey") if item.region.right <= size[0]
        ]
        assert any("?" in k and "Help" in k for k in keys), keys


async def test_enter_on_a_headline_opens_it_in_full() -> None:
    from tui.screens.headlines import LinkScreen

    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        assert app.snapshot is not None
        related = next(i for i, h in enumerate(app.snapshot.headlines) if h.related)
        await pilot.press("4", *["down"] * related, "enter")
        await until(pilot, lambda: isinstance(app.screen, LinkScreen) and app.screen.is_mounted)
        screen = app.screen
        assert isinstance(screen, LinkScreen)
        headline = app.snapshot.headlines[related]
        assert screen.headline == headline
        text = " ".join(str(w.render()) for w in screen.query("Static"))
        assert headline.title in text and headline.source in text
        names = {q.symbol: q.name for q in app.snapshot.quotes}
        assert "Related: " + ", ".join(names[s] for s in headline.related) in text
        assert not screen.can_open  # the demo has no links; and no browser here
        await pilot.press("q")
        assert app.screen is app.main_screen


def test_only_web_links_open_and_only_in_a_graphical_browser(monkeypatch: Any) -> None:
    from tui.screens import headlines

    assert headlines.openable("https://example.com/a?b=c")
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "https://x.com/a b", "; rm -rf ~"):
        assert not headlines.openable(bad)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(headlines.sys, "platform", "linux")
    assert not headlines.browser_available()  # over SSH: never a text browser in our terminal


async def test_headlines_view_shows_titles_at_80x24() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(app)
        await pilot.press("n")
        await until(pilot, lambda: app.screen is not app.main_screen and app.screen.is_mounted)
        await pilot.pause()
        table = app.screen.query_one("#headlines-table")
        keys = [k.value for k in table.columns]
        widths = [c.get_render_width(table) for c in table.columns.values()]
        title = table.columns[list(table.columns)[keys.index("title")]]
        x = sum(widths[: keys.index("title")])
        assert x + 30 <= 80  # the title starts well inside the screen
        assert title.get_render_width(table) >= 30


async def test_filter_moves_to_the_first_pane_with_matches_and_says_when_none() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("slash", "s", "i", "l", "enter")
        await pilot.pause()
        assert app.focused is table(app, "metals")
        assert table(app, "metals").match_count == 2  # Silver futures, Silver spot
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.is_mounted)
        assert app.screen.symbol in ("SI=F", "XAG")
        await pilot.press("escape", "escape")  # back, then clear the filter
        await pilot.pause()
        await pilot.press("slash", "z", "z", "q", "enter")
        await pilot.pause()
        assert any("No matches" in str(n.message) for n in app._notifications)
        subtitle = str(app.main_screen.query_one("#pane-indices").border_subtitle)
        assert "no matches" in subtitle


def test_errors_read_as_status_and_reason_never_markup() -> None:
    from tui import format as fmt

    body = "HTTP 500: <html><head><title>500</title></head></html>"
    assert fmt.error_text(body, 500) == "HTTP 500 Internal Server Error"
    assert fmt.error_text("HTTP 599: <b>x</b>", 599) == "HTTP 599"
    assert fmt.error_text("connection refused") == "connection refused"
    assert fmt.error_text("parse: <html>") == "parse"


async def test_detail_offline_names_the_last_error_and_labels_the_reference() -> None:
    from dataclasses import replace

    from tui.data.errors import ErrorKind, SourceError
    from tui.data.snapshot import SourceHealth
    from tui.screens.detail_parts import last_error, reference_label

    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        snap = app.snapshot
        assert snap is not None
        btc = snap.pane("crypto").by_symbol()["BTC-USD"]  # type: ignore[union-attr]
        gspc = snap.pane("indices").by_symbol()["^GSPC"]  # type: ignore[union-attr]
        assert reference_label(btc) == "24 h open"
        assert reference_label(gspc) == "Previous close"
        # Offline: no source gave a price, every source failed with an HTML error page.
        failure = SourceError("demo", None, ErrorKind.HTTP, "HTTP 503: <html>down</html>", 503)
        offline = replace(
            snap,
            errors=(),
            sources=tuple(
                replace(s, health=SourceHealth.OFFLINE, last_error=failure) for s in snap.sources
            ),
        )
        text = last_error(offline, replace(btc, source=None))
        assert text == "demo: HTTP 503 Service Unavailable"
        # j / k step through the pane without leaving the view.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.is_mounted)
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.symbol == "^GSPC"
        await pilot.press("j")
        assert screen.symbol == "^IXIC"
        assert "Nasdaq" in str(screen.query_one("#detail-name").render())
        await pilot.press("k", "k")
        assert screen.symbol == "^AXJO"  # wraps to the last
        await pilot.press("3")  # a number key does nothing here; escape goes back
        await pilot.press("escape")
        assert app.screen is app.main_screen
