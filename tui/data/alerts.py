"""Alert rules, pure: a snapshot and the previous state in, fired events and the new state out.

Nothing here writes, rings or runs anything (that is :mod:`tui.data.alert_dispatch`), so the
semantics can be tested exhaustively and a shared desk can decide which instance acts on them.

Semantics:

* a rule fires once when its condition becomes true, and again only after the condition has
  been false by more than a hysteresis margin (:data:`PRICE_HYSTERESIS` of the threshold for
  prices, :data:`PCT_HYSTERESIS` percentage points for change %, :data:`SIGMA_HYSTERESIS` σ),
  so a price wobbling across the line does not ring on every refresh;
* it never fires (nor re-arms) on a missing value, on the last good value of a failing source,
  or on a snapshot that is not live (read back from the cache, or replayed);
* the state maps each (rule, symbol) that has fired and not re-armed to the UTC day it fired:
  persisted, it stops a condition that already fired today from firing again at start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from tui import format as fmt
from tui.data.alert_rules import EVERY, AlertRule, Condition
from tui.data.export import iso_utc
from tui.data.sanitize import sanitize_text
from tui.data.snapshot import MarketSnapshot, Quote, SnapshotOrigin, StaleReason

PRICE_HYSTERESIS = 0.001  # 0.1 % of the threshold price
PCT_HYSTERESIS = 0.1  # percentage points of change
SIGMA_HYSTERESIS = 0.25  # σ


@dataclass(frozen=True, slots=True)
class AlertEvent:
    at: datetime
    symbol: str
    rule: str
    value: float
    message: str  # sanitised text: safe for a terminal, a log and a command's argument

    def record(self) -> dict[str, Any]:
        """The JSON-lines log entry (also the ``alerts`` items of ``snapshot --format json``)."""
        return {
            "at": iso_utc(self.at),
            "symbol": self.symbol,
            "rule": self.rule,
            "value": float(f"{self.value:.10g}"),
            "message": self.message,
        }


AlertState = Mapping[str, date]


def value_of(quote: Quote, condition: Condition) -> float | None:
    if condition in (Condition.BELOW, Condition.ABOVE):
        return quote.last
    if condition in (Condition.CHANGE_PCT_BELOW, Condition.CHANGE_PCT_ABOVE):
        return quote.change_pct
    return quote.sigma


def holds(condition: Condition, value: float, threshold: float) -> bool:
    if condition in (Condition.BELOW, Condition.CHANGE_PCT_BELOW):
        return value <= threshold
    if condition is Condition.SIGMA:
        return abs(value) >= threshold
    return value >= threshold


def cleared(condition: Condition, value: float, threshold: float) -> bool:
    """False by more than the hysteresis margin: the rule may fire again."""
    if condition is Condition.BELOW:
        return value > threshold + abs(threshold) * PRICE_HYSTERESIS
    if condition is Condition.ABOVE:
        return value < threshold - abs(threshold) * PRICE_HYSTERESIS
    if condition is Condition.CHANGE_PCT_BELOW:
        return value > threshold + PCT_HYSTERESIS
    if condition is Condition.CHANGE_PCT_ABOVE:
        return value < threshold - PCT_HYSTERESIS
    return abs(value) < threshold - SIGMA_HYSTERESIS


def usable(quote: Quote) -> bool:
    """A price an alert may act on: present, and not a failing source's last good value."""
    # A cached price (last run's, shown until the live one arrives) never fires either.
    return quote.last is not None and quote.stale_reason not in (
        StaleReason.FAILING,
        StaleReason.CACHED,
    )


def message(quote: Quote, rule: AlertRule, value: float, *, demo: bool = False) -> str:
    """One line for a toast, the log and the command; simulated prices say so."""
    name = sanitize_text(quote.name, 60)
    symbol = sanitize_text(quote.symbol, 30)
    move = f"{fmt.percent(quote.change_pct)}"
    if rule.condition is Condition.SIGMA:
        what = f"moved {fmt.sigma(value)} ({move}), |σ| ≥ {rule.threshold:g}"
    elif rule.condition in (Condition.BELOW, Condition.ABOVE):
        side = "at or below" if rule.condition is Condition.BELOW else "at or above"
        what = f"at {fmt.price(value)} ({move}), {side} {rule.threshold:g}"
    else:
        side = "at or below" if rule.condition is Condition.CHANGE_PCT_BELOW else "at or above"
        what = f"{fmt.percent(value)} on the day, {side} {rule.threshold:+g}%"
    label = "DEMO (simulated): " if demo else ""
    return sanitize_text(f"{label}{name} ({symbol}) {what}", 300)


def evaluate(
    snapshot: MarketSnapshot, rules: Sequence[AlertRule], state: AlertState
) -> tuple[tuple[AlertEvent, ...], dict[str, date]]:
    """The events ``snapshot`` fires and the state after it (``state`` is not modified)."""
    new = dict(state)
    if snapshot.origin is not SnapshotOrigin.LIVE or not rules:
        return (), new
    today = snapshot.generated_at.astimezone(UTC).date()
    quotes: dict[str, Quote] = {}
    for row in snapshot.quotes:  # one row per symbol, even when two panes list it
        quotes.setdefault(row.symbol, row)
    events: list[AlertEvent] = []
    for rule in rules:
        targets: list[Quote | None] = (
            list(quotes.values()) if rule.symbol == EVERY else [quotes.get(rule.symbol)]
        )
        for quote in targets:
            if quote is None or not usable(quote):
                continue
            value = value_of(quote, rule.condition)
            if value is None:
                continue
            key = rule.key(quote.symbol)
            if key in new:
                if cleared(rule.condition, value, rule.threshold):
                    del new[key]
                continue
            if holds(rule.condition, value, rule.threshold):
                new[key] = today
                events.append(
                    AlertEvent(
                        at=snapshot.generated_at,
                        symbol=quote.symbol,
                        rule=rule.text,
                        value=value,
                        message=message(quote, rule, value, demo=snapshot.demo),
                    )
                )
    return tuple(events), new
