"""Fault injection over real sockets: every way a market-data server can fail, through the real
Fetcher, providers and Engine, against ``tests.faultserver`` on 127.0.0.1.

Virtual time (``IoClock``) schedules the engine; only the faults that genuinely need real time
(slow drip, never answering) cost real seconds, with a one-second deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import os
import random
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests.faultserver import (
    DATA_FAULTS,
    MB,
    SLOW_FAULTS,
    UNRESOLVABLE_URL,
    Fault,
    FaultServer,
    IoClock,
    gzip_bomb,
)
from tui.config import PROVIDER_URLS, Config, _build
from tui.data.clock import FakeClock, VirtualClock
from tui.data.engine import Engine
from tui.data.errors import ErrorKind, FetchError
from tui.data.factory import build_engine
from tui.data.governor import Governor
from tui.data.http import MAX_KEEPALIVE, Fetcher, make_client
from tui.data.providers.goldapi import GoldApiProvider
from tui.data.snapshot import MarketSnapshot, SourceHealth, StaleReason

# A Tuesday at 15:00 UTC: New York is open, and the server's quotes carry their own sessions.
START = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
CRYPTO = ("coinbase", "binance", "coingecko")
SOURCES = ("yahoo", "coinbase", "binance", "coingecko", "goldapi", "headlines")
CAP = 60.0  # general.backoff_cap in these tests

RATE = (SourceHealth.RATE_LIMITED, {ErrorKind.RATE_LIMITED})
HTTP = (SourceHealth.STALE, {ErrorKind.HTTP})
NETWORK = (SourceHealth.OFFLINE, {ErrorKind.NETWORK})
TOO_LARGE = (SourceHealth.STALE, {ErrorKind.TOO_LARGE})
UNUSABLE = (SourceHealth.STALE, {ErrorKind.PARSE, ErrorKind.NO_DATA})
EXPECTED: dict[Fault, tuple[SourceHealth, set[ErrorKind]]] = {
    Fault.RATE_LIMIT_SECONDS: RATE,
    Fault.RATE_LIMIT_DATE: RATE,
    Fault.TEAPOT: RATE,
    Fault.UNAVAILABLE_FOR_LEGAL_REASONS: (SourceHealth.STALE, {ErrorKind.BLOCKED}),
    Fault.SERVER_ERROR: HTTP,
    Fault.BAD_GATEWAY: HTTP,
    Fault.SERVICE_UNAVAILABLE: HTTP,
    Fault.RESET: NETWORK,
    Fault.LENGTH_TOO_LONG: NETWORK,
    Fault.HUGE_BODY: TOO_LARGE,
    Fault.GZIP_BOMB: TOO_LARGE,
    Fault.TRUNCATED: UNUSABLE,
    Fault.HTML: UNUSABLE,
    Fault.SCHEMA_DRIFT: UNUSABLE,
    Fault.NULLS: UNUSABLE,
    Fault.DEEP_NESTING: UNUSABLE,
    Fault.LENGTH_TOO_SHORT: UNUSABLE,
    Fault.UNKNOWN_ENCODING: (SourceHealth.STALE, {ErrorKind.PARSE}),
}
# A feed that parses to nothing (an HTML page, a renamed <item>) is not an error in rss.py, by
# design: the headlines source stays "ok" and the last good headlines stay on screen.
BODY_FAULTS = {f for f, e in EXPECTED.items() if e is UNUSABLE}
# (fault, options) in the order the matrix applies them; schema drift in all three flavours.
FAST_FAULTS: list[tuple[Fault, dict[str, Any]]] = [
    (f, {"drift": d}) if f is Fault.SCHEMA_DRIFT else (f, {})
    for f in Fault
    if f not in SLOW_FAULTS and f not in DATA_FAULTS
    for d in (("missing", "renamed", "wrong_type") if f is Fault.SCHEMA_DRIFT else ("",))
]


def expected(source: str, fault: Fault) -> tuple[SourceHealth, set[ErrorKind]]:
    if source == "headlines" and fault in BODY_FAULTS:
        return SourceHealth.OK, set()
    return EXPECTED[fault]


# --- set-up -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FaultServer]:
    with FaultServer(hosts=len(PROVIDER_URLS) + 1) as server:
        yield server


@pytest.fixture
def server(shared_server: FaultServer) -> Iterator[FaultServer]:
    shared_server.clear()
    shared_server.requests.clear()
    shared_server.stamp = None
    shared_server.now = lambda: datetime.now(UTC)
    yield shared_server
    shared_server.clear()
    shared_server.stamp = None


def make_config(
    url: str,
    *,
    crypto: tuple[str, ...] = ("coinbase",),
    timeout: float = 5.0,
    max_bytes: int = MB,
    interval: float = 10.0,
    urls: dict[str, str] | None = None,
    feed: str | None = None,
) -> Config:
    """Every provider at ``url`` (or ``urls[name]``), a small watchlist, one feed.

    Each provider gets its own loopback address of the shared server (``url`` must be the
    module's server), as in real life where each has its own host: the request governor pauses
    a whole host after a 429, so one host for all would let one source's fault pause the rest.
    Budgets are generous: these tests refresh many times without advancing virtual time.
    """
    urls = {name: _on_host(url, i) for i, name in enumerate(PROVIDER_URLS)} | (urls or {})
    feed = feed or f"{_on_host(url, len(PROVIDER_URLS))}/rss/markets.xml"
    return _build(
        {
            "general": {
                "refresh": interval,
                "timeout": timeout,
                "max_response_bytes": max_bytes,
                "per_host": 64,  # every source shares this one host here; not in real life
                "backoff_cap": CAP,
            },
            "providers": {
                name: {
                    "base_url": urls[name],
                    "interval": interval,
                    "max_requests_per_minute": 1e6,
                }
                for name in PROVIDER_URLS
            },
            "headlines": {
                "feeds": [feed],
                "interval": 30,
                "max_requests_per_minute": 1e6,
            },
            "panes": {
                "indices": {"symbols": ["^GSPC"], "sources": ["yahoo"]},
                "metals": {"symbols": ["GC=F", "XAU"], "sources": ["yahoo", "goldapi"]},
                "crypto": {"symbols": ["BTC-USD"], "sources": list(crypto)},
            },
        },
        None,
    )


def _on_host(url: str, index: int) -> str:
    """``url`` (the shared server's, on 127.0.0.1) on loopback address 127.0.0.<index + 1>."""
    return url.replace("//127.0.0.1:", f"//127.0.0.{index + 1}:", 1)


def engine_for(config: Config, clock: VirtualClock, client: httpx.AsyncClient) -> Engine:
    return build_engine(config, clock=clock, client=client, rng=random.Random(7))


def status(snap: MarketSnapshot) -> dict[str, Any]:
    return {s.name: s for s in snap.sources}


def quotes_from(snap: MarketSnapshot, source: str) -> list[Any]:
    return [q for q in snap.quotes if q.source == source]


@contextlib.asynccontextmanager
async def running(engine: Engine, clock: IoClock) -> AsyncIterator[list[MarketSnapshot]]:
    """``engine.run`` in a task, with ``clock`` told how many loops to wait for."""
    published: list[MarketSnapshot] = []
    clock.loops = len(engine.states)
    task = asyncio.create_task(engine.run(lambda: published.append(engine.snapshot())))
    try:
        yield published
        assert not task.done(), "the engine stopped"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def stamps(server: FaultServer, source: str) -> list[float]:
    """Virtual times at which ``source`` sent requests (one entry per poll)."""
    return sorted({r.stamp for r in server.requests_to(source) if r.stamp is not None})


# --- every fault, every source ------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
async def test_every_fault_gives_a_typed_error_and_the_source_recovers(
    server: FaultServer, source: str
) -> None:
    """For each fault on ``source``: the right error kind and health, last good values kept
    and marked, every other source still fresh; then the fault clears and it recovers."""
    clock = VirtualClock(START)
    server.now = clock.now
    crypto = (source,) if source in CRYPTO else ("coinbase",)
    mismatches: list[str] = []
    async with make_client() as client:
        engine = engine_for(make_config(server.url, crypto=crypto), clock, client)
        snap = await engine.refresh_once()
        assert {s.name: s.health for s in snap.sources} == dict.fromkeys(
            status(snap), SourceHealth.OK
        )
        for fault, options in FAST_FAULTS:
            label = f"{fault.name}{options or ''}"
            # Deep XML costs feedparser ~10 µs a level: keep the headline case quick.
            extra = {"nesting": 20_000} if source == "headlines" else {}
            server.fault_source(source, fault, **options, **extra)
            snap = await engine.refresh_once()
            server.clear()
            got = status(snap)[source]
            health, kinds = expected(source, fault)
            kind = got.last_error.kind if got.last_error else None
            if got.health is not health or (kinds and kind not in kinds):
                mismatches.append(f"{label}: {got.health}/{kind}, expected {health}/{kinds}")
            for name, other in status(snap).items():
                if name != source and other.health is not SourceHealth.OK:
                    mismatches.append(f"{label}: {name} is {other.health} too")
            for quote in snap.quotes:
                want = StaleReason.FAILING if quote.source == source and kinds else None
                if quote.last is None or quote.stale_reason is not want:
                    mismatches.append(f"{label}: {quote.symbol} {quote.last} {quote.stale_reason}")
            if not snap.headlines:
                mismatches.append(f"{label}: the last good headlines were dropped")

            clock.advance(CAP + 1)  # past any backoff or Retry-After
            snap = await engine.refresh_once()
            got = status(snap)[source]
            if got.health is not SourceHealth.OK:
                mismatches.append(f"{label}: no recovery, {got.health} {got.last_error}")
            stale = [q.symbol for q in snap.quotes if q.stale_reason is not None]
            if stale:
                mismatches.append(f"{label}: still stale after recovery: {stale}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("fault", sorted(SLOW_FAULTS))
async def test_slow_faults_cost_about_the_deadline(server: FaultServer, fault: Fault) -> None:
    """A dripping or silent server costs one deadline (1 s here), then the source is offline;
    the sources it does not affect answer meanwhile."""
    clock = VirtualClock(START)
    server.now = clock.now
    async with make_client() as client:
        engine = engine_for(make_config(server.url, timeout=1.0), clock, client)
        for source in ("yahoo", "coinbase", "headlines"):
            server.fault_source(source, fault)  # drip: one byte a second, the real default
        started = time.monotonic()
        snap = await engine.refresh_once()
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 1.0 + 2.0
    got = status(snap)
    for source in ("yahoo", "coinbase", "headlines"):
        assert got[source].health is SourceHealth.OFFLINE
        assert got[source].last_error.kind is ErrorKind.TIMEOUT
    assert got["goldapi"].health is SourceHealth.OK
    assert [q.stale_reason for q in quotes_from(snap, "goldapi")] == [None]


async def test_dns_failure_and_connection_refused_are_offline(server: FaultServer) -> None:
    clock = VirtualClock(START)
    server.now = clock.now
    refused = server.refused_url()
    config = make_config(
        server.url,
        urls={"yahoo": refused, "goldapi": UNRESOLVABLE_URL},
        feed=f"{UNRESOLVABLE_URL}/rss/markets.xml",
    )
    async with make_client() as client:
        snap = await engine_for(config, clock, client).refresh_once()
    got = status(snap)
    messages = {
        name: (got[name].health, got[name].last_error.kind, got[name].last_error.message)
        for name in ("yahoo", "goldapi", "headlines")
    }
    assert messages["yahoo"] == (SourceHealth.OFFLINE, ErrorKind.NETWORK, "connection refused")
    assert messages["goldapi"] == (SourceHealth.OFFLINE, ErrorKind.NETWORK, "DNS lookup failed")
    assert messages["headlines"][:2] == (SourceHealth.OFFLINE, ErrorKind.NETWORK)
    assert got["coinbase"].health is SourceHealth.OK
    assert [q.source for q in snap.quotes if q.last is not None] == ["coinbase"]


# --- scheduling under faults (virtual time) -----------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.RATE_LIMIT_SECONDS, Fault.RATE_LIMIT_DATE])
async def test_retry_after_is_never_undercut(server: FaultServer, fault: Fault) -> None:
    """No request reaches a rate-limited route before its Retry-After (seconds or HTTP-date)
    allows; other sources keep their 10 s rhythm; once the limit lifts, quotes are fresh."""
    clock = IoClock(START)
    server.now, server.stamp = clock.now, clock.monotonic
    server.fault_source("yahoo", fault, retry_after=45)
    async with make_client() as client:
        engine = engine_for(make_config(server.url), clock, client)
        async with running(engine, clock) as published:
            await clock.advance(400)
            limited = stamps(server, "yahoo")
            assert status(published[-1])["yahoo"].health is SourceHealth.RATE_LIMITED
            server.clear()
            lifted = clock.monotonic()
            await clock.advance(CAP + 5)
    gaps = [b - a for a, b in pairwise(limited)]
    assert len(gaps) >= 6
    assert all(45 - 1e-6 <= gap <= CAP for gap in gaps), gaps  # Retry-After, within the cap
    gold = [t for t in stamps(server, "goldapi") if t <= lifted]
    assert [b - a for a, b in pairwise(gold)] == pytest.approx([10.0] * (len(gold) - 1))
    after = [t for t in stamps(server, "yahoo") if t > lifted]
    assert after and after[0] - limited[-1] >= 45 - 1e-6  # the last limit was honoured too
    assert after[0] - lifted <= CAP  # recovered within one (capped) backoff interval
    last = published[-1]
    assert status(last)["yahoo"].health is SourceHealth.OK
    assert all(q.stale_reason is None for q in last.quotes)


async def test_backoff_grows_exponentially_with_jitter_to_the_cap_then_recovers(
    server: FaultServer,
) -> None:
    clock = IoClock(START)
    server.now, server.stamp = clock.now, clock.monotonic
    async with make_client() as client:
        engine = engine_for(make_config(server.url, crypto=("coingecko",)), clock, client)
        async with running(engine, clock) as published:
            await clock.advance(1)  # one good answer first
            server.fault_source("coingecko", Fault.BAD_GATEWAY)
            await clock.advance(600)
            assert status(published[-1])["coingecko"].health is SourceHealth.STALE
            btc = quotes_from(published[-1], "coingecko")
            assert [(q.last, q.stale_reason) for q in btc] == [(91234.57, StaleReason.FAILING)]
            server.clear()
            cleared = clock.monotonic()
            await clock.advance(CAP + 25)
    failing = [t for t in stamps(server, "coingecko") if 0 < t < cleared]
    gaps = [b - a for a, b in pairwise(failing)]
    assert len(gaps) >= 8
    # Equal jitter: the n-th wait lies in [raw/2, raw], raw = min(cap, 10 s x 2^(n-1)).
    for n, gap in enumerate(gaps, start=1):
        raw = min(CAP, 10.0 * 2 ** (n - 1))
        assert raw / 2 - 1e-6 <= gap <= raw + 1e-6, (n, gap)
    capped = gaps[3:]
    assert len({round(g, 3) for g in capped}) == len(capped)  # jittered, not a fixed beat
    assert max(gaps[:3]) < 40  # it started small
    later = [t for t in stamps(server, "coingecko") if t > cleared]
    assert later[0] - cleared <= CAP  # recovery within one backoff interval
    assert [b - a for a, b in pairwise(later)] == pytest.approx([10.0] * (len(later) - 1))
    quotes = quotes_from(published[-1], "coingecko")
    assert quotes and all(q.stale_reason is None for q in quotes)


async def test_engine_keeps_running_through_every_fault_in_turn(server: FaultServer) -> None:
    """One long-running engine; Yahoo's route goes through every fault, slow ones included,
    while the other sources keep polling on time and stay fresh, and Yahoo recovers after each
    within one backoff interval."""
    clock = IoClock(START)
    server.now, server.stamp = clock.now, clock.monotonic
    faults = [*FAST_FAULTS, (Fault.NEVER_ANSWER, {}), (Fault.SLOW_DRIP, {"interval": 0.05})]
    async with make_client() as client:
        engine = engine_for(make_config(server.url, timeout=0.5), clock, client)
        async with running(engine, clock) as published:
            await clock.advance(1)
            for fault, options in faults:
                server.fault_source("yahoo", fault, **options)
                await clock.advance(10.5)  # Yahoo's next poll meets the fault
                snap = published[-1]
                got = status(snap)
                health, kinds = (
                    (SourceHealth.OFFLINE, {ErrorKind.TIMEOUT})
                    if fault in SLOW_FAULTS
                    else expected("yahoo", fault)
                )
                assert got["yahoo"].health is health, (fault, got["yahoo"])
                assert got["yahoo"].last_error.kind in kinds, (fault, got["yahoo"].last_error)
                for name in ("coinbase", "goldapi"):
                    assert got[name].health is SourceHealth.OK, (fault, name)
                    age = (snap.generated_at - got[name].last_ok).total_seconds()
                    assert age <= 10.0, (fault, name, age)  # polled on its own interval
                server.clear()
                # The first retry comes after [5, 10] s, or the 30 s Retry-After.
                await clock.advance(31)
                assert status(published[-1])["yahoo"].health is SourceHealth.OK, fault
    assert all(q.stale_reason is None for q in published[-1].quotes)
    polls = stamps(server, "goldapi")
    assert [b - a for a, b in pairwise(polls)] == pytest.approx([10.0] * (len(polls) - 1))


async def test_crypto_falls_back_while_the_primary_fails_and_returns_after(
    server: FaultServer,
) -> None:
    clock = IoClock(START)
    server.now, server.stamp = clock.now, clock.monotonic
    server.fault_source("coinbase", Fault.RESET)
    async with make_client() as client:
        engine = engine_for(make_config(server.url, crypto=("coinbase", "binance")), clock, client)
        async with running(engine, clock) as published:
            await clock.advance(100)
            btc = next(q for q in published[-1].quotes if q.symbol == "BTC-USD")
            assert (btc.source, btc.stale_reason) == ("binance", None)
            assert status(published[-1])["coinbase"].health is SourceHealth.OFFLINE
            server.clear()
            await clock.advance(CAP + 25)
    btc = next(q for q in published[-1].quotes if q.symbol == "BTC-USD")
    assert (btc.source, btc.stale_reason) == ("coinbase", None)


# --- caps, decoding and connections -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        (Fault.HUGE_BODY, {}),  # 50 MB, chunked: the streaming cap
        (Fault.HUGE_BODY, {"declare_length": True}),  # 50 MB declared: refused up front
        (Fault.GZIP_BOMB, {}),  # ~1 MB of gzip -> 1 GiB
        (Fault.GZIP_BOMB, {"layers": 2}),  # ~2 KB of "gzip, gzip" -> 1 GiB
    ],
    ids=["huge-chunked", "huge-declared", "gzip-bomb", "gzip-bomb-nested"],
)
async def test_huge_bodies_fail_too_large_in_bounded_memory(
    server: FaultServer, fault: Fault, options: dict[str, Any]
) -> None:
    cap = MB
    gzip_bomb(layers=options.get("layers", 1))  # built once, outside the measurement
    server.fault("/price", fault, **options)
    async with make_client() as client:
        provider = GoldApiProvider(Fetcher(client, max_bytes=cap), server.url)
        tracemalloc.start()
        try:
            started = time.monotonic()
            result = await provider.fetch(["XAU"])
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert [e.kind for e in result.errors] == [ErrorKind.TOO_LARGE]
    assert peak < 3 * cap, f"peak {peak / MB:.1f} MB for a {cap / MB:.0f} MB cap"
    assert elapsed < 2.0


@pytest.mark.parametrize("deflate", ["zlib", "raw"])
async def test_deflate_is_decoded_in_both_flavours(deflate: str) -> None:
    payload = b'{"ok": true, "pad": "' + b"x" * 300_000 + b'"}'
    wbits = zlib.MAX_WBITS if deflate == "zlib" else -zlib.MAX_WBITS
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = packer.compress(payload) + packer.flush()

    async def stream() -> AsyncIterator[bytes]:  # streamed, so the Fetcher decodes it itself
        for i in range(0, len(body), 100):
            yield body[i : i + 100]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        return httpx.Response(200, content=stream(), headers={"content-encoding": "deflate"})

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        resp = await Fetcher(client).get("https://api.example.test/x")
    assert resp.body == payload


@pytest.mark.parametrize(
    ("encoding", "body", "kind"),
    [
        ("br", b"\x1b\x03\x00", ErrorKind.PARSE),  # never asked for
        ("gzip", gzip.compress(b'{"a": 1}')[:-12], ErrorKind.PARSE),  # cut mid-stream
        ("gzip, gzip, gzip", b"", ErrorKind.PARSE),  # layers beyond any real server
        ("gzip", b"not gzip at all", ErrorKind.PARSE),
    ],
    ids=["unknown", "truncated", "too-many-layers", "garbage"],
)
async def test_bad_encodings_are_parse_errors(encoding: str, body: bytes, kind: ErrorKind) -> None:
    async def stream() -> AsyncIterator[bytes]:
        yield body

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=stream(), headers={"content-encoding": encoding})

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(FetchError) as info:
            await Fetcher(client).get("https://api.example.test/x")
    assert info.value.kind is kind


async def test_short_content_length_does_not_poison_the_connections_after_it(
    server: FaultServer,
) -> None:
    """Bytes past a lying Content-Length sit on the keep-alive connection; the requests that
    meet them are sent again on a clean connection, so they succeed, promptly."""
    async with make_client() as client:
        fetcher = Fetcher(client, deadline=2.0)
        await asyncio.gather(*(fetcher.get(f"{server.url}/price/XAU") for _ in range(8)))
        server.fault("/price", Fault.LENGTH_TOO_SHORT)
        short = await asyncio.gather(*(fetcher.get(f"{server.url}/price/XAU") for _ in range(8)))
        server.clear()
        with pytest.raises(FetchError) as info:
            short[0].json()
        assert info.value.kind is ErrorKind.PARSE
        started = time.monotonic()
        after = await asyncio.gather(*(fetcher.get(f"{server.url}/price/XAU") for _ in range(8)))
        after += [await fetcher.get(f"{server.url}/price/XAU") for _ in range(8)]
        elapsed = time.monotonic() - started
    assert [r.json()["symbol"] for r in after] == ["XAU"] * 16
    assert elapsed < 1.0
    poisoned = {r.connection for r in server.requests if r.fault is Fault.LENGTH_TOO_SHORT}
    resent = [r for r in server.requests if r.fault is None and r.connection in poisoned]
    assert resent  # some requests did meet the garbage, and were retried


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def settle(predicate: Any, timeout: float = 5.0) -> bool:
    give_up = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > give_up:
            return False
        await asyncio.sleep(0.02)
    return True


class _HourPerReading(FakeClock):
    def monotonic(self) -> float:
        self.advance(3600)
        return super().monotonic()


async def test_thousands_of_faulted_requests_leak_no_tasks_or_fds(server: FaultServer) -> None:
    """2,000 requests through one client, each meeting a random fault (resets, timeouts, bombs,
    lies...): afterwards the tasks and file descriptors are what they were."""
    plan: dict[str, tuple[Fault, dict[str, Any]] | None] = {
        "OK": None,
        "RST": (Fault.RESET, {}),
        "NEV": (Fault.NEVER_ANSWER, {}),
        "DRP": (Fault.SLOW_DRIP, {"interval": 0.05}),
        "TRN": (Fault.TRUNCATED, {}),
        "HTM": (Fault.HTML, {}),
        "BIG": (Fault.HUGE_BODY, {}),
        "BMB": (Fault.GZIP_BOMB, {}),
        "LNG": (Fault.LENGTH_TOO_LONG, {}),
        "SHT": (Fault.LENGTH_TOO_SHORT, {}),
        "429": (Fault.RATE_LIMIT_SECONDS, {}),
        "503": (Fault.SERVICE_UNAVAILABLE, {}),
        "DEP": (Fault.DEEP_NESTING, {}),
        "ENC": (Fault.UNKNOWN_ENCODING, {}),
    }
    for name, entry in plan.items():
        if entry is not None:
            server.fault(f"/v8/finance/chart/{name}", entry[0], **entry[1])
    gzip_bomb()
    refused = server.refused_url()
    names = [*plan, "REFUSED", "DNS"]
    weights = [0.5 if n in ("NEV", "DRP") else 1.0 if n == "DNS" else 5.0 for n in names]
    rng = random.Random(11)
    picks = rng.choices(names, weights, k=2000)
    outcomes: dict[str, int] = {}

    async def one(fetcher: Fetcher, i: int, name: str) -> None:
        base = {"REFUSED": refused, "DNS": UNRESOLVABLE_URL}.get(name, server.url)
        try:
            resp = await fetcher.get(f"{base}/v8/finance/chart/{name}-{i}")
            resp.json()
            key = f"{resp.status}"
        except FetchError as exc:  # anything else fails the test
            key = exc.kind.value
        outcomes[key] = outcomes.get(key, 0) + 1

    # Connections of earlier tests on the shared server may still be closing.
    assert await settle(lambda: server.open_connections == 0)
    gc.collect()
    before_fds = open_fds()
    before_tasks = len(asyncio.all_tasks())
    async with make_client() as client:
        # Every request must reach the server here, so the governor's pause after a 429 (tested
        # in test_governor) must not hold the rest back: its clock moves an hour per reading.
        governor = Governor(clock=_HourPerReading(), per_host=32)
        fetcher = Fetcher(
            client, deadline=0.3, max_bytes=256 * 1024, per_host=32, governor=governor
        )
        await asyncio.gather(*(one(fetcher, i, "OK") for i in range(32)))  # warm the pool
        warm_fds = open_fds()
        outcomes.clear()
        queue = list(enumerate(picks))

        async def worker() -> None:
            while queue:
                i, name = queue.pop()
                await one(fetcher, i, name)

        await asyncio.gather(*(worker() for _ in range(32)))
        await asyncio.sleep(0)
        assert len(asyncio.all_tasks()) == before_tasks
        # Only pooled keep-alive sockets may remain: the client's end and the server's.
        await settle(lambda: open_fds() <= warm_fds + 2 * MAX_KEEPALIVE)
        assert open_fds() <= warm_fds + 2 * MAX_KEEPALIVE
    assert await settle(lambda: open_fds() <= before_fds), (open_fds(), before_fds)
    assert len(asyncio.all_tasks()) == before_tasks
    assert sum(outcomes.values()) == 2000
    # 429 and 503 bodies are not JSON, so they count as "parse" here.
    assert {"200", "network", "timeout", "too_large", "parse"} <= set(outcomes), outcomes


async def test_stopping_the_server_releases_held_connections() -> None:
    """``stop`` drops connections it is holding (never answering, dripping) at once, so neither
    the server nor a client waiting on it can hang."""
    with FaultServer() as own:
        own.fault("/rss/held", Fault.NEVER_ANSWER)
        own.fault("/rss/drip", Fault.SLOW_DRIP)
        async with make_client() as client:
            fetcher = Fetcher(client, deadline=30.0)
            waiting = [
                asyncio.create_task(fetcher.get(f"{own.url}/rss/{name}.xml"))
                for name in ("held", "drip")
            ]
            assert await settle(lambda: own.open_connections == 2)
            started = time.monotonic()
            await asyncio.to_thread(own.stop)
            results = await asyncio.gather(*waiting, return_exceptions=True)
            elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert [type(r) for r in results] == [FetchError, FetchError]
    assert {r.kind for r in results if isinstance(r, FetchError)} == {ErrorKind.NETWORK}


async def test_fault_server_records_requests_and_limits_a_fault_to_n_requests(
    server: FaultServer,
) -> None:
    clock = VirtualClock(START)
    server.now, server.stamp = clock.now, clock.monotonic
    server.fault("/price/XAU", Fault.BAD_GATEWAY, times=2)
    server.set_price("XAU", 4100.5)
    async with make_client() as client:
        fetcher = Fetcher(client)
        statuses = []
        for _ in range(3):
            statuses.append((await fetcher.get(f"{server.url}/price/XAU")).status)
            clock.advance(5)
        answer = await fetcher.get(f"{server.url}/price/XAU")
        markets = await fetcher.get(
            f"{server.url}/api/v3/coins/markets", params={"ids": "bitcoin", "vs_currency": "usd"}
        )
    assert statuses == [502, 502, 200]
    assert answer.json()["price"] == 4100.5
    assert answer.json()["updatedAt"] == "2026-02-03T15:00:15Z"  # the virtual clock's time
    assert [(r.path, r.fault, r.stamp) for r in server.requests][:3] == [
        ("/price/XAU", Fault.BAD_GATEWAY, 0.0),
        ("/price/XAU", Fault.BAD_GATEWAY, 5.0),
        ("/price/XAU", None, 10.0),
    ]
    assert server.requests[-1].query["ids"] == ["bitcoin"]
    assert markets.json()[0]["id"] == "bitcoin"
