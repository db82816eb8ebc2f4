"""The lease that makes one instance of a desk its fetcher, and the writes it fences.

The lease is a Redis key set with ``SET NX PX`` holding the fetcher's token. Every write the
fetcher makes (publishing a snapshot, renewing, releasing) runs as a Lua script that first
checks the key still holds that token, so a fetcher that hung past its lease and wakes up
cannot overwrite its successor's snapshots: the write is refused and the node learns it lost
the lease. Kept apart from :mod:`tui.data.share` (the node's life: elect, fetch, follow) so the
protocol on Redis can be read, and changed, in one place.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.data.share_wire import Keys

if TYPE_CHECKING:
    from redis.asyncio import Redis

# KEYS: lease, last, channel. ARGV: token, message, ttl of the last-value key ("" = leave it).
_PUBLISH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
redis.call('PUBLISH', KEYS[3], ARGV[2])
return 1
"""
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', KEYS[2], ARGV[2])
return 1
"""


def raise_if_cancelled() -> None:
    """Re-raise a cancellation of this task that a library swallowed.

    redis-py (8.1, Python 3.11) can lose a ``cancel()`` that lands while it drops a dead
    connection: the call then ends in ``ConnectionError`` (or returns) with the cancel
    still pending on the task. The node's loop would catch that as an outage and go on
    retrying for ever, so a node stopped while Redis is down sometimes never stopped.
    ``Task.cancelling()`` still counts the request: honour it at every turn of the loops.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def redis_client(url: str, timeout: float) -> Redis:
    """A client whose every call is bounded by ``timeout`` and never retried by redis-py.

    redis-py's own retry path reconnects and sleeps; the node's loop retries instead, so an
    outage is noticed (and shown) within one timeout.
    """
    from redis.asyncio import from_url
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry_on_timeout=False,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
    )


@dataclass(frozen=True, slots=True)
class Lease:
    """One node's claim on its desk's lease: ``token`` is what the lease key holds."""

    keys: Keys
    token: str
    lease_ms: int

    async def acquire(self, client: Redis) -> bool:
        return bool(await client.set(self.keys.lease, self.token, nx=True, px=self.lease_ms))

    async def renew(self, client: Redis) -> bool:
        return bool(await client.eval(_RENEW, 1, self.keys.lease, self.token, str(self.lease_ms)))

    async def publish(self, client: Redis, message: bytes, last_ttl_ms: int | None) -> bool:
        """Publish ``message`` (and keep it as the last value for ``last_ttl_ms``) if held."""
        keys = (self.keys.lease, self.keys.last, self.keys.channel)
        ttl = "" if last_ttl_ms is None else str(last_ttl_ms)
        return bool(await client.eval(_PUBLISH, 3, *keys, self.token, message, ttl))

    async def release(self, client: Redis, message: bytes) -> bool:
        """Give the lease up and tell the viewers at once (they need not wait for expiry)."""
        keys = (self.keys.lease, self.keys.channel)
        return bool(await client.eval(_RELEASE, 2, *keys, self.token, message))

    async def ttl_ms(self, client: Redis) -> int:
        """Milliseconds the lease has left: -2 when there is none, -1 without an expiry."""
        return int(await client.pttl(self.keys.lease))
