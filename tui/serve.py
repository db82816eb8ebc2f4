"""``marketmon serve``: a headless fetcher for a server box (no UI).

It runs the same share node as the app, so it is one more candidate for the lease: usually the
fetcher of the desk, while the panes on the desks are viewers. SIGTERM (and Ctrl+C) stop it
cleanly: the engine stops, the lease is released at once (a viewer takes over without waiting
for it to expire), connections are closed, and it exits 0. Role changes and Redis trouble are
logged to stderr, with the Redis URL shown without its password.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from tui.config import Config


def run_serve(config: Config, *, demo: bool, seed: int, scenario: str) -> int:
    if config.share is None:
        where = config.path or "the config"
        print(
            f"marketmon: bad config: {where}: share.redis: serve needs [share] redis "
            "(or --share URL)",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(
        level=logging.INFO, format="marketmon serve: %(message)s", stream=sys.stderr
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request lines carry no news here
    return asyncio.run(_serve(config, demo=demo, seed=seed, scenario=scenario))


async def _serve(config: Config, *, demo: bool, seed: int, scenario: str) -> int:
    from tui.data.clock import SystemClock
    from tui.data.factory import build_engine
    from tui.data.share import node_for

    clock = SystemClock()
    client = None
    if not demo:
        from tui.data.http import make_client

        client = make_client(read_timeout=config.general.timeout)
    engine = build_engine(
        config, clock=clock, client=client, demo=demo, seed=seed, scenario=scenario
    )
    node = node_for(config, engine, clock, demo=demo, seed=seed, scenario=scenario)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    lease = config.share.lease if config.share is not None else 0.0
    log = logging.getLogger("marketmon.share")
    log.info("desk %s on %s (lease %g s)", node.keys.desk, node.where, lease)
    task = asyncio.create_task(node.run())
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, stopper):
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending
        await node.close()
        if client is not None:
            await client.aclose()
    log.info("stopped")
    return 0
