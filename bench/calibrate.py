"""How fast this machine runs plain Python today, printed beside every throughput figure.

The 2-core machines these benchmarks run on are virtual and their speed varies from day to day (the
same code measured 6.5 ms of CPU per committed read in-process on one day and 11-13 ms on another):
a figure means little without the speed it was measured at. The workload is fixed and
interpreter-bound (no I/O, no allocation beyond small ints), so its CPU time tracks the speed of
request handling closely enough to say "this run was on a slow day".
"""

from __future__ import annotations

import time


def python_loop_ms(repeats: int = 3) -> float:
    """Best-of-``repeats`` CPU milliseconds for ten million integer additions in a Python loop."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.process_time() - start)
    return 1000 * best


def line() -> str:
    return f"machine speed: 10^7 Python additions in {python_loop_ms():.0f} ms of CPU (best of 3)"
