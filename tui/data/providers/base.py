"""What every quote provider implements.

A provider fetches quotes for the symbols it is asked for and returns a ``QUOTE_SCHEMA`` frame
plus one typed error per symbol it could not price. A failure that concerns the whole source
(DNS, a 429 for everyone) is raised as :class:`~tui.data.errors.FetchError` instead, so the
engine backs the whole source off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.schema import QuoteRow, quotes_frame

if TYPE_CHECKING:
    from tui.data.http import Fetcher  # httpx loads only when a live provider is built

Point = tuple[datetime, float]


class SeriesCache:
    """Intraday series by symbol, kept until the price time enters a new bar.

    Exchanges' candles only change once a bar (5 minutes), so asking for them on every poll
    triples the requests for nothing; the quote's own (time, price) is appended instead, so
    the sparkline still ends at the live price.
    """

    def __init__(self, bar_seconds: int) -> None:
        self.bar_seconds = bar_seconds
        self._items: dict[str, tuple[int, list[Point]]] = {}

    def _bar(self, when: datetime) -> int:
        return int(when.timestamp()) // self.bar_seconds

    def has(self, symbol: str) -> bool:
        return symbol in self._items

    def get(self, symbol: str, as_of: datetime) -> list[Point] | None:
        """The cached series while ``as_of`` is still in the bar it was fetched in."""
        entry = self._items.get(symbol)
        if entry is None or entry[0] != self._bar(as_of):
            return None
        return entry[1]

    def put(self, symbol: str, as_of: datetime, points: list[Point]) -> None:
        if points:
            self._items[symbol] = (self._bar(as_of), points)

    @staticmethod
    def with_live(points: list[Point], as_of: datetime, last: float) -> list[Point]:
        """``points`` ending at the live price (appended when newer than the last bar)."""
        if points and points[-1][0] < as_of:
            return [*points, (as_of, last)]
        return points


@dataclass(frozen=True, slots=True)
class ProviderResult:
    frame: pl.DataFrame
    errors: tuple[SourceError, ...] = ()


class QuoteProvider:
    """Base class: subclasses set ``name``/``default_base_url`` and implement ``fetch``."""

    name: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    # How old a price from this source may be before it is marked stale (seconds).
    default_max_age: ClassVar[float] = 300.0
    # Symbols one request serves, for the engine's scheduling: each such unit polls on its own,
    # so a slow or failing request delays only its own symbols. None: one request for all.
    batch_size: ClassVar[int | None] = None

    def __init__(self, fetcher: Fetcher, base_url: str | None = None) -> None:
        self.fetcher = fetcher
        self.base_url = (base_url or self.default_base_url).rstrip("/")

    def supports(self, symbol: str) -> bool:
        """Whether this source can price ``symbol`` at all (others are passed down the chain)."""
        return True

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        raise NotImplementedError


@dataclass
class PerSymbol:
    """Collects per-symbol outcomes and escalates when every symbol failed the same way."""

    source: str
    rows: list[QuoteRow] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    _raised: list[FetchError] = field(default_factory=list)

    def fail(self, symbol: str, exc: FetchError) -> None:
        self._raised.append(exc)
        self.errors.append(exc.to_error(self.source, symbol))

    def result(self) -> ProviderResult:
        """Raise a source-wide error when nothing succeeded because the source itself failed."""
        source_wide = {
            ErrorKind.RATE_LIMITED,
            ErrorKind.BLOCKED,
            ErrorKind.NETWORK,
            ErrorKind.TIMEOUT,
            ErrorKind.HTTP,
        }
        # Symbols the source does not list say nothing about the source's health.
        about_source = [
            e for e in self._raised if e.kind not in (ErrorKind.UNSUPPORTED, ErrorKind.NO_DATA)
        ]
        if not self.rows and about_source and all(e.kind in source_wide for e in about_source):
            worst = max(about_source, key=lambda e: e.retry_after or 0.0)
            raise FetchError(
                worst.kind,
                worst.message,
                source=self.source,
                status=worst.status,
                retry_after=worst.retry_after,
            )
        return ProviderResult(quotes_frame(self.rows), tuple(self.errors))


async def gather_per_symbol(
    source: str,
    symbols: Sequence[str],
    fetch_one: Callable[[str], Awaitable[QuoteRow]],
) -> ProviderResult:
    """Run ``fetch_one`` for each symbol concurrently (the fetcher bounds per-host concurrency)."""
    outcome = PerSymbol(source)
    results = await asyncio.gather(*(fetch_one(s) for s in symbols), return_exceptions=True)
    for symbol, result in zip(symbols, results, strict=True):
        if isinstance(result, FetchError):
            outcome.fail(symbol, result)
        elif isinstance(result, BaseException):
            if isinstance(result, asyncio.CancelledError):
                raise result
            outcome.fail(symbol, FetchError(ErrorKind.PARSE, f"{type(result).__name__}: {result}"))
        else:
            outcome.rows.append(result)
    return outcome.result()
