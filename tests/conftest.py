"""pytest configuration shared by every test module."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

# Tests never depend on the user's terminal colour settings.
os.environ.pop("NO_COLOR", None)

# Daily history caches and the alert log/state go to the platform cache and state directories:
# in tests (and the CLI subprocesses they start) those are private, never the user's.
_PRIVATE = tempfile.mkdtemp(prefix="marketmon-tests-")
os.environ["XDG_CACHE_HOME"] = os.path.join(_PRIVATE, "cache")
os.environ["XDG_STATE_HOME"] = os.path.join(_PRIVATE, "state")

# The header and time columns show local time: make it UTC everywhere for stable snapshots.
os.environ["TZ"] = "UTC"
time.tzset()

# Exchange calendars: a private cache directory, filled once per run with 2026 (the year of the
# frozen clocks), so screens show verified sessions deterministically and the user's cache is
# never touched. Computing it here imports pandas into the test process only.
if "MARKETMON_TEST_CACHE" not in os.environ:
    _cache_home = tempfile.mkdtemp(prefix="marketmon-test-cache-")
    os.environ["MARKETMON_TEST_CACHE"] = _cache_home
    os.environ["XDG_CACHE_HOME"] = _cache_home
    import warnings

    try:
        from tui.data.calendar_worker import compute_year, write_atomically
        from tui.data.sessions import default_cache_dir

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas deprecations inside exchange_calendars
            write_atomically(default_cache_dir() / "sessions-2026.json", compute_year(2026))
    except ImportError:  # exchange_calendars missing: screens show unverified regular hours
        pass


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test (and every app it launches) starts without last-known prices: the app saves
    them in the platform cache folder, and one test's saved board must not open the next."""
    home = tmp_path_factory.mktemp("xdg-cache")
    # The exchange calendars computed once per run (above) stay: only the saved board is new.
    calendars = Path(os.environ["MARKETMON_TEST_CACHE"]) / "marketmon" / "calendars"
    if calendars.is_dir():
        (home / "marketmon").mkdir()
        (home / "marketmon" / "calendars").symlink_to(calendars, target_is_directory=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
