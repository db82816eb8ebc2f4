"""Regenerate the SVGs in screenshots/ from the real app on the frozen demo feed.

python screenshots/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This checkout's code, not whichever marketmon the interpreter has installed: run as a script,
# sys.path starts at screenshots/, and a venv's install of another checkout would be shot.
sys.path.insert(0, str(HERE.parent))

SHOTS: tuple[tuple[str, tuple[int, int], tuple[str, ...]], ...] = (
    ("main-wide-200x60", (200, 60), ()),
    ("main-board-160x48", (160, 48), ()),
    ("main-medium-120x40", (120, 40), ()),
    ("main-narrow-80x24", (80, 24), ()),
    ("main-100x30", (100, 30), ()),
    ("main-split-80x47", (80, 47), ()),
    ("main-split-160x23", (160, 23), ()),
    ("headline-120x40", (120, 40), ("4", "down", "enter")),
    ("detail-silver-120x40", (120, 40), ("2", "down", "enter")),
    ("help-120x40", (120, 40), ("question_mark",)),
    ("movers-120x40", (120, 40), ("m",)),
)


async def shoot(name: str, size: tuple[int, int], keys: tuple[str, ...]) -> Path:
    from tui.demo_app import frozen_demo_app, wait_for_data

    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(app)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.3)
        path = HERE / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"marketmon — {name}"), encoding="utf-8")
    return path


async def main() -> None:
    for name, size, keys in SHOTS:
        print(await shoot(name, size, keys))


if __name__ == "__main__":
    os.environ["TZ"] = "UTC"  # the header shows local time: make it the same everywhere
    time.tzset()
    asyncio.run(main())
