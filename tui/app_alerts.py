"""The alerts, as wired into the app: rules checked on every snapshot, side effects, toasts.

A mixin of :class:`tui.app.MarketmonApp`, kept apart so the app module stays about wiring the
engine to the screens. The rules are pure (tui/data/alerts.py) and the side effects (log,
bell, command, saved state) live in tui/data/alert_dispatch.py; this is when they run and
what the screen shows of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from tui.data.clock import Clock
from tui.data.snapshot import MarketSnapshot
from tui.screens.main import MainScreen

if TYPE_CHECKING:
    from tui.config import Config
    from tui.data.alert_dispatch import AlertDispatcher, AlertMonitor
    from tui.data.alerts import AlertEvent


class AlertWiring(App[None]):
    """Start the monitor, check each applied snapshot, dispatch on the fetcher only."""

    config: Config
    clock: Clock
    demo: bool
    low_bandwidth: bool
    main_screen: MainScreen
    alerts: AlertMonitor | None
    alert_dispatcher: AlertDispatcher | None
    alert_problem: str | None

    if TYPE_CHECKING:

        @property
        def is_fetcher(self) -> bool: ...

    def _start_alerts(self) -> None:
        """Rules from the config; state and log in the platform state dir unless configured."""
        from tui.data.alert_dispatch import (
            AlertDispatcher,
            AlertMonitor,
            AlertStateFile,
            default_state_dir,
        )

        conf = self.config.alerts
        if not conf.rules:
            return
        state_dir = default_state_dir()
        # The simulated market keeps its own fired state: a demo alert must not stop a live
        # one from firing later the same day.
        state = state_dir / ("alerts-state-demo.json" if self.demo else "alerts-state.json")
        self.alerts = AlertMonitor(conf.rules, AlertStateFile(state), self.clock.now)
        ring = conf.bell if conf.bell is not None else not self.low_bandwidth
        self.alert_dispatcher = AlertDispatcher(
            conf.log or state_dir / "alerts.jsonl", conf.command, self.bell if ring else None
        )

    def _check_alerts(self, snapshot: MarketSnapshot) -> None:
        if self.alerts is None:
            return
        events, problem = self.alerts.check(snapshot, save=self.is_fetcher)
        for event in events:
            self.notify(event.message, title="Alert", severity="warning", timeout=10, markup=False)
        if problem:
            self._show_alert_problem([problem])
        # Only the desk's fetcher writes the log and runs commands (a desk of four rings once);
        # a viewer still shows the toast.
        if events and self.alert_dispatcher is not None and self.is_fetcher:
            self.run_worker(self._dispatch(events), group="alerts")

    async def _dispatch(self, events: tuple[AlertEvent, ...]) -> None:
        assert self.alert_dispatcher is not None
        problems = await self.alert_dispatcher.dispatch(events)
        if problems:
            self._show_alert_problem(problems)
        elif self.alert_problem is not None:  # it works again (e.g. the disk has room)
            self.alert_problem = None
            self.main_screen.set_notice(None)

    def _show_alert_problem(self, problems: list[str]) -> None:
        """Shown on the status line and as a toast; the app keeps running."""
        self.alert_problem = problems[-1]
        self.main_screen.set_notice(self.alert_problem)
        for problem in problems:
            self.notify(problem, title="Alert failed", severity="error", timeout=8, markup=False)

    def action_alerts(self) -> None:
        from tui.screens.alerts import AlertsScreen

        if isinstance(self.screen, AlertsScreen):
            return
        monitor = self.alerts
        self.push_screen(
            AlertsScreen(
                lambda: monitor.fired if monitor is not None else (),
                self.config.alerts.rules,
                lambda: self.alert_problem,
            )
        )
