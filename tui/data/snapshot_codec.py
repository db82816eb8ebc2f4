"""A versioned, compact binary form of a whole ``MarketSnapshot`` (msgpack), read without polars.

Two readers depend on it: the last-known snapshot cache, read on the path to the first frame
(where importing polars would cost 0.1 s and 60 MB), and the Redis share, where the bytes come
from another process. Both treat the input as untrusted: a file another program wrote, a key
another client set. So decoding caps the size, checks a magic prefix and the version before
parsing, validates the shape of every record, passes every text field through the sanitiser,
accepts only finite numbers (or nil), and returns only UTC datetimes.

Layout: ``MAGIC`` (8 bytes), one version byte, then one msgpack map. Tables (quotes, headlines,
errors, sources) are stored as a list of column names plus rows of values, so a later version
can add a column and an older reader that does not know it ignores it; a column that a reader
requires and does not find is an error (the σ columns are optional: absent means None).
Series are packed as little-endian float64 and int64 (microseconds since the epoch) byte
strings: a 390-bar day is 6 KB instead of 390 msgpack floats and 390 timestamps.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgpack

from tui.data.codec_board import decode_board, encode_board, encode_day, encode_leg
from tui.data.codec_checks import BIG_ENDIAN as _BIG_ENDIAN
from tui.data.codec_checks import EPOCH as _EPOCH
from tui.data.codec_checks import US as _US
from tui.data.codec_checks import SnapshotCodecError
from tui.data.codec_checks import as_list as _list
from tui.data.codec_checks import enum_value as _enum
from tui.data.codec_checks import fail as _fail
from tui.data.codec_checks import number as _number
from tui.data.codec_checks import required_time as _required_time
from tui.data.codec_records import (
    ERROR_COLUMNS,
    HEADLINE_COLUMNS,
    OPTIONAL_QUOTE_COLUMNS,
    OPTIONAL_SOURCE_COLUMNS,
    QUOTE_COLUMNS,
    SOURCE_COLUMNS,
    decode_error,
    decode_headline,
    decode_pane,
    decode_source,
    table_rows,
)
from tui.data.errors import SourceError
from tui.data.snapshot import MarketSnapshot, Quote, SnapshotOrigin

__all__ = ["SnapshotCodecError", "decode_snapshot", "encode_snapshot"]

MAGIC = b"MKTMSNAP"
VERSION = 1
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


# --------------------------------------------------------------------------------- encoding


def _time(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:  # the data layer works in UTC; a naive time is UTC
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _US


def _floats(values: Sequence[float]) -> bytes:
    packed = array("d", values)
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def _times(values: Sequence[datetime]) -> bytes:
    packed = array("q", [(_time(v) or 0) for v in values])
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def _error_row(e: SourceError) -> list[Any]:
    return [e.source, e.symbol, e.kind.value, e.message, e.status, e.retry_after]


def _quote_row(q: Quote) -> list[Any]:
    return [
        q.group,
        q.symbol,
        q.name,
        q.source,
        q.currency,
        q.last,
        q.prev_close,
        q.change,
        q.change_pct,
        q.day_high,
        q.day_low,
        q.range_pos,
        _time(q.as_of),
        q.stale_reason.value if q.stale_reason is not None else None,
        _floats(q.series),
        _times(q.series_time),
        q.sigma,
        q.sigma_daily,
        q.range_52w_pos,
        q.problem,
        q.decimals,
        q.session.value if q.session is not None else None,
        encode_day(q.session_date),
        encode_leg(q.futures),
        list(q.marks),
    ]


def encode_snapshot(snapshot: MarketSnapshot) -> bytes:
    """The snapshot as bytes that :func:`decode_snapshot` reads back to an equal snapshot."""
    body = {
        "generated_at": _time(snapshot.generated_at),
        "demo": snapshot.demo,
        "origin": snapshot.origin.value,
        "clock_offset": snapshot.clock_offset,
        **encode_board(snapshot.markets, snapshot.macro),
        "quote_columns": [*QUOTE_COLUMNS, *OPTIONAL_QUOTE_COLUMNS],
        "headline_columns": list(HEADLINE_COLUMNS),
        "error_columns": list(ERROR_COLUMNS),
        "source_columns": [*SOURCE_COLUMNS, *OPTIONAL_SOURCE_COLUMNS],
        "panes": [
            [p.name, list(p.groups), [_quote_row(q) for q in p.quotes]] for p in snapshot.panes
        ],
        "headlines": [
            [h.title, h.source, _time(h.published), h.url, list(h.related)]
            for h in snapshot.headlines
        ],
        "errors": [_error_row(e) for e in snapshot.errors],
        "sources": [
            [
                s.name,
                s.health.value,
                _time(s.last_ok),
                _time(s.next_retry),
                s.failures,
                _error_row(s.last_error) if s.last_error is not None else None,
                s.rows,
                s.note,
            ]
            for s in snapshot.sources
        ],
    }
    packed: bytes = msgpack.packb(body, use_bin_type=True)
    return MAGIC + bytes([VERSION]) + packed


# --------------------------------------------------------------------------------- decoding


def _body(data: bytes, max_bytes: int) -> dict[str, Any]:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise SnapshotCodecError("not a valid snapshot: not bytes")
    if len(data) > max_bytes:
        raise SnapshotCodecError(f"snapshot too large: {len(data)} bytes > {max_bytes}")
    header = bytes(data[: len(MAGIC) + 1])
    if len(header) < len(MAGIC) + 1 or header[: len(MAGIC)] != MAGIC:
        raise SnapshotCodecError("not a marketmon snapshot")
    version = header[-1]
    if version != VERSION:
        raise SnapshotCodecError(
            f"snapshot version {version} is not supported (this reads {VERSION})"
        )
    try:
        body = msgpack.unpackb(
            data[len(MAGIC) + 1 :], raw=False, use_list=True, strict_map_key=True, timestamp=0
        )
    except Exception as exc:  # msgpack raises several types for corrupt or truncated input
        raise SnapshotCodecError(f"corrupt or truncated snapshot: {type(exc).__name__}") from None
    if not isinstance(body, dict):
        raise _fail("the body is not a map")
    return body


def _decode(body: dict[str, Any]) -> MarketSnapshot:
    quote_columns = _list(body.get("quote_columns"), "quote_columns")
    missing = [c for c in QUOTE_COLUMNS if c not in quote_columns]
    if missing:
        raise _fail(f"quote_columns lacks {', '.join(missing)}")
    error_columns = _list(body.get("error_columns"), "error_columns")
    if any(c not in error_columns for c in ERROR_COLUMNS):
        raise _fail("error_columns is incomplete")
    demo = body.get("demo")
    if not isinstance(demo, bool):
        raise _fail("demo is not a boolean")
    markets, macro = decode_board(body)
    return MarketSnapshot(
        generated_at=_required_time(body.get("generated_at"), "generated_at"),
        demo=demo,
        panes=tuple(decode_pane(p, quote_columns) for p in _list(body.get("panes"), "panes")),
        headlines=tuple(
            decode_headline(r)
            for r in table_rows(body, "headlines", "headline_columns", HEADLINE_COLUMNS)
        ),
        errors=tuple(
            decode_error(r) for r in table_rows(body, "errors", "error_columns", ERROR_COLUMNS)
        ),
        sources=tuple(
            decode_source(r, error_columns)
            for r in table_rows(body, "sources", "source_columns", SOURCE_COLUMNS)
        ),
        origin=_enum(SnapshotOrigin, body.get("origin"), "origin"),
        markets=markets,
        macro=macro,
        clock_offset=_number(body.get("clock_offset", 0.0), "clock_offset") or 0.0,
    )


def decode_snapshot(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> MarketSnapshot:
    """Read bytes from :func:`encode_snapshot`, from a file or a peer we do not trust.

    Raises :class:`SnapshotCodecError` for anything else: more than ``max_bytes``, another
    format, another version, truncated or corrupt bytes, or a record of the wrong shape.
    """
    body = _body(data, max_bytes)
    try:
        return _decode(body)
    except SnapshotCodecError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        raise _fail(type(exc).__name__) from None
