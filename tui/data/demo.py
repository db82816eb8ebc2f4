"""Demo mode: an offline, deterministic, seedable simulated market.

:class:`DemoQuoteProvider` is just another provider, so demo data runs through the same
fallback, moves and snapshot pipeline as live data. Every number is a pure function of
(seed, scenario, symbol, clock time): snapshot tests freeze the clock and get the same screen
on every run and machine (seeds go through ``zlib.crc32``, never the salted ``hash()``).

How a price is made:

* each symbol has a base level; the seed nudges it by up to 1 % to give the previous close;
* the scenario sets the day's change in percent (:data:`SELLOFF`, or ±1 % for ``calm``);
* the session comes from :mod:`tui.data.markets`: 5-minute bars from today's open (or the last
  completed session when the market is shut), a rolling 24 h for crypto, and from 18:00
  New York the previous day for Globex metals;
* the path opens with a gap towards the target and then follows a Brownian bridge that lands
  on the target at the latest bar, so the scenario's screen shows at any time of day; bar
  noise is keyed by absolute bar time, so a crypto window slides instead of being redrawn;
* while a market is open the last price ticks a little every :data:`TICK_SECONDS`.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import polars as pl

from tui.data.clock import Clock
from tui.data.errors import ErrorKind, SourceError
from tui.data.instruments import KNOWN
from tui.data.markets import MARKETS, Market
from tui.data.providers.base import ProviderResult, QuoteProvider
from tui.data.schema import QUOTE_SCHEMA, QuoteRow, empty_quotes
from tui.data.snapshot import Headline, HeadlineResult

SCENARIOS: tuple[str, ...] = ("selloff", "calm")
BAR_SECONDS = 300
TICK_SECONDS = 5
_DAY = 86_400
_BARS_PER_DAY = _DAY // BAR_SECONDS
_CACHE_LIMIT = 2048


@dataclass(frozen=True, slots=True)
class Profile:
    """What a symbol trades like: level, quote currency, market hours and a normal day's move."""

    base: float
    currency: str
    market: str
    vol: float  # a normal day's move as a fraction; sets how noisy the intraday path is


def _p(base: float, currency: str, market: str, vol: float) -> Profile:
    return Profile(base, currency, market, vol)


PROFILES: dict[str, Profile] = {
    "^GSPC": _p(6_850.0, "USD", "NYSE", 0.009),
    "^IXIC": _p(23_200.0, "USD", "NYSE", 0.012),
    "^DJI": _p(47_300.0, "USD", "NYSE", 0.008),
    "^RUT": _p(2_460.0, "USD", "NYSE", 0.013),
    "^VIX": _p(17.5, "USD", "CBOE", 0.06),
    "^FTSE": _p(9_720.0, "GBP", "LSE", 0.008),
    "^GDAXI": _p(24_050.0, "EUR", "XETRA", 0.01),
    "^FCHI": _p(8_120.0, "EUR", "EURONEXT", 0.01),
    "^STOXX50E": _p(5_710.0, "EUR", "XETRA", 0.01),
    "^N225": _p(49_200.0, "JPY", "TSE", 0.012),
    "^KS11": _p(4_020.0, "KRW", "KRX", 0.012),
    "^HSI": _p(26_100.0, "HKD", "HKEX", 0.013),
    "000001.SS": _p(3_910.0, "CNY", "SSE", 0.009),
    "^AXJO": _p(8_700.0, "AUD", "ASX", 0.008),
    "GC=F": _p(4_120.0, "USD", "COMEX", 0.012),
    "SI=F": _p(52.4, "USD", "COMEX", 0.022),
    "PL=F": _p(1_555.0, "USD", "COMEX", 0.018),
    "PA=F": _p(1_405.0, "USD", "COMEX", 0.02),
    "HG=F": _p(5.02, "USD", "COMEX", 0.014),
    # Spot sits a little under the front-month future (carry) and shares its path.
    "XAU": _p(4_105.0, "USD", "OTC", 0.012),
    "XAG": _p(52.1, "USD", "OTC", 0.022),
    "XPT": _p(1_548.0, "USD", "OTC", 0.018),
    "XPD": _p(1_398.0, "USD", "OTC", 0.02),
    "BTC-USD": _p(66_200.0, "USD", "CRYPTO", 0.03),
    "ETH-USD": _p(3_020.0, "USD", "CRYPTO", 0.035),
    "SOL-USD": _p(141.0, "USD", "CRYPTO", 0.045),
    "XRP-USD": _p(2.21, "USD", "CRYPTO", 0.04),
    "BNB-USD": _p(905.0, "USD", "CRYPTO", 0.03),
    "DOGE-USD": _p(0.162, "USD", "CRYPTO", 0.05),
    "ADA-USD": _p(0.452, "USD", "CRYPTO", 0.045),
}

# Spot metals move with their future, so the two rows agree on screen.
_SHARED_PATH: dict[str, str] = {"XAU": "GC=F", "XAG": "SI=F", "XPT": "PL=F", "XPD": "PA=F"}

# The signature screen: the day the world sells off at once (percent change on the day).
SELLOFF: dict[str, float] = {
    "^GSPC": -2.1,
    "^IXIC": -3.1,
    "^DJI": -1.5,
    "^RUT": -2.7,
    "^VIX": 60.0,
    "^FTSE": -1.6,
    "^GDAXI": -2.5,
    "^FCHI": -2.1,
    "^STOXX50E": -2.8,
    "^N225": -2.2,
    "^KS11": -5.0,
    "^HSI": -1.7,
    "000001.SS": 0.4,  # a small gainer: not every market follows the rout
    "^AXJO": -0.9,
    "GC=F": -3.0,
    "SI=F": -20.0,
    "PL=F": -7.5,
    "PA=F": -5.8,
    "HG=F": -2.2,
    "BTC-USD": -10.6,
    "ETH-USD": -12.4,
    "SOL-USD": -14.2,
    "XRP-USD": -9.1,
    "BNB-USD": -6.8,
    "DOGE-USD": -13.5,
    "ADA-USD": -11.3,
}

# Exchange suffixes of symbols marketmon does not know: (market, currency).
_SUFFIXES: dict[str, tuple[str, str]] = {
    ".T": ("TSE", "JPY"),
    ".KS": ("KRX", "KRW"),
    ".HK": ("HKEX", "HKD"),
    ".SS": ("SSE", "CNY"),
    ".SZ": ("SSE", "CNY"),
    ".AX": ("ASX", "AUD"),
    ".L": ("LSE", "GBP"),
    ".DE": ("XETRA", "EUR"),
    ".PA": ("EURONEXT", "EUR"),
    ".AS": ("EURONEXT", "EUR"),
    "=F": ("COMEX", "USD"),
}
_CRYPTO_QUOTES = ("USD", "USDT", "USDC", "EUR", "GBP", "BTC")


def _rng(*parts: object) -> random.Random:
    """A generator seeded stably from ``parts`` (same on every run, unlike ``hash()``)."""
    return random.Random(zlib.crc32("|".join(map(str, parts)).encode()))


def _check_scenario(scenario: str) -> str:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown demo scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    return scenario


def _path_key(symbol: str) -> str:
    return _SHARED_PATH.get(symbol, symbol)


def _crypto_quote(symbol: str) -> str | None:
    """The quote currency of a crypto pair like ``BTC-EUR``, or ``None`` if it is not one."""
    _, dash, quote = symbol.upper().rpartition("-")
    return quote if dash and quote in _CRYPTO_QUOTES else None


def profile(symbol: str, seed: int = 7) -> Profile:
    """The profile of a known symbol, or a deterministic made-up one for any other."""
    known = PROFILES.get(symbol)
    if known is not None:
        return known
    rng = _rng(seed, "profile", symbol)
    market = KNOWN[symbol].market if symbol in KNOWN else None
    quote = _crypto_quote(symbol)
    if quote is not None or market == "CRYPTO":
        return Profile(10 ** rng.uniform(-1.5, 3.0), quote or "USD", "CRYPTO", 0.04)
    upper = symbol.upper()
    market_currency = next((v for k, v in _SUFFIXES.items() if upper.endswith(k)), None)
    code, currency = market_currency or (market if market in MARKETS else "NYSE", "USD")
    return Profile(10 ** rng.uniform(0.5, 3.5), currency, code, 0.012)


def target_change_pct(symbol: str, seed: int = 7, scenario: str = "selloff") -> float:
    """The day's change in percent that ``scenario`` gives ``symbol`` (headlines quote it too)."""
    key = _path_key(symbol)
    rng = _rng(seed, _check_scenario(scenario), "target", key)
    if scenario == "calm":
        return rng.uniform(-1.0, 1.0)
    pinned = SELLOFF.get(key)
    if pinned is not None:
        return pinned + rng.uniform(-1.0, 1.0) * max(0.05, 0.04 * abs(pinned))
    if profile(symbol, seed).market == "CRYPTO":
        return rng.uniform(-15.0, -6.0)
    # Mostly down with some noise; about one unknown symbol in twelve ends a little higher.
    return min(1.5, max(-6.0, rng.gauss(-1.8, 1.3)))


def previous_close(symbol: str, seed: int = 7) -> float:
    """The base level nudged by the seed (shared by both scenarios, so switching is smooth)."""
    nudge = _rng(seed, "prev", _path_key(symbol)).uniform(-0.01, 0.01)
    price = profile(symbol, seed).base * (1.0 + nudge)
    return round(price, _digits(price))


def _digits(price: float) -> int:
    """Decimals a quote feed would show: cents for big numbers, more digits for small ones."""
    if price >= 100:
        return 2
    if price >= 1:
        return 4
    return 6


@dataclass(frozen=True, slots=True)
class _Session:
    """One regular session in epoch seconds; ``lunch`` is a midday break, if the market has one."""

    start: int
    end: int
    lunch: tuple[int, int] | None = None

    def trading_bars(self) -> int:
        seconds = self.end - self.start
        if self.lunch:
            seconds -= self.lunch[1] - self.lunch[0]
        return max(1, seconds // BAR_SECONDS)


def _epoch(day: date, at: time, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, at, tzinfo=tz).timestamp())


def _session(market: Market, now: datetime) -> _Session:
    """The session in progress at ``now``, else the most recent completed one (holidays aside).

    A Globex session for trade date D runs from ``market.open`` (18:00 New York) on D-1 to
    ``market.close`` (17:00) on D, for D Monday to Friday.
    """
    tz = ZoneInfo(market.tz)
    local = now.astimezone(tz)
    now_s = int(now.timestamp())
    globex = market.kind == "globex"
    day = local.date()
    if globex and local.time() >= market.open:
        day += timedelta(days=1)
    for back in range(8):
        d = day - timedelta(days=back)
        if d.weekday() >= 5:
            continue
        start = _epoch(d - timedelta(days=1) if globex else d, market.open, tz)
        if start > now_s:
            continue
        lunch = None
        if market.lunch is not None:
            lunch = (_epoch(d, market.lunch[0], tz), _epoch(d, market.lunch[1], tz))
        return _Session(start, _epoch(d, market.close, tz), lunch)
    raise AssertionError("no weekday in the last eight days")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class _Path:
    """A computed session path (rounded prices), kept until the next bar starts."""

    prices: list[float]
    times: list[datetime]
    micros: list[int]  # ``times`` as epoch microseconds, for the fast frame build
    end: float  # unrounded last point, which the tick moves
    sigma: float
    digits: int


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class DemoQuoteProvider(QuoteProvider):
    """Simulated quotes for any symbol, through the same pipeline as a live source."""

    name: ClassVar[str] = "demo"
    default_max_age: ClassVar[float] = 120.0

    def __init__(self, clock: Clock, seed: int = 7, scenario: str = "selloff") -> None:
        # No super().__init__: there is nothing to fetch, so no fetcher and no base URL.
        self.base_url = ""
        self.clock = clock
        self.seed = seed
        self.scenario = _check_scenario(scenario)
        # Caches only: every value depends on (seed, scenario, symbol, time) alone.
        self._noise: dict[tuple[str, int], list[float]] = {}
        self._paths: dict[tuple[str, int, int], _Path] = {}

    def supports(self, symbol: str) -> bool:
        """Only instruments whose scale and market the demo knows (:data:`PROFILES`): any
        other is shown unavailable, never with an invented price that looks plausible."""
        return symbol in PROFILES

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        now = self.clock.now()
        wanted = list(dict.fromkeys(symbols))
        errors = tuple(
            SourceError(
                "demo", s, ErrorKind.UNSUPPORTED, "not in the simulated market: unavailable"
            )
            for s in wanted
            if s not in PROFILES
        )
        known = [s for s in wanted if s in PROFILES]
        return ProviderResult(_frame([self._quote(s, now) for s in known]), errors)

    def _noise_chunk(self, key: str, day: int) -> list[float]:
        """Standard normal bar noise for one UTC day of ``key``'s path."""
        chunk = self._noise.get((key, day))
        if chunk is None:
            if len(self._noise) >= _CACHE_LIMIT:
                self._noise.clear()
            rng = _rng(self.seed, self.scenario, "bars", key, day)
            chunk = [rng.gauss(0.0, 1.0) for _ in range(_BARS_PER_DAY)]
            self._noise[(key, day)] = chunk
        return chunk

    def quote(self, symbol: str, now: datetime) -> QuoteRow:
        """The row for ``symbol`` at ``now``: a pure function of seed, scenario, symbol and time."""
        return self._quote(symbol, now)[0]

    def _quote(self, symbol: str, now: datetime) -> tuple[QuoteRow, _Path]:
        prof = profile(symbol, self.seed)
        key = _path_key(symbol)
        prev = previous_close(symbol, self.seed)
        market = MARKETS[prof.market]
        now_s = int(now.timestamp())
        session: _Session | None = None
        times: Sequence[int]
        if market.kind == "always":
            last_bar = now_s - now_s % BAR_SECONDS
            times = range(last_bar - _DAY, last_bar + 1, BAR_SECONDS)
            bars_per_day, gap, is_open, as_of = _BARS_PER_DAY, 0.0, True, now
        else:
            session = _session(market, now)
            lunch = session.lunch
            times = range(session.start, min(now_s + 1, session.end), BAR_SECONDS)
            if lunch is not None:
                times = [t for t in times if not lunch[0] <= t < lunch[1]]
            bars_per_day = session.trading_bars()
            gap = _rng(self.seed, self.scenario, "gap", key).uniform(0.35, 0.7)
            is_open = now_s < session.end and market.is_open(now)
            if is_open:
                as_of = now
            elif now_s < session.end and lunch is not None:
                as_of = _at(lunch[0])
            else:
                as_of = _at(session.end)
        # The path only changes when a bar starts, so most refreshes only redo the tick.
        cache_key = (symbol, times[0], len(times))
        cached = self._paths.get(cache_key)
        if cached is None:
            if len(self._paths) >= _CACHE_LIMIT:
                self._paths.clear()
            move = math.log1p(target_change_pct(symbol, self.seed, self.scenario) / 100.0)
            # Busy days are noisier: the bridge's spread grows with the size of the move.
            sigma = max(prof.vol, 0.35 * abs(move)) / math.sqrt(bars_per_day)
            digits = _digits(prev)
            path = self._bridge(key, times, math.log(prev), move, gap, sigma)
            cached = _Path(
                prices=[round(p, digits) for p in path],
                times=[_at(t) for t in times],
                micros=[t * 1_000_000 for t in times],
                end=path[-1],
                sigma=sigma,
                digits=digits,
            )
            self._paths[cache_key] = cached
        series = list(cached.prices)
        if is_open:
            tick = _rng(self.seed, self.scenario, "tick", symbol, now_s // TICK_SECONDS)
            moved = cached.end * math.exp(0.3 * cached.sigma * tick.gauss(0.0, 1.0))
            series[-1] = round(moved, cached.digits)
        row = QuoteRow(
            symbol=symbol,
            source=self.name,
            last=series[-1],
            as_of=as_of,
            name=None,
            currency=prof.currency,
            prev_close=prev,
            day_high=max(series),
            day_low=min(series),
            session_start=_at(session.start) if session else None,
            session_end=_at(session.end) if session else None,
            series_time=list(cached.times),
            series=series,
        )
        return row, cached

    def _bridge(
        self,
        key: str,
        times: Sequence[int],
        start: float,
        move: float,
        gap: float,
        sigma: float,
    ) -> list[float]:
        """Prices along a gap of ``gap * move``, then a Brownian bridge to ``start + move``."""
        n = len(times) - 1
        if n == 0:
            return [math.exp(start + move)]
        chunks: dict[int, list[float]] = {}
        noise = [0.0]
        for t in times[1:]:
            day = t // _DAY
            chunk = chunks.get(day)
            if chunk is None:
                chunk = chunks[day] = self._noise_chunk(key, day)
            noise.append(chunk[t % _DAY // BAR_SECONDS])
        walk = list(accumulate(noise))
        opening = start + move * gap
        # Per bar: the drift to the target minus the walk's own end, so the bridge lands on it.
        step = (move * (1.0 - gap) - sigma * walk[-1]) / n
        exp = math.exp
        return [exp(opening + step * k + sigma * w) for k, w in enumerate(walk)]


def _frame(quoted: list[tuple[QuoteRow, _Path]]) -> pl.DataFrame:
    """``quotes_frame`` for demo rows, with series times passed as integers.

    polars converts Python datetimes one at a time (about 1 µs each), which made building the
    frame cost four times as much as simulating the market; the cached integers avoid that.
    """
    if not quoted:
        return empty_quotes()
    rows = [row for row, _ in quoted]
    columns: dict[str, list[Any]] = {
        name: [getattr(r, name, None) for r in rows] for name in QUOTE_SCHEMA
    }
    columns["series_time"] = [path.micros for _, path in quoted]
    schema = {**QUOTE_SCHEMA, "series_time": pl.List(pl.Int64())}
    return pl.DataFrame(columns, schema=schema).with_columns(
        pl.col("series_time").cast(QUOTE_SCHEMA["series_time"])
    )


# --- headlines ---------------------------------------------------------------------------

HEADLINE_SPACING = 420  # seconds: a new headline reaches the tape about every seven minutes

_WIRE = "Demo Wire"
_DESK = "Demo Markets Desk"
_METALS = "Demo Metals Desk"
_ASIA = "Demo Asia Desk"
_CRYPTO = "Demo Crypto Desk"


def _selloff_pool(pct: Callable[[str], float]) -> list[tuple[str, str]]:
    return [
        (f"Silver plunges {-pct('SI=F'):.0f}% as metals rout deepens", _METALS),
        (f"KOSPI sinks {-pct('^KS11'):.0f}% as chip stocks slide", _ASIA),
        ("Nikkei falls for a third session as exporters retreat", _ASIA),
        ("Bitcoin breaks below $60,000 as crypto liquidations mount", _CRYPTO),
        ("Software stocks lead Wall Street lower", _DESK),
        (f"Nasdaq drops {-pct('^IXIC'):.1f}% in broad tech selloff", _WIRE),
        (f"Gold slides {-pct('GC=F'):.0f}% as margin calls hit precious metals", _METALS),
        (f"VIX jumps {pct('^VIX'):.0f}% as volatility index hits highest in months", _DESK),
        ("European shares slump as banks and luxury names fall", _WIRE),
        (f"DAX down {-pct('^GDAXI'):.1f}% as carmakers lead losses", _WIRE),
        ("FTSE 100 slips as miners track metals lower", _DESK),
        (f"Ether slides {-pct('ETH-USD'):.0f}% as crypto selloff widens", _CRYPTO),
        ("Crypto market sheds $300 billion in a day", _CRYPTO),
        ("Treasury yields fall as investors seek safety", _WIRE),
        ("Dollar firms, yen gains as haven demand rises", _WIRE),
        ("Platinum and palladium tumble alongside silver", _METALS),
        ("Copper eases on China demand worries", _METALS),
        ("Hang Seng retreats as tech shares weigh", _ASIA),
        ("Shanghai stocks edge higher, bucking regional selloff", _ASIA),
        ("Small caps underperform as Russell 2000 slides", _DESK),
        (f"Dow falls {-pct('^DJI'):.1f}% as selling broadens", _WIRE),
        ("Silver funds see record outflows as retail investors exit", _METALS),
        ("Chipmakers slide worldwide as AI spending doubts grow", _DESK),
        ("Analysts: forced selling, not fundamentals, driving the metals rout", _METALS),
        ("Fed officials say they are watching market volatility closely", _WIRE),
    ]


def _calm_pool(pct: Callable[[str], float]) -> list[tuple[str, str]]:
    def moved(symbol: str, up: str = "edges up", down: str = "slips") -> str:
        change = pct(symbol)
        return f"{up if change >= 0 else down} {abs(change):.1f}%"

    return [
        (f"S&P 500 {moved('^GSPC')} in light trading", _WIRE),
        (f"Gold {moved('GC=F')} as dollar holds steady", _METALS),
        (f"Silver {moved('SI=F')} in range-bound session", _METALS),
        (f"Bitcoin {moved('BTC-USD')} as crypto volumes thin", _CRYPTO),
        (f"Nikkei {moved('^N225')} as yen steadies", _ASIA),
        (f"KOSPI {moved('^KS11')} ahead of chip earnings", _ASIA),
        (f"DAX {moved('^GDAXI')} as earnings season rolls on", _WIRE),
        (f"FTSE 100 {moved('^FTSE')} with miners mixed", _DESK),
        (f"Nasdaq {moved('^IXIC')} as tech trades sideways", _DESK),
        ("VIX stays subdued as volatility sellers return", _DESK),
        ("Ether steady as network upgrade nears", _CRYPTO),
        ("Treasury yields little changed ahead of jobs data", _WIRE),
        ("Oil steady as supply concerns ease", _WIRE),
        (f"Copper {moved('HG=F', 'firms', 'eases')} on steady China demand", _METALS),
        (f"Hang Seng {moved('^HSI')} in quiet trade", _ASIA),
        (f"Shanghai Composite {moved('000001.SS')} as policy hopes linger", _ASIA),
        (f"ASX 200 {moved('^AXJO')} led by banks", _ASIA),
        (f"Platinum {moved('PL=F')} as automakers restock", _METALS),
        ("Dollar flat against major currencies", _WIRE),
        (f"Euro Stoxx 50 {moved('^STOXX50E')} in holiday-thinned volumes", _WIRE),
        (f"Russell 2000 {moved('^RUT')} as small caps drift", _DESK),
        ("Central bank speakers reiterate patient approach", _WIRE),
        ("Crypto prices consolidate after last week's swings", _CRYPTO),
        (f"CAC 40 {moved('^FCHI')} as luxury names steady", _WIRE),
        (f"Dow {moved('^DJI', 'adds', 'sheds')} in a quiet session", _DESK),
    ]


class DemoHeadlines:
    """Simulated headlines that tell the scenario's story and move as the clock advances.

    Headlines sit in :data:`HEADLINE_SPACING` slots; a seeded permutation of the scenario's
    pool fills them in turn, so the newest headline changes every few minutes while any
    window of ``len(pool)`` slots still shows every story once. Sources say "Demo" and URLs
    are empty: nothing here may pass for real news.
    """

    name: ClassVar[str] = "headlines"

    def __init__(self, clock: Clock, seed: int = 7, scenario: str = "selloff") -> None:
        self.clock = clock
        self.seed = seed
        self.scenario = _check_scenario(scenario)
        pool_of = _selloff_pool if scenario == "selloff" else _calm_pool
        self._pool = pool_of(lambda s: target_change_pct(s, seed, scenario))
        self._order = list(range(len(self._pool)))
        _rng(seed, scenario, "headline-order").shuffle(self._order)

    async def fetch(self) -> HeadlineResult:
        return HeadlineResult(self.headlines_at(self.clock.now()))

    def headlines_at(self, now: datetime) -> tuple[Headline, ...]:
        """The latest ``len(pool)`` headlines published by ``now``, newest first."""
        size = len(self._pool)
        current = int(now.timestamp()) // HEADLINE_SPACING
        out: list[Headline] = []
        for slot in range(current, current - size - 1, -1):
            jitter = _rng(self.seed, self.scenario, "published", slot).randrange(
                HEADLINE_SPACING - 60
            )
            published = _at(slot * HEADLINE_SPACING + jitter)
            if published > now:
                continue
            title, source = self._pool[self._order[slot % size]]
            out.append(Headline(title=title, source=source, published=published, url=""))
            if len(out) == size:
                break
        return tuple(out)
