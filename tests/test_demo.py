"""Demo mode: a deterministic simulated market that goes through the live pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import polars as pl
import pytest

from tui.data.clock import FakeClock
from tui.data.demo import (
    HEADLINE_SPACING,
    PROFILES,
    SELLOFF,
    DemoHeadlines,
    DemoQuoteProvider,
    target_change_pct,
)
from tui.data.instruments import DEFAULT_GROUPS
from tui.data.schema import QUOTE_SCHEMA, quotes_frame

# Tuesday: Tokyo and Seoul have closed, London and Frankfurt are open, New York just opened.
TUESDAY = datetime(2026, 2, 3, 14, 30, tzinfo=UTC)
DEFAULT_SYMBOLS = [s for pane in DEFAULT_GROUPS.values() for group in pane.values() for s in group]


async def frame_at(
    when: datetime = TUESDAY,
    seed: int = 7,
    scenario: str = "selloff",
    symbols: list[str] | None = None,
) -> pl.DataFrame:
    provider = DemoQuoteProvider(FakeClock(when), seed=seed, scenario=scenario)
    return (await provider.fetch(symbols or DEFAULT_SYMBOLS)).frame


def row(frame: pl.DataFrame, symbol: str) -> dict[str, Any]:
    return frame.filter(pl.col("symbol") == symbol).row(0, named=True)


def change_pct(r: dict[str, Any]) -> float:
    return float(r["last"] / r["prev_close"] - 1.0) * 100.0


async def test_every_default_symbol_gets_a_row() -> None:
    frame = await frame_at()
    assert frame.schema == pl.Schema(QUOTE_SCHEMA)
    assert frame["symbol"].to_list() == DEFAULT_SYMBOLS
    assert frame["source"].unique().to_list() == ["demo"]
    assert frame["name"].null_count() == frame.height  # display names come from the config
    for column in ("last", "prev_close", "day_high", "day_low", "currency", "as_of"):
        assert frame[column].null_count() == 0, column
    assert (frame["series"].list.len() > 0).all()
    currencies = dict(zip(frame["symbol"], frame["currency"], strict=True))
    assert currencies["^GSPC"] == currencies["GC=F"] == currencies["BTC-USD"] == "USD"
    assert currencies["^FTSE"] == "GBP"
    assert currencies["^GDAXI"] == currencies["^FCHI"] == currencies["^STOXX50E"] == "EUR"
    assert [currencies[s] for s in ("^N225", "^KS11", "^HSI", "000001.SS", "^AXJO")] == [
        "JPY",
        "KRW",
        "HKD",
        "CNY",
        "AUD",
    ]


async def test_fetch_matches_the_shared_frame_builder() -> None:
    provider = DemoQuoteProvider(FakeClock(TUESDAY))
    frame = (await provider.fetch(DEFAULT_SYMBOLS)).frame
    assert frame.equals(quotes_frame([provider.quote(s, TUESDAY) for s in DEFAULT_SYMBOLS]))


async def test_same_seed_same_frame_and_other_seeds_differ() -> None:
    first, again = await frame_at(), await frame_at()
    assert first.equals(again)
    other = await frame_at(seed=8)
    assert not first.equals(other)
    assert first["last"].to_list() != other["last"].to_list()


async def test_a_fresh_provider_agrees_with_a_warm_one() -> None:
    """The caches must not change the output: a long-running provider equals a new one."""
    clock = FakeClock(TUESDAY)
    warm = DemoQuoteProvider(clock)
    for _ in range(30):
        await warm.fetch(DEFAULT_SYMBOLS)
        clock.advance(97)
    fresh = DemoQuoteProvider(FakeClock(clock.now()))
    assert (await warm.fetch(DEFAULT_SYMBOLS)).frame.equals(
        (await fresh.fetch(DEFAULT_SYMBOLS)).frame
    )


@pytest.mark.parametrize("seed", range(12))
async def test_selloff_headline_moves(seed: int) -> None:
    frame = await frame_at(seed=seed)
    assert change_pct(row(frame, "SI=F")) == pytest.approx(-20.0, abs=1.5)
    assert change_pct(row(frame, "XAG")) == pytest.approx(-20.0, abs=1.5)
    assert change_pct(row(frame, "^KS11")) == pytest.approx(-5.0, abs=0.6)
    assert change_pct(row(frame, "^N225")) == pytest.approx(-2.2, abs=0.5)
    assert change_pct(row(frame, "^IXIC")) == pytest.approx(-3.0, abs=0.6)
    assert change_pct(row(frame, "GC=F")) == pytest.approx(-3.0, abs=0.6)
    assert change_pct(row(frame, "^VIX")) == pytest.approx(60.0, abs=8.0)
    btc = row(frame, "BTC-USD")
    assert btc["last"] < 60_000 < btc["prev_close"]
    changes = [change_pct(row(frame, s)) for s in DEFAULT_SYMBOLS]
    assert sum(c < 0 for c in changes) >= len(changes) - 3  # VIX, Shanghai and the odd gainer


async def test_levels_are_plausible() -> None:
    frame = await frame_at()
    expected = {
        "^GSPC": 6_800,
        "^IXIC": 23_000,
        "^DJI": 47_000,
        "^N225": 49_000,
        "GC=F": 4_100,
        "SI=F": 52,
        "HG=F": 5.0,
        "BTC-USD": 66_000,
        "ETH-USD": 3_000,
        "DOGE-USD": 0.16,
    }
    for symbol, level in expected.items():
        assert row(frame, symbol)["prev_close"] == pytest.approx(level, rel=0.03), symbol
    # Spot metals sit close to their futures all day.
    for spot, future in (("XAU", "GC=F"), ("XAG", "SI=F")):
        assert row(frame, spot)["last"] == pytest.approx(row(frame, future)["last"], rel=0.02)


async def test_calm_scenario_moves_little() -> None:
    frame = await frame_at(scenario="calm")
    for symbol in DEFAULT_SYMBOLS:
        assert abs(change_pct(row(frame, symbol))) < 1.3, symbol


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="scenario"):
        DemoQuoteProvider(FakeClock(TUESDAY), scenario="boom")
    with pytest.raises(ValueError, match="scenario"):
        DemoHeadlines(FakeClock(TUESDAY), scenario="boom")


async def test_closed_market_shows_its_close_and_stays_put() -> None:
    clock = FakeClock(TUESDAY)
    provider = DemoQuoteProvider(clock)
    kospi = row((await provider.fetch(["^KS11"])).frame, "^KS11")
    close = datetime(2026, 2, 3, 6, 30, tzinfo=UTC)  # 15:30 Seoul
    assert kospi["as_of"] == kospi["session_end"] == close
    assert kospi["session_start"] == datetime(2026, 2, 3, 0, 0, tzinfo=UTC)
    assert kospi["last"] == kospi["series"][-1]
    clock.advance(3_600)
    later = row((await provider.fetch(["^KS11"])).frame, "^KS11")
    assert later == kospi


async def test_open_market_ticks_between_calls() -> None:
    clock = FakeClock(TUESDAY + timedelta(minutes=2))
    provider = DemoQuoteProvider(clock)
    symbols = ["^FTSE", "^GSPC", "SI=F", "BTC-USD"]
    before = (await provider.fetch(symbols)).frame
    clock.advance(60)
    after = (await provider.fetch(symbols)).frame
    for symbol in symbols:
        assert row(after, symbol)["last"] != row(before, symbol)["last"], symbol
        assert row(after, symbol)["as_of"] == clock.now()


async def test_series_shape() -> None:
    frame = await frame_at(TUESDAY + timedelta(hours=1, seconds=17))
    for r in frame.iter_rows(named=True):
        times, series = r["series_time"], r["series"]
        assert len(times) == len(series)
        assert times == sorted(times)
        assert all((b - a) % timedelta(minutes=5) == timedelta(0) for a, b in pairwise(times))
        assert r["last"] == series[-1]
        assert r["day_high"] == max(series)
        assert r["day_low"] == min(series)
    # Tokyo's lunch (11:30-12:30, 02:30-03:30 UTC) has no bars.
    tokyo = row(frame, "^N225")["series_time"]
    lunch = (datetime(2026, 2, 3, 2, 30, tzinfo=UTC), datetime(2026, 2, 3, 3, 30, tzinfo=UTC))
    assert not [t for t in tokyo if lunch[0] <= t < lunch[1]]
    assert len(tokyo) == 66  # 5 h of trading


async def test_crypto_is_a_rolling_24h() -> None:
    now = TUESDAY + timedelta(minutes=7, seconds=3)
    btc = row(await frame_at(now), "BTC-USD")
    last_bar = datetime(2026, 2, 3, 14, 35, tzinfo=UTC)
    assert btc["series_time"][0] == last_bar - timedelta(hours=24)
    assert btc["series_time"][-1] == last_bar
    assert len(btc["series"]) == 289
    assert btc["series"][0] == btc["prev_close"]
    assert btc["session_start"] is None
    assert btc["session_end"] is None
    assert btc["as_of"] == now


async def test_globex_metals_session_starts_at_six_in_new_york() -> None:
    gold = row(await frame_at(), "GC=F")
    assert gold["session_start"] == datetime(2026, 2, 2, 23, 0, tzinfo=UTC)  # Mon 18:00 NY
    assert gold["session_end"] == datetime(2026, 2, 3, 22, 0, tzinfo=UTC)  # Tue 17:00 NY
    assert gold["as_of"] == TUESDAY


async def test_before_the_open_shows_the_previous_session() -> None:
    spx = row(await frame_at(datetime(2026, 2, 3, 10, 0, tzinfo=UTC)), "^GSPC")
    assert spx["as_of"] == spx["session_end"] == datetime(2026, 2, 2, 21, 0, tzinfo=UTC)


async def test_weekend_shows_fridays_sessions_and_crypto_keeps_trading() -> None:
    saturday = datetime(2026, 2, 7, 12, 0, tzinfo=UTC)
    frame = await frame_at(saturday)
    assert row(frame, "^GSPC")["as_of"] == datetime(2026, 2, 6, 21, 0, tzinfo=UTC)
    assert row(frame, "^N225")["as_of"] == datetime(2026, 2, 6, 6, 30, tzinfo=UTC)
    assert row(frame, "GC=F")["as_of"] == datetime(2026, 2, 6, 22, 0, tzinfo=UTC)
    assert row(frame, "BTC-USD")["as_of"] == saturday


async def test_unknown_symbols_are_unavailable_never_invented() -> None:
    """EUR/USD at 414.29 or ^TNX at 52.59 would look like prices: unknown ones get none."""
    symbols = ["EURUSD=X", "^TNX", "7203.T", "^GSPC"]
    provider = DemoQuoteProvider(FakeClock(TUESDAY))
    assert not provider.supports("EURUSD=X") and provider.supports("^GSPC")
    result = await provider.fetch(symbols)
    assert result.frame["symbol"].to_list() == ["^GSPC"]
    assert {e.symbol for e in result.errors} == {"EURUSD=X", "^TNX", "7203.T"}
    assert all("unavailable" in e.message for e in result.errors)


def test_every_known_instrument_has_its_scale_and_market() -> None:
    from tui.data.instruments import KNOWN

    for symbol, known in KNOWN.items():
        prof = PROFILES[symbol]
        assert prof.market == known.market or known.market is None, symbol


def test_scenario_table_covers_the_default_watchlist() -> None:
    spot = {"XAU", "XAG"}  # they follow their futures
    assert set(DEFAULT_SYMBOLS) - spot <= set(SELLOFF)
    assert target_change_pct("XAG") == target_change_pct("SI=F")


# --- headlines ---------------------------------------------------------------------------


async def test_headlines_are_deterministic_and_tell_the_story() -> None:
    first = (await DemoHeadlines(FakeClock(TUESDAY)).fetch()).headlines
    again = (await DemoHeadlines(FakeClock(TUESDAY)).fetch()).headlines
    assert first == again
    assert 20 <= len(first) <= 30
    assert len({h.title for h in first}) == len(first)
    times = [h.published for h in first]
    assert all(t is not None for t in times)
    assert times == sorted(times, reverse=True)
    assert all(TUESDAY - timedelta(hours=4) <= t <= TUESDAY for t in times)
    assert all("Demo" in h.source and h.url == "" for h in first)
    text = " ".join(h.title.lower() for h in first)
    for word in ("silver", "kospi", "bitcoin", "nikkei", "$60,000"):
        assert word in text, word


async def test_headlines_move_with_the_clock() -> None:
    clock = FakeClock(TUESDAY)
    source = DemoHeadlines(clock)
    before = (await source.fetch()).headlines
    clock.advance(2 * HEADLINE_SPACING)
    after = (await source.fetch()).headlines
    assert after[0].published > before[0].published
    assert after != before


async def test_calm_headlines_differ_and_other_seeds_reorder() -> None:
    selloff = (await DemoHeadlines(FakeClock(TUESDAY)).fetch()).headlines
    calm = (await DemoHeadlines(FakeClock(TUESDAY), scenario="calm").fetch()).headlines
    assert {h.title for h in selloff}.isdisjoint({h.title for h in calm})
    reseeded = (await DemoHeadlines(FakeClock(TUESDAY), seed=8).fetch()).headlines
    assert [h.title for h in reseeded] != [h.title for h in selloff]
