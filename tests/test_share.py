"""The Redis share against a real redis-server (tests/redis_server.py): election, publishing,
failover, outages, hostile publishers and secrets. No Redis mocks anywhere in this file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.redis_server import RedisServer, redis_or_skip
from tui.config import default_config, with_share
from tui.data.clock import SystemClock
from tui.data.factory import build_engine
from tui.data.share import Role, ShareNode
from tui.data.share_lock import LocalLock
from tui.data.share_wire import (
    ENVELOPE,
    WIRE_VERSION,
    desk_keys,
    snapshot_message,
)
from tui.data.snapshot import StaleReason

LEASE = 1.5  # seconds: renewals every 0.5 s keep these tests short
STOP_WITHIN = 10.0  # seconds: a cancelled node stops well within this, even with Redis down


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with redis_or_skip() as srv:
        yield srv


class Desk:
    """Share nodes of one desk in this process, each with its own demo engine."""

    def __init__(self, url: str, lock_dir: Path) -> None:
        self.config = with_share(default_config(), url)
        self.keys = desk_keys(self.config, demo=True, seed=7, scenario="selloff")
        self.url = url
        self.lock_dir = lock_dir
        self.nodes: list[ShareNode] = []
        self.tasks: dict[ShareNode, asyncio.Task[None]] = {}
        self.polls: dict[ShareNode, Callable[[], int]] = {}

    def add(self, url: str | None = None, retry: float = 0.3) -> ShareNode:
        clock = SystemClock()
        engine = build_engine(self.config, clock=clock, demo=True)
        node = ShareNode(
            url or self.url,
            self.keys,
            engine,
            clock,
            lease=LEASE,
            retry=retry,
            lock=LocalLock(self.keys.desk, self.lock_dir),
        )
        self.polls[node] = lambda: sum(s.attempts for s in engine.states.values())
        self.nodes.append(node)
        self.tasks[node] = asyncio.create_task(node.run())
        return node

    async def kill(self, node: ShareNode) -> None:
        """Stop a node like SIGKILL would: no release of the lease. Bounded: a node that
        does not stop within STOP_WITHIN fails the test (never a hung teardown)."""
        task = self.tasks.pop(node)
        self.nodes.remove(node)
        task.cancel()
        await asyncio.wait({task}, timeout=STOP_WITHIN)
        assert task.done(), f"a share node did not stop within {STOP_WITHIN} s of cancel()"
        with contextlib.suppress(asyncio.CancelledError):
            task.result()

    async def close(self) -> None:
        """Cancel every node at once, then wait for all of them (bounded)."""
        tasks = list(self.tasks.values())
        self.tasks.clear()
        self.nodes.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_WITHIN)
        stuck = [t for t in tasks if not t.done()]
        assert not stuck, f"{len(stuck)} share node(s) did not stop within {STOP_WITHIN} s"
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                task.result()

    def fetchers(self) -> list[ShareNode]:
        return [n for n in self.nodes if n.fetching]


@pytest.fixture
async def desk(server: RedisServer, tmp_path: Path) -> AsyncIterator[Desk]:
    d = Desk(server.url, tmp_path)
    try:
        yield d
    finally:
        await d.close()


async def until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def prices(snapshot) -> dict[str, float | None]:
    return {q.symbol: q.last for q in snapshot.quotes}


async def test_one_fetcher_and_viewers_that_show_its_snapshots(desk: Desk) -> None:
    nodes = [desk.add() for _ in range(3)]
    await until(lambda: all(n.view() is not None and n.view().quote_count for n in nodes))
    await asyncio.sleep(LEASE)  # a few renewals: the roles must hold
    assert len(desk.fetchers()) == 1
    fetcher = desk.fetchers()[0]
    viewers = [n for n in nodes if n is not fetcher]
    assert fetcher.role is Role.FETCHER and all(v.role is Role.VIEWER for v in viewers)
    assert fetcher.published >= 1
    for viewer in viewers:
        assert desk.polls[viewer]() == 0  # a viewer never asked the upstream anything
        assert viewer.stale_reason() is None
        assert prices(viewer.view()) == prices(fetcher.current)
        assert viewer.view().headlines == fetcher.current.headlines
        assert [s.name for s in viewer.view().sources] == [s.name for s in fetcher.current.sources]


async def test_a_late_viewer_starts_from_the_last_value_key(desk: Desk) -> None:
    first = desk.add()
    await until(lambda: first.published >= 1)
    published = first.current
    late = desk.add()
    await until(lambda: late.role is Role.VIEWER and late.current is not None, timeout=3)
    assert late.received >= 1
    assert prices(late.current) == prices(published)


async def test_takeover_within_the_lease_from_the_last_snapshot(desk: Desk) -> None:
    a = desk.add()
    await until(lambda: a.published >= 1)
    b = desk.add()
    await until(lambda: b.current is not None)
    before = prices(a.current)
    client = aioredis.from_url(desk.url)
    await desk.kill(a)  # no release: the lease must expire
    left = await client.pttl(desk.keys.lease) / 1000
    await client.aclose()
    took = await until(lambda: b.role is Role.FETCHER, timeout=LEASE + 2)
    assert took <= LEASE + 0.3  # the lease, plus scheduling slack on a loaded machine
    assert took <= left + 0.3  # taken when it expires, not a polling interval later
    assert b._seed is not None and prices(b._seed) == before  # started from the last snapshot
    await until(lambda: b.published >= 1)


async def test_a_clean_close_hands_over_at_once(desk: Desk) -> None:
    a = desk.add()
    await until(lambda: a.published >= 1)
    b = desk.add()
    await until(lambda: b.current is not None)
    await a.close()
    await desk.kill(a)
    took = await until(lambda: b.role is Role.FETCHER, timeout=LEASE + 2)
    assert took < LEASE / 2


async def test_a_fetcher_that_hung_past_its_lease_never_leaves_two_fetchers(
    desk: Desk, server: RedisServer
) -> None:
    a = desk.add()
    await until(lambda: a.published >= 1)
    b = desk.add()
    await until(lambda: b.current is not None)
    # a "hangs" past its lease: blocking this event loop freezes both nodes, so the lease
    # expires in Redis with neither renewing it. On waking, either b takes the free lease or
    # a takes it again first (both were frozen: which one runs first is a race, and each is
    # a legitimate holder of a lease nobody held). What must hold: a's fenced renewal of the
    # expired lease fails, there are never two fetchers, and once the handover settles there
    # is one and the lease names it. (For a moment there may be none: a has stopped its
    # engine on learning it lost the lease, and b has not yet taken the free lease; viewers
    # keep the last snapshot meanwhile.)
    time.sleep(LEASE + 0.3)
    deadline = time.monotonic() + 2 * LEASE
    while time.monotonic() < deadline:
        assert len(desk.fetchers()) <= 1  # never two after the wake-up
        await asyncio.sleep(0.02)
    await until(lambda: len(desk.fetchers()) == 1, timeout=LEASE + 2, what="one fetcher")
    client = aioredis.from_url(server.url)
    holder = (await client.get(desk.keys.lease)).decode()
    await client.aclose()
    assert holder == desk.fetchers()[0].token


async def test_redis_down_at_start_runs_standalone_then_joins(
    server: RedisServer, tmp_path: Path
) -> None:
    server.stop()
    d = Desk(server.url, tmp_path)
    try:
        a, b = d.add(), d.add()
        await until(lambda: a.fetching and b.fetching, what="both standalone")
        assert a.role is Role.STANDALONE
        assert "unreachable" in a.status().note and "standalone" in a.status().note
        assert a.view() is not None and a.stale_reason() is None
        server.start()
        await until(lambda: len(d.fetchers()) == 1 and all(n.connected for n in d.nodes))
        viewer = next(n for n in d.nodes if not n.fetching)
        await until(lambda: viewer.current is not None)
        assert viewer.role is Role.VIEWER and viewer.status().note == ""
    finally:
        await d.close()


async def test_redis_lost_mid_run_viewers_go_stale_one_fetches_all_rejoin(
    desk: Desk, server: RedisServer
) -> None:
    nodes = [desk.add() for _ in range(3)]
    await until(lambda: all(n.current is not None for n in nodes))
    server.stop()
    await until(lambda: not any(n.connected for n in nodes), what="all notice")
    await until(lambda: len(desk.fetchers()) == 1, what="one falls back")
    for node in nodes:
        if not node.fetching:
            assert node.stale_reason() == "Redis lost: showing the last snapshot"
            shown = node.view()
            assert shown is not None and shown.quote_count  # the last snapshot stays
            assert all(q.stale_reason is StaleReason.FAILING for q in shown.quotes if q.has_data)
            assert "lost" in node.status().note
    server.start()
    await until(lambda: all(n.connected for n in nodes), what="all rejoin")
    await until(lambda: len(desk.fetchers()) == 1 and all(n.stale_reason() is None for n in nodes))
    roles = sorted(n.role.value for n in nodes)
    assert roles == ["fetcher", "viewer", "viewer"]


async def test_viewer_marks_everything_stale_when_snapshots_stop(
    desk: Desk, server: RedisServer
) -> None:
    a = desk.add()
    await until(lambda: a.published >= 1)
    b = desk.add()
    await until(lambda: b.current is not None)
    # the fetcher "hangs" in a way only Redis sees: its lease key is taken by a stranger who
    # publishes nothing (e.g. a hung process on another box that still holds the lease)
    client = aioredis.from_url(server.url)
    await desk.kill(a)
    await client.set(desk.keys.lease, "stranger", px=60_000)
    await until(lambda: b.stale_reason() is not None, timeout=b.stale_after + 2)
    assert b.stale_reason().startswith("no snapshot from the fetcher for ")
    assert all(q.stale_reason is StaleReason.FAILING for q in b.view().quotes if q.has_data)
    assert not b.fetching
    await client.delete(desk.keys.lease)
    await client.aclose()
    await until(lambda: b.role is Role.FETCHER and b.stale_reason() is None)


async def test_hostile_and_foreign_messages_are_counted_and_never_shown(
    desk: Desk, server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    a = desk.add()
    await until(lambda: a.published >= 1)
    b = desk.add()
    await until(lambda: b.current is not None)
    good = a.current
    evil_name = "\x1b]52;c;cHduZWQ=\x07Gold\x1b[2J [bold]x[/] \u202eevil"
    evil = replace(
        good,
        panes=tuple(
            replace(p, quotes=tuple(replace(q, name=evil_name) for q in p.quotes))
            for p in good.panes
        ),
    )
    client = aioredis.from_url(server.url)
    bad = [
        b"hello",  # foreign
        b"\x1b[2J\x1b]0;pwned\x07",  # escape sequences, not ours
        ENVELOPE + bytes([WIRE_VERSION]) + b"S" + b"MKTMSNAP\x01" + b"\xc1\xff\x00",  # corrupt
        ENVELOPE + bytes([WIRE_VERSION]) + b"Z" + b"x",  # unknown kind
        ENVELOPE + bytes([WIRE_VERSION]) + b"H" + b"short",  # malformed heartbeat
        ENVELOPE + bytes([0]) + b"S",  # an unknown older version
        b"x" * (9 * 1024 * 1024),  # over the size cap
    ]
    for message in bad:
        await client.publish(desk.keys.channel, message)
    await until(lambda: b.ignored == len(bad), what="every bad message counted")
    assert b.role is Role.VIEWER and desk.tasks[b].done() is False
    # a newer version: ignored with a note, not counted as foreign
    await client.publish(desk.keys.channel, ENVELOPE + bytes([WIRE_VERSION + 1]) + b"S" + b"?")
    await until(lambda: "newer marketmon" in b.status().note)
    # a well-formed snapshot with hostile text: decoded, sanitised before anyone sees it
    received = b.received
    await client.publish(desk.keys.channel, snapshot_message(evil))
    await client.aclose()
    await until(lambda: b.received > received)
    names = {q.name for q in b.view().quotes}
    assert names == {"Gold [bold]x[/] evil"}  # markup stays literal text: the UI never parses it
    assert not any("\x1b" in n or "\x07" in n or "\u202e" in n for n in names)
    assert "pwned" not in caplog.text


async def test_password_never_on_screen_or_in_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Sup3rS3cretPw"
    caplog.set_level(logging.DEBUG)
    with redis_or_skip(password=secret) as srv:
        d = Desk(srv.url, tmp_path)
        wrong = Desk(srv.url.replace(secret, secret + "X"), tmp_path / "w")
        (tmp_path / "w").mkdir()
        try:
            a = d.add()
            await until(lambda: a.published >= 1)
            bad = wrong.add()  # a wrong password: refused, reported, not shown
            await until(lambda: bad.status().note != "")
            srv.stop()  # and an outage: errors reported with the URL
            await until(lambda: not a.connected)
            statuses = [a.status(), bad.status()]
        finally:
            await d.close()
            await wrong.close()
    assert all(secret not in repr(s) for s in statuses)
    assert "127.0.0.1" in statuses[0].where and statuses[0].where.startswith("redis://")
    assert caplog.text and secret not in caplog.text


async def test_rediss_tls_share(tmp_path: Path) -> None:
    with redis_or_skip(password="tlspw", tls=True) as srv:
        assert srv.url.startswith("rediss://")
        d = Desk(srv.url, tmp_path)
        try:
            a, b = d.add(), d.add()
            await until(lambda: b.current is not None or a.current is not None)
            await until(lambda: len(d.fetchers()) == 1 and all(n.current for n in d.nodes))
            assert {a.role, b.role} == {Role.FETCHER, Role.VIEWER}
            assert a.where == f"rediss://127.0.0.1:{srv.port}/0"  # no query, no password
        finally:
            await d.close()
        # plain redis:// to a TLS-only port does not connect: the node stays standalone
        plain = Desk(f"redis://:tlspw@127.0.0.1:{srv.port}/0", tmp_path / "p")
        (tmp_path / "p").mkdir()
        try:
            node = plain.add()
            await until(lambda: node.note != "")
            assert node.role is Role.STANDALONE and not node.connected
        finally:
            await plain.close()
