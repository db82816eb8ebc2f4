"""The stack floor: the floor app plus what marketmon's fixed stack costs to hold (polars).

The floor app (tests/bench/floor_app.py) after its first paint imports polars and runs the
demo pipeline once (provider frames → selection → moves → snapshot, no network), keeping the
engine alive as marketmon does. Its RSS is the least an app with Textual *and* polars in use
can hold, so marketmon's RSS target is "stack floor + 10 MB": what marketmon's own code may
add.

    python -m tests.bench.stack_floor_app          # q quits
"""

from __future__ import annotations

from typing import Any

from tests.bench.floor_app import FloorApp


class StackFloorApp(FloorApp):
    TITLE = "stack floor"

    def __init__(self) -> None:
        super().__init__()
        self.engine: Any = None

    def on_ready(self) -> None:  # Textual calls FloorApp.on_mount as well: no override there
        self.call_after_refresh(self._pipeline)

    async def _pipeline(self) -> None:
        import polars  # noqa: F401  (the point: polars in the process)

        from tui.config import default_config
        from tui.data.clock import SystemClock
        from tui.data.factory import build_engine

        self.engine = build_engine(default_config(), clock=SystemClock(), demo=True)
        snapshot = await self.engine.refresh_once()
        assert snapshot.quote_count > 0


def main() -> None:
    StackFloorApp().run()


if __name__ == "__main__":
    main()
