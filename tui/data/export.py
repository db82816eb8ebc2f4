"""Plain-data views of a snapshot for ``marketmon snapshot --format json|csv``.

The JSON shape is a contract with scripts that consume it: keys are only ever added (``sigma``,
``sigma_window``, the top-level ``alerts``), never renamed or removed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tui.data.snapshot import MarketSnapshot, Quote

# tui.data.sigma.SIGMA_WINDOW (tests/test_export.py checks they agree). Not imported from there:
# sigma.py loads polars, and this module is on the path to the first frame (config -> alerts).
SIGMA_WINDOW = 60

QUOTE_FIELDS: tuple[str, ...] = (
    "pane",
    "group",
    "symbol",
    "name",
    "source",
    "currency",
    "last",
    "prev_close",
    "change",
    "change_pct",
    "day_high",
    "day_low",
    "as_of",
    "stale",
    "stale_reason",  # market_closed / old / source_failing, empty when fresh
    "sigma",
    "sigma_window",
    "marks",  # plausibility marks: jump, negative, future (tui/data/plausibility.py)
)
HEADLINE_FIELDS: tuple[str, ...] = ("published", "source", "title", "url", "related")


def iso_utc(when: datetime | None) -> str | None:
    """ISO-8601 in UTC ending in ``Z``; milliseconds only when the time has them."""
    if when is None:
        return None
    when = when.astimezone(UTC)
    spec = "milliseconds" if when.microsecond else "seconds"
    return when.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _num(value: float | None) -> float | None:
    """Round away float noise (0.048000000000000004) without losing small prices."""
    if value is None:
        return None
    return float(f"{value:.10g}")


def quote_record(quote: Quote) -> dict[str, Any]:
    return {
        "pane": quote.pane,
        "group": quote.group,
        "symbol": quote.symbol,
        "name": quote.name,
        "source": quote.source,
        "currency": quote.currency,
        "last": _num(quote.last),
        "prev_close": _num(quote.prev_close),
        "change": _num(quote.change),
        "change_pct": _num(quote.change_pct),
        "day_high": _num(quote.day_high),
        "day_low": _num(quote.day_low),
        "as_of": iso_utc(quote.as_of),
        "stale": quote.stale,
        "stale_reason": quote.stale_reason.value if quote.stale_reason else None,
        "sigma": None if quote.sigma is None else round(quote.sigma, 2),
        "sigma_window": SIGMA_WINDOW,
        "marks": list(quote.marks),
    }


def snapshot_record(snap: MarketSnapshot, alerts: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The JSON document; ``alerts`` are the fired alerts' records (``AlertEvent.record``)."""
    return {
        "generated_at": iso_utc(snap.generated_at),
        "demo": snap.demo,
        "quotes": [quote_record(q) for q in snap.quotes if q.has_data],
        "headlines": [
            {"title": h.title, "source": h.source, "published": iso_utc(h.published), "url": h.url}
            for h in snap.headlines
        ],
        "errors": [
            {"source": e.source, "symbol": e.symbol, "message": e.message} for e in snap.errors
        ],
        "alerts": list(alerts),
    }


def to_json(snap: MarketSnapshot, alerts: Sequence[dict[str, Any]] = ()) -> str:
    return json.dumps(snapshot_record(snap, alerts), indent=2, ensure_ascii=False)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_FIELDS = ("pane", "group", "symbol", "name", "source", "currency")


def spreadsheet_safe(text: str | None) -> str | None:
    """A provider's name such as ``=HYPERLINK(…)`` must stay text when the CSV is opened."""
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def to_csv(snap: MarketSnapshot) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(QUOTE_FIELDS), lineterminator="\n")
    writer.writeheader()
    for quote in snap.quotes:
        if quote.has_data:
            row = quote_record(quote)
            row["stale"] = "true" if row["stale"] else "false"
            row["stale_reason"] = row["stale_reason"] or ""
            row["marks"] = " ".join(row["marks"])
            for key in CSV_TEXT_FIELDS:
                row[key] = spreadsheet_safe(row[key])
            writer.writerow(row)
    return buffer.getvalue()


def headlines_csv(snap: MarketSnapshot) -> str:
    """``snapshot --format csv --headlines``: one row per headline, newest first; related
    symbols separated by spaces."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(HEADLINE_FIELDS), lineterminator="\n")
    writer.writeheader()
    for h in snap.headlines:
        writer.writerow(
            {
                "published": iso_utc(h.published) or "",
                "source": spreadsheet_safe(h.source),
                "title": spreadsheet_safe(h.title),
                "url": spreadsheet_safe(h.url),
                "related": " ".join(h.related),
            }
        )
    return buffer.getvalue()
