"""The layout rule (tui/layout.py), as a pure function, at every size the issue lists."""

from __future__ import annotations

import pytest

from tui.layout import (
    CHROME_ROWS,
    COLUMNS,
    DEFAULT_BOARD,
    MIN_PANE_WIDTH,
    Layout,
    PaneSpec,
    Plan,
    choose_columns,
    name_width,
    plan_layout,
)

SIZES = [
    (200, 60), (160, 48), (159, 30), (120, 40), (100, 30), (80, 24), (80, 47), (160, 23), (60, 20)
]  # fmt: skip
BIG_BOARD = (
    PaneSpec("indices", 14),
    PaneSpec("metals", 7),
    PaneSpec("crypto", 7),
    PaneSpec("fx", 8),
    PaneSpec("rates", 6),
    PaneSpec("energy", 5),
    PaneSpec("news", 25, kind="list", grouped=False),
)


def _check_geometry(plan: Plan, width: int, height: int) -> None:
    """Panes lie inside the area, never overlap, and are wide enough to read."""
    cells: set[tuple[int, int]] = set()
    for p in plan.placements:
        assert p.x >= 0 and p.y >= 0
        assert p.x + p.width <= width, p
        assert p.y + p.height <= plan.height, p
        assert p.width >= MIN_PANE_WIDTH and p.data_rows >= 1, p
        mine = {(x, y) for x in range(p.x, p.x + p.width) for y in range(p.y, p.y + p.height)}
        assert not cells & mine, f"{p.name} overlaps"
        cells |= mine
    assert plan.height == height - CHROME_ROWS - (1 if plan.tabs else 0)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("board", [DEFAULT_BOARD, BIG_BOARD], ids=["default", "seven-panes"])
def test_every_size_lays_out_readable_panes(
    size: tuple[int, int], board: tuple[PaneSpec, ...]
) -> None:
    width, height = size
    for active in (p.name for p in board):
        plan = plan_layout(width, height, board, active)
        _check_geometry(plan, width, height)
        assert active in plan.visible  # the active pane is always on screen
        # Every pane is on exactly one page.
        assert sorted(n for page in plan.pages for n in page) == sorted(p.name for p in board)
        for p in plan.placements:
            if p.columns:
                assert {"name", "last", "pct", "age"} <= set(p.columns)


@pytest.mark.parametrize(
    ("size", "mode"),
    [
        ((200, 60), Layout.WIDE),
        ((160, 48), Layout.WIDE),
        ((159, 30), Layout.WIDE),
        ((120, 40), Layout.WIDE),
        ((100, 30), Layout.WIDE),
        ((80, 47), Layout.MEDIUM),
        ((160, 23), Layout.WIDE),
        ((80, 24), Layout.NARROW),
        ((60, 20), Layout.NARROW),
        ((40, 10), Layout.TOO_SMALL),
        ((49, 40), Layout.TOO_SMALL),
    ],
)
def test_mode_at_each_size(size: tuple[int, int], mode: Layout) -> None:
    plan = plan_layout(*size, DEFAULT_BOARD)
    assert plan.mode is mode
    if mode is Layout.TOO_SMALL:
        assert plan.placements == ()
    elif mode is not Layout.NARROW:
        assert set(plan.visible) == {p.name for p in DEFAULT_BOARD}


def test_wide_terminals_show_every_column_and_every_row() -> None:
    plan = plan_layout(200, 60, DEFAULT_BOARD)
    for name in ("indices", "metals", "crypto"):
        place = plan.placement(name)
        assert place is not None
        assert {"chg", "sigma", "spark", "range"} <= set(place.columns), name
        assert place.data_rows >= next(p.rows for p in DEFAULT_BOARD if p.name == name)
    news = plan.placement("news")
    assert news is not None and news.width == 200  # headlines across the full width


def test_wider_never_shows_fewer_columns() -> None:
    """159 -> 160 columns (and any step up in width) never drops a column or a row."""
    for height in (30, 40, 48, 60):
        previous = None
        for width in range(100, 241):
            plan = plan_layout(width, height, DEFAULT_BOARD)
            shown = (
                -sum(max(0, p.rows - pl.data_rows) for p in DEFAULT_BOARD if p.kind == "quotes"
                     for pl in plan.placements if pl.name == p.name),
                sum(len(pl.columns) for pl in plan.placements),
            )  # fmt: skip
            if previous is not None and plan.mode is not Layout.NARROW:
                assert shown[0] >= previous[0], (width, height)
            previous = shown
    assert {"chg"} <= set(plan_layout(160, 48, DEFAULT_BOARD).placement("metals").columns)  # type: ignore[union-attr]


def test_tall_narrow_split_stacks_panes_instead_of_leaving_rows_empty() -> None:
    plan = plan_layout(80, 47, DEFAULT_BOARD)
    assert len(plan.placements) == 4
    assert len({p.x for p in plan.placements}) == 1  # one column, stacked
    indices = plan.placement("indices")
    assert indices is not None and indices.data_rows >= 14


def test_short_wide_split_shows_every_pane_and_the_full_indices() -> None:
    plan = plan_layout(160, 23, DEFAULT_BOARD)
    assert set(plan.visible) == {"indices", "metals", "crypto", "news"}
    for name, rows in (("indices", 14), ("metals", 7)):
        place = plan.placement(name)
        assert place is not None and place.data_rows >= rows


def test_half_split_pages_panes_and_keeps_instruments_whole() -> None:
    plan = plan_layout(80, 24, DEFAULT_BOARD, "indices")
    assert plan.tabs and plan.visible == ("indices",)
    assert plan.placement("indices").data_rows >= 14  # type: ignore[union-attr]
    crypto_page = plan_layout(80, 24, DEFAULT_BOARD, "news")
    assert "news" in crypto_page.visible and len(crypto_page.visible) >= 2


def test_a_single_pane_gets_the_whole_area() -> None:
    """``--pane crypto``: one pane, full size."""
    plan = plan_layout(120, 40, [PaneSpec("crypto", 7)])
    (only,) = plan.placements
    assert (only.x, only.y, only.width) == (0, 0, 120)
    assert only.data_rows >= 7 and len(only.columns) == 10  # every column


def test_many_panes_are_placed_without_hiding_any_row_when_they_fit() -> None:
    plan = plan_layout(200, 60, BIG_BOARD)
    assert set(plan.visible) == {p.name for p in BIG_BOARD}
    for spec in BIG_BOARD:
        if spec.kind == "quotes":
            assert plan.placement(spec.name).data_rows >= spec.rows  # type: ignore[union-attr]


# The board as the main screen lays it out: its row counts, and the macro strip as chrome.
SCREEN_BOARD = (
    PaneSpec("indices", 14, longest_name=16),
    PaneSpec("metals", 7, longest_name=16),
    PaneSpec("crypto", 7, longest_name=16),
    PaneSpec("fx", 6, longest_name=16),
    PaneSpec("rates", 4, longest_name=16),
    PaneSpec("energy", 3, longest_name=16),
    PaneSpec("news", 25, kind="list", grouped=False),
)


def test_the_time_column_keeps_its_width_and_the_name_gives_the_cells() -> None:
    """Two panes at 100 columns (47 and 48 cells inside): name, last, change % and a Time
    column 10 wide for ``!not found``; the name gives up to 2 cells, never more."""
    age = next(c for c in COLUMNS if c.key == "age")
    assert age.width == 10
    for inner, name in ((46, 10), (47, 11), (48, 12)):
        columns = choose_columns(inner, grouped=False)
        assert [c.key for c in columns] == ["name", "last", "pct", "age"]
        assert name_width(inner, columns, 16) == name
    assert "age" not in {c.key for c in choose_columns(45, grouped=False)}
    # Never for the sparkline or the range: there the name keeps its cells.
    wide = choose_columns(86, grouped=True)  # 2 cells short of the sparkline
    assert "spark" not in {c.key for c in wide} and name_width(86, wide, 16) >= 12


@pytest.mark.parametrize("size", [(120, 40), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_seven_pane_board_shows_every_instrument_under_its_macro_strip(
    size: tuple[int, int],
) -> None:
    plan = plan_layout(*size, SCREEN_BOARD, chrome=CHROME_ROWS + 1)
    _check_geometry_with(plan, *size, chrome=CHROME_ROWS + 1)
    for spec in SCREEN_BOARD:
        place = plan.placement(spec.name)
        assert place is not None, spec.name
        if spec.kind == "quotes":
            assert place.data_rows >= spec.rows, spec.name  # crypto whole at 120x40
            assert {"name", "last", "pct", "age"} <= set(place.columns)
        else:
            assert place.data_rows >= 5  # the headlines keep a readable page
    if size == (160, 48):
        assert all("chg" in p.columns for p in plan.placements if p.columns)


def test_headlines_go_under_the_stack_with_room_rather_than_hide_an_instrument() -> None:
    plan = plan_layout(120, 40, SCREEN_BOARD, chrome=CHROME_ROWS + 1)
    news, metals = plan.placement("news"), plan.placement("metals")
    assert news is not None and metals is not None
    assert (news.x, news.y) == (metals.x, metals.y + metals.height)


def _check_geometry_with(plan: Plan, width: int, height: int, chrome: int) -> None:
    assert plan.height == height - chrome
    for p in plan.placements:
        assert p.x + p.width <= width and p.y + p.height <= plan.height, p
