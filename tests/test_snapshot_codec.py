"""The snapshot codec: a whole snapshot survives the round trip, and nothing else gets through.

The bytes come from a cache file or from Redis, written by a process we do not control, so
every failure mode must be a ``SnapshotCodecError`` (never another exception, never a
snapshot that carries terminal escapes, NaN or a naive time).
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import msgpack
import pytest

from tests.hostile import CORPUS, ESC
from tui.config import default_config
from tui.data.clock import FakeClock
from tui.data.errors import ErrorKind, SourceError
from tui.data.factory import build_engine
from tui.data.snapshot import (
    Headline,
    MarketSnapshot,
    PaneSnapshot,
    Quote,
    SnapshotOrigin,
    SourceHealth,
    SourceStatus,
    StaleReason,
)
from tui.data.snapshot_codec import (
    MAGIC,
    VERSION,
    SnapshotCodecError,
    decode_snapshot,
    encode_snapshot,
)

AT = datetime(2026, 2, 3, 15, 30, tzinfo=UTC)


async def demo_snapshot() -> MarketSnapshot:
    engine = build_engine(default_config(), clock=FakeClock(AT), demo=True)
    return await engine.refresh_once()


def quote(**changes: object) -> Quote:
    base = Quote(
        pane="indices",
        group="Americas",
        symbol="^GSPC",
        name="S&P 500",
        source="yahoo",
        currency="USD",
        last=6723.9,
        prev_close=6871.16,
        change=-147.26,
        change_pct=-2.143,
        day_high=6880.0,
        day_low=6700.5,
        range_pos=0.13,
        as_of=AT,
        stale_reason=StaleReason.OLD,
        series=(6870.0, 6800.25, 6723.9),
        series_time=(AT.replace(hour=14), AT.replace(hour=15), AT),
        sigma=-3.2,
        sigma_daily=0.67,
        range_52w_pos=0.12,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def small_snapshot(*quotes: Quote, **changes: object) -> MarketSnapshot:
    err = SourceError("coinbase", "BNB-USD", ErrorKind.HTTP, "HTTP 404: NotFound", 404, None)
    snap = MarketSnapshot(
        generated_at=AT,
        demo=False,
        panes=(PaneSnapshot("indices", ("Americas",), quotes or (quote(),)),),
        headlines=(Headline("Stocks slide", "Reuters", AT, "https://x.example/a", ("^GSPC",)),),
        errors=(err,),
        sources=(
            SourceStatus("coinbase", SourceHealth.RATE_LIMITED, AT, AT, 3, err),
            SourceStatus("yahoo", SourceHealth.OK, AT),
        ),
    )
    return replace(snap, **changes)  # type: ignore[arg-type]


def body_of(data: bytes) -> dict[str, object]:
    return msgpack.unpackb(data[len(MAGIC) + 1 :], raw=False)  # type: ignore[no-any-return]


def with_body(body: dict[str, object]) -> bytes:
    return MAGIC + bytes([VERSION]) + msgpack.packb(body, use_bin_type=True)


async def test_a_demo_snapshot_round_trips_field_for_field() -> None:
    snap = await demo_snapshot()
    assert snap.quote_count > 20 and snap.headlines

    back = decode_snapshot(encode_snapshot(snap))

    assert back.generated_at == AT and back.demo is True and back.origin is SnapshotOrigin.LIVE
    assert [p.name for p in back.panes] == [p.name for p in snap.panes]
    assert [p.groups for p in back.panes] == [p.groups for p in snap.panes]
    for old, new in zip(snap.quotes, back.quotes, strict=True):
        assert new == old  # every field, series and series_time included
        assert tuple(new.series) == tuple(old.series) and len(new.series) > 0
    gold = next(q for q in back.quotes if q.symbol == "GC=F")
    assert gold.series_time[-1].utcoffset() == timedelta(0)
    assert back.headlines == snap.headlines
    assert back.sources == snap.sources


def test_errors_sources_origin_and_nulls_round_trip() -> None:
    empty = quote(
        symbol="^KS11",
        last=None,
        prev_close=None,
        change=None,
        change_pct=None,
        day_high=None,
        day_low=None,
        range_pos=None,
        as_of=None,
        stale_reason=None,
        source=None,
        currency=None,
        series=(),
        series_time=(),
    )
    snap = small_snapshot(quote(), empty, origin=SnapshotOrigin.REPLAY)
    back = decode_snapshot(encode_snapshot(snap))
    assert back == snap
    assert back.origin is SnapshotOrigin.REPLAY
    assert back.sources[0].last_error == snap.errors[0]
    assert back.quotes[1].last is None and back.quotes[1].series == ()


def test_the_encoding_is_compact() -> None:
    bars = 390
    series = tuple(6700.0 + i for i in range(bars))
    times = tuple(datetime.fromtimestamp(1_770_000_000 + 60 * i, UTC) for i in range(bars))
    data = encode_snapshot(small_snapshot(quote(series=series, series_time=times)))
    assert len(data) < bars * 16 + 1_000  # 8 bytes a price, 8 a time, plus the row


def test_a_newer_version_is_refused_by_name() -> None:
    data = bytearray(encode_snapshot(small_snapshot()))
    data[len(MAGIC)] = VERSION + 1
    with pytest.raises(SnapshotCodecError, match=f"version {VERSION + 1}"):
        decode_snapshot(bytes(data))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"MKT",
        b'{"generated_at": "2026-02-03T15:00:00Z", "quotes": []}',
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        msgpack.packb({"generated_at": 1, "panes": []}),
    ],
    ids=["empty", "short", "json", "png", "bare_msgpack"],
)
def test_foreign_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(SnapshotCodecError, match="not a marketmon snapshot"):
        decode_snapshot(data)


def test_every_truncation_is_refused() -> None:
    data = encode_snapshot(small_snapshot())
    for cut in range(len(data)):
        with pytest.raises(SnapshotCodecError):
            decode_snapshot(data[:cut])


def test_corrupt_bytes_never_raise_anything_else() -> None:
    data = encode_snapshot(small_snapshot())
    head = len(MAGIC) + 1
    refused = 0
    for i in range(head, len(data)):
        for flip in (0x01, 0x80, 0xFF):
            broken = bytearray(data)
            broken[i] ^= flip
            try:
                snap = decode_snapshot(bytes(broken))
            except SnapshotCodecError:
                refused += 1
                continue
            # A flip inside a value can still decode; then it must still be a clean snapshot.
            for q in snap.quotes:
                for v in (q.last, q.change, q.prev_close, *q.series):
                    assert v is None or math.isfinite(v)
                assert ESC not in q.name
    assert refused > 100


def test_oversize_is_refused_before_parsing() -> None:
    data = encode_snapshot(small_snapshot())
    with pytest.raises(SnapshotCodecError, match="too large"):
        decode_snapshot(data, max_bytes=len(data) - 1)
    assert decode_snapshot(data, max_bytes=len(data)).quote_count == 1


def test_a_non_finite_number_is_refused() -> None:
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(SnapshotCodecError, match="last is not finite"):
            decode_snapshot(encode_snapshot(small_snapshot(quote(last=bad))))
    with pytest.raises(SnapshotCodecError, match="series has a value that is not finite"):
        decode_snapshot(encode_snapshot(small_snapshot(quote(series=(1.0, math.nan, 2.0)))))


def test_wrong_shapes_and_unknown_values_are_refused() -> None:
    good = body_of(encode_snapshot(small_snapshot()))
    cases: list[tuple[str, object, str]] = [
        ("panes", "indices", "panes is not a list"),
        ("demo", 1, "demo is not a boolean"),
        ("generated_at", None, "generated_at is missing"),
        ("generated_at", "2026-02-03", "generated_at is not an integer"),
        ("generated_at", 2**62, "out of range"),
        ("origin", "bogus", "origin has an unknown value"),
        ("quote_columns", ["group", "symbol"], "quote_columns lacks"),
        ("headlines", [["only", "two"]], "row of headlines has 2 values"),
    ]
    for key, value, message in cases:
        body = dict(good)
        body[key] = value
        with pytest.raises(SnapshotCodecError, match=message):
            decode_snapshot(with_body(body))
    row = list(good["panes"][0][2][0])  # type: ignore[index]
    row[13] = "delisted"  # stale_reason
    body = dict(good, panes=[["indices", ["Americas"], [row]]])
    with pytest.raises(SnapshotCodecError, match="stale_reason has an unknown value"):
        decode_snapshot(with_body(body))
    row[13] = None
    row[5] = "6723.9"  # last as text
    body = dict(good, panes=[["indices", ["Americas"], [row]]])
    with pytest.raises(SnapshotCodecError, match="last is not a number"):
        decode_snapshot(with_body(body))


def test_a_newer_writers_extra_column_is_ignored() -> None:
    body = body_of(encode_snapshot(small_snapshot()))
    body["quote_columns"] = [*body["quote_columns"], "future_column"]  # type: ignore[misc]
    pane = body["panes"][0]  # type: ignore[index]
    pane[2] = [[*row, 2.5] for row in pane[2]]
    back = decode_snapshot(with_body(body))
    assert back.quotes[0].last == 6723.9 and back.quotes[0].sigma == -3.2


def test_a_writer_without_the_sigma_columns_reads_as_none() -> None:
    body = body_of(encode_snapshot(small_snapshot()))
    columns = list(body["quote_columns"])  # type: ignore[call-overload]
    keep = [i for i, c in enumerate(columns) if c not in ("sigma", "sigma_daily", "range_52w_pos")]
    body["quote_columns"] = [columns[i] for i in keep]
    pane = body["panes"][0]  # type: ignore[index]
    pane[2] = [[row[i] for i in keep] for row in pane[2]]
    back = decode_snapshot(with_body(body))
    assert back.quotes[0].last == 6723.9 and back.quotes[0].sigma is None


@pytest.mark.parametrize(("label", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_hostile_text_comes_out_clean(label: str, text: str) -> None:
    # Encoded raw, as a hostile writer would: the decoder is what must clean it.
    err = SourceError(text, text, ErrorKind.PARSE, text)
    snap = MarketSnapshot(
        generated_at=AT,
        demo=False,
        panes=(
            PaneSnapshot(
                text,
                (text,),
                (quote(pane=text, group=text, name=text, symbol=text, source=text, currency=text),),
            ),
        ),
        headlines=(Headline(text, text, AT, text, (text,)),),
        errors=(err,),
        sources=(SourceStatus(text, SourceHealth.STALE, last_error=err),),
    )
    back = decode_snapshot(encode_snapshot(snap))
    q = back.quotes[0]
    h = back.headlines[0]
    texts = [
        back.panes[0].name,
        *back.panes[0].groups,
        q.pane,
        q.group,
        q.name,
        q.symbol,
        q.source or "",
        q.currency or "",
        h.title,
        h.source,
        h.url,
        *h.related,
        back.errors[0].source,
        back.errors[0].symbol or "",
        back.errors[0].message,
        back.sources[0].name,
        back.sources[0].last_error.message if back.sources[0].last_error else "",
    ]
    for value in texts:
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value), label
        assert "\u202e" not in value and "\u200b" not in value
        assert len(value) <= 2048
    assert len(q.name) <= 120 and len(h.title) <= 300
    if label == "markup_bold":  # markup is kept literally: the UI renders plain Text
        assert q.name.startswith("[bold]BOLD[/]")


def test_decoding_does_not_import_polars_or_httpx() -> None:
    code = (
        "import sys\n"
        "from tui.data.snapshot_codec import decode_snapshot\n"
        "print(sorted(m for m in ('polars', 'httpx', 'feedparser', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
