"""Direction colours on an 8/16-colour terminal, as a user sees them in tmux.

Under ``TERM=xterm`` or ``TERM=screen`` the theme's light greens and pinks all map to the same
grey; marketmon must still draw ups in green and downs in red (SGR 32/92 and 31/91).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _tmux(socket: str, *args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, check=False, timeout=10
    ).stdout


def _colour_of(screen: str, text: str) -> set[str]:
    """The foreground SGR codes in effect where ``text`` starts, on every line showing it."""
    codes: set[str] = set()
    for line in screen.splitlines():
        at = line.find(text)
        if at < 0:
            continue
        current = ""
        for match in SGR.finditer(line[:at]):
            for code in match.group(1).split(";"):
                if code in ("0", "", "39"):
                    current = ""
                elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
                    current = code
        codes.add(current)
    return codes


@pytest.mark.parametrize("term", ["xterm", "screen"])
def test_ups_are_green_and_downs_red_on_a_16_colour_terminal(term: str) -> None:
    name = f"c-{uuid.uuid4().hex[:8]}"
    socket = f"marketmon-colours-{os.getpid()}-{name}"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLORTERM")}
    env.update(TERM=term, TZ="UTC")
    # calm: about half the instruments up, half down.
    command = f"env TERM={term} {sys.executable} -m tui --demo --scenario calm"
    subprocess.run(
        ["tmux", "-L", socket, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command],
        check=True,
        env=env,
        timeout=10,
    )
    try:
        screen = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            screen = _tmux(socket, "capture-pane", "-e", "-p", "-t", name)
            if "%" in SGR.sub("", screen) and "S&P 500" in screen:
                break
            time.sleep(0.3)
        plain = SGR.sub("", screen)
        ups = set(re.findall(r"\+\d+\.\d\d%", plain))
        downs = set(re.findall(r"-\d+\.\d\d%", plain))
        assert ups and downs, plain
        up_codes = set().union(*(_colour_of(screen, u) for u in ups))
        down_codes = set().union(*(_colour_of(screen, d) for d in downs))
        # The row under the cursor is drawn reversed in the accent colour: ignore that one row.
        assert up_codes & {"32", "92"}, (up_codes, plain)
        assert down_codes & {"31", "91"}, (down_codes, plain)
        assert not up_codes & {"31", "91", "37"}, up_codes
        assert not down_codes & {"32", "92", "37"}, down_codes
        # The detail view's change % too.
        _tmux(socket, "send-keys", "-t", name, "3")
        time.sleep(0.5)
        _tmux(socket, "send-keys", "-t", name, "Enter")
        detail = ""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "Change %" not in SGR.sub("", detail):
            time.sleep(0.3)
            detail = _tmux(socket, "capture-pane", "-e", "-p", "-t", name)
        line = next(ln for ln in detail.splitlines() if "Change %" in SGR.sub("", ln))
        value = re.search(r"[+-]\d+\.\d\d%", SGR.sub("", line))
        assert value is not None, line
        assert _colour_of(line, value.group()) & {"31", "91", "32", "92"}, line
    finally:
        _tmux(socket, "kill-server")
