"""Fetcher: deadline, size caps, per-host limits, transport errors and status mapping."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    USER_AGENT,
    Fetcher,
    HttpResponse,
    make_client,
    status_error,
)

Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)


async def get(
    handler: Handler,
    url: str = "https://api.example.test/v1/x",
    *,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> HttpResponse:
    async with make_client(transport=httpx.MockTransport(handler)) as client:
        return await Fetcher(client, deadline=deadline, max_bytes=max_bytes).get(url)


async def fetch_error(
    handler: Handler, *, deadline: float = DEFAULT_DEADLINE, max_bytes: int = DEFAULT_MAX_BYTES
) -> FetchError:
    with pytest.raises(FetchError) as info:
        await get(handler, deadline=deadline, max_bytes=max_bytes)
    return info.value


# --- a normal answer ------------------------------------------------------------------------------


async def test_reads_status_headers_and_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True}, headers={"X-Thing": "1"})

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        fetcher = Fetcher(client)
        resp = await fetcher.get(
            "https://api.example.test/v1/x", params={"a": "1 2"}, headers={"X-Extra": "y"}
        )

    assert resp.status == 200
    assert resp.json() == {"ok": True}
    assert resp.headers["x-thing"] == "1"  # keys come back lower-case
    assert resp.url == "https://api.example.test/v1/x?a=1+2"
    assert fetcher.requests == 1
    (request,) = seen
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["x-extra"] == "y"


async def test_non_2xx_is_returned_not_raised() -> None:
    resp = await get(lambda request: httpx.Response(503, text="down"))
    assert resp.status == 503
    assert resp.body == b"down"


async def test_gzip_body_is_decoded() -> None:
    body = gzip.compress(b'{"a": 1}')

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-encoding": "gzip"})

    assert (await get(handler)).json() == {"a": 1}


async def test_redirect_is_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"location": "/new"})
        return httpx.Response(200, text="moved")

    resp = await get(handler, url="https://api.example.test/old")
    assert resp.status == 200
    assert resp.url == "https://api.example.test/new"


# --- size cap -------------------------------------------------------------------------------------


async def test_declared_content_length_over_cap_is_too_large() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}", headers={"content-length": "50000000"})

    error = await fetch_error(handler, max_bytes=1000)
    assert error.kind is ErrorKind.TOO_LARGE
    assert error.status == 200


async def test_body_longer_than_its_lying_content_length_is_too_large() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 5000, headers={"content-length": "10"})

    error = await fetch_error(handler, max_bytes=1000)
    assert error.kind is ErrorKind.TOO_LARGE


async def test_body_exactly_at_cap_is_accepted() -> None:
    resp = await get(lambda request: httpx.Response(200, content=b"x" * 1000), max_bytes=1000)
    assert len(resp.body) == 1000


async def test_streamed_body_without_content_length_is_cut_off() -> None:
    produced = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(1000):
            produced += 1
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=stream())

    error = await fetch_error(handler, max_bytes=10_000)
    assert error.kind is ErrorKind.TOO_LARGE
    assert produced < 1000  # reading stopped at the cap, the rest was never pulled


async def test_gzip_bomb_is_capped_on_decoded_bytes() -> None:
    body = gzip.compress(b"\0" * 2_000_000)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-encoding": "gzip"})

    error = await fetch_error(handler, max_bytes=100_000)
    assert error.kind is ErrorKind.TOO_LARGE


# --- deadline -------------------------------------------------------------------------------------


async def test_dripping_body_hits_the_overall_deadline() -> None:
    async def drip() -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.sleep(30)
        yield b"}"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=drip())

    error = await fetch_error(handler, deadline=0.3)
    assert error.kind is ErrorKind.TIMEOUT


async def test_slow_headers_hit_the_overall_deadline() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    error = await fetch_error(handler, deadline=0.3)
    assert error.kind is ErrorKind.TIMEOUT


# --- transport errors -----------------------------------------------------------------------------


def raising(exc: type[httpx.TransportError], message: str) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc(message, request=request)

    return handler


@pytest.mark.parametrize(
    ("exc", "message", "kind", "described"),
    [
        (httpx.ConnectError, "[Errno 111] Connection refused", ErrorKind.NETWORK,
         "connection refused"),
        (httpx.ConnectError, "[Errno -2] Name or service not known", ErrorKind.NETWORK,
         "DNS lookup failed"),
        (httpx.ConnectError, "nodename nor servname provided, or not known", ErrorKind.NETWORK,
         "DNS lookup failed"),
        (httpx.ReadError, "[Errno 104] Connection reset by peer", ErrorKind.NETWORK,
         "connection reset"),
        (httpx.RemoteProtocolError, "Server disconnected", ErrorKind.NETWORK,
         "RemoteProtocolError: Server disconnected"),
        (httpx.ConnectError, "", ErrorKind.NETWORK, "ConnectError: ConnectError"),
        (httpx.ConnectTimeout, "timed out", ErrorKind.TIMEOUT, "timed out: ConnectTimeout"),
        (httpx.ReadTimeout, "timed out", ErrorKind.TIMEOUT, "timed out: ReadTimeout"),
    ],
)  # fmt: skip
async def test_transport_errors_are_typed(
    exc: type[httpx.TransportError], message: str, kind: ErrorKind, described: str
) -> None:
    error = await fetch_error(raising(exc, message))
    assert error.kind is kind
    assert error.message == described


async def test_undecodable_body_is_a_parse_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"not gzip", headers={"content-encoding": "gzip"})

    assert (await fetch_error(handler)).kind is ErrorKind.PARSE


async def test_redirect_loop_is_a_typed_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": str(request.url)})

    assert (await fetch_error(handler)).kind is ErrorKind.HTTP


# --- per-host concurrency -------------------------------------------------------------------------


async def test_per_host_concurrency_is_bounded() -> None:
    active: dict[str, int] = {}
    peak: dict[str, int] = {}

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        active[host] = active.get(host, 0) + 1
        peak[host] = max(peak.get(host, 0), active[host])
        await asyncio.sleep(0.01)
        active[host] -= 1
        return httpx.Response(200, text="ok")

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        fetcher = Fetcher(client, per_host=3)
        urls = [f"https://{h}.example.test/{i}" for h in ("a", "b") for i in range(15)]
        results = await asyncio.gather(*(fetcher.get(u) for u in urls))

    assert [r.status for r in results] == [200] * 30
    assert fetcher.requests == 30
    assert peak == {"a.example.test": 3, "b.example.test": 3}  # reached, never exceeded


async def test_failed_requests_release_their_host_slot() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("Connection refused", request=request)

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        fetcher = Fetcher(client, per_host=1)
        for _ in range(3):
            with pytest.raises(FetchError):
                await fetcher.get("https://a.example.test/")
    assert calls == 3


# --- status mapping -------------------------------------------------------------------------------


def response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse("https://api.example.test/", status, headers or {}, body)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, ErrorKind.RATE_LIMITED),
        (418, ErrorKind.RATE_LIMITED),
        (451, ErrorKind.BLOCKED),
        (400, ErrorKind.NO_DATA),
        (404, ErrorKind.NO_DATA),
        (401, ErrorKind.HTTP),
        (403, ErrorKind.HTTP),
        (500, ErrorKind.HTTP),
        (502, ErrorKind.HTTP),
        (503, ErrorKind.HTTP),
        (302, ErrorKind.HTTP),
    ],
)
def test_status_error_kinds(status: int, kind: ErrorKind) -> None:
    error = status_error(response(status, b"nope"))
    assert error.kind is kind
    assert error.status == status
    assert error.message == f"HTTP {status}: nope"
    assert error.retry_after is None


def test_status_error_detail_beats_body_and_empty_body_says_so() -> None:
    assert status_error(response(500, b"body"), "detail").message == "HTTP 500: detail"
    assert status_error(response(500)).message == "HTTP 500: no body"


def test_status_error_body_snippet_is_sanitised_and_short() -> None:
    body = b"\x1b]0;pwned\x07<html>\n" + b"A" * 5000
    error = status_error(response(502, body))
    assert "\x1b" not in error.message
    assert error.message.startswith("HTTP 502: <html> AAAA")
    assert len(error.message) <= len("HTTP 502: ") + 120


def test_retry_after_seconds_is_kept() -> None:
    error = status_error(response(429, headers={"retry-after": "30"}))
    assert error.retry_after == 30.0


def test_retry_after_http_date_is_kept() -> None:
    when = datetime.now(UTC) + timedelta(hours=1)
    error = status_error(response(503, headers={"retry-after": format_datetime(when, True)}))
    assert error.kind is ErrorKind.HTTP
    assert error.retry_after is not None
    assert 3000 < error.retry_after <= 3600


async def test_retry_after_survives_the_fetcher() -> None:
    # Servers send mixed-case header names; the fetcher lower-cases them for status_error.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "120"})

    error = status_error(await get(handler))
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == 120.0
    assert error.message == "HTTP 429: Too Many Requests"


async def test_retry_after_http_date_survives_the_fetcher() -> None:
    date = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), True)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(418, headers={"Retry-After": date})

    error = status_error(await get(handler))
    assert error.kind is ErrorKind.RATE_LIMITED
    # A date in the past means "now", clamped to the governor's shortest pause.
    assert error.retry_after == 1.0


# --- HttpResponse ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"<html>", b"{", b"[" * 100_000, b"\xff\xfe"])
def test_invalid_json_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(FetchError) as info:
        response(200, body).json()
    assert info.value.kind is ErrorKind.PARSE
