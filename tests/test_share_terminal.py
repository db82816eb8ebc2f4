"""A hostile publisher on the share's channel, against the real app under a pty: the viewer
keeps running, shows the text sanitised, and writes only Textual's own escape sequences."""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import replace
from pathlib import Path

import redis

from tests import hostile
from tests.redis_server import redis_or_skip
from tests.test_terminal_safety import assert_terminal_safe, needs_pty, run_in_pty
from tui.config import default_config, with_share
from tui.data.clock import SystemClock
from tui.data.factory import build_engine
from tui.data.share_wire import ENVELOPE, WIRE_VERSION, desk_keys, snapshot_message
from tui.data.snapshot import MarketSnapshot


def hostile_snapshot() -> MarketSnapshot:
    engine = build_engine(default_config(), clock=SystemClock(), demo=True)
    snap = asyncio.run(engine.refresh_once())
    corpus = itertools.cycle(text for _, text in hostile.CORPUS)
    panes = tuple(
        replace(p, quotes=tuple(replace(q, name=next(corpus)) for q in p.quotes))
        for p in snap.panes
    )
    headlines = tuple(replace(h, title=next(corpus), source=next(corpus)) for h in snap.headlines)
    return replace(snap, panes=panes, headlines=headlines)


@needs_pty
def test_a_hostile_publisher_never_reaches_the_viewers_terminal(tmp_path: Path) -> None:
    with redis_or_skip() as server:
        config_path = tmp_path / "viewer.toml"
        config_path.write_text(f'[share]\nredis = "{server.url}"\n')
        config = with_share(default_config(), server.url)
        keys = desk_keys(config, demo=True, seed=7, scenario="selloff")
        evil = snapshot_message(hostile_snapshot())
        client = redis.Redis.from_url(server.url)
        client.set(keys.lease, "a-hostile-fetcher", px=120_000)  # the app stays a viewer
        client.set(keys.last, evil)
        junk = [
            b"\x1b]52;c;" + hostile.CLIPBOARD_B64.encode() + b"\x07",
            ENVELOPE + bytes([WIRE_VERSION]) + b"S" + b"\x1b[2J" * 100,
            b"\x9b31m" + hostile.FAKE_TITLE.encode(),
        ]
        stop = threading.Event()

        def publish() -> None:
            while not stop.wait(0.3):
                for message in (*junk, evil):
                    client.publish(keys.channel, message)

        publisher = threading.Thread(target=publish, daemon=True)
        publisher.start()
        try:
            run = run_in_pty(
                config_path, [b"n", b"\x1b", b"q"], ready=b"Erase screen", args=("--demo",)
            )
        finally:
            stop.set()
            publisher.join(5)
            client.close()
    assert not run.hung and run.returncode == 0, run.raw[-2000:].decode("utf-8", "replace")
    seen = assert_terminal_safe(run.raw)
    assert "Erase screen" in seen.visible and "VIEWER" in seen.visible
    assert "[bold]BOLD[/]" in seen.visible  # markup shown literally
    assert "foreign message(s) ignored" in seen.visible
