"""Alerts: rule semantics (pure), their config errors, and the dispatcher's side effects."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tui.config import ConfigError, load_config
from tui.data.alert_dispatch import AlertDispatcher, AlertMonitor, AlertStateFile
from tui.data.alert_rules import AlertRule, Condition
from tui.data.alerts import AlertEvent, evaluate
from tui.data.snapshot import (
    MarketSnapshot,
    PaneSnapshot,
    Quote,
    SnapshotOrigin,
    StaleReason,
)

T0 = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)


def quote(symbol: str = "SI=F", last: float | None = 80.0, **kw: object) -> Quote:
    base = Quote(
        pane="metals",
        group="Futures",
        symbol=symbol,
        name="Silver futures",
        source="yahoo",
        currency="USD",
        last=last,
        prev_close=100.0,
        change=None if last is None else last - 100.0,
        change_pct=None if last is None else last - 100.0,
        day_high=None,
        day_low=None,
        range_pos=None,
        as_of=T0,
        stale_reason=None,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def snap(
    *quotes: Quote, at: datetime = T0, origin: SnapshotOrigin = SnapshotOrigin.LIVE
) -> MarketSnapshot:
    return MarketSnapshot(
        generated_at=at,
        demo=False,
        panes=(PaneSnapshot("metals", ("Futures",), quotes),),
        origin=origin,
    )


BELOW_75 = AlertRule("SI=F", Condition.BELOW, 75.0)


def run(prices: list[float | None], rule: AlertRule = BELOW_75) -> list[int]:
    """Indices of the snapshots (one per price) on which ``rule`` fired."""
    state: dict[str, date] = {}
    fired = []
    for i, price in enumerate(prices):
        events, state = evaluate(snap(quote(last=price)), [rule], state)
        if events:
            fired.append(i)
    return fired


def test_fires_once_when_the_condition_becomes_true() -> None:
    assert run([80, 76, 74.9, 74, 70, 60]) == [2]


def test_a_wobble_across_the_line_does_not_ring_every_refresh() -> None:
    # 75.05 is above the line but within 0.1 % of it: not re-armed.
    assert run([74.9, 75.05, 74.95, 75.07, 74.9]) == [0]
    # Clearly above (> 75.075) re-arms it; crossing again fires again.
    assert run([74.9, 75.2, 74.9]) == [0, 2]


def test_sigma_rules_use_abs_sigma_with_a_quarter_sigma_hysteresis() -> None:
    rule = AlertRule("*", Condition.SIGMA, 4.0)
    state: dict[str, date] = {}
    fired = []
    for i, sigma in enumerate([-2.0, -4.1, -3.9, -3.8, -3.7, -4.2, 4.5]):
        events, state = evaluate(snap(quote(sigma=sigma)), [rule], state)
        fired += [(i, e.symbol, e.rule) for e in events]
    assert fired == [(1, "SI=F", "sigma 4"), (5, "SI=F", "sigma 4")]


def test_change_pct_rules() -> None:
    assert run(
        [95, 89.9, 90.05, 89.5, 90.2, 89.0], AlertRule("SI=F", Condition.CHANGE_PCT_BELOW, -10)
    ) == [1, 5]
    assert run([101, 103, 102.95, 103.1], AlertRule("SI=F", Condition.CHANGE_PCT_ABOVE, 3)) == [1]


def test_never_fires_on_missing_failing_cached_or_replayed_prices() -> None:
    rules = [BELOW_75]
    assert evaluate(snap(quote(last=None)), rules, {})[0] == ()
    failing = quote(last=60.0, stale_reason=StaleReason.FAILING)
    assert evaluate(snap(failing), rules, {})[0] == ()
    for origin in (SnapshotOrigin.CACHED, SnapshotOrigin.REPLAY):
        assert evaluate(snap(quote(last=60.0), origin=origin), rules, {})[0] == ()
    # A closed market's price is a real close: it counts.
    closed = quote(last=60.0, stale_reason=StaleReason.CLOSED)
    assert len(evaluate(snap(closed), rules, {})[0]) == 1
    # A failing source's value neither fires nor re-arms a fired rule.
    _, state = evaluate(snap(quote(last=60.0)), rules, {})
    _, after = evaluate(snap(quote(last=90.0, stale_reason=StaleReason.FAILING)), rules, state)
    assert after == state


def test_event_fields_and_message_are_sanitised() -> None:
    hostile = quote(last=60.0, name="Silver\x1b]52;c;ZXZpbA==\x07 [bold]x[/]")
    (event,), _ = evaluate(snap(hostile), [BELOW_75], {})
    assert event.record() == {
        "at": "2026-02-03T15:00:00Z",
        "symbol": "SI=F",
        "rule": "below 75",
        "value": 60.0,
        "message": event.message,
    }
    assert "\x1b" not in event.message and "\x07" not in event.message
    assert event.message.startswith("Silver")
    assert "at 60.00 (-40.00%), at or below 75" in event.message


def test_fired_state_survives_a_restart_the_same_day_only(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    monitor = AlertMonitor([BELOW_75], AlertStateFile(path), lambda: T0)
    events, problem = monitor.check(snap(quote(last=60.0)))
    assert len(events) == 1 and problem is None
    # Restart the same day: the condition is still true, and it does not fire again.
    later = T0 + timedelta(hours=3)
    again = AlertMonitor([BELOW_75], AlertStateFile(path), lambda: later)
    assert again.check(snap(quote(last=60.0), at=later))[0] == ()
    # The next day a fresh start may fire it again.
    tomorrow = T0 + timedelta(days=1)
    fresh = AlertMonitor([BELOW_75], AlertStateFile(path), lambda: tomorrow)
    assert len(fresh.check(snap(quote(last=60.0), at=tomorrow))[0]) == 1


# --- config errors: exit 2, one line naming the file and the key -----------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('symbol = "SI=F"', "alerts.rules[0]", "no condition"),
        ('symbol = "SI=F"\nbelow = 70\nabove = 80', "alerts.rules[0].", "conflicts"),
        ('symbol = "SI=F"\nbelow = 70\nsigma = 3', "alerts.rules[0].sigma", "conflicts"),
        ('symbol = "NOPE"\nbelow = 70', "alerts.rules[0].symbol", "not on the board"),
        ('symbol = "SI=F"\nbelow = "70"', "alerts.rules[0].below", "must be a number"),
        ('symbol = "SI=F"\nsigma = true', "alerts.rules[0].sigma", "must be a number"),
        ("below = 70", "alerts.rules[0].symbol", "required"),
        ('symbol = "SI=F"\nunder = 70', "alerts.rules[0].under", "unknown key"),
    ],
)
def test_bad_rules_are_config_errors(tmp_path: Path, body: str, key: str, words: str) -> None:
    path = write(tmp_path, f"[[alerts.rules]]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert text.startswith(f"{path}: {key}") and words in text and "\n" not in text


def test_command_as_a_string_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[alerts]\ncommand = "notify-send marketmon"\n')
    result = subprocess.run(
        [sys.executable, "-m", "tui", "snapshot", "--demo", "--config", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: alerts.command" in lines[0]


def test_a_good_alerts_section(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[alerts]\nlog = "a.jsonl"\nbell = false\ncommand = ["notify-send", "marketmon"]\n'
        '[[alerts.rules]]\nsymbol = "SI=F"\nbelow = 75\n'
        '[[alerts.rules]]\nsymbol = "*"\nsigma = 4.0\n',
    )
    alerts = load_config(path).alerts
    assert alerts.log == tmp_path / "a.jsonl"
    assert alerts.bell is False
    assert alerts.command == ("notify-send", "marketmon")
    assert alerts.rules == (BELOW_75, AlertRule("*", Condition.SIGMA, 4.0))


def test_snapshot_lists_fired_alerts(tmp_path: Path) -> None:
    path = write(tmp_path, '[[alerts.rules]]\nsymbol = "*"\nsigma = 10\n')
    argv = ["snapshot", "--demo", "--format", "json", "--config", str(path)]
    result = subprocess.run(
        [sys.executable, "-m", "tui", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    alerts = json.loads(result.stdout)["alerts"]
    assert {a["symbol"] for a in alerts} == {"SI=F", "XAG", "^VIX"}
    assert all(set(a) == {"at", "symbol", "rule", "value", "message"} for a in alerts)
    silver = next(a for a in alerts if a["symbol"] == "SI=F")
    assert silver["rule"] == "sigma 10" and -14 < silver["value"] < -12


# --- the dispatcher -----------------------------------------------------------------------------

EVENT = AlertEvent(T0, "SI=F", "below 75", 60.0, "Silver futures (SI=F) at 60.00; rm -rf / $(x)")


async def test_log_lines_and_bell(tmp_path: Path) -> None:
    rings = []
    log = tmp_path / "deep" / "alerts.jsonl"
    dispatcher = AlertDispatcher(log, bell=lambda: rings.append(1))
    assert await dispatcher.dispatch([EVENT, EVENT]) == []
    assert await dispatcher.dispatch([]) == []
    lines = log.read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [EVENT.record(), EVENT.record()]
    assert rings == [1]


async def test_unwritable_log_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    dispatcher = AlertDispatcher(blocker / "alerts.jsonl")
    problems = await dispatcher.dispatch([EVENT])
    assert len(problems) == 1 and "cannot write" in problems[0]


async def test_command_gets_the_message_as_one_argument_without_a_shell(tmp_path: Path) -> None:
    out = tmp_path / "argv.json"
    script = f"import json,sys; json.dump(sys.argv[1:], open({str(out)!r}, 'w'))"
    dispatcher = AlertDispatcher(None, command=[sys.executable, "-c", script, "marketmon"])
    assert await dispatcher.dispatch([EVENT]) == []
    assert json.loads(out.read_text()) == ["marketmon", EVENT.message]


async def test_command_failures_are_shown_never_fatal(tmp_path: Path) -> None:
    missing = AlertDispatcher(None, command=[str(tmp_path / "no-such-program")])
    (problem,) = await missing.dispatch([EVENT])
    assert "no-such-program" in problem
    failing = AlertDispatcher(None, command=[sys.executable, "-c", "raise SystemExit(3)"])
    assert await failing.dispatch([EVENT]) == [
        f"alert command {Path(sys.executable).name}: exit status 3"
    ]
    slow = AlertDispatcher(
        None, command=[sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5
    )
    started = time.monotonic()
    (problem,) = await slow.dispatch([EVENT])
    assert "no exit within 0.5 s" in problem
    assert time.monotonic() - started < 5


def test_default_log_and_state_live_in_the_platform_state_dir() -> None:
    from tui.data.alert_dispatch import default_state_dir

    assert str(default_state_dir()).startswith(os.environ["XDG_STATE_HOME"])
