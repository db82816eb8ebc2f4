"""One table cell of text in one line, rendered as DataTable renders it, with fewer layers.

Textual's DataTable renders every cell through ``Styled(Padding(cell))``: three renderables,
each a generator over the one below, and a crop-and-pad pass per layer. On the first frame of
a 160x48 board that is ~360 cells and ~55 ms, in front of the cached prices. A one-line cell
of ``Text`` needs one of those passes: this renders the text at the inner width exactly as
``Padding`` does (same call, same options, same padding style), then adds the padding and the
cell's styles around it exactly as ``Padding`` and ``Styled`` do. The result is the same list
of segments (tests/test_cell_render.py compares it with DataTable's own for every cell of the
demo board); anything else (headers, labels, taller rows, non-text cells) takes DataTable's
path.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_NO_STYLE = "none"  # Padding's default style


def render_text_cell(
    console: Console,
    options: ConsoleOptions,
    cell: Text,
    width: int,
    padding: int,
    pre_style: Style,
    post_style: Style,
) -> list[list[Segment]] | None:
    """The cell's one line of segments, ``width`` cells wide; None when it needs DataTable's
    general path (a width the padding does not leave room in)."""
    inner = width - 2 * padding
    if inner <= 0:
        return None
    pad_style = console.get_style(_NO_STYLE)
    # DataTable's options for a one-line cell, then Padding's for what it holds.
    cell_options = options.update_dimensions(width, 1).update(no_wrap=True)
    inner_options = cell_options.update_width(inner).update_height(1)
    lines = console.render_lines(cell, inner_options, style=pad_style, pad=True)
    if len(lines) != 1:
        return None
    side = [Segment(" " * padding, pad_style)] if padding else []
    segments = [*side, *lines[0], *side]
    return [list(Segment.apply_style(segments, style=pre_style, post_style=post_style))]
