"""pytest configuration shared by every test module."""

from __future__ import annotations

import os
import tempfile
import time

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


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test (and every app it launches) starts without last-known prices: the app saves
    them in the platform cache folder, and one test's saved board must not open the next."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
