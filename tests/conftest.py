"""pytest configuration shared by every test module."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time

import pytest

# Tests never depend on the user's terminal colour settings.
os.environ.pop("NO_COLOR", None)

# The header and time columns show local time: make it UTC everywhere for stable snapshots.
os.environ["TZ"] = "UTC"
time.tzset()

# The app saves and shows last-known prices from the platform cache folder: the tests and the
# apps they launch never use the user's. One folder for the session (module-scoped fixtures
# launch apps before any per-test fixture runs), and a fresh one for every test (below).
_CACHE_HOME = tempfile.mkdtemp(prefix="marketmon-test-cache-")
atexit.register(shutil.rmtree, _CACHE_HOME, True)
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test (and every app it launches) starts without last-known prices."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
