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


@pytest.mark.parametrize(
    "size", [(80, 24), (120, 40), (160, 48), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_main_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_demo_app(), terminal_size=size, run_before=after_data())


def test_detail_view(snap_compare: Any) -> None:
    assert snap_compare(
        frozen_demo_app(), terminal_size=(120, 40), run_before=after_data("2", "down", "enter")
    )


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(
        frozen_demo_app(), terminal_size=(120, 40), run_before=after_data("question_mark")
    )
