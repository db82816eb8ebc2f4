"""FRED's keyless graph CSV: ``GET /graph/fredgraph.csv?id=ICSA``, one series per request.

Requests go through the shared ``Fetcher`` (deadline, size cap, per-host governor). The last
good observations of each series are kept, so a failed or malformed answer leaves the strip
showing the previous value, marked stale, with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.macro import MacroResult, Observation, macro_value, parse_fred_csv, title_of
from tui.data.snapshot import MacroValue

if TYPE_CHECKING:
    from tui.data.http import Fetcher

KEEP = 2  # the latest observation and the one before it are all the strip needs


class FredMacro:
    name: ClassVar[str] = "fred"
    default_base_url: ClassVar[str] = "https://fred.stlouisfed.org"

    def __init__(self, fetcher: Fetcher, base_url: str | None, series: Sequence[str]) -> None:
        self.fetcher = fetcher
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.series = tuple(series)
        self._last: dict[str, list[Observation]] = {}

    async def fetch(self, now: datetime) -> MacroResult:
        outcomes = await asyncio.gather(
            *(self._one(s) for s in self.series), return_exceptions=True
        )
        values: list[MacroValue] = []
        errors: list[SourceError] = []
        for series, outcome in zip(self.series, outcomes, strict=True):
            if isinstance(outcome, asyncio.CancelledError):
                raise outcome
            if isinstance(outcome, BaseException):
                exc = (
                    outcome
                    if isinstance(outcome, FetchError)
                    else FetchError(ErrorKind.PARSE, f"{type(outcome).__name__}: {outcome}")
                )
                errors.append(exc.to_error(self.name, series))
                last = self._last.get(series)
                if last:
                    values.append(macro_value(series, last, now, self.name, exc.message))
                else:
                    values.append(_missing(series, self.name, exc.message))
                continue
            self._last[series] = outcome[-KEEP:]
            values.append(macro_value(series, outcome, now, self.name))
        return MacroResult(tuple(values), tuple(errors))

    async def _one(self, series: str) -> list[Observation]:
        from tui.data.http import status_error

        resp = await self.fetcher.get(f"{self.base_url}/graph/fredgraph.csv", params={"id": series})
        if resp.status != 200:
            raise status_error(resp)
        return parse_fred_csv(resp.body, series)


def _missing(series: str, source: str, error: str) -> MacroValue:
    return MacroValue(series, title_of(series), None, None, None, True, source, error)
