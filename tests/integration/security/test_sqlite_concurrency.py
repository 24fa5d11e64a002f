"""Twelve learners submitting a quiz at the same instant on the embedded SQLite get their result, not
"database is locked" (IMMEDIATE transactions and a 30 s busy timeout: see settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("sqlite_concurrency_script.py")


@pytest.mark.slow
def test_twelve_concurrent_quiz_submissions_on_file_sqlite_give_no_500(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'concurrency.sqlite3'}",
        "MEDTANDEM_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "medtandem.web.settings",
        "PYTHONPATH": str(Path(__file__).parents[3]),
    }
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "12"], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["statuses"] == [200] * 12, result.stderr[-3000:]
    assert outcome["attempts"] == 12


def test_sqlite_is_configured_for_concurrent_writers() -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("this run uses PostgreSQL")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 20
    assert "journal_mode=WAL" in options["init_command"]
