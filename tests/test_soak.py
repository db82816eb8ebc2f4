"""A short soak (1,500 cycles) of the real engine against the fault server.

Marked ``soak`` so the default run can leave it out (``-m "not soak"``); the full soak is
``python -m tests.soak``. The default run keeps a quick leak check of its own:
``tests/test_faults.py::test_thousands_of_faulted_requests_leak_no_tasks_or_fds``.
"""

from __future__ import annotations

import pytest

from tests.soak import soak, table
from tests.soak_app import soak_app
from tests.soak_app import table as app_table


@pytest.mark.soak
async def test_short_soak_leaks_nothing() -> None:
    seed = 3
    result = await soak(1_500, 90.0, seed=seed, warmup=200)
    report = table(result, seed)
    print(report)
    assert result.cycles == 1_500, report
    assert result.faults_injected >= 100 and result.faulted_responses > 0, report
    assert result.ok, report


@pytest.mark.soak
async def test_short_app_soak_leaks_nothing() -> None:
    """The app with its screens: 5 virtual minutes of faults and screen opens."""
    result = await soak_app(minutes=5.0, seed=3, warmup_minutes=1.0)
    report = app_table(result)
    print(report)
    assert result.screens_opened >= 4 and result.faulted > 0, report
    assert not result.failures, report
