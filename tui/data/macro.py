"""The macro strip: FRED series from the keyless ``fredgraph.csv``, and when claims come out.

FRED's CSV has a few oddities the parser accepts (see ``../shared/fixtures/fred``): the date
column is ``observation_date`` (older downloads: ``DATE``); a missing value is ``.`` (old) or
an empty cell (new); averaged series carry up to 20 decimals. A series can stop updating while
still answering 200, so a value is stale by the age of its *period*, not of the download.
Anything else (an HTML page, an empty body, unknown columns) is refused with a reason, and the
strip keeps the last good value, marked.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.markets import NEW_YORK
from tui.data.sanitize import sanitize_text
from tui.data.snapshot import MacroValue

DATE_COLUMNS = ("observation_date", "DATE")
CLAIMS = "ICSA"
CLAIMS_RELEASE = time(8, 30)  # the Department of Labor, Thursdays 08:30 New York


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    title: str
    scale: float = 1.0  # the CSV's unit: JTSJOL is in thousands


KNOWN_SERIES: dict[str, SeriesInfo] = {
    "ICSA": SeriesInfo("Jobless claims"),
    "JTSJOL": SeriesInfo("Job openings", 1000.0),
    "UNRATE": SeriesInfo("Unemployment rate"),
    "PAYEMS": SeriesInfo("Payrolls", 1000.0),
    "DGS10": SeriesInfo("10Y yield (FRED)"),
}

Observation = tuple[date, float]


def parse_fred_csv(body: bytes, series: str) -> list[Observation]:
    """Observations of ``series``, oldest first, missing values skipped.

    Raises ``FetchError(PARSE)`` for a body that is not FRED's CSV for this series.
    """
    text = body.decode("utf-8-sig", "replace")
    stripped = text.lstrip()
    if not stripped:
        raise FetchError(ErrorKind.PARSE, "FRED sent an empty body")
    if stripped.startswith("<"):
        raise FetchError(ErrorKind.PARSE, "FRED sent HTML, not CSV")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header:
        raise FetchError(ErrorKind.PARSE, "FRED sent an empty CSV")
    names = [h.strip() for h in header]
    if names[0] not in DATE_COLUMNS or series not in names[1:]:
        shown = sanitize_text(",".join(names), 80)
        raise FetchError(ErrorKind.PARSE, f"unknown CSV columns: {shown}")
    column = names.index(series)
    out: list[Observation] = []
    for row in rows:
        if len(row) <= column:
            continue
        cell = row[column].strip()
        if cell in ("", "."):
            continue  # no value for that period (a holiday, the ragged end)
        try:
            when = date.fromisoformat(row[0].strip())
            value = float(cell)
        except ValueError:
            continue
        if value == value and value not in (float("inf"), float("-inf")):
            out.append((when, value))
    if not out:
        raise FetchError(ErrorKind.NO_DATA, f"no values for {series} in the CSV")
    out.sort(key=lambda o: o[0])
    return out


def max_period_age(observations: list[Observation]) -> timedelta:
    """How old the latest period may be before it counts as stale, from the series' rhythm.

    Weekly claims (week ending Saturday, out the next Thursday): 13 days. Monthly job openings
    (published about six weeks after the month starts): 75 days. Daily series: 6 days.
    """
    recent = [d for d, _ in observations[-7:]]
    steps = [(b - a).days for a, b in pairwise(recent) if b > a]
    if not steps:
        return timedelta(days=75)
    step = min(steps)  # a missing period (a gap) must not make the series look slower
    if step <= 3:
        return timedelta(days=6)
    if step <= 8:
        return timedelta(days=13)
    if step <= 31:
        return timedelta(days=75)
    return timedelta(days=step * 2 + 45)


def is_stale(observations: list[Observation], today: date) -> bool:
    return today - observations[-1][0] > max_period_age(observations)


def us_federal_holidays_on_thursday(year: int) -> set[date]:
    """Federal holidays that can fall on a Thursday (the Monday holidays never do).

    Fixed-date holidays move only when they fall on a weekend (to Friday or Monday), so the
    Thursday ones are the dates themselves, plus Thanksgiving (fourth Thursday of November).
    """
    fixed = {date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11)}
    fixed.add(date(year, 12, 25))
    first_nov = date(year, 11, 1)
    thanksgiving = first_nov + timedelta(days=(3 - first_nov.weekday()) % 7 + 21)
    return {d for d in fixed if d.weekday() == 3} | {thanksgiving}


def next_claims_release(now: datetime) -> datetime:
    """The next weekly claims release: Thursday 08:30 New York, or Wednesday when Thursday is a
    federal holiday (Thanksgiving 2026: Wednesday 25 November)."""
    local = now.astimezone(NEW_YORK)
    day = local.date() - timedelta(days=local.weekday())  # this week's Monday
    for _ in range(3):
        thursday = day + timedelta(days=3)
        release_day = thursday
        if thursday in us_federal_holidays_on_thursday(thursday.year):
            release_day = thursday - timedelta(days=1)
        release = datetime.combine(release_day, CLAIMS_RELEASE, tzinfo=NEW_YORK)
        if release > now:
            return release
        day += timedelta(days=7)
    raise AssertionError("no release in three weeks")  # pragma: no cover


def title_of(series: str) -> str:
    info = KNOWN_SERIES.get(series)
    return info.title if info else series


def scale_of(series: str) -> float:
    info = KNOWN_SERIES.get(series)
    return info.scale if info else 1.0


@dataclass(frozen=True, slots=True)
class MacroResult:
    values: tuple[MacroValue, ...]
    errors: tuple[SourceError, ...] = ()


def macro_value(
    series: str,
    observations: list[Observation],
    now: datetime,
    source: str,
    error: str | None = None,
) -> MacroValue:
    """The strip's entry for the latest observation (and the change from the one before)."""
    when, value = observations[-1]
    previous = observations[-2][1] if len(observations) > 1 else None
    return MacroValue(
        series=series,
        title=title_of(series),
        value=value,
        previous=previous,
        date=when,
        stale=error is not None or is_stale(observations, now.astimezone(NEW_YORK).date()),
        source=source,
        error=error,
        next_release=next_claims_release(now) if series == CLAIMS else None,
        scale=scale_of(series),
    )
