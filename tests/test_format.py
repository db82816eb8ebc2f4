"""Numbers as a trader reads them: the change takes the instrument's decimals, not its own size."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tui import format as fmt


@pytest.mark.parametrize(
    ("last", "change", "shown"),
    [
        (17.56, 0.0374, "+0.04"),  # VIX, not +0.037400
        (4.8782, -0.1095, "-0.1095"),  # copper, not -0.10950
        (2.0243, -0.2046, "-0.2046"),  # XRP, not -0.20460
        (0.14048, -0.021271, "-0.02127"),  # Dogecoin, not -0.021271
        (3043.97, -3.62, "-3.62"),  # Ether, not -3.6200
        (66923.2, 1234.5, "+1,234.50"),
        (17.56, -0.001, "0.00"),  # rounds to nothing: no sign
    ],
)
def test_change_uses_the_price_decimals(last: float, change: float, shown: str) -> None:
    assert fmt.change(change, fmt.size_decimals(last)) == shown


@dataclass
class _Quote:
    last: float | None
    decimals: int | None = None


def test_explicit_decimals_override_the_size_default() -> None:
    assert fmt.quote_decimals(_Quote(1.08345)) == 4
    assert fmt.quote_decimals(_Quote(1.08345, decimals=5)) == 5  # FX: Yahoo's priceHint
    assert fmt.price(1.08345, 5) == "1.08345"
    assert fmt.price(4.123, fmt.quote_decimals(_Quote(4.123, decimals=3))) == "4.123"
    assert fmt.change(-0.0012, 5) == "-0.00120"


def test_price_without_decimals_keeps_the_size_default() -> None:
    assert fmt.price(3043.97) == "3,043.97"
    assert fmt.price(4.8782) == "4.8782"
    assert fmt.price(0.14048) == "0.14048"
    assert fmt.price(None) == "—"
    assert fmt.change(None, 2) == "—"


@pytest.mark.parametrize(
    ("name", "width", "shown"),
    [
        ("Silver futures", 13, "Silver fut"),
        ("Palladium futures", 13, "Palladium fut"),
        ("Nasdaq Composite", 13, "Nasdaq Comp"),
        ("Shanghai Composite", 14, "Shanghai Comp"),
        ("S&P 500", 12, "S&P 500"),
        ("Euro Stoxx 50 Extended", 12, "Euro Stoxx …"),
    ],
)
def test_names_keep_the_word_that_tells_them_apart(name: str, width: int, shown: str) -> None:
    assert fmt.fit_name(name, width) == shown
    assert len(fmt.fit_name(name, width)) <= width
