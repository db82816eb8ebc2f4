"""Pilot tests of σ on screen: the column, the detail view, the movers view, and alerts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable, Label

from tui.config import load_config
from tui.demo_app import frozen_demo_app, wait_for_data
from tui.screens.alerts import AlertsScreen
from tui.screens.detail import DetailScreen
from tui.screens.main import MainScreen
from tui.screens.movers import MoversScreen
from widgets.quote_table import QuoteTable
from widgets.status_bar import SourceStatusBar


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition never became true")
        await asyncio.sleep(0.05)


def cells(table: DataTable, key: str) -> list[str]:  # type: ignore[type-arg]
    return [c.plain for c in table.get_row(key)]


async def test_sigma_column_shows_where_the_width_allows() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        indices = app.main_screen.query_one("#table-indices", QuoteTable)
        assert indices.visible_columns.index("sigma") == indices.visible_columns.index("pct") + 1
        sigma = cells(indices, "^KS11")[indices.visible_columns.index("sigma")]
        assert sigma.startswith("−") and sigma.endswith("σ") and 5.0 < float(sigma[1:-1]) < 7.0
    narrow = frozen_demo_app()
    # At 120x40 the layout rule gives the indices pane 59 columns: no room for σ.
    async with narrow.run_test(size=(120, 40)) as pilot:
        await wait_for_data(narrow)
        await pilot.pause()
        table = narrow.main_screen.query_one("#table-indices", QuoteTable)
        assert "sigma" not in table.visible_columns  # it goes before name, last, change %, time
        assert {"name", "last", "pct", "age"} <= set(table.visible_columns)


async def test_detail_view_shows_sigma_the_60_day_sigma_and_52_week_position() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("2", "j")  # silver futures, second in the metals pane
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen) and screen.symbol == "SI=F"
        text = {
            k: str(screen.query_one(f"#stat-{k}", Label).render())
            for k in ("sigma", "vol", "range52")
        }
        assert text["sigma"].startswith("−1") and text["sigma"].endswith("σ")
        assert text["vol"] == "1.52% a day"
        assert text["range52"].endswith("% (0 = low, 100 = high close)")


async def test_movers_view_ranks_every_instrument_by_abs_sigma() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MoversScreen)
        table = app.screen.query_one("#movers-table", DataTable)
        assert table.row_count == len([q for q in app.snapshot.quotes if q.has_data]) == 28
        rows = [
            cells(table, str(table.coordinate_to_cell_key((i, 0))[0].value))
            for i in range(table.row_count)
        ]
        first = rows[0]
        assert first[0] == "1" and first[2] in ("SI=F", "XAG") and first[3] == "metals"
        assert first[4].startswith("-19.")
        assert first[5][:4] in ("−12.", "−13.") and first[5].endswith("σ")
        sigmas = [abs(float(r[5].replace("−", "-")[:-1])) for r in rows]
        assert sigmas == sorted(sigmas, reverse=True)
        panes = {r[3] for r in rows}
        assert panes == {"indices", "metals", "crypto"}
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


def alert_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[alerts]\nlog = "alerts.jsonl"\n{extra}\n'
        '[[alerts.rules]]\nsymbol = "SI=F"\nbelow = 75\n'
        '[[alerts.rules]]\nsymbol = "*"\nsigma = 10\n',
        encoding="utf-8",
    )
    return path


async def test_alerts_fire_once_toast_log_and_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = frozen_demo_app(config=load_config(alert_config(tmp_path)))
    rings: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await until(lambda: (tmp_path / "alerts.jsonl").exists())
        await pilot.pause()
        fired = [(e.symbol, e.rule) for e in app.alerts.fired]
        assert sorted(fired) == sorted(
            [("SI=F", "below 75"), ("^VIX", "sigma 10"), ("SI=F", "sigma 10"), ("XAG", "sigma 10")]
        )
        toasts = [n.message for n in app._notifications]
        assert any(m.startswith("DEMO (simulated): Silver futures (SI=F) at ") for m in toasts)
        assert (tmp_path / "state" / "marketmon" / "alerts-state-demo.json").exists()
        lines = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
        assert [(x["symbol"], x["rule"]) for x in lines] == fired
        assert rings  # the bell rang
        # Later snapshots of the same condition do not fire again.
        app._changed()
        await pilot.pause(0.3)
        assert len(app.alerts.fired) == 4
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        table = app.screen.query_one("#alerts-table", DataTable)
        assert table.row_count == 4
        row = cells(table, "0")
        assert row[0] == "15:30:00" and row[2] in ("below 75", "sigma 10")

    # A restart the same day: the conditions already fired today do not fire again.
    again = frozen_demo_app(config=load_config(alert_config(tmp_path)))
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_for_data(again)
        await pilot.pause()
        assert again.alerts is not None and again.alerts.fired == []


async def test_unwritable_log_is_an_error_on_the_status_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "alerts.jsonl").mkdir()  # a directory where the log file should be
    app = frozen_demo_app(low_bandwidth=True, config=load_config(alert_config(tmp_path)))
    monkeypatch.setattr(app, "bell", lambda: pytest.fail("no bell in --low-bandwidth unless set"))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_data(app)
        await until(lambda: app.alert_problem is not None)
        await pilot.pause()
        line = app.main_screen.query_one(SourceStatusBar).build_line(160).plain
        assert line.startswith(f"alert log {tmp_path / 'alerts.jsonl'}: cannot write")
        assert app.is_running and app.alerts is not None and len(app.alerts.fired) == 4
