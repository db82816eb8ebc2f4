"""Scriptable in-memory providers for engine tests (no HTTP at all)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from tui.data.clock import Clock
from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.providers.base import ProviderResult, QuoteProvider
from tui.data.schema import QuoteRow, quotes_frame

Behaviour = Callable[[str, int], float | FetchError | None]


class ScriptedProvider(QuoteProvider):
    """Answers per symbol from ``behaviour(symbol, call_number)``.

    A float is a price, a FetchError with ``symbol`` set fails that symbol, a FetchError
    without one fails the whole request, ``None`` leaves the symbol out of the answer.
    """

    def __init__(
        self, name: str, clock: Clock, behaviour: Behaviour, prev_close: float | None = 100.0
    ) -> None:
        self.name = name  # type: ignore[misc]
        self.clock = clock
        self.behaviour = behaviour
        self.prev_close = prev_close
        self.calls: list[tuple[float, tuple[str, ...]]] = []

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        call = len(self.calls)
        self.calls.append((self.clock.monotonic(), tuple(symbols)))
        rows: list[QuoteRow] = []
        errors: list[SourceError] = []
        now: datetime = self.clock.now()
        for symbol in symbols:
            outcome = self.behaviour(symbol, call)
            if isinstance(outcome, FetchError):
                if outcome.symbol is None:
                    raise outcome
                errors.append(outcome.to_error(self.name, symbol))
            elif outcome is not None:
                rows.append(
                    QuoteRow(
                        symbol=symbol,
                        source=self.name,
                        last=outcome,
                        as_of=now,
                        prev_close=self.prev_close,
                        currency="USD",
                    )
                )
        return ProviderResult(quotes_frame(rows), tuple(errors))


def rate_limited(retry_after: float | None = None) -> FetchError:
    return FetchError(
        ErrorKind.RATE_LIMITED, "HTTP 429: slow down", status=429, retry_after=retry_after
    )


def no_data(symbol: str) -> FetchError:
    return FetchError(ErrorKind.NO_DATA, "HTTP 404: not found", symbol=symbol, status=404)
