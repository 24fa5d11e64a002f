"""How fast this machine runs plain Python today, printed beside every throughput figure.

The 2-core machines these benchmarks run on are virtual and their speed varies: in one session on
7 December 2026 the same loop took 265-730 ms within two hours (slowest while other processes
shared the cores). The workload is fixed and interpreter-bound (no I/O, no allocation beyond small
ints), so it shows a busy or throttled CPU; it does not show a machine that is slow on
memory-heavy work. In that session request handling was 1.5-2 times as slow as in the session
before it on another machine instance (commit 8b10636: 12.7-16.4 ms of CPU per committed read
in-process over four runs, against 8.0 ms measured there for the code just before ddd1f16) while
this loop read 265-280 ms. So compare throughput figures only between runs of the same session, code against code
(bench/request_cost.py on two checkouts), not across sessions.
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
