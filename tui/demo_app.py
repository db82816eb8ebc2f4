"""A demo app frozen at one moment: the same screen every time (snapshot tests, screenshots)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tui.app import MarketmonApp, create_app
from tui.config import Config, default_config
from tui.data.clock import VirtualClock

# Tuesday 3 February 2026, 15:30 UTC: New York, London and Frankfurt are open; Tokyo, Seoul
# and Hong Kong have closed; the world is selling off.
FROZEN_AT = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)


def frozen_demo_app(
    *, low_bandwidth: bool = False, seed: int = 7, config: Config | None = None
) -> MarketmonApp:
    """The simulated market at :data:`FROZEN_AT`, with every timer and animation off."""
    return create_app(
        config or default_config(),
        demo=True,
        seed=seed,
        low_bandwidth=low_bandwidth,
        clock=VirtualClock(FROZEN_AT),
        animate=False,
    )


async def wait_for_data(app: MarketmonApp, timeout: float = 10.0) -> None:
    """Wait until quotes and headlines are on screen (time does not move: the clock is frozen)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        snap = app.snapshot
        if snap is not None and snap.quote_count and snap.headlines and not app._apply_scheduled:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the demo app showed no data")
