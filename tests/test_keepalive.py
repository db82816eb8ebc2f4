"""Connections survive between refreshes: a poll every 30 s must not redo TCP and TLS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import httpcore._async.http11 as http11
import pytest

from tests.faultserver import FaultServer
from tui.config import DEFAULT_FEEDS, PROVIDER_URLS, _build, load_config
from tui.data.clock import SystemClock
from tui.data.factory import build_engine
from tui.data.http import make_client


@pytest.fixture
def servers() -> Iterator[dict[str, FaultServer]]:
    """One server per provider host, as on the internet (per-host limits apply)."""
    started = {name: FaultServer() for name in [*PROVIDER_URLS, "rss"]}
    for server in started.values():
        server.start()
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


async def test_a_refresh_after_the_refresh_interval_reuses_every_connection(
    servers: dict[str, FaultServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _build(
        {
            "providers": {name: {"base_url": servers[name].url} for name in PROVIDER_URLS},
            "headlines": {
                "feeds": [
                    f"{servers['rss'].url}/rss/feed{i}.xml" for i in range(len(DEFAULT_FEEDS))
                ]
            },
        },
        None,
    )
    refresh = load_config(None).general.refresh
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
    assert opened > 20  # many hosts, up to per_host connections each: all of them kept
    assert reopened == 0
