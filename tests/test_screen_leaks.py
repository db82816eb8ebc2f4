"""Closed screens are freed: open and close each pushed screen 50 times, then count instances.

Before the fix every detail view stayed alive (its theme subscription kept it reachable from
the app), holding its widgets, a snapshot and the snapshot's polars frames.
"""

from __future__ import annotations

import gc
from collections import Counter

import pytest
from textual.screen import Screen
from textual.widget import Widget

from tui.demo_app import frozen_demo_app, wait_for_data
from tui.screens.detail import DetailScreen
from tui.screens.headlines import HeadlinesScreen, LinkScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen

OPENS = 50


def alive(cls: type[Screen[None]]) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, cls))


def widgets() -> Counter[str]:
    """Every widget in memory, by class: what the screens built and nothing should keep."""
    gc.collect()
    return Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, Widget))


@pytest.mark.timeout(900)  # 50 screens each way: minutes on a loaded 2-core machine
@pytest.mark.parametrize(
    ("keys", "cls"),
    [
        (("enter",), DetailScreen),
        (("n",), HeadlinesScreen),
        (("question_mark",), HelpScreen),
        (("n", "enter"), LinkScreen),
    ],
)
async def test_a_closed_screen_leaves_no_instance_behind(
    keys: tuple[str, ...], cls: type[Screen[None]]
) -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)

        async def open_and_close() -> None:
            await pilot.press(*keys)
            await pilot.pause()
            assert isinstance(app.screen, cls)
            for _ in keys:
                await pilot.press("escape")
            await pilot.pause()

        await open_and_close()  # the first one builds what the app keeps (footer keys, caches)
        before = widgets()
        for opened in range(OPENS):
            await pilot.press(*keys)
            await pilot.pause()
            assert isinstance(app.screen, cls)
            if opened % 10 == 0:  # live updates reach the open screen too, then it closes
                app.clock.advance(5)
                app._changed_since_apply = True
                app._apply()
                await pilot.pause()
            for _ in keys:
                await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert alive(cls) == 0
        # Nor any of their widgets, or the main screen's footer keys they made it rebuild
        # (Textual's Footer kept every key it ever built; textual-plotext every chart).
        assert widgets() - before == Counter()
