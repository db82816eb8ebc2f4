"""What happens when alerts fire: the JSON-lines log, the bell, the command, the saved state.

Every side effect of alerts lives here, apart from the pure rules in :mod:`tui.data.alerts`,
so that a desk of several instances can let only one of them write the log and run the
command. A failure here is reported back as text for the status line and never raised: an
unwritable log or a broken command must not stop a market monitor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from tui.data.alert_rules import AlertRule
from tui.data.alerts import AlertEvent, AlertState, evaluate
from tui.data.sanitize import sanitize_text
from tui.data.snapshot import MarketSnapshot

COMMAND_TIMEOUT = 5.0


def default_state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path("marketmon", appauthor=False)


class AlertDispatcher:
    """Writes fired alerts to the log, rings the bell and runs the command (no shell)."""

    def __init__(
        self,
        log: Path | None,
        command: Sequence[str] = (),
        bell: Callable[[], None] | None = None,
        timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self.log = log
        self.command = tuple(command)
        self.bell = bell
        self.timeout = timeout

    async def dispatch(self, events: Sequence[AlertEvent]) -> list[str]:
        """Act on ``events``; return what went wrong, one short line each."""
        if not events:
            return []
        problems: list[str] = []
        if self.bell is not None:
            self.bell()
        if self.log is not None and (problem := self.write_log(events)) is not None:
            problems.append(problem)
        if self.command:
            for event in events:
                if (problem := await self.run_command(event.message)) is not None:
                    problems.append(problem)
        return problems

    def write_log(self, events: Sequence[AlertEvent]) -> str | None:
        assert self.log is not None
        lines = "".join(json.dumps(e.record(), ensure_ascii=False) + "\n" for e in events)
        try:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            with self.log.open("a", encoding="utf-8") as out:
                out.write(lines)
        except OSError as exc:
            return f"alert log {self.log}: cannot write ({exc.strerror or exc})"
        return None

    async def run_command(self, message: str) -> str | None:
        """Run the command with ``message`` as its last argument, never through a shell."""
        argv = [*self.command, sanitize_text(message, 300)]
        name = sanitize_text(Path(argv[0]).name or argv[0], 60)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            return f"alert command {name}: {exc.strerror or exc}"
        try:
            code = await asyncio.wait_for(proc.wait(), self.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            return f"alert command {name}: no exit within {self.timeout:g} s, stopped"
        if code != 0:
            return f"alert command {name}: exit status {code}"
        return None


class AlertStateFile:
    """The fired state, saved so that a restart does not fire today's alerts again."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def load(self, today: date) -> dict[str, date]:
        """Today's entries (older days' are dropped: their conditions may fire again)."""
        if self.path is None:
            return {}
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            state = {str(k): date.fromisoformat(v) for k, v in raw.items()}
        except (OSError, ValueError, AttributeError, TypeError):
            return {}
        return {k: d for k, d in state.items() if d == today}

    def save(self, state: AlertState) -> str | None:
        if self.path is None:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({k: d.isoformat() for k, d in state.items()}), "utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            return f"alert state {self.path}: cannot write ({exc.strerror or exc})"
        return None


class AlertMonitor:
    """Rules plus their state across snapshots: what the app calls on every snapshot."""

    def __init__(
        self,
        rules: Sequence[AlertRule],
        state_file: AlertStateFile,
        now: Callable[[], datetime],
    ) -> None:
        self.rules = tuple(rules)
        self.state_file = state_file
        self.state: dict[str, date] = state_file.load(now().astimezone(UTC).date())
        self.fired: list[AlertEvent] = []  # this session's alerts, oldest first

    def check(
        self, snapshot: MarketSnapshot, *, save: bool = True
    ) -> tuple[tuple[AlertEvent, ...], str | None]:
        """The events ``snapshot`` fires, and a problem saving the state (or None).

        ``save=False`` (a viewer of a Redis share): the fired state stays in memory, so the
        toast shows once, but only the desk's fetcher writes the state file."""
        events, state = evaluate(snapshot, self.rules, self.state)
        problem = None
        if state != self.state:
            self.state = state
            if save:
                problem = self.state_file.save(state)
        self.fired.extend(events)
        return events, problem
