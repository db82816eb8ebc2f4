"""A per-machine lock for the share's fallback: while Redis is away, one instance fetches.

Without Redis there is no lease, and every viewer polling on its own would multiply the
upstream requests the share exists to save. A non-blocking ``flock`` on a file named after the
desk lets exactly one instance per machine fall back to fetching; the kernel drops the lock
when that process dies, so a crashed holder never blocks the others.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO


def lock_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) if runtime and os.path.isdir(runtime) else Path(tempfile.gettempdir())


class LocalLock:
    def __init__(self, desk: str, directory: Path | None = None) -> None:
        self.path = (directory or lock_dir()) / f"marketmon-{desk}.lock"
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it; True when this process holds it."""
        if self._file is not None:
            return True
        try:
            import fcntl
        except ImportError:  # no flock (Windows): every instance falls back on its own
            return True
        try:
            handle = open(self.path, "ab")  # noqa: SIM115 (held open while locked)
        except OSError:
            return True  # cannot coordinate: fetching beats showing nothing
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()  # closing drops the flock
