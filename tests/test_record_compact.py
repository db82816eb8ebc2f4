"""Compaction of closed record days: real part files in tmp_path, real readers meanwhile."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import tui.data.replay as replay
from tui.config import default_config
from tui.data.clock import FakeClock
from tui.data.factory import build_engine
from tui.data.record_compact import (
    REPLACES_KEY,
    compact_closed_days,
    compact_day,
    compaction_lock,
    replaced_parts,
)
from tui.data.recorder import Recorder
from tui.data.replay import open_recording

DAY1 = datetime(2026, 2, 3, 23, 50, tzinfo=UTC)  # ten minutes before the end of the UTC day
NEXT_MORNING = datetime(2026, 2, 4, 1, 0, tzinfo=UTC)  # the 3rd is closed; the 4th is not


async def record_minutes(folder: Path, start: datetime, minutes: int) -> Recorder:
    """A writer flushing every minute: one part per minute per kind (as at a 60 s flush)."""
    clock = FakeClock(start)
    engine = build_engine(default_config(), clock=clock, demo=True)
    recorder = Recorder(folder)
    recorder.check_writable()
    for _ in range(minutes):
        await engine.refresh_once()
        recorder.record(engine.snapshot())
        recorder.flush(0.0)
        clock.advance(60.0)
    return recorder


def day_dir(folder: Path, kind: str, day: str) -> Path:
    return folder / kind / day


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return sorted(frame.select("time", "symbol", "last").rows())


async def test_a_closed_day_becomes_one_file_and_reads_the_same(tmp_path: Path) -> None:
    await record_minutes(tmp_path, DAY1, 20)  # 10 minutes on the 3rd, 10 on the 4th
    quotes3 = day_dir(tmp_path, "quotes", "2026-02-03")
    quotes4 = day_dir(tmp_path, "quotes", "2026-02-04")
    assert len(files(quotes3)) == 10 and len(files(quotes4)) == 10
    before = open_recording(tmp_path)
    glob3 = pl.read_parquet(quotes3 / "*.parquet")

    done = compact_closed_days(tmp_path, NEXT_MORNING)

    by_kind = {c.kind: c for c in done}
    assert set(by_kind) == {"quotes", "headlines"}
    assert (by_kind["quotes"].day, by_kind["quotes"].parts) == ("2026-02-03", 10)
    assert by_kind["headlines"].day == "2026-02-03" and by_kind["headlines"].parts >= 1
    assert (
        by_kind["quotes"].rows
        == before.quotes.filter(pl.col("time") < datetime(2026, 2, 4, tzinfo=UTC)).height
    )
    assert files(quotes3) == ["compact-2026-02-03.parquet"]
    assert len(files(quotes4)) == 10  # the day being recorded is never compacted
    after = open_recording(tmp_path)
    assert rows(after.quotes) == rows(before.quotes)
    assert after.headlines.height == before.headlines.height
    # A plain glob of the day reads the one file: the same rows, sorted by time.
    compacted = pl.read_parquet(quotes3 / "*.parquet")
    assert rows(compacted) == rows(glob3) and compacted.height == glob3.height > 0
    assert compacted.get_column("time").is_sorted()
    meta = pl.read_parquet_metadata(quotes3 / "compact-2026-02-03.parquet")
    assert meta["marketmon.kind"] == "quotes" and meta["marketmon.version"] == "1"
    assert len(replaced_parts(meta)) == 10
    assert compact_closed_days(tmp_path, NEXT_MORNING) == []  # nothing left to do


async def test_a_late_part_is_read_once_and_merged_by_the_next_compaction(tmp_path: Path) -> None:
    await record_minutes(tmp_path, DAY1, 5)
    compact_closed_days(tmp_path, NEXT_MORNING)
    quotes3 = day_dir(tmp_path, "quotes", "2026-02-03")
    first = open_recording(tmp_path).quotes.height
    # Another writer's last flush of the day lands after the compaction.
    await record_minutes(tmp_path, DAY1 + timedelta(minutes=6), 2)
    late = [n for n in files(quotes3) if n.startswith("part-")]
    assert len(late) == 2
    with_late = open_recording(tmp_path).quotes
    assert with_late.height > first
    assert with_late.unique().height == with_late.height  # no row read twice
    done = compact_closed_days(tmp_path, NEXT_MORNING)
    assert ("quotes", "2026-02-03", 2) in {(c.kind, c.day, c.parts) for c in done}
    assert files(quotes3) == ["compact-2026-02-03.parquet"]
    meta = pl.read_parquet_metadata(quotes3 / "compact-2026-02-03.parquet")
    assert set(late) <= replaced_parts(meta) and len(replaced_parts(meta)) == 7
    assert rows(open_recording(tmp_path).quotes) == rows(with_late)


async def test_a_reader_that_lists_before_the_compaction_reads_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compaction runs between the reader's listing and its reading of the parts."""
    await record_minutes(tmp_path, DAY1, 8)
    expected = rows(open_recording(tmp_path).quotes)
    headlines = open_recording(tmp_path).headlines.height
    real_read = replay._read
    calls = {"n": 0}

    def read_then_compact(path: Path) -> tuple[str, pl.DataFrame, frozenset[str]]:
        result = real_read(path)
        calls["n"] += 1
        if calls["n"] == 3:  # two parts read, the others about to vanish
            assert compact_closed_days(tmp_path, NEXT_MORNING)
        return result

    monkeypatch.setattr(replay, "_read", read_then_compact)
    got = open_recording(tmp_path)
    assert rows(got.quotes) == expected
    assert got.headlines.height == headlines
    # Three parts read, then the rest had vanished: read again, from the two compact files.
    assert calls["n"] == 5


async def test_readers_running_during_compaction_never_see_a_row_twice_or_miss_one(
    tmp_path: Path,
) -> None:
    await record_minutes(tmp_path, DAY1, 10)
    # Every state the folder passes through: compactions keep the rows, late parts add some.
    states = [rows(open_recording(tmp_path).quotes)]
    results: list[list[tuple[object, ...]]] = []
    stop = threading.Event()

    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                results.append(rows(open_recording(tmp_path).quotes))
            except BaseException as exc:  # a failed read fails the test, not just the thread
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for minute in range(3):  # compact, a late part arrives, compact again …
            assert compact_closed_days(tmp_path, NEXT_MORNING)
            # A writer's late flush of the closed day (its last seconds).
            late = DAY1 + timedelta(minutes=9, seconds=10 * (minute + 1))
            await record_minutes(tmp_path, late, 1)
            states.append(rows(open_recording(tmp_path).quotes))
        assert compact_closed_days(tmp_path, NEXT_MORNING)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors
    assert len(results) >= 3
    for got in results:
        assert len(set(got)) == len(got)  # no row twice
        assert got in states  # and none missing: exactly the rows of one state of the folder
    assert results[-1] == states[-1] or rows(open_recording(tmp_path).quotes) == states[-1]


def test_another_process_compacting_means_this_one_skips(tmp_path: Path) -> None:
    (tmp_path / "quotes" / "2026-02-03").mkdir(parents=True)
    with compaction_lock(tmp_path) as held:
        assert held
        with compaction_lock(tmp_path) as second:  # another open file: flock refuses it
            assert not second
        assert compact_closed_days(tmp_path, NEXT_MORNING) == []


async def test_a_failed_write_leaves_the_day_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await record_minutes(tmp_path, DAY1, 4)
    quotes3 = day_dir(tmp_path, "quotes", "2026-02-03")
    before = files(quotes3)

    def full_disk(self: pl.DataFrame, file: Path, *_a: object, **_k: object) -> None:
        Path(file).write_bytes(b"PAR1 half a file")  # the disk fills up mid-write
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full_disk)
    with pytest.raises(OSError, match="No space left"):
        compact_day("quotes", quotes3)
    assert files(quotes3) == before  # every part kept, no temporary file left
    assert compact_closed_days(tmp_path, NEXT_MORNING) == []  # reported as nothing done
    assert files(quotes3) == before


def test_replaces_metadata_that_is_not_a_list_replaces_nothing() -> None:
    assert replaced_parts({REPLACES_KEY: "not json"}) == frozenset()
    assert replaced_parts({REPLACES_KEY: '{"a": 1}'}) == frozenset()
    assert replaced_parts({REPLACES_KEY: '["part-a.parquet", 3]'}) == {"part-a.parquet"}


async def test_the_recording_app_compacts_closed_days(tmp_path: Path) -> None:
    from tui.app import create_app
    from tui.data.clock import VirtualClock

    await record_minutes(tmp_path, DAY1, 3)  # yesterday's parts, from an earlier run
    quotes3 = day_dir(tmp_path, "quotes", "2026-02-03")
    clock = VirtualClock(NEXT_MORNING)
    app = create_app(default_config(), demo=True, clock=clock, animate=False, record_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.recorder is not None:
                break
        app._compact_record()  # what the timer does a minute after start
        for _ in range(200):  # in a thread: the board keeps running meanwhile
            await pilot.pause(0.05)
            if files(quotes3) == ["compact-2026-02-03.parquet"]:
                break
        assert files(quotes3) == ["compact-2026-02-03.parquet"]
        assert app.is_running
