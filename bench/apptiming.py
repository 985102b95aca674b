"""Timing a page's script runs through Streamlit's AppTest (shared by the page benchmarks)."""

from __future__ import annotations

import time


def time_runs(at, runs: int) -> tuple[float, list[float]]:
    """(the first run's seconds, each of `runs` further runs' seconds) of an AppTest."""
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    return cold, warm
