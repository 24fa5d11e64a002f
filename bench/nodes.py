"""Several nodes on one machine: web nodes and task workers behind HAProxy, sharing PostgreSQL and Redis.

Used by ``bench/load.py --nodes 2 [--kill-node-at 15]``. The layout it starts (all on loopback):

    HAProxy :PH  --roundrobin, /healthz checks every second-->  node A  medtandem serve :PA (gunicorn)
                                                               node B  medtandem serve :PB (gunicorn)
    task worker 1 (medtandem worker), task worker 2 (medtandem worker --no-periodic)
    shared: PostgreSQL (the benchmark database), Redis (cache: sessions, case lists, suggestions,
            tracings; and the task queue)

HAProxy sends each node at most as many requests as it has sync workers and queues the rest (so
health checks are answered at once), takes a node out after two failed checks (2 s) and retries a request whose connection
failed on the other node (``retry-on conn-failure``: a request that never reached a node). A request
in flight on a node that dies is answered 502/503 or dropped; the client retries it with the same
submission key (as the reading page's script does), so nothing is stored twice.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402

HAPROXY_CFG = """
global
    maxconn 4096
    log stdout format raw local0 info
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout queue 30s
    timeout check 5s
    option redispatch 1
    retries 3
    retry-on conn-failure
frontend medtandem
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1 hdr X-Forwarded-Proto https
    http-check expect status 200
{servers}
"""


@dataclass
class Layout:
    url: str
    nodes: list[subprocess.Popen[bytes]]
    workers: list[subprocess.Popen[bytes]]
    haproxy: subprocess.Popen[bytes]
    events: list[str] = field(default_factory=list)

    @property
    def node_pids(self) -> list[int]:
        return [n.pid for n in self.nodes]

    def kill_node(self, index: int) -> None:
        node = self.nodes[index]
        os.killpg(node.pid, signal.SIGKILL)
        node.wait()
        self.events.append(
            f"SIGKILL node {index} (gunicorn master and workers, pid group {node.pid})"
        )

    def stop(self) -> None:
        for proc in [*self.nodes, *self.workers, self.haproxy]:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass


def start_layout(
    env: dict[str, str], n_nodes: int = 2, web_workers: int = 2, task_workers: int = 2
) -> Layout:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        raise SystemExit("HAProxy is not installed (apt-get install -y haproxy)")
    ports = [load.free_port() for _ in range(n_nodes)]
    nodes = [load.start_server(env, port, web_workers, "sync") for port in ports]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "medtandem.cli",
                "worker",
                "--workers",
                "2",
                *([] if i == 0 else ["--no-periodic"]),
            ],
            env=env,
            cwd=load.ROOT,
            start_new_session=True,
        )
        for i in range(task_workers)
    ]
    front = load.free_port()
    # maxconn = the node's sync workers: HAProxy queues the rest, so a node's backlog stays short and
    # its health checks are answered at once even under load.
    servers = "\n".join(
        f"    server node{i} 127.0.0.1:{p} check inter 1s fall 2 rise 2 maxconn {web_workers} "
        "observe layer4 error-limit 1 on-error mark-down"
        for i, p in enumerate(ports)
    )
    cfg = Path(f"/tmp/medtandem-haproxy-{os.getpid()}.cfg")
    cfg.write_text(HAPROXY_CFG.format(port=front, servers=servers))
    log = open(f"/tmp/medtandem-haproxy-{os.getpid()}.log", "wb")  # noqa: SIM115 - kept open by the child
    proxy = subprocess.Popen(
        [haproxy, "-f", str(cfg), "-db"], start_new_session=True, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{front}"
    load.wait_healthy(url)
    time.sleep(2.5)  # both nodes marked up by the checks
    return Layout(url, nodes, workers, proxy)
