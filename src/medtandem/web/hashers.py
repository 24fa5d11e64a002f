"""Password hashing sized for log-in peaks, still strong.

Django's default Argon2 parameters (m = 100 MiB, t = 2, p = 8) cost about 250 ms of CPU per log-in
on our 2-core machine: 200 learners opening an exam session at once waited 40-50 s. OWASP's Password
Storage Cheat Sheet (2023) recommends Argon2id with m = 19 MiB (19456 KiB), t = 2, p = 1 as the first
of its equivalent configurations; that costs about 25 ms per log-in here (measured by
``bench/load.py --login``). Hashes made with other parameters, or by PBKDF2, are re-hashed with these
at the next successful log-in (Django's ``must_update``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m = 19 MiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet)."""

    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
