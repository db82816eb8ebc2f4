"""One shared HTTP client with the limits every request needs.

httpx's read timeout bounds each socket read, not the whole response, so a server that drips one
byte a second would hold a request for ever; every request here runs under an overall deadline
and stops reading once the body passes a size cap.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tui.data.backoff import parse_retry_after
from tui.data.errors import ErrorKind, FetchError
from tui.data.sanitize import sanitize_text

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DEFAULT_DEADLINE = 10.0
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_PER_HOST = 8


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
    max_connections: int = 32,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """Build the one client the whole app shares (connection reuse, one set of limits)."""
    return httpx.AsyncClient(
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/json, application/xml;q=0.9, */*;q=0.8",
            "Accept-Language": "en-US,en;q=0.9",
        },
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=16),
        follow_redirects=True,
        transport=transport,
    )


@dataclass
class Fetcher:
    """GETs through the shared client with an overall deadline, a size cap and per-host limits."""

    client: httpx.AsyncClient
    deadline: float = DEFAULT_DEADLINE
    max_bytes: int = DEFAULT_MAX_BYTES
    per_host: int = DEFAULT_PER_HOST
    _hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict, repr=False)
    requests: int = 0

    def _semaphore(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.per_host)
        return sem

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Fetch ``url``; raise :class:`FetchError` on transport failure, deadline or size."""
        async with self._semaphore(url):
            self.requests += 1
            try:
                async with asyncio.timeout(self.deadline):
                    return await self._read(url, params, headers)
            except TimeoutError as exc:
                raise FetchError(
                    ErrorKind.TIMEOUT, f"no complete answer within {self.deadline:g}s"
                ) from exc
            except httpx.TimeoutException as exc:
                raise FetchError(ErrorKind.TIMEOUT, f"timed out: {type(exc).__name__}") from exc
            except httpx.TransportError as exc:
                raise FetchError(ErrorKind.NETWORK, _describe_transport(exc)) from exc
            except httpx.DecodingError as exc:
                raise FetchError(ErrorKind.PARSE, f"undecodable body: {exc}") from exc
            except httpx.TooManyRedirects as exc:
                raise FetchError(ErrorKind.HTTP, f"too many redirects: {exc}") from exc

    async def _read(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None
    ) -> HttpResponse:
        async with self.client.stream("GET", url, params=params, headers=headers) as resp:
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(
                    ErrorKind.TOO_LARGE,
                    f"response declares {int(declared)} bytes (cap {self.max_bytes})",
                    status=resp.status_code,
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(
                        ErrorKind.TOO_LARGE,
                        f"response exceeded {self.max_bytes} bytes",
                        status=resp.status_code,
                    )
                chunks.append(chunk)
            return HttpResponse(
                url=str(resp.url),
                status=resp.status_code,
                headers=dict(resp.headers),
                body=b"".join(chunks),
            )


def _describe_transport(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "DNS lookup failed"
    if "connection refused" in lowered:
        return "connection refused"
    if "reset" in lowered:
        return "connection reset"
    return f"{type(exc).__name__}: {text}"


def status_error(resp: HttpResponse, detail: str | None = None) -> FetchError:
    """Map a non-2xx response to a typed error, keeping ``Retry-After`` when the server sent one."""
    status = resp.status
    retry_after = parse_retry_after(resp.headers.get("retry-after"))
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
