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
}


def _style(quote: Quote) -> str:
    if quote.change is None or quote.change == 0:
        return ""
    return "green" if quote.change > 0 else "red"


def pane_table(pane: PaneSnapshot, snap: MarketSnapshot) -> Table:
    title = TITLES.get(pane.name, pane.name.title())
    if snap.demo:
        title += " — DEMO (simulated data)"
    table = Table(title=title, title_justify="left", expand=False, header_style="bold")
    for column, justify in (
        ("Group", "left"),
        ("Name", "left"),
        ("Symbol", "left"),
        ("Last", "right"),
        ("Chg", "right"),
        ("Chg %", "right"),
        ("σ", "right"),
        ("Low", "right"),
        ("High", "right"),
        ("Age", "right"),
        ("Source", "left"),
        ("Status", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for q in pane.quotes:
        style = _style(q)
        status = STALE_LABEL.get(q.stale_reason, "") if q.stale_reason else ""
        if not q.has_data:
            status = "no data"
        if q.stale_reason is StaleReason.CLOSED and q.session_date is not None:
            status = f"{q.session_date:%a} close"
        if q.futures is not None and q.futures.change_pct is not None:
            status += f" · {q.futures.symbol} {fmt.percent(q.futures.change_pct)}"
        change = (
            fmt.basis_points(q.change_bp)
            if q.change_bp is not None
            else fmt.change(q.change, q.decimals)
        )
        table.add_row(
            Text(q.group),
            Text(q.name),
            Text(q.symbol),
            Text(fmt.price(q.last, q.decimals)),
            Text(change, style=style),
            Text(fmt.percent(q.change_pct), style=style),
            Text(fmt.sigma(q.sigma), style=style),
            Text(fmt.price(q.day_low, q.decimals)),
            Text(fmt.price(q.day_high, q.decimals)),
            Text(fmt.age_between(q.as_of, snap.generated_at)),
            Text(q.source or "—"),
            Text(status, style="yellow" if status else ""),
        )
    return table


def snapshot_renderable(snap: MarketSnapshot, headlines: int = 10) -> RenderableType:
    parts: list[RenderableType] = [pane_table(p, snap) for p in snap.panes]
    if snap.headlines:
        news = Table(
            title="Headlines" + (" — DEMO (simulated)" if snap.demo else ""),
            title_justify="left",
            header_style="bold",
        )
        news.add_column("Age", justify="right", no_wrap=True)
        news.add_column("Source", no_wrap=True)
        news.add_column("Title")
        for h in snap.headlines[:headlines]:
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


def print_snapshot(snap: MarketSnapshot, console: Console) -> None:
    console.print(snapshot_renderable(snap))
