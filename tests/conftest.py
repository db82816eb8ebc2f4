"""pytest configuration shared by every test module."""

from __future__ import annotations

import os
import time

# Tests never depend on the user's terminal colour settings.
os.environ.pop("NO_COLOR", None)

# The header and time columns show local time: make it UTC everywhere for stable snapshots.
os.environ["TZ"] = "UTC"
time.tzset()
