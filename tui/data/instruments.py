"""Instruments and the default watchlist (every part of it can be changed in the config)."""

from __future__ import annotations

from dataclasses import dataclass

PANES: tuple[str, ...] = ("indices", "metals", "crypto", "fx", "rates", "energy")
# Panes quoted in percent (yields): their moves are shown and exported in basis points.
BASIS_POINT_PANES: frozenset[str] = frozenset({"rates"})


@dataclass(frozen=True, slots=True)
class Instrument:
    """One row on screen: where it sits, what it is called, and which market's hours apply."""

    pane: str
    group: str
    symbol: str
    name: str
    market: str | None = None
    # Words that tie a headline to this instrument ("gold", "bitcoin", "nikkei").
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KnownSymbol:
    name: str
    market: str | None
    keywords: tuple[str, ...] = ()


# What marketmon knows about common symbols, whether or not they are on the default watchlist.
KNOWN: dict[str, KnownSymbol] = {
    "^GSPC": KnownSymbol("S&P 500", "NYSE", ("s&p 500", "s&p", "wall street")),
    "^IXIC": KnownSymbol("Nasdaq Composite", "NYSE", ("nasdaq",)),
    "^DJI": KnownSymbol("Dow Jones", "NYSE", ("dow jones", "the dow", "dow")),
    "^RUT": KnownSymbol("Russell 2000", "NYSE", ("russell 2000", "small caps", "small-cap")),
    "^VIX": KnownSymbol("VIX", "CBOE", ("vix", "volatility index")),
    "^FTSE": KnownSymbol("FTSE 100", "LSE", ("ftse",)),
    "^GDAXI": KnownSymbol("DAX", "XETRA", ("dax",)),
    "^FCHI": KnownSymbol("CAC 40", "EURONEXT", ("cac 40", "cac")),
    "^STOXX50E": KnownSymbol("Euro Stoxx 50", "XETRA", ("stoxx",)),
    "^N225": KnownSymbol("Nikkei 225", "TSE", ("nikkei",)),
    "^KS11": KnownSymbol("KOSPI", "KRX", ("kospi",)),
    "^HSI": KnownSymbol("Hang Seng", "HKEX", ("hang seng",)),
    "000001.SS": KnownSymbol("Shanghai Composite", "SSE", ("shanghai composite", "shanghai")),
    "^AXJO": KnownSymbol("ASX 200", "ASX", ("asx",)),
    "GC=F": KnownSymbol("Gold futures", "COMEX", ("gold",)),
    "SI=F": KnownSymbol("Silver futures", "COMEX", ("silver",)),
    "PL=F": KnownSymbol("Platinum futures", "COMEX", ("platinum",)),
    "PA=F": KnownSymbol("Palladium futures", "COMEX", ("palladium",)),
    "HG=F": KnownSymbol("Copper futures", "COMEX", ("copper",)),
    "XAU": KnownSymbol("Gold spot", "OTC", ("gold",)),
    "XAG": KnownSymbol("Silver spot", "OTC", ("silver",)),
    "XPT": KnownSymbol("Platinum spot", "OTC", ("platinum",)),
    "XPD": KnownSymbol("Palladium spot", "OTC", ("palladium",)),
    "BTC-USD": KnownSymbol("Bitcoin", "CRYPTO", ("bitcoin", "btc")),
    "ETH-USD": KnownSymbol("Ether", "CRYPTO", ("ethereum", "ether", "eth")),
    "SOL-USD": KnownSymbol("Solana", "CRYPTO", ("solana",)),
    "XRP-USD": KnownSymbol("XRP", "CRYPTO", ("xrp", "ripple")),
    "BNB-USD": KnownSymbol("BNB", "CRYPTO", ("bnb", "binance coin")),
    "DOGE-USD": KnownSymbol("Dogecoin", "CRYPTO", ("dogecoin", "doge")),
    "ADA-USD": KnownSymbol("Cardano", "CRYPTO", ("cardano",)),
    "EURUSD=X": KnownSymbol("EUR/USD", "FX", ("euro",)),
    "JPY=X": KnownSymbol("USD/JPY", "FX", ("yen",)),
    "GBPUSD=X": KnownSymbol("GBP/USD", "FX", ("sterling", "pound")),
    "CNY=X": KnownSymbol("USD/CNY", "FX", ("yuan",)),
    "KRW=X": KnownSymbol("USD/KRW", "FX", ("won",)),
    "DX-Y.NYB": KnownSymbol("DXY", "FX", ("dollar index", "dollar")),
    "^IRX": KnownSymbol("US 13-week", "CBOE", ("treasury bill",)),
    "^FVX": KnownSymbol("US 5Y", "CBOE", ("5-year",)),
    "^TNX": KnownSymbol("US 10Y", "CBOE", ("treasury yields", "10-year", "yields")),
    "^TYX": KnownSymbol("US 30Y", "CBOE", ("30-year",)),
    "CL=F": KnownSymbol("WTI crude", "CME", ("crude", "oil", "wti")),
    "BZ=F": KnownSymbol("Brent crude", "CME", ("brent",)),
    "NG=F": KnownSymbol("Natural gas", "CME", ("natural gas",)),
    "ES=F": KnownSymbol("S&P 500 futures", "CME", ()),
    "NQ=F": KnownSymbol("Nasdaq 100 futures", "CME", ()),
    "YM=F": KnownSymbol("Dow futures", "CME", ()),
    "RTY=F": KnownSymbol("Russell 2000 futures", "CME", ()),
}

DEFAULT_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "indices": {
        "Americas": ("^GSPC", "^IXIC", "^DJI", "^RUT", "^VIX"),
        "Europe": ("^FTSE", "^GDAXI", "^FCHI", "^STOXX50E"),
        "Asia-Pacific": ("^N225", "^KS11", "^HSI", "000001.SS", "^AXJO"),
    },
    "metals": {
        "Futures": ("GC=F", "SI=F", "PL=F", "PA=F", "HG=F"),
        "Spot": ("XAU", "XAG"),
    },
    "crypto": {
        "Crypto": ("BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "BNB-USD", "DOGE-USD", "ADA-USD"),
    },
    "fx": {"FX": ("EURUSD=X", "JPY=X", "GBPUSD=X", "CNY=X", "KRW=X", "DX-Y.NYB")},
    "rates": {"US yields": ("^IRX", "^FVX", "^TNX", "^TYX")},
    "energy": {"Energy": ("CL=F", "BZ=F", "NG=F")},
}

# Cash index -> the index future read while the cash market is shut ([panes.<pane>.futures]).
DEFAULT_FUTURES: dict[str, dict[str, str]] = {
    "indices": {"^GSPC": "ES=F", "^IXIC": "NQ=F", "^DJI": "YM=F", "^RUT": "RTY=F"},
}
FUTURES_GROUP = "Futures (paired)"  # hidden rows: fetched and priced, then attached to cash

DEFAULT_SOURCES: dict[str, tuple[str, ...]] = {
    "indices": ("yahoo",),
    "metals": ("yahoo", "goldapi"),
    "crypto": ("coinbase", "binance", "coingecko", "yahoo"),
    "fx": ("yahoo",),
    "rates": ("yahoo",),
    "energy": ("yahoo",),
}

OTHER_GROUP = "Other"


def default_market(symbol: str, pane: str) -> str | None:
    """The market whose hours apply to ``symbol`` when the config does not say."""
    known = KNOWN.get(symbol)
    if known is not None:
        return known.market
    if pane == "crypto":
        return "CRYPTO"
    return None
