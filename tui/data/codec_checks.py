"""Checks for values read from an untrusted snapshot (tui/data/snapshot_codec.py).

Each returns the value in the type the snapshot holds, or raises ``SnapshotCodecError``: text
goes through the sanitiser, numbers must be finite, times are microseconds since the epoch and
come back as UTC datetimes.
"""

from __future__ import annotations

import math
import sys
from array import array
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from tui.data.sanitize import sanitize_optional, sanitize_text

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
BIG_ENDIAN = sys.byteorder == "big"


class SnapshotCodecError(ValueError):
    """The bytes are not a snapshot this version can read: oversize, corrupt, foreign or newer."""


E = TypeVar("E", bound=StrEnum)


def fail(what: str) -> SnapshotCodecError:
    return SnapshotCodecError(f"not a valid snapshot: {what}")


def as_list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise fail(f"{what} is not a list")
    return value


def text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise fail(f"{what} is not text")
    return sanitize_text(value, limit)


def opt_text(value: object, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(f"{what} is not text")
    return sanitize_optional(value, limit)


def number(value: object, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"{what} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise fail(f"{what} is not finite")
    return number


def integer(value: object, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(f"{what} is not an integer")
    return value


def timestamp(value: object, what: str) -> datetime | None:
    micros = integer(value, what)
    if micros is None:
        return None
    try:
        return EPOCH + micros * US
    except OverflowError:
        raise fail(f"{what} is out of range") from None


def required_time(value: object, what: str) -> datetime:
    result = timestamp(value, what)
    if result is None:
        raise fail(f"{what} is missing")
    return result


def enum_value(kind: type[E], value: object, what: str) -> E:
    if not isinstance(value, str):
        raise fail(f"{what} is not text")
    try:
        return kind(value)
    except ValueError:
        raise fail(f"{what} has an unknown value") from None


def packed(value: object, code: str, what: str) -> array[Any]:
    if not isinstance(value, bytes) or len(value) % 8:
        raise fail(f"{what} is not a packed series")
    packed = array(code)
    packed.frombytes(value)
    if BIG_ENDIAN:
        packed.byteswap()
    return packed


def series(value: object, what: str) -> tuple[float, ...]:
    values = packed(value, "d", what)
    if not all(map(math.isfinite, values)):
        raise fail(f"{what} has a value that is not finite")
    return tuple(values)


def series_time(value: object, what: str) -> tuple[datetime, ...]:
    try:
        return tuple(EPOCH + micros * US for micros in packed(value, "q", what))
    except OverflowError:
        raise fail(f"{what} has a time out of range") from None
