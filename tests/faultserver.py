"""A real HTTP/1.1 server on 127.0.0.1 that speaks every provider's format and fails on demand.

An asyncio loop in a daemon thread owns a listening socket; every connection is parsed by hand
(request line, headers, keep-alive), so faults can do what a real network does: reset the
connection, hold it without answering, drip a body, lie in ``Content-Length``, stream 50 MB or
a gzip bomb. Bodies are generated per request with timestamps from ``now()`` (pass a virtual
clock's ``now`` and the quotes are fresh in virtual time) and prices settable per symbol.

    with FaultServer(now=clock.now) as server:
        server.stamp = clock.monotonic  # each RequestRecord gets the virtual time it arrived
        server.fault("/v8/finance/chart", Fault.RATE_LIMIT_SECONDS, retry_after=30)
        server.fault_source("binance", Fault.TEAPOT)      # every route of one provider
        server.set_price("BTC-USD", 65_000.0)
        ...                       # point [providers.*] base_url at server.url
        server.clear()            # or clear("/v8/finance/chart"), clear("binance")

Bodies of error faults follow the provider: 418 and 451 are Binance's ``{"code":..,"msg":..}``,
a 429 on Binance's routes is JSON and elsewhere text. Body faults (truncated, HTML, drift,
nulls, nesting) mangle the route's normal answer, in JSON or RSS as the route speaks.

Routes (the real paths of each provider, all at the root):

    yahoo      /v7/finance/spark?symbols=A,B,... (≤ 20, else 400), /v8/finance/chart/{symbol}
    coinbase   /products/{id}/ticker | /stats | /candles
    binance    /api/v3/ticker/24hr (symbols=[...] or symbol=...), /api/v3/klines
    coingecko  /api/v3/coins/markets?ids=...
    goldapi    /price/{XAU}
    headlines  /rss/{name}.xml

Also here: :class:`IoClock`, a :class:`~tui.data.clock.VirtualClock` that only moves when every
engine loop is parked (so virtual time never runs ahead of real requests in flight), and helpers
for "connection refused" (:meth:`FaultServer.refused_url`) and "DNS failure"
(:data:`UNRESOLVABLE_URL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import math
import re
import socket
import struct
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tui.config import DEFAULT_FEEDS, PROVIDER_URLS, Config, _build
from tui.data.clock import VirtualClock
from tui.data.providers.coingecko import COIN_IDS

MB = 1024 * 1024
UNRESOLVABLE_URL = "http://marketmon-unresolvable.invalid"

# Route prefixes per source, for ``fault_source`` and for counting requests per source.
ROUTES: dict[str, tuple[str, ...]] = {
    "yahoo": ("/v7/finance/spark", "/v8/finance/chart"),
    "coinbase": ("/products",),
    "binance": ("/api/v3/ticker", "/api/v3/klines"),
    "coingecko": ("/api/v3/coins",),
    "goldapi": ("/price",),
    "headlines": ("/rss",),
}

DEFAULT_PRICES: dict[str, float] = {
    "^GSPC": 5653.08,
    "^IXIC": 17808.66,
    "^DJI": 41841.63,
    "^N225": 37396.52,
    "^KS11": 2610.69,
    "^FTSE": 8680.29,
    "GC=F": 4012.6,
    "SI=F": 50.6,
    "HG=F": 5.02,
    "XAU": 4012.6,
    "XAG": 50.61,
    "XPT": 1540.2,
    "XPD": 1390.8,
    "BTC-USD": 91234.57,
    "ETH-USD": 3021.45,
    "SOL-USD": 141.3,
    "XRP-USD": 2.11,
    "BNB-USD": 902.4,
    "DOGE-USD": 0.161,
    "ADA-USD": 0.47,
}
METAL_NAMES = {"XAU": "Gold", "XAG": "Silver", "XPT": "Platinum", "XPD": "Palladium"}
SYMBOL_OF_COIN = {coin: symbol for symbol, coin in COIN_IDS.items()}


class Fault(StrEnum):
    """What a faulted route does instead of answering normally."""

    RATE_LIMIT_SECONDS = "429 Retry-After: seconds"
    RATE_LIMIT_DATE = "429 Retry-After: HTTP-date"
    TEAPOT = "418 (Binance IP ban)"
    UNAVAILABLE_FOR_LEGAL_REASONS = "451 (restricted location)"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    SERVICE_UNAVAILABLE = "503"
    RESET = "connection reset"
    NEVER_ANSWER = "accept, never answer"  # held until the client leaves or stop()
    SLOW_DRIP = "slow drip"
    TRUNCATED = "truncated body"
    HTML = "HTML page with 200"
    SCHEMA_DRIFT = "schema drift"
    NULLS = "arrays full of nulls"
    HUGE_BODY = "huge body"
    GZIP_BOMB = "gzip bomb"
    DEEP_NESTING = "deep nesting (JSON; XML on /rss)"
    LENGTH_TOO_LONG = "Content-Length longer than the body"
    LENGTH_TOO_SHORT = "Content-Length shorter than the body"
    UNKNOWN_ENCODING = "Content-Encoding: br (never asked for)"
    # Well-formed answers with impossible content (Yahoo chart routes; FUTURE_TIME also RSS).
    OTHER_SYMBOL = "an answer for another symbol"
    ZERO_PRICE = "price 0"
    ZERO_PREV_CLOSE = "previous close 0"
    NEGATIVE_PRICE = "negative price"
    FUTURE_TIME = "times in the future"
    # The Date header (marketmon estimates its clock's error from it).
    DATE_MISSING = "no Date header"
    DATE_GARBAGE = "unparseable Date header"
    DATE_LIAR = "Date header far off"


# Faults that need real time (the client's deadline ends them).
SLOW_FAULTS = frozenset({Fault.NEVER_ANSWER, Fault.SLOW_DRIP})
DRIFTS = ("missing", "renamed", "wrong_type")


@dataclass(frozen=True)
class FaultSpec:
    kind: Fault
    retry_after: float | None = None  # seconds; sent as Retry-After (429 always has one)
    drift: str = "missing"  # SCHEMA_DRIFT: "missing", "renamed" or "wrong_type"
    interval: float = 1.0  # SLOW_DRIP: seconds between body bytes
    size: int = 50 * MB  # HUGE_BODY: bytes streamed
    bomb_size: int = 1024 * MB  # GZIP_BOMB: bytes once inflated
    layers: int = 1  # GZIP_BOMB: 2 sends "Content-Encoding: gzip, gzip" (~2 KB on the wire)
    nesting: int = 200_000  # DEEP_NESTING: depth
    declare_length: bool = False  # HUGE_BODY / GZIP_BOMB: send Content-Length, not chunked
    times: int | None = None  # fault only this many requests, then answer normally
    other: str = "^DJI"  # OTHER_SYMBOL: the symbol the answer names
    price: float = -37.63  # NEGATIVE_PRICE: the price sent
    ahead: float = 365 * 86400.0  # FUTURE_TIME, DATE_LIAR: seconds ahead; 0 means year 9999
    symbol: str | None = None  # content faults in a spark batch: only this symbol's entry


@dataclass(frozen=True, slots=True)
class RequestRecord:
    path: str
    query: dict[str, list[str]]
    at: float  # time.monotonic() when the request arrived
    stamp: float | None  # FaultServer.stamp() then (e.g. a virtual clock's monotonic())
    fault: Fault | None  # the fault it was answered with, if any
    connection: int  # serial number of the TCP connection (shows keep-alive reuse)


@dataclass
class _Body:
    """A normal answer before encoding, so faults can mangle its structure."""

    status: int
    content_type: str
    payload: Any = None  # JSON-able
    text: str | None = None  # XML/HTML

    def encode(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        return json.dumps(self.payload, separators=(",", ":")).encode()


class FaultServer:
    """The server. Thread-safe to configure while running; ``stop`` frees every connection."""

    def __init__(
        self,
        now: Callable[[], datetime] | None = None,
        *,
        max_records: int | None = 100_000,
        rss_items: int = 5,
        hosts: int = 1,
    ) -> None:
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.stamp: Callable[[], float] | None = None
        self.prices: dict[str, float] = dict(DEFAULT_PRICES)
        self.unknown: set[str] = set()  # symbols Yahoo's spark omits (and its chart 404s)
        self.spark_limit = SPARK_LIMIT  # more symbols than this in one spark request: 400
        self.rss_items = rss_items
        self.requests: deque[RequestRecord] = deque(maxlen=max_records)
        self.request_count = 0
        self.faults_served = 0
        self.latency = 0.0  # seconds added before every answer (the poll benchmark uses 0.1)
        self.in_flight = 0
        self.peak_in_flight = 0  # most requests being answered at once: per-host concurrency
        self.connections = 0  # connections accepted
        self.port = 0
        # Also listen on 127.0.0.2 ... 127.0.0.<hosts> (same port): distinct hosts for the
        # request governor, which pauses a whole host after a 429, on one server.
        self.hosts = hosts
        self._extra: list[asyncio.Server] = []
        self._faults: dict[str, FaultSpec] = {}
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._refused: socket.socket | None = None

    # --- life cycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def host_url(self, index: int) -> str:
        """The server's URL on loopback address ``127.0.0.<index + 1>`` (``index < hosts``)."""
        if not 0 <= index < self.hosts:
            raise ValueError(f"host {index} of {self.hosts}")
        return f"http://127.0.0.{index + 1}:{self.port}"

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FaultServer:
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(
                        self._connection, "127.0.0.1", 0, backlog=512, limit=256 * 1024
                    )
                )
                self.port = self._server.sockets[0].getsockname()[1]
                for i in range(2, self.hosts + 1):
                    self._extra.append(
                        loop.run_until_complete(
                            asyncio.start_server(
                                self._connection, f"127.0.0.{i}", self.port, backlog=512
                            )
                        )
                    )
            except BaseException as exc:  # surface bind errors in the caller's thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="faultserver", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        """Close the listener and every connection (held, dripping or idle), then the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        if not loop.is_running():
            loop.close()
        if self._refused is not None:
            self._refused.close()
            self._refused = None
        self._loop = self._thread = None

    async def _shutdown(self) -> None:
        for extra in self._extra:
            extra.close()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        for extra in self._extra:
            await extra.wait_closed()
        self._extra.clear()

    def refused_url(self) -> str:
        """A URL whose port is bound but not listening: connecting is refused (RST) at once.

        The socket stays bound while the server lives, so no other program can take the port.
        """
        if self._refused is None:
            self._refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._refused.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{self._refused.getsockname()[1]}"

    @property
    def open_connections(self) -> int:
        return len(self._writers)

    # --- configuration ------------------------------------------------------------------

    def fault(self, prefix: str, kind: Fault, **options: Any) -> None:
        """Answer requests whose path starts with ``prefix`` with ``kind`` (longest prefix wins).

        ``options`` are :class:`FaultSpec` fields: ``retry_after``, ``drift``, ``interval``,
        ``size``, ``bomb_size``, ``layers``, ``nesting``, ``declare_length``, ``times``.
        """
        spec = FaultSpec(kind, **options)
        if kind in (Fault.RATE_LIMIT_SECONDS, Fault.RATE_LIMIT_DATE) and spec.retry_after is None:
            spec = replace(spec, retry_after=30.0)
        with self._lock:
            self._faults = {**self._faults, prefix: spec}

    def fault_host(self, kind: Fault, **options: Any) -> None:
        """Fault every route of the server: a host-wide 429, as Yahoo does per client IP."""
        self.fault("/", kind, **options)

    def fault_source(self, source: str, kind: Fault, **options: Any) -> None:
        """Fault every route of one provider (``"yahoo"``, ..., ``"headlines"``)."""
        for prefix in ROUTES[source]:
            self.fault(prefix, kind, **options)

    def clear(self, prefix: str | None = None) -> None:
        """Stop faulting ``prefix`` (a route prefix or a source name), or every route."""
        with self._lock:
            if prefix is None:
                self._faults = {}
            else:
                gone = set(ROUTES.get(prefix, (prefix,)))
                self._faults = {p: s for p, s in self._faults.items() if p not in gone}

    def set_price(self, symbol: str, price: float) -> None:
        self.prices[symbol] = price

    def requests_to(self, prefix: str) -> list[RequestRecord]:
        """Recorded requests under a route prefix or to a source (by name)."""
        prefixes = ROUTES.get(prefix, (prefix,))
        return [r for r in list(self.requests) if r.path.startswith(prefixes)]

    def _match(self, path: str) -> FaultSpec | None:
        with self._lock:
            best = max((p for p in self._faults if path.startswith(p)), key=len, default=None)
            if best is None:
                return None
            spec = self._faults[best]
            if spec.times is not None:
                left = spec.times - 1
                faults = dict(self._faults)
                if left > 0:
                    faults[best] = replace(spec, times=left)
                else:
                    del faults[best]
                self._faults = faults
            return spec

    # --- connections --------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        serial = next(self._serial)
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    _method, target, _version = lines[0].split(" ", 2)
                except ValueError:
                    return
                headers = {
                    k.strip().lower(): v.strip()
                    for k, sep, v in (line.partition(":") for line in lines[1:])
                    if sep
                }
                length = headers.get("content-length", "0")
                if length.isdigit() and int(length):
                    await reader.readexactly(int(length))
                parts = urlsplit(target)
                path = unquote(parts.path)
                query = parse_qs(parts.query)
                spec = self._match(path)
                self.request_count += 1
                if spec is not None:
                    self.faults_served += 1
                self.requests.append(
                    RequestRecord(
                        path=path,
                        query=query,
                        at=time.monotonic(),
                        stamp=self.stamp() if self.stamp is not None else None,
                        fault=spec.kind if spec is not None else None,
                        connection=serial,
                    )
                )
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                try:
                    if self.latency:
                        await asyncio.sleep(self.latency)
                    keep = await self._respond(reader, writer, path, query, spec)
                finally:
                    self.in_flight -= 1
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, OSError):
            return
        except asyncio.CancelledError:  # stop(): the connection task ends quietly
            return
        finally:
            self._writers.discard(writer)
            self._handlers.discard(task)
            if not writer.transport.is_closing():
                writer.close()

    async def _respond(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        path: str,
        query: dict[str, list[str]],
        spec: FaultSpec | None,
    ) -> bool:
        """Answer one request; return whether the connection stays open for another."""
        if spec is None:
            body = self._normal(path, query)
            await self._send(writer, body.status, body.content_type, body.encode())
            return True
        kind = spec.kind
        if kind is Fault.RESET:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()  # SO_LINGER 0: close() sends RST, not FIN
            return False
        if kind is Fault.NEVER_ANSWER:
            await _hold(reader)
            return False
        if kind in _STATUS_FAULTS:
            return await self._status_fault(writer, path, spec)
        body = self._normal(path, query)
        xml = body.text is not None and body.content_type.endswith("xml")
        if kind is Fault.SLOW_DRIP:
            return await self._drip(reader, writer, body, spec.interval)
        if kind is Fault.TRUNCATED:
            raw = body.encode()
            await self._send(writer, 200, body.content_type, raw[: len(raw) // 2])
            return True
        if kind is Fault.HTML:
            await self._send(writer, 200, "text/html; charset=utf-8", HTML_PAGE)
            return True
        if kind is Fault.SCHEMA_DRIFT:
            if xml:
                text = _drift_xml(body.text or "", spec.drift)
                await self._send(writer, 200, body.content_type, text.encode())
            else:
                payload = _drift(body.payload, spec.drift)
                await self._send(writer, 200, body.content_type, _dumps(payload))
            return True
        if kind is Fault.NULLS:
            if xml:
                text = _nullify_xml(body.text or "")
                await self._send(writer, 200, body.content_type, text.encode())
            else:
                await self._send(writer, 200, body.content_type, _dumps(_nullify(body.payload)))
            return True
        if kind is Fault.DEEP_NESTING:
            opener, closer = (b"<a>", b"</a>") if xml else (b"[", b"]")
            nested = opener * spec.nesting + closer * spec.nesting
            await self._send(writer, 200, body.content_type, nested)
            return True
        if kind is Fault.HUGE_BODY:
            return await self._stream(
                writer, body.content_type, _huge_chunks(spec.size), spec.size, spec.declare_length
            )
        if kind is Fault.GZIP_BOMB:
            bomb = gzip_bomb(spec.bomb_size, spec.layers)
            chunks = (bomb[i : i + 64 * 1024] for i in range(0, len(bomb), 64 * 1024))
            encoding = ", ".join(["gzip"] * spec.layers)
            return await self._stream(
                writer,
                body.content_type,
                chunks,
                len(bomb),
                spec.declare_length,
                [("Content-Encoding", encoding)],
            )
        if kind is Fault.UNKNOWN_ENCODING:
            extra = [("Content-Encoding", "br")]
            await self._send(writer, 200, body.content_type, b"\x1b\x03\x00\xf8" * 8, extra=extra)
            return True
        if kind in CONTENT_FAULTS:
            await self._send(
                writer, 200, body.content_type, _mangle(body, spec, self.now()).encode()
            )
            return True
        if kind in DATE_FAULTS:
            await self._send(writer, 200, body.content_type, body.encode(), date=self._date(spec))
            return True
        if kind is Fault.LENGTH_TOO_LONG:
            raw = body.encode()
            await self._send(writer, 200, body.content_type, raw, length=len(raw) + 1000)
            return False  # then close: the client is still waiting for 1000 bytes
        if kind is Fault.LENGTH_TOO_SHORT:
            raw = body.encode()
            await self._send(writer, 200, body.content_type, raw, length=len(raw) // 2)
            return True  # and keep the connection: the rest is garbage before the next answer
        raise AssertionError(f"unhandled fault {kind}")

    # --- writing ------------------------------------------------------------------------

    def _date(self, spec: FaultSpec) -> str | None:
        """The Date header a date fault sends (``None``: none at all)."""
        if spec.kind is Fault.DATE_MISSING:
            return None
        if spec.kind is Fault.DATE_GARBAGE:
            return "Yesterday, around lunch"
        return format_datetime(_ahead(self.now(), spec.ahead).replace(microsecond=0), usegmt=True)

    def _head(
        self,
        status: int,
        content_type: str,
        length: int | None,
        extra: list[tuple[str, str]] | None = None,
        date: str | None = "",
    ) -> bytes:
        now = self.now()
        if date == "":
            date = format_datetime(now.replace(microsecond=0), usegmt=True)
        lines = [
            f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}",
            *([f"Date: {date}"] if date is not None else []),
            "Server: marketmon-faultserver",
            f"Content-Type: {content_type}",
        ]
        if length is None:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {length}")
        lines += [f"{k}: {v}" for k, v in extra or []]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        content_type: str,
        body: bytes,
        *,
        length: int | None = None,
        extra: list[tuple[str, str]] | None = None,
        date: str | None = "",
    ) -> None:
        declared = len(body) if length is None else length
        writer.write(self._head(status, content_type, declared, extra, date) + body)
        await writer.drain()

    async def _stream(
        self,
        writer: asyncio.StreamWriter,
        content_type: str,
        chunks: Iterator[bytes],
        total: int,
        declare_length: bool,
        extra: list[tuple[str, str]] | None = None,
    ) -> bool:
        """Send a body made on the fly (chunked unless ``declare_length``) until the client goes."""
        writer.write(self._head(200, content_type, total if declare_length else None, extra))
        for chunk in chunks:
            if declare_length:
                writer.write(chunk)
            else:
                writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            await writer.drain()  # raises once the client has hung up
        if not declare_length:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def _drip(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        body: _Body,
        interval: float,
    ) -> bool:
        raw = body.encode()
        writer.write(self._head(body.status, body.content_type, len(raw)))
        await writer.drain()
        for i in range(len(raw)):
            await asyncio.sleep(interval)
            if reader.at_eof():  # the client gave up
                return False
            writer.write(raw[i : i + 1])
            await writer.drain()
        return True

    async def _status_fault(self, writer: asyncio.StreamWriter, path: str, spec: FaultSpec) -> bool:
        status, body = _STATUS_FAULTS[spec.kind]
        extra: list[tuple[str, str]] = []
        if spec.retry_after is not None:
            if spec.kind is Fault.RATE_LIMIT_DATE:
                # Whole seconds rounded up, measured from the Date header: never shorter.
                when = self.now().replace(microsecond=0) + timedelta(
                    seconds=math.ceil(spec.retry_after)
                )
                extra.append(("Retry-After", format_datetime(when, usegmt=True)))
            else:
                extra.append(("Retry-After", str(math.ceil(spec.retry_after))))
        if body is None:  # route-flavoured: Binance answers JSON, most others text
            if path.startswith(ROUTES["binance"]):
                payload = {"code": -1003, "msg": "Too many requests; current limit is 6000."}
                await self._send(writer, status, "application/json", _dumps(payload), extra=extra)
            else:
                await self._send(
                    writer, status, "text/plain", b"Too Many Requests\r\n", extra=extra
                )
            return True
        content_type = "application/json" if body.startswith(b"{") else "text/html"
        await self._send(writer, status, content_type, body, extra=extra)
        return True

    # --- normal answers -----------------------------------------------------------------

    def price(self, symbol: str) -> float:
        known = self.prices.get(symbol)
        if known is not None:
            return known
        return round(100.0 + (zlib.crc32(symbol.encode()) % 100_000) / 100.0, 2)

    def _normal(self, path: str, query: dict[str, list[str]]) -> _Body:
        now = self.now()
        if path == "/v7/finance/spark":
            wanted = [s for s in ",".join(query.get("symbols", [])).split(",") if s]
            if len(wanted) > self.spark_limit:
                return _Body(400, "application/json", SPARK_TOO_MANY)
            known = [s for s in wanted if s not in self.unknown]  # unknown ones: omitted
            return _Body(
                200, "application/json", yahoo_spark({s: self.price(s) for s in known}, now)
            )
        if path.startswith("/v8/finance/chart/"):
            symbol = path.removeprefix("/v8/finance/chart/")
            if symbol in self.unknown:
                return _Body(404, "application/json", YAHOO_NOT_FOUND)
            return _Body(200, "application/json", yahoo_chart(symbol, self.price(symbol), now))
        if path.startswith("/products/"):
            product, _, what = path.removeprefix("/products/").partition("/")
            price = self.price(product)
            if what == "ticker":
                return _Body(200, "application/json", coinbase_ticker(price, now))
            if what == "stats":
                return _Body(200, "application/json", coinbase_stats(price))
            if what == "candles":
                return _Body(200, "application/json", coinbase_candles(product, price, now))
        if path == "/api/v3/ticker/24hr":
            if "symbols" in query:
                try:
                    markets = json.loads(query["symbols"][0])
                except ValueError:
                    markets = []
                entries = [self._binance_entry(m, now) for m in markets if isinstance(m, str)]
                return _Body(200, "application/json", entries)
            market = query.get("symbol", [""])[0]
            return _Body(200, "application/json", self._binance_entry(market, now))
        if path == "/api/v3/klines":
            market = query.get("symbol", [""])[0]
            price = self.price(_canonical(market))
            return _Body(200, "application/json", binance_klines(market, price, now))
        if path == "/api/v3/coins/markets":
            ids = [i for i in query.get("ids", [""])[0].split(",") if i in SYMBOL_OF_COIN]
            entries = [coingecko_market(i, self.price(SYMBOL_OF_COIN[i]), now) for i in ids]
            return _Body(200, "application/json", entries)
        if path.startswith("/price/"):
            metal = path.removeprefix("/price/")
            return _Body(200, "application/json", goldapi_price(metal, self.price(metal), now))
        if path.startswith("/rss/") and path.endswith(".xml"):
            name = path.removeprefix("/rss/").removesuffix(".xml")
            return _Body(200, "application/rss+xml", text=rss_feed(name, now, self.rss_items))
        return _Body(404, "application/json", {"message": "NotFound"})

    def _binance_entry(self, market: str, now: datetime) -> dict[str, Any]:
        return binance_ticker(market, self.price(_canonical(market)), now)


CONTENT_FAULTS = frozenset(
    {Fault.OTHER_SYMBOL, Fault.ZERO_PRICE, Fault.ZERO_PREV_CLOSE, Fault.NEGATIVE_PRICE}
    | {Fault.FUTURE_TIME}
)
DATE_FAULTS = frozenset({Fault.DATE_MISSING, Fault.DATE_GARBAGE, Fault.DATE_LIAR})
# Faults in what an answer says, not in how it arrives (tests/test_plausibility.py covers them).
DATA_FAULTS = CONTENT_FAULTS | DATE_FAULTS
YEAR_9999 = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)


def _ahead(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds) if seconds else YEAR_9999


def _mangle(body: _Body, spec: FaultSpec, now: datetime) -> _Body:
    """A normal answer with one impossible value (Yahoo chart JSON, or RSS for future times)."""
    if body.text is not None:  # RSS: every item dated ahead
        if spec.kind is not Fault.FUTURE_TIME:
            return body
        text = re.sub(
            r"<pubDate>[^<]*</pubDate>",
            lambda _: f"<pubDate>{format_datetime(_ahead(now, spec.ahead))}</pubDate>",
            body.text,
        )
        return _Body(body.status, body.content_type, text=text)
    payload = body.payload if isinstance(body.payload, dict) else {}
    spark = payload.get("spark")
    if isinstance(spark, dict):  # a v7 spark batch: each entry holds one chart result
        for entry in spark.get("result") or []:
            if spec.symbol in (None, entry.get("symbol")) and entry.get("response"):
                _mangle_meta(entry["response"][0]["meta"], spec)
        return body
    chart = payload.get("chart")
    if not isinstance(chart, dict) or not chart.get("result"):
        return body
    _mangle_meta(chart["result"][0]["meta"], spec)
    return body


def _mangle_meta(meta: dict[str, Any], spec: FaultSpec) -> None:
    """One chart result's ``meta`` with the impossible value of ``spec``."""
    if spec.kind is Fault.OTHER_SYMBOL:
        meta["symbol"] = spec.other
    elif spec.kind is Fault.ZERO_PRICE:
        meta["regularMarketPrice"] = 0.0
    elif spec.kind is Fault.ZERO_PREV_CLOSE:
        meta["previousClose"] = meta["chartPreviousClose"] = 0.0
    elif spec.kind is Fault.NEGATIVE_PRICE:
        meta["regularMarketPrice"] = spec.price
        meta["regularMarketDayLow"] = spec.price
    elif spec.kind is Fault.FUTURE_TIME:
        when = datetime.fromtimestamp(meta["regularMarketTime"], UTC)
        meta["regularMarketTime"] = int(_ahead(when, spec.ahead).timestamp())


# --- bodies in each provider's format ---------------------------------------------------------


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _walk(symbol: str, price: float, n: int) -> list[float]:
    """A deterministic wiggle of ``n`` prices ending exactly at ``price``."""
    phase = zlib.crc32(symbol.encode()) % 628 / 100
    out = [
        price * (1 + 0.004 * math.sin(phase + i / 3) - 0.004 * (n - 1 - i) / n) for i in range(n)
    ]
    out[-1] = price
    return [round(p, 6) for p in out]


SPARK_LIMIT = 20
SPARK_TOO_MANY = {
    "spark": {
        "result": None,
        "error": {
            "code": "Bad Request",
            "description": "Number of symbols needs to be less than or equal to 20",
        },
    }
}
YAHOO_NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}


def yahoo_spark(prices: dict[str, float], now: datetime) -> dict[str, Any]:
    """The v7 spark shape: each symbol's chart result (closes only, no ``previousClose``),
    in reverse order of the request, as Yahoo does not keep it."""
    results = []
    for symbol, price in reversed(prices.items()):
        result = yahoo_chart(symbol, price, now)["chart"]["result"][0]
        meta = {k: v for k, v in result["meta"].items() if k != "previousClose"}
        closes = result["indicators"]["quote"][0]["close"]
        response = {**result, "meta": meta, "indicators": {"quote": [{"close": closes}]}}
        results.append({"symbol": symbol, "response": [response]})
    return {"spark": {"result": results, "error": None}}


def yahoo_chart(symbol: str, price: float, now: datetime) -> dict[str, Any]:
    epoch = int(now.timestamp())
    start = epoch - 2 * 3600
    stamps = list(range(start, epoch + 1, 300))
    closes: list[float | None] = list(_walk(symbol, price, len(stamps)))
    period = {"timezone": "EST", "start": start, "end": epoch + 4 * 3600, "gmtoffset": -18000}
    prev = round(price * 0.99, 4)
    meta = {
        "currency": "USD",
        "symbol": symbol,
        "exchangeName": "SNP",
        "instrumentType": "INDEX",
        "regularMarketTime": epoch,
        "gmtoffset": -18000,
        "timezone": "EST",
        "exchangeTimezoneName": "America/New_York",
        "regularMarketPrice": price,
        "regularMarketDayHigh": round(price * 1.01, 4),
        "regularMarketDayLow": round(price * 0.985, 4),
        "shortName": f"Fault {symbol}",
        "chartPreviousClose": prev,
        "previousClose": prev,
        "currentTradingPeriod": {"pre": period, "regular": period, "post": period},
        "dataGranularity": "5m",
        "range": "1d",
    }
    return {
        "chart": {
            "result": [
                {
                    "meta": meta,
                    "timestamp": stamps,
                    "indicators": {"quote": [{"close": closes, "open": closes}]},
                }
            ],
            "error": None,
        }
    }


def coinbase_ticker(price: float, now: datetime) -> dict[str, Any]:
    return {
        "ask": f"{price + 0.01:.2f}",
        "bid": f"{price:.2f}",
        "volume": "9712.43301853",
        "trade_id": int(now.timestamp()),
        "price": f"{price:.8f}",
        "size": "0.00011234",
        "time": _iso(now),
    }


def coinbase_stats(price: float) -> dict[str, Any]:
    return {
        "open": f"{price * 0.99:.8f}",
        "high": f"{price * 1.02:.8f}",
        "low": f"{price * 0.97:.8f}",
        "last": f"{price:.8f}",
        "volume": "9712.43301853",
    }


def coinbase_candles(product: str, price: float, now: datetime) -> list[list[float]]:
    end = int(now.timestamp()) // 300 * 300
    closes = _walk(product, price, 24)
    rows = []
    for i, close in enumerate(closes):
        t = end - (len(closes) - 1 - i) * 300
        rows.append([t, close * 0.999, close * 1.001, close, close, 8.17])
    return rows[::-1]  # newest first, as Coinbase sends them


def _canonical(market: str) -> str:
    """BTCUSDT -> BTC-USD (the server prices by canonical symbol)."""
    if market.endswith("USDT"):
        return f"{market.removesuffix('USDT')}-USD"
    return market


def binance_ticker(market: str, price: float, now: datetime) -> dict[str, Any]:
    close_ms = int(now.timestamp() * 1000)
    return {
        "symbol": market,
        "priceChange": f"{price * 0.01:.8f}",
        "priceChangePercent": "1.000",
        "prevClosePrice": f"{price * 0.99:.8f}",
        "lastPrice": f"{price:.8f}",
        "openPrice": f"{price * 0.99:.8f}",
        "highPrice": f"{price * 1.02:.8f}",
        "lowPrice": f"{price * 0.97:.8f}",
        "volume": "21450.12345000",
        "openTime": close_ms - 86_400_000,
        "closeTime": close_ms,
        "count": 2311232,
    }


def binance_klines(market: str, price: float, now: datetime) -> list[list[Any]]:
    end = int(now.timestamp()) // 300 * 300
    closes = _walk(market, price, 24)
    rows = []
    for i, close in enumerate(closes):
        t = (end - (len(closes) - 1 - i) * 300) * 1000
        rows.append([t, f"{close:.8f}", f"{close * 1.001:.8f}", f"{close * 0.999:.8f}",
                     f"{close:.8f}", "75.0", t + 299_999, "6880479.6", 3513, "37.5", "3440239.8",
                     "0"])  # fmt: skip
    return rows


def coingecko_market(coin: str, price: float, now: datetime) -> dict[str, Any]:
    symbol = SYMBOL_OF_COIN[coin]
    return {
        "id": coin,
        "symbol": symbol.split("-")[0].lower(),
        "name": coin.title(),
        "current_price": price,
        "high_24h": round(price * 1.02, 6),
        "low_24h": round(price * 0.97, 6),
        "price_change_24h": round(price * 0.01, 6),
        "price_change_percentage_24h": 1.0,
        "last_updated": _iso(now),
        "sparkline_in_7d": {"price": _walk(symbol, price, 168)},
    }


def goldapi_price(metal: str, price: float, now: datetime) -> dict[str, Any]:
    return {
        "currency": "USD",
        "currencySymbol": "$",
        "exchangeRate": 1,
        "name": METAL_NAMES.get(metal, metal),
        "price": price,
        "symbol": metal,
        "updatedAt": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updatedAtReadable": "a few seconds ago",
    }


_TOPICS = (
    "Gold hits record as dollar slips",
    "Bitcoin steadies after volatile week",
    "S&amp;P 500 futures edge higher",
    "Nikkei closes lower on yen strength",
    "Oil rises on supply worries",
    "KOSPI rallies on chip exports",
)


def rss_feed(name: str, now: datetime, items: int = 5) -> str:
    """An RSS 2.0 feed whose items are dated relative to ``now`` and change every 15 minutes."""
    slot = int(now.timestamp()) // 900
    entries = []
    for i in range(items):
        published = datetime.fromtimestamp((slot - i) * 900, UTC)
        topic = _TOPICS[(slot - i) % len(_TOPICS)]
        entries.append(
            f"<item><title>{topic} ({name} {published:%H:%M})</title>"
            f"<link>https://news.example.test/{name}/{slot - i}</link>"
            f"<guid>{name}-{slot - i}</guid>"
            f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Fault Wire {name}</title><link>https://news.example.test/</link>"
        f"<description>marketmon fault server</description>{''.join(entries)}</channel></rss>"
    )


HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<h1>Checking your browser before accessing the site.</h1>"
    b"<p>Please enable JavaScript and cookies to continue.</p></body></html>"
)
_ERROR_HTML = "<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"
_STATUS_FAULTS: dict[Fault, tuple[int, bytes | None]] = {
    Fault.RATE_LIMIT_SECONDS: (429, None),
    Fault.RATE_LIMIT_DATE: (429, None),
    Fault.TEAPOT: (
        418,
        b'{"code":-1003,"msg":"Way too much request weight used; IP banned until '
        b'1763647512345. Please use WebSocket Streams for live updates to avoid bans."}',
    ),
    Fault.UNAVAILABLE_FOR_LEGAL_REASONS: (
        451,
        b'{"code":0,"msg":"Service unavailable from a restricted location according to '
        b"'b. Eligibility' in https://www.binance.com/en/terms.\"}",
    ),
    Fault.SERVER_ERROR: (500, _ERROR_HTML.format("500 Internal Server Error").encode()),
    Fault.BAD_GATEWAY: (502, _ERROR_HTML.format("502 Bad Gateway").encode()),
    Fault.SERVICE_UNAVAILABLE: (503, _ERROR_HTML.format("503 Service Unavailable").encode()),
}
REASONS = {
    200: "OK",
    404: "Not Found",
    418: "I'm a teapot",
    429: "Too Many Requests",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


# --- mangling ---------------------------------------------------------------------------------


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


# The fields each parser needs most: dropping them is what "the API changed" looks like.
KEY_FIELDS = frozenset(
    {
        "meta",
        "regularMarketPrice",
        "price",
        "time",
        "open",
        "lastPrice",
        "closeTime",
        "current_price",
        "last_updated",
        "updatedAt",
    }
)


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _drift(payload: Any, mode: str) -> Any:
    """``missing``: key fields dropped; ``renamed``: every key renamed; ``wrong_type``: every
    number (or numeric string) wrapped in an object."""
    if isinstance(payload, dict):
        out: dict[str, Any] = {}
        for key, value in payload.items():
            if mode == "missing" and key in KEY_FIELDS:
                continue
            out[f"{key}_v2" if mode == "renamed" else key] = _drift(value, mode)
        return out
    if isinstance(payload, list):
        return [_drift(v, mode) for v in payload]
    if mode == "wrong_type" and _numeric(payload):
        return {"value": payload}
    return payload


def _nullify(payload: Any) -> Any:
    """Arrays full of nulls (same lengths), and every other value null too."""
    if isinstance(payload, dict):
        return {k: _nullify(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [None] * len(payload)
    return None


def _drift_xml(text: str, mode: str) -> str:
    if mode == "missing":
        for tag in ("title", "pubDate", "link"):
            text = _strip_elements(text, tag)
        return text
    if mode == "renamed":
        return text.replace("<item>", "<article>").replace("</item>", "</article>")
    return text.replace("<pubDate>", "<pubDate>yesterday-ish ").replace("<link>", "<link>::")


def _strip_elements(text: str, tag: str) -> str:
    out, pos = [], 0
    while (start := text.find(f"<{tag}>", pos)) != -1:
        end = text.find(f"</{tag}>", start)
        if end == -1:
            break
        out.append(text[pos:start])
        pos = end + len(tag) + 3
    out.append(text[pos:])
    return "".join(out)


def _nullify_xml(text: str) -> str:
    for tag in ("title", "pubDate", "link", "guid"):
        out, pos = [], 0
        while (start := text.find(f"<{tag}>", pos)) != -1:
            end = text.find(f"</{tag}>", start)
            if end == -1:
                break
            out.append(text[pos:start] + f"<{tag}></{tag}>")
            pos = end + len(tag) + 3
        out.append(text[pos:])
        text = "".join(out)
    return text


def _huge_chunks(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """``size`` bytes of a JSON array that never ends, made one chunk at a time."""
    row = b'{"symbol":"BTCUSDT","lastPrice":"91234.57000000","closeTime":1763647512345},'
    block = b"[" + row * (chunk // len(row))
    sent = 0
    while sent < size:
        piece = block[: size - sent]
        sent += len(piece)
        yield piece
        block = row * (chunk // len(row))


_BOMBS: dict[tuple[int, int], bytes] = {}


def gzip_bomb(size: int = 1024 * MB, layers: int = 1) -> bytes:
    """A gzip stream of ``size`` zero bytes (~1 MB for 1 GiB), nested ``layers`` deep.

    Built without ever holding the expanded bytes: one 16 MiB block of zeros is deflated once
    after a full flush, and since a full flush resets the compressor, the same compressed block
    can be repeated; the trailer's CRC-32 is computed over zeros a megabyte at a time.
    """
    key = (size, layers)
    if key in _BOMBS:
        return _BOMBS[key]
    block_size = 16 * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"]  # gzip header, no name, mtime 0
    full, rest = divmod(size, block_size)
    if full:
        block = compressor.compress(bytes(block_size)) + compressor.flush(zlib.Z_FULL_FLUSH)
        parts.append(block * full)
    parts.append(compressor.compress(bytes(rest)) + compressor.flush(zlib.Z_FINISH))
    crc = 0
    zeros = bytes(MB)
    for offset in range(0, size, MB):
        crc = zlib.crc32(zeros[: min(MB, size - offset)], crc)
    parts.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    bomb = b"".join(parts)
    for _ in range(layers - 1):
        outer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        bomb = outer.compress(bomb) + outer.flush()
    _BOMBS[key] = bomb
    return bomb


async def _hold(reader: asyncio.StreamReader) -> None:
    """Never answer: wait until the client hangs up (or the server stops)."""
    while await reader.read(64 * 1024):
        pass


# --- virtual time for engines doing real I/O ------------------------------------------------


class IoClock(VirtualClock):
    """A :class:`VirtualClock` whose ``advance`` waits for real I/O before moving time.

    ``VirtualClock.run_for`` wakes sleepers after a few event-loop turns, which is right for
    in-memory providers but would let virtual time race past requests still on the wire. Here
    time moves only once every one of ``loops`` pollers is parked in ``sleep`` (checked in real
    time, up to ``patience`` seconds), so each poll completes at the virtual instant it started.
    """

    def __init__(
        self, start: datetime | None = None, *, loops: int = 0, patience: float = 30.0
    ) -> None:
        super().__init__(start)
        self.loops = loops
        self.patience = patience
        self.sleeping = 0
        self.wakes = 0
        self._quiet = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.sleeping += 1
        if self.sleeping >= self.loops:
            self._quiet.set()
        try:
            await super().sleep(seconds)
        finally:
            self.sleeping -= 1
            if self.sleeping < self.loops:
                self._quiet.clear()

    async def quiesce(self) -> None:
        """Return once every loop is asleep, and still is a few event-loop turns later."""
        give_up = time.monotonic() + self.patience
        while True:
            try:
                async with asyncio.timeout(max(0.0, give_up - time.monotonic())):
                    await self._quiet.wait()
            except TimeoutError:
                raise TimeoutError(
                    f"only {self.sleeping} of {self.loops} loops asleep after {self.patience} s"
                ) from None
            for _ in range(3):
                await asyncio.sleep(0)
            if self.sleeping >= self.loops:
                return

    def next_wake(self) -> float | None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    async def step(self) -> bool:
        """Wake the next sleeper (moving time to its deadline) and wait for quiet again."""
        await self.quiesce()
        when = self.next_wake()
        if when is None:
            return False
        _, _, future = heapq.heappop(self._sleepers)
        self._elapsed = max(self._elapsed, when)
        future.set_result(None)
        self.wakes += 1
        await self.quiesce()
        return True

    async def advance(self, seconds: float) -> None:
        """Move virtual time forward by ``seconds``, letting every poll due meanwhile finish."""
        end = self._elapsed + seconds
        await self.quiesce()
        while (when := self.next_wake()) is not None and when <= end:
            await self.step()
        self._elapsed = max(self._elapsed, end)
        await self.quiesce()


@contextlib.contextmanager
def one_server_per_host(latency: float = 0.0) -> Iterator[dict[str, FaultServer]]:
    """A started server per provider and one for the feeds, as on the internet: each is a
    host:port of its own, so the per-host concurrency limit applies as to the real hosts."""
    servers = {name: FaultServer() for name in [*PROVIDER_URLS, "rss"]}
    try:
        for server in servers.values():
            server.start()
            server.latency = latency
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def default_watchlist_config(servers: dict[str, FaultServer]) -> Config:
    """The default watchlist and feeds, every provider pointed at its server."""
    feeds = [f"{servers['rss'].url}/rss/feed{i}.xml" for i in range(len(DEFAULT_FEEDS))]
    return _build(
        {
            "providers": {name: {"base_url": servers[name].url} for name in PROVIDER_URLS},
            "headlines": {"feeds": feeds},
        },
        None,
    )
