"""``--record DIR`` to Parquet, ``snapshot --replay`` and ``marketmon replay``.

Recordings are made from the real demo engine on a fake clock, written by the real recorder,
and read back with polars as a user would.
"""

from __future__ import annotations

import json
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tui.cli import main
from tui.config import ConfigError, default_config, load_config
from tui.data.clock import FakeClock
from tui.data.factory import build_engine
from tui.data.recorder import (
    KIND_KEY,
    VERSION_KEY,
    Recorder,
    RecordError,
    quote_record_schema,
)
from tui.data.replay import ReplayError, ReplaySession, open_recording, snapshot_at
from tui.data.snapshot import MarketSnapshot, SnapshotOrigin

T0 = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)  # New York and Europe open, Asia closed
BOARD = len(default_config().instruments())  # every default instrument is priced by the demo


async def demo_snapshots(times: list[datetime]) -> list[MarketSnapshot]:
    clock = FakeClock(times[0])
    engine = build_engine(default_config(), clock=clock, demo=True)
    out = []
    for when in times:
        clock.advance((when - clock.now()).total_seconds())
        await engine.refresh_once()
        out.append(engine.snapshot())
    return out


async def make_recording(folder: Path, minutes: int = 5) -> list[MarketSnapshot]:
    snaps = await demo_snapshots([T0 + timedelta(minutes=m) for m in range(minutes)])
    recorder = Recorder(folder)
    recorder.check_writable()
    for snap in snaps:
        recorder.record(snap)
    recorder.flush(0.0)
    return snaps


def parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


async def test_recorded_quotes_match_the_board(tmp_path: Path) -> None:
    snaps = await make_recording(tmp_path)
    files = parts(tmp_path)
    assert [p.relative_to(tmp_path).parts[:2] for p in files] == [
        ("headlines", "2026-02-03"),
        ("quotes", "2026-02-03"),
    ]
    frame = pl.read_parquet(tmp_path / "quotes" / "2026-02-03" / "*.parquet")
    assert frame.schema == pl.Schema(quote_record_schema())
    meta = pl.read_parquet_metadata(files[1])
    assert (meta[KIND_KEY], meta[VERSION_KEY]) == ("quotes", "1")
    first = frame.filter(pl.col("time") == T0)
    board = {q.symbol: q for q in snaps[0].quotes if q.has_data}
    assert first.height == len(board) == BOARD
    gold = first.filter(pl.col("symbol") == "GC=F").row(0, named=True)
    assert gold["last"] == board["GC=F"].last and gold["change_pct"] == board["GC=F"].change_pct
    assert gold["as_of"] == board["GC=F"].as_of and gold["pane"] == "metals"
    # Closed Asian markets did not change after the first minute: one row each, not five.
    nikkei = frame.filter(pl.col("symbol") == "^N225")
    assert nikkei.height == 1 and nikkei.get_column("stale_reason").to_list() == ["market_closed"]
    assert frame.filter(pl.col("symbol") == "BTC-USD").height == 5
    headlines = pl.read_parquet(tmp_path / "headlines" / "2026-02-03" / "*.parquet")
    assert headlines.height == len(snaps[0].headlines) > 0  # each headline once
    assert headlines.get_column("title").to_list()[0] == snaps[0].headlines[0].title


async def test_files_are_readable_while_recording_and_two_writers_never_collide(
    tmp_path: Path,
) -> None:
    snaps = await demo_snapshots([T0 + timedelta(minutes=m) for m in range(4)])
    one, two = Recorder(tmp_path), Recorder(tmp_path)
    one.record(snaps[0])
    one.flush(0.0)
    glob = tmp_path / "quotes" / "2026-02-03" / "*.parquet"
    assert pl.read_parquet(glob).height == BOARD  # readable after the first flush
    two.record(snaps[1])
    one.record(snaps[2])
    two.flush(0.0)
    one.flush(60.0)
    frame = pl.read_parquet(glob)
    assert sorted(set(frame.get_column("time").to_list())) == [
        T0,
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=2),
    ]
    names = [p.name for p in parts(tmp_path / "quotes")]
    assert len(names) == 3 and len(set(names)) == 3
    assert (
        sum(one.writer_id in n for n in names) == 2 and sum(two.writer_id in n for n in names) == 1
    )
    assert not list(tmp_path.rglob(".*"))  # no temporary file left behind


async def test_rows_go_to_their_utc_day_and_cached_or_replayed_rows_are_not_recorded(
    tmp_path: Path,
) -> None:
    late = datetime(2026, 2, 3, 23, 59, 30, tzinfo=UTC)
    snaps = await demo_snapshots([late, late + timedelta(minutes=1)])
    recorder = Recorder(tmp_path)
    for snap in snaps:
        recorder.record(snap)
    from dataclasses import replace

    recorder.record(
        replace(snaps[1], generated_at=late + timedelta(minutes=5), origin=SnapshotOrigin.CACHED)
    )
    recorder.record(
        replace(snaps[1], generated_at=late + timedelta(minutes=6), origin=SnapshotOrigin.REPLAY)
    )
    recorder.flush(0.0)
    assert sorted(p.name for p in (tmp_path / "quotes").iterdir()) == ["2026-02-03", "2026-02-04"]
    times = pl.read_parquet(tmp_path / "quotes" / "*" / "*.parquet").get_column("time").unique()
    assert sorted(times.to_list()) == [late, late + timedelta(minutes=1)]


def test_flushes_at_least_every_minute() -> None:
    recorder = Recorder(Path("/nonexistent"))
    assert recorder.every <= 60
    assert not recorder.due(1000.0)  # nothing buffered


async def test_a_full_disk_stops_recording_with_a_message(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        (mount / "filler").write_bytes(b"x" * 60_000)
        snaps = await demo_snapshots([T0 + timedelta(minutes=m) for m in range(3)])
        recorder = Recorder(mount / "rec")
        recorder.check_writable()
        for snap in snaps:
            recorder.record(snap)
        recorder.flush(0.0)
        assert recorder.stopped == "recording stopped: No space left on device"
        recorder.record(snaps[0])
        assert recorder.buffered == 0  # stopped: nothing more is buffered
        assert not list(mount.rglob(".*.tmp"))
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_an_unwritable_record_folder_is_exit_2(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RecordError, match="cannot record to"):
        Recorder(blocker / "rec").check_writable()
    assert main(["--demo", "--record", str(blocker / "rec")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"marketmon: cannot record to {blocker / 'rec'}: Not a directory"
    config = tmp_path / "config.toml"
    config.write_text(f'[record]\ndir = "{blocker}/x"\n')
    assert main(["--config", str(config), "--demo"]) == 2
    assert "cannot record to" in capsys.readouterr().err


def test_record_dir_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[record]\ndir = "recordings"\n')
    assert load_config(config).record_dir == tmp_path / "recordings"
    config.write_text("[record]\ndir = 3\n")
    with pytest.raises(ConfigError, match=r"record\.dir: must be a folder name"):
        load_config(config)
    config.write_text('[record]\nfolder = "x"\n')
    with pytest.raises(ConfigError, match=r"record\.folder: unknown key"):
        load_config(config)


async def test_snapshot_at_gives_back_the_board(tmp_path: Path) -> None:
    snaps = await make_recording(tmp_path)
    recording = open_recording(tmp_path)
    assert (recording.start, recording.end) == (T0, T0 + timedelta(minutes=4))
    for index in (0, 2, 4):
        at = T0 + timedelta(minutes=index, seconds=30)  # between two updates: the earlier one
        back = snapshot_at(recording, at)
        assert back.origin is SnapshotOrigin.REPLAY and back.generated_at == at
        want = {
            q.symbol: (q.last, q.change_pct, q.as_of, q.stale_reason) for q in snaps[index].quotes
        }
        got = {q.symbol: (q.last, q.change_pct, q.as_of, q.stale_reason) for q in back.quotes}
        assert got == want
    btc = next(q for q in snapshot_at(recording, recording.end).quotes if q.symbol == "BTC-USD")
    assert list(btc.series) == [s.pane("crypto").by_symbol()["BTC-USD"].last for s in snaps]
    assert snapshot_at(recording, T0 - timedelta(seconds=1)).quote_count == 0


async def test_snapshot_replay_in_every_format(tmp_path: Path, capsys) -> None:
    snaps = await make_recording(tmp_path / "rec")
    at = (T0 + timedelta(minutes=2)).isoformat()
    assert (
        main(["snapshot", "--replay", str(tmp_path / "rec"), "--at", at, "--format", "json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["generated_at"] == "2026-02-03T15:02:00Z"
    gold = next(q for q in data["quotes"] if q["symbol"] == "GC=F")
    assert gold["last"] == pytest.approx(snaps[2].pane("metals").by_symbol()["GC=F"].last)
    assert main(["snapshot", "--replay", str(tmp_path / "rec"), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("pane,group,symbol") and len(lines) == BOARD + 1
    last_btc = snaps[-1].pane("crypto").by_symbol()["BTC-USD"].last
    assert any(
        line.split(",")[2] == "BTC-USD" and float(line.split(",")[6]) == pytest.approx(last_btc)
        for line in lines
    )
    assert main(["snapshot", "--replay", str(tmp_path / "rec"), "--format", "table"]) == 0
    assert "S&P 500" in capsys.readouterr().out
    one_file = next((tmp_path / "rec" / "quotes").rglob("*.parquet"))
    assert main(["snapshot", "--replay", str(one_file), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["quotes"]) == BOARD


def test_unknown_recordings_are_exit_2(tmp_path: Path, capsys) -> None:
    newer = tmp_path / "newer.parquet"
    pl.DataFrame(schema=quote_record_schema()).write_parquet(
        newer, metadata={KIND_KEY: "quotes", VERSION_KEY: "9"}
    )
    foreign = tmp_path / "foreign.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(foreign)
    text = tmp_path / "notes.parquet"
    text.write_text("not parquet")
    cases = {
        newer: "schema version 9 is not supported",
        foreign: "not a marketmon recording",
        text: "not a Parquet file",
        tmp_path / "absent": "no such file or folder",
        tmp_path / "empty": "no recording found",
    }
    (tmp_path / "empty").mkdir()
    for path, message in cases.items():
        with pytest.raises(ReplayError, match=message):
            open_recording(path)
        assert main(["replay", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("marketmon: ") and message in err and err.count("\n") == 1
        assert main(["snapshot", "--replay", str(path)]) == 2
        capsys.readouterr()


async def test_replay_tui_keys_badge_and_no_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app import create_app
    from widgets.market_header import MarketHeader
    from widgets.quote_table import QuoteTable

    snaps = await make_recording(tmp_path, minutes=5)

    def no_network(*_args: object, **_kw: object) -> None:
        raise AssertionError("replay must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    session = ReplaySession(open_recording(tmp_path), speed=1)
    app = create_app(default_config(), replay=session, animate=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.4)
        header = app.main_screen.query_one(MarketHeader)
        line = header.build_line(160).plain
        assert "REPLAY ×1 2026-02-03 15:00:0" in line
        assert app.engine is None and app._client is None
        table = app.main_screen.query_one("#table-crypto", QuoteTable)
        btc = lambda: table.get_cell("BTC-USD", "last").plain  # noqa: E731
        from tui import format as fmt

        assert btc() == fmt.price(snaps[0].pane("crypto").by_symbol()["BTC-USD"].last)

        await pilot.press("p")  # pause
        assert session.clock.paused and "REPLAY paused" in header.badge
        await pilot.press("right_square_bracket", "right_square_bracket")  # +2 min
        await pilot.pause(0.4)
        assert session.clock.now() >= T0 + timedelta(minutes=2)
        assert btc() == fmt.price(snaps[2].pane("crypto").by_symbol()["BTC-USD"].last)
        await pilot.press("left_square_bracket")
        await pilot.pause(0.4)
        assert btc() == fmt.price(snaps[1].pane("crypto").by_symbol()["BTC-USD"].last)
        await pilot.press("full_stop")  # step to the next recorded change
        await pilot.pause(0.4)
        assert session.clock.now() == T0 + timedelta(minutes=2)
        assert btc() == fmt.price(snaps[2].pane("crypto").by_symbol()["BTC-USD"].last)
        await pilot.press("x")
        assert session.clock.speed == 10
        await pilot.press("x")
        assert session.clock.speed == 60
        await pilot.press("p")  # play at x60: a minute a second
        await pilot.pause(2.5)
        assert session.clock.now() == T0 + timedelta(minutes=4)  # stops at the end
        assert btc() == fmt.price(snaps[4].pane("crypto").by_symbol()["BTC-USD"].last)
        assert "REPLAY ×60 2026-02-03 15:04:00Z" in header.build_line(160).plain


async def test_the_app_records_while_it_runs_and_says_when_recording_stops(tmp_path: Path) -> None:
    from tui.app import create_app
    from tui.data.clock import VirtualClock
    from widgets.status_bar import SourceStatusBar

    clock = VirtualClock(T0)
    app = create_app(default_config(), demo=True, clock=clock, animate=False, record_dir=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            if app.snapshot is not None and app.snapshot.quote_count:
                break
        assert app.recorder is not None and app.recorder.buffered >= BOARD
        app._flush_record(at_exit=True)  # what the timer does every FLUSH_EVERY seconds
        assert pl.read_parquet(tmp_path / "quotes" / "2026-02-03" / "*.parquet").height >= BOARD
        app.recorder.stopped = "recording stopped: No space left on device"
        app._flush_record()
        bar = app.main_screen.query_one(SourceStatusBar)
        assert bar.build_line(160).plain.startswith("recording stopped: No space left on device")
        assert app.snapshot.quote_count == BOARD  # the board keeps running
