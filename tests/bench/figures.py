"""One measured figure: its runs, their median/min/max, a noise flag and its target."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

NOISY_SPREAD = 0.25  # (max - min) / median above this flags the figure as noisy


@dataclass
class Figure:
    group: str
    name: str
    unit: str
    values: list[float] = field(default_factory=list)
    target: float | None = None  # the figure must be <= target (None: informational)
    target_text: str = ""
    floor: float | None = None  # the same figure for the floor app, when there is one
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    @property
    def noisy(self) -> bool:
        med = self.median
        if len(self.values) < 2 or med == 0 or med != med:
            return False
        return (self.high - self.low) / abs(med) > NOISY_SPREAD

    @property
    def ratio_to_floor(self) -> float | None:
        if self.floor is None or self.floor == 0:
            return None
        return self.median / self.floor

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.median <= self.target

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            median=self.median,
            min=self.low,
            max=self.high,
            noisy=self.noisy,
            ratio_to_floor=self.ratio_to_floor,
            met=self.met,
        )
        return data


def fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:
        return "—"
    if unit in ("s",):
        return f"{value:.3f}"
    if unit in ("ms",):
        return f"{value:.1f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"
