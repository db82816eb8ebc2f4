"""Which layout a terminal size gets (see the main screen's CSS classes)."""

from __future__ import annotations

from enum import StrEnum

MIN_WIDTH = 50
MIN_HEIGHT = 12
WIDE = 160
MEDIUM = 100


class Layout(StrEnum):
    WIDE = "-wide"  # panes side by side
    MEDIUM = "-medium"  # a 2x2 grid
    NARROW = "-narrow"  # one pane at a time, compact columns
    TOO_SMALL = "-too-small"  # a message instead of a garbled screen


def layout_for(width: int, height: int) -> Layout:
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return Layout.TOO_SMALL
    if width >= WIDE:
        return Layout.WIDE
    if width >= MEDIUM:
        return Layout.MEDIUM
    return Layout.NARROW
