"""``[share]`` and ``--share``: checked URLs (exit 2), secrets never printed, desk keys."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tui.cli import main
from tui.config import ConfigError, default_config, load_config, with_share
from tui.data.share_url import check_redis_url, display_url, scrub
from tui.data.share_wire import Verdict, carry_over, desk_keys, mark_stale, read_message
from tui.data.snapshot import StaleReason


@pytest.mark.parametrize(
    "url",
    [
        "redis://localhost:6379/0",
        "rediss://:pw@cache.example:6380/2",
        "redis://user:pw@[::1]:6379",
        "unix:///run/redis.sock",
    ],
)
def test_good_urls(url: str) -> None:
    assert check_redis_url(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://host:6379", "must start with redis://"),
        ("redis://:pw@host:notaport/0", "not a valid URL"),
        ("redis://:pw@/0", "names no host"),
        ("redis://host:6379/zero", "database must be a number"),
        ("redis://host:99999", "not a valid URL"),
    ],
)
def test_bad_urls_are_named_without_the_password(url: str, problem: str) -> None:
    message = check_redis_url(url)
    assert message is not None and problem in message
    assert "pw" not in message


def test_display_and_scrub_remove_every_secret() -> None:
    url = "rediss://admin:s%40cr3t@cache.example:6380/3?password=qs3cret"
    assert display_url(url) == "rediss://cache.example:6380/3"
    text = f"Error connecting to {url}: bad auth s@cr3t s%40cr3t qs3cret"
    cleaned = scrub(text, url)
    assert "cr3t" not in cleaned and "qs3cret" not in cleaned
    assert "rediss://cache.example:6380/3" in cleaned


def test_share_section(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[share]\nredis = "redis://:pw@127.0.0.1:6379/1"\nlease = 9\n')
    config = load_config(path)
    assert config.share is not None and config.share.lease == 9.0
    assert default_config().share is None  # without [share], nothing changes


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[share]\nredis = "http://:hunter22@h"\n', "share.redis"),
        ("[share]\nlease = 5\n", "share.redis"),
        ('[share]\nredis = "redis://h"\nlease = 30\n', "share.lease"),
        ('[share]\nredis = "redis://h"\ncolour = 1\n', "share.colour"),
        ("[share]\nredis = 6379\n", "share.redis"),
    ],
)
def test_bad_share_config_exits_2_naming_file_and_key(
    tmp_path: Path, body: str, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=key):
        load_config(path)
    assert main(["--config", str(path), "snapshot"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and key in err and "hunter22" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_share_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--share", "redis://:hunter22@host:port/0"]) == 2
    err = capsys.readouterr().err
    assert "--share" in err and "hunter22" not in err
    assert main(["serve", "--share", "ftp://x"]) == 2


def test_serve_without_share_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("")
    assert main(["--config", str(path), "serve", "--demo"]) == 2
    assert "share.redis" in capsys.readouterr().err


def test_desk_keys_follow_the_watchlist_and_providers() -> None:
    base = with_share(default_config(), "redis://h")
    keys = desk_keys(base, demo=False, seed=7, scenario="selloff")
    assert keys == desk_keys(base, demo=False, seed=7, scenario="selloff")
    assert keys.lease.endswith(":lease") and f"{{{keys.desk}}}" in keys.lease
    crypto = replace(base.panes["crypto"], symbols=("BTC-USD",))
    fewer = replace(base, panes={**base.panes, "crypto": crypto})
    assert desk_keys(fewer, demo=False, seed=7, scenario="selloff").desk != keys.desk
    yahoo = replace(base.providers["yahoo"], base_url="https://mirror.example")
    mirrored = replace(base, providers={**base.providers, "yahoo": yahoo})
    assert desk_keys(mirrored, demo=False, seed=7, scenario="selloff").desk != keys.desk
    assert desk_keys(base, demo=True, seed=7, scenario="selloff").desk != keys.desk
    # the share URL itself is not part of the desk: two Redis URLs, same desk name
    other = with_share(default_config(), "redis://other:6379/3")
    assert desk_keys(other, demo=False, seed=7, scenario="selloff").desk == keys.desk


async def test_carry_over_fills_gaps_and_marks_them_cached() -> None:
    from tui.data.clock import VirtualClock
    from tui.data.factory import build_engine
    from tui.demo_app import FROZEN_AT

    engine = build_engine(default_config(), clock=VirtualClock(FROZEN_AT), demo=True)
    empty = engine.snapshot()
    assert empty.quote_count == 0
    full = await engine.refresh_once()
    merged = carry_over(empty, full)
    assert merged.quote_count == full.quote_count
    assert {q.stale_reason for q in merged.quotes} == {StaleReason.CACHED}
    assert merged.headlines == full.headlines
    assert carry_over(full, None) is full
    stale = mark_stale(full)
    assert all(q.stale_reason is StaleReason.FAILING for q in stale.quotes)
    assert [q.last for q in stale.quotes] == [q.last for q in full.quotes]
    assert read_message(b"\x00" * 3).verdict is Verdict.FOREIGN


async def test_without_share_nothing_changes() -> None:
    from tui.demo_app import frozen_demo_app, wait_for_data

    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)):
        await wait_for_data(app)
        assert app.share is None and app.is_fetcher
        assert sum(s.attempts for s in app.engine.states.values()) > 0  # it polls on its own
        # No desk line: without [share] it is not even composed.
        assert not app.main_screen.query("#share-badge")


def test_the_share_stays_off_the_start_path() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tui.app, tui.cli; "
        "print('redis' in sys.modules, 'tui.data.share' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_wire_carries_sigma() -> None:
    from tui.data.clock import VirtualClock
    from tui.data.factory import build_engine
    from tui.data.snapshot_codec import decode_snapshot, encode_snapshot
    from tui.demo_app import FROZEN_AT

    engine = build_engine(default_config(), clock=VirtualClock(FROZEN_AT), demo=True)
    full = engine.snapshot()
    quote = replace(full.panes[0].quotes[0], sigma=-3.25, sigma_daily=1.1, range_52w_pos=0.4)
    pane = replace(full.panes[0], quotes=(quote, *full.panes[0].quotes[1:]))
    snap = replace(full, panes=(pane, *full.panes[1:]))
    back = decode_snapshot(encode_snapshot(snap)).panes[0].quotes[0]
    assert (back.sigma, back.sigma_daily, back.range_52w_pos) == (-3.25, 1.1, 0.4)
