"""Load benchmark: the production server under N learners running the hybrid reading loop.

    python bench/load.py [--learners 10,50,200] [--duration 30] [--login-peak 200]
                         [--db postgres://postgres@127.0.0.1:5432/wtprod_bench]
                         [--workers 5] [--worker-class sync|gthread] [--redis redis://127.0.0.1:6379/5]
                         [--url http://127.0.0.1:8400 --server-pids PID,PID]   # an existing server / HAProxy
                         [--skip-demo]   # the database already holds the demo data
    BENCH_PORTS=18200-18299 (optional): take the servers' ports from this range

What it does, in order:

1. loads the demo data into the benchmark database (``medtandem demo --no-serve``, once) and creates
   the benchmark learners, each with practice sessions over a 40-case set (``--setup`` step, run in
   a Django process of its own);
2. starts ``medtandem serve`` (gunicorn, production settings: ``MEDTANDEM_PRODUCTION=1``, DEBUG off)
   on a free loopback port, unless ``--url`` names a server already running (e.g. HAProxy in front of
   several nodes: ``bench/nodes.py``);
3. from this process (asyncio + httpx, one client per learner), logs every learner in at once (the
   log-in peak), then, for each N, drives N learners for ``--duration`` seconds through
   GET case -> POST unaided -> GET AI step -> POST aided -> GET feedback, with no think time;
4. prints committed reads/s, p50/p95/p99 latency per request kind, the server's CPU per committed
   read (user + system time of the gunicorn processes, read from /proc), errors and retries.

Bounded: every run stops after ``--duration`` seconds or ``--max-reads`` reads, whichever is first;
every request has a 30 s timeout; everything stays on loopback. A submission that gets a 5xx or a
dropped connection is retried with the same submission key (as the reading page's script does).
Acknowledged reads are written to ``--ack-log`` (JSON lines) for ``bench/faults.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PASSWORD = "bench-learner-password-2026"
N_CASES = 40
SESSIONS_PER_LEARNER = 4
CLK = os.sysconf("SC_CLK_TCK")


# --- set-up (runs in a Django process of its own) ---------------------------------------------------


def setup(n_learners: int) -> None:
    """Create learners bench-0000.. with practice sessions (idempotent); print their unfinished
    sessions and the position each is at."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtandem.web.settings")
    import django

    django.setup()
    from medtandem.apps.accounts.models import Role, User
    from medtandem.apps.accounts.services import create_person
    from medtandem.apps.cases.models import Case, CaseSet
    from medtandem.apps.cases.services import build_case_set
    from medtandem.apps.reading.models import ReadingSession
    from medtandem.apps.reading.services import current_position, start_session

    case_set = CaseSet.objects.filter(name="Bench: 40 ECG").first() or build_case_set(
        "Bench: 40 ECG",
        case_ids=list(Case.objects.order_by("external_id").values_list("pk", flat=True)[:N_CASES]),
    )
    out = {}
    for i in range(n_learners):
        username = f"bench-{i:04d}"
        user = User.objects.filter(username=username).first() or create_person(
            username, PASSWORD, [Role.LEARNER]
        )
        sessions = [
            s
            for s in ReadingSession.objects.filter(learner=user, case_set=case_set).order_by("pk")
            if current_position(s) is not None
        ]
        while len(sessions) < SESSIONS_PER_LEARNER:
            sessions.append(start_session(user, case_set, "practice", title="Bench"))
        out[username] = [[s.pk, current_position(s)] for s in sessions]
    print(json.dumps(out))


# --- the server ---------------------------------------------------------------------------------------


_GIVEN: set[int] = set()  # ports handed out by free_port (not bound yet when it is asked again)


def ensure_database(url: str) -> None:
    """Create the benchmark database on its server if it does not exist yet (a fresh machine)."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url).get("dbname")
    if not name:
        return
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
        print(f"Created the benchmark database {name}", flush=True)


def free_port() -> int:
    """A free loopback port: from ``BENCH_PORTS`` (e.g. ``18200-18299``) when set, as on a machine
    shared by several people each given a range; else any the system offers. A port is never handed
    out twice: its server may not have bound it yet when the next one is asked for."""
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    # Port 0 asks the system, which may offer a port already handed out but not bound yet: ask again.
    candidates = range(int(low), int(high) + 1) if low and high else [0] * 100
    for port in candidates:
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            given = int(s.getsockname()[1])
        if given not in _GIVEN:
            _GIVEN.add(given)
            return given
    raise RuntimeError(f"no free port (BENCH_PORTS={os.environ.get('BENCH_PORTS', 'unset')})")


def server_env(db: str, redis: str | None, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "MEDTANDEM_PRODUCTION": "1",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDTANDEM_VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "static"),
        "LOG_LEVEL": "ERROR",
        "MEDTANDEM_LOG_LEVEL": "warning",
        # Each web worker keeps its connection for the whole run (the database's CPU is read from
        # its backends: see pg_cpu_by_pid).
        "CONN_MAX_AGE": "600",
        "PYTHONPATH": str(ROOT / "src"),
    }
    if redis:
        env["REDIS_URL"] = redis
        env["CACHE_KEY_PREFIX"] = f"medtandem-bench-{os.getpid()}"
        env["MEDTANDEM_QUEUE_URL"] = ""  # the queue stays on PostgreSQL; the cache uses Redis
    return env


def start_server(
    env: dict[str, str], port: int, workers: int, worker_class: str
) -> subprocess.Popen[bytes]:
    cmd = [
        PY,
        "-m",
        "medtandem.cli",
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
    ]
    if worker_class == "gthread":
        cmd += ["--threads", "4"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    wait_healthy(f"http://127.0.0.1:{port}")
    return proc


def wait_healthy(url: str, timeout_s: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if (
                httpx.get(
                    url + "/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=2
                ).status_code
                == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy in {timeout_s} s")


def tree_cpu_s(root_pids: list[int]) -> float:
    """User + system CPU seconds of these processes, their live descendants and reaped children."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError):
                continue
    todo, seen = list(root_pids), set()
    total = 0.0
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime stime cutime cstime: fields 14-17 of stat (here 11-14 after pid and comm).
        total += sum(int(x) for x in fields[11:15]) / CLK
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


# --- the load ---------------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_KEY = re.compile(r'name="submission_key" value="([^"]+)"')
_COND = re.compile(r'name="condition" value="([^"]+)"')


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    reads: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    acked: list[dict[str, object]] = field(default_factory=list)

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def _status(kind: str, response: Response) -> str:
    ctype = response.headers.get("content-type", "").split(";")[0]
    return f"{kind}: HTTP {response.status_code} {ctype}"


#: Where each session is, kept across load levels (a learner resumes where it stopped).
POSITIONS: dict[int, int] = {}
FINISHED: set[int] = set()


class Response:
    """What the benchmark reads of an HTTP answer (the body decompressed, as a browser would)."""

    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers: dict[str, list[str]], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, _Headers(headers), content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class _Headers(dict):  # type: ignore[type-arg]
    def get(self, name: str, default: str = "") -> str:  # type: ignore[override]
        values = super().get(name.lower())
        return values[-1] if values else default

    def get_list(self, name: str) -> list[str]:
        return list(super().get(name.lower(), []))


class LeanClient:
    """A small HTTP/1.1 client on asyncio streams: one connection per learner, kept alive when the
    server allows it (gthread), reopened when it closes it (sync workers answer ``Connection:
    close``). It replaces httpx because the load process shares the two cores with the server:
    httpx cost about 2 ms of CPU per request, this a fraction of that (``bench/load.py`` prints
    the load client's CPU per committed read). It asks for gzip, as a browser does, and
    decompresses what it gets."""

    def __init__(self, base: str, timeout: float = 30.0) -> None:
        host, _, port = base.split("://", 1)[1].rstrip("/").partition(":")
        self.host, self.port, self.timeout = host, int(port or 80), timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        return await asyncio.wait_for(self._request(method, path, headers, body), self.timeout)

    async def _request(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Response:
        reused = self.writer is not None
        try:
            return await self._exchange(method, path, headers, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            await self.aclose()
            if not reused:
                raise
            # A kept-alive connection the server had closed: one new connection, the request
            # sent again (nothing of it was processed: the server closes only between requests).
            return await self._exchange(method, path, headers, body)

    async def _exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines += ["Accept-Encoding: gzip", f"Content-Length: {len(body)}", "", ""]
        self.writer.write("\r\n".join(lines).encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        got: dict[str, list[str]] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            got.setdefault(name.strip().lower(), []).append(value.strip())
        if "chunked" in got.get("transfer-encoding", [""])[-1]:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            content = b"".join(p[:-2] for p in parts)
        else:
            content = await self.reader.readexactly(int(got.get("content-length", ["0"])[-1]))
        if got.get("connection", [""])[-1].lower() == "close":
            await self.aclose()
        if got.get("content-encoding", [""])[-1] == "gzip":
            content = zlib.decompress(content, 16 + zlib.MAX_WBITS)
        return Response(int(status_line.split(" ", 2)[1]), got, content)


class Learner:
    def __init__(self, base: str, username: str, sessions: list[list[int]], stats: Stats) -> None:
        self.base, self.username, self.stats = base, username, stats
        for pk, position in sessions:
            POSITIONS.setdefault(pk, position)
        self.sessions = [pk for pk, _ in sessions if pk not in FINISHED]
        self.cookies: dict[str, str] = {}
        host = base.split("://", 1)[1]
        self.headers = {
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{host}",
            "Referer": f"https://{host}/",
        }
        self.client = LeanClient(base, timeout=30)
        self.position = POSITIONS

    def _cookie_header(self) -> dict[str, str]:
        return {**self.headers, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _keep(self, response: Response) -> None:
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def request(
        self,
        method: str,
        url: str,
        kind: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = {**self._cookie_header(), **(headers or {})}
        body = b""
        if data is not None:
            body = urlencode(data).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        response = await self.client.request(method, url, all_headers, body)
        self.stats.add(kind, time.perf_counter() - start)
        self._keep(response)
        return response

    async def login(self) -> float:
        start = time.perf_counter()
        page = await self.request("GET", "/accounts/login/", "login page")
        token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        r = await self.request(
            "POST",
            "/accounts/login/",
            "login POST",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        if r.status_code != 302:
            raise RuntimeError(f"{self.username}: log-in answered {r.status_code}")
        return time.perf_counter() - start

    async def _get_step(self, session: int, position: int, kind: str):  # type: ignore[no-untyped-def]
        for attempt in range(20):
            try:
                r = await self.request("GET", f"/reading/session/{session}/case/{position}/", kind)
            except Exception as exc:  # noqa: BLE001 - a dropped connection: retry
                self.stats.error(f"{kind}: {type(exc).__name__}")
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
                continue
            if r.status_code == 200:
                return r
            self.stats.error(_status(kind, r))
            if r.status_code not in (502, 503, 504):
                raise RuntimeError(f"{kind}: HTTP {r.status_code}")
            await asyncio.sleep(
                float(r.headers.get("Retry-After", "0") or 0) or min(2.0, 0.1 * 2**attempt)
            )
        raise RuntimeError(f"{kind}: gave up")

    async def _post(self, session: int, position: int, page: str, kind: str) -> None:
        condition = _COND.search(page).group(1)  # type: ignore[union-attr]
        data = {
            "condition": condition,
            "submission_key": _KEY.search(page).group(1),  # type: ignore[union-attr]
            "csrfmiddlewaretoken": _CSRF.search(page).group(1),
            "rhythm": "sinus",  # type: ignore[union-attr]
            "client_time_ms": "9000",
        }
        for name in ("norm", "mi", "sttc", "cd", "hyp"):
            data[f"rating_{name}"] = "75" if name == "norm" else "25"
        for attempt in range(30):
            try:
                r = await self.request(
                    "POST",
                    f"/reading/session/{session}/case/{position}/read/",
                    kind,
                    data=data,
                    headers={"Accept": "application/json"},
                )
            except Exception as exc:  # noqa: BLE001 - no answer: the read may or may not be stored; retry
                self.stats.error(f"{kind}: {type(exc).__name__}")
                self.stats.retries += 1
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
                continue
            if r.status_code in (200, 201):
                self.stats.reads += 1
                self.stats.acked.append(
                    {
                        "session": session,
                        "position": position,
                        "condition": condition,
                        "key": data["submission_key"],
                        "created": r.status_code == 201,
                    }
                )
                return
            self.stats.error(_status(kind, r))
            if r.status_code not in (502, 503, 504):
                raise RuntimeError(f"{kind}: HTTP {r.status_code} {r.text[:200]}")
            self.stats.retries += 1
            await asyncio.sleep(
                float(r.headers.get("Retry-After", "0") or 0) or min(2.0, 0.1 * 2**attempt)
            )
        raise RuntimeError(f"{kind}: gave up")

    async def run(self, stop_at: float, max_reads: int) -> None:
        while time.monotonic() < stop_at and self.stats.reads < max_reads and self.sessions:
            session = self.sessions[0]
            position = self.position.get(session, 0)
            try:
                page = (await self._get_step(session, position, "GET case")).text
                if 'name="condition" value="unaided"' not in page:
                    # Resume: this case is past its unaided read (an earlier run); move on.
                    if 'name="condition" value="aided"' not in page:
                        self._advance(session, position)
                        continue
                else:
                    await self._post(session, position, page, "POST unaided")
                    page = (await self._get_step(session, position, "GET AI step")).text
                await self._post(session, position, page, "POST aided")
                await self._get_step(session, position, "GET feedback")
            except RuntimeError as exc:
                self.stats.error(str(exc)[:80])
                await asyncio.sleep(0.5)
                if "HTTP 404" in str(exc):
                    self._advance(session, position)
                continue
            self._advance(session, position)

    def _advance(self, session: int, position: int) -> None:
        if position + 1 >= N_CASES:
            self.sessions.pop(0)
            FINISHED.add(session)
        else:
            self.position[session] = position + 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def pg_cpu_by_pid(db: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL server process connected to the benchmark database: the
    database's share of a read (a backend that appears during a level counts from its start; the
    server runs with ``CONN_MAX_AGE`` = 600 s, so none closes during a level)."""
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return {int(r[0]): tree_cpu_s([int(r[0])]) for r in rows}


def report(
    title: str,
    stats: Stats,
    wall: float,
    cpu: float | None,
    load: str,
    client_cpu: float | None = None,
    db_cpu: float | None = None,
) -> dict[str, object]:
    print(
        f"\n== {title}: {stats.reads} committed reads in {wall:.1f} s = {stats.reads / wall:.1f} reads/s"
        f"  (load: {load})"
    )
    per_read = 1000 / stats.reads if stats.reads else float("nan")
    if cpu is not None and stats.reads:
        print(f"   server CPU: {cpu:.1f} s = {cpu * per_read:.1f} ms per committed read")
    if db_cpu is not None:
        print(
            f"   PostgreSQL CPU (its backends): {db_cpu:.1f} s = {db_cpu * per_read:.1f} ms per read"
        )
    if client_cpu is not None:
        print(
            f"   load client CPU: {client_cpu:.1f} s = {client_cpu * per_read:.1f} ms per read"
            " (same machine)"
        )
    print(f"   {'request':16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    rows = {}
    for kind, values in sorted(stats.latencies.items()):
        row = {
            "n": len(values),
            "p50": 1000 * pct(values, 50),
            "p95": 1000 * pct(values, 95),
            "p99": 1000 * pct(values, 99),
        }
        rows[kind] = row
        print(
            f"   {kind:16} {row['n']:>6} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f}"
        )
    if stats.errors or stats.retries:
        print(f"   errors: {stats.errors}; retried submissions: {stats.retries}")
    return {
        "title": title,
        "reads": stats.reads,
        "wall_s": wall,
        "reads_per_s": stats.reads / wall,
        "server_cpu_ms_per_read": (1000 * cpu / stats.reads)
        if cpu is not None and stats.reads
        else None,
        "db_cpu_ms_per_read": (1000 * db_cpu / stats.reads)
        if db_cpu is not None and stats.reads
        else None,
        "client_cpu_ms_per_read": (1000 * client_cpu / stats.reads)
        if client_cpu is not None and stats.reads
        else None,
        "latency_ms": rows,
        "errors": stats.errors,
        "retries": stats.retries,
        "load": load,
    }


def uptime_load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


async def login_all(
    base: str, sessions: dict[str, list[list[int]]], names: list[str], stats: Stats
) -> list[Learner]:
    learners = [Learner(base, name, sessions[name], stats) for name in names]
    await asyncio.gather(*(learner.login() for learner in learners))
    return learners


async def drive(learners: list[Learner], duration: float, max_reads: int) -> float:
    stop_at = time.monotonic() + duration
    start = time.perf_counter()
    await asyncio.gather(*(learner.run(stop_at, max_reads) for learner in learners))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--setup", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--learners", default="10,50,200")
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds per load level (default 30)"
    )
    parser.add_argument(
        "--max-reads", type=int, default=20000, help="stop a level after this many reads"
    )
    parser.add_argument(
        "--login-peak", type=int, default=200, help="learners logging in at once (0: skip)"
    )
    parser.add_argument(
        "--db",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wtprod_bench"
        ),
    )
    parser.add_argument("--redis", default=None, help="a Redis URL for the shared cache (optional)")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--url", default=None, help="drive this server instead of starting one")
    parser.add_argument(
        "--nodes",
        type=int,
        default=0,
        help="start N web nodes and 2 task workers behind HAProxy (bench/nodes.py); needs --redis",
    )
    parser.add_argument(
        "--kill-node-at",
        type=float,
        default=None,
        help="with --nodes: SIGKILL node 0 this many seconds into each level",
    )
    parser.add_argument(
        "--jobs", type=int, default=0, help="enqueue this many probe jobs at the start (--nodes)"
    )
    parser.add_argument("--server-pids", default="", help="with --url: pids whose CPU to count")
    parser.add_argument(
        "--ack-log", default=None, help="write acknowledged reads here (JSON lines)"
    )
    parser.add_argument("--json", default=None, help="write the figures here")
    parser.add_argument(
        "--skip-demo",
        action="store_true",
        help="the benchmark database already holds the demo data (skip `medtandem demo --no-serve`)",
    )
    args = parser.parse_args()
    if args.setup is not None:
        setup(args.setup)
        return 0

    levels = [int(x) for x in args.learners.split(",") if x]
    n_accounts = max([*levels, args.login_peak])
    var_dir = Path(os.environ.get("BENCH_VAR_DIR", "/tmp/medtandem-bench-var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(args.db, args.redis, var_dir)
    import calibrate

    print(calibrate.line(), flush=True)
    print(f"Setting up {n_accounts} learners on {args.db} ...", flush=True)
    ensure_database(args.db)
    demo = subprocess.run(
        [PY, "-m", "medtandem.cli", "demo", "--no-serve"] if not args.skip_demo else ["true"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if demo.returncode != 0:
        print(demo.stdout[-2000:], demo.stderr[-2000:], file=sys.stderr)
        return 1
    out = subprocess.run(
        [PY, __file__, "--setup", str(n_accounts)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    sessions: dict[str, list[list[int]]] = json.loads(out.stdout.strip().splitlines()[-1])

    server = None
    layout = None
    job_prefix = f"load-{int(time.time())}-"
    if args.nodes:
        import nodes

        if not args.redis:
            parser.error("--nodes needs --redis (the nodes share its cache and queue)")
        env["MEDTANDEM_QUEUE_URL"] = args.redis
        env["MEDTANDEM_QUEUE_NAME"] = f"medtandem-bench-{os.getpid()}"
        layout = nodes.start_layout(env, args.nodes, max(1, args.workers // args.nodes))
        base, pids = layout.url, layout.node_pids
        if args.jobs:
            import faults

            faults.django_eval(
                {**env, "JOB_PREFIX": job_prefix},
                "from medtandem.apps.jobs import enqueue\n"
                f"[enqueue('jobs.probe', key=os.environ['JOB_PREFIX'] + str(i), seconds=0.5, tag=str(i)) "
                f"for i in range({args.jobs})]\nprint('ok')",
            )
    elif args.url:
        base = args.url.rstrip("/")
        pids = [int(p) for p in args.server_pids.split(",") if p]
    else:
        port = free_port()
        server = start_server(env, port, args.workers, args.worker_class)
        base, pids = f"http://127.0.0.1:{port}", [server.pid]
    print(
        f"Server: {base} ({args.workers} {args.worker_class} workers)"
        if server
        else f"Server: {base} ({args.nodes} nodes behind HAProxy)"
        if layout
        else f"Server: {base}",
        flush=True,
    )
    results = []
    ack = open(args.ack_log, "w") if args.ack_log else None  # noqa: SIM115
    try:
        names = sorted(sessions)
        all_stats: list[Stats] = []
        if args.login_peak:
            stats = Stats()
            cpu0, t0 = tree_cpu_s(pids), time.perf_counter()
            asyncio.run(login_all(base, sessions, names[: args.login_peak], stats))
            wall, cpu = time.perf_counter() - t0, tree_cpu_s(pids) - cpu0
            print(
                f"\n== {args.login_peak} learners logging in at once: all in after {wall:.1f} s; server CPU "
                f"{1000 * cpu / args.login_peak:.0f} ms per log-in (page + POST); "
                f"log-in POST p50/p99 {1000 * pct(stats.latencies['login POST'], 50):.0f}/"
                f"{1000 * pct(stats.latencies['login POST'], 99):.0f} ms (load: {uptime_load()})"
            )
            results.append(
                {
                    "title": f"login peak {args.login_peak}",
                    "wall_s": wall,
                    "server_cpu_ms_per_login": 1000 * cpu / args.login_peak,
                    "login_post_p50_ms": 1000 * pct(stats.latencies["login POST"], 50),
                    "login_post_p99_ms": 1000 * pct(stats.latencies["login POST"], 99),
                }
            )
        for n in levels:
            stats = Stats()

            async def level(n: int = n, stats: Stats = stats) -> float:
                learners = await login_all(base, sessions, names[:n], Stats())
                for learner in learners:
                    learner.stats = stats
                cpu_start = tree_cpu_s(pids)
                db_start = {} if args.url or layout else pg_cpu_by_pid(args.db)
                level.client0 = time.process_time()  # type: ignore[attr-defined]
                chaos = []
                if (
                    layout is not None
                    and args.kill_node_at is not None
                    and layout.nodes[0].poll() is None
                ):

                    async def kill_later() -> None:
                        await asyncio.sleep(args.kill_node_at)
                        layout.kill_node(0)
                        print(f"   {args.kill_node_at:.0f} s: node 0 killed (SIGKILL)", flush=True)

                    chaos.append(asyncio.create_task(kill_later()))
                wall = await drive(learners, args.duration, args.max_reads)
                for task in chaos:
                    await task
                # A killed node takes its CPU time with it: no per-read figure then.
                level.cpu = None if chaos else tree_cpu_s(pids) - cpu_start  # type: ignore[attr-defined]
                level.client = time.process_time() - level.client0  # type: ignore[attr-defined]
                level.db = (  # type: ignore[attr-defined]
                    None
                    if args.url or layout
                    else sum(
                        cpu - db_start.get(pid, 0.0) for pid, cpu in pg_cpu_by_pid(args.db).items()
                    )
                )
                for learner in learners:
                    await learner.client.aclose()
                return wall

            wall = asyncio.run(level())
            all_stats.append(stats)
            results.append(
                report(
                    f"{n} learners",
                    stats,
                    wall,
                    level.cpu,
                    uptime_load(),  # type: ignore[attr-defined]
                    level.client,  # type: ignore[attr-defined]
                    level.db,  # type: ignore[attr-defined]
                )
            )  # type: ignore[attr-defined]
            if ack:
                for row in stats.acked:
                    ack.write(json.dumps(row) + "\n")
        if layout is not None:
            import faults

            acks = var_dir / f"acks-{os.getpid()}.jsonl"
            acks.write_text("".join(json.dumps(a) + "\n" for st in all_stats for a in st.acked))
            outcome = faults.check_acks(env, acks)
            print(f"\nThrough HAProxy: {json.dumps(outcome)}; events: {layout.events}")
            results.append({"title": "nodes check", **outcome})
            if args.jobs:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    jobs = json.loads(
                        faults.django_eval({**env, "JOB_PREFIX": job_prefix}, faults.JOBS)
                    )
                    if jobs["done"] == args.jobs:
                        break
                    time.sleep(3)
                print(f"Jobs on the two workers (Redis queue): {json.dumps(jobs)}")
                results.append({"title": "nodes jobs", **jobs})
    finally:
        if layout is not None:
            layout.stop()
        if ack:
            ack.close()
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
