"""The demo's simulated instruments: what each trades like and how far the scenario moves it.

Kept apart from the provider (:mod:`tui.data.demo`), which turns these into sessions, paths and
ticks, so the data of the simulated market can be read (and grown, as :mod:`tui.data.demo_board`
does for FX, yields and energy) without the machinery. Every value is a pure function of
(seed, scenario, symbol): seeds go through ``zlib.crc32``, never the salted ``hash()``.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from tui.data.demo_board import BOARD, BOARD_SELLOFF
from tui.data.instruments import KNOWN
from tui.data.markets import MARKETS

SCENARIOS: tuple[str, ...] = ("selloff", "calm")


@dataclass(frozen=True, slots=True)
class Profile:
    """What a symbol trades like: level, quote currency, market hours and a normal day's move."""

    base: float
    currency: str
    market: str
    vol: float  # a normal day's move as a fraction; sets how noisy the intraday path is
    decimals: int | None = None  # as a quote feed gives them (Yahoo's priceHint)


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

PROFILES.update(
    {
        sym: Profile(base, cur, market, vol, dec)
        for sym, (base, cur, market, vol, dec) in BOARD.items()
    }
)

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
    **BOARD_SELLOFF,
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


def seeded_rng(*parts: object) -> random.Random:
    """A generator seeded stably from ``parts`` (same on every run, unlike ``hash()``)."""
    return random.Random(zlib.crc32("|".join(map(str, parts)).encode()))


def check_scenario(scenario: str) -> str:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown demo scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    return scenario


def path_key(symbol: str) -> str:
    return _SHARED_PATH.get(symbol, symbol)


def _crypto_quote(symbol: str) -> str | None:
    """The quote currency of a crypto pair like ``BTC-EUR``, or ``None`` if it is not one."""
    _, dash, quote = symbol.upper().rpartition("-")
    return quote if dash and quote in _CRYPTO_QUOTES else None


def profile(symbol: str, seed: int = 7) -> Profile:
    """The profile of a simulated symbol (``invented_profile`` is for tests of the paths)."""
    known = PROFILES.get(symbol)
    if known is not None:
        return known
    return invented_profile(symbol, seed)


def invented_profile(symbol: str, seed: int = 7) -> Profile:
    """A deterministic made-up profile: used only to exercise sessions in tests, never shown."""
    rng = seeded_rng(seed, "profile", symbol)
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
    key = path_key(symbol)
    rng = seeded_rng(seed, check_scenario(scenario), "target", key)
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
    nudge = seeded_rng(seed, "prev", path_key(symbol)).uniform(-0.01, 0.01)
    prof = profile(symbol, seed)
    price = prof.base * (1.0 + nudge)
    return round(price, prof.decimals if prof.decimals is not None else quote_digits(price))


def quote_digits(price: float) -> int:
    """Decimals a quote feed would show: cents for big numbers, more digits for small ones."""
    if price >= 100:
        return 2
    if price >= 1:
        return 4
    return 6


def at_epoch(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
