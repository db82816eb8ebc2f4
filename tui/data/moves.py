"""Moves computed with polars, vectorised over every instrument in one frame.

Input: the quote chosen for each instrument (``QUOTE_SCHEMA`` plus ``pane`` and ``failing``)
and an instruments frame. Output: one row per instrument with change, change %, the day's
range, the position in it, and whether (and why) the price is stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from tui.data.instruments import Instrument
from tui.data.lazy import list_cells
from tui.data.markets import MARKETS
from tui.data.plausibility import FUTURE_TOLERANCE, Mark
from tui.data.schema import QUOTE_SCHEMA, UTC_TIME
from tui.data.sessions import SessionBook
from tui.data.sigma import SIGMA_COLUMNS
from tui.data.snapshot import PaneSnapshot, Quote, Session, StaleReason

INSTRUMENT_SCHEMA: dict[str, pl.DataType] = {
    "pane": pl.String(),
    "group": pl.String(),
    "symbol": pl.String(),
    "display_name": pl.String(),
    "market": pl.String(),
    "order": pl.Int64(),
}

SELECTED_SCHEMA: dict[str, pl.DataType] = {
    "pane": pl.String(),
    **QUOTE_SCHEMA,
    "failing": pl.Boolean(),
}


def instruments_frame(instruments: Sequence[Instrument]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "pane": [i.pane for i in instruments],
            "group": [i.group for i in instruments],
            "symbol": [i.symbol for i in instruments],
            "display_name": [i.name for i in instruments],
            "market": [i.market for i in instruments],
            "order": list(range(len(instruments))),
        },
        schema=INSTRUMENT_SCHEMA,
    )


def market_open_frame(
    markets: Iterable[str | None], now: datetime, sessions: SessionBook | None = None
) -> pl.DataFrame:
    """Open/closed and session per market code at ``now``: a handful of calls, not one per row.

    Holidays, half days and breaks come from the exchange calendars when they are cached
    (:mod:`tui.data.sessions`), else regular hours.
    """
    book = sessions or SessionBook()
    codes = sorted({m for m in markets if m and m in MARKETS})
    states = [book.state(c, now).state for c in codes]
    return pl.DataFrame(
        {
            "market": codes,
            "market_open": [s is Session.REGULAR for s in states],
            "market_session": [s.value for s in states],
        },
        schema={"market": pl.String(), "market_open": pl.Boolean(), "market_session": pl.String()},
    )


# The scalar columns of a move, in the field order of ``Quote``.
SCALARS: tuple[str, ...] = (
    "pane",
    "group",
    "symbol",
    "name",
    "source",
    "currency",
    "last",
    "prev_close",
    "change",
    "change_pct",
    "day_high",
    "day_low",
    "range_pos",
    "as_of",
    "stale_reason",
)


def compute_moves(
    selected: pl.DataFrame,
    instruments: pl.DataFrame,
    now: datetime,
    max_age: Mapping[str, float],
    default_max_age: float = 300.0,
    sessions: SessionBook | None = None,
) -> pl.DataFrame:
    """One row per instrument (in ``instruments`` order), with moves and staleness.

    An instrument with no quote keeps its row with null prices, so the screen never loses it.
    """
    ages = pl.DataFrame(
        {"source": list(max_age), "max_age": list(max_age.values())},
        schema={"source": pl.String(), "max_age": pl.Float64()},
    )
    opens = market_open_frame(instruments.get_column("market").to_list(), now, sessions)
    now_lit = pl.lit(now).cast(UTC_TIME)

    last = pl.col("last")
    prev = pl.col("prev_close")
    high = pl.max_horizontal("day_high", "last", pl.col("series").list.max())
    low = pl.min_horizontal("day_low", "last", pl.col("series").list.min())
    has_session = pl.col("session_start").is_not_null() & pl.col("session_end").is_not_null()
    in_session = (now_lit >= pl.col("session_start")) & (now_lit < pl.col("session_end"))
    # The source's own extended hours (Yahoo's pre and post periods); null when it has none.
    in_pre = ((now_lit >= pl.col("pre_start")) & (now_lit < pl.col("pre_end"))).fill_null(False)
    in_post = ((now_lit >= pl.col("post_start")) & (now_lit < pl.col("post_end"))).fill_null(False)
    # A lunch break (Tokyo, Hong Kong, Shanghai) falls inside the source's regular period.
    at_break = pl.col("market_session").fill_null("") == Session.BREAK.value
    is_open = (
        pl.when(has_session)
        .then(in_session & ~at_break)
        .otherwise(pl.col("market_open").fill_null(True))  # unknown market: assume open
    )
    age = (now_lit - pl.col("as_of")).dt.total_microseconds() / 1_000_000
    # A time ahead of the clock by more than drift explains: its age is unknown, never "0s".
    future = pl.col("as_of") > pl.lit(now + FUTURE_TOLERANCE).cast(UTC_TIME)
    marks = pl.col("marks").fill_null(pl.lit([], pl.List(pl.String())))

    frame = (
        instruments.join(selected, on=["pane", "symbol"], how="left", maintain_order="left")
        .join(opens, on="market", how="left", maintain_order="left")
        .join(ages, on="source", how="left", maintain_order="left")
        .with_columns(
            # prev_close <= 0 reaches here only for futures (tui/data/plausibility.py): measured
            # against its size, a move from -37 to +10 is +127 %, not -127 %.
            change=pl.when(prev != 0).then(last - prev),
            change_pct=pl.when(prev != 0).then((last - prev) / prev.abs() * 100.0),
            day_high=high,
            day_low=low,
            age_s=age,
            is_open=is_open,
            marks=pl.when(future)
            .then(marks.list.concat(pl.lit([Mark.FUTURE.value])))
            .otherwise(marks),
            future=future.fill_null(False),
        )
        .with_columns(
            range_pos=pl.when(pl.col("day_high") > pl.col("day_low")).then(
                (last - pl.col("day_low")) / (pl.col("day_high") - pl.col("day_low"))
            ),
            stale_reason=pl.when(last.is_null())
            .then(pl.lit(None, pl.String()))
            .when(pl.col("failing").fill_null(False))
            .then(pl.lit(StaleReason.FAILING.value))
            .when(~pl.col("is_open"))
            .then(pl.lit(StaleReason.CLOSED.value))
            .when(
                (pl.col("age_s") > pl.col("max_age").fill_null(default_max_age)) | pl.col("future")
            )
            .then(pl.lit(StaleReason.OLD.value)),
            # The source's own trading periods decide (regular, pre, post); outside them the
            # calendar says why (holiday, break, or New York's pre/post by rule), never open.
            session=pl.when(last.is_null())
            .then(pl.lit(None, pl.String()))
            .when(at_break)
            .then(pl.lit(Session.BREAK.value))
            .when(has_session & in_session)
            .then(pl.lit(Session.REGULAR.value))
            .when(in_pre)
            .then(pl.lit(Session.PRE.value))
            .when(in_post)
            .then(pl.lit(Session.POST.value))
            .when(has_session & pl.col("market_session").is_in([Session.REGULAR.value]))
            .then(pl.lit(Session.CLOSED.value))
            .otherwise(pl.col("market_session")),
            name=pl.when(
                (pl.col("display_name") == pl.col("symbol")) & pl.col("name").is_not_null()
            )
            .then(pl.col("name"))
            .otherwise(pl.col("display_name")),
        )
    )
    return frame.select(
        *SCALARS, "age_s", "series", "series_time", "decimals", "session", "market", "marks"
    )


def pane_snapshots(
    moves: pl.DataFrame, groups: Mapping[str, Sequence[str]]
) -> tuple[PaneSnapshot, ...]:
    """Freeze the moves frame into per-pane immutable snapshots.

    Scalars become Python values row by row (the only per-row step); the series stay in the
    frame and are read through lazy views, so a snapshot costs the same with 390 bars or none.
    """
    by_pane: dict[str, list[Quote]] = {pane: [] for pane in groups}
    series = list_cells(moves.get_column("series"))
    series_time = list_cells(moves.get_column("series_time"))
    reasons: dict[str | None, StaleReason | None] = {r.value: r for r in StaleReason}
    reasons[None] = None
    sessions: dict[str | None, Session | None] = {s.value: s for s in Session}
    sessions[None] = None
    # Positional construction (faster): the scalar columns are in Quote's field order.
    columns = [moves.get_column(name).to_list() for name in SCALARS]
    decimals = moves.get_column("decimals").to_list()
    session = moves.get_column("session").to_list()
    market = moves.get_column("market").to_list()
    closed = StaleReason.CLOSED.value  # an enum attribute costs ~5 µs a row; read it once
    marks = [tuple(m) if m else () for m in moves.get_column("marks").to_list()]
    # σ columns exist only when daily history was joined in (tui.data.sigma).
    extra = [
        moves.get_column(name).to_list() if name in moves.columns else [None] * moves.height
        for name in SIGMA_COLUMNS
    ]
    for i, row in enumerate(zip(*columns, *extra, strict=True)):
        (pane, group, symbol, name, source, currency, last, prev, change, pct, high, low, pos,
         as_of, reason, sigma, sigma_daily, pos_52w) = row  # fmt: skip
        closed_on = (
            _trading_day(market[i], as_of) if reason == closed and as_of is not None else None
        )
        quote = Quote(pane, group, symbol, name, source, currency, last, prev, change, pct,
                      high, low, pos, as_of, reasons[reason], series[i],
                      series_time[i], sigma, sigma_daily, pos_52w, decimals=decimals[i],
                      session=sessions[session[i]], session_date=closed_on,
                      marks=marks[i])  # fmt: skip
        if pane not in by_pane:
            by_pane[pane] = []
        by_pane[pane].append(quote)
    return tuple(
        PaneSnapshot(name=pane, groups=tuple(groups.get(pane, ())), quotes=tuple(quotes))
        for pane, quotes in by_pane.items()
    )


def _trading_day(market: str | None, when: datetime) -> date:
    """The exchange-local date of a closing price (Friday's close read on Monday morning)."""
    known = MARKETS.get(market or "")
    return when.astimezone(ZoneInfo(known.tz)).date() if known else when.date()


def select_quotes(
    candidates: pl.DataFrame, chains: pl.DataFrame, now: datetime | None = None
) -> pl.DataFrame:
    """Pick one quote per (pane, symbol) down each pane's fallback chain.

    ``candidates`` holds the last good row per (source, symbol) with a ``failing`` flag;
    ``chains`` holds (pane, symbol, source, rank). The first source in the chain that is not
    failing wins; when every source is failing, the freshest last-good value is kept. With
    ``now``, a time from the future is not believed there (it sorts as the oldest), so a
    source that dates its quotes a year ahead does not always win.
    """
    if candidates.is_empty():
        return pl.DataFrame(schema=SELECTED_SCHEMA)
    # Decide on the narrow key columns, then gather the chosen rows once: sorting and joining
    # the list columns of every candidate would copy every series several times.
    keys = candidates.select("symbol", "source", "failing", "as_of").with_row_index("row")
    joined = chains.join(keys, on=["symbol", "source"], how="inner")
    epoch = pl.col("as_of").dt.epoch("us").cast(pl.Float64)
    if now is not None:
        future = pl.col("as_of") > pl.lit(now + FUTURE_TOLERANCE).cast(UTC_TIME)
        epoch = pl.when(future).then(pl.lit(0.0)).otherwise(epoch)
    key = pl.when(pl.col("failing")).then(-epoch).otherwise(pl.col("rank").cast(pl.Float64))
    chosen = (
        joined.sort([pl.col("failing"), key])
        .unique(subset=["pane", "symbol"], keep="first", maintain_order=True)
        .select("pane", "row", "failing")
    )
    rows = candidates.select(list(QUOTE_SCHEMA))[chosen.get_column("row")]
    return rows.with_columns(
        pane=chosen.get_column("pane"), failing=chosen.get_column("failing")
    ).select(list(SELECTED_SCHEMA))
