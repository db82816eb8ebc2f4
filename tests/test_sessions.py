"""Exchange sessions from exchange_calendars, cached per year as JSON, read without pandas.

conftest.py computes 2026 once into a private cache directory (the app does it in a
subprocess); these tests ask the book about fixed dates a user would check by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.data.calendar_worker import compute_year, write_atomically
from tui.data.sessions import SessionBook, default_cache_dir, run_worker
from tui.data.snapshot import Session
from widgets.market_header import market_states

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def book() -> SessionBook:
    sessions = SessionBook(default_cache_dir())
    assert not sessions.load(datetime(2026, 6, 1, tzinfo=UTC)), "conftest computes 2026"
    return sessions


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_thanksgiving_new_york_is_a_holiday(book: SessionBook) -> None:
    state = book.state("NYSE", at(2026, 11, 26, 16, 0))  # 11:00 in New York
    assert state.code == "XNYS"
    assert state.state is Session.HOLIDAY
    assert state.verified
    # Black Friday is a half day: it opens 09:30 and closes 13:00 New York.
    assert state.next_open == at(2026, 11, 27, 14, 30)
    assert state.next_close == at(2026, 11, 27, 18, 0)
    assert not book.is_open("NYSE", at(2026, 11, 26, 16, 0))
    # After the 13:00 close, after-hours run four hours (to 17:00 New York), then it is shut.
    assert book.state("NYSE", at(2026, 11, 27, 19, 0)).state is Session.POST
    assert book.state("NYSE", at(2026, 11, 27, 22, 0)).state is Session.CLOSED


def test_christmas_london_and_new_year_seoul_are_holidays(book: SessionBook) -> None:
    assert book.state("LSE", at(2026, 12, 25, 12, 0)).state is Session.HOLIDAY
    seoul = book.state("KRX", at(2026, 1, 1, 3, 0))  # noon in Seoul
    assert seoul.state is Session.HOLIDAY
    # The first session of the year opens an hour late (10:00 Seoul).
    assert seoul.next_open == at(2026, 1, 2, 1, 0)


def test_tokyo_lunch_break_and_its_end(book: SessionBook) -> None:
    state = book.state("TSE", at(2026, 2, 3, 3, 0))  # 12:00 in Tokyo
    assert state.state is Session.BREAK
    assert state.next_change == at(2026, 2, 3, 3, 30)  # 12:30 Tokyo


def test_regular_hours_unverified_until_the_cache_exists(tmp_path: Path) -> None:
    empty = SessionBook(tmp_path)
    thanksgiving = at(2026, 11, 26, 16, 0)
    assert empty.load(thanksgiving) == [2026]
    state = empty.state("NYSE", thanksgiving)
    assert state.state is Session.REGULAR  # regular hours know no holidays
    assert not state.verified


def test_a_year_the_library_cannot_do_falls_back_to_regular_hours(tmp_path: Path) -> None:
    def sessions(mic: str, year: int) -> list[list[int | None]]:
        raise ValueError(f"no holidays for {year}")

    data = compute_year(2031, sessions)
    assert set(data["errors"]) >= {"XNYS", "XTKS"} and not data["markets"]
    write_atomically(tmp_path / "sessions-2031.json", data)
    book = SessionBook(tmp_path)
    when = at(2031, 3, 4, 15, 0)
    assert book.load(when) == []
    state = book.state("NYSE", when)
    assert state.state is Session.REGULAR and not state.verified


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "sessions-2026.json").write_text('{"version": 1, "year": 2026, "markets": [')
    book = SessionBook(tmp_path)
    assert book.load(at(2026, 5, 5)) == [2026]
    assert not book.state("LSE", at(2026, 5, 5, 10)).verified


def test_header_says_state_and_time_to_next_change(book: SessionBook) -> None:
    lunch = {s.label: s for s in market_states(at(2026, 2, 3, 3, 0), book=book)}
    assert lunch["TYO"].word == "lunch" and lunch["TYO"].detail == "· 12:30"
    before_ny = {s.label: s for s in market_states(at(2026, 2, 3, 12, 20), book=book)}
    assert before_ny["NY"].detail == "opens 2:10"
    assert before_ny["NY"].verified
    holiday = {s.label: s for s in market_states(at(2026, 11, 26, 16, 0), book=book)}
    assert holiday["NY"].word == "holiday" and not holiday["NY"].is_open


async def test_worker_subprocess_writes_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "sessions-2026.json"
    assert await run_worker(2026, path, timeout=120)
    data = json.loads(path.read_text())
    assert data["year"] == 2026 and not data["errors"]
    assert len(data["markets"]["XNYS"]) == 251  # 2026's NYSE trading days


def test_the_app_process_never_imports_pandas() -> None:
    """A demo snapshot with sessions, JSON markets and all: pandas stays in the worker."""
    code = (
        "import sys, json\n"
        "from tui.cli import main\n"
        "main(['snapshot', '--demo', '--format', 'json'])\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "assert 'exchange_calendars' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)
    assert [m["code"] for m in data["markets"]] == [
        "XNYS", "XLON", "XETR", "XPAR", "XTKS", "XKRX", "XHKG", "XSHG", "XASX",
    ]  # fmt: skip
