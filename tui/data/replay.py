"""Reading a recording back: the board as it was at any recorded instant, and a replay clock.

A recording (see tui/data/recorder.py) holds a row each time a quote changed and a row for each
new headline. The board at time ``t`` is, per instrument, its last row at or before ``t``; its
sparkline is the recorded prices of that UTC day up to ``t``. Files are untrusted input: a
file whose kind or schema version is not one this version writes is refused with a clear error
(the CLI exits with status 2), and text columns pass through the sanitiser again.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import io
import time as _time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from tui.data.instruments import PANES
from tui.data.record_compact import COMPACT_PREFIX, is_compact, is_part, replaced_parts
from tui.data.recorder import (
    HEADLINES,
    KIND_KEY,
    KINDS,
    QUOTES,
    RECORD_VERSION,
    VERSION_KEY,
    record_schema,
)
from tui.data.sanitize import sanitize_optional, sanitize_text
from tui.data.snapshot import (
    Headline,
    MarketSnapshot,
    PaneSnapshot,
    Quote,
    SnapshotOrigin,
    StaleReason,
)

MAX_HEADLINES = 100
READ_ATTEMPTS = 5  # listings of a recording that a running compaction may invalidate


class ReplayError(Exception):
    """Not a recording this version can replay: the message names the file and the problem."""


@dataclass(frozen=True)
class Recording:
    quotes: pl.DataFrame  # QUOTE_RECORD_SCHEMA, sorted by time
    headlines: pl.DataFrame  # HEADLINE_RECORD_SCHEMA, sorted by time
    files: int

    @property
    def start(self) -> datetime:
        return min(self._bounds())

    @property
    def end(self) -> datetime:
        return max(self._bounds())

    def _bounds(self) -> list[datetime]:
        return [
            t
            for frame in (self.quotes, self.headlines)
            if frame.height
            for t in (frame.get_column("time").min(), frame.get_column("time").max())
            if isinstance(t, datetime)
        ]

    def update_times(self) -> list[datetime]:
        """Every instant at which the recorded board changed, in order."""
        times = pl.concat([self.quotes.get_column("time"), self.headlines.get_column("time")])
        return list(times.unique().sort().to_list())


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*.parquet") if p.is_file() and not p.name.startswith(".")
        )
    raise ReplayError(f"{path}: no such file or folder")


def _compact_id(folder: Path) -> tuple[int, int] | None:
    """Which compact file a day folder holds now (inode, mtime), None when it has none."""
    try:
        stat = (folder / f"{COMPACT_PREFIX}{folder.name}.parquet").stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


class _Vanished(Exception):
    """A listed file is gone: it was compacted meanwhile (tui/data/record_compact.py)."""


def _read(path: Path) -> tuple[str, pl.DataFrame, frozenset[str]]:
    """A file's kind, its rows and (for a compact file) the part names it replaces.

    The file is read into memory once, so its metadata and its rows come from the same file
    even when a compaction renames a new one over it meanwhile.
    """
    try:
        data = io.BytesIO(path.read_bytes())
    except FileNotFoundError:
        raise _Vanished(path) from None
    except OSError as exc:
        raise ReplayError(f"{path}: unreadable ({exc.strerror or type(exc).__name__})") from None
    try:
        meta = pl.read_parquet_metadata(data)
    except Exception as exc:  # polars raises several types for a file that is not Parquet
        raise ReplayError(f"{path}: not a Parquet file ({type(exc).__name__})") from None
    kind = meta.get(KIND_KEY)
    version = meta.get(VERSION_KEY)
    if kind not in KINDS:
        raise ReplayError(f"{path}: not a marketmon recording (no {KIND_KEY} in its metadata)")
    if version != str(RECORD_VERSION):
        raise ReplayError(
            f"{path}: recording schema version {version} is not supported "
            f"(this marketmon reads version {RECORD_VERSION})"
        )
    schema = record_schema(kind)
    try:
        data.seek(0)
        frame = pl.read_parquet(data)
    except Exception as exc:
        raise ReplayError(f"{path}: unreadable ({type(exc).__name__})") from None
    if kind == QUOTES and "sigma" not in frame.columns:  # recorded before σ existed
        frame = frame.with_columns(pl.lit(None, pl.Float64()).alias("sigma"))
    for column, dtype in schema.items():
        if frame.schema.get(column) != dtype:
            raise ReplayError(f"{path}: column {column} is missing or not {dtype}")
    return kind, frame.select(list(schema)), replaced_parts(meta)


def open_recording(path: Path) -> Recording:
    """Every file under ``path`` (or the one file), checked and merged.

    Honours the compaction rule (tui/data/record_compact.py): a day's compact file, then only
    the parts it does not replace; when a listed part vanished meanwhile, the listing is redone.
    """
    for _attempt in range(READ_ATTEMPTS - 1):
        with contextlib.suppress(_Vanished):
            return _open_recording(path)
    try:
        return _open_recording(path)
    except _Vanished as exc:
        raise ReplayError(f"{exc}: files kept vanishing while being read") from None


def _open_recording(path: Path) -> Recording:
    frames: dict[str, list[pl.DataFrame]] = {QUOTES: [], HEADLINES: []}
    # Which compact file each day folder holds, taken before the listing that is read.
    folders = {f.parent for f in _files(path) if is_part(f) or is_compact(f)}
    compacts_before = {folder: _compact_id(folder) for folder in folders}
    files = _files(path)
    # Compact files first: the parts they replace are skipped (when still there at all).
    files.sort(key=lambda f: not is_compact(f))
    replaced: set[Path] = set()
    for file in files:
        if file in replaced:
            continue
        kind, frame, replaces = _read(file)
        frames[kind].append(frame)
        replaced |= {file.parent / name for name in replaces}
    if any(_compact_id(folder) != seen for folder, seen in compacts_before.items()):
        # A compaction finished while this read: the listing may lack its file and the parts
        # it deleted, or hold both (a directory listing is not a snapshot). Read again.
        raise _Vanished(path)
    if not any(frames.values()):
        raise ReplayError(f"{path}: no recording found (no .parquet files)")

    def merged(kind: str) -> pl.DataFrame:
        parts = frames[kind]
        if not parts:
            return pl.DataFrame(schema=record_schema(kind))
        return pl.concat(parts).sort("time", maintain_order=True)

    return Recording(
        quotes=merged(QUOTES),
        headlines=merged(HEADLINES),
        files=len(files),
    )


def parse_time(text: str) -> datetime:
    """ISO-8601; a time without a zone is UTC."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ReplayError(f"--at {text!r}: not an ISO-8601 time") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _reason(value: str | None) -> StaleReason | None:
    if value is None:
        return None
    try:
        return StaleReason(value)
    except ValueError:
        return StaleReason.OLD  # an unknown reason is still not fresh


def snapshot_at(recording: Recording, at: datetime) -> MarketSnapshot:
    """The board as recorded at ``at`` (rows at or before it), marked ``origin=REPLAY``."""
    at = at.astimezone(UTC)
    upto = recording.quotes.filter(pl.col("time") <= at)
    latest = upto.group_by("pane", "symbol", maintain_order=True).last()
    day_start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    series = (
        upto.filter(pl.col("time") >= day_start, pl.col("last").is_not_null())
        .group_by("pane", "symbol", maintain_order=True)
        .agg(pl.col("last").alias("series"), pl.col("time").alias("series_time"))
    )
    latest = latest.join(series, on=["pane", "symbol"], how="left", maintain_order="left")
    panes: dict[str, list[Quote]] = {p: [] for p in PANES}
    groups: dict[str, list[str]] = {p: [] for p in PANES}
    for row in latest.iter_rows(named=True):
        pane = row["pane"]
        if pane not in panes:
            continue  # a pane this version does not show
        group = sanitize_text(row["group"], 60)
        panes[pane].append(_quote(row, pane, group))
        if group not in groups[pane]:
            groups[pane].append(group)
    return MarketSnapshot(
        generated_at=at,
        demo=False,
        panes=tuple(PaneSnapshot(p, tuple(groups[p]), tuple(q)) for p, q in panes.items()),
        headlines=_headlines(recording.headlines, at),
        origin=SnapshotOrigin.REPLAY,
    )


def _quote(row: dict[str, object], pane: str, group: str) -> Quote:
    def num(key: str) -> float | None:
        value = row[key]
        return float(value) if isinstance(value, int | float) else None

    last, high, low = num("last"), num("day_high"), num("day_low")
    pos = None
    if last is not None and high is not None and low is not None and high > low:
        pos = (last - low) / (high - low)
    as_of = row["as_of"]
    series = row["series"]
    times = row["series_time"]
    return Quote(
        pane=pane,
        group=group,
        symbol=sanitize_text(row["symbol"], 60),
        name=sanitize_text(row["name"], 120),
        source=sanitize_optional(row["source"], 60),
        currency=sanitize_optional(row["currency"], 12),
        last=last,
        prev_close=num("prev_close"),
        change=num("change"),
        change_pct=num("change_pct"),
        day_high=high,
        day_low=low,
        range_pos=pos,
        as_of=as_of if isinstance(as_of, datetime) else None,
        stale_reason=_reason(row["stale_reason"] if isinstance(row["stale_reason"], str) else None),
        series=tuple(series) if isinstance(series, list) else (),
        series_time=tuple(times) if isinstance(times, list) else (),
        sigma=num("sigma"),
    )


def _headlines(frame: pl.DataFrame, at: datetime) -> tuple[Headline, ...]:
    rows = frame.filter(pl.col("time") <= at).reverse().head(MAX_HEADLINES * 3)
    seen: set[tuple[str, str]] = set()
    out: list[Headline] = []
    for row in rows.iter_rows(named=True):
        item = Headline(
            title=sanitize_text(row["title"], 300),
            source=sanitize_text(row["source"], 60),
            published=row["published"],
            url=sanitize_text(row["url"], 2048),
            related=tuple(sanitize_text(s, 60) for s in (row["related"] or ())),
        )
        key = (item.title, item.url)
        if key not in seen:
            seen.add(key)
            out.append(item)
    out.sort(key=lambda h: h.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    return tuple(out[:MAX_HEADLINES])


class ReplayClock:
    """Recorded time that runs at ``speed`` times real time; pausable, steppable, jumpable.

    It satisfies the data layer's ``Clock`` protocol, so the header and every age on screen
    read the recorded instant.
    """

    SPEEDS: tuple[int, ...] = (1, 10, 60)

    def __init__(self, start: datetime, end: datetime, *, speed: int = 1) -> None:
        self.start = start
        self.end = end
        self.speed = speed
        self.paused = False
        self._at = start
        self._real = _time.monotonic()

    def now(self) -> datetime:
        if not self.paused:
            real = _time.monotonic()
            self._at = min(self.end, self._at + timedelta(seconds=(real - self._real) * self.speed))
            self._real = real
        return self._at

    def monotonic(self) -> float:
        return _time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def seek(self, when: datetime) -> None:
        self.now()
        self._at = max(self.start, min(self.end, when))

    def jump(self, seconds: float) -> None:
        self.seek(self.now() + timedelta(seconds=seconds))

    def toggle_pause(self) -> None:
        self.now()  # settle the time run so far at the old rate
        self.paused = not self.paused
        self._real = _time.monotonic()

    def cycle_speed(self) -> int:
        self.now()
        index = self.SPEEDS.index(self.speed) if self.speed in self.SPEEDS else -1
        self.speed = self.SPEEDS[(index + 1) % len(self.SPEEDS)]
        return self.speed

    @property
    def at_end(self) -> bool:
        return self.now() >= self.end


class ReplaySession:
    """A recording on a replay clock: what the app shows instead of the engine's snapshots."""

    def __init__(self, recording: Recording, *, speed: int = 1, at: datetime | None = None) -> None:
        self.recording = recording
        self.clock = ReplayClock(recording.start, recording.end, speed=speed)
        if at is not None:
            self.clock.seek(at)
        self._times = recording.update_times()
        self._shown_index: int | None = None
        self._snapshot: MarketSnapshot | None = None

    def _index(self, when: datetime) -> int:
        return bisect.bisect_right(self._times, when)

    def changed(self) -> bool:
        """Whether the recorded board differs from the last snapshot taken."""
        return self._index(self.clock.now()) != self._shown_index

    def snapshot(self) -> MarketSnapshot:
        now = self.clock.now()
        index = self._index(now)
        if self._snapshot is None or index != self._shown_index:
            self._snapshot = snapshot_at(self.recording, now)
            self._shown_index = index
        return self._snapshot

    def step(self) -> None:
        """Pause, and move to the next recorded change (or the end)."""
        if not self.clock.paused:
            self.clock.toggle_pause()
        index = self._index(self.clock.now())
        self.clock.seek(self._times[index] if index < len(self._times) else self.clock.end)

    def badge(self) -> str:
        state = "paused" if self.clock.paused else f"×{self.clock.speed}"
        return f"REPLAY {state} {self.clock.now():%Y-%m-%d %H:%M:%S}Z"
