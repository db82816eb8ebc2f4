"""pytest configuration shared by every test module."""

from __future__ import annotations

import os
import tempfile
import time

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
