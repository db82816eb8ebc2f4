"""What a trader sees of the plausibility marks and the clock warning, in the real app."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pytest

from tests.faultserver import FaultServer
from tui import format as fmt
from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher
from tui.data.plausibility import Mark
from tui.data.snapshot import MarketSnapshot, PaneSnapshot, StaleReason
from tui.demo_app import frozen_demo_app, wait_for_data
from widgets.market_header import MarketHeader
from widgets.quote_table import QuoteTable


def with_quote_changes(snap: MarketSnapshot, symbol: str, **changes: object) -> MarketSnapshot:
    panes = tuple(
        PaneSnapshot(
            p.name,
            p.groups,
            tuple(dataclasses.replace(q, **changes) if q.symbol == symbol else q for q in p.quotes),  # type: ignore[arg-type]
        )
        for p in snap.panes
    )
    return dataclasses.replace(snap, panes=panes)


async def test_marks_future_times_and_the_clock_warning_are_on_screen() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)
        assert app.snapshot is not None
        now = app.true_now()
        snap = with_quote_changes(app.snapshot, "^GSPC", marks=(Mark.JUMP.value,))
        snap = with_quote_changes(
            snap,
            "GC=F",
            last=-37.63,
            marks=(Mark.NEGATIVE.value,),
        )
        snap = with_quote_changes(
            snap,
            "BTC-USD",
            as_of=now + timedelta(days=365),
            stale_reason=StaleReason.OLD,
            marks=(Mark.FUTURE.value,),
        )
        snap = dataclasses.replace(snap, clock_offset=-600.0)
        app.main_screen.apply(snap)
        await pilot.pause()
        indices = app.main_screen.query_one("#table-indices", QuoteTable)
        metals = app.main_screen.query_one("#table-metals", QuoteTable)
        crypto = app.main_screen.query_one("#table-crypto", QuoteTable)
        assert indices.get_cell("^GSPC", "last").plain.endswith("↯")
        assert metals.get_cell("GC=F", "last").plain == "-37.63±"
        assert crypto.get_cell("BTC-USD", "age").plain == "ahead"
        header = app.main_screen.query_one(MarketHeader)
        assert "local clock 10m ahead" in header.build_line(160).plain

        snap = dataclasses.replace(snap, clock_offset=30.0)  # within the threshold: no warning
        app.main_screen.apply(snap)
        await pilot.pause()
        assert "local clock" not in header.build_line(160).plain


def test_a_big_move_keeps_its_percent_sign_within_the_column() -> None:
    assert fmt.percent(-199.95) in ("-199.9%", "-200.0%")
    assert fmt.percent(1.254) == "+1.25%"
    for value in (-199.95, 999.99, -1234.5, 45678.9):
        text = fmt.percent(value)
        assert text.endswith("%") and len(text) <= fmt.PERCENT_WIDTH, text


async def test_a_url_too_long_is_a_request_error_not_a_network_failure() -> None:
    with FaultServer() as server:
        async with httpx.AsyncClient() as client:
            fetcher = Fetcher(client)
            with pytest.raises(FetchError) as caught:
                await fetcher.get(f"{server.url}/api/v3/ticker/24hr?symbols={'A' * 70_000}")
            assert caught.value.kind is ErrorKind.REQUEST
            assert not caught.value.kind.is_offline
            assert "URL too long" in caught.value.message
            assert server.request_count == 0  # never sent
