"""A short soak (1,500 cycles) of the real engine against the fault server.

Marked ``soak`` so the default run can leave it out (``-m "not soak"``); the full soak is
``python -m tests.soak``. The default run keeps a quick leak check of its own:
``tests/test_faults.py::test_thousands_of_faulted_requests_leak_no_tasks_or_fds``.
"""

from __future__ import annotations

import pytest

from tests.soak import soak, table


@pytest.mark.soak
async def test_short_soak_leaks_nothing() -> None:
    seed = 3
    result = await soak(1_500, 90.0, seed=seed, warmup=200)
    report = table(result, seed)
    print(report)
    assert result.cycles == 1_500, report
    assert result.faults_injected >= 100 and result.faulted_responses > 0, report
    assert result.ok, report
