"""What an alert rule is: its condition, threshold and symbol, and the ``[alerts]`` section.

Apart from the rules' evaluation (:mod:`tui.data.alerts`) because the config reads these at
start, while the evaluation (and the JSON export it logs with) is needed only once live prices
flow: the start-up path to the cached board loads only this small module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

EVERY = "*"  # a rule for every instrument on the board


class Condition(StrEnum):
    BELOW = "below"  # last price at or below
    ABOVE = "above"  # last price at or above
    CHANGE_PCT_BELOW = "change_pct_below"  # day's change % at or below
    CHANGE_PCT_ABOVE = "change_pct_above"  # day's change % at or above
    SIGMA = "sigma"  # |σ-move| at or above


@dataclass(frozen=True, slots=True)
class AlertRule:
    symbol: str  # or EVERY
    condition: Condition
    threshold: float

    @property
    def text(self) -> str:
        """How the rule is written in the log and on screen: ``below 75``, ``sigma 4``."""
        return f"{self.condition.value} {self.threshold:g}"

    def key(self, symbol: str) -> str:
        """The identity of this rule for one symbol in the fired state."""
        return f"{self.symbol}|{self.condition.value}|{self.threshold!r}|{symbol}"


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """The ``[alerts]`` section (read once by tui.config)."""

    log: Path | None = None  # None: alerts.jsonl in the platform state directory
    bell: bool | None = None  # None: on, except with --low-bandwidth
    command: tuple[str, ...] = ()  # argv; the message is appended as one more argument
    rules: tuple[AlertRule, ...] = field(default=())
