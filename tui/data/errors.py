"""Typed failures, so the engine can decide how to back off and the UI can say what went wrong.

Every message is sanitised when the error is built: error bodies come from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tui.data.sanitize import sanitize_text


class ErrorKind(StrEnum):
    """What went wrong, coarse enough to drive backoff and the status line."""

    RATE_LIMITED = "rate_limited"  # 429, or 418 after ignoring a 429 (Binance)
    BLOCKED = "blocked"  # 451: not available from this location
    HTTP = "http"  # any other non-2xx
    NETWORK = "network"  # DNS, refused, reset
    TIMEOUT = "timeout"  # the overall deadline passed
    TOO_LARGE = "too_large"  # the response exceeded the size cap
    PARSE = "parse"  # not the JSON/XML shape we expect
    NO_DATA = "no_data"  # the source answered but has no price for the symbol
    UNSUPPORTED = "unsupported"  # the source does not list this symbol
    WRONG_SYMBOL = "wrong_symbol"  # the answer is for another instrument than the one asked
    BAD_DATA = "bad_data"  # an impossible value (a price <= 0 where none can be)
    REQUEST = "request"  # the request could not be sent as built (URL too long, invalid URL)

    @property
    def is_offline(self) -> bool:
        return self in (ErrorKind.NETWORK, ErrorKind.TIMEOUT)

    @property
    def row_reason(self) -> str:
        """The word a quote row shows in place of its time (at most 9 cells)."""
        return ROW_REASONS[self]


ROW_REASONS: dict[ErrorKind, str] = {
    ErrorKind.RATE_LIMITED: "rate-ltd",
    ErrorKind.BLOCKED: "offline",  # not served to this location: unreachable, in effect
    ErrorKind.HTTP: "offline",  # 5xx: the source is down
    ErrorKind.NETWORK: "offline",
    ErrorKind.TIMEOUT: "timeout",
    ErrorKind.TOO_LARGE: "bad data",
    ErrorKind.PARSE: "bad data",
    ErrorKind.NO_DATA: "not found",
    ErrorKind.UNSUPPORTED: "not found",
    ErrorKind.WRONG_SYMBOL: "wrong sym",  # the answer was for another instrument
    ErrorKind.BAD_DATA: "bad data",  # an impossible value (tui/data/plausibility.py)
    ErrorKind.REQUEST: "bad data",  # the request could not be built (URL too long)
}


class FetchError(Exception):
    """A failed fetch, for one symbol or for a whole source (``symbol`` is ``None``)."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        source: str = "",
        symbol: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.kind = kind
        self.message = sanitize_text(message, 300)
        self.source = source
        self.symbol = symbol
        self.status = status
        self.retry_after = retry_after
        super().__init__(self.message)

    def to_error(self, source: str | None = None, symbol: str | None = None) -> SourceError:
        return SourceError(
            source=source or self.source,
            symbol=symbol if symbol is not None else self.symbol,
            kind=self.kind,
            message=self.message,
            status=self.status,
            retry_after=self.retry_after,
        )


@dataclass(frozen=True, slots=True)
class SourceError:
    """An error as it appears in a snapshot: immutable and already sanitised."""

    source: str
    symbol: str | None
    kind: ErrorKind
    message: str
    status: int | None = None
    retry_after: float | None = None
