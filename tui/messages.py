"""Messages between the app and its screens (dataclasses, as in Posting)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.data.snapshot import MarketSnapshot


@dataclass
class SnapshotUpdated(Message):
    """A new snapshot has been applied; screens showing data update themselves from it."""

    snapshot: MarketSnapshot


@dataclass
class OpenDetail(Message):
    """Open the detail view of one instrument."""

    pane: str
    symbol: str
