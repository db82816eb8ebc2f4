"""End to end: ``marketmon snapshot`` as a subprocess against a real server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import own_fixture
from tests.upstream import Upstream, serve


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    up = Upstream()
    up.add("/yahoo/v8/finance/chart/^GSPC", own_fixture("yahoo_gspc_range1d_5m.json"))
    for part in ("ticker", "stats", "candles"):
        up.add(f"/coinbase/products/BTC-USD/{part}", own_fixture(f"coinbase_{part}_BTC-USD.json"))
    up.add("/binance/api/v3/ticker/24hr", own_fixture("binance_ticker24hr_batch.json"))
    up.add("/binance/api/v3/klines", own_fixture("binance_klines_BTCUSDT.json"))
    up.add("/goldapi/price/XAU", own_fixture("goldapi_price_XAU.json"))
    up.add("/rss/markets.xml", own_fixture("rss_markets.xml"), content_type="application/rss+xml")
    with serve(up):
        yield up


def write_config(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[general]
timeout = 5

[providers.yahoo]
base_url = "{base}/yahoo"
[providers.coinbase]
base_url = "{base}/coinbase"
[providers.binance]
base_url = "{base}/binance"
[providers.coingecko]
base_url = "{base}/coingecko"
[providers.goldapi]
base_url = "{base}/goldapi"

[headlines]
feeds = ["{base}/rss/markets.xml"]

[panes.indices]
symbols = ["^GSPC"]

[panes.metals]
symbols = ["XAU"]
sources = ["yahoo", "goldapi"]

[panes.crypto]
symbols = ["BTC-USD", "ETH-USD"]
sources = ["coinbase", "binance"]
""",
        encoding="utf-8",
    )
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_snapshot_json_against_local_server(upstream: Upstream, tmp_path: Path) -> None:
    config = write_config(tmp_path, upstream.url)
    result = run_cli("snapshot", "--format", "json", "--config", str(config))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"generated_at", "demo", "quotes", "headlines", "errors", "alerts"}
    assert data["demo"] is False
    assert data["generated_at"].endswith("Z")
    quotes = {q["symbol"]: q for q in data["quotes"]}
    assert list(quotes) == ["^GSPC", "XAU", "BTC-USD", "ETH-USD"]
    assert all(
        set(q)
        == {
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
            "stale_reason",
            "sigma",
            "sigma_window",
            "marks",
        }
        for q in data["quotes"]
    )
    assert all(q["marks"] == [] for q in data["quotes"])

    spx = quotes["^GSPC"]
    assert (spx["pane"], spx["group"], spx["name"], spx["source"]) == (
        "indices",
        "Americas",
        "S&P 500",
        "yahoo",
    )
    assert spx["last"] == 5653.08
    assert spx["prev_close"] == 5638.94
    assert spx["change"] == 14.14
    assert spx["change_pct"] == pytest.approx(0.2507563833)
    assert spx["as_of"] == "2025-03-17T14:04:37Z"
    assert spx["stale"] is True  # a recording from 2025 is not live data
    assert spx["stale_reason"] in ("market_closed", "old")

    xau = quotes["XAU"]
    assert (xau["source"], xau["last"], xau["prev_close"], xau["change_pct"]) == (
        "goldapi",
        4012.6,
        None,
        None,
    )  # no previous close from the spot source: no change
    assert xau["as_of"] == "2025-11-20T14:03:22Z"

    btc = quotes["BTC-USD"]
    assert (btc["source"], btc["last"], btc["prev_close"]) == ("coinbase", 91234.57, 90512.01)
    assert btc["as_of"] == "2025-11-20T14:05:12.532Z"

    eth = quotes["ETH-USD"]  # Coinbase 404s for ETH-USD here: Binance takes over
    assert (eth["source"], eth["currency"], eth["last"]) == ("binance", "USDT", 3021.45)

    assert [e["source"] for e in data["errors"]] == ["coinbase"]
    assert data["errors"][0]["symbol"] == "ETH-USD"

    titles = [h["title"] for h in data["headlines"]]
    assert titles[0] == "Gold hits record as Goldman raises forecast"
    assert all(h["published"] is None or h["published"].endswith("Z") for h in data["headlines"])
    assert any(r.startswith("/coinbase/products/ETH-USD/") for r in upstream.requests)


def test_snapshot_csv_and_table(upstream: Upstream, tmp_path: Path) -> None:
    config = write_config(tmp_path, upstream.url)
    result = run_cli("snapshot", "--format", "csv", "--config", str(config))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["symbol"] for r in rows] == ["^GSPC", "XAU", "BTC-USD", "ETH-USD"]
    assert rows[0]["last"] == "5653.08" and rows[0]["stale"] == "true"

    table = run_cli("snapshot", "--config", str(config))
    assert table.returncode == 0, table.stderr
    assert "Global indices" in table.stdout and "S&P 500" in table.stdout
    assert "5,653.08" in table.stdout


def test_no_quote_at_all_exits_1(tmp_path: Path) -> None:
    with serve(Upstream()) as empty:  # every path 404s
        config = write_config(tmp_path, empty.url)
        result = run_cli("snapshot", "--format", "json", "--config", str(config))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["quotes"] == []
    assert {e["source"] for e in data["errors"]} >= {"yahoo", "coinbase", "binance"}


def test_demo_snapshot_is_labelled_and_complete() -> None:
    result = run_cli("snapshot", "--demo", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["demo"] is True
    assert len(data["quotes"]) == 28
    assert {q["source"] for q in data["quotes"]} == {"demo"}
    table = run_cli("snapshot", "--demo")
    assert "DEMO (simulated data)" in table.stdout
