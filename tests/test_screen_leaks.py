"""Closed screens are freed: open and close each pushed screen 50 times, then count instances.

Before the fix every detail view stayed alive (its theme subscription kept it reachable from
the app), holding its widgets, a snapshot and the snapshot's polars frames.
"""

from __future__ import annotations

import gc

import pytest
from textual.screen import Screen

from tui.demo_app import frozen_demo_app, wait_for_data
from tui.screens.detail import DetailScreen
from tui.screens.headlines import HeadlinesScreen, LinkScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen

OPENS = 50


def alive(cls: type[Screen[None]]) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, cls))


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
