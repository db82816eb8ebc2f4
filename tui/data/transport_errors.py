"""Naming a transport failure for a person: DNS, refused, reset, a body cut short.

httpx wraps the socket error it met (often inside exception groups and chains), so the cause is
searched for in the whole chain; the message alone is the fallback, since it varies by platform.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import httpx


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it, through exception groups (bounded: chains can be cycles)."""
    queue: list[BaseException] = [exc]
    seen: set[int] = set()
    while queue and len(seen) < 32:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            queue.extend(current.exceptions)
        for nxt in (current.__cause__, current.__context__):
            if nxt is not None:
                queue.append(nxt)


def describe_transport(exc: httpx.TransportError) -> str:
    for cause in causes(exc):
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(cause, OSError) and cause.errno in (errno.ECONNRESET, errno.EPIPE):
            return "connection reset"
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or "temporary failure in name resolution" in lowered
    ):
        return "DNS lookup failed"
    if "connection refused" in lowered:
        return "connection refused"
    if "reset" in lowered:
        return "connection reset"
    if "without sending complete message body" in lowered:
        return "connection closed before the whole body arrived"
    return f"{type(exc).__name__}: {text}"
