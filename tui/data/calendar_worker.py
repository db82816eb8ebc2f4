"""Compute one year of exchange sessions with ``exchange_calendars`` and write them as JSON.

Run as a short-lived subprocess (``python -m tui.data.calendar_worker YEAR PATH``): the library
imports pandas (0.44 s, 66 MB) and building nine calendars takes another 1.5 s, none of which
may land in the app's process. The app only ever reads the JSON this writes
(:mod:`tui.data.sessions`).

Output: ``{"version": 1, "year": Y, "markets": {MIC: [[open, close, break_start, break_end],
…]}, "errors": {MIC: "message"}}`` with epoch seconds (UTC) and ``null`` for no break. A
calendar that raises for the year is listed under ``errors`` and the others are still written.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CACHE_VERSION = 1
MICS: tuple[str, ...] = (
    "XNYS",
    "XLON",
    "XETR",
    "XPAR",
    "XTKS",
    "XKRX",
    "XHKG",
    "XSHG",
    "XASX",
)

Row = list[int | None]
Sessions = Callable[[str, int], list[Row]]


def library_sessions(mic: str, year: int) -> list[Row]:
    """The year's sessions of ``mic`` from exchange_calendars (imported here, in the worker)."""
    import exchange_calendars as xcals  # type: ignore[import-untyped]  # pandas: worker only

    calendar = xcals.get_calendar(mic, start=f"{year}-01-01", end=f"{year}-12-31")
    schedule = calendar.schedule
    rows: list[Row] = []
    for opened, closed, b_start, b_end in zip(
        schedule["open"],
        schedule["close"],
        schedule["break_start"],
        schedule["break_end"],
        strict=True,
    ):
        rows.append([_epoch(opened), _epoch(closed), _epoch(b_start), _epoch(b_end)])
    return rows


def _epoch(stamp: Any) -> int | None:
    """Epoch seconds of a pandas Timestamp; None for NaT (no break that day)."""
    if stamp is None or stamp != stamp:  # NaT compares unequal to itself
        return None
    return int(stamp.timestamp())


def compute_year(year: int, sessions: Sessions = library_sessions) -> dict[str, Any]:
    markets: dict[str, list[Row]] = {}
    errors: dict[str, str] = {}
    for mic in MICS:
        try:
            rows = sessions(mic, year)
        except Exception as exc:  # a year the library has no holidays for, a bad calendar
            errors[mic] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        if not rows:
            errors[mic] = "no sessions"
            continue
        markets[mic] = rows
    return {"version": CACHE_VERSION, "year": year, "markets": markets, "errors": errors}


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Readers never see half a file: write beside it, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or not args[0].isdigit():
        print("usage: python -m tui.data.calendar_worker YEAR PATH", file=sys.stderr)
        return 2
    try:
        data = compute_year(int(args[0]))
    except ImportError as exc:  # exchange_calendars missing: the app keeps regular hours
        print(f"calendar_worker: {exc}", file=sys.stderr)
        return 1
    write_atomically(Path(args[1]), data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
