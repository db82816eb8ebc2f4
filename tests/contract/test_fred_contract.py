"""The FRED CSV parser over real downloads (../shared/fixtures/fred): both date headers, the
three missing-value styles, and a multi-series graph download."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.helpers import shared_dir
from tui.data.macro import is_stale, max_period_age, parse_fred_csv


def fred(fragment: str) -> Path:
    (path,) = [p for p in shared_dir("fred").iterdir() if fragment in p.name]
    return path


def test_claims_with_the_new_observation_date_header() -> None:
    obs = parse_fred_csv(fred("ICSA_observation_date").read_bytes(), "ICSA")
    assert len(obs) == 3048
    assert obs[-1] == (date(2025, 5, 31), 247000.0)
    assert obs[-2] == (date(2025, 5, 24), 239000.0)
    assert all(d.weekday() == 5 for d, _ in obs[-10:])  # weeks ending Saturday
    assert max_period_age(obs).days == 13
    assert not is_stale(obs, date(2025, 6, 6))  # the Thursday after: fresh
    assert is_stale(obs, date(2025, 6, 20))  # it stopped updating: stale by its period


def test_claims_with_the_old_date_header() -> None:
    obs = parse_fred_csv(fred("ICSA_DATE").read_bytes(), "ICSA")
    assert len(obs) == 2984
    assert obs[-1] == (date(2024, 3, 9), 212000.0)


def test_job_openings_are_monthly_in_thousands() -> None:
    obs = parse_fred_csv(fred("JTSJOL_observation_date").read_bytes(), "JTSJOL")
    assert obs[-1] == (date(2025, 4, 1), 7391.0)
    assert obs[-2] == (date(2025, 3, 1), 7200.0)
    assert max_period_age(obs).days == 75


def test_dot_marks_missing_values() -> None:
    obs = parse_fred_csv(fred("SP500_DATE").read_bytes(), "SP500")
    raw_rows = fred("SP500_DATE").read_text().splitlines()[1:]
    assert len(obs) == len(raw_rows) - 93  # the 93 NYSE holidays with "."
    assert date(2011, 4, 22) not in {d for d, _ in obs}  # Good Friday
    assert obs[-1] == (date(2021, 2, 19), 3906.71)


def test_empty_cells_mark_missing_values() -> None:
    obs = parse_fred_csv(fred("DGS10").read_bytes(), "DGS10")
    assert date(2025, 2, 17) not in {d for d, _ in obs}  # Presidents' Day: an empty cell
    assert len(obs) == 419 - 17
    assert obs[-1] == (date(2026, 9, 17), 4.94)


def test_a_series_in_a_multi_column_download_and_its_ragged_end() -> None:
    obs = parse_fred_csv(fred("SP500,T10YFF").read_bytes(), "JTSJOL")
    assert obs[0][0] == date(2000, 12, 1)  # "." before the series starts
    assert obs[-1] == (date(2024, 6, 1), 8184.0)  # 2024-07 is "." at the ragged end
    averaged = parse_fred_csv(fred("SP500,T10YFF").read_bytes(), "T10YFF")
    assert averaged[-1][1] == pytest.approx(-1.0813636363636364)


def test_a_series_missing_from_the_file_is_refused() -> None:
    from tui.data.errors import ErrorKind, FetchError

    with pytest.raises(FetchError) as info:
        parse_fred_csv(fred("ICSA_observation_date").read_bytes(), "JTSJOL")
    assert info.value.kind is ErrorKind.PARSE
    assert "unknown CSV columns" in info.value.message
