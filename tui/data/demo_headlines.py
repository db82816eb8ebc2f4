"""The demo's headlines: the scenario's story, one new headline every few minutes.

Sources say "Demo" and URLs are empty: nothing here may pass for real news.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from tui.data.clock import Clock
from tui.data.demo_profiles import at_epoch, check_scenario, seeded_rng, target_change_pct
from tui.data.snapshot import Headline, HeadlineResult

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
        self.scenario = check_scenario(scenario)
        pool_of = _selloff_pool if scenario == "selloff" else _calm_pool
        self._pool = pool_of(lambda s: target_change_pct(s, seed, scenario))
        self._order = list(range(len(self._pool)))
        seeded_rng(seed, scenario, "headline-order").shuffle(self._order)

    async def fetch(self) -> HeadlineResult:
        return HeadlineResult(self.headlinesat_epoch(self.clock.now()))

    def headlinesat_epoch(self, now: datetime) -> tuple[Headline, ...]:
        """The latest ``len(pool)`` headlines published by ``now``, newest first."""
        size = len(self._pool)
        current = int(now.timestamp()) // HEADLINE_SPACING
        out: list[Headline] = []
        for slot in range(current, current - size - 1, -1):
            jitter = seeded_rng(self.seed, self.scenario, "published", slot).randrange(
                HEADLINE_SPACING - 60
            )
            published = at_epoch(slot * HEADLINE_SPACING + jitter)
            if published > now:
                continue
            title, source = self._pool[self._order[slot % size]]
            out.append(Headline(title=title, source=source, published=published, url=""))
            if len(out) == size:
                break
        return tuple(out)
