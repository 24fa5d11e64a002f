"""CPU per request of the hybrid reading loop, in-process (less sensitive to a busy machine than a
throughput figure), and the CPU of one password hash (log-in).

    DATABASE_URL=postgres://.../wtprod_bench MEDTANDEM_PRODUCTION=1 SECRET_KEY=... \
        python bench/request_cost.py [--cases 10]

Needs the benchmark learners (``bench/load.py`` creates them). Production settings, Django's test
client (no HTTP server: its parsing and socket costs are not counted), CPU time of this process
(``time.process_time``), warm caches (the tracing of each case rendered once before counting).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtandem.web.settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402
from django.test import Client  # noqa: E402

from medtandem.apps.accounts.models import User  # noqa: E402
from medtandem.apps.cases.models import CaseSet  # noqa: E402
from medtandem.apps.reading.services import start_session  # noqa: E402

try:
    from medtandem.web.hashers import OwaspArgon2PasswordHasher
except ImportError:  # measuring a checkout from before issue 12
    OwaspArgon2PasswordHasher = None  # type: ignore[assignment,misc]

KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def _form(condition: str, key: str) -> dict[str, str]:
    data = {
        "condition": condition,
        "submission_key": key,
        "rhythm": "sinus",
        "client_time_ms": "9000",
    }
    data.update({f"rating_{n}": "60" for n in ("norm", "mi", "sttc", "cd", "hyp")})
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10)
    args = parser.parse_args()
    user = User.objects.get(username="bench-0000")
    case_set = CaseSet.objects.get(name="Bench: 40 ECG")
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(user)
    warm = start_session(user, case_set, "practice", title="Warm-up")
    session = start_session(user, case_set, "practice", title="Cost")
    times: dict[str, list[float]] = {}
    for s, count in ((warm, args.cases), (session, args.cases)):
        for position in range(count):
            url = f"/reading/session/{s.pk}/case/{position}/"
            for kind, method, condition in (
                ("GET case", "get", None),
                ("POST unaided", "post", "unaided"),
                ("GET AI step", "get", None),
                ("POST aided", "post", "aided"),
                ("GET feedback", "get", None),
            ):
                start = time.process_time()
                if method == "get":
                    page = client.get(url)
                    assert page.status_code == 200
                    body = (
                        gzip.decompress(page.content)
                        if page.get("Content-Encoding") == "gzip"
                        else page.content
                    )
                else:
                    key = KEY.search(body.decode()).group(1)  # type: ignore[union-attr]
                    # URL-encoded, as the reading page's script and a plain form post send it
                    r = client.post(
                        url + "read/",
                        urlencode(_form(condition or "", key)),
                        content_type="application/x-www-form-urlencoded",
                        HTTP_ACCEPT="application/json",
                    )
                    assert r.status_code == 201, r.content
                if s is session:
                    times.setdefault(kind, []).append(time.process_time() - start)
    total = 0.0
    import calibrate

    print(calibrate.line())
    print(
        f"CPU per request (ms, median of {args.cases}; load {Path('/proc/loadavg').read_text().split()[:3]}):"
    )
    for kind, values in times.items():
        median = 1000 * statistics.median(values)
        total += median
        print(f"  {kind:14} {median:6.1f}")
    print(f"  per committed read (5 requests / 2 reads): {total / 2:.1f} ms")
    hashers = [("Django default Argon2 (m=100 MiB, t=2, p=8)", Argon2PasswordHasher())]
    if OwaspArgon2PasswordHasher is not None:
        hashers.append(("OWASP Argon2id (m=19 MiB, t=2, p=1)", OwaspArgon2PasswordHasher()))
    for name, hasher in hashers:
        start = time.process_time()
        for _ in range(5):
            hasher.encode("a-password-of-some-length", hasher.salt())
        print(f"  one hash, {name}: {1000 * (time.process_time() - start) / 5:.0f} ms CPU")


if __name__ == "__main__":
    main()
