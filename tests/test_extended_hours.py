"""Pre-market and after-hours (``pre``/``post``), and the source's own trading period first.

Yahoo's ``meta.currentTradingPeriod`` carries ``pre``, ``regular`` and ``post`` periods; the
recorded answers below show New York's pre-market (04:00-09:30 ET) and after-hours (16:00-20:00
ET) for shares and indices, and zero-length ones for futures and yields (which have none).
When a quote carries its own periods they decide its session and staleness, whatever the
exchange calendar says; the header's New York state comes from the calendar plus the NYSE
extended-hours rule (tui/data/sessions.py). Every clock here is fixed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.helpers import shared_dir, unwrap_recording
from tui.data.calendar_worker import CACHE_VERSION
from tui.data.instruments import Instrument
from tui.data.moves import SELECTED_SCHEMA, compute_moves, instruments_frame, pane_snapshots
from tui.data.providers.yahoo import parse_chart
from tui.data.providers.yahoo_spark import parse_spark
from tui.data.schema import QuoteRow, quotes_frame
from tui.data.sessions import SessionBook, default_cache_dir
from tui.data.snapshot import Session, StaleReason
from widgets.market_header import market_states

AAPL_PRE = "chart-v8_AAPL_1m_weekend-range_no-timestamps.nyf2.json"  # recorded in pre-market
GSPC_2Y = "chart-v8_^GSPC_index_2y-1d_ohlcv-adjclose.glimpse.json"
GOLD = "chart-v8_GC=F_comex-gold-futures_1d_2025-02-20.nyf2.json"
SPARK_72 = "spark-v7_72-symbols-fx-futures-indices-yields_1mo-1d_merged-4-requests.glimpse.json"
US_INDICES = ["^GSPC", "^DJI", "^RUT", "^NDX"]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def recorded(name: str) -> Any:
    _status, _headers, body = unwrap_recording(shared_dir("yahoo") / name)
    return json.loads(body)


def chart(name: str, symbol: str) -> QuoteRow:
    return parse_chart(recorded(name), symbol)


def spark_rows(symbols: list[str]) -> dict[str, QuoteRow]:
    answers = parse_spark(recorded(SPARK_72), symbols, parse_chart)
    rows = {s: a for s, a in answers.items() if isinstance(a, QuoteRow)}
    assert set(rows) == set(symbols)
    return rows


def moves_of(row: QuoteRow, now: datetime, book: SessionBook, market: str = "NYSE") -> Any:
    """The row's computed move and session at ``now``, as the engine would compute it."""
    instrument = Instrument("indices", "Americas", row.symbol, row.symbol, market)
    selected = (
        quotes_frame([row])
        .with_columns(pane=pl.lit("indices"), failing=pl.lit(False))
        .select(list(SELECTED_SCHEMA))
    )
    moves = compute_moves(
        selected, instruments_frame([instrument]), now, {"yahoo": 1500.0}, sessions=book
    )
    (quote,) = pane_snapshots(moves, {"indices": ("Americas",)})[0].quotes
    return quote


def fake_calendar(tmp_path: Path, sessions: dict[date, tuple[datetime, datetime]]) -> SessionBook:
    """A calendar cache (the worker's format) holding only ``sessions`` for New York."""
    rows = [[int(o.timestamp()), int(c.timestamp()), None, None] for o, c in sessions.values()]
    data = {"version": CACHE_VERSION, "year": 2026, "markets": {"XNYS": sorted(rows)}}
    (tmp_path / "sessions-2026.json").write_text(json.dumps(data))
    book = SessionBook(tmp_path)
    assert book.load(at(2026, 9, 18)) == []
    return book


def ny_week(*, skip: date | None = None, late_close: date | None = None) -> dict[date, Any]:
    """Regular sessions 13:30-20:00 UTC (09:30-16:00 EDT) for 14-25 September 2026."""
    out: dict[date, tuple[datetime, datetime]] = {}
    for day in range(14, 26):
        d = date(2026, 9, day)
        if d.weekday() >= 5 or d == skip:
            continue
        close = at(2026, 9, day, 22, 0) if d == late_close else at(2026, 9, day, 20, 0)
        out[d] = (at(2026, 9, day, 13, 30), close)
    return out


# --- the parser carries the periods -------------------------------------------------------


def test_chart_carries_yahoos_pre_and_post_periods() -> None:
    aapl = chart(AAPL_PRE, "AAPL")  # EST: pre 04:00-09:30, post 16:00-20:00 New York
    assert (aapl.pre_start, aapl.pre_end) == (at(2025, 2, 20, 9, 0), at(2025, 2, 20, 14, 30))
    assert (aapl.session_start, aapl.session_end) == (
        at(2025, 2, 20, 14, 30),
        at(2025, 2, 20, 21, 0),
    )
    assert (aapl.post_start, aapl.post_end) == (at(2025, 2, 20, 21, 0), at(2025, 2, 21, 1, 0))
    gspc = chart(GSPC_2Y, "^GSPC")  # EDT
    assert (gspc.post_start, gspc.post_end) == (at(2026, 9, 18, 20, 0), at(2026, 9, 19, 0, 0))


def test_zero_length_periods_mean_none() -> None:
    """Futures, FX and yields come with pre == post == a point: no extended hours."""
    gold = chart(GOLD, "GC=F")
    assert gold.session_start == at(2025, 2, 20, 5, 0)  # the regular period is kept
    assert (gold.pre_start, gold.pre_end, gold.post_start, gold.post_end) == (None,) * 4
    rows = spark_rows(["^TNX", "CL=F", "EURUSD=X"])
    for row in rows.values():
        assert row.pre_start is None and row.post_start is None, row.symbol


def test_spark_carries_the_periods_of_us_indices() -> None:
    for symbol, row in spark_rows(US_INDICES).items():
        assert (row.pre_start, row.pre_end) == (at(2026, 9, 18, 8, 0), at(2026, 9, 18, 13, 30))
        assert (row.post_start, row.post_end) == (at(2026, 9, 18, 20, 0), at(2026, 9, 19)), symbol


# --- quotes in pre-market and after-hours -------------------------------------------------


def test_a_pre_market_quote_is_the_last_close_never_fresh(tmp_path: Path) -> None:
    """Recorded on Thursday 20 February 2025 before the open: Wednesday's close, pre-market."""
    row = chart(AAPL_PRE, "AAPL")
    quote = moves_of(row, at(2025, 2, 20, 12, 0), SessionBook(tmp_path))  # 07:00 New York
    assert quote.session is Session.PRE
    assert quote.stale_reason is StaleReason.CLOSED
    assert quote.session_date == date(2025, 2, 19)  # "pre Wed": Wednesday's close
    assert quote.last == 244.87
    # The move stays the regular session's: Wednesday's close against Tuesday's.
    assert quote.change == pytest.approx(244.87 - 244.47)
    assert quote.change_pct == pytest.approx((244.87 - 244.47) / 244.47 * 100)


def test_an_index_after_the_close_is_post_then_closed() -> None:
    book = SessionBook(default_cache_dir())  # the real 2026 calendar (conftest)
    rows = spark_rows(US_INDICES)
    for symbol, row in rows.items():
        post = moves_of(row, at(2026, 9, 18, 22, 0), book)  # 18:00 New York, Friday
        assert (post.session, post.stale_reason) == (Session.POST, StaleReason.CLOSED), symbol
        assert post.session_date == date(2026, 9, 18)
        late = moves_of(row, at(2026, 9, 19, 0, 30), book)  # 20:30 New York
        assert (late.session, late.stale_reason) == (Session.CLOSED, StaleReason.CLOSED)
    spx = moves_of(rows["^GSPC"], at(2026, 9, 18, 22, 0), book)
    assert spx.change == pytest.approx(7650.5 - 7637.76)  # the day's move, not an after-hours one


# --- the source's own period has precedence over the calendar -----------------------------


def test_yahoos_open_regular_period_beats_a_calendar_holiday(tmp_path: Path) -> None:
    """The calendar cache says Friday 18 September is a holiday; Yahoo says it trades."""
    book = fake_calendar(tmp_path, ny_week(skip=date(2026, 9, 18)))
    now = at(2026, 9, 18, 18, 0)  # 14:00 New York, inside Yahoo's regular period
    assert book.state("NYSE", now).state is Session.HOLIDAY
    # The recorded row's price, stamped a minute before ``now`` (its own time is the evening).
    row = replace(spark_rows(["^GSPC"])["^GSPC"], as_of=now - timedelta(minutes=1))
    quote = moves_of(row, now, book)
    assert quote.session is Session.REGULAR
    assert quote.stale_reason is None  # fresh: the source's period decides
    # After its close the source's after-hours period, not the calendar's holiday, says why.
    assert moves_of(row, at(2026, 9, 18, 22, 0), book).session is Session.POST


def test_yahoos_ended_regular_period_beats_a_calendar_still_open(tmp_path: Path) -> None:
    """The calendar cache says New York closes at 18:00 EDT; Yahoo's period ended at 16:00."""
    book = fake_calendar(tmp_path, ny_week(late_close=date(2026, 9, 18)))
    now = at(2026, 9, 18, 21, 45)  # 17:45 New York
    assert book.state("NYSE", now).state is Session.REGULAR
    quote = moves_of(spark_rows(["^GSPC"])["^GSPC"], now, book)  # as recorded: 21:29:48
    assert quote.session is Session.POST
    assert quote.stale_reason is StaleReason.CLOSED  # never shown as fresh


def test_without_its_own_extended_periods_the_new_york_rule_says_why(tmp_path: Path) -> None:
    """A source that gives only a regular period: outside it the calendar (and New York's
    extended-hours rule) names the session; the price is still the close."""
    row = spark_rows(["^GSPC"])["^GSPC"]
    bare = replace(row, pre_start=None, pre_end=None, post_start=None, post_end=None)
    book = SessionBook(default_cache_dir())
    quote = moves_of(bare, at(2026, 9, 18, 22, 0), book)
    assert (quote.session, quote.stale_reason) == (Session.POST, StaleReason.CLOSED)


# --- the header: New York's extended hours by rule ----------------------------------------


@pytest.fixture(scope="module")
def book() -> SessionBook:
    return SessionBook(default_cache_dir())


def test_new_york_pre_market_by_rule(book: SessionBook) -> None:
    state = book.state("NYSE", at(2026, 2, 3, 12, 20))  # 07:20 New York, a Tuesday
    assert state.state is Session.PRE and state.verified
    assert state.next_change == at(2026, 2, 3, 14, 30)  # the open
    assert book.state("NYSE", at(2026, 2, 3, 8, 59)).state is Session.CLOSED  # 03:59
    assert book.state("NYSE", at(2026, 2, 3, 9, 0)).state is Session.PRE  # 04:00
    assert not book.is_open("NYSE", at(2026, 2, 3, 12, 20))
    header = {s.label: s for s in market_states(at(2026, 2, 3, 12, 20), book=book)}
    assert (header["NY"].word, header["NY"].detail, header["NY"].is_open) == (
        "pre",
        "opens 2:10",
        False,
    )


def test_new_york_after_hours_by_rule(book: SessionBook) -> None:
    state = book.state("NYSE", at(2026, 2, 3, 22, 0))  # 17:00 New York
    assert state.state is Session.POST
    assert state.next_change == at(2026, 2, 4, 1, 0)  # 20:00 New York
    assert state.next_open == at(2026, 2, 4, 14, 30)
    assert book.state("NYSE", at(2026, 2, 4, 1, 0)).state is Session.CLOSED
    header = {s.label: s for s in market_states(at(2026, 2, 3, 22, 0), book=book)}
    assert (header["NY"].word, header["NY"].detail) == ("post", "· 20:00")


def test_no_extended_hours_on_holidays_weekends_or_elsewhere(book: SessionBook) -> None:
    assert book.state("NYSE", at(2026, 11, 26, 12, 0)).state is Session.HOLIDAY  # Thanksgiving
    assert book.state("NYSE", at(2026, 11, 28, 15, 0)).state is Session.CLOSED  # Saturday
    # Sunday evening is not Monday's pre-market; Monday 04:00 is.
    assert book.state("NYSE", at(2026, 11, 30, 1, 0)).state is Session.CLOSED
    assert book.state("NYSE", at(2026, 11, 30, 9, 0)).state is Session.PRE
    assert book.state("LSE", at(2026, 2, 3, 7, 0)).state is Session.CLOSED  # London has none
    # Black Friday closes at 13:00: after-hours end four hours later, at 17:00.
    assert book.state("NYSE", at(2026, 11, 27, 21, 59)).state is Session.POST
    assert book.state("NYSE", at(2026, 11, 27, 22, 0)).state is Session.CLOSED


def test_regular_hours_fallback_knows_the_rule_too(tmp_path: Path) -> None:
    state = SessionBook(tmp_path).state("NYSE", at(2026, 2, 3, 12, 20))
    assert state.state is Session.PRE and not state.verified


# --- what the screen and the JSON show -----------------------------------------------------


async def test_rows_say_post_and_change_when_after_hours_end(tmp_path: Path) -> None:
    from tui.app import create_app
    from tui.config import load_config
    from tui.data.clock import VirtualClock
    from tui.demo_app import wait_for_data
    from widgets.quote_table import QuoteTable

    # Monday 2 February 2026, 19:55 New York: after-hours of Monday's session.
    clock = VirtualClock(at(2026, 2, 3, 0, 55))
    # Without the paired futures, whose ticks would repaint the row anyway: only the session
    # changes at 20:00, and the row must still follow it.
    path = tmp_path / "c.toml"
    path.write_text("[panes.indices.futures]\n")
    app = create_app(load_config(path), demo=True, clock=clock, animate=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)
        await pilot.pause(0.2)
        table = app.main_screen.query_one("#table-indices", QuoteTable)
        assert table.get_cell("^GSPC", "age").plain == "post Mon"
        assert table.get_cell("^VIX", "age").plain != "post Mon"  # Cboe: no extended hours
        spx = app.snapshot.pane("indices").by_symbol()["^GSPC"]  # type: ignore[union-attr]
        assert spx.stale_reason is StaleReason.CLOSED and spx.session is Session.POST
        clock.advance(600)  # 20:05: after-hours are over; the price and its day are the same
        await app.engine.refresh_once()
        app.main_screen.apply(app.engine.snapshot())
        label = table.get_cell("^GSPC", "age").plain
        assert label.startswith("Mon") and "post" not in label


async def test_json_and_table_say_pre(tmp_path: Path) -> None:
    from rich.console import Console

    from tui.config import default_config
    from tui.data.clock import FakeClock
    from tui.data.export import snapshot_record
    from tui.data.factory import build_engine
    from tui.render.snapshot_table import print_snapshot

    monday_pre = at(2026, 11, 30, 12, 0)  # 07:00 New York: Friday's close, pre-market
    engine = build_engine(
        default_config(),
        clock=FakeClock(monday_pre),
        demo=True,
        sessions=SessionBook(default_cache_dir()),
    )
    snap = await engine.refresh_once()
    record = snapshot_record(snap)
    markets = {m["code"]: m for m in record["markets"]}
    assert markets["XNYS"]["state"] == "pre"
    assert markets["XLON"]["state"] == "regular"
    spx = next(q for q in record["quotes"] if q["symbol"] == "^GSPC")
    assert (spx["session"], spx["stale_reason"]) == ("pre", "market_closed")
    console = Console(width=220, record=True, color_system=None)
    print_snapshot(snap, console)
    assert "pre, Fri close" in console.export_text()
