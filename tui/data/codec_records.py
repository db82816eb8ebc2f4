"""The tables of a snapshot's binary form (tui/data/snapshot_codec.py): their columns, and the
decoding of their rows from untrusted bytes into the data layer's records.

Kept apart from the codec's framing (magic, version, msgpack, size cap) so each module stays a
readable size. Every text field passes through the sanitiser with the parsers' limits, every
number must be finite (or nil), every time is UTC; a row of the wrong shape is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tui.data.codec_board import decode_day, decode_leg
from tui.data.codec_checks import as_list as _list
from tui.data.codec_checks import enum_value as _enum
from tui.data.codec_checks import fail as _fail
from tui.data.codec_checks import integer as _int
from tui.data.codec_checks import number as _number
from tui.data.codec_checks import opt_text as _opt_text
from tui.data.codec_checks import series as _series
from tui.data.codec_checks import series_time as _series_time
from tui.data.codec_checks import text as _text
from tui.data.codec_checks import timestamp as _datetime
from tui.data.errors import ErrorKind, SourceError
from tui.data.snapshot import (
    Headline,
    PaneSnapshot,
    Quote,
    Session,
    SourceHealth,
    SourceStatus,
    StaleReason,
)

# Text limits on decode, matching what the parsers keep (rss.py, yahoo.py, errors.py).
_NAME_MAX = 120
_KEY_MAX = 60  # pane, group, symbol, source and currency names
_TITLE_MAX = 300
_URL_MAX = 2048
_MESSAGE_MAX = 300


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
OPTIONAL_QUOTE_COLUMNS: tuple[str, ...] = (
    "sigma",
    "sigma_daily",
    "range_52w_pos",
    "problem",
    "decimals",
    "session",
    "session_date",
    "futures",
    "marks",
)
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


Row = dict[str, Any]


def table_rows(
    body: dict[str, Any], key: str, columns_key: str, needed: Sequence[str]
) -> list[Row]:
    """Rows of a table as column -> value maps; unknown columns (a newer writer's) are ignored."""
    columns = _list(body.get(columns_key), columns_key)
    missing = [c for c in needed if c not in columns]
    if missing:
        raise _fail(f"{columns_key} lacks {', '.join(missing)}")
    return [table_row(columns, raw, key) for raw in _list(body.get(key), key)]


def table_row(columns: list[Any], raw: object, what: str) -> Row:
    values = _list(raw, what)
    if len(values) != len(columns):
        raise _fail(f"a row of {what} has {len(values)} values for {len(columns)} columns")
    return dict(zip(columns, values, strict=True))


def decode_error(row: Row) -> SourceError:
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
    session = row.get("session")
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
        decimals=_int(row.get("decimals"), "decimals"),
        session=None if session is None else _enum(Session, session, "session"),
        session_date=decode_day(row.get("session_date"), "session_date"),
        futures=decode_leg(row.get("futures")),
        marks=tuple(_text(m, "mark", _KEY_MAX) for m in _list(row.get("marks", []), "marks")),
    )


def decode_pane(raw: object, quote_columns: list[Any]) -> PaneSnapshot:
    fields = _list(raw, "pane")
    if len(fields) != 3:
        raise _fail("a pane is not [name, groups, quotes]")
    name = _text(fields[0], "pane name", _KEY_MAX)
    groups = tuple(_text(g, "group", _KEY_MAX) for g in _list(fields[1], "groups"))
    quotes = tuple(
        _quote(name, table_row(quote_columns, r, "quotes")) for r in _list(fields[2], "q")
    )
    return PaneSnapshot(name=name, groups=groups, quotes=quotes)


def decode_headline(row: Row) -> Headline:
    return Headline(
        title=_text(row["title"], "headline title", _TITLE_MAX),
        source=_text(row["source"], "headline source", _KEY_MAX),
        published=_datetime(row["published"], "headline published"),
        url=_text(row["url"], "headline url", _URL_MAX),
        related=tuple(_text(s, "related", _KEY_MAX) for s in _list(row["related"], "related")),
    )


def decode_source(row: Row, error_columns: list[Any]) -> SourceStatus:
    raw_error = row["last_error"]
    return SourceStatus(
        name=_text(row["name"], "source name", _KEY_MAX),
        health=_enum(SourceHealth, row["health"], "source health"),
        last_ok=_datetime(row["last_ok"], "last_ok"),
        next_retry=_datetime(row["next_retry"], "next_retry"),
        failures=_int(row["failures"], "failures") or 0,
        last_error=None
        if raw_error is None
        else decode_error(table_row(error_columns, raw_error, "error")),
        rows=_int(row.get("rows"), "rows") or 0,
        note=_opt_text(row.get("note"), "source note", _MESSAGE_MAX),
    )
