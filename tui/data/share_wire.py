"""What the share puts into Redis: key names, the message envelope, and reading it back.

Keys. A desk is identified by a hash of everything that decides what a snapshot contains
(watchlist, providers and their settings, feeds, demo parameters), so desks with different
lists on one Redis never read each other's snapshots or fight over one lease. The keys carry
the hash as a cluster hash tag, so the fenced scripts (share.py) touch a single slot.

Envelope. Every message is ``ENVELOPE`` (8 bytes), a version byte, a kind byte, then the body:
kind ``S`` is a snapshot (the body is tui.data.snapshot_codec's bytes), kind ``H`` a heartbeat
the fetcher sends with every lease renewal (body: its wall time, float64), so a viewer can tell
"the market is quiet" from "the fetcher is gone", and kind ``R`` (no body) says the fetcher
released the lease on a clean exit. Anything else on the channel is foreign.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from tui.config import Config
from tui.data.snapshot import MarketSnapshot, PaneSnapshot, StaleReason
from tui.data.snapshot_codec import MAGIC as CODEC_MAGIC
from tui.data.snapshot_codec import VERSION as CODEC_VERSION
from tui.data.snapshot_codec import SnapshotCodecError, decode_snapshot, encode_snapshot

ENVELOPE = b"MKTMSHR1"
WIRE_VERSION = 1
SNAPSHOT = b"S"
HEARTBEAT = b"H"
RELEASED = b"R"  # the fetcher released the lease (a clean exit): try for it now
MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # a 10,000-instrument day is about 5 MB
_HEADER = len(ENVELOPE) + 2


@dataclass(frozen=True, slots=True)
class Keys:
    lease: str
    last: str
    channel: str
    desk: str  # the hash, for the status line


def desk_keys(config: Config, *, demo: bool, seed: int, scenario: str) -> Keys:
    """The Redis keys of this desk: same watchlist and provider settings, same keys."""
    material = {
        "instruments": [
            [i.pane, i.group, i.symbol, i.name, i.market] for i in config.instruments()
        ],
        "chains": {name: list(p.sources) for name, p in sorted(config.panes.items())},
        "providers": {
            name: [p.base_url, config.interval(name), p.max_age]
            for name, p in sorted(config.providers.items())
        },
        "headlines": [list(config.headlines.feeds), config.headlines.interval],
        "max_items": config.headlines.max_items,
        "demo": [demo, seed, scenario] if demo else False,
    }
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]
    tag = f"marketmon:{{{digest}}}"
    return Keys(lease=f"{tag}:lease", last=f"{tag}:last", channel=f"{tag}:snapshots", desk=digest)


def snapshot_message(snapshot: MarketSnapshot) -> bytes:
    return ENVELOPE + bytes([WIRE_VERSION]) + SNAPSHOT + encode_snapshot(snapshot)


def released_message() -> bytes:
    return ENVELOPE + bytes([WIRE_VERSION]) + RELEASED


def heartbeat_message(at: datetime) -> bytes:
    return ENVELOPE + bytes([WIRE_VERSION]) + HEARTBEAT + struct.pack("<d", at.timestamp())


class Verdict(StrEnum):
    SNAPSHOT = "snapshot"
    HEARTBEAT = "heartbeat"
    RELEASED = "released"
    NEWER = "newer"  # a later marketmon's message: ignored with a note
    FOREIGN = "foreign"  # not ours, oversize or malformed: ignored and counted


@dataclass(frozen=True, slots=True)
class Received:
    verdict: Verdict
    snapshot: MarketSnapshot | None = None
    sent_at: datetime | None = None
    why: str = ""  # for NEWER and FOREIGN: a safe, fixed-vocabulary explanation


def read_message(data: object, max_bytes: int = MAX_MESSAGE_BYTES) -> Received:
    """Classify one message from Redis. Never raises: the bytes come from anyone who can publish.

    The reasons returned are made here (never copied from the message), so nothing from a
    hostile publisher can reach the screen through them.
    """
    if not isinstance(data, bytes):
        return Received(Verdict.FOREIGN, why="not bytes")
    if len(data) > max_bytes:
        return Received(Verdict.FOREIGN, why=f"too large ({len(data)} bytes)")
    if len(data) < _HEADER or not data.startswith(ENVELOPE):
        return Received(Verdict.FOREIGN, why="not a marketmon message")
    version, kind = data[len(ENVELOPE)], data[len(ENVELOPE) + 1 : _HEADER]
    if version > WIRE_VERSION:
        return Received(Verdict.NEWER, why=f"message version {version}")
    if version != WIRE_VERSION:
        return Received(Verdict.FOREIGN, why=f"unknown message version {version}")
    body = data[_HEADER:]
    if kind == RELEASED:
        return Received(Verdict.RELEASED if not body else Verdict.FOREIGN, why="malformed")
    if kind == HEARTBEAT:
        if len(body) != 8:
            return Received(Verdict.FOREIGN, why="malformed heartbeat")
        (stamp,) = struct.unpack("<d", body)
        try:
            return Received(Verdict.HEARTBEAT, sent_at=datetime.fromtimestamp(stamp, UTC))
        except (OverflowError, OSError, ValueError):
            return Received(Verdict.FOREIGN, why="malformed heartbeat")
    if kind != SNAPSHOT:
        return Received(Verdict.FOREIGN, why="unknown message kind")
    if body.startswith(CODEC_MAGIC) and len(body) > len(CODEC_MAGIC):
        codec_version = body[len(CODEC_MAGIC)]
        if codec_version > CODEC_VERSION:
            return Received(Verdict.NEWER, why=f"snapshot version {codec_version}")
    try:
        snapshot = decode_snapshot(body, max_bytes=max_bytes)
    except SnapshotCodecError:
        return Received(Verdict.FOREIGN, why="malformed snapshot")
    except Exception:  # the codec validates; this is a last guard for a viewer's life
        return Received(Verdict.FOREIGN, why="malformed snapshot")
    return Received(Verdict.SNAPSHOT, snapshot=snapshot, sent_at=snapshot.generated_at)


def mark_stale(snapshot: MarketSnapshot) -> MarketSnapshot:
    """Every price marked as the last good value of a failing source (the feed stopped)."""
    panes = tuple(
        PaneSnapshot(
            name=p.name,
            groups=p.groups,
            quotes=tuple(
                replace(q, stale_reason=StaleReason.FAILING) if q.has_data else q for q in p.quotes
            ),
        )
        for p in snapshot.panes
    )
    return replace(snapshot, panes=panes)


def carry_over(fresh: MarketSnapshot, last: MarketSnapshot | None) -> MarketSnapshot:
    """A new fetcher's snapshot, with the last shared values where it has none yet.

    A fetcher that takes over starts from the last snapshot, not empty: until its own engine
    has an answer for a symbol, the row keeps the value the previous fetcher published (with
    its own time, so its age is honest, and marked CACHED: never shown as fresh), and the
    headlines likewise.
    """
    if last is None:
        return fresh
    previous = {
        (p.name, q.symbol): replace(q, stale_reason=StaleReason.CACHED)
        for p in last.panes
        for q in p.quotes
        if q.has_data
    }
    if not previous and not last.headlines:
        return fresh
    panes = tuple(
        PaneSnapshot(
            name=p.name,
            groups=p.groups,
            quotes=tuple(
                q if q.has_data else previous.get((p.name, q.symbol), q) for q in p.quotes
            ),
        )
        for p in fresh.panes
    )
    headlines = fresh.headlines or last.headlines
    return replace(fresh, panes=panes, headlines=headlines)
