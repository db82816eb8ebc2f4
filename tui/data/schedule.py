"""Per-symbol scheduling: when each of a source's symbols is next due, in request-sized units.

A source used to poll all its symbols in one go, so one request dripping to its deadline held
every other symbol of that source back for the whole deadline (a 5 s refresh became ~15 s).
Now the engine polls each unit (the symbols one request serves: a Yahoo spark batch, one
gold-api metal) in a loop of its own: a unit that answered is due again one interval later, a
unit that failed backs off on its own failure count, and only a rate limit (which concerns the
whole host) holds the whole source.
"""

from __future__ import annotations

from collections.abc import Sequence


def units(symbols: Sequence[str], size: int | None) -> list[tuple[str, ...]]:
    """``symbols`` in consecutive units of ``size`` (``None``: one unit of all)."""
    if not symbols:
        return []
    if size is None or size <= 0:
        return [tuple(symbols)]
    return [tuple(symbols[i : i + size]) for i in range(0, len(symbols), size)]
