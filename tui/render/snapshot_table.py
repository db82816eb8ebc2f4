"""``marketmon snapshot --format table``: one Rich table per pane.

Untrusted strings (names, headlines, errors) are passed as ``Text`` objects, never as markup.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from tui import format as fmt
from tui.data.snapshot import MarketSnapshot, PaneSnapshot, Quote, StaleReason

TITLES = {
    "indices": "Global indices",
    "metals": "Metals",
    "crypto": "Crypto",
    "fx": "FX",
    "rates": "Rates (moves in basis points)",
    "energy": "Energy",
}
STALE_LABEL = {
    StaleReason.CLOSED: "closed",
    StaleReason.OLD: "delayed",
    StaleReason.FAILING: "source failing",
    StaleReason.CACHED: "cached",
}


def _style(quote: Quote) -> str:
    if quote.change is None or quote.change == 0:
        return ""
    return "green" if quote.change > 0 else "red"


# (header, justify, drop order: 0 = never dropped, else the lower the sooner it goes).
QUOTE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Group", "left", 5),
    ("Name", "left", 0),
    ("Symbol", "left", 1),
    ("Last", "right", 0),
    ("Chg", "right", 7),
    ("Chg %", "right", 0),
    ("σ", "right", 6),
    ("Low", "right", 3),
    ("High", "right", 4),
    ("Age", "right", 0),
    ("Source", "left", 2),
    ("Status", "left", 8),
)


def _rows(pane: PaneSnapshot, snap: MarketSnapshot) -> list[list[Text]]:
    rows = []
    for q in pane.quotes:
        style = _style(q)
        places = fmt.quote_decimals(q)
        status = STALE_LABEL.get(q.stale_reason, "") if q.stale_reason else ""
        if not q.has_data:
            status = "no data"
        if q.stale_reason is StaleReason.CLOSED and q.session_date is not None:
            status = f"{q.session_date:%a} close"  # which session the price is from
            if q.session is not None and q.session.value in fmt.EXTENDED_SESSIONS:
                status = f"{q.session.value}, {status}"  # "post, Fri close"
        if q.futures is not None and q.futures.change_pct is not None:
            status += f" · {q.futures.symbol} {fmt.percent(q.futures.change_pct)}"
        change = (
            fmt.basis_points(q.change_bp)
            if q.change_bp is not None
            else fmt.change(q.change, places)
        )
        rows.append(
            [
                Text(q.group),
                Text(q.name),
                Text(q.symbol),
                Text(fmt.price(q.last, places)),
                Text(change, style=style),
                Text(fmt.percent(q.change_pct), style=style),
                Text(fmt.sigma(q.sigma), style=style),
                Text(fmt.price(q.day_low, places)),
                Text(fmt.price(q.day_high, places)),
                Text(fmt.age_between(q.as_of, snap.generated_at)),
                Text(q.source or "—"),
                Text(status, style="yellow" if status else ""),
            ]
        )
    return rows


def fit_columns(rows: list[list[Text]], width: int) -> list[int]:
    """Indexes of the columns to print in ``width`` cells: the low-priority ones (Symbol,
    Source, Low, High…) are dropped before any number would be cut."""
    natural = [
        max([len(header), *(row[i].cell_len for row in rows)])
        for i, (header, _, _) in enumerate(QUOTE_COLUMNS)
    ]
    keep = list(range(len(QUOTE_COLUMNS)))
    droppable = sorted(
        (i for i, (_, _, order) in enumerate(QUOTE_COLUMNS) if order),
        key=lambda i: QUOTE_COLUMNS[i][2],
    )

    def needed(columns: list[int]) -> int:
        return sum(natural[i] + 3 for i in columns) + 1  # padding and a rule per column

    for index in droppable:
        if needed(keep) <= width:
            break
        keep.remove(index)
    return keep


def pane_table(pane: PaneSnapshot, snap: MarketSnapshot, width: int = 200) -> Table:
    title = TITLES.get(pane.name, pane.name.title())
    if snap.demo:
        title += " — DEMO (simulated data)"
    table = Table(title=title, title_justify="left", expand=False, header_style="bold")
    rows = _rows(pane, snap)
    keep = fit_columns(rows, width)
    for i in keep:
        header, justify, _ = QUOTE_COLUMNS[i]
        # Only the name may be cut (with an ellipsis), and only when nothing else can go.
        table.add_column(
            header,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=True,
            overflow="ellipsis" if header == "Name" else "fold",
            min_width=None
            if header == "Name"
            else max([len(header), *(r[i].cell_len for r in rows)]),
        )
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    return table


def snapshot_renderable(
    snap: MarketSnapshot, headlines: int | None = 10, width: int = 200
) -> RenderableType:
    """Every pane as a table fitted to ``width``; ``headlines=None`` prints them all."""
    parts: list[RenderableType] = [pane_table(p, snap, width) for p in snap.panes]
    if snap.headlines:
        news = Table(
            title="Headlines" + (" — DEMO (simulated)" if snap.demo else ""),
            title_justify="left",
            header_style="bold",
        )
        news.add_column("Age", justify="right", no_wrap=True)
        news.add_column("Source", no_wrap=True)
        news.add_column("Title")
        for h in snap.headlines[:headlines] if headlines is not None else snap.headlines:
            news.add_row(
                Text(fmt.age_between(h.published, snap.generated_at)), Text(h.source), Text(h.title)
            )
        parts.append(news)
    if snap.macro:
        title = "Macro — DEMO (simulated)" if snap.demo else "Macro (FRED)"
        macro = Table(title=title, title_justify="left", header_style="bold")
        for column in ("Series", "Title", "Value", "Change", "Period", "Status"):
            macro.add_column(column, no_wrap=True)
        for m in snap.macro:
            status = "stale" if m.stale else ""
            if m.error:
                status = f"last good: {m.error}" if m.value is not None else m.error
            macro.add_row(
                Text(m.series),
                Text(m.title),
                Text(fmt.price(m.value, 0) if m.value is not None else "—"),
                Text(fmt.change(m.change, 0)),
                Text(m.date.isoformat() if m.date else "—"),
                Text(status, style="yellow" if status else ""),
            )
        parts.append(macro)
    if snap.errors:
        errors = Table(title="Errors", title_justify="left", header_style="bold")
        errors.add_column("Source", no_wrap=True)
        errors.add_column("Symbol", no_wrap=True)
        errors.add_column("Message")
        for e in snap.errors:
            errors.add_row(Text(e.source), Text(e.symbol or "—"), Text(e.message))
        parts.append(errors)
    return Group(*parts)


def print_snapshot(snap: MarketSnapshot, console: Console, *, all_headlines: bool = False) -> None:
    console.print(snapshot_renderable(snap, None if all_headlines else 10, width=console.width))
