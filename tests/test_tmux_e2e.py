"""End to end in a real terminal: marketmon --demo inside tmux, driven with send-keys."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


# A tmux server of our own: no other session or benchmark on the machine can disturb it.
SOCKET = f"marketmon-test-{os.getpid()}"


def tmux(*args: str, check: bool = True) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=check, timeout=10
    ).stdout


def wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; screen was:\n{screen}")


@pytest.fixture
def session() -> Iterator[str]:
    name = f"mm-{uuid.uuid4().hex[:8]}"
    command = f"{sys.executable} -m tui --demo"
    env = {**os.environ, "TERM": "screen-256color", "TZ": "UTC"}
    subprocess.run(
        ["tmux", "-L", SOCKET, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", command],
        check=True,
        env=env,
        timeout=10,
    )
    try:
        yield name
    finally:
        tmux("kill-server", check=False)


def test_demo_in_a_tmux_half_split(session: str) -> None:
    screen = wait_for(session, "S&P 500")
    assert "DEMO" in screen
    assert "Nikkei 225" in screen and "-2." in screen
    tmux("send-keys", "-t", session, "3")
    screen = wait_for(session, "Bitcoin")
    tmux("send-keys", "-t", session, "Enter")
    wait_for(session, "24 h open")  # crypto's reference is the rolling 24 h open
    tmux("send-keys", "-t", session, "Escape")
    wait_for(session, "Bitcoin")
    tmux("resize-window", "-t", session, "-x", "200", "-y", "50")
    screen = wait_for(session, "─ Headlines ─")  # its border shows only once laid out wide
    assert "─ Metals ─" in screen and "─ Crypto ─" in screen and "─ Global indices ─" in screen
    tmux("send-keys", "-t", session, "q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = subprocess.run(
            ["tmux", "-L", SOCKET, "has-session", "-t", session],
            capture_output=True,
            check=False,
            timeout=10,
        )
        if alive.returncode != 0:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("q did not quit")
