"""The cross-asset board: new panes and their defaults, basis points, priceHint decimals, paired
index futures, and the JSON contract additions, on the demo's sell-off day and on fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import shared_dir, unwrap_recording
from tui import format as fmt
from tui.config import ConfigError, default_config, load_config
from tui.data.clock import FakeClock
from tui.data.export import snapshot_record, to_csv
from tui.data.factory import build_engine
from tui.data.futures import shows_future
from tui.data.providers.yahoo import parse_chart, price_hint
from tui.data.sessions import SessionBook, default_cache_dir
from tui.data.snapshot import MarketSnapshot, Session, StaleReason

MONDAY_ASIA = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # New York shut, Tokyo at lunch
TUESDAY_NY = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)  # New York open


async def demo_snapshot(when: datetime) -> MarketSnapshot:
    engine = build_engine(
        default_config(),
        clock=FakeClock(when),
        demo=True,
        sessions=SessionBook(default_cache_dir()),
    )
    return await engine.refresh_once()


def test_default_panes_and_symbols() -> None:
    config = default_config()
    assert config.panes["fx"].symbols == (
        "EURUSD=X", "JPY=X", "GBPUSD=X", "CNY=X", "KRW=X", "DX-Y.NYB",
    )  # fmt: skip
    assert config.panes["rates"].symbols == ("^IRX", "^FVX", "^TNX", "^TYX")
    assert config.panes["energy"].symbols == ("CL=F", "BZ=F", "NG=F")
    assert dict(config.panes["indices"].futures) == {
        "^GSPC": "ES=F", "^IXIC": "NQ=F", "^DJI": "YM=F", "^RUT": "RTY=F",
    }  # fmt: skip
    assert [i.symbol for i in config.futures_instruments()] == ["ES=F", "NQ=F", "YM=F", "RTY=F"]
    assert config.macro.series == ("ICSA", "JTSJOL")
    assert config.providers["fred"].base_url == "https://fred.stlouisfed.org"


def test_futures_and_macro_are_configurable(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[panes.indices]\nsymbols = ["^GSPC", "^N225"]\n'
        '[panes.indices.futures]\n"^N225" = "NKD=F"\n'
        '[macro]\nseries = ["ICSA"]\ninterval = 600\n'
        '[providers.fred]\nbase_url = "http://127.0.0.1:9/fred"\n'
    )
    config = load_config(path)
    assert dict(config.panes["indices"].futures) == {"^N225": "NKD=F"}
    assert config.macro.series == ("ICSA",) and config.macro.interval == 600.0
    assert config.providers["fred"].base_url == "http://127.0.0.1:9/fred"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[panes.indices.futures]\n"^FOO" = "ES=F"\n', "panes.indices.futures.^FOO"),
        ('[panes.fx]\nsources = ["fred"]\n', "panes.fx.sources[0]: unknown provider 'fred'"),
        ('[macro]\nseries = ["IC SA"]\n', "macro.series[0]"),
        ("[macro]\ncolour = 1\n", "macro.colour: unknown key"),
    ],
)
def test_bad_board_config(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=expected.replace("^", r"\^").replace("[", r"\[")):
        load_config(path)


def test_formats() -> None:
    assert fmt.price(1.17904, 4) == "1.1790"
    assert fmt.price(155.2, 2) == "155.20"
    assert fmt.price(4.1834, 3) == "4.183"
    assert fmt.change(-0.0098, 4) == "-0.0098"
    assert fmt.price(1.17904) == "1.1790"  # without a hint: as before
    assert fmt.basis_points(-9.2) == "-9.2 bp"
    assert fmt.basis_points(3.04) == "+3.0 bp"


def test_price_hint_from_recorded_yahoo_metas() -> None:
    spark = next(shared_dir("yahoo").glob("spark-v7_72-symbols*"))
    metas = {
        r["symbol"]: r["response"][0]["meta"]
        for r in json.loads(spark.read_text())["spark"]["result"]
    }
    hints = {s: price_hint(metas[s]) for s in ("EURUSD=X", "JPY=X", "^TNX", "^TYX", "SI=F", "CL=F")}
    assert hints == {"EURUSD=X": 4, "JPY=X": 4, "^TNX": 4, "^TYX": 2, "SI=F": 3, "CL=F": 2}
    assert price_hint({"priceHint": "4"}) is None and price_hint({"priceHint": -1}) is None
    assert price_hint({}) is None


def test_chart_parser_carries_price_hint() -> None:
    tnx = next(shared_dir("yahoo").glob("chart-v8_^TNX*"))
    _, _, body = unwrap_recording(tnx)
    row = parse_chart(json.loads(body), "^TNX")
    assert row.decimals == 4
    assert fmt.price(row.last, row.decimals) == "4.2750"  # already in percent, not / 10


async def test_selloff_board_in_the_snapshot() -> None:
    snap = await demo_snapshot(TUESDAY_NY)
    rates = snap.pane("rates")
    assert rates is not None
    tnx = rates.by_symbol()["^TNX"]
    assert tnx.change is not None and tnx.change_bp == pytest.approx(tnx.change * 100)
    assert -14 < (tnx.change_bp or 0) < -4
    assert tnx.decimals == 3
    fx = snap.pane("fx")
    assert fx is not None and fx.by_symbol()["JPY=X"].decimals == 2
    energy = snap.pane("energy")
    assert energy is not None and (energy.by_symbol()["CL=F"].change_pct or 0) < -3
    # Futures are attached, not rows of their own.
    indices = snap.pane("indices")
    assert indices is not None
    assert "ES=F" not in indices.by_symbol()
    spx = indices.by_symbol()["^GSPC"]
    assert spx.futures is not None and spx.futures.symbol == "ES=F"
    assert spx.session is Session.REGULAR and not shows_future(spx)  # cash open: cash move
    assert [m.series for m in snap.macro] == ["ICSA", "JTSJOL"]
    claims = snap.macro[0]
    assert claims.series == "ICSA" and (claims.change or 0) > 0  # claims up


async def test_closed_cash_index_reads_the_future() -> None:
    snap = await demo_snapshot(MONDAY_ASIA)
    indices = snap.pane("indices")
    assert indices is not None
    spx = indices.by_symbol()["^GSPC"]
    assert spx.stale_reason is StaleReason.CLOSED
    assert spx.session_date is not None and f"{spx.session_date:%a}" == "Fri"  # Friday's close
    assert spx.futures is not None and shows_future(spx)
    assert spx.futures.change_pct is not None and spx.futures.change_pct < -2
    nikkei = indices.by_symbol()["^N225"]
    assert nikkei.session is Session.BREAK and nikkei.stale_reason is StaleReason.CLOSED


async def test_json_contract_additions() -> None:
    record: dict[str, Any] = snapshot_record(await demo_snapshot(MONDAY_ASIA))
    quotes = {q["symbol"]: q for q in record["quotes"]}
    old_keys = ["pane", "group", "symbol", "name", "source", "currency", "last", "prev_close",
                "change", "change_pct", "day_high", "day_low", "as_of", "stale"]  # fmt: skip
    assert list(quotes["^GSPC"])[: len(old_keys)] == old_keys  # no existing key changed
    spx = quotes["^GSPC"]
    assert spx["stale_reason"] == "market_closed" and spx["session"] == "closed"
    assert spx["change_bp"] is None
    assert set(spx["futures"]) == {"symbol", "last", "change", "change_pct", "as_of", "stale"}
    assert spx["futures"]["symbol"] == "ES=F" and spx["futures"]["stale"] is False
    assert quotes["^VIX"]["futures"] is None
    assert quotes["^TNX"]["change_bp"] == pytest.approx(quotes["^TNX"]["change"] * 100, abs=0.01)
    assert quotes["EURUSD=X"]["session"] == "regular"
    assert {q["pane"] for q in record["quotes"]} == {
        "indices", "metals", "crypto", "fx", "rates", "energy",
    }  # fmt: skip
    markets = {m["code"]: m for m in record["markets"]}
    assert set(markets) == {"XNYS", "XLON", "XETR", "XPAR", "XTKS", "XKRX", "XHKG", "XSHG", "XASX"}
    assert markets["XTKS"]["state"] == "break"
    assert markets["XNYS"]["next_open"] == "2026-11-30T14:30:00Z"
    assert set(markets["XNYS"]) == {"code", "name", "state", "next_open", "next_close"}
    claims = record["macro"][0]
    assert set(claims) == {"series", "title", "value", "previous", "change", "date", "stale",
                           "source"}  # fmt: skip
    assert claims["series"] == "ICSA" and claims["date"] == "2026-11-21"
    assert claims["change"] > 0


async def test_csv_keeps_its_columns() -> None:
    header = to_csv(await demo_snapshot(TUESDAY_NY)).splitlines()[0].split(",")
    assert header[:14] == [
        "pane",
        "group",
        "symbol",
        "name",
        "source",
        "currency",
        "last",
        "prev_close",
        "change",
        "change_pct",
        "day_high",
        "day_low",
        "as_of",
        "stale",
    ]
    assert not {"session", "change_bp", "futures"} & set(header)


async def test_demo_names_no_price_for_an_unknown_symbol(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[panes.fx]\nsymbols = ["EURUSD=X", "TRY=X"]\n')
    engine = build_engine(load_config(path), clock=FakeClock(TUESDAY_NY), demo=True)
    snap = await engine.refresh_once()
    fx = snap.pane("fx")
    assert fx is not None
    assert fx.by_symbol()["TRY=X"].last is None  # a row, but no invented price
    assert any(e.symbol == "TRY=X" for e in snap.errors)  # and it says why


async def test_the_main_screen_shows_every_new_pane_and_an_empty_one(tmp_path: Path) -> None:
    from tui.app import create_app
    from tui.data.clock import VirtualClock
    from tui.demo_app import wait_for_data
    from widgets.macro_strip import MacroStrip
    from widgets.quote_table import QuoteTable

    path = tmp_path / "c.toml"
    path.write_text("[panes.energy]\nsymbols = []\n")
    app = create_app(load_config(path), demo=True, clock=VirtualClock(MONDAY_ASIA), animate=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)
        await pilot.pause(0.2)
        screen = app.main_screen
        rates = screen.query_one("#table-rates", QuoteTable)
        assert rates.row_count == 4
        assert rates.get_cell("^TNX", "pct").plain.endswith(" bp")
        spx = screen.query_one("#table-indices", QuoteTable)
        assert spx.get_cell("^GSPC", "age").plain == "Fri close"
        # The future's move, marked: the Chg column names the future, or an F when it is hidden.
        if "chg" in spx.visible_columns:
            assert spx.get_cell("^GSPC", "chg").plain == "ES=F"
            assert spx.get_cell("^GSPC", "pct").plain.startswith("-")
        else:
            assert spx.get_cell("^GSPC", "pct").plain.startswith("F-")
        assert not spx.get_cell("^VIX", "pct").plain.startswith("F")  # no future: its own
        assert screen.query_one("#table-fx", QuoteTable).row_count == 6
        assert screen.query_one("#table-energy", QuoteTable).row_count == 0
        strip = screen.query_one(MacroStrip)
        assert "Jobless claims" in strip.render().plain
        for pane in ("fx", "rates", "energy", "news"):
            assert screen.query_one(f"#pane-{pane}").region.height > 0, pane
