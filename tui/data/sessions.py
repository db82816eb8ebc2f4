"""Exchange sessions: holidays, half days and lunch breaks, without pandas in the app.

The sessions come from ``exchange_calendars``, computed once a year in a short-lived
subprocess (:mod:`tui.data.calendar_worker`) and cached as plain JSON in the platform cache
directory. This module only reads that JSON, so the header never waits for pandas. Until a
year's file exists, or for a calendar the library could not build, the regular hours of
:mod:`tui.data.markets` apply and the state is marked unverified.

Extended hours are not in the calendars. For a market with ``Market.extended`` (New York) the
state is ``pre`` from 04:00 New York to the open of a session day and ``post`` from the close
for four hours, at most to 20:00 (so 16:00-20:00, and 13:00-17:00 on a half day): the
published NYSE Arca / Nasdaq extended sessions. A quote whose source gives its own periods
(Yahoo's ``currentTradingPeriod``) follows those instead (:mod:`tui.data.moves`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as day_time
from pathlib import Path
from zoneinfo import ZoneInfo

from tui.data.calendar_worker import CACHE_VERSION
from tui.data.markets import MARKETS, Market
from tui.data.snapshot import MarketState, Session

# marketmon's market codes -> ISO 10383 MICs of the calendars the worker computes.
MIC_OF: dict[str, str] = {
    "NYSE": "XNYS",
    "LSE": "XLON",
    "XETRA": "XETR",
    "EURONEXT": "XPAR",
    "TSE": "XTKS",
    "KRX": "XKRX",
    "HKEX": "XHKG",
    "SSE": "XSHG",
    "ASX": "XASX",
}
CODE_OF: dict[str, str] = {mic: code for code, mic in MIC_OF.items()}
MIC_NAMES: dict[str, str] = {
    "XNYS": "New York Stock Exchange",
    "XLON": "London Stock Exchange",
    "XETR": "Xetra (Frankfurt)",
    "XPAR": "Euronext Paris",
    "XTKS": "Tokyo Stock Exchange",
    "XKRX": "Korea Exchange",
    "XHKG": "Hong Kong Exchanges",
    "XSHG": "Shanghai Stock Exchange",
    "XASX": "ASX (Sydney)",
}
# Near the end of a year the next one is needed too, for "opens in …" across New Year.
NEXT_YEAR_WITHIN = timedelta(days=14)
WORKER_TIMEOUT = 60.0
RELOOK_SECONDS = 10.0  # how often a reader looks again for a year's file that was missing
POST_AT_MOST = timedelta(hours=4)  # after-hours end 4 h after the close (17:00 on a half day)

# (open, close, break_start, break_end) in epoch seconds.
SessionRow = tuple[int, int, int | None, int | None]


def default_cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("marketmon", appauthor=False) / "calendars"


def regular_rows(market: Market, first: date, days: int) -> list[SessionRow]:
    """Sessions by the market's regular hours, Monday to Friday, holidays unknown."""
    tz = ZoneInfo(market.tz)
    rows: list[SessionRow] = []
    for k in range(days):
        day = first + timedelta(days=k)
        if day.weekday() >= 5:
            continue

        def at(clock: object, day: date = day) -> int:
            return int(datetime.combine(day, clock, tzinfo=tz).timestamp())  # type: ignore[arg-type]

        lunch = market.lunch
        rows.append(
            (
                at(market.open),
                at(market.close),
                at(lunch[0]) if lunch else None,
                at(lunch[1]) if lunch else None,
            )
        )
    return rows


@dataclass(slots=True)
class _Calendar:
    rows: list[SessionRow]
    opens: list[int]
    days: frozenset[date]  # exchange-local dates that have a session
    first_day: date
    last_day: date


class SessionBook:
    """Market states from the cached calendars, else from regular hours (unverified)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._years: dict[int, dict[str, list[SessionRow]]] = {}
        self._errors: dict[int, dict[str, str]] = {}
        self._calendars: dict[str, _Calendar] = {}
        self._failed: set[int] = set()  # years the worker could not produce in this run
        self._looked_at = -RELOOK_SECONDS  # monotonic time of the last look for missing files

    # --- the cache ------------------------------------------------------------------------

    def path_for(self, year: int) -> Path | None:
        return self.cache_dir / f"sessions-{year}.json" if self.cache_dir else None

    def wanted_years(self, now: datetime) -> list[int]:
        years = [now.year]
        if (now + NEXT_YEAR_WITHIN).year != now.year:
            years.append(now.year + 1)
        return years

    def load(self, now: datetime) -> list[int]:
        """Read the cached years ``now`` needs; return those still missing (never raises)."""
        missing = []
        for year in self.wanted_years(now):
            if year in self._years:
                continue
            data = self._read(year)
            if data is None:
                missing.append(year)
                continue
            self._years[year] = data[0]
            self._errors[year] = data[1]
            self._calendars.clear()
        return missing

    def _read(self, year: int) -> tuple[dict[str, list[SessionRow]], dict[str, str]] | None:
        path = self.path_for(year)
        if path is None:
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or raw.get("version") != CACHE_VERSION:
            return None
        if raw.get("year") != year or not isinstance(raw.get("markets"), dict):
            return None
        markets: dict[str, list[SessionRow]] = {}
        for mic, rows in raw["markets"].items():
            parsed = _rows(rows)
            if parsed:
                markets[str(mic)] = parsed
        errors = raw.get("errors")
        return markets, {str(k): str(v) for k, v in (errors or {}).items()}

    async def compute_missing(self, now: datetime, timeout: float = WORKER_TIMEOUT) -> None:
        """Run the worker for each missing year (a subprocess), then load what it wrote."""
        for year in self.load(now):
            path = self.path_for(year)
            if path is None or year in self._failed:
                continue
            ok = await run_worker(year, path, timeout)
            if not ok:
                self._failed.add(year)
        self.load(now)

    # --- questions ------------------------------------------------------------------------

    def verified(self, mic: str, now: datetime) -> bool:
        data = self._years.get(now.year)
        return data is not None and mic in data

    def _calendar(self, mic: str) -> _Calendar | None:
        cal = self._calendars.get(mic)
        if cal is not None:
            return cal
        rows = sorted(r for year in sorted(self._years) for r in self._years[year].get(mic, []))
        if not rows:
            return None
        tz = ZoneInfo(MARKETS[CODE_OF[mic]].tz)
        days = frozenset(datetime.fromtimestamp(r[0], tz).date() for r in rows)
        cal = _Calendar(rows, [r[0] for r in rows], days, min(days), max(days))
        self._calendars[mic] = cal
        return cal

    def state(self, code: str, now: datetime) -> MarketState:
        """The state of market ``code`` (marketmon's code or a MIC) at ``now``."""
        code = CODE_OF.get(code, code)
        market = MARKETS[code]
        if now.year not in self._years and time.monotonic() - self._looked_at >= RELOOK_SECONDS:
            self._looked_at = time.monotonic()
            self.load(now)  # the header asks every second: look for the file now and then
        mic = MIC_OF.get(code, code)
        name = MIC_NAMES.get(mic, market.city)
        if market.kind != "cash":
            state = Session.REGULAR if market.is_open(now) else Session.CLOSED
            return MarketState(mic, name, state, None, None, verified=False)
        tz = ZoneInfo(market.tz)
        today = now.astimezone(tz).date()
        cal = self._calendar(mic) if self.verified(mic, now) else None
        if cal is not None:
            # Regular hours continue past the cached range (for "opens …" at the year's end).
            extra = regular_rows(market, cal.last_day + timedelta(days=1), 10)
            rows = cal.rows + extra
            return _state(mic, name, rows, now, cal.days, verified=True, extended=market.extended)
        rows = regular_rows(market, today - timedelta(days=7), 21)
        return _state(mic, name, rows, now, None, verified=False, extended=market.extended)

    def states(self, now: datetime, codes: Iterable[str] = tuple(MIC_NAMES)) -> list[MarketState]:
        return [self.state(c, now) for c in codes]

    def is_open(self, code: str, now: datetime) -> bool:
        if code not in MARKETS:
            return True
        return self.state(code, now).state is Session.REGULAR

    def trading_day(self, code: str, when: datetime) -> date:
        """The exchange-local date of ``when`` (the session a closing price belongs to)."""
        market = MARKETS.get(code)
        tz = ZoneInfo(market.tz) if market else UTC
        return when.astimezone(tz).date()


def _rows(raw: object) -> list[SessionRow]:
    """Validated rows from the JSON: four ints (breaks may be null), open before close."""
    if not isinstance(raw, list):
        return []
    out: list[SessionRow] = []
    for row in raw:
        if not isinstance(row, list) or len(row) != 4:
            continue
        opened, closed, b_start, b_end = row
        if not isinstance(opened, int) or not isinstance(closed, int) or closed <= opened:
            continue
        if isinstance(b_start, int) and isinstance(b_end, int) and opened <= b_start < b_end:
            out.append((opened, closed, b_start, b_end))
        else:
            out.append((opened, closed, None, None))
    return out


def _state(
    mic: str,
    name: str,
    rows: list[SessionRow],
    now: datetime,
    trading_days: frozenset[date] | None,
    *,
    verified: bool,
    extended: tuple[day_time, day_time] | None = None,
) -> MarketState:
    now_s = int(now.timestamp())
    opens = [r[0] for r in rows]
    idx = bisect_right(opens, now_s) - 1
    following = rows[idx + 1] if idx + 1 < len(rows) else None
    next_open = _at(following[0]) if following else None

    def done(state: Session, close: int | None, change: int | None) -> MarketState:
        return MarketState(
            mic,
            name,
            state,
            next_open,
            _at(close) if close is not None else None,
            verified,
            _at(change) if change is not None else None,
        )

    if idx >= 0 and now_s < rows[idx][1]:
        _opened, closed, b_start, b_end = rows[idx]
        if b_start is not None and b_end is not None and b_start <= now_s < b_end:
            return done(Session.BREAK, closed, b_end)
        upcoming = b_start if b_start is not None and now_s < b_start else closed
        return done(Session.REGULAR, closed, upcoming)
    state = Session.CLOSED
    tz = ZoneInfo(MARKETS[CODE_OF.get(mic, mic)].tz) if CODE_OF.get(mic, mic) in MARKETS else UTC
    today = now.astimezone(tz).date()
    if extended is not None:
        if idx >= 0:  # after-hours of the session that closed last
            post_end = _post_end(rows[idx][1], extended[1], tz)
            if now_s < post_end:
                return done(Session.POST, following[1] if following else None, post_end)
        if following is not None:  # pre-market of the next session, on its own day
            opening = datetime.fromtimestamp(following[0], tz)
            pre_start = datetime.combine(opening.date(), extended[0], tzinfo=tz)
            if pre_start.timestamp() <= now_s:
                return done(Session.PRE, following[1], following[0])
    if trading_days is not None and today.weekday() < 5 and today not in trading_days:
        state = Session.HOLIDAY
    return done(state, following[1] if following else None, following[0] if following else None)


def _post_end(close: int, latest: day_time, tz: tzinfo) -> int:
    """End of the after-hours session of a close: four hours later, at most ``latest`` local."""
    closing = datetime.fromtimestamp(close, tz)
    cap = datetime.combine(closing.date(), latest, tzinfo=closing.tzinfo)
    return int(min(closing + POST_AT_MOST, cap).timestamp())


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def run_worker(year: int, path: Path, timeout: float = WORKER_TIMEOUT) -> bool:
    """Run the calendar worker in a subprocess; True when it wrote ``path``."""
    # The worker imports this package: make it importable wherever the app was started from.
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tui.data.calendar_worker",
            str(year),
            str(path),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
        )
    except OSError:
        return False
    try:
        code = await asyncio.wait_for(proc.wait(), timeout)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 5.0)
        raise_cancel = asyncio.current_task()
        if raise_cancel is not None and raise_cancel.cancelling():
            raise
        return False
    return code == 0 and path.exists()
