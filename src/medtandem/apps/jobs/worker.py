"""The worker process: ``medtandem worker`` runs huey's consumer over our queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping


def run_consumer(*, workers: int = 2, worker_type: str = "thread", periodic: bool = True) -> None:
    """Run the consumer in this process until SIGINT (graceful) or SIGTERM (immediate)."""
    from medtandem.apps.jobs.queue import get_huey

    consumer = get_huey().create_consumer(
        workers=workers,
        worker_type=worker_type,
        periodic=periodic,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=1.0,
        check_worker_health=True,
    )
    consumer.run()


def spawn_worker(
    *, workers: int = 1, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``medtandem worker`` as a child process (the demo runs one beside its server)."""
    return subprocess.Popen(
        [sys.executable, "-m", "medtandem.cli", "worker", "--workers", str(workers)],
        env={**os.environ, **(env or {})},
    )


def stop_worker(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Ask the worker to finish its current tasks (SIGINT), then stop it."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
