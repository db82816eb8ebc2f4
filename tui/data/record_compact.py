"""Compaction of a recording's closed days: a day's part files (about 2,900 per kind at the
30 s flush) become one file, without a reader ever seeing a row twice or missing one.

The rule every reader honours (:func:`tui.data.replay.open_recording` does):

* a day folder may hold one ``compact-<day>.parquet``; its Parquet key-value metadata
  ``marketmon.replaces`` is the JSON list of the part files' names whose rows it holds;
* a reader reads the compact file, then every part file *not* in that list;
* a part that vanishes between listing the folder and reading it was compacted meanwhile: the
  reader lists the folder again (the compact file holding it is then in place).

What :func:`compact_day` does, in an order that keeps that rule true at every instant:

1. list the day's part files, and read them with the current compact file, if any;
2. write all their rows, sorted by time, to a hidden temporary name, flush it to disk and
   rename it over ``compact-<day>.parquet`` (one atomic step: readers see the old or the new
   compact file, each with the list of what it replaces);
3. delete the parts it replaces.

Only closed days are compacted (UTC days that ended :data:`CLOSED_AFTER` ago), and one process
at a time (an exclusive ``flock`` on ``DIR/.compact.lock``; another instance skips, it does not
wait). Writers take no lock: they only ever add part files, under names never used twice (pid,
random token, sequence), and the compactor deletes only the files it listed and wrote into the
compact file. So a writer's late part (its last flush of the day, after the compaction) is read
beside the compact file and merged into it by the next compaction.

A plain ``polars.read_parquet("DAY/*.parquet")`` does not know the rule: on a closed day it can
see rows twice in the few milliseconds between steps 2 and 3 (once a day, after 00:15 UTC).
The day being recorded, which is never compacted, reads correctly with a plain glob.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tui.data.recorder import KIND_KEY, KINDS, RECORD_VERSION, VERSION_KEY, record_schema

REPLACES_KEY = "marketmon.replaces"
COMPACT_PREFIX = "compact-"
PART_PREFIX = "part-"
CLOSED_AFTER = timedelta(minutes=15)  # after the day's end: the writers' last flushes are in
COMPACT_FIRST = 60.0  # seconds after the recorder starts: the app's first look
COMPACT_EVERY = 600.0  # seconds between the app's looks for closed days
LOCK_NAME = ".compact.lock"


@dataclass(frozen=True, slots=True)
class Compacted:
    kind: str
    day: str
    parts: int  # part files merged and deleted
    rows: int  # rows in the compact file


def is_compact(path: Path) -> bool:
    return path.name.startswith(COMPACT_PREFIX) and path.suffix == ".parquet"


def is_part(path: Path) -> bool:
    return path.name.startswith(PART_PREFIX) and path.suffix == ".parquet"


def replaced_parts(metadata: dict[str, str]) -> frozenset[str]:
    """The part names a compact file's metadata says it holds (empty for a part file)."""
    raw = metadata.get(REPLACES_KEY)
    if raw is None:
        return frozenset()
    try:
        names = json.loads(raw)
    except ValueError:
        return frozenset()
    return (
        frozenset(n for n in names if isinstance(n, str))
        if isinstance(names, list)
        else frozenset()
    )


def closed_days(folder: Path, now: datetime) -> Iterator[tuple[str, Path]]:
    """``(kind, day folder)`` of every closed day that still has part files."""
    last_closed = (now.astimezone(UTC) - CLOSED_AFTER).date() - timedelta(days=1)
    for kind in KINDS:
        base = folder / kind
        if not base.is_dir():
            continue
        for day_dir in sorted(base.iterdir()):
            try:
                day = date.fromisoformat(day_dir.name)
            except ValueError:
                continue
            if day <= last_closed and day_dir.is_dir() and any(map(is_part, day_dir.iterdir())):
                yield kind, day_dir


@contextlib.contextmanager
def compaction_lock(folder: Path) -> Iterator[bool]:
    """Yields True when this process holds the record folder's compaction lock (never waits)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): never compact rather than risk two at once
        yield False
        return
    try:
        handle = (folder / LOCK_NAME).open("a")
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def compact_closed_days(folder: Path, now: datetime) -> list[Compacted]:
    """Compact every closed day under the record folder; ``[]`` when another process is at it.

    Never raises (it runs in the app's worker): a day that cannot be compacted stays as it is.
    """
    done: list[Compacted] = []
    with compaction_lock(folder) as held:
        if not held:
            return done
        try:
            days = list(closed_days(folder, now))
        except OSError:  # the folder went away or became unreadable: nothing to compact
            return done
        for kind, day_dir in days:
            try:
                result = compact_day(kind, day_dir)
            except Exception:  # a full disk, a foreign file: that day stays as it is
                continue
            if result is not None:
                done.append(result)
    return done


def compact_day(kind: str, day_dir: Path) -> Compacted | None:
    """Merge one day folder's parts into its compact file (see the module docstring).

    Call it holding :func:`compaction_lock`. Raises ``OSError`` on a write error, after which
    the folder is as it was (the temporary file removed, no part deleted).
    """
    import polars as pl

    parts = sorted(p for p in day_dir.iterdir() if is_part(p))
    if not parts:
        return None
    target = day_dir / f"{COMPACT_PREFIX}{day_dir.name}.parquet"
    frames: list[pl.DataFrame] = []
    replaces: set[str] = set()
    if target.exists():
        replaces |= replaced_parts(pl.read_parquet_metadata(target))
        frames.append(pl.read_parquet(target))
    schema = record_schema(kind)
    for part in parts:
        frame = pl.read_parquet(part)
        for column, dtype in schema.items():  # a part from before σ lacks that column
            if column not in frame.columns:
                frame = frame.with_columns(pl.lit(None, dtype).alias(column))
        frames.append(frame.select(list(schema)))
        replaces.add(part.name)
    merged = pl.concat(frames).sort("time", maintain_order=True)
    tmp = day_dir / f".{target.name}.{os.getpid()}.tmp"
    metadata = {
        KIND_KEY: kind,
        VERSION_KEY: str(RECORD_VERSION),
        REPLACES_KEY: json.dumps(sorted(replaces)),
    }
    try:
        merged.write_parquet(tmp, compression="zstd", statistics=True, metadata=metadata)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    for part in parts:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return Compacted(kind, day_dir.name, len(parts), merged.height)
