"""gunicorn settings for ``medtandem serve`` (each may be overridden on its command line).

Why these values: docs/operations.md ("Serving"). In short: sync workers, 2 x cores + 1, because a
reading request is short and CPU-bound (templates, the ORM) and a load balancer or TLS proxy in front
buffers slow clients; gthread (``--worker-class gthread --threads 4``) is the choice without such a
proxy, as it keeps connections alive. ``max_requests`` recycles a worker now and then (bounded memory).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

_cores = multiprocessing.cpu_count()
bind = os.environ.get("MEDTANDEM_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("MEDTANDEM_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * _cores + 1)))
threads = int(os.environ.get("MEDTANDEM_THREADS", "1" if worker_class == "sync" else "4"))
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
backlog = 2048
# No preload: a HUP (graceful reload) then starts workers on the new code.
preload_app = False
accesslog = os.environ.get("MEDTANDEM_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("MEDTANDEM_LOG_LEVEL", "info")
proc_name = "medtandem"


def post_fork(server: Any, worker: Any) -> None:  # gunicorn passes its Arbiter and Worker
    # Each worker opens its own database connections (none is inherited from the master).
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
