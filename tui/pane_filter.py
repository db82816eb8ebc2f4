"""``--pane NAME[,NAME…]``: which panes one instance shows, for a tmux split of a desk.

The choice is a *filter of the ordered pane list* handed to the layout: the screen composes
only these panes and the layout arranges whatever list it gets, so a single pane fills the
whole screen. The engine still fetches every pane's instruments, on purpose: instances of a
desk that show different panes then have the same watchlist, so they share one fetcher
through Redis (tui/data/share.py) instead of each polling its own part.

No Textual here: the CLI validates the option before the UI loads.
"""

from __future__ import annotations

from tui.data.instruments import PANES as QUOTE_PANES

NEWS = "news"
ALIASES = {"headlines": NEWS}


def known_panes() -> tuple[str, ...]:
    """Every pane name, in screen order (quote panes from the watchlist, then the news)."""
    return (*QUOTE_PANES, NEWS)


def parse_panes(text: str) -> tuple[str, ...]:
    """``"crypto,news"`` -> ``("crypto", "news")`` in the order given, without repeats.

    Raises ValueError naming the unknown pane and the known ones.
    """
    known = known_panes()
    out: dict[str, None] = {}
    for raw in text.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        name = ALIASES.get(name, name)
        if name not in known:
            raise ValueError(f"unknown pane {raw.strip()!r} (known: {', '.join(known)})")
        out[name] = None
    if not out:
        raise ValueError(f"no pane named (known: {', '.join(known)})")
    return tuple(out)
