"""Nothing heavy on the path to the first frame: polars, httpx and feedparser load after it.

Run in a fresh interpreter (this one has polars loaded already): the app's first frame is
caught where Textual hands it to the driver (``App._display``), and ``sys.modules`` is read
there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_outage_ui import START, free_port
from tui.config import default_config
from tui.data.clock import FakeClock
from tui.data.factory import build_engine
from tui.data.snapshot_cache import write_cache

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import asyncio, json, sys
from pathlib import Path
from tests.test_outage_ui import config_for
from tui.app import create_app
from tui.config import default_config

async def main():
    demo = sys.argv[1] == "demo"
    config = default_config() if demo else config_for(sys.argv[2])
    cache = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    app = create_app(config, demo=demo, animate=False, cache_path=cache)
    first = {}
    original = app._display
    from widgets.quote_table import QuoteTable

    def heavy():
        return sorted(m for m in ("polars", "httpx", "feedparser") if m in sys.modules)

    def display(screen, renderable):
        if renderable is not None and not first:
            first["modules"] = heavy()
            first["prices"] = app.snapshot.quote_count if app.snapshot else 0
        rows = sum(t.row_count for t in app.main_screen.query(QuoteTable))
        if renderable is not None and rows and "rows" not in first:
            first["rows"] = rows  # the first frame with rows in the tables
            first["modules_with_rows"] = heavy()
        return original(screen, renderable)
    app._display = display
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.snapshot is not None and app.engine is not None and "polars" in sys.modules:
                break
        first["later"] = sorted(m for m in ("polars", "httpx") if m in sys.modules)
    print(json.dumps(first))

asyncio.run(main())
"""


def probe(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


async def test_cached_prices_are_painted_before_polars_loads(tmp_path: Path) -> None:
    engine = build_engine(default_config(), clock=FakeClock(START), demo=True)
    path = tmp_path / "last-demo.snapshot"
    write_cache(path, await engine.refresh_once())

    first = probe("demo", "-", str(path))

    assert first["modules"] == []
    assert first["prices"] == 28  # every default instrument, from the cache
    # The frame that puts the cached rows on screen is painted before polars loads too.
    assert first["rows"] == 28 and first["modules_with_rows"] == []
    assert first["later"] == ["polars"]  # the demo engine started after the frame


@pytest.mark.parametrize("cache", [False, True])
def test_live_start_paints_before_httpx_and_polars(tmp_path: Path, cache: bool) -> None:
    # Nothing listens on this port: the requests fail locally, the network is never touched.
    args = ["live", f"http://127.0.0.1:{free_port()}"]
    if cache:
        args.append(str(tmp_path / "absent.snapshot"))
    first = probe(*args)
    assert first["modules"] == []
    assert first["prices"] == 0
    assert first["later"] == ["httpx", "polars"]
