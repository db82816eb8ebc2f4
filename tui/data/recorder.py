"""``--record DIR``: the board's day on record, as Parquet files written with polars.

Each applied live snapshot adds a row for every quote that changed since its last recorded row
(so replaying "the last row per symbol at or before t" gives back the board at t), and a row
for every headline not seen before. Rows are buffered and written at least every
``FLUSH_EVERY`` seconds and at exit.

Layout: ``DIR/<kind>/<UTC day>/part-<first row time>-<writer>-<n>.parquet`` with kind
``quotes`` or ``headlines``: one folder per UTC day per kind, filled with part files. A part
file is written under a hidden temporary name and renamed when complete, so
``polars.read_parquet("DIR/quotes/2026-02-03/*.parquet")`` works at any moment while recording
goes on, and every writer (one per process: pid and a random token) names its own files, so two
instances recording into one folder never touch each other's files. Each file carries its kind
and schema version in the Parquet key-value metadata (``marketmon.kind``,
``marketmon.version``); the replay refuses files with another kind or version.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.data.snapshot import Headline, MarketSnapshot, Quote, SnapshotOrigin, StaleReason

if TYPE_CHECKING:
    import polars as pl

RECORD_VERSION = 1
FLUSH_EVERY = 30.0  # seconds: the brief asks for at least every minute
MAX_BUFFERED_ROWS = 50_000  # flush early past this, whatever the timer says
KIND_KEY = "marketmon.kind"
VERSION_KEY = "marketmon.version"
QUOTES = "quotes"
HEADLINES = "headlines"


def quote_record_schema() -> dict[str, pl.DataType]:
    """The quotes schema (a function: polars loads only when a recording is written or read)."""
    import polars as pl

    utc = pl.Datetime("us", "UTC")
    return {
        "time": utc,  # when the board showed this row (the snapshot's time)
        "pane": pl.String(),
        "group": pl.String(),
        "symbol": pl.String(),
        "name": pl.String(),
        "last": pl.Float64(),
        "prev_close": pl.Float64(),
        "change": pl.Float64(),
        "change_pct": pl.Float64(),  # percent
        "day_high": pl.Float64(),
        "day_low": pl.Float64(),
        "as_of": utc,  # time of the price at its source
        "stale_reason": pl.String(),  # null, market_closed, old or source_failing
        "source": pl.String(),
        "currency": pl.String(),
        "sigma": pl.Float64(),  # the move in σ of the last 60 daily changes (tui.data.sigma)
    }


def headline_record_schema() -> dict[str, pl.DataType]:
    import polars as pl

    utc = pl.Datetime("us", "UTC")
    return {
        "time": utc,  # when the headline first appeared on the board
        "title": pl.String(),
        "source": pl.String(),
        "published": utc,
        "url": pl.String(),
        "related": pl.List(pl.String()),
    }


def record_schema(kind: str) -> dict[str, pl.DataType]:
    return quote_record_schema() if kind == QUOTES else headline_record_schema()


KINDS: tuple[str, ...] = (QUOTES, HEADLINES)


class RecordError(Exception):
    """The record folder cannot be written: reported at start (exit status 2)."""


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _quote_values(q: Quote) -> tuple[Any, ...]:
    reason = q.stale_reason.value if q.stale_reason is not None else None
    return (q.pane, q.group, q.symbol, q.name, q.last, q.prev_close, q.change, q.change_pct,
            q.day_high, q.day_low, q.as_of, reason, q.source, q.currency, q.sigma)  # fmt: skip


def _headline_key(h: Headline) -> tuple[str, str]:
    return (h.title, h.url)


class Recorder:
    """Buffers the rows of applied snapshots and writes them as part files."""

    def __init__(self, folder: Path, *, every: float = FLUSH_EVERY) -> None:
        self.folder = folder
        self.every = every
        self.writer_id = f"{os.getpid()}-{secrets.token_hex(3)}"
        self.stopped: str | None = None  # why recording stopped (a full disk…); None: running
        self.files_written = 0
        self.rows_written = 0
        self._quotes: list[tuple[Any, ...]] = []
        self._headlines: list[tuple[Any, ...]] = []
        self._last: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._seen_headlines: set[tuple[str, str]] = set()
        self._last_flush: float | None = None
        self._sequence = 0

    def check_writable(self) -> None:
        """Create the folders and prove a file can be written there, or raise RecordError."""
        try:
            for kind in KINDS:
                (self.folder / kind).mkdir(parents=True, exist_ok=True)
            probe = self.folder / f".probe-{self.writer_id}"
            probe.write_bytes(b"marketmon")
            probe.unlink()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise RecordError(f"cannot record to {self.folder}: {reason}") from None

    @property
    def buffered(self) -> int:
        return len(self._quotes) + len(self._headlines)

    def record(self, snapshot: MarketSnapshot) -> None:
        """Buffer what changed in ``snapshot``; live prices only (never cached or replayed)."""
        if self.stopped is not None or snapshot.origin is not SnapshotOrigin.LIVE:
            return
        time = _utc(snapshot.generated_at)
        for q in snapshot.quotes:
            if not q.has_data or q.stale_reason is StaleReason.CACHED:
                continue
            values = _quote_values(q)
            key = (q.pane, q.symbol)
            if self._last.get(key) != values:
                self._last[key] = values
                self._quotes.append((time, *values))
        current = {_headline_key(h) for h in snapshot.headlines}
        for h in snapshot.headlines:
            if _headline_key(h) not in self._seen_headlines:
                self._headlines.append(
                    (time, h.title, h.source, h.published, h.url, list(h.related))
                )
        self._seen_headlines = current  # bounded by the snapshot's headline limit

    def due(self, mono: float) -> bool:
        if self.buffered >= MAX_BUFFERED_ROWS:
            return True
        return self.buffered > 0 and (
            self._last_flush is None or mono - self._last_flush >= self.every
        )

    def flush(self, mono: float | None = None) -> None:
        """Write the buffered rows, one part file per kind and UTC day; stop on a write error."""
        if mono is not None:
            self._last_flush = mono
        quotes, self._quotes = self._quotes, []
        headlines, self._headlines = self._headlines, []
        if self.stopped is not None:
            return
        try:
            self._write(QUOTES, quotes)
            self._write(HEADLINES, headlines)
        except OSError as exc:
            self.stopped = f"recording stopped: {exc.strerror or type(exc).__name__}"

    def _write(self, kind: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        import polars as pl

        frame = pl.DataFrame(rows, schema=record_schema(kind), orient="row")
        days = frame.get_column("time").dt.date()
        for day in days.unique(maintain_order=True).to_list():
            part = frame.filter(days == day)
            self._write_part(kind, day.isoformat(), part)

    def _write_part(self, kind: str, day: str, frame: pl.DataFrame) -> None:
        folder = self.folder / kind / day
        folder.mkdir(parents=True, exist_ok=True)
        self._sequence += 1
        first = frame.get_column("time").min()
        stamp = first.strftime("%Y%m%dT%H%M%SZ") if isinstance(first, datetime) else "0"
        name = f"part-{stamp}-{self.writer_id}-{self._sequence:05d}.parquet"
        tmp = folder / f".{name}.tmp"
        # Encoded in memory, written by Python: a full disk is then a plain OSError (ENOSPC).
        buffer = io.BytesIO()
        frame.write_parquet(
            buffer,
            compression="zstd",
            statistics=True,
            metadata={KIND_KEY: kind, VERSION_KEY: str(RECORD_VERSION)},
        )
        try:
            with tmp.open("wb") as handle:
                handle.write(buffer.getbuffer())
            os.replace(tmp, folder / name)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self.files_written += 1
        self.rows_written += frame.height
