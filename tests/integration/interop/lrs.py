"""Ralph, a real learning record store (France Université Numérique's), started on loopback with its
file-system backend from its own virtual environment (``make install-ralph``: ``.venv-ralph``)."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from base64 import b64encode
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.interop.platform import free_port

RALPH_PYTHON = Path(__file__).resolve().parents[3] / ".venv-ralph" / "bin" / "python"
USER, PASSWORD = "medtandem", "lrs-test-password"
#: Ralph 5.1.0's file-system LRS backend writes its statements file with operation "index", which
#: refuses an existing file: only its first POST would be stored. Appending is what an LRS on a
#: file means; the launcher sets it, then serves Ralph's own API application unchanged.
LAUNCHER = """
import sys
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
import uvicorn
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def unavailable() -> str | None:
    """Why Ralph cannot run here (None when it can)."""
    if not RALPH_PYTHON.exists():
        return f"Ralph is not installed ({RALPH_PYTHON} missing): run `make install-ralph`"
    probe = subprocess.run(
        [str(RALPH_PYTHON), "-c", "import ralph.api, bcrypt, uvicorn"],
        capture_output=True,
        env={**os.environ, "RALPH_RUNSERVER_BACKEND": "fs"},
    )
    if probe.returncode:
        return f"Ralph's environment is incomplete: {probe.stderr.decode()[-300:]}"
    return None


@dataclass
class Ralph:
    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> Ralph:
        self.port = self.port or free_port()
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data"),
        }
        script = (
            "import bcrypt, json, sys; print(json.dumps([{'agent': {'objectType': 'Agent', "
            "'account': {'homePage': 'http://127.0.0.1', 'name': sys.argv[1]}}, 'scopes': ['all'], "
            "'hash': bcrypt.hashpw(sys.argv[2].encode(), bcrypt.gensalt(4)).decode(), "
            "'username': sys.argv[1]}]))"
        )
        auth = subprocess.run(
            [str(RALPH_PYTHON), "-c", script, USER, PASSWORD], capture_output=True, check=True
        )
        (self.folder / "auth.json").write_bytes(auth.stdout)
        return self

    def start(self) -> Ralph:
        self.process = subprocess.Popen(
            [str(RALPH_PYTHON), "-c", LAUNCHER, str(self.port)],
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self._request("/whoami"), timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("Ralph did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def _request(self, path: str) -> urllib.request.Request:
        token = b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return urllib.request.Request(self.url + path, headers={"Authorization": f"Basic {token}"})

    def stored_ids(self) -> Counter[str]:
        """How many times Ralph stored each statement id (read from its file-system backend)."""
        counts: Counter[str] = Counter()
        for path in (self.folder / "data").glob("*.jsonl"):
            for line in path.read_text().splitlines():
                if line.strip():
                    counts[json.loads(line)["id"]] += 1
        return counts
