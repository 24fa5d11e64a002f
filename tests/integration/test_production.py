"""Production serving: the health check, a database outage, compression, password hashing, gunicorn."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.db import connection
from django.urls import reverse

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person

PASSWORD = "correct-horse-battery-staple"


class _DatabaseUnreachable:
    """Point the default connection at a server port nobody listens on: a real connection failure,
    no mock (PostgreSQL only: SQLite's in-memory test database has no server to lose)."""

    def __enter__(self) -> None:
        self.saved = dict(connection.settings_dict)
        connection.close()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))

    def __exit__(self, *exc: object) -> None:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_healthz_checks_the_database(client):  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
    with _DatabaseUnreachable():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json" and response.json()["database"] == "down"
    assert response["Retry-After"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_a_retryable_json_503_not_an_html_500(client):  # type: ignore[no-untyped-def]
    learner = create_person("camille", PASSWORD, [Role.LEARNER])
    client.force_login(learner)
    assert client.get(reverse("reading:dashboard")).status_code == 200
    with _DatabaseUnreachable():
        response = client.get(reverse("reading:dashboard"), HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response.json()["retry"] is True and int(response["Retry-After"]) > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_outage_met_by_a_middleware_after_the_view_is_still_a_json_503(client):  # type: ignore[no-untyped-def]
    """A web worker started after a kill has no session in its cache: the view's session load
    fails (its 503), then a middleware that reads the session on the way out fails again, outside
    any view. Seen in bench/faults.py as 4 HTML 500s in one run of three."""
    from django.core.cache import cache

    learner = create_person("camille", PASSWORD, [Role.LEARNER])
    client.force_login(learner)
    assert client.get(reverse("reading:dashboard")).status_code == 200
    cache.clear()  # the session (cached_db) must come from the database
    client.raise_request_exception = False  # answer as a server does, not re-raise in the test
    with _DatabaseUnreachable():
        response = client.get(reverse("reading:dashboard"))
    assert response.status_code == 503, response.content[:200]
    assert response.json()["retry"] is True and int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_does(client):  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_pages_are_compressed_with_a_random_length_header(client):  # type: ignore[no-untyped-def]
    """Heal-the-BREACH: the compressed length varies from response to response."""
    learner = create_person("camille", PASSWORD, [Role.LEARNER])
    client.force_login(learner)
    sizes = set()
    for _ in range(6):
        response = client.get(reverse("reading:dashboard"), HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
        assert "<html" in gzip.decompress(response.content).decode()
        sizes.add(len(response.content))
    assert len(sizes) > 1


@pytest.mark.parametrize("size", [200, 4_096, 177_000, 1_500_000])
def test_the_isal_gzip_output_is_read_back_by_the_standard_library(size: int) -> None:
    """The compressed page, with its random-length file name spliced into ISA-L's header, is a
    valid gzip file to zlib (the browsers' decoder family), whatever its size."""
    from medtandem.web.compression import compress

    rng = __import__("random").Random(size)
    data = bytes(rng.choice(b"<svg path d='M 0.05 -.12 l'>\n") for _ in range(size))
    for _ in range(3):
        assert gzip.decompress(compress(data, max_random_bytes=100)) == data


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters(db):  # type: ignore[no-untyped-def]
    user = create_person("camille", PASSWORD, [Role.LEARNER])
    hasher = identify_hasher(user.password)
    params = hasher.decode(user.password)
    assert (
        hasher.algorithm,
        params["variety"],
        params["memory_cost"],
        params["time_cost"],
        params["parallelism"],
    ) == ("argon2", "argon2id", 19456, 2, 1)


def test_an_older_hash_is_upgraded_at_log_in(client, db):  # type: ignore[no-untyped-def]
    user = create_person("camille", PASSWORD, [Role.LEARNER])
    user.password = Argon2PasswordHasher().encode(
        PASSWORD, Argon2PasswordHasher().salt()
    )  # Django's default
    user.save(update_fields=["password"])
    assert identify_hasher(user.password).decode(user.password)["memory_cost"] == 102400
    assert (
        client.post(
            reverse("accounts:login"), {"username": "camille", "password": PASSWORD}
        ).status_code
        == 302
    )
    user.refresh_from_db()
    assert identify_hasher(user.password).decode(user.password)["memory_cost"] == 19456


@pytest.mark.slow
def test_medtandem_serve_runs_gunicorn_and_reloads_on_hup(tmp_path: Path) -> None:
    """The one documented command: serves, answers /healthz, HUP starts new workers, TERM stops."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "MEDTANDEM_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONPATH": str(Path(__file__).parents[2] / "src"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "medtandem.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env=env,
        start_new_session=True,
    )
    try:
        import httpx

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        def workers() -> set[int]:
            out = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True
            )
            return {int(p) for p in out.stdout.split()}

        deadline = time.monotonic() + 90
        while not healthy():
            assert proc.poll() is None and time.monotonic() < deadline, (
                "medtandem serve did not come up"
            )
            time.sleep(0.3)
        before = workers()
        assert len(before) == 2
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while not (workers() and workers().isdisjoint(before) and healthy()):
            assert time.monotonic() < deadline, "HUP did not replace the workers"
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_demo_worker_stops_with_the_demo(tmp_path: Path) -> None:
    from medtandem.apps.jobs.worker import spawn_worker, stop_worker

    worker = spawn_worker(
        env={
            "MEDTANDEM_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "MEDTANDEM_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        }
    )
    time.sleep(3)
    assert worker.poll() is None, "the worker exited on its own"
    stop_worker(worker)
    assert worker.returncode is not None
