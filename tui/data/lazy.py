"""Read-only views of polars list cells, converted to Python only when somebody reads them.

A snapshot of 10,000 instruments with 390 bars each would otherwise build millions of Python
floats and datetimes per refresh, although the screen only ever reads a few rows' series.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

import polars as pl

T = TypeVar("T")


class ListCell(Sequence[T], Generic[T]):
    """Row ``row`` of the list column ``column``."""

    __slots__ = ("_column", "_items", "_row")

    def __init__(self, column: pl.Series, row: int) -> None:
        self._column = column
        self._row = row
        self._items: tuple[T, ...] | None = None

    def _load(self) -> tuple[T, ...]:
        if self._items is None:
            value = self._column[self._row]
            self._items = tuple(value.to_list()) if value is not None else ()
        return self._items

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[T]:
        return iter(self._load())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ListCell):
            return self._load() == other._load()
        if isinstance(other, Sequence):
            return self._load() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._load())

    def __repr__(self) -> str:
        return f"ListCell({list(self._load())!r})"


def list_cells(column: pl.Series) -> list[ListCell[Any]]:
    return [ListCell(column, row) for row in range(column.len())]
