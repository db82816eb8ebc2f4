"""SVG snapshots of the screens on the frozen demo feed (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/test_snapshots.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tui.demo_app import frozen_demo_app, wait_for_data


def after_data(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_data(pilot.app)  # type: ignore[arg-type]
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.2)

    return run_before


# Every size the layout rule is checked at (tests/test_layout.py): full screens, tmux
# half-splits side by side (80x47) and top/bottom (160x23), and below the minimum (40x10).
SIZES = [
    (200, 60), (160, 48), (159, 30), (120, 40), (100, 30), (80, 24), (80, 47), (160, 23),
    (60, 20), (40, 10),
]  # fmt: skip


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_demo_app(), terminal_size=size, run_before=after_data())


def test_detail_view(snap_compare: Any) -> None:
    assert snap_compare(
        frozen_demo_app(), terminal_size=(120, 40), run_before=after_data("2", "down", "enter")
    )


def test_crypto_detail_view(snap_compare: Any) -> None:
    """The 24 h open label, thousands separators on the axis, the labelled reference line."""
    assert snap_compare(
        frozen_demo_app(), terminal_size=(120, 40), run_before=after_data("3", "enter")
    )


def test_headline_detail(snap_compare: Any) -> None:
    assert snap_compare(
        frozen_demo_app(), terminal_size=(120, 40), run_before=after_data("4", "down", "enter")
    )


def test_headlines_screen_at_80x24(snap_compare: Any) -> None:
    assert snap_compare(frozen_demo_app(), terminal_size=(80, 24), run_before=after_data("n"))


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(
        frozen_demo_app(), terminal_size=(120, 40), run_before=after_data("question_mark")
    )
