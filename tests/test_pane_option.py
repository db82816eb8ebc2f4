"""``--pane``: only the chosen panes, full size, in the order given (Pilot, real app)."""

from __future__ import annotations

import pytest

from tui.app import create_app
from tui.cli import build_parser, main
from tui.config import default_config
from tui.data.clock import VirtualClock
from tui.demo_app import FROZEN_AT, wait_for_data
from tui.pane_filter import parse_panes
from widgets.news_table import NewsTable
from widgets.quote_table import QuoteTable


def pane_app(panes: tuple[str, ...]):
    return create_app(
        default_config(),
        demo=True,
        clock=VirtualClock(FROZEN_AT),
        animate=False,
        panes=panes,
    )


def test_parse_keeps_order_drops_repeats_and_accepts_the_alias() -> None:
    assert parse_panes("crypto") == ("crypto",)
    assert parse_panes(" news , indices,news") == ("news", "indices")
    assert parse_panes("headlines,METALS") == ("news", "metals")
    assert parse_panes("crypto,fx,RATES,energy") == ("crypto", "fx", "rates", "energy")
    with pytest.raises(ValueError, match=r"unknown pane 'forex'.*known: indices, metals, crypto"):
        parse_panes("crypto,forex")
    with pytest.raises(ValueError, match="no pane"):
        parse_panes(" , ")


def test_unknown_pane_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--pane", "crypto,bogus"])
    assert exc.value.code == 2
    assert "unknown pane 'bogus'" in capsys.readouterr().err
    assert build_parser().parse_args(["--pane", "crypto"]).pane == ("crypto",)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_one_pane_fills_the_screen(size: tuple[int, int]) -> None:
    app = pane_app(("crypto",))
    async with app.run_test(size=size) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        screen = app.main_screen
        assert [t.id for t in screen.query(QuoteTable)] == ["table-crypto"]
        assert not screen.query(NewsTable)
        pane = screen.query_one("#pane-crypto")
        panes = screen.query_one("#panes")
        # The whole width, and every row (the layout rule never stretches a table into empty
        # rows): not a quarter or a third of the screen as on the full board.
        assert pane.region.x == panes.region.x and pane.outer_size.width == panes.size.width
        table = screen.query_one("#table-crypto", QuoteTable)
        assert table.row_count == 7
        assert pane.outer_size.height >= 7 + 3  # 7 rows, the header and the border
        assert not screen.query_one("#pane-tabs").display
        assert app.focused is table
        await pilot.press("1", "4")  # keys of panes not shown do nothing
        assert app.focused is table


async def test_two_panes_in_the_order_given_then_paged_when_small() -> None:
    app = pane_app(("news", "metals"))
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        screen = app.main_screen
        news, metals = screen.query_one("#pane-news"), screen.query_one("#pane-metals")
        assert news.display and metals.display
        assert (news.region.y, news.region.x) < (metals.region.y, metals.region.x)  # the order
        assert news.outer_size.width == metals.outer_size.width == 200
        assert not screen.query("#pane-indices") and not screen.query("#pane-crypto")
        assert screen.query_one(NewsTable).row_count == len(app.snapshot.headlines)
        await pilot.resize_terminal(60, 14)  # too small for both: one page at a time
        await pilot.pause()
        tabs = str(screen.query_one("#pane-tabs").render())
        assert "4 News" in tabs and "2 Metals" in tabs and "Crypto" not in tabs
        await pilot.press("2")
        await pilot.pause()
        assert app.focused is screen.query_one("#table-metals")
        assert metals.display and not news.display
