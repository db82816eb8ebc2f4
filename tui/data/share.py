"""One fetcher, many viewers: instances of a desk share their snapshots through Redis.

Every instance with ``[share]`` runs a :class:`ShareNode`. Exactly one of them holds the
*lease* (a key set with ``SET NX PX``) and runs the engine; it renews the lease at a third of
its lifetime and publishes every snapshot it applies to a pub/sub channel and a last-value key,
plus a heartbeat with every renewal. The others are viewers: they start from the last-value key
and follow the channel, and try for the lease when it expires, so a fetcher that dies or hangs
is replaced within the lease time; the new fetcher starts from the last snapshot.

Publishing and renewing are *fenced* (tui.data.share_lease): a Lua script checks that the
lease still holds this node's token before it writes, so a fetcher that hung past its lease
and wakes up cannot overwrite its successor's snapshots; it learns it lost the lease and
becomes a viewer.

Without Redis: at start the node fetches on its own (standalone) and retries in the
background. Lost mid-run: a viewer keeps its last snapshot, marked stale with the reason; one
instance per machine (a local file lock) fetches on its own; all rejoin when Redis returns.

Everything read from Redis is untrusted (tui.data.share_wire.read_message); the URL's password
is never shown or logged (tui.data.share_url).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tui.config import Config
from tui.data.clock import Clock
from tui.data.engine import Engine
from tui.data.sanitize import sanitize_text
from tui.data.share_lease import Lease, raise_if_cancelled, redis_client
from tui.data.share_lock import LocalLock
from tui.data.share_url import display_url, scrub
from tui.data.share_wire import (
    Keys,
    Verdict,
    carry_over,
    desk_keys,
    heartbeat_message,
    mark_stale,
    read_message,
    released_message,
    snapshot_message,
)
from tui.data.snapshot import MarketSnapshot

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("marketmon.share")

LAST_TTL_MS = 24 * 3600 * 1000  # the last snapshot outlives its fetcher by a day
COALESCE = 0.25  # seconds: answers that arrive together make one published snapshot
ENGINE_STOP = 5.0  # seconds: the longest the node waits for its engine to stop


class Role(StrEnum):
    STANDALONE = "standalone"  # no Redis: fetching on its own
    FETCHER = "fetcher"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class ShareStatus:
    role: Role
    where: str  # the Redis URL without its secrets
    note: str  # what the user should know ("Redis unreachable: retrying every 5 s"), or ""
    stale: str | None  # why what is shown is stale, or None
    ignored: int  # foreign or malformed messages ignored


def node_for(
    config: Config,
    engine: Engine,
    clock: Clock,
    *,
    demo: bool,
    seed: int,
    scenario: str,
    on_update: Callable[[], None] | None = None,
) -> ShareNode:
    """The share node of ``config``'s desk; the caller runs ``node.run()`` instead of the engine."""
    if config.share is None:
        raise ValueError("no [share] configured")
    keys = desk_keys(config, demo=demo, seed=seed, scenario=scenario)
    return ShareNode(
        config.share.redis, keys, engine, clock, lease=config.share.lease, on_update=on_update
    )


class ShareNode:
    def __init__(
        self,
        url: str,
        keys: Keys,
        engine: Engine,
        clock: Clock,
        *,
        lease: float = 15.0,
        retry: float = 5.0,
        on_update: Callable[[], None] | None = None,
        lock: LocalLock | None = None,
    ) -> None:
        self.url = url
        self.where = display_url(url)
        self.keys = keys
        self.engine = engine
        self.clock = clock
        self.renew_every = lease / 3
        self.stale_after = 2 * self.renew_every + 1.0  # two missed heartbeats
        self.retry = retry
        self.on_update = on_update or (lambda: None)
        self.lock = lock if lock is not None else LocalLock(keys.desk)
        token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"
        self.lease = Lease(keys, token, int(lease * 1000))
        self.role = Role.STANDALONE
        self.connected = False
        self.current: MarketSnapshot | None = None  # the last snapshot received or published
        self.published = 0
        self.received = 0
        self.ignored = 0
        self.note = ""
        self._ever_connected = False
        self._lost = False  # Redis was reachable and then went away
        self._heard = time.monotonic()
        self._seed: MarketSnapshot | None = None
        self._engine_task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._try_now = False
        self._stale_shown: str | None = None
        self._stale_view: tuple[MarketSnapshot, MarketSnapshot] | None = None

    # --- what the app reads ---------------------------------------------------------------

    @property
    def token(self) -> str:
        """What this node writes into the lease key while it holds it."""
        return self.lease.token

    @property
    def fetching(self) -> bool:
        """True while this instance runs the engine (fetcher, or standalone): alerts act here."""
        return self._engine_task is not None and not self._engine_task.done()

    def view(self) -> MarketSnapshot | None:
        """The snapshot to show now."""
        if self.fetching:
            return carry_over(self.engine.snapshot(), self._seed)
        if self.current is None:
            return None
        if self.stale_reason() is None:
            return self.current
        if self._stale_view is None or self._stale_view[0] is not self.current:
            self._stale_view = (self.current, mark_stale(self.current))
        return self._stale_view[1]

    def stale_reason(self) -> str | None:
        if self.fetching:
            return None
        if not self.connected:
            return "Redis lost: showing the last snapshot" if self._lost else None
        silent = time.monotonic() - self._heard
        if silent > self.stale_after:
            return f"no snapshot from the fetcher for {silent:.0f} s"
        return None

    def status(self) -> ShareStatus:
        return ShareStatus(self.role, self.where, self.note, self.stale_reason(), self.ignored)

    # --- the node's life -------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, elect, fetch or follow, for ever; Redis outages are survived, not raised."""
        from redis.exceptions import RedisError

        try:
            while True:
                client = self._client()
                try:
                    await client.ping()
                    self.connected, self.note, self._ever_connected = True, "", True
                    if self._lost:
                        log.info("Redis %s is back: rejoining", self.where)
                    self._release_local_fallback()
                    if not await self.lease.acquire(client):
                        await self._follow(client)  # returns once it holds the lease
                    while True:
                        await self._lead(client)  # returns when the lease is lost
                        await self._follow(client)
                except (RedisError, OSError) as exc:
                    raise_if_cancelled()
                    await self._offline(self._describe(exc))
                finally:
                    with contextlib.suppress(Exception):
                        await client.aclose()
                await asyncio.sleep(self.retry)
        finally:
            await self._stop_engine()
            self.lock.release()

    async def close(self) -> None:
        """Release the lease (a clean exit: a viewer takes over at once, not a lease later)."""
        if self.role is not Role.FETCHER or not self.connected:
            return
        client = self._client(timeout=1.0)  # quitting must not wait on a dead Redis
        try:
            await self.lease.release(client, released_message())
            log.info("released the lease on %s", self.where)
        except Exception as exc:
            log.warning("could not release the lease: %s", self._describe(exc))
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()

    def _client(self, timeout: float | None = None) -> Redis:
        return redis_client(self.url, timeout or max(2.0, self.renew_every))

    def _describe(self, exc: BaseException) -> str:
        """An error for the screen and the logs: no password, and no bytes that a hostile
        server put into its error reply can act on the terminal."""
        return sanitize_text(scrub(f"{type(exc).__name__}: {exc}", self.url), 200)

    async def _offline(self, reason: str) -> None:
        # Every state change before the first await: the UI (and tests) may look meanwhile.
        self.connected = False
        if not self._ever_connected:  # Redis down at start: run on our own, as without [share]
            note = f"Redis {self.where} unreachable ({reason}): standalone, retrying"
            fetch = True
        else:
            self._lost = True
            note = f"Redis {self.where} lost ({reason}): retrying every {self.retry:g} s"
            fetch = self.lock.acquire()  # one instance per machine fetches while Redis is away
        if note != self.note:
            log.warning("%s", note)
        self.note = note
        self.role = Role.STANDALONE if fetch else Role.VIEWER
        if fetch:
            if not self.fetching:
                self._seed = self.current
            self._start_engine()
        else:
            await self._stop_engine()
        self.on_update()

    def _release_local_fallback(self) -> None:
        self.lock.release()

    # --- fetcher ---------------------------------------------------------------------------

    async def _lead(self, client: Redis) -> None:
        """Fetch and publish while the lease holds; return when it is lost."""
        self.role = Role.FETCHER
        log.info("fetcher for desk %s on %s", self.keys.desk, self.where)
        if self.current is None:  # start from the last snapshot, not empty
            last = await client.get(self.keys.last)
            received = read_message(last)
            if received.verdict is Verdict.SNAPSHOT:
                self.current = received.snapshot
        self._seed = self.current
        self._start_engine()
        self._changed.set()  # publish at once: viewers keep a snapshot across the takeover
        self.on_update()
        renew_at = time.monotonic() + self.renew_every
        while True:
            raise_if_cancelled()
            wait = renew_at - time.monotonic()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
            if self._changed.is_set():
                self._changed.clear()
                await asyncio.sleep(COALESCE)
                self._changed.clear()
                snapshot = self.view()
                if snapshot is not None and not await self._publish(client, snapshot):
                    break
            if time.monotonic() >= renew_at:
                if not await self.lease.renew(client):
                    break
                renew_at = time.monotonic() + self.renew_every
                if not await self.lease.publish(client, heartbeat_message(self.clock.now()), None):
                    break
        log.warning("lost the lease on %s (another instance fetches now)", self.where)
        self.role = Role.VIEWER

    async def _publish(self, client: Redis, snapshot: MarketSnapshot) -> bool:
        ok = await self.lease.publish(client, snapshot_message(snapshot), LAST_TTL_MS)
        if ok:
            self.current = snapshot
            self.published += 1
        return ok

    def _engine_changed(self) -> None:
        self._changed.set()
        self.on_update()

    def _start_engine(self) -> None:
        if not self.fetching:
            self._engine_task = asyncio.create_task(self.engine.run(self._engine_changed))

    async def _stop_engine(self) -> None:
        task, self._engine_task = self._engine_task, None
        if task is not None and not task.done():
            task.cancel()
            # asyncio.wait, not ``await task`` under suppress(CancelledError): that would also
            # swallow a cancellation of *this* task (the node's), which then never stops.
            # Bounded: stopping the node must not wait on an engine that ignores its cancel.
            await asyncio.wait({task}, timeout=ENGINE_STOP)
            if not task.done():
                log.warning("the engine did not stop within %g s of its cancel", ENGINE_STOP)

    # --- viewer ----------------------------------------------------------------------------

    async def _follow(self, client: Redis) -> None:
        """Show what the fetcher publishes; return when this node has taken the lease."""
        # The role first: while the engine stops (an await) this node no longer fetches, and
        # nothing may read it as standalone or fetcher meanwhile.
        self.role = Role.VIEWER
        await self._stop_engine()
        self._heard = time.monotonic()
        self.on_update()
        pubsub: Any = client.pubsub()
        try:
            await pubsub.subscribe(self.keys.channel)
            self._receive(await client.get(self.keys.last), initial=True)
            next_try = time.monotonic()
            while True:
                raise_if_cancelled()
                now = time.monotonic()
                if self._try_now:  # the fetcher left cleanly: no need to wait for expiry
                    self._try_now, next_try = False, now
                if now >= next_try:
                    if await self.lease.acquire(client):
                        return
                    # Next try at the expiry when it is near, else a renewal period from now
                    # (the key may be deleted or replaced meanwhile): never late by more
                    # than a few ms once a dead fetcher's lease runs out.
                    ttl = await self.lease.ttl_ms(client)  # -2 gone, -1 no expiry
                    wait = ttl / 1000 if ttl > 0 else (0.05 if ttl == -2 else self.renew_every)
                    next_try = time.monotonic() + min(wait, self.renew_every) + 0.005
                timeout = max(0.01, min(1.0, next_try - time.monotonic()))
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
                if message is not None and message.get("type") == "message":
                    self._receive(message.get("data"))
                stale = self.stale_reason()
                if stale != self._stale_shown:
                    self._stale_shown = stale
                    self.on_update()
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    def _receive(self, data: object, *, initial: bool = False) -> None:
        if initial and data is None:
            return  # no snapshot published yet
        received = read_message(data)
        if received.verdict is Verdict.SNAPSHOT and received.snapshot is not None:
            snapshot = received.snapshot
            current = self.current
            if initial and current is not None and snapshot.generated_at <= current.generated_at:
                return  # already showing something at least as recent
            self.current = snapshot
            self.received += 1
            self._heard = time.monotonic()
            self.on_update()
        elif received.verdict is Verdict.HEARTBEAT:
            self._heard = time.monotonic()
        elif received.verdict is Verdict.RELEASED:
            self._try_now = True
        elif received.verdict is Verdict.NEWER:
            self.note = f"ignored a {received.why} from a newer marketmon: upgrade this one"
            log.warning("%s", self.note)
            self.on_update()
        else:
            self.ignored += 1
            log.info("ignored a message on the share channel: %s", received.why)
