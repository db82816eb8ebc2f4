"""The share in the real app (Pilot) and in ``marketmon serve`` (subprocesses), against a real
redis-server: what a viewer shows, failover on screen, SIGTERM/SIGKILL/SIGSTOP of a fetcher."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from tests.redis_server import RedisServer, redis_or_skip
from tests.test_share import LEASE, Desk, prices, until
from tui.app import create_app
from tui.config import default_config, with_share
from tui.data.share import Role
from tui.data.share_wire import desk_keys
from widgets.quote_table import QuoteTable
from widgets.share_badge import ShareBadge

SECRET = "Pa55wordOnTheWire"


@pytest.fixture
def server() -> RedisServer:
    with redis_or_skip(password=SECRET) as srv:
        yield srv


def shared_app(url: str):
    config = with_share(default_config(), url)
    config = replace(config, share=replace(config.share, lease=LEASE))
    return create_app(config, demo=True, animate=False)


def badge(app) -> str:
    return str(app.main_screen.query_one(ShareBadge).render())


async def test_a_viewer_app_shows_the_fetchers_prices_and_takes_over(
    server: RedisServer, tmp_path: Path
) -> None:
    desk = Desk(server.url, tmp_path)
    desk.config = replace(desk.config, share=replace(desk.config.share, lease=LEASE))
    fetcher = desk.add()
    try:
        await until(lambda: fetcher.published >= 1)
        app = shared_app(server.url)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.snapshot is not None and app.snapshot.quote_count > 0)
            await pilot.pause()
            assert app.share is not None and app.share.role is Role.VIEWER
            assert not app.is_fetcher
            assert sum(s.attempts for s in app.engine.states.values()) == 0
            assert prices(app.snapshot) == prices(fetcher.current)
            text = badge(app)
            assert "VIEWER" in text and "old" in text and "127.0.0.1" in text
            crypto = app.main_screen.query_one("#table-crypto", QuoteTable)
            assert crypto.row_count == 7
            await desk.kill(fetcher)  # dies without releasing
            await until(lambda: app.is_fetcher, timeout=LEASE + 3)
            await until(lambda: "FETCHER" in badge(app), timeout=3)
            screen = app.export_screenshot()
            assert SECRET not in screen and SECRET not in text
    finally:
        await desk.close()


async def test_a_silent_fetcher_turns_the_viewer_stale_with_a_reason(
    server: RedisServer, tmp_path: Path
) -> None:
    desk = Desk(server.url, tmp_path)
    fetcher = desk.add()
    try:
        await until(lambda: fetcher.published >= 1)
        app = shared_app(server.url)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.snapshot is not None and app.snapshot.quote_count > 0)
            client = redis.Redis.from_url(server.url)
            await desk.kill(fetcher)
            client.set(desk.keys.lease, "a-hung-fetcher-elsewhere", px=60_000)
            await until(lambda: "STALE" in badge(app), timeout=app.share.stale_after + 3)
            await pilot.pause()
            assert "no snapshot from the fetcher" in badge(app)
            assert all(q.stale for q in app.snapshot.quotes if q.has_data)
            cells = [c.plain for c in app.main_screen.query_one("#table-crypto").get_row("BTC-USD")]
            assert any(c.startswith("!") for c in cells)  # the failing-source mark on the row
            client.delete(desk.keys.lease)
            client.close()
    finally:
        await desk.close()


# --- marketmon serve ---------------------------------------------------------------------------


def serve(url: str, tmp_path: Path, name: str, lease: float = 2.0) -> subprocess.Popen[str]:
    config = tmp_path / f"{name}.toml"
    config.write_text(f'[share]\nredis = "{url}"\nlease = {lease}\n')
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--config", str(config), "serve", "--demo"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )


def lease_holder(url: str) -> str | None:
    keys = desk_keys(with_share(default_config(), url), demo=True, seed=7, scenario="selloff")
    value = redis.Redis.from_url(url).get(keys.lease)
    return value.decode() if value else None


def wait_for(predicate, timeout: float) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError("timed out")
        time.sleep(0.05)
    return time.monotonic() - start


def test_serve_exits_cleanly_on_sigterm_releasing_the_lease(
    server: RedisServer, tmp_path: Path
) -> None:
    proc = serve(server.url, tmp_path, "a", lease=15)
    try:
        wait_for(lambda: lease_holder(server.url) is not None, 20)
        assert lease_holder(server.url).endswith(tuple("0123456789abcdef"))
        assert f":{proc.pid}:" in lease_holder(server.url)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert lease_holder(server.url) is None  # released, not left to expire
        err = proc.stderr.read()
        assert "fetcher for desk" in err and "released the lease" in err
        assert SECRET not in err
    finally:
        proc.kill()


def test_serve_failover_after_sigkill_and_after_a_hang(server: RedisServer, tmp_path: Path) -> None:
    lease = 2.0
    a = serve(server.url, tmp_path, "a", lease)
    b = None
    try:
        wait_for(lambda: f":{a.pid}:" in (lease_holder(server.url) or ""), 20)
        b = serve(server.url, tmp_path, "b", lease)
        time.sleep(3)  # b starts and follows
        assert f":{a.pid}:" in lease_holder(server.url)
        a.send_signal(signal.SIGKILL)
        a.wait(5)
        took = wait_for(lambda: f":{b.pid}:" in (lease_holder(server.url) or ""), lease + 3)
        assert took <= lease + 0.5
        # now b hangs (SIGSTOP): a fresh instance takes over; b steps down when it wakes
        c = serve(server.url, tmp_path, "c", lease)
        try:
            time.sleep(3)
            b.send_signal(signal.SIGSTOP)
            wait_for(lambda: f":{c.pid}:" in (lease_holder(server.url) or ""), lease + 3)
            b.send_signal(signal.SIGCONT)
            time.sleep(lease)
            assert f":{c.pid}:" in lease_holder(server.url)
            b.send_signal(signal.SIGTERM)
            assert b.wait(10) == 0
            assert "lost the lease" in b.stderr.read()
        finally:
            c.send_signal(signal.SIGTERM)
            c.wait(10)
    finally:
        for p in (a, b):
            if p is not None and p.poll() is None:
                p.kill()
