"""σ-moves: daily history (parse, once a day, disk cache, bad answers) and the σ step."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from tests.helpers import shared_dir, unwrap_recording
from tui.data.clock import FakeClock
from tui.data.errors import FetchError
from tui.data.history import DailyBars, DailyHistory, bars_frame, parse_daily
from tui.data.http import Fetcher, make_client
from tui.data.sigma import MIN_CHANGES, add_sigma

GSPC_2Y = "chart-v8_^GSPC_index_2y-1d_ohlcv-adjclose.glimpse.json"
# The fixture's meta.regularMarketTime: Friday 2026-09-18 21:29:48 UTC, after the close.
GSPC_AS_OF = datetime.fromtimestamp(1789766988, UTC)


def gspc_payload() -> Any:
    return json.loads((shared_dir("yahoo") / GSPC_2Y).read_bytes())


def moves_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "pane": pl.String(),
            "symbol": pl.String(),
            "last": pl.Float64(),
            "change": pl.Float64(),
            "change_pct": pl.Float64(),
            "as_of": pl.Datetime("us", "UTC"),
        },
    )


def test_gspc_history_excludes_today_and_ignores_chart_previous_close() -> None:
    bars = parse_daily(gspc_payload(), "^GSPC", GSPC_AS_OF)
    # 501 bars, the last one (2026-09-18, today at fetch time) dropped as in progress.
    assert len(bars.days) == 500
    assert bars.days[-1] == date(2026, 9, 17)
    assert bars.closes[-1] == pytest.approx(7637.76, abs=0.01)  # yesterday: close[-2]
    assert bars.days[0] == date(2024, 9, 19)
    assert 5618.26 not in bars.closes  # chartPreviousClose is the close before the window
    assert bars.utc_offset == -14400


def test_sigma_of_the_real_gspc_history_matches_a_hand_computation() -> None:
    bars = parse_daily(gspc_payload(), "^GSPC", GSPC_AS_OF)
    last, prev = 7650.5, 7637.759765625
    moves = moves_frame(
        [
            {
                "pane": "indices",
                "symbol": "^GSPC",
                "last": last,
                "change": last - prev,
                "change_pct": (last - prev) / prev * 100,
                "as_of": GSPC_AS_OF,
            }
        ]
    )
    row = add_sigma(moves, bars_frame([bars])).row(0, named=True)
    # By hand: the 60 close-to-close changes up to 2026-09-17, sample σ (n - 1).
    closes = list(bars.closes)
    changes = [(closes[i] / closes[i - 1] - 1) * 100 for i in range(1, len(closes))][-60:]
    by_hand = statistics.stdev(changes)
    assert row["sigma_daily"] == pytest.approx(by_hand, rel=1e-9)
    assert row["sigma_daily"] == pytest.approx(0.6913, abs=5e-5)
    assert row["sigma"] == pytest.approx(0.1668 / 0.6913, abs=5e-4)  # +0.24σ: a quiet day
    assert row["sigma"] == pytest.approx(0.2413, abs=5e-5)
    # The last year's closes run 6,316.91… to 7,816.70…; 7,650.5 sits near the top.
    year = closes[-252:]
    assert row["range_52w_pos"] == pytest.approx(
        (last - min(year)) / (max(year) - min(year)), rel=1e-9
    )


def _bars(symbol: str, closes: list[float], end: date = date(2026, 2, 2)) -> DailyBars:
    days = tuple(end - timedelta(days=len(closes) - 1 - i) for i in range(len(closes)))
    return DailyBars(symbol, days, tuple(closes), 0)


def _row(symbol: str, last: float, prev: float, pane: str = "indices") -> dict[str, Any]:
    return {
        "pane": pane,
        "symbol": symbol,
        "last": last,
        "change": last - prev,
        "change_pct": (last - prev) / prev * 100,
        "as_of": datetime(2026, 2, 3, 15, 0, tzinfo=UTC),
    }


def test_fewer_than_twenty_changes_is_null_never_a_guess() -> None:
    wiggle = [100.0 + (i % 2) for i in range(MIN_CHANGES + 1)]  # 20 changes
    history = bars_frame([_bars("ENOUGH", wiggle), _bars("SHORT", wiggle[1:])])  # 19 changes
    moves = moves_frame(
        [_row("ENOUGH", 99.0, 101.0), _row("SHORT", 99.0, 101.0), _row("NONE", 99.0, 101.0)]
    )
    out = {r["symbol"]: r for r in add_sigma(moves, history).iter_rows(named=True)}
    assert out["ENOUGH"]["sigma"] is not None and out["ENOUGH"]["sigma"] < 0
    assert out["SHORT"]["sigma"] is None and out["SHORT"]["sigma_daily"] is None
    assert out["NONE"]["sigma"] is None and out["NONE"]["range_52w_pos"] is None


def test_rates_are_measured_in_basis_points() -> None:
    # A 10-year yield moving ±5 bp a day from 4 %: in percent of the yield that would be
    # ±1.25 %, in bp it is ±5 bp; today +10 bp is +2σ either way only if both sides use bp.
    closes = [4.0 + (0.05 if i % 2 else 0.0) for i in range(61)]
    history = bars_frame([_bars("^TNX", closes)])
    moves = moves_frame([_row("^TNX", 4.10, 4.00, pane="indices")])
    row = add_sigma(moves, history).row(0, named=True)
    bp = [(closes[i] - closes[i - 1]) * 100 for i in range(1, 61)]
    assert row["sigma_daily"] == pytest.approx(statistics.stdev(bp))
    assert row["sigma"] == pytest.approx(10.0 / statistics.stdev(bp))


def test_todays_session_in_the_history_is_not_part_of_its_own_yardstick() -> None:
    # History fetched on a Saturday holds Friday; the quote is Friday's close.
    closes = [100.0 + (i % 3) for i in range(40)]
    bars = _bars("X", closes, end=date(2026, 2, 6))
    moves = moves_frame([{**_row("X", 90.0, 101.0), "as_of": datetime(2026, 2, 6, 21, tzinfo=UTC)}])
    row = add_sigma(moves, bars_frame([bars])).row(0, named=True)
    before = closes[:-1]
    changes = [(before[i] / before[i - 1] - 1) * 100 for i in range(1, len(before))]
    assert row["sigma_daily"] == pytest.approx(statistics.stdev(changes))


# --- fetching once a day, the disk cache, bad answers -------------------------------------------


class Upstream:
    def __init__(self, bodies: dict[str, tuple[int, str, bytes]]) -> None:
        self.bodies = bodies
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        symbol = request.url.path.rsplit("/", 1)[-1]
        status, ctype, body = self.bodies[symbol]
        return httpx.Response(status, headers={"content-type": ctype}, content=body)


def _bodies() -> dict[str, tuple[int, str, bytes]]:
    good = (shared_dir("yahoo") / GSPC_2Y).read_bytes()
    all_null = json.loads(good)
    quote = all_null["chart"]["result"][0]["indicators"]["quote"][0]
    quote["close"] = [None] * len(quote["close"])
    _, _, weekend = unwrap_recording(
        shared_dir("yahoo") / "chart-v8_AAPL_1m_weekend-range_no-timestamps.nyf2.json"
    )
    return {
        "^GSPC": (200, "application/json", good),
        "HTML": (200, "text/html", b"<!doctype html><html><body>Will be right back</body></html>"),
        "EMPTY": (200, "application/json", b""),
        "NULLS": (200, "application/json", json.dumps(all_null).encode()),
        "NOBARS": (200, "application/json", weekend),
    }


async def test_bad_history_answers_give_null_sigma_for_that_symbol_only(tmp_path: Path) -> None:
    upstream = Upstream(_bodies())
    clock = FakeClock(GSPC_AS_OF)
    symbols = ["^GSPC", "HTML", "EMPTY", "NULLS", "NOBARS"]
    async with make_client(transport=httpx.MockTransport(upstream)) as client:
        history = DailyHistory(Fetcher(client), "https://y.test", symbols, clock, tmp_path)
        await history.fetch_missing()
    assert len(upstream.requests) == 5
    assert {r.url.params["range"] for r in upstream.requests} == {"1y"}
    assert {r.url.params["interval"] for r in upstream.requests} == {"1d"}
    frame = history.frame()
    assert set(frame.get_column("symbol").unique()) == {"^GSPC"}
    moves = moves_frame([{**_row(s, 7650.5, 7637.76), "as_of": GSPC_AS_OF} for s in symbols])
    out = {r["symbol"]: r["sigma"] for r in add_sigma(moves, frame).iter_rows(named=True)}
    assert out["^GSPC"] == pytest.approx(0.2413, abs=1e-3)
    assert [out[s] for s in symbols[1:]] == [None, None, None, None]


async def test_history_is_fetched_once_per_utc_day_and_cached_on_disk(tmp_path: Path) -> None:
    upstream = Upstream(_bodies())
    clock = FakeClock(GSPC_AS_OF)
    async with make_client(transport=httpx.MockTransport(upstream)) as client:
        fetcher = Fetcher(client)
        history = DailyHistory(fetcher, "https://y.test", ["^GSPC", "HTML"], clock, tmp_path)
        await history.fetch_missing()
        assert len(upstream.requests) == 2
        for _ in range(5):  # refreshes during the day ask nothing, bad answers included
            clock.advance(600)
            await history.fetch_missing()
        assert len(upstream.requests) == 2
        assert [p.name for p in tmp_path.iterdir()] == ["history-2026-09-18.json"]

        # A restart the same UTC day reads the cache: no request.
        again = DailyHistory(fetcher, "https://y.test", ["^GSPC", "HTML"], clock, tmp_path)
        await again.fetch_missing()
        assert len(upstream.requests) == 2
        assert again.frame().equals(history.frame())

        # The next UTC day fetches again, and the old day's file goes; until the new answers
        # arrive, yesterday's closes stay (σ does not blank at midnight).
        clock.advance(86_400)
        assert again.missing() == ["^GSPC", "HTML"]
        assert again.frame().height == 500
        await again.fetch_missing()
        assert len(upstream.requests) == 4
        assert [p.name for p in tmp_path.iterdir()] == ["history-2026-09-19.json"]


async def test_a_network_failure_is_retried_later_not_cached(tmp_path: Path) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, content=(shared_dir("yahoo") / GSPC_2Y).read_bytes())

    clock = FakeClock(GSPC_AS_OF)
    async with make_client(transport=httpx.MockTransport(handler)) as client:
        history = DailyHistory(Fetcher(client), "https://y.test", ["^GSPC"], clock, tmp_path)
        await history.fetch_missing()
        await history.fetch_missing()
        assert calls == 1  # not hammered
        clock.advance(601)
        await history.fetch_missing()
    assert calls == 2
    assert history.frame().height == 500


def test_unparseable_history_raises_a_typed_error() -> None:
    with pytest.raises(FetchError):
        parse_daily({"chart": {"result": None, "error": {"code": "Not Found"}}}, "SI", GSPC_AS_OF)


def test_demo_sell_off_gives_the_signature_sigmas() -> None:
    import asyncio

    from tui.config import default_config
    from tui.data.factory import build_engine

    engine = build_engine(default_config(), clock=FakeClock(), demo=True)
    snap = asyncio.run(engine.refresh_once())
    sigma = {q.symbol: q.sigma for q in snap.quotes}
    assert sigma["SI=F"] == pytest.approx(-13.0, abs=1.0)
    assert sigma["^KS11"] == pytest.approx(-6.0, abs=0.6)
    assert sigma["^GSPC"] == pytest.approx(-2.0, abs=0.3)
    assert all(q.sigma is not None for q in snap.quotes)
    assert snap.demo


async def test_live_loop_starts_late_spaces_requests_and_asks_once_a_day(tmp_path: Path) -> None:
    from tui.data.clock import VirtualClock

    upstream = Upstream({**_bodies(), "B": _bodies()["^GSPC"], "C": _bodies()["^GSPC"]})
    clock = VirtualClock(GSPC_AS_OF)
    times: list[float] = []
    changes: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(clock.monotonic())
        return upstream(request)

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        history = DailyHistory(
            Fetcher(client), "https://y.test", ["^GSPC", "B", "C", "XAU"], clock, tmp_path
        )
        task = asyncio.create_task(history.run(lambda: changes.append(clock.monotonic())))
        await clock.run_for(29.0)
        assert times == []  # prices first: nothing in the first START_DELAY seconds
        await clock.run_for(2 * 3600)  # hours of refreshes, before midnight UTC
        assert times == [30.0, 31.0, 32.0]  # one per symbol, a second apart; XAU has no chart
        assert changes == [33.0]  # announced once for the batch (at most every 10 s)
        await clock.run_for(86_400)  # the next UTC day: once more each
        assert len(times) == 6
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_sigma_step_keeps_the_statistics_until_history_or_session_day_changes() -> None:
    from tui.data.sigma import SigmaStep

    bars = parse_daily(gspc_payload(), "^GSPC", GSPC_AS_OF)
    history = bars_frame([bars])
    step = SigmaStep()
    row = _row("^GSPC", 7650.5, 7637.759765625)
    first = step(moves_frame([{**row, "as_of": GSPC_AS_OF}]), history)
    for price in (7600.0, 7700.0, 7650.5):  # refreshes during the session
        out = step(
            moves_frame([{**_row("^GSPC", price, 7637.759765625), "as_of": GSPC_AS_OF}]), history
        )
    assert step.computed == 1
    assert out.equals(first)
    assert out.equals(add_sigma(moves_frame([{**row, "as_of": GSPC_AS_OF}]), history))
    # The next session day moves the cutoff; new history is a new frame: both recompute.
    step(moves_frame([{**row, "as_of": GSPC_AS_OF + timedelta(days=3)}]), history)
    assert step.computed == 2
    step(moves_frame([{**row, "as_of": GSPC_AS_OF + timedelta(days=3)}]), bars_frame([bars]))
    assert step.computed == 3


async def test_live_engine_joins_history_onto_the_quotes(tmp_path: Path) -> None:
    """The wiring: a live engine with history prices ^GSPC and gives it a σ from the 1y
    answer, while the spot metal (no Yahoo chart) and a symbol whose history fails get null."""
    from tests.helpers import own_fixture
    from tui.config import _build
    from tui.data.factory import build_engine

    intraday = own_fixture("yahoo_gspc_range1d_5m.json")  # 2025-03-17, +0.25 %
    daily = (shared_dir("yahoo") / GSPC_2Y).read_bytes()
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        symbol = request.url.path.rsplit("/", 1)[-1]
        asked.append(f"{symbol} {request.url.params.get('range')}")
        if symbol == "^IXIC" and request.url.params.get("range") == "1y":
            return httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>")
        if request.url.params["range"] == "1y":
            return httpx.Response(200, content=daily)
        # The intraday answer names the symbol asked for (an answer for ^GSPC under ^IXIC's
        # name would be refused as another instrument: tui/data/plausibility.py).
        named = intraday.replace(b'"symbol":"^GSPC"', f'"symbol":"{symbol}"'.encode())
        return httpx.Response(200, content=named)

    config = _build(
        {
            "headlines": {"feeds": []},
            "panes": {
                "indices": {"symbols": ["^GSPC", "^IXIC"]},
                "metals": {"symbols": ["XAU"], "sources": ["yahoo"]},
                "crypto": {"symbols": ["BTC-USD"], "sources": ["yahoo"]},
            },
        },
        None,
    )
    async with make_client(transport=httpx.MockTransport(handler)) as client:
        engine = build_engine(
            config, clock=FakeClock(GSPC_AS_OF), client=client, history=True, history_cache=tmp_path
        )
        snap = await engine.refresh_once()
    sigma = {q.symbol: q for q in snap.quotes}
    gspc = sigma["^GSPC"]
    # The 60 changes before 2025-03-17 from the real 2-year file, against a +0.2508 % day.
    bars = parse_daily(json.loads(daily), "^GSPC", GSPC_AS_OF)
    closes = [c for d, c in zip(bars.days, bars.closes, strict=True) if d < date(2025, 3, 17)]
    changes = [(closes[i] / closes[i - 1] - 1) * 100 for i in range(1, len(closes))][-60:]
    assert gspc.sigma_daily == pytest.approx(statistics.stdev(changes))
    assert gspc.sigma == pytest.approx(gspc.change_pct / statistics.stdev(changes))
    assert sigma["^IXIC"].last is not None and sigma["^IXIC"].sigma is None
    assert sigma["XAU"].sigma is None
    assert sorted(a for a in asked if a.endswith("1y")) == ["BTC-USD 1y", "^GSPC 1y", "^IXIC 1y"]


def test_daily_bars_are_dated_in_the_exchange_zone_across_dst() -> None:
    # Summer bars stamped 04:00 UTC (midnight EDT) read in winter, when the offset is −5 h:
    # the zone, not today's offset, gives each bar its trading day.
    stamps = [int(datetime(2026, 7, d, 4, tzinfo=UTC).timestamp()) for d in (6, 7, 8)]
    stamps.append(int(datetime(2026, 12, 1, 5, tzinfo=UTC).timestamp()))  # today, in progress
    payload = {
        "chart": {
            "result": [
                {
                    "meta": {"gmtoffset": -18000, "exchangeTimezoneName": "America/New_York"},
                    "timestamp": stamps,
                    "indicators": {"quote": [{"close": [1.0, 2.0, 3.0, 4.0]}]},
                }
            ]
        }
    }
    bars = parse_daily(payload, "GC=F", datetime(2026, 12, 1, 15, tzinfo=UTC))
    assert bars.days == (date(2026, 7, 6), date(2026, 7, 7), date(2026, 7, 8))
    assert bars.closes == (1.0, 2.0, 3.0)
    assert bars.utc_offset == -18000


async def test_live_loop_shows_todays_cache_at_once_without_a_request(tmp_path: Path) -> None:
    from tui.data.clock import VirtualClock

    upstream = Upstream(_bodies())
    clock = VirtualClock(GSPC_AS_OF)
    async with make_client(transport=httpx.MockTransport(upstream)) as client:
        fetcher = Fetcher(client)
        await DailyHistory(fetcher, "https://y.test", ["^GSPC"], clock, tmp_path).fetch_missing()
        assert len(upstream.requests) == 1
        restarted = DailyHistory(fetcher, "https://y.test", ["^GSPC"], clock, tmp_path)
        changes: list[float] = []
        task = asyncio.create_task(restarted.run(lambda: changes.append(clock.monotonic())))
        await clock.run_for(0.0)
        assert changes == [0.0] and restarted.frame().height == 500
        await clock.run_for(3600)
        assert len(upstream.requests) == 1
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
