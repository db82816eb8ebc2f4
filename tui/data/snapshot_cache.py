"""The last-known snapshot: saved while the board runs, shown at once on the next start.

A trader opening a pane wants numbers now, not after every upstream has answered. So the app
saves what it shows (coalesced, at most every ``WRITE_EVERY`` seconds, and at exit) and, on the
next start, paints it before the first request is even sent. Every cached price is marked
``StaleReason.CACHED`` with its age and is never shown as fresh; live prices replace cached ones
one by one as they arrive (:func:`merge_live`).

The file is read with the snapshot codec (no polars on the start path) and is untrusted: a
corrupt, truncated, foreign or newer file is ignored with a note, never a crash. Writes go to a
temporary file in the same folder and are renamed over the old one, so a crash or a second
instance never leaves a half-written cache behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tui.data.instruments import Instrument
from tui.data.snapshot import (
    MarketSnapshot,
    PaneSnapshot,
    Quote,
    SnapshotOrigin,
    StaleReason,
)
from tui.data.snapshot_codec import SnapshotCodecError, decode_snapshot, encode_snapshot

WRITE_EVERY = 5.0  # seconds: at most one write in this time (and one at exit)
MAX_CACHE_BYTES = 16 * 1024 * 1024


def default_cache_path(demo: bool) -> Path:
    """``~/.cache/marketmon/last-live.snapshot`` (or ``last-demo``: the demo never mixes in)."""
    from platformdirs import user_cache_path

    return user_cache_path("marketmon") / f"last-{'demo' if demo else 'live'}.snapshot"


@dataclass(frozen=True, slots=True)
class CacheLoad:
    """What the start-up found: a snapshot to show, or a note for the status line, or neither."""

    snapshot: MarketSnapshot | None
    note: str | None = None


def _empty(inst: Instrument) -> Quote:
    return Quote(
        inst.pane, inst.group, inst.symbol, inst.name, None, None, None, None, None, None,
        None, None, None, None, None,
    )  # fmt: skip


def as_cached(snapshot: MarketSnapshot, instruments: Sequence[Instrument]) -> MarketSnapshot:
    """The saved snapshot reshaped to today's config, every price marked ``cached``.

    Rows no longer in the config are dropped, new rows start empty, names and groups follow
    the config. Source states and errors of the previous run are not carried over: they
    described that run's network, not this one's.
    """
    saved = {(q.pane, q.symbol): q for q in snapshot.quotes}
    panes: dict[str, list[Quote]] = {}
    groups: dict[str, list[str]] = {}
    for inst in instruments:
        old = saved.get((inst.pane, inst.symbol))
        if old is None or not old.has_data:
            quote = _empty(inst)
        else:
            name = inst.name if inst.name != inst.symbol else old.name
            quote = replace(old, group=inst.group, name=name, stale_reason=StaleReason.CACHED)
        panes.setdefault(inst.pane, []).append(quote)
        pane_groups = groups.setdefault(inst.pane, [])
        if inst.group not in pane_groups:
            pane_groups.append(inst.group)
    return MarketSnapshot(
        generated_at=snapshot.generated_at,
        demo=snapshot.demo,
        panes=tuple(
            PaneSnapshot(name, tuple(groups[name]), tuple(quotes)) for name, quotes in panes.items()
        ),
        headlines=snapshot.headlines,
        origin=SnapshotOrigin.CACHED,
    )


def load_cache(path: Path, instruments: Sequence[Instrument], *, demo: bool = False) -> CacheLoad:
    """Read the last-known snapshot at ``path``; a missing file is simply no cache."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CACHE_BYTES + 1)
    except FileNotFoundError:
        return CacheLoad(None)
    except OSError as exc:
        return CacheLoad(None, f"cache not read ({exc.strerror or type(exc).__name__})")
    try:
        snapshot = decode_snapshot(data, max_bytes=MAX_CACHE_BYTES)
    except SnapshotCodecError as exc:
        return CacheLoad(None, f"cache ignored: {exc}")
    if snapshot.demo != demo:
        return CacheLoad(None)  # the other mode's file (a path given explicitly): not ours
    cached = as_cached(snapshot, instruments)
    if not cached.quote_count:
        return CacheLoad(None)
    return CacheLoad(cached)


def merge_live(live: MarketSnapshot, cached: MarketSnapshot) -> tuple[MarketSnapshot, bool]:
    """``live`` with each row that has no live price yet filled from ``cached``.

    Returns the snapshot to show and whether any cached price is still in it (when none is,
    the caller can forget the cache). The result keeps ``live``'s origin: its live rows are
    live; its cached rows say so in ``stale_reason``.
    """
    old = {(q.pane, q.symbol): q for q in cached.quotes if q.has_data}
    if not old:
        return live, False
    used = False
    panes = []
    for pane in live.panes:
        quotes = []
        for q in pane.quotes:
            fill = None if q.has_data else old.get((q.pane, q.symbol))
            if fill is not None:
                used = True
                quotes.append(replace(fill, name=q.name, group=q.group))
            else:
                quotes.append(q)
        panes.append(replace(pane, quotes=tuple(quotes)))
    if not used:
        return live, False
    headlines = live.headlines or cached.headlines
    return replace(live, panes=tuple(panes), headlines=headlines), True


def write_cache(path: Path, snapshot: MarketSnapshot) -> None:
    """Write atomically: a temporary file in the same folder, then a rename over the old one."""
    data = encode_snapshot(snapshot)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class CacheWriter:
    """Saves the latest shown live snapshot at most every ``every`` seconds, and at exit."""

    def __init__(self, path: Path, *, every: float = WRITE_EVERY) -> None:
        self.path = path
        self.every = every
        self.writes = 0
        self.failed: str | None = None  # set once a write failed; then writing stops
        self._pending: MarketSnapshot | None = None
        self._last_write: float | None = None

    def offer(self, snapshot: MarketSnapshot, mono: float) -> None:
        """Note ``snapshot`` for saving; write now if the last write is old enough."""
        if snapshot.origin is not SnapshotOrigin.LIVE or not snapshot.quote_count:
            return
        self._pending = snapshot
        if self._last_write is None or mono - self._last_write >= self.every:
            self.flush(mono)

    def due(self, mono: float) -> bool:
        return self._pending is not None and (
            self._last_write is None or mono - self._last_write >= self.every
        )

    def flush(self, mono: float) -> None:
        """Write the pending snapshot, if any (a timer and the exit call this)."""
        snapshot, self._pending = self._pending, None
        if snapshot is None or self.failed is not None:
            return
        self._last_write = mono
        try:
            write_cache(self.path, snapshot)
        except OSError as exc:
            self.failed = f"cache not saved ({exc.strerror or type(exc).__name__})"
            return
        self.writes += 1
