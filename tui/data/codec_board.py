"""The cross-asset board's parts of a serialised snapshot: futures legs, markets, macro values.

Kept beside ``snapshot_codec`` so that a cached start, a recording's reader and a Redis viewer
show the same board as the process that computed it: a closed cash index with its future's move,
the header's market states and the macro strip. Everything read here is untrusted and goes
through the same checks (``codec_checks``); a writer without these parts (an older cache) reads
as an empty board, never as an error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tui.data.codec_checks import (
    EPOCH,
    US,
    as_list,
    enum_value,
    fail,
    integer,
    number,
    opt_text,
    text,
    timestamp,
)
from tui.data.snapshot import FuturesLeg, MacroValue, MarketState, Session, StaleReason

_KEY_MAX = 60
_NAME_MAX = 120
_MESSAGE_MAX = 300


def _time(value: datetime | None) -> int | None:
    return None if value is None else (value - EPOCH) // US


def encode_day(value: date | None) -> int | None:
    return None if value is None else value.toordinal()


def decode_day(value: object, what: str) -> date | None:
    ordinal = integer(value, what)
    if ordinal is None:
        return None
    if not 1 <= ordinal <= date.max.toordinal():
        raise fail(f"{what} is out of range")
    return date.fromordinal(ordinal)


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise fail(f"{what} is not a boolean")
    return value


# --- futures legs (a quote's optional "futures" column) ---------------------------------------


def encode_leg(leg: FuturesLeg | None) -> list[Any] | None:
    if leg is None:
        return None
    reason = leg.stale_reason.value if leg.stale_reason is not None else None
    return [leg.symbol, leg.name, leg.last, leg.change, leg.change_pct, _time(leg.as_of), reason,
            leg.decimals]  # fmt: skip


def decode_leg(raw: object) -> FuturesLeg | None:
    if raw is None:
        return None
    values = as_list(raw, "futures")
    if len(values) != 8:
        raise fail("a futures leg is not 8 values")
    reason = values[6]
    return FuturesLeg(
        symbol=text(values[0], "futures symbol", _KEY_MAX),
        name=text(values[1], "futures name", _NAME_MAX),
        last=number(values[2], "futures last"),
        change=number(values[3], "futures change"),
        change_pct=number(values[4], "futures change_pct"),
        as_of=timestamp(values[5], "futures as_of"),
        stale_reason=None if reason is None else enum_value(StaleReason, reason, "futures stale"),
        decimals=integer(values[7], "futures decimals"),
    )


# --- the snapshot's markets and macro values ---------------------------------------------------


def encode_board(markets: tuple[MarketState, ...], macro: tuple[MacroValue, ...]) -> dict[str, Any]:
    return {
        "markets": [
            [
                m.code,
                m.name,
                m.state.value,
                _time(m.next_open),
                _time(m.next_close),
                m.verified,
                _time(m.next_change),
            ]
            for m in markets
        ],
        "macro": [
            [
                v.series,
                v.title,
                v.value,
                v.previous,
                encode_day(v.date),
                v.stale,
                v.source,
                v.error,
                _time(v.next_release),
                v.scale,
            ]
            for v in macro
        ],
    }


def _market(raw: object) -> MarketState:
    values = as_list(raw, "market")
    if len(values) != 7:
        raise fail("a market is not 7 values")
    return MarketState(
        code=text(values[0], "market code", _KEY_MAX),
        name=text(values[1], "market name", _NAME_MAX),
        state=enum_value(Session, values[2], "market state"),
        next_open=timestamp(values[3], "next_open"),
        next_close=timestamp(values[4], "next_close"),
        verified=_flag(values[5], "market verified"),
        next_change=timestamp(values[6], "next_change"),
    )


def _macro(raw: object) -> MacroValue:
    values = as_list(raw, "macro")
    if len(values) != 10:
        raise fail("a macro value is not 10 values")
    scale = number(values[9], "macro scale")
    return MacroValue(
        series=text(values[0], "macro series", _KEY_MAX),
        title=text(values[1], "macro title", _NAME_MAX),
        value=number(values[2], "macro value"),
        previous=number(values[3], "macro previous"),
        date=decode_day(values[4], "macro date"),
        stale=_flag(values[5], "macro stale"),
        source=text(values[6], "macro source", _KEY_MAX),
        error=opt_text(values[7], "macro error", _MESSAGE_MAX),
        next_release=timestamp(values[8], "macro next_release"),
        scale=1.0 if scale is None else scale,
    )


def decode_board(body: dict[str, Any]) -> tuple[tuple[MarketState, ...], tuple[MacroValue, ...]]:
    """The markets and macro values of ``body``; a body without them has none."""
    markets = tuple(_market(m) for m in as_list(body.get("markets", []), "markets"))
    macro = tuple(_macro(v) for v in as_list(body.get("macro", []), "macro"))
    return markets, macro
