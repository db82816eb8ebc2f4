"""Tiny text charts for table cells: a sparkline and a day-range bar.

Pure functions returning plain strings so rows can diff them cheaply and tests can compare
exact output. Every glyph is one cell wide in common terminals and tmux.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
FLAT = "▄"  # a flat series sits in the middle rather than pretending to be a low
TRACK = "─"
MARKER = "●"
UNKNOWN = "╌"  # dashed track: the range is not known (East-Asian width neutral)


def sparkline(values: Sequence[float], width: int) -> str:
    """Draw ``values`` in ``width`` cells, scaled to their own min..max.

    Longer series are downsampled to one bucket per cell, keeping each bucket's last value (the
    price at the end of that slice of time). Shorter series are drawn one value per cell and
    right-aligned, so "now" is always the right edge. Non-finite values are dropped.
    """
    points = [v for v in values if math.isfinite(v)]
    if width <= 0 or not points:
        return ""
    count = len(points)
    if count > width:
        points = [points[(i + 1) * count // width - 1] for i in range(width)]
    low, high = min(points), max(points)
    if high == low:
        chars = FLAT * len(points)
    else:
        top = len(BLOCKS) - 1
        span = high - low
        chars = "".join(BLOCKS[int((v - low) / span * top + 0.5)] for v in points)
    return chars.rjust(width)


def range_bar(pos: float | None, width: int) -> str:
    """A track of ``width`` cells with a marker where the last price sits in the day's range.

    ``pos`` is 0 at the day's low and 1 at its high (clamped); ``None`` (or NaN) draws a dashed
    track, so an unknown range is visibly different from a price at the low.
    """
    if width <= 0:
        return ""
    if pos is None or not math.isfinite(pos):
        return UNKNOWN * width
    index = int(min(1.0, max(0.0, pos)) * (width - 1) + 0.5)  # half up, not to even
    return TRACK * index + MARKER + TRACK * (width - 1 - index)
