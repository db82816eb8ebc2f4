"""Fixes to the Redis share, against a real redis-server (no mocks of Redis):

- a node cancelled while Redis is down always stops, promptly (CI must never hang);
- only the desk's fetcher records (--record) and writes the alert fired-state file;
- values a new fetcher carries over from the last shared snapshot (CACHED) never fire alerts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.redis_server import RedisServer, redis_or_skip
from tests.test_share import LEASE, Desk, prices, until
from tui.app import create_app
from tui.data.alert_rules import AlertRule, AlertsConfig, Condition
from tui.data.alerts import evaluate
from tui.data.clock import SystemClock
from tui.data.factory import build_engine
from tui.data.share import ShareNode
from tui.data.share_lock import LocalLock
from tui.data.snapshot import StaleReason


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with redis_or_skip() as srv:
        yield srv


async def test_nodes_cancelled_while_redis_is_down_always_stop(
    server: RedisServer, tmp_path: Path
) -> None:
    """Redis killed mid-run, then every node cancelled, in many phases of the outage
    (reconnecting, retrying, sleeping, stopping the engine): each stops within 3 s."""
    worst = 0.0
    for round_ in range(8):
        desk = Desk(server.url, tmp_path / str(round_))
        (tmp_path / str(round_)).mkdir()
        for _ in range(3):
            desk.add(retry=0.3)
        await until(lambda d=desk: len(d.fetchers()) == 1, what="one fetcher")
        server.stop()  # SIGKILL: connections reset, reconnects refused
        await asyncio.sleep(0.15 * round_)  # spread the cancels over the outage's phases
        tasks = list(desk.tasks.values())
        desk.tasks.clear()
        start = time.monotonic()
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=3.0)
        worst = max(worst, time.monotonic() - start)
        assert all(t.done() for t in tasks), f"round {round_}: a node did not stop in 3 s"
        assert all(t.cancelled() for t in tasks)
        server.start()
    assert worst < 3.0


async def test_a_viewer_neither_records_nor_writes_the_alert_state(
    server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A viewer app with --record and an alert that fires: it shows the toast, but writes
    no Parquet and no fired-state file; once it takes over (fetcher), it does both."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    state = tmp_path / "state" / "marketmon" / "alerts-state-demo.json"
    record = tmp_path / "rec"
    desk = Desk(server.url, tmp_path)
    desk.config = replace(desk.config, share=replace(desk.config.share, lease=LEASE))
    fetcher = desk.add()
    try:
        await until(lambda: fetcher.published >= 1)
        rule = AlertRule("BTC-USD", Condition.ABOVE, 1.0)  # fires on the first live price
        config = replace(desk.config, alerts=AlertsConfig(rules=(rule,), bell=False))
        app = create_app(config, demo=True, animate=False, record_dir=record)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.alerts is not None and len(app.alerts.fired) >= 1)
            await pilot.pause()
            assert not app.is_fetcher
            assert app.recorder is not None
            app._flush_record(at_exit=True)
            assert not list(record.rglob("*.parquet")), "a viewer recorded"
            assert not state.exists(), "a viewer wrote the alert state file"
            await desk.kill(fetcher)  # the viewer app takes over: now it records
            await until(lambda: app.is_fetcher, timeout=LEASE + 3)
            await until(lambda: app.snapshot is not None and app.snapshot.quote_count > 0)
            await pilot.pause(0.5)
            app._flush_record(at_exit=True)
            assert list(record.rglob("*.parquet")), "the fetcher did not record"
    finally:
        await desk.close()


def _never_answers() -> httpx.AsyncClient:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()  # the upstream never answers: only carried values show
        raise AssertionError("unreachable")

    return httpx.AsyncClient(transport=httpx.MockTransport(hang))


async def test_values_carried_over_by_a_new_fetcher_never_fire_alerts(
    server: RedisServer, tmp_path: Path
) -> None:
    desk = Desk(server.url, tmp_path)
    old = desk.add()
    try:
        await until(lambda: old.published >= 1 and old.current is not None)
        shared = old.current
        assert shared is not None
        await desk.kill(old)  # dies; its last snapshot stays in Redis
        clock = SystemClock()
        client = _never_answers()
        engine = build_engine(desk.config, clock=clock, client=client)
        node = ShareNode(
            server.url,
            desk.keys,
            engine,
            clock,
            lease=LEASE,
            retry=0.3,
            lock=LocalLock(desk.keys.desk, tmp_path),
        )
        desk.nodes.append(node)
        desk.tasks[node] = asyncio.create_task(node.run())
        await until(lambda: node.fetching, timeout=LEASE + 3, what="the new fetcher")
        view = node.view()
        assert view is not None
        carried = [q for q in view.quotes if q.has_data]
        assert carried
        assert all(q.last == prices(shared)[q.symbol] for q in carried)
        assert all(q.stale_reason is StaleReason.CACHED for q in carried)
        rules = [AlertRule("*", Condition.ABOVE, 0.0), AlertRule("*", Condition.BELOW, 1e12)]
        events, _ = evaluate(view, rules, {})
        assert events == ()
        # The same rows live (not carried) do fire: the rules above are not inert.
        live = replace(
            view,
            panes=tuple(
                replace(p, quotes=tuple(replace(q, stale_reason=None) for q in p.quotes))
                for p in view.panes
            ),
        )
        assert len(evaluate(live, rules, {})[0]) == 2 * len({q.symbol for q in carried})
        await client.aclose()
    finally:
        await desk.close()
