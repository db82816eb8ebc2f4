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

import math
import sys
from array import array
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import msgpack

from tui.data.errors import ErrorKind, SourceError
from tui.data.sanitize import sanitize_optional, sanitize_text
from tui.data.snapshot import (
    Headline,
    MarketSnapshot,
    PaneSnapshot,
    Quote,
    SnapshotOrigin,
    SourceHealth,
    SourceStatus,
    StaleReason,
)

MAGIC = b"MKTMSNAP"
VERSION = 1
DEFAULT_MAX_BYTES = 32 * 1024 * 1024

# Text limits on decode, matching what the parsers keep (rss.py, yahoo.py, errors.py).
_NAME_MAX = 120
_KEY_MAX = 60  # pane, group, symbol, source and currency names
_TITLE_MAX = 300
_URL_MAX = 2048
_MESSAGE_MAX = 300

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_BIG_ENDIAN = sys.byteorder == "big"

QUOTE_COLUMNS: tuple[str, ...] = (
    "group",
    "symbol",
    "name",
    "source",
    "currency",
    "last",
    "prev_close",
    "change",
    "change_pct",
    "day_high",
    "day_low",
    "range_pos",
    "as_of",
    "stale_reason",
    "series",
    "series_time",
)
# Columns a reader fills with None when a writer did not have them.
OPTIONAL_QUOTE_COLUMNS: tuple[str, ...] = ("sigma", "sigma_daily", "range_52w_pos", "problem")
OPTIONAL_SOURCE_COLUMNS: tuple[str, ...] = ("rows", "note")
HEADLINE_COLUMNS: tuple[str, ...] = ("title", "source", "published", "url", "related")
ERROR_COLUMNS: tuple[str, ...] = ("source", "symbol", "kind", "message", "status", "retry_after")
SOURCE_COLUMNS: tuple[str, ...] = (
    "name",
    "health",
    "last_ok",
    "next_retry",
    "failures",
    "last_error",
)


class SnapshotCodecError(ValueError):
    """The bytes are not a snapshot this version can read: oversize, corrupt, foreign or newer."""


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
    ]


def encode_snapshot(snapshot: MarketSnapshot) -> bytes:
    """The snapshot as bytes that :func:`decode_snapshot` reads back to an equal snapshot."""
    body = {
        "generated_at": _time(snapshot.generated_at),
        "demo": snapshot.demo,
        "origin": snapshot.origin.value,
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

E = TypeVar("E", bound=StrEnum)


def _fail(what: str) -> SnapshotCodecError:
    return SnapshotCodecError(f"not a valid snapshot: {what}")


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"{what} is not a list")
    return value


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise _fail(f"{what} is not text")
    return sanitize_text(value, limit)


def _opt_text(value: object, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"{what} is not text")
    return sanitize_optional(value, limit)


def _number(value: object, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"{what} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise _fail(f"{what} is not finite")
    return number


def _int(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"{what} is not an integer")
    return value


def _datetime(value: object, what: str) -> datetime | None:
    micros = _int(value, what)
    if micros is None:
        return None
    try:
        return _EPOCH + micros * _US
    except OverflowError:
        raise _fail(f"{what} is out of range") from None


def _required_time(value: object, what: str) -> datetime:
    result = _datetime(value, what)
    if result is None:
        raise _fail(f"{what} is missing")
    return result


def _enum(kind: type[E], value: object, what: str) -> E:
    if not isinstance(value, str):
        raise _fail(f"{what} is not text")
    try:
        return kind(value)
    except ValueError:
        raise _fail(f"{what} has an unknown value") from None


def _packed(value: object, code: str, what: str) -> array[Any]:
    if not isinstance(value, bytes) or len(value) % 8:
        raise _fail(f"{what} is not a packed series")
    packed = array(code)
    packed.frombytes(value)
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed


def _series(value: object, what: str) -> tuple[float, ...]:
    values = _packed(value, "d", what)
    if not all(map(math.isfinite, values)):
        raise _fail(f"{what} has a value that is not finite")
    return tuple(values)


def _series_time(value: object, what: str) -> tuple[datetime, ...]:
    try:
        return tuple(_EPOCH + micros * _US for micros in _packed(value, "q", what))
    except OverflowError:
        raise _fail(f"{what} has a time out of range") from None


Row = dict[str, Any]


def _rows(body: dict[str, Any], key: str, columns_key: str, needed: Sequence[str]) -> list[Row]:
    """Rows of a table as column -> value maps; unknown columns (a newer writer's) are ignored."""
    columns = _list(body.get(columns_key), columns_key)
    missing = [c for c in needed if c not in columns]
    if missing:
        raise _fail(f"{columns_key} lacks {', '.join(missing)}")
    return [_row(columns, raw, key) for raw in _list(body.get(key), key)]


def _row(columns: list[Any], raw: object, what: str) -> Row:
    values = _list(raw, what)
    if len(values) != len(columns):
        raise _fail(f"a row of {what} has {len(values)} values for {len(columns)} columns")
    return dict(zip(columns, values, strict=True))


def _error(row: Row) -> SourceError:
    return SourceError(
        source=_text(row["source"], "error source", _KEY_MAX),
        symbol=_opt_text(row["symbol"], "error symbol", _KEY_MAX),
        kind=_enum(ErrorKind, row["kind"], "error kind"),
        message=_text(row["message"], "error message", _MESSAGE_MAX),
        status=_int(row["status"], "error status"),
        retry_after=_number(row["retry_after"], "error retry_after"),
    )


def _quote(pane: str, row: Row) -> Quote:
    reason = row["stale_reason"]
    series = _series(row["series"], "series")
    series_time = _series_time(row["series_time"], "series_time")
    if len(series) != len(series_time):
        raise _fail("series and series_time differ in length")
    return Quote(
        pane=pane,
        group=_text(row["group"], "group", _KEY_MAX),
        symbol=_text(row["symbol"], "symbol", _KEY_MAX),
        name=_text(row["name"], "name", _NAME_MAX),
        source=_opt_text(row["source"], "source", _KEY_MAX),
        currency=_opt_text(row["currency"], "currency", _KEY_MAX),
        last=_number(row["last"], "last"),
        prev_close=_number(row["prev_close"], "prev_close"),
        change=_number(row["change"], "change"),
        change_pct=_number(row["change_pct"], "change_pct"),
        day_high=_number(row["day_high"], "day_high"),
        day_low=_number(row["day_low"], "day_low"),
        range_pos=_number(row["range_pos"], "range_pos"),
        as_of=_datetime(row["as_of"], "as_of"),
        stale_reason=None if reason is None else _enum(StaleReason, reason, "stale_reason"),
        series=series,
        series_time=series_time,
        sigma=_number(row.get("sigma"), "sigma"),
        sigma_daily=_number(row.get("sigma_daily"), "sigma_daily"),
        range_52w_pos=_number(row.get("range_52w_pos"), "range_52w_pos"),
        problem=_opt_text(row.get("problem"), "problem", _KEY_MAX),
    )


def _pane(raw: object, quote_columns: list[Any]) -> PaneSnapshot:
    fields = _list(raw, "pane")
    if len(fields) != 3:
        raise _fail("a pane is not [name, groups, quotes]")
    name = _text(fields[0], "pane name", _KEY_MAX)
    groups = tuple(_text(g, "group", _KEY_MAX) for g in _list(fields[1], "groups"))
    quotes = tuple(_quote(name, _row(quote_columns, r, "quotes")) for r in _list(fields[2], "q"))
    return PaneSnapshot(name=name, groups=groups, quotes=quotes)


def _headline(row: Row) -> Headline:
    return Headline(
        title=_text(row["title"], "headline title", _TITLE_MAX),
        source=_text(row["source"], "headline source", _KEY_MAX),
        published=_datetime(row["published"], "headline published"),
        url=_text(row["url"], "headline url", _URL_MAX),
        related=tuple(_text(s, "related", _KEY_MAX) for s in _list(row["related"], "related")),
    )


def _source(row: Row, error_columns: list[Any]) -> SourceStatus:
    raw_error = row["last_error"]
    return SourceStatus(
        name=_text(row["name"], "source name", _KEY_MAX),
        health=_enum(SourceHealth, row["health"], "source health"),
        last_ok=_datetime(row["last_ok"], "last_ok"),
        next_retry=_datetime(row["next_retry"], "next_retry"),
        failures=_int(row["failures"], "failures") or 0,
        last_error=None if raw_error is None else _error(_row(error_columns, raw_error, "error")),
        rows=_int(row.get("rows"), "rows") or 0,
        note=_opt_text(row.get("note"), "source note", _MESSAGE_MAX),
    )


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
    return MarketSnapshot(
        generated_at=_required_time(body.get("generated_at"), "generated_at"),
        demo=demo,
        panes=tuple(_pane(p, quote_columns) for p in _list(body.get("panes"), "panes")),
        headlines=tuple(
            _headline(r) for r in _rows(body, "headlines", "headline_columns", HEADLINE_COLUMNS)
        ),
        errors=tuple(_error(r) for r in _rows(body, "errors", "error_columns", ERROR_COLUMNS)),
        sources=tuple(
            _source(r, error_columns)
            for r in _rows(body, "sources", "source_columns", SOURCE_COLUMNS)
        ),
        origin=_enum(SnapshotOrigin, body.get("origin"), "origin"),
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
