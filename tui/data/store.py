"""The last good quote per (source, symbol), and which of them are currently failing.

Values are never blanked: a failure only flags the pair, so the last good price stays on screen
(marked stale) until a source delivers a fresh one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

import polars as pl

from tui.data.errors import ErrorKind, SourceError
from tui.data.plausibility import check
from tui.data.providers.base import ProviderResult
from tui.data.schema import QUOTE_SCHEMA, concat_quotes


class QuoteStore:
    def __init__(self) -> None:
        self._rows: dict[str, pl.DataFrame] = {}
        self._failing: dict[tuple[str, str], SourceError] = {}
        self._source_errors: dict[str, SourceError] = {}
        self._jumps: dict[str, dict[str, datetime]] = {}  # source -> symbol -> when it jumped

    def is_failing(self, source: str, symbol: str) -> bool:
        return (source, symbol) in self._failing

    def is_unlisted(self, source: str, symbol: str) -> bool:
        """The source said it does not list the symbol: no point asking it again."""
        error = self._failing.get((source, symbol))
        return error is not None and error.kind is ErrorKind.UNSUPPORTED

    def record(
        self,
        source: str,
        requested: Iterable[str],
        result: ProviderResult,
        now: datetime | None = None,
    ) -> None:
        """Keep the plausible rows of an answer; refused and missing symbols become failing."""
        requested = set(requested)
        old = self._rows.get(source)
        last_good: dict[str, float] = (
            dict(zip(old.get_column("symbol"), old.get_column("last"), strict=True))
            if old is not None
            else {}
        )
        checked = check(
            source,
            result.frame.filter(pl.col("symbol").is_in(list(requested))),
            last_good,
            self._jumps.get(source, {}),
            now or datetime.now(UTC),
        )
        others = {s: t for s, t in self._jumps.get(source, {}).items() if s not in requested}
        self._jumps[source] = {**others, **checked.jumps}
        frame = checked.frame
        got = set(frame.get_column("symbol").to_list())
        if frame.height:
            kept = old.filter(~pl.col("symbol").is_in(list(got))) if old is not None else None
            self._rows[source] = concat_quotes([f for f in (kept, frame) if f is not None])
        for symbol in got:
            self._failing.pop((source, symbol), None)
        errors = {e.symbol: e for e in (*result.errors, *checked.errors) if e.symbol in requested}
        for symbol in requested - got:
            self._failing[(source, symbol)] = errors.get(symbol) or SourceError(
                source, symbol, ErrorKind.NO_DATA, "missing from the response"
            )
        self._source_errors.pop(source, None)

    def fail_all(self, source: str, requested: Iterable[str], error: SourceError) -> None:
        # Each symbol keeps the error under its own name: with per-unit polling, another unit's
        # answer clears the source-wide entry, and the row must still say why it has no price.
        for symbol in requested:
            self._failing[(source, symbol)] = replace(error, symbol=symbol)
        self._source_errors[source] = error

    def failure(self, source: str, symbol: str) -> SourceError | None:
        """Why ``source`` currently fails for ``symbol`` (None when it does not)."""
        return self._failing.get((source, symbol))

    def candidates(self) -> pl.DataFrame:
        """Every last good row, with ``failing`` set where its source is failing for it."""
        frames = [f for f in self._rows.values() if f.height]
        quotes = concat_quotes(frames)
        if quotes.is_empty():
            return quotes.with_columns(failing=pl.lit(False))
        failing = pl.DataFrame(
            {
                "source": [k[0] for k in self._failing],
                "symbol": [k[1] for k in self._failing],
                "failing": [True] * len(self._failing),
            },
            schema={"source": pl.String(), "symbol": pl.String(), "failing": pl.Boolean()},
        )
        return (
            quotes.join(failing, on=["source", "symbol"], how="left")
            .with_columns(pl.col("failing").fill_null(False))
            .select([*QUOTE_SCHEMA, "failing"])
        )

    def errors(self, symbols: Iterable[tuple[str, str]] | None = None) -> tuple[SourceError, ...]:
        """Current errors: one per source-wide failure, else one per failing (source, symbol)."""
        out: list[SourceError] = list(self._source_errors.values())
        wide = set(self._source_errors)
        wanted = set(symbols) if symbols is not None else None
        for key, error in self._failing.items():
            if key[0] in wide:
                continue
            if wanted is None or key in wanted:
                out.append(error)
        return tuple(out)
