"""Command-palette provider for the instruments on screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from tui.messages import OpenDetail


class InstrumentCommands(Provider):
    """Every instrument on screen in the command palette, opening its detail view.

    Names come from the network (Yahoo's ``shortName``), so they are shown as plain
    ``Content`` and never parsed as markup: Textual renders system-command titles with
    ``Content.from_markup``, where a name holding ``[/]`` raised ``MarkupError`` and killed the
    app, and ``[bold]`` or ``[@click=…]`` would have been interpreted.
    """

    def _instruments(self) -> list[tuple[str, str, Callable[[], object]]]:
        from tui.app import MarketmonApp

        app = self.app
        if not isinstance(app, MarketmonApp) or app.snapshot is None:
            return []
        return [
            (
                f"{quote.name} ({quote.symbol})",
                f"Open the detail view · {quote.pane}",
                partial(app.post_message, OpenDetail(quote.pane, quote.symbol)),
            )
            for quote in app.snapshot.quotes
        ]

    async def discover(self) -> Hits:
        for title, help_text, command in self._instruments():
            yield DiscoveryHit(Content(title), command, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._instruments():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, _highlight(matcher, title), command, text=title, help=help_text)


def _highlight(matcher: Matcher, candidate: str) -> Content:
    """``Matcher.highlight`` without the markup parsing: the candidate stays literal text."""
    content = Content(candidate)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
