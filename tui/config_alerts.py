"""The ``[alerts]`` section of the config: validated as strictly as the rest of it.

Kept apart from :mod:`tui.config` (which calls it with its checker) so that module stays a
readable size. Every mistake names the file and the key, e.g. ``alerts.rules[1].sigma``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Protocol

from tui.data.alert_rules import EVERY, AlertRule, AlertsConfig, Condition

_ALERT_KEYS = {"log", "bell", "command", "rules"}
_RULE_KEYS = {"symbol", *(c.value for c in Condition)}


class Checker(Protocol):
    def fail(self, key: str, message: str) -> Exception: ...

    def table(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> dict[str, Any]: ...


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), "a list" if isinstance(value, list) else "a table"
    )


def parse_alerts(
    check: Checker, data: Mapping[str, Any], board: Collection[str], base: Path | None
) -> AlertsConfig:
    """``data`` is the whole config; ``board`` every symbol in a pane."""
    raw = check.table(data, "alerts", _ALERT_KEYS)
    log: Path | None = None
    if "log" in raw:
        if not isinstance(raw["log"], str) or not raw["log"].strip():
            raise check.fail("alerts.log", f"must be a file path string, not {_kind(raw['log'])}")
        log = Path(raw["log"]).expanduser()
        if not log.is_absolute() and base is not None:
            log = base.parent / log  # relative to the config file, not the working directory
    bell = raw.get("bell")
    if bell is not None and not isinstance(bell, bool):
        raise check.fail("alerts.bell", f"must be true or false, not {_kind(bell)}")
    command: tuple[str, ...] = ()
    if "command" in raw:
        value = raw["command"]
        if isinstance(value, str):
            raise check.fail(
                "alerts.command",
                'must be a list of arguments (e.g. ["notify-send", "marketmon"]), not a string: '
                "it is never run through a shell",
            )
        if not isinstance(value, list) or not value:
            raise check.fail("alerts.command", f"must be a non-empty list, not {_kind(value)}")
        for i, arg in enumerate(value):
            if not isinstance(arg, str) or not arg:
                raise check.fail(f"alerts.command[{i}]", f"must be a string, not {_kind(arg)}")
        command = tuple(value)
    rules_raw = raw.get("rules", [])
    if not isinstance(rules_raw, list):
        raise check.fail("alerts.rules", "must be an array of tables ([[alerts.rules]])")
    rules = tuple(_rule(check, i, rule, board) for i, rule in enumerate(rules_raw))
    return AlertsConfig(log=log, bell=bell, command=command, rules=rules)


def _rule(check: Checker, index: int, raw: Any, board: Collection[str]) -> AlertRule:
    key = f"alerts.rules[{index}]"
    if not isinstance(raw, dict):
        raise check.fail(key, f"must be a table, not {_kind(raw)}")
    for name in raw:
        if name not in _RULE_KEYS:
            allowed = ", ".join(sorted(_RULE_KEYS))
            raise check.fail(f"{key}.{name}", f"unknown key (expected one of: {allowed})")
    symbol = raw.get("symbol")
    if not isinstance(symbol, str) or not symbol.strip():
        raise check.fail(f"{key}.symbol", 'is required: a symbol on the board, or "*"')
    symbol = symbol.strip()
    if symbol != EVERY and symbol not in board:
        raise check.fail(f"{key}.symbol", f"{symbol!r} is not on the board (no pane lists it)")
    given = [c for c in Condition if c.value in raw]
    if not given:
        names = ", ".join(c.value for c in Condition)
        raise check.fail(key, f"has no condition (give exactly one of: {names})")
    if len(given) > 1:
        both = " and ".join(c.value for c in given)
        raise check.fail(f"{key}.{given[1].value}", f"conflicts with {given[0].value}: {both}")
    condition = given[0]
    threshold = raw[condition.value]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise check.fail(f"{key}.{condition.value}", f"must be a number, not {_kind(threshold)}")
    if condition is Condition.SIGMA and threshold <= 0:
        raise check.fail(f"{key}.sigma", f"must be more than 0 (|σ| ≥ value), got {threshold}")
    return AlertRule(symbol=symbol, condition=condition, threshold=float(threshold))
