"""Connections survive between refreshes: a poll every 30 s must not redo TCP and TLS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import httpcore._async.http11 as http11
import pytest

from tests.faultserver import FaultServer, default_watchlist_config, one_server_per_host
from tui.data.clock import SystemClock
from tui.data.factory import build_engine
from tui.data.http import make_client


@pytest.fixture
def servers() -> Iterator[dict[str, FaultServer]]:
    with one_server_per_host() as started:
        yield started


async def test_a_refresh_after_the_refresh_interval_reuses_every_connection(
    servers: dict[str, FaultServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = default_watchlist_config(servers)
    refresh = config.general.refresh  # the default, 30 s
    skew = [0.0]  # the connection pool's clock, moved on by one refresh interval
    fake_time = SimpleNamespace(monotonic=lambda: time.monotonic() + skew[0])
    monkeypatch.setattr(http11, "time", fake_time)

    async with make_client(read_timeout=5) as client:
        engine = build_engine(config, clock=SystemClock(), client=client)
        first = await engine.refresh_once()
        opened = sum(s.connections for s in servers.values())
        skew[0] += refresh + 1.0
        second = await engine.refresh_once()
        reopened = sum(s.connections for s in servers.values()) - opened

    assert first.quote_count == second.quote_count == 28
    assert opened > 12  # many hosts, up to per_host connections each: all of them kept
    assert reopened == 0
