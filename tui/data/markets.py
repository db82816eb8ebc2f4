"""Regular trading hours of the markets marketmon watches.

Used to mark a price as stale because its market is closed (when the source does not say) and
for the open/closed states in the header. Exchange holidays are not modelled here; Yahoo's
``currentTradingPeriod`` covers them for the rows it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")  # the NYSE's zone; FRED's release times are in it too


@dataclass(frozen=True, slots=True)
class Market:
    code: str
    city: str
    tz: str
    open: time
    close: time
    lunch: tuple[time, time] | None = None
    # cash: Mon-Fri session; globex: Sun 18:00-Fri 17:00 ET with a daily hour's break;
    # fx: Sun 17:00-Fri 17:00 ET without a break; always: 24/7
    kind: str = "cash"
    # Extended hours (local): pre-market from the first time to the open, after-hours from the
    # close to the second time. exchange_calendars does not model them: see tui.data.sessions.
    extended: tuple[time, time] | None = None

    def is_open(self, when: datetime) -> bool:
        local = when.astimezone(ZoneInfo(self.tz))
        if self.kind == "always":
            return True
        if self.kind == "globex":
            return _globex_open(local)
        if self.kind == "fx":
            return _fx_open(local)
        if local.weekday() >= 5:
            return False
        now = local.time()
        if not (self.open <= now < self.close):
            return False
        return not (self.lunch and self.lunch[0] <= now < self.lunch[1])

    def local_time(self, when: datetime) -> datetime:
        return when.astimezone(ZoneInfo(self.tz))


def _globex_open(local: datetime) -> bool:
    """CME Globex metals: Sunday 18:00 to Friday 17:00 New York, with a daily 17:00-18:00 break."""
    day, now = local.weekday(), local.time()
    in_break = time(17) <= now < time(18)
    if day == 5:  # Saturday
        return False
    if day == 6:  # Sunday
        return now >= time(18)
    if day == 4 and now >= time(17):  # Friday evening
        return False
    return not in_break


def _fx_open(local: datetime) -> bool:
    """Spot FX: from Sunday 17:00 to Friday 17:00 New York, around the clock."""
    day, now = local.weekday(), local.time()
    if day == 5:
        return False
    if day == 6:
        return now >= time(17)
    return not (day == 4 and now >= time(17))


MARKETS: dict[str, Market] = {
    m.code: m
    for m in (
        # NYSE Arca / Nasdaq extended hours: pre-market 04:00-09:30, after-hours 16:00-20:00.
        Market(
            "NYSE",
            "New York",
            "America/New_York",
            time(9, 30),
            time(16),
            extended=(time(4), time(20)),
        ),
        Market("CBOE", "Chicago", "America/New_York", time(9, 30), time(16, 15)),
        Market("LSE", "London", "Europe/London", time(8), time(16, 30)),
        Market("XETRA", "Frankfurt", "Europe/Berlin", time(9), time(17, 30)),
        Market("EURONEXT", "Paris", "Europe/Paris", time(9), time(17, 30)),
        Market("TSE", "Tokyo", "Asia/Tokyo", time(9), time(15, 30), (time(11, 30), time(12, 30))),
        Market("KRX", "Seoul", "Asia/Seoul", time(9), time(15, 30)),
        Market("HKEX", "Hong Kong", "Asia/Hong_Kong", time(9, 30), time(16), (time(12), time(13))),
        Market("SSE", "Shanghai", "Asia/Shanghai", time(9, 30), time(15), (time(11, 30), time(13))),
        Market("ASX", "Sydney", "Australia/Sydney", time(10), time(16)),
        Market("COMEX", "New York", "America/New_York", time(18), time(17), kind="globex"),
        Market("OTC", "London", "America/New_York", time(18), time(17), kind="globex"),
        Market("CME", "Chicago", "America/New_York", time(18), time(17), kind="globex"),
        Market("FX", "Everywhere", "America/New_York", time(17), time(17), kind="fx"),
        Market("CRYPTO", "Everywhere", "UTC", time(0), time(0), kind="always"),
    )
}

# The markets named in the header, in the order a trader scans the globe.
HEADER_MARKETS: tuple[str, ...] = ("NYSE", "LSE", "XETRA", "TSE", "KRX", "HKEX")
