"""Yahoo v7 spark: up to 20 symbols a request, each result a v8 chart result in disguise.

``GET /v7/finance/spark?symbols=A,B,…&range=1d&interval=5m`` answers
``{"spark": {"result": [{"symbol": "A", "response": [<chart result>]}, …], "error": null}}``:
``response[0]`` has the chart's ``meta``, ``timestamp`` and ``indicators.quote[0].close`` (close
only, no OHLC), so it is parsed by :func:`~tui.data.providers.yahoo.parse_chart`.

Yahoo answers 400 above 20 symbols, omits unknown symbols silently and does not keep the order
asked for, so results are keyed on ``symbol``. Everything odd in an answer becomes a typed error
for the symbols it concerns (never a price of another symbol): no result for a symbol is
``NO_DATA`` (not found), as is ``"response": []``; a symbol listed twice with different data is
``PARSE``; results for symbols not asked for are ignored. An answer whose shape cannot be read
at all raises ``PARSE``, which makes the provider fall back to per-symbol charts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tui.data.errors import ErrorKind, FetchError
from tui.data.sanitize import sanitize_text
from tui.data.schema import QuoteRow

SPARK_PATH = "/v7/finance/spark"
SPARK_MAX_SYMBOLS = 20  # Yahoo: "Number of symbols needs to be less than or equal to 20"

SparkOutcome = dict[str, QuoteRow | FetchError]
ChartParser = Callable[[Any, str, str], QuoteRow]  # yahoo.parse_chart(payload, symbol, source)


def batches(symbols: Sequence[str], size: int = SPARK_MAX_SYMBOLS) -> list[list[str]]:
    """``symbols`` (duplicates dropped, order kept) in consecutive batches of at most ``size``."""
    unique = list(dict.fromkeys(symbols))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def parse_spark(
    payload: Any, wanted: Sequence[str], parse_chart: ChartParser, source: str = "yahoo"
) -> SparkOutcome:
    """One outcome per symbol of ``wanted``: its quote row or a typed error.

    Raises ``FetchError(PARSE)`` when the answer as a whole is not a spark answer (HTML, the
    flat v8 shape, a ``spark.error`` object), so the caller can fall back to charts.
    """
    spark = payload.get("spark") if isinstance(payload, dict) else None
    if not isinstance(spark, dict):
        raise FetchError(ErrorKind.PARSE, "no 'spark' object in response")
    error = spark.get("error")
    if isinstance(error, dict):
        parts = (error.get("code"), error.get("description"))
        text = ": ".join(sanitize_text(p, 200) for p in parts if p) or "error"
        raise FetchError(ErrorKind.PARSE, f"spark error: {text}")
    results = spark.get("result")
    if results is None:
        results = []
    if not isinstance(results, list):
        raise FetchError(ErrorKind.PARSE, "'spark.result' is not a list")

    by_key = {s.upper(): s for s in wanted}
    found: dict[str, list[Any]] = {}
    for entry in results:
        if not isinstance(entry, dict) or not isinstance(entry.get("symbol"), str):
            continue  # unreadable entries cannot be attributed to any symbol
        asked = by_key.get(entry["symbol"].upper())
        if asked is not None:  # results for symbols not asked for are ignored
            found.setdefault(asked, []).append(entry)

    out: SparkOutcome = {}
    for symbol in wanted:
        entries = found.get(symbol, [])
        if not entries:
            out[symbol] = FetchError(ErrorKind.NO_DATA, f"{symbol} not found in spark answer")
        elif any(e != entries[0] for e in entries[1:]):
            out[symbol] = FetchError(
                ErrorKind.PARSE, f"{symbol} listed {len(entries)} times with different data"
            )
        else:
            out[symbol] = _one(entries[0], symbol, source, parse_chart)
    return out


def _one(
    entry: dict[str, Any], symbol: str, source: str, parse_chart: ChartParser
) -> QuoteRow | FetchError:
    response = entry.get("response")
    if not isinstance(response, list):
        return FetchError(ErrorKind.PARSE, f"{symbol}: spark result has no 'response' list")
    if not response:
        return FetchError(ErrorKind.NO_DATA, f"{symbol}: empty spark response")
    try:
        return parse_chart({"chart": {"result": response[:1], "error": None}}, symbol, source)
    except FetchError as exc:
        return exc
