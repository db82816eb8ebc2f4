"""Content decoding with bounded memory: gzip and deflate inflated in pieces of at most 64 KB.

httpx's own decoders inflate a whole network chunk at once (64 KB of a gzip bomb becomes ~64 MB
before anyone can count it), so the shared Fetcher (tui/data/http.py) reads raw bytes and
inflates them here, counting each piece against its size cap as it comes. Only ``gzip`` and
``deflate`` are decoded; anything else is refused as unparseable, as are more than two layers.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

from tui.data.errors import ErrorKind, FetchError

# The only content codings decoded here; servers must not send others (RFC 9110 §12.5.3).
ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024  # most decoded bytes produced by one inflate step
MAX_CODINGS = 2  # "gzip, gzip" at most: more layers are an attack, not a server


class Inflater:
    """Incremental gzip/deflate decoding that never produces more than ``PIECE`` bytes a step."""

    def __init__(self, coding: str) -> None:
        self._gzip = coding in ("gzip", "x-gzip")
        # "deflate" is meant to be zlib-wrapped, but some servers send a raw deflate stream.
        self._sniff = not self._gzip
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while not self._obj.eof:
            try:
                out = self._obj.decompress(pending, PIECE)
            except zlib.error:
                if not self._sniff:
                    raise
                self._sniff = False
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._obj.decompress(pending, PIECE)
            self._sniff = False
            if out:
                yield out
            pending = self._obj.unconsumed_tail
            # A full piece may leave output pending inside zlib even with no input left.
            if not pending and len(out) < PIECE:
                return
        # Bytes after the end of the stream are ignored, as browsers do.

    def finish(self) -> Iterator[bytes]:
        yield from self.feed(b"")
        if not self._obj.eof:
            raise FetchError(ErrorKind.PARSE, "compressed body ended early")


def decoders(header: str | None) -> list[Inflater]:
    """Decoders in the order to apply them (the reverse of the order the server encoded in)."""
    codings = [c.strip().lower() for c in (header or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise FetchError(ErrorKind.PARSE, f"unsupported content encoding {unknown[0]!r}")
    if len(codings) > MAX_CODINGS:
        raise FetchError(ErrorKind.PARSE, f"{len(codings)} layers of content encoding")
    return [Inflater(c) for c in reversed(codings)]


def feed(decoders: Sequence[Inflater], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].feed(data):
        yield from feed(decoders[1:], piece)


def finish(decoders: Sequence[Inflater]) -> Iterator[bytes]:
    if not decoders:
        return
    for piece in decoders[0].finish():
        yield from feed(decoders[1:], piece)
    yield from finish(decoders[1:])
