"""Faults under load: what the learners were told is stored must be stored, once, in order.

    python bench/faults.py [--learners 20] [--duration 60] [--jobs 30]

It starts a PostgreSQL cluster of its own (Debian's ``initdb``/``pg_ctl``, port 55432, under
/tmp; the machine's shared PostgreSQL is only read, to copy the benchmark database into it), then
``medtandem serve`` (3 sync workers) and one ``medtandem worker`` on it, and drives ``--learners``
learners through the hybrid loop (the client of ``bench/load.py``: a failed submission is retried
with the same key). Meanwhile it:

* kills a web worker with SIGKILL every 4 s for the first 16 s (reads in flight);
* restarts PostgreSQL (``pg_ctl restart -m fast``) at 20 s;
* enqueues ``--jobs`` probe jobs (1 s each) at the start, kills the task worker with SIGKILL at
  8 s (mid-task) and starts a new one at 10 s; the reaper (each minute) brings a lost running job
  back once its lease (5 s) runs out, and a queued job whose message the killed worker had taken
  (but not claimed) once its queued grace runs out: 20 s here (``MEDTANDEM_JOB_QUEUED_GRACE_S``;
  300 s by default), so that it comes back within the bound below.

Then it compares what the clients saw acknowledged with what is stored, and prints:
acknowledged-but-lost, duplicates, aided-without-unaided, HTML 500s seen (must be 0: a database
outage answers a JSON 503 with Retry-After), JSON 503s seen, and the jobs done (each exactly once).
Bounded: ``--duration`` seconds of load, 180 s more at most for the jobs, 30 s timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (bench/load.py: the client, the server start-up, the CPU meter)

PORT = int(os.environ.get("FAULTS_PG_PORT", "55432"))
DATA = Path(os.environ.get("FAULTS_PG_DIR", "/tmp/medtandem-faults-pg"))
SOURCE_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wtprod_bench")


def pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return str(versions[-1] / name)


def as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


def pg_ctl(action: str, *extra: str) -> None:
    subprocess.run(
        as_postgres(pg_bin("pg_ctl"), "-D", str(DATA), "-w", "-t", "60", action, *extra),
        check=True,
        capture_output=True,
        timeout=90,
    )


def start_cluster() -> str:
    if DATA.exists():
        subprocess.run(
            as_postgres(pg_bin("pg_ctl"), "-D", str(DATA), "-m", "immediate", "stop"),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(DATA)
    DATA.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(DATA, "postgres", "postgres")
    subprocess.run(
        as_postgres(
            pg_bin("initdb"), "-D", str(DATA), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    pg_ctl(
        "start",
        "-o",
        f"-p {PORT} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on",
        "-l",
        str(DATA / "log"),
    )
    url = f"postgres://postgres@127.0.0.1:{PORT}/faults"
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "faults"],
        check=True,
        timeout=60,
    )
    dump = subprocess.Popen(["pg_dump", "--no-owner", SOURCE_DB], stdout=subprocess.PIPE)
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "faults"],
        stdin=dump.stdout,
        check=True,
        capture_output=True,
        timeout=600,
    )
    dump.wait(timeout=600)
    return url


def django_eval(env: dict[str, str], code: str) -> str:
    script = (
        "import os, django, json\nos.environ.setdefault('DJANGO_SETTINGS_MODULE','medtandem.web.settings')\n"
        "django.setup()\n" + code
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=load.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


CHECK = """
from collections import Counter
from medtandem.apps.reading.models import Read
from medtandem.apps.reading.services import case_ids_of
from medtandem.apps.reading.models import ReadingSession
acks = [json.loads(line) for line in open(os.environ['ACKS'])]
sessions = {s.pk: case_ids_of(s) for s in ReadingSession.objects.filter(pk__in={a['session'] for a in acks})}
stored = {str(k): (s, c, cond) for k, s, c, cond in Read.objects.filter(session_id__in=list(sessions)).values_list(
    'submission_key', 'session_id', 'case_id', 'condition')}
lost = [a for a in acks if a['key'] not in stored]
wrong = [a for a in acks if a['key'] in stored and stored[a['key']] != (a['session'], sessions[a['session']][a['position']], a['condition'])]
steps = Counter(v for v in stored.values())
dups = sum(n - 1 for n in steps.values() if n > 1)
pairs = {(s, c) for (s, c, cond) in stored.values() if cond == 'unaided'}
aided_alone = sum(1 for (s, c, cond) in stored.values() if cond == 'aided' and (s, c) not in pairs)
print(json.dumps({'acknowledged': len(acks), 'distinct_acknowledged_keys': len({a['key'] for a in acks}),
                  'stored_reads': len(stored), 'acknowledged_but_lost': len(lost), 'stored_under_other_step': len(wrong),
                  'duplicates': dups, 'aided_without_unaided': aided_alone}))
"""

JOBS = """
from medtandem.apps.jobs.models import JobRun
rows = list(JobRun.objects.filter(name='jobs.probe', key__startswith=os.environ['JOB_PREFIX']).values('state', 'attempts', 'result'))
tags = [r['result']['tag'] for r in rows if r['result']]
print(json.dumps({'jobs': len(rows), 'done': sum(r['state'] == 'done' for r in rows),
                  'distinct_results': len(set(tags)), 'results': len(tags),
                  'attempts': sorted(r['attempts'] for r in rows)[-5:], 'states': sorted({r['state'] for r in rows})}))
"""


def check_acks(env: dict[str, str], acks_path: Path) -> dict[str, int]:
    return json.loads(django_eval({**env, "ACKS": str(acks_path)}, CHECK))


def web_workers(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return [int(p) for p in out.stdout.split()]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=30)
    args = parser.parse_args()

    print(
        f"Own PostgreSQL cluster on 127.0.0.1:{PORT} ({DATA}); copying {SOURCE_DB} ...", flush=True
    )
    db = start_cluster()
    var_dir = Path("/tmp/medtandem-faults-var")
    var_dir.mkdir(parents=True, exist_ok=True)
    env = load.server_env(db, None, var_dir)
    env["MEDTANDEM_JOB_QUEUED_GRACE_S"] = "20"  # see the module docstring
    out = subprocess.run(
        [sys.executable, load.__file__, "--setup", str(args.learners)],
        env=env,
        cwd=load.ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    sessions = json.loads(out.stdout.strip().splitlines()[-1])
    port = load.free_port()
    server = load.start_server(env, port, 3, "sync")
    worker_cmd = [sys.executable, "-m", "medtandem.cli", "worker", "--workers", "2"]
    task_worker = subprocess.Popen(worker_cmd, env=env, cwd=load.ROOT, start_new_session=True)
    prefix = f"faults-{int(time.time())}-"
    django_eval(
        {**env, "JOB_PREFIX": prefix},
        f"from medtandem.apps.jobs import enqueue\n"
        f"[enqueue('jobs.probe', key=os.environ['JOB_PREFIX'] + str(i), seconds=1.0, tag=str(i)) "
        f"for i in range({args.jobs})]\nprint('ok')",
    )
    base = f"http://127.0.0.1:{port}"
    stats = load.Stats()
    events: list[str] = []

    async def chaos(t0: float) -> None:
        nonlocal task_worker
        rng = random.Random(12)
        schedule = [
            (4, "kill-web"),
            (8, "kill-task-worker"),
            (8.5, "kill-web"),
            (10, "start-task-worker"),
            (12, "kill-web"),
            (16, "kill-web"),
            (20, "restart-postgres"),
        ]
        for at, what in schedule:
            await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
            if what == "kill-web":
                pids = web_workers(server.pid)
                if pids:
                    victim = rng.choice(pids)
                    os.kill(victim, signal.SIGKILL)
                    events.append(f"{at:>4}s SIGKILL web worker {victim}")
            elif what == "kill-task-worker":
                os.killpg(task_worker.pid, signal.SIGKILL)
                task_worker.wait()
                events.append(
                    f"{at:>4}s SIGKILL task worker {task_worker.pid} (jobs of 1 s in flight)"
                )
            elif what == "start-task-worker":
                task_worker = subprocess.Popen(
                    worker_cmd, env=env, cwd=load.ROOT, start_new_session=True
                )
                events.append(f"{at:>4}s new task worker {task_worker.pid}")
            elif what == "restart-postgres":
                started = time.monotonic()
                await asyncio.to_thread(
                    pg_ctl,
                    "restart",
                    "-m",
                    "fast",
                    "-l",
                    str(DATA / "log"),
                    "-o",
                    f"-p {PORT} -k /tmp -c listen_addresses=127.0.0.1",
                )
                events.append(
                    f"{at:>4}s PostgreSQL restarted (fast) in {time.monotonic() - started:.1f} s"
                )

    async def run() -> float:
        learners = await load.login_all(base, sessions, sorted(sessions)[: args.learners], stats)
        t0 = time.monotonic()
        start = time.perf_counter()
        await asyncio.gather(
            chaos(t0), *(learner.run(t0 + args.duration, 10**9) for learner in learners)
        )
        return time.perf_counter() - start

    acks_path = var_dir / "acks.jsonl"
    try:
        wall = asyncio.run(run())
        acks_path.write_text("".join(json.dumps(a) + "\n" for a in stats.acked))
        print("\nEvents:\n  " + "\n  ".join(events))
        load.report(f"{args.learners} learners under faults", stats, wall, None, load.uptime_load())
        outcome = check_acks(env, acks_path)
        html_500 = sum(n for k, n in stats.errors.items() if "HTTP 500" in k)
        json_503 = sum(n for k, n in stats.errors.items() if "HTTP 503" in k)
        print(f"\nReads: {json.dumps(outcome)}")
        print(
            f"Answers during the faults: {json_503} JSON 503 (retried), {html_500} HTTP 500, "
            f"{sum(n for k, n in stats.errors.items() if 'Error' in k)} dropped connections (retried)"
        )
        deadline = time.monotonic() + 180
        jobs: dict[str, object] = {}
        while time.monotonic() < deadline:
            jobs = json.loads(django_eval({**env, "JOB_PREFIX": prefix}, JOBS))
            if jobs["done"] == args.jobs:
                break
            time.sleep(5)
        print(f"Jobs: {json.dumps(jobs)}")
        ok = (
            outcome["acknowledged_but_lost"] == 0
            and outcome["duplicates"] == 0
            and outcome["aided_without_unaided"] == 0
            and outcome["stored_under_other_step"] == 0
            and html_500 == 0
            and jobs.get("done") == args.jobs
            and jobs.get("distinct_results") == args.jobs
        )
        print(
            "\nRESULT: "
            + ("every acknowledged read stored once, every job done once" if ok else "FAILED")
        )
        return 0 if ok else 1
    finally:
        for proc in (server, task_worker):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        subprocess.run(
            as_postgres(pg_bin("pg_ctl"), "-D", str(DATA), "-m", "fast", "stop"),
            capture_output=True,
            timeout=60,
        )


if __name__ == "__main__":
    sys.exit(main())
