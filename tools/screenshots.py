"""Screenshots of MedTandem pages, per role and language, with Debian's Chromium (never a downloaded browser).

Usage (a server must be running, e.g. ``make demo``):

    .venv/bin/python tools/screenshots.py --base http://127.0.0.1:8000 --out /tmp/shots \\
        --page apprenant:/reading/progress/ --page enseignant:/studies/reliance/cohort/ [--width 1366]

Each ``--page`` is ``USER:PATH`` (a demo login, or ``-`` for anonymous). Both languages are taken
unless ``--lang`` is given. Files are named ``<user>-<path>-<lang>-<width>.png``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DEMO_PASSWORDS = {
    "apprenant": "ecg-apprenant-2026",
    "enseignant": "ecg-enseignant-2026",
    "investigateur": "ecg-investigateur-2026",
    "admin": "ecg-admin-2026",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="/tmp/shots")
    parser.add_argument("--page", action="append", required=True, help="USER:PATH")
    parser.add_argument("--lang", action="append", choices=("fr", "en"))
    parser.add_argument("--width", type=int, action="append")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=args.chromium,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        for spec in args.page:
            user, path = spec.split(":", 1)
            for lang in args.lang or ["fr", "en"]:
                for width in args.width or [1366]:
                    context = browser.new_context(
                        viewport={"width": width, "height": 900}, locale=f"{lang}-FR"
                    )
                    context.add_cookies(
                        [{"name": "django_language", "value": lang, "url": args.base}]
                    )
                    page = context.new_page()
                    if user != "-":
                        page.goto(f"{args.base}/accounts/login/")
                        page.fill("#id_username", user)
                        page.fill("#id_password", DEMO_PASSWORDS[user])
                        page.click("#login-submit")
                    page.goto(f"{args.base}{path}")
                    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
                    target = out / f"{user.strip('-') or 'anon'}-{slug}-{lang}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                    context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
