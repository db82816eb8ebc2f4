"""Rich styles derived from the current Textual theme, for cells a DataTable renders itself.

DataTable cells are Rich renderables, outside the CSS cascade, so their colours are read from
the theme's variables (never hard-coded) and recomputed when the theme changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.app import App
from textual.color import Color


@dataclass(frozen=True, slots=True)
class CellStyles:
    up: Style
    down: Style
    muted: Style
    warning: Style
    error: Style
    accent: Style
    flash: Style


def _color(variables: dict[str, str], name: str, background: Color) -> Color | None:
    value = variables.get(name)
    if not value:
        return None
    try:
        color = Color.parse(value)
    except Exception:  # "auto 60%" and other CSS-only forms
        return None
    return background + color if color.a < 1 else color


def cell_styles(app: App[object]) -> CellStyles:
    variables = app.get_css_variables()
    background = Color.parse(variables.get("surface", "#000000"))

    def style(name: str, fallback: str, *, bold: bool = False) -> Style:
        color = _color(variables, name, background) or _color(variables, fallback, background)
        return Style(color=color.rich_color if color else None, bold=bold or None)

    accent = _color(variables, "accent", background)
    return CellStyles(
        up=style("text-success", "success"),
        down=style("text-error", "error"),
        muted=style("foreground-muted", "foreground"),
        warning=style("text-warning", "warning"),
        error=style("text-error", "error", bold=True),
        accent=style("text-accent", "accent", bold=True),
        flash=Style(reverse=True, bold=True, color=accent.rich_color if accent else None),
    )
