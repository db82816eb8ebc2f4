"""The last-known snapshot: shown at once, marked ``cached`` with its age, replaced by live prices.

The UI tests run the real app against a real server on 127.0.0.1 (tests/upstream.py) on a
virtual clock, as tests/test_outage_ui.py does.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from tests.test_outage_ui import (
    HH_MM,
    LOOPS,
    START,
    Market,
    free_port,
    settle,
    shown,
)
from tests.upstream import Upstream, serve
from tui.app import MarketmonApp, create_app
from tui.config import Config, _build, default_config
from tui.data.clock import VirtualClock
from tui.data.instruments import Instrument
from tui.data.snapshot import (
    MarketSnapshot,
    PaneSnapshot,
    Quote,
    SnapshotOrigin,
    StaleReason,
)
from tui.data.snapshot_cache import (
    CacheWriter,
    as_cached,
    default_cache_path,
    load_cache,
    merge_live,
    write_cache,
)
from tui.data.snapshot_codec import decode_snapshot, encode_snapshot
from widgets.market_header import MarketHeader
from widgets.status_bar import SourceStatusBar

SAVED_AT = START - timedelta(hours=3)


def q(pane: str, group: str, symbol: str, last: float | None, **kw: object) -> Quote:
    fields: dict[str, object] = {
        "source": "yahoo" if last is not None else None,
        "currency": "USD",
        "prev_close": None if last is None else last * 1.01,
        "change": None if last is None else -last * 0.01,
        "change_pct": None if last is None else -0.99,
        "day_high": last,
        "day_low": last,
        "range_pos": None,
        "as_of": SAVED_AT if last is not None else None,
        "stale_reason": None,
        "series": (),
        "series_time": (),
    }
    fields.update(kw)
    return Quote(pane=pane, group=group, symbol=symbol, name=symbol, last=last, **fields)  # type: ignore[arg-type]


def saved_snapshot() -> MarketSnapshot:
    return MarketSnapshot(
        generated_at=SAVED_AT,
        demo=False,
        panes=(
            PaneSnapshot(
                "indices",
                ("Americas",),
                (q("indices", "Americas", "^GSPC", 6700.0), q("indices", "Americas", "^OLD", 1.0)),
            ),
            PaneSnapshot("metals", ("Futures",), (q("metals", "Futures", "GC=F", 3900.0),)),
        ),
    )


def test_as_cached_follows_todays_config() -> None:
    instruments = (
        Instrument("indices", "Americas", "^GSPC", "S&P 500"),
        Instrument("metals", "Other", "GC=F", "GC=F"),
        Instrument("crypto", "Crypto", "BTC-USD", "Bitcoin"),
    )
    cached = as_cached(saved_snapshot(), instruments)
    assert cached.origin is SnapshotOrigin.CACHED
    rows = {x.symbol: x for x in cached.quotes}
    assert set(rows) == {"^GSPC", "GC=F", "BTC-USD"}  # ^OLD dropped, BTC-USD new
    assert rows["^GSPC"].last == 6700.0 and rows["^GSPC"].name == "S&P 500"
    assert rows["GC=F"].group == "Other"
    assert all(x.stale_reason is StaleReason.CACHED for x in cached.quotes if x.has_data)
    assert not rows["BTC-USD"].has_data and rows["BTC-USD"].stale_reason is None
    assert cached.sources == () and cached.errors == ()


def test_merge_live_replaces_cached_prices_one_by_one() -> None:
    instruments = (
        Instrument("indices", "Americas", "^GSPC", "S&P 500"),
        Instrument("metals", "Futures", "GC=F", "Gold"),
    )
    cached = as_cached(saved_snapshot(), instruments)
    live = MarketSnapshot(
        generated_at=START,
        demo=False,
        panes=(
            PaneSnapshot("indices", ("Americas",), (q("indices", "Americas", "^GSPC", 6800.0),)),
            PaneSnapshot("metals", ("Futures",), (q("metals", "Futures", "GC=F", None),)),
        ),
    )
    shown_, still = merge_live(live, cached)
    assert still and shown_.origin is SnapshotOrigin.LIVE
    rows = {x.symbol: x for x in shown_.quotes}
    assert rows["^GSPC"].last == 6800.0 and rows["^GSPC"].stale_reason is None
    assert rows["GC=F"].last == 3900.0 and rows["GC=F"].stale_reason is StaleReason.CACHED
    everything_live = MarketSnapshot(
        START,
        False,
        (PaneSnapshot("metals", ("Futures",), (q("metals", "Futures", "GC=F", 1.0),)),),
    )
    assert merge_live(everything_live, cached) == (everything_live, False)


@pytest.mark.parametrize(
    ("content", "note"),
    [
        (b"", "not a marketmon snapshot"),
        (b"\x00\x01garbage" * 10, "not a marketmon snapshot"),
        (b'{"json": true}', "not a marketmon snapshot"),
        ("truncated", "corrupt or truncated"),
        ("newer", "version 9 is not supported"),
    ],
)
def test_a_bad_cache_is_ignored_with_a_note(tmp_path: Path, content: object, note: str) -> None:
    good = encode_snapshot(saved_snapshot())
    data = {"truncated": good[: len(good) // 2], "newer": good[:8] + b"\x09" + good[9:]}.get(
        content, content
    )
    path = tmp_path / "last.snapshot"
    path.write_bytes(data)  # type: ignore[arg-type]
    loaded = load_cache(path, default_config().instruments())
    assert loaded.snapshot is None
    assert (
        loaded.note is not None and note in loaded.note and loaded.note.startswith("cache ignored")
    )


def test_no_cache_file_is_no_note(tmp_path: Path) -> None:
    loaded = load_cache(tmp_path / "absent", default_config().instruments())
    assert loaded.snapshot is None and loaded.note is None


def test_writes_are_atomic_and_coalesced(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "last.snapshot"
    writer = CacheWriter(path, every=5.0)
    live = saved_snapshot()
    writer.offer(live, 100.0)
    assert writer.writes == 1 and decode_snapshot(path.read_bytes()) == live
    newer = MarketSnapshot(START, False, live.panes)
    writer.offer(newer, 101.0)
    writer.offer(newer, 103.0)
    assert writer.writes == 1 and not writer.due(104.9) and writer.due(105.0)
    writer.flush(105.0)
    assert writer.writes == 2 and decode_snapshot(path.read_bytes()).generated_at == START
    writer.offer(MarketSnapshot(START, False, live.panes, origin=SnapshotOrigin.CACHED), 200.0)
    writer.offer(MarketSnapshot(START, False, ()), 200.0)  # nothing priced: not worth saving
    assert writer.writes == 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.snapshot"]  # no temp left


def test_an_unwritable_cache_dir_stops_saving_with_a_note(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    writer = CacheWriter(blocker / "last.snapshot")
    writer.offer(saved_snapshot(), 0.0)
    assert writer.writes == 0 and writer.failed and writer.failed.startswith("cache not saved")


def test_the_default_path_is_in_the_platform_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/xdg-cache-test")
    assert default_cache_path(False) == Path("/tmp/xdg-cache-test/marketmon/last-live.snapshot")
    assert default_cache_path(True).name == "last-demo.snapshot"


def config_for(base: str) -> Config:
    """The outage tests' board less the fx, rates and energy panes: the three rows the cache
    held (one of them gone from the config) and one new row."""
    return _build(
        {
            "general": {"refresh": 30, "timeout": 2, "backoff_cap": 120},
            "providers": {"yahoo": {"base_url": f"{base}/yahoo"}},
            "headlines": {"feeds": []},
            "macro": {"series": []},
            "panes": {
                "indices": {"symbols": ["^GSPC"], "futures": {}},
                "metals": {"symbols": ["GC=F"], "sources": ["yahoo"]},
                "crypto": {"symbols": ["BTC-USD"], "sources": ["yahoo"]},
                "fx": {"symbols": []},
                "rates": {"symbols": []},
                "energy": {"symbols": []},
            },
        },
        None,
    )


def cached_app(tmp_path: Path, base: str, clock: VirtualClock) -> MarketmonApp:
    path = tmp_path / "last.snapshot"
    write_cache(path, saved_snapshot())
    return create_app(config_for(base), clock=clock, animate=False, cache_path=path)


async def test_cached_prices_show_at_once_marked_then_live_ones_replace_them(
    tmp_path: Path,
) -> None:
    clock = VirtualClock(START)
    feed = Market(clock)
    feed.down = True  # the network does not answer yet
    # The server keeps the virtual clock's time, so the corrected clock is the virtual one.
    up = Upstream(dynamic={"/yahoo/v8/finance/chart/": feed}, now=clock.now)
    with serve(up):
        app = cached_app(tmp_path, up.url, clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            cells = shown(app)
            # At once: cached prices with their age, the new row empty (or, if the first
            # request has already failed, saying why), ^OLD gone.
            assert cells.pop("BTC-USD") in ("—", "offline")
            assert cells == {"^GSPC": "c 3h", "GC=F": "c 3h"}
            header = app.main_screen.query_one(MarketHeader)
            assert "CACHED" in header.build_line(120).plain
            note = app.main_screen.query_one(SourceStatusBar).note or ""
            assert note.startswith("cached prices from") and "(3h ago)" in note

            await clock.run_for(1, parked=LOOPS)  # the source fails: cached values stay
            await settle(app, pilot)
            # The new row says why it has no price; the cached ones keep theirs, marked (their age
            # is against the server-corrected clock now: this server's Date is the real time).
            cells = shown(app)
            assert cells.pop("BTC-USD") == "offline"
            assert all(t.startswith("c ") for t in cells.values()) and len(cells) == 2, cells
            assert {x.symbol: x.last for x in app.snapshot.quotes if x.has_data} == {
                "^GSPC": 6700.0,
                "GC=F": 3900.0,
            }

            feed.down = False
            await clock.run_for(130, parked=LOOPS)
            await settle(app, pilot)
            cells = shown(app)
            # Live now: no cached mark (fresh, or closed by the server-corrected clock).
            assert not any(t.startswith("c ") for t in cells.values()), cells
            assert [x.last for x in app.snapshot.quotes] == [6800.0, 4100.0, 66000.0]
            assert all(x.stale_reason is not StaleReason.CACHED for x in app.snapshot.quotes)
            assert "CACHED" not in header.build_line(120).plain
            assert app.main_screen.query_one(SourceStatusBar).note is None
            assert app.cached is None
        # Saved at exit: the live prices, for the next start.
        saved = decode_snapshot((tmp_path / "last.snapshot").read_bytes())
        assert [x.last for x in saved.quotes] == [6800.0, 4100.0, 66000.0]


async def test_a_cached_price_is_never_shown_as_fresh(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    app = cached_app(tmp_path, f"http://127.0.0.1:{free_port()}", clock)  # offline
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(5):
            await clock.run_for(60, parked=LOOPS)
            await settle(app, pilot)
            for quote in app.snapshot.quotes:
                cell = shown(app)[quote.symbol]
                assert not HH_MM.match(cell), cell
                if quote.has_data:
                    assert quote.stale_reason is StaleReason.CACHED
        assert shown(app)["^GSPC"] == "c 3h"
        assert "OFFLINE" in app.main_screen.query_one(MarketHeader).build_line(120).plain
    # Exiting offline keeps the cache it started from (cached rows are saved as they were).
    saved = decode_snapshot((tmp_path / "last.snapshot").read_bytes())
    assert {x.symbol: x.last for x in saved.quotes if x.has_data} == {
        "^GSPC": 6700.0,
        "GC=F": 3900.0,
    }


async def test_a_corrupt_cache_is_a_status_note_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "last.snapshot"
    path.write_bytes(encode_snapshot(saved_snapshot())[:40])
    clock = VirtualClock(START)
    app = create_app(
        config_for(f"http://127.0.0.1:{free_port()}"), clock=clock, animate=False, cache_path=path
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        note = app.main_screen.query_one(SourceStatusBar).note or ""
        assert note.startswith("cache ignored: corrupt or truncated")
        line = app.main_screen.query_one(SourceStatusBar).build_line(120).plain
        assert line.startswith("cache ignored")
        assert app.snapshot is None or app.snapshot.quote_count == 0  # nothing from the file
        assert not any(t.startswith("c ") for t in shown(app).values())
    assert os.path.getsize(path) == 40  # nothing priced: the bad file is not replaced by nothing
