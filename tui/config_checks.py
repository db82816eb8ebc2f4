"""The config checker: one place that turns a wrong value into a one-line ``ConfigError``.

Every section parser (tui/config.py, tui/config_panes.py, tui/config_sections.py,
tui/config_alerts.py) validates through it, so each mistake names the file and the key the
same way and start-up exits 2 with that line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A bad configuration: the message names the file and the line or key."""


class Checker:
    def __init__(self, path: Path | None) -> None:
        self.where = str(path) if path else "<defaults>"

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key}: {message}")

    def table(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
        value = data.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {kind(value)}")
        for name in value:
            if name not in allowed:
                raise self.fail(
                    f"{key}.{name}", f"unknown key (expected one of: {', '.join(sorted(allowed))})"
                )
        return value

    def number(self, data: Mapping[str, Any], key: str, default: float, minimum: float) -> float:
        name = key.rsplit(".", 1)[-1]
        if name not in data:
            return default
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {kind(value)}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum:g}, got {value}")
        return float(value)

    def integer(self, data: Mapping[str, Any], key: str, default: int, minimum: int) -> int:
        name = key.rsplit(".", 1)[-1]
        if name not in data:
            return default
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, not {kind(value)}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def strings(self, value: Any, key: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list of strings, not {kind(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{key}[{i}]", f"must be a non-empty string, not {kind(item)}")
        if not value and not allow_empty:
            raise self.fail(key, "must not be empty")
        # Stripped first: " ^GSPC" and "^GSPC" are one symbol, listed twice.
        items = [s.strip() for s in value]
        if len(set(items)) != len(items):
            dup = next(v for v in items if items.count(v) > 1)
            raise self.fail(key, f"lists {dup!r} twice")
        return tuple(items)

    def header_text(self, data: Mapping[str, Any], key: str) -> str | None:
        """A header value: printable ASCII only, so it cannot split or forge other headers."""
        name = key.rsplit(".", 1)[-1]
        if name not in data:
            return None
        value = data[name]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {kind(value)}")
        if not all(" " <= ch <= "~" for ch in value):
            raise self.fail(key, "must be printable ASCII (no control or non-ASCII characters)")
        return value.strip()

    def url(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string URL, not {kind(value)}")
        if not value.startswith(("http://", "https://")):
            raise self.fail(key, f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/")


def kind(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
