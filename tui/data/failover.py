"""Mirror hosts: a request whose host is down (5xx, cannot connect) is tried once on its mirror.

Yahoo serves the same API from ``query1`` and ``query2.finance.yahoo.com``; an outage of one
(a 502 from its front end, a refused connection) often leaves the other up. The shared Fetcher
asks :class:`Failover` where to send each request: a host seen down is avoided for
:data:`DOWN_FOR` seconds in favour of its mirror, so one outage costs one failed request rather
than one per refresh, and the host is tried again once that time has passed.

A rate limit is *not* an outage: both hosts are one service behind one limiter, and the
governor already pauses both (tui/data/governor.py), so a 429 or a 503 with ``Retry-After``
never fails over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from tui.data.clock import Clock
from tui.data.errors import ErrorKind, FetchError

# host[:port] -> its mirror (both directions).
YAHOO_MIRRORS: dict[str, str] = {
    "query1.finance.yahoo.com": "query2.finance.yahoo.com",
    "query2.finance.yahoo.com": "query1.finance.yahoo.com",
}
DOWN_FOR = 300.0  # seconds a host seen down is avoided while its mirror is up


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def on_host(url: str, host: str) -> str:
    """``url`` with its host[:port] replaced by ``host``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=host))


def is_outage(status: int | None, paused: bool) -> bool:
    """An answer that says the host is down (5xx), unless it paused the service (rate limit)."""
    return status is not None and 500 <= status < 600 and not paused


def is_unreachable(error: FetchError) -> bool:
    """Could not connect, or the connection broke before an answer (DNS, refused, reset)."""
    return error.kind is ErrorKind.NETWORK


@dataclass
class Failover:
    """Which host of a mirrored pair to ask, remembered for :data:`DOWN_FOR` seconds."""

    clock: Clock
    mirrors: Mapping[str, str] = field(default_factory=lambda: dict(YAHOO_MIRRORS))
    down_for: float = DOWN_FOR
    switched: int = 0  # requests sent again on a mirror (for tests and the status of a run)
    _down_until: dict[str, float] = field(default_factory=dict, repr=False)

    def is_down(self, host: str) -> bool:
        until = self._down_until.get(host)
        if until is None:
            return False
        if self.clock.monotonic() >= until:
            del self._down_until[host]
            return False
        return True

    def route(self, url: str) -> str:
        """Where to send ``url``: its own host, or its mirror while its own is known down."""
        host = host_of(url)
        mirror = self.mirrors.get(host)
        if mirror is not None and self.is_down(host) and not self.is_down(mirror):
            return on_host(url, mirror)
        return url

    def alternative(self, url: str) -> str | None:
        """``url`` on the mirror of its host, when it has one not known to be down."""
        mirror = self.mirrors.get(host_of(url))
        if mirror is None or self.is_down(mirror):
            return None
        return on_host(url, mirror)

    def mark_down(self, url: str) -> None:
        self._down_until[host_of(url)] = self.clock.monotonic() + self.down_for

    def mark_up(self, url: str) -> None:
        self._down_until.pop(host_of(url), None)
