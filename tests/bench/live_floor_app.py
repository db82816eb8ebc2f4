"""The live floor: the least time to a live price that marketmon's stack allows, in one process.

The floor app (tests/bench/floor_app.py) that, from ``on_mount`` (before its first paint), starts
one thread which imports httpx, asks the local Yahoo server (``--spark URL``, 100 ms of latency
in the startup suite) for one spark answer, imports polars while the answer is on its way, reads
the S&P 500's price from the answer into a polars frame (polars' first use, as marketmon's store
makes it with its first answer) and puts it in the first row. The price needs nothing else: no
engine, no config, no cache, no other source. Every step is one that marketmon must take too
(Textual, httpx and polars are the design card's stack), so its time to the live row is a lower
bound for marketmon's in one process: the startup suite reports it beside the target
``floor + 0.4 s``.

    python -m tests.bench.live_floor_app --spark http://127.0.0.1:PORT/v7/finance/spark
"""

from __future__ import annotations

import argparse
import threading
from typing import Any

from textual.widgets import DataTable

from tests.bench.floor_app import LAST_COLUMN, FloorApp

SYMBOL = "^GSPC"


class LiveFloorApp(FloorApp):
    TITLE = "live floor"

    def __init__(self, spark_url: str) -> None:
        super().__init__()
        self._spark_url = spark_url

    def on_mount(self) -> None:  # after FloorApp.on_mount has filled the table
        threading.Thread(target=self._fetch, daemon=True).start()

    def _fetch(self) -> None:
        import httpx

        with httpx.Client(timeout=10.0) as client:
            request = client.build_request("GET", self._spark_url, params={"symbols": SYMBOL})
            response = client.send(request)
        import polars as pl  # the answer may already be here: as marketmon, parse with polars

        payload: Any = response.json()
        result = payload["spark"]["result"][0]["response"][0]
        frame = pl.DataFrame({"last": [result["meta"]["regularMarketPrice"]]})
        self.call_from_thread(self._show, float(frame["last"][0]))

    def _show(self, last: float) -> None:
        self._last[0] = last
        self.query_one(DataTable).update_cell("0", LAST_COLUMN, self._last_text(0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spark", required=True)
    LiveFloorApp(parser.parse_args().spark).run()


if __name__ == "__main__":
    main()
