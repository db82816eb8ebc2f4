"""``marketmon snapshot --format table``: one Rich table per pane.

Untrusted strings (names, headlines, errors) are passed as ``Text`` objects, never as markup.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from tui import format as fmt
from tui.data.snapshot import MarketSnapshot, PaneSnapshot, Quote, StaleReason

TITLES = {"indices": "Global indices", "metals": "Metals", "crypto": "Crypto"}
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
        table.add_row(
            Text(q.group),
            Text(q.name),
            Text(q.symbol),
            Text(fmt.price(q.last)),
            Text(fmt.change(q.change), style=style),
            Text(fmt.percent(q.change_pct), style=style),
            Text(fmt.sigma(q.sigma), style=style),
            Text(fmt.price(q.day_low)),
            Text(fmt.price(q.day_high)),
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
