"""Retry-After parsing and exponential backoff with equal jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tui.data.backoff import Backoff, parse_retry_after

NOW = datetime(2015, 10, 21, 7, 26, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 120.0),  # two minutes after NOW
        ("Wed, 21 Oct 2015 07:28:00 -0000", 120.0),  # naive date, taken as UTC
        ("Wed, 21 Oct 2015 09:28:00 +0200", 120.0),  # same instant, other offset
        ("Wed, 21 Oct 2015 08:26:00 GMT", 3600.0),
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),  # in the past: retry now, never negative
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str, seconds: float) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "garbage",
        "soon",
        "-5",
        "1.5",
        "0x10",
        "Wed, 32 Oct 2015 07:28:00 GMT",
        "\u00b2",  # superscript two: str.isdigit() says yes, float() says no
        "\u0661\u0662\u0660",  # Arabic-Indic digits
        "9" * 400,  # parses as inf
    ],
)
def test_parse_retry_after_junk_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_parse_retry_after_date_defaults_to_the_real_clock() -> None:
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    future = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT")
    assert future is not None
    assert future > 1e9


def raw(failures: int, base: float = 2.0, factor: float = 2.0, cap: float = 300.0) -> float:
    return min(cap, base * factor ** (failures - 1))


def test_no_failures_means_no_delay() -> None:
    backoff = Backoff(rng=random.Random(1))
    assert backoff.delay(0) == 0.0
    assert backoff.delay(-3) == 0.0


def test_delays_grow_exponentially_within_equal_jitter_bounds() -> None:
    backoff = Backoff(base=2.0, factor=2.0, cap=300.0, rng=random.Random(42))
    delays = [backoff.delay(n) for n in range(1, 9)]  # raw 2 .. 256, below the cap
    for n, delay in enumerate(delays, start=1):
        assert raw(n) / 2 <= delay <= raw(n)
    # Equal jitter: each delay is at least the previous raw, so the sequence never shrinks.
    assert delays == sorted(delays)
    assert delays[-1] > 30 * delays[0]


def test_delays_are_reproducible_with_a_seeded_rng() -> None:
    first = Backoff(rng=random.Random(7))
    second = Backoff(rng=random.Random(7))
    expected = random.Random(7)
    for n in range(1, 20):
        want = raw(n) / 2 + expected.uniform(0, raw(n) / 2)
        assert first.delay(n) == second.delay(n) == want


@pytest.mark.parametrize("seed", range(5))
def test_delay_never_exceeds_cap(seed: int) -> None:
    backoff = Backoff(base=1.0, factor=3.0, cap=60.0, rng=random.Random(seed))
    delays = [backoff.delay(n) for n in range(1, 200)]
    assert max(delays) <= 60.0
    assert min(delays[4:]) >= 30.0  # from the 5th failure on raw is the cap (3**4 > 60)


def test_many_failures_do_not_overflow() -> None:
    backoff = Backoff(cap=300.0, rng=random.Random(3))
    for n in (1024, 1100, 5000, 10**6):
        assert 150.0 <= backoff.delay(n) <= 300.0


@pytest.mark.parametrize("failures", [1, 3, 8, 20])
@pytest.mark.parametrize("retry_after", [0.0, 1.0, 30.0, 120.0, 3600.0])
def test_delay_is_never_below_retry_after(failures: int, retry_after: float) -> None:
    backoff = Backoff(cap=300.0, rng=random.Random(failures))
    delay = backoff.delay(failures, retry_after=retry_after)
    assert delay >= retry_after
    assert delay >= raw(failures) / 2
    assert delay == retry_after or delay <= raw(failures)


def test_retry_after_above_cap_wins() -> None:
    assert Backoff(cap=300.0, rng=random.Random(0)).delay(2, retry_after=900.0) == 900.0


def test_small_retry_after_does_not_shorten_the_backoff() -> None:
    with_hint = Backoff(rng=random.Random(11)).delay(6, retry_after=1.0)
    without = Backoff(rng=random.Random(11)).delay(6)
    assert with_hint == without
    assert with_hint >= 32.0
