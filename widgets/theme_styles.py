"""Rich styles derived from the current Textual theme, for cells a DataTable renders itself.

DataTable cells are Rich renderables, outside the CSS cascade, so their colours are read from
the theme's variables (never hard-coded) and recomputed when the theme changes.

On an 8/16-colour terminal (``TERM=xterm``, ``TERM=screen``) Rich maps each theme colour to the
nearest of the terminal's 16: the light greens and pinks that themes use for up and down all
land on the same grey (SGR 37), and up and down no longer read apart. There the direction
colours are the terminal's own green and red (its palette, so they suit the user's terminal
theme): bright on a dark theme, normal on a light one.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color as RichColor
from rich.palette import Palette
from rich.style import Style
from textual.app import App
from textual.color import Color

FEW_COLOURS = frozenset({"standard", "windows"})  # Rich's names for 8/16-colour terminals

# ANSI palette numbers (not colours: the terminal decides what they look like).
ANSI_GREEN, ANSI_RED, BRIGHT = 2, 1, 8


@dataclass(frozen=True, slots=True)
class CellStyles:
    up: Style
    down: Style
    muted: Style
    warning: Style
    error: Style
    accent: Style
    flash: Style  # a changed price whose direction is unknown
    flash_up: Style  # a price that just ticked up
    flash_down: Style  # a price that just ticked down


def _color(variables: dict[str, str], name: str, background: Color) -> Color | None:
    value = variables.get(name)
    if not value:
        return None
    try:
        color = Color.parse(value)
    except Exception:  # "auto 60%" and other CSS-only forms
        return None
    return background + color if color.a < 1 else color


def _palette_colour(number: int) -> RichColor:
    """ANSI colour ``number`` as the exact RGB of Rich's 16-colour palette.

    Not ``Color.from_ansi``: Textual re-maps ANSI colours through its own ANSI theme (red
    became magenta, SGR 35); an RGB equal to the palette entry comes out as SGR ``number``.
    """
    from rich._palettes import STANDARD_PALETTE

    palette: Palette = STANDARD_PALETTE
    return RichColor.from_triplet(palette[number])


def color_system(app: App[object]) -> str | None:
    """The colour depth the app writes with (None under NO_COLOR or a dumb terminal)."""
    if app.no_color:
        return None
    return app.console.color_system


def cell_styles(app: App[object]) -> CellStyles:
    variables = app.get_css_variables()
    background = Color.parse(variables.get("surface", "#000000"))

    def style(name: str, fallback: str, *, bold: bool = False) -> Style:
        color = _color(variables, name, background) or _color(variables, fallback, background)
        return Style(color=color.rich_color if color else None, bold=bold or None)

    up = style("text-success", "success")
    down = style("text-error", "error")
    if color_system(app) in FEW_COLOURS:
        bright = BRIGHT if background.brightness < 0.5 else 0
        up = Style(color=_palette_colour(ANSI_GREEN + bright))
        down = Style(color=_palette_colour(ANSI_RED + bright))
    accent = _color(variables, "accent", background)
    return CellStyles(
        up=up,
        down=down,
        muted=style("foreground-muted", "foreground"),
        warning=style("text-warning", "warning"),
        error=style("text-error", "error", bold=True),
        accent=style("text-accent", "accent", bold=True),
        flash=Style(reverse=True, bold=True, color=accent.rich_color if accent else None),
        flash_up=Style(reverse=True, bold=True, color=up.color),
        flash_down=Style(reverse=True, bold=True, color=down.color),
    )
