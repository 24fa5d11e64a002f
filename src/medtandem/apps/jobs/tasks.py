"""The jobs app's own job: a probe for benchmarks and checks (``bench/faults.py``, the tests)."""

from __future__ import annotations

import time

from medtandem.apps.jobs.registry import job


@job("jobs.probe", max_attempts=3, backoff_s=0.2, lease_s=5.0)
def probe(seconds: float = 0.0, fail: bool = False, tag: str = "") -> dict[str, object]:
    """Sleep ``seconds``, then succeed (returning ``tag``) or, with ``fail``, raise."""
    time.sleep(min(float(seconds), 60.0))
    if fail:
        raise RuntimeError(f"probe {tag!r} asked to fail")
    return {"tag": tag}
