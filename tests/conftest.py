"""pytest configuration shared by every test module."""

from __future__ import annotations

import os

# Tests never depend on the user's terminal colour settings.
os.environ.pop("NO_COLOR", None)
