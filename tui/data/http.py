"""One shared HTTP client with the limits every request needs.

httpx's read timeout bounds each socket read, not the whole response, so a server that drips one
byte a second would hold a request for ever; every request here runs under an overall deadline
and stops reading once the body passes a size cap.

The cap applies to the *decoded* body with memory that stays about the cap: the raw bytes are
read and inflated in bounded pieces (tui/data/http_decode.py).

A request that fails on a *reused* keep-alive connection before any answer arrived (the server
closed it while idle, or an earlier response whose ``Content-Length`` lied short left stray bytes
on it) is sent again on another connection, within the same deadline: GET is idempotent, and
otherwise one bad answer would fail an unrelated request after it.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tui.data.backoff import parse_retry_after
from tui.data.errors import ErrorKind, FetchError
from tui.data.failover import Failover, is_outage, is_unreachable
from tui.data.governor import Governor, clamp_retry_after
from tui.data.http_decode import ACCEPT_ENCODING, decoders, feed, finish
from tui.data.sanitize import sanitize_text
from tui.data.transport_errors import describe_transport

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DEFAULT_DEADLINE = 10.0
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_PER_HOST = 10
MAX_CONNECTIONS = 32
# Idle connections are kept for every host and longer than a refresh interval: with 16 kept
# and httpx's 5 s expiry, every 30 s poll opened new connections, TCP and TLS handshakes
# included. A server that drops an idle connection sooner costs one retry (_read_retrying).
MAX_KEEPALIVE = MAX_CONNECTIONS
KEEPALIVE_SECONDS = 90.0


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A fully read response: status, headers and at most ``max_bytes`` of decoded body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:
            raise FetchError(ErrorKind.PARSE, f"invalid JSON: {exc}") from exc

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or ``None``: for error bodies, which may be anything."""
        try:
            payload = json.loads(self.body)
        except (ValueError, RecursionError):
            return None
        return payload if isinstance(payload, dict) else None

    def snippet(self, limit: int = 120) -> str:
        return sanitize_text(self.body[:2048].decode("utf-8", "replace"), limit)


def make_client(
    *,
    connect_timeout: float = 5.0,
    read_timeout: float = 10.0,
    max_connections: int = MAX_CONNECTIONS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """Build the one client the whole app shares (connection reuse, one set of limits)."""
    return httpx.AsyncClient(
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/json, application/xml;q=0.9, */*;q=0.8",
            "Accept-Language": "en-US,en;q=0.9",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_SECONDS,
        ),
        follow_redirects=True,
        transport=transport,
    )


class _Attempt:
    """httpcore's ``trace`` hook for one attempt: did it open a connection, was it answered."""

    def __init__(self) -> None:
        self.connected = False  # a new TCP connection was opened for this request
        self.sent = False  # the request went out on some connection
        self.answered = False  # response headers arrived

    async def __call__(self, name: str, info: Mapping[str, Any]) -> None:
        if name.startswith("connection.connect_"):
            self.connected = True
        elif name.startswith(("http11.send_request_headers", "http2.send_request_headers")):
            self.sent = True

    @property
    def stale_connection(self) -> bool:
        """Failed unanswered on a pooled connection: worth another try on another one."""
        return self.sent and not self.connected and not self.answered


@dataclass
class Fetcher:
    """GETs through the shared client with an overall deadline, a size cap and per-host limits.

    Every request passes the :class:`~tui.data.governor.Governor` first (budget, concurrency
    and host-wide pause per upstream service), so a provider added later is governed without
    doing anything. Without an explicit governor one is built with ``per_host`` and no rate
    budget (the pause on 429/418 still applies).
    """

    client: httpx.AsyncClient
    deadline: float = DEFAULT_DEADLINE
    max_bytes: int = DEFAULT_MAX_BYTES
    per_host: int = DEFAULT_PER_HOST
    requests: int = 0
    governor: Governor | None = None
    user_agent: str | None = None  # overrides the client's User-Agent ([general] user_agent)
    # Called with every answer's headers (tui/data/clock_truth.py reads their Date).
    on_response: Callable[[Mapping[str, str]], None] | None = None
    # Mirror hosts tried once when a host is down; default: Yahoo's query1 <-> query2.
    failover: Failover | None = None

    def __post_init__(self) -> None:
        if self.governor is None:
            self.governor = Governor(per_host=self.per_host)
        if self.failover is None:
            self.failover = Failover(self.governor.clock)

    @property
    def gov(self) -> Governor:
        assert self.governor is not None  # set in __post_init__
        return self.governor

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Fetch ``url``; raise :class:`FetchError` on transport failure, deadline or size.

        A request that arrives while the URL's service is paused waits for the pause to end
        when it ends within ``deadline``, else raises ``FetchError(RATE_LIMITED)`` unsent; then
        it has its whole ``deadline`` to be answered. A host with a mirror (Yahoo's query1 and
        query2) that answers 5xx or cannot be reached is asked once more on the mirror, within
        what is left of the deadline, and avoided for a while (tui/data/failover.py).
        """
        failover = self.failover
        target = failover.route(url) if failover is not None else url
        started = asyncio.get_running_loop().time()
        outcome: HttpResponse | FetchError
        try:
            outcome = await self._get_once(target, params, headers, self.deadline)
        except FetchError as exc:
            if failover is None or not is_unreachable(exc):
                raise
            outcome = exc
        else:
            paused = self.gov.paused_for(target) > 0  # a 503 with Retry-After: a rate limit
            if failover is None or not is_outage(outcome.status, paused):
                return outcome
        alternative = failover.alternative(target)
        left = self.deadline - (asyncio.get_running_loop().time() - started)
        if alternative is not None:
            failover.mark_down(target)
        if alternative is None or left <= 0:
            if isinstance(outcome, FetchError):
                raise outcome
            return outcome
        failover.switched += 1
        return await self._get_once(alternative, params, headers, left)

    async def _get_once(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        deadline: float,
    ) -> HttpResponse:
        """One governed attempt at ``url`` within ``deadline`` seconds."""
        async with self.gov.slot(url, budget=deadline):
            self.requests += 1
            try:
                async with asyncio.timeout(deadline):
                    resp = await self._read_retrying(url, params, headers)
                self.gov.observe(url, resp.status, _retry_after(resp))
                if self.on_response is not None:
                    self.on_response(resp.headers)
                return resp
            except TimeoutError as exc:
                raise FetchError(
                    ErrorKind.TIMEOUT, f"no complete answer within {self.deadline:g}s"
                ) from exc
            except httpx.TimeoutException as exc:
                raise FetchError(ErrorKind.TIMEOUT, f"timed out: {type(exc).__name__}") from exc
            except httpx.TransportError as exc:
                raise FetchError(ErrorKind.NETWORK, describe_transport(exc)) from exc
            except httpx.DecodingError as exc:
                raise FetchError(ErrorKind.PARSE, f"undecodable body: {exc}") from exc
            except httpx.TooManyRedirects as exc:
                raise FetchError(ErrorKind.HTTP, f"too many redirects: {exc}") from exc
            except zlib.error as exc:
                raise FetchError(ErrorKind.PARSE, f"undecodable body: {exc}") from exc
            except httpx.InvalidURL as exc:
                # Too long or malformed: sending it again or elsewhere cannot help.
                raise FetchError(ErrorKind.REQUEST, f"request not sent: {exc}") from exc
            except (httpx.HTTPError, httpx.StreamError) as exc:
                # Whatever else httpx raises for a hostile answer is still a typed failure.
                raise FetchError(ErrorKind.NETWORK, f"{type(exc).__name__}: {exc}") from exc

    async def _read_retrying(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None
    ) -> HttpResponse:
        """``_read``, tried again when a pooled connection failed before any answer.

        Each such failure closes that connection, so this ends: at worst every pooled connection
        was poisoned (one garbage-leaving answer each) and the last try is on a new connection.
        A reset is tried again only once, so a server resetting everything is not hammered.
        """
        garbled = reset = 0
        while True:
            attempt = _Attempt()
            try:
                return await self._read(url, params, headers, attempt)
            except httpx.RemoteProtocolError:
                if not attempt.stale_connection or garbled >= MAX_KEEPALIVE:
                    raise
                garbled += 1
            except (httpx.ReadError, httpx.WriteError):
                if not attempt.stale_connection or reset:
                    raise
                reset += 1

    async def _read(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        attempt: _Attempt,
    ) -> HttpResponse:
        if self.user_agent is not None:
            headers = {**(headers or {}), "User-Agent": self.user_agent}
        async with self.client.stream(
            "GET", url, params=params, headers=headers, extensions={"trace": attempt}
        ) as resp:
            attempt.answered = True
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(
                    ErrorKind.TOO_LARGE,
                    f"response declares {int(declared)} bytes (cap {self.max_bytes})",
                    status=resp.status_code,
                )
            if resp.is_stream_consumed:
                # An in-memory transport (tests) hands over a body httpx already read and decoded.
                body = resp.content
                if len(body) > self.max_bytes:
                    raise self._too_large(resp)
            else:
                body = await self._read_body(resp)
            return HttpResponse(
                url=str(resp.url),
                status=resp.status_code,
                headers=dict(resp.headers),
                body=body,
            )

    async def _read_body(self, resp: httpx.Response) -> bytes:
        """The decoded body, refusing more than ``max_bytes`` raw or decoded bytes."""
        layers = decoders(resp.headers.get("content-encoding"))
        body = bytearray()
        raw = 0
        async for chunk in resp.aiter_raw():
            raw += len(chunk)
            if raw > self.max_bytes:
                raise self._too_large(resp)
            for piece in feed(layers, chunk):
                if len(body) + len(piece) > self.max_bytes:
                    raise self._too_large(resp)
                body += piece
        if raw:  # an empty body needs no decoding, whatever its headers say
            for piece in finish(layers):
                if len(body) + len(piece) > self.max_bytes:
                    raise self._too_large(resp)
                body += piece
        return bytes(body)

    def _too_large(self, resp: httpx.Response) -> FetchError:
        return FetchError(
            ErrorKind.TOO_LARGE,
            f"response exceeded {self.max_bytes} bytes",
            status=resp.status_code,
        )


# --- errors ---------------------------------------------------------------------------------


def _server_date(headers: Mapping[str, str]) -> datetime | None:
    value = headers.get("date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _retry_after(resp: HttpResponse) -> float | None:
    """The response's ``Retry-After`` in seconds (unclamped), or ``None``."""
    return parse_retry_after(resp.headers.get("retry-after"), _server_date(resp.headers))


def status_error(resp: HttpResponse, detail: str | None = None) -> FetchError:
    """Map a non-2xx response to a typed error, keeping ``Retry-After`` when the server sent one.

    An HTTP-date ``Retry-After`` is measured from the response's own ``Date`` when it has one,
    so a client or server clock that is off does not shorten or stretch the wait.
    """
    status = resp.status
    retry_after = clamp_retry_after(_retry_after(resp))
    text = detail or resp.snippet() or "no body"
    if status in (429, 418):
        kind = ErrorKind.RATE_LIMITED
    elif status == 451:
        kind = ErrorKind.BLOCKED
    elif status in (400, 404):
        kind = ErrorKind.NO_DATA
    else:
        kind = ErrorKind.HTTP
    return FetchError(kind, f"HTTP {status}: {text}", status=status, retry_after=retry_after)
