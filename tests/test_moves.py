"""Moves and staleness computed in one polars frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from tui.data.instruments import Instrument
from tui.data.moves import (
    SELECTED_SCHEMA,
    compute_moves,
    instruments_frame,
    pane_snapshots,
    select_quotes,
)
from tui.data.schema import QuoteRow, quotes_frame
from tui.data.snapshot import StaleReason

# Tuesday 2026-02-03 15:00 UTC: New York open (10:00 EST), Tokyo closed (00:00 JST).
NOW = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)

INSTRUMENTS = (
    Instrument("indices", "Americas", "^GSPC", "S&P 500", "NYSE"),
    Instrument("indices", "Asia-Pacific", "^N225", "Nikkei 225", "TSE"),
    Instrument("indices", "Asia-Pacific", "^KS11", "KOSPI", "KRX"),
    Instrument("indices", "Europe", "^BVSP", "^BVSP", None),
    Instrument("metals", "Futures", "SI=F", "Silver futures", "COMEX"),
    Instrument("crypto", "Crypto", "BTC-USD", "Bitcoin", "CRYPTO"),
)


def selected(rows: list[tuple[str, QuoteRow, bool]]) -> pl.DataFrame:
    frame = quotes_frame([r for _, r, _ in rows])
    return frame.with_columns(
        pane=pl.Series([p for p, _, _ in rows]),
        failing=pl.Series([f for _, _, f in rows]),
    ).select(list(SELECTED_SCHEMA))


def row(
    symbol: str,
    last: float,
    prev: float | None,
    *,
    age: float = 10.0,
    source: str = "yahoo",
    **extra: object,
) -> QuoteRow:
    return QuoteRow(
        symbol=symbol,
        source=source,
        last=last,
        prev_close=prev,
        as_of=NOW - timedelta(seconds=age),
        currency="USD",
        **extra,
    )  # type: ignore[arg-type]


def test_selloff_day_moves_and_staleness() -> None:
    frame = selected(
        [
            (
                "indices",
                row(
                    "^GSPC",
                    6650.0,
                    6800.0,
                    day_high=6810.0,
                    day_low=6600.0,
                    series=[6800.0, 6700.0, 6650.0],
                    series_time=[NOW - timedelta(minutes=m) for m in (10, 5, 0)],
                ),
                False,
            ),
            # Nikkei closed: its session (Yahoo's currentTradingPeriod) ended hours ago.
            (
                "indices",
                row(
                    "^N225",
                    48020.0,
                    49000.0,
                    age=6 * 3600,
                    session_start=NOW - timedelta(hours=15),
                    session_end=NOW - timedelta(hours=9),
                ),
                False,
            ),
            # KOSPI: no session from the source, the market table says Seoul is closed now.
            ("indices", row("^KS11", 3800.0, 4000.0, age=7 * 3600), False),
            ("indices", row("^BVSP", 130000.0, None, age=30, name="IBOVESPA"), False),
            ("metals", row("SI=F", 41.6, 52.0, age=2000), False),  # older than max_age 1500
            ("crypto", row("BTC-USD", 59400.0, 66000.0, source="binance"), True),
        ]
    )
    moves = compute_moves(
        frame, instruments_frame(INSTRUMENTS), NOW, {"yahoo": 1500.0, "binance": 120.0}
    )
    by = {r["symbol"]: r for r in moves.iter_rows(named=True)}
    assert moves.get_column("symbol").to_list() == [i.symbol for i in INSTRUMENTS]

    spx = by["^GSPC"]
    assert spx["change"] == pytest.approx(-150.0)
    assert spx["change_pct"] == pytest.approx(-2.2058823529)
    assert (spx["day_high"], spx["day_low"]) == (6810.0, 6600.0)
    assert spx["range_pos"] == pytest.approx(50.0 / 210.0)
    assert spx["stale_reason"] is None

    assert by["^N225"]["stale_reason"] == StaleReason.CLOSED.value
    assert by["^N225"]["change_pct"] == pytest.approx(-2.0)
    assert by["^KS11"]["change_pct"] == pytest.approx(-5.0)
    assert by["^KS11"]["stale_reason"] == StaleReason.CLOSED.value

    bvsp = by["^BVSP"]
    assert bvsp["name"] == "IBOVESPA"  # the provider's name when the config has none
    assert bvsp["change"] is None and bvsp["change_pct"] is None  # never invented
    assert bvsp["range_pos"] is None  # no range: high == low == last

    assert by["SI=F"]["change_pct"] == pytest.approx(-20.0)
    assert by["SI=F"]["stale_reason"] == StaleReason.OLD.value
    btc = by["BTC-USD"]
    assert btc["stale_reason"] == StaleReason.FAILING.value
    assert btc["change_pct"] == pytest.approx(-10.0)


def test_reported_high_below_last_is_widened() -> None:
    """^TNX reports regularMarketDayHigh 4.261 below its price 4.275: the range must hold it."""
    frame = selected(
        [("indices", row("^GSPC", 4.275, 4.227, day_high=4.261, day_low=4.237), False)]
    )
    moves = compute_moves(frame, instruments_frame(INSTRUMENTS[:1]), NOW, {"yahoo": 1500.0})
    first = moves.row(0, named=True)
    assert first["day_high"] == 4.275
    assert first["range_pos"] == 1.0


def test_instrument_without_quote_keeps_its_row() -> None:
    moves = compute_moves(
        pl.DataFrame(schema=SELECTED_SCHEMA), instruments_frame(INSTRUMENTS), NOW, {}
    )
    panes = pane_snapshots(
        moves, {"indices": ("Americas",), "metals": ("Futures",), "crypto": ("Crypto",)}
    )
    assert [len(p.quotes) for p in panes] == [4, 1, 1]
    assert all(q.last is None and q.stale_reason is None for p in panes for q in p.quotes)


def test_select_prefers_chain_order_then_freshest_last_good() -> None:
    quotes = quotes_frame(
        [
            row("BTC-USD", 60000.0, 66000.0, source="coinbase", age=100),
            row("BTC-USD", 60010.0, 66000.0, source="binance", age=5),
            row("ETH-USD", 3000.0, 3100.0, source="coinbase", age=500),
            row("ETH-USD", 3001.0, 3100.0, source="binance", age=50),
        ]
    ).with_columns(failing=pl.Series([False, False, True, True]))
    chains = pl.DataFrame(
        {
            "pane": ["crypto"] * 4,
            "symbol": ["BTC-USD", "BTC-USD", "ETH-USD", "ETH-USD"],
            "source": ["coinbase", "binance", "coinbase", "binance"],
            "rank": [0, 1, 0, 1],
        },
    )
    chosen = select_quotes(quotes, chains)
    by = {r["symbol"]: r for r in chosen.iter_rows(named=True)}
    assert by["BTC-USD"]["source"] == "coinbase"  # first healthy source in the chain wins
    assert by["ETH-USD"]["source"] == "binance"  # all failing: the freshest last good value
    assert by["ETH-USD"]["failing"] is True


def test_scalar_columns_follow_quote_field_order() -> None:
    """pane_snapshots builds Quotes positionally for speed; the orders must agree."""
    from dataclasses import fields

    from tui.data.moves import SCALARS
    from tui.data.sigma import SIGMA_COLUMNS
    from tui.data.snapshot import Quote

    names = tuple(f.name for f in fields(Quote))
    assert names[: len(SCALARS)] == SCALARS
    assert names[len(SCALARS) :] == ("series", "series_time", *SIGMA_COLUMNS, "problem", "marks")


def test_series_are_read_lazily_and_thinned_for_sparklines() -> None:
    times = [NOW - timedelta(minutes=m) for m in range(100, 0, -1)]
    frame = selected(
        [
            (
                "indices",
                row("^GSPC", 99.0, 100.0, series=[float(i) for i in range(100)], series_time=times),
                False,
            )
        ]
    )
    moves = compute_moves(frame, instruments_frame(INSTRUMENTS[:1]), NOW, {"yahoo": 1500.0})
    [pane] = pane_snapshots(moves, {"indices": ("Americas",)})
    quote = pane.quotes[0]
    assert len(quote.series) == 100 and quote.series[-1] == 99.0
    assert quote.series_time[0] == times[0]
    assert len(quote.spark) == 32
    assert quote.spark[-1] == 99.0  # the thinned series still ends at the last bar
    assert list(quote.spark) == [float((k + 1) * 100 // 32 - 1) for k in range(32)]


def test_a_time_from_the_future_is_clamped_when_choosing_the_freshest_last_good() -> None:
    quotes = quotes_frame(
        [
            row("ETH-USD", 3000.0, 3100.0, source="coinbase", age=-365 * 86400),  # a year ahead
            row("ETH-USD", 3001.0, 3100.0, source="binance", age=50),
        ]
    ).with_columns(failing=pl.Series([True, True]))
    chains = pl.DataFrame(
        {"pane": ["crypto"] * 2, "symbol": ["ETH-USD"] * 2, "source": ["binance", "coinbase"],
         "rank": [0, 1]}
    )  # fmt: skip
    assert select_quotes(quotes, chains).get_column("source").to_list() == ["coinbase"]
    chosen = select_quotes(quotes, chains, NOW)
    # Both failing: a time a year ahead is not believed, so the honest one is fresher.
    assert chosen.get_column("source").to_list() == ["binance"]
