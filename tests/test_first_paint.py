"""Nothing heavy on the path to the first frame: polars, httpx and feedparser load after it,
and so does every part of marketmon the cached board does not need (:data:`LATE`).

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
HEAVY = ("polars", "httpx", "feedparser")
# What loads when first used, never for the cached board: the engine and what only live prices
# need (alerts' evaluation, its log's JSON, FRED's parser, the clock's truth from Date headers),
# the recorder, the share (and its badge, composed only with [share]), the palette, every
# screen but the main one, the export; and hashlib (OpenSSL), which nothing there needs.
LATE = (
    *HEAVY,
    "redis",
    "tui.data.engine",
    "tui.data.alerts",
    "tui.data.alert_dispatch",
    "tui.data.export",
    "tui.data.macro",
    "tui.data.recorder",
    "tui.data.record_compact",
    "tui.data.share",
    "widgets.share_badge",
    "tui.commands",
    "tui.messages",
    "tui.screens.alerts",
    "tui.screens.detail",
    "tui.screens.headlines",
    "tui.screens.help",
    "tui.screens.movers",
    "csv",
    "hashlib",
    "email.utils",
    "statistics",
)

PROBE = """
import asyncio, json, sys
from pathlib import Path
from tui.app import create_app
from tui.config import default_config, load_config

async def main():
    demo = sys.argv[1] == "demo"
    # Live: the config file the test wrote (read as the CLI reads it; no test helper imports,
    # which would bring pytest and its own imports into sys.modules).
    config = default_config() if demo else load_config(Path(sys.argv[2]))
    cache = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    app = create_app(config, demo=demo, animate=False, cache_path=cache)
    first = {}
    original = app._display
    from widgets.quote_table import QuoteTable

    def heavy():
        return sorted(m for m in LATE if m in sys.modules)

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


def live_config(tmp_path: Path, base: str) -> str:
    """tests/test_outage_ui.py's config_for as a file: only Yahoo, at ``base``."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[general]
refresh = 30
timeout = 2
backoff_cap = 120
[providers.yahoo]
base_url = "{base}/yahoo"
[headlines]
feeds = []
[macro]
series = []
[panes.indices]
symbols = ["^GSPC"]
futures = {{}}
[panes.metals]
symbols = ["GC=F"]
sources = ["yahoo"]
[panes.crypto]
symbols = ["BTC-USD"]
sources = ["yahoo"]
[panes.fx]
symbols = ["EURUSD=X"]
[panes.rates]
symbols = ["^TNX"]
[panes.energy]
symbols = ["CL=F"]
"""
    )
    return str(path)


def probe(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", f"LATE = {LATE!r}\n" + PROBE, *args],
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

    board = len(default_config().instruments())  # every default instrument, from the cache
    assert board == 41
    assert first["modules"] == []
    assert first["prices"] == board
    # The frame that puts the cached rows on screen is painted before polars loads too.
    assert first["rows"] == board and first["modules_with_rows"] == []
    assert first["later"] == ["polars"]  # the demo engine started after the frame


@pytest.mark.parametrize("cache", [False, True])
def test_live_start_paints_before_httpx_and_polars(tmp_path: Path, cache: bool) -> None:
    # Nothing listens on this port: the requests fail locally, the network is never touched.
    args = ["live", live_config(tmp_path, f"http://127.0.0.1:{free_port()}")]
    if cache:
        args.append(str(tmp_path / "absent.snapshot"))
    first = probe(*args)
    assert first["modules"] == []
    assert first["prices"] == 0
    assert first["later"] == ["httpx", "polars"]


def test_importing_the_app_loads_none_of_the_late_modules() -> None:
    """The CLI's path (it reads the config first): ``import tui.cli, tui.app`` in a fresh
    interpreter loads none of :data:`LATE`, and Textual's app module is the heaviest import."""
    code = "import sys, tui.cli, tui.app; print(sorted(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(out.stdout.strip().replace("'", '"')))
    assert "tui.app" in loaded and "tui.data.snapshot_cache" in loaded  # it did import
    assert sorted(loaded.intersection(LATE)) == []


WARM = """
import json, sys
from pathlib import Path
from tui.app_startup import import_engine_modules
from tui.config import _build

config = _build(
    {"alerts": {"rules": [{"symbol": "*", "sigma": 4}]}, "share": {"redis": "redis://127.0.0.1:1"}},
    None,
)
before = {m for m in sys.argv[1:] if m in sys.modules}
import_engine_modules(config, False, Path("."))
missing = sorted(m for m in sys.argv[1:] if m not in sys.modules)
print(json.dumps({"before": sorted(before), "missing": missing}))
"""


def test_the_engine_start_loads_in_its_thread_what_live_prices_need() -> None:
    """With alert rules, a record folder and [share], the engine start's import (a thread,
    after the cached paint) loads the late modules they need, so none loads on the event loop
    at the first alert check, the recorder's creation, the election or the first Date header."""
    needed = [
        *HEAVY[:2],
        "tui.data.alerts",
        "tui.data.alert_dispatch",
        "tui.data.export",
        "tui.data.macro",
        "tui.data.recorder",
        "tui.data.record_compact",
        "tui.data.share",
        "redis",
        "email.utils",
        "statistics",
    ]
    out = subprocess.run(
        [sys.executable, "-c", WARM, *needed], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == {"before": [], "missing": []}
