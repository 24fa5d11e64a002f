"""What a person sees: every page of every role, in both languages, at three widths.

The pages come from the URL configuration (``django.urls.get_resolver()``): every GET route, with its
path parameters filled from a small world built through the apps' services
(``tests/integration/access_world.build_world``, the access matrix's world), is fetched for each role
(anonymous, learner, instructor, investigator, administrator) with Django's test client; each one that
answers 200 with an HTML page is then opened in Chromium, once per language (``fr``, ``en``), and looked
at 1,366, 1,920 and 390 px wide (the viewport is resized, the page is not reloaded: no script of ours
lays out on load). A screenshot of each is saved under ``tests/e2e/artifacts/pages/`` (git-ignored).

A page fails on:

* **horizontal overflow**: ``main`` wider than its box (``scrollWidth > clientWidth + 1``), the
  document wider than the viewport (this catches the header too), an element of ``main`` that ends
  beyond ``main``'s right edge, or any element of ``main`` that scrolls sideways. Containers
  *designed* to scroll are allowed to (:data:`SCROLLERS`): ``.table-scroll`` (wide tables),
  ``.ecg-canvas`` (the 12-lead tracing at its paper scale, with zoom) and, at phone widths only,
  every ``main table`` (site.css gives it its own scroll box under 700 px) — what they hold does not
  count, and their own box must still fit.
* **clipped text**: an element with text whose overflow is ``hidden``/``clip`` (or that ends in an
  ellipsis) and whose content is larger than its box. ``.visually-hidden`` (the screen-reader-only
  pattern, 1 px by design) and the skip link are not clipped text.
* **the navigation wrapping** at 1,366 px and wider: every item of the main navigation on one line,
  and the account block (language, name, log-out) on the brand's row (site.css puts the navigation on
  a row of its own).
* **a console error** (``console.error`` or an uncaught exception), **a failed request** or a
  sub-resource answering 4xx/5xx (Chromium's own probe of ``/favicon.ico``, which no page requests,
  is not counted).
* **an accessibility violation** found by axe-core (tags ``wcag2a`` and ``wcag2aa``; run at 1,366 px
  in each language). No rule is disabled.
* **a language leak**: on an English page, a French source string (msgid) of the catalogue
  ``locale/en/LC_MESSAGES/django.po`` of at least 12 characters, whose translation differs or is
  missing, appears in the visible text; on a French page, an English translation (msgstr) of at least
  12 characters appears. Strings with placeholders or markup are cut at them and each literal piece of
  12 characters or more is a candidate; a piece that also occurs in the other language's strings is not
  evidence of a leak and is dropped. Authored content is left out of the visible text: what is marked
  ``lang`` in another language than the page (the PTB-XL original report), and :data:`AUTHORED`
  (SCP statement descriptions from PTB-XL's own table, which are English in both UIs, and the
  names of people, cases, programmes and models, which are data, not UI).
* **the truth before feedback** (learner): at each step of a reading before its feedback — and on
  every page the learner can open — no case external id (``ptbxl:…``) of a case whose feedback the
  learner has not reached.

Every problem of every page is collected first; the test then fails once with the whole list (also
written to ``tests/e2e/artifacts/pages/report.json``).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from tests.integration.access_world import build_world

from medtandem.apps.cases.models import Case

VENDOR = Path(__file__).with_name("vendor")
AXE = VENDOR / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8") + "\n;window.axe !== undefined"
PO = Path(__file__).resolve().parents[2] / "src/medtandem/locale/en/LC_MESSAGES/django.po"
ROLES = ("anonymous", "learner", "instructor", "investigator", "administrator")
LANGUAGES = ("fr", "en")
WIDTHS = (1366, 1920, 390)
DESKTOP = 1366
MIN_LEN = 12
#: Routes not opened, with the reason.
SKIP: dict[str, str] = {
    "set_language": "a POST target (its GET only redirects)",
}
#: ``MEDTANDEM_PAGES=observatory:model_card,observatory:frugality`` opens only the routes whose name
#: starts with one of these (to check the pages one changed without running the whole walk, which
#: takes many minutes); unset, every route is opened.
ONLY = tuple(p for p in os.environ.get("MEDTANDEM_PAGES", "").split(",") if p)
#: Authored content (data, not UI text) left out of the language check, as CSS selectors.
AUTHORED = (
    ".scp-statements",  # PTB-XL's SCP statement descriptions: the dataset's own English wording
    # (also marked lang="en", so left out of French pages by their lang too)
    ".who",  # the signed-in person's name
    ".authored",  # what providers and analysts wrote in a registry entry (its language is theirs)
)
#: Containers designed to scroll sideways (their content may be wider than they are).
#: ``main table`` scrolls inside its own box at phone widths only (site.css, max-width 700px); on
#: wider screens a table is a plain table and must fit.
SCROLLERS = ".table-scroll, .ecg-canvas, main table"

pytestmark = pytest.mark.django_db(transaction=True)


# -- the catalogue ---------------------------------------------------------------------------------


def _po_entries(path: Path) -> list[tuple[list[str], list[str]]]:
    """(source strings, translations) of each non-fuzzy, non-obsolete entry of a .po file."""
    entries: list[tuple[list[str], list[str]]] = []
    ids: list[str] = []
    strs: list[str] = []
    fuzzy = False
    current: list[str] | None = None

    def flush() -> None:
        nonlocal ids, strs, fuzzy
        if ids and ids[0] and not fuzzy:
            entries.append((ids, strs))
        ids, strs, fuzzy = [], [], False

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            flush()
            current = None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgid_plural ")):
            if line.startswith("msgid ") and strs:
                flush()
            ids.append(json.loads(line.split(" ", 1)[1]))
            current = ids
        elif line.startswith("msgstr"):
            strs.append(json.loads(line.split(" ", 1)[1]))
            current = strs
        elif line.startswith('"') and current is not None:
            current[-1] += json.loads(line)
    return entries


_CUT = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\{.*?\}\}|\{\w*\}|<[^>]*>|&\w+;|\n")


def _pieces(text: str) -> set[str]:
    return {" ".join(p.split()) for p in _CUT.split(text) if len(" ".join(p.split())) >= MIN_LEN}


def catalogue_candidates(path: Path = PO) -> dict[str, set[str]]:
    """Strings whose presence betrays the other language: {"en": French pieces, "fr": English pieces}."""
    french: set[str] = set()
    english: set[str] = set()
    all_fr, all_en = [], []
    for ids, strs in _po_entries(path):
        all_fr.extend(ids)
        all_en.extend(strs)
        translated = " ".join(strs)
        for source in ids:
            french |= {p for p in _pieces(source) if p not in " ".join(translated.split())}
        for target in strs:
            english |= {p for p in _pieces(target) if p not in " ".join(" ".join(ids).split())}
    fr_blob, en_blob = " ".join(" ".join(all_fr).split()), " ".join(" ".join(all_en).split())
    return {
        "en": {p for p in french if p not in en_blob},
        "fr": {p for p in english if p not in fr_blob},
    }


# -- the pages -------------------------------------------------------------------------------------


def get_routes() -> list[str]:
    names: list[str] = []

    def walk(patterns: Iterable[object], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, namespace + (f"{p.namespace}:" if p.namespace else ""))
            elif getattr(p, "name", None):
                names.append(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return [
        n
        for n in names
        if not n.startswith("admin:") and n not in SKIP and (not ONLY or n.startswith(ONLY))
    ]


def html_pages(world, role: str, client: Client) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(route name, url) of every GET route that shows ``role`` an HTML page."""
    out = []
    for name in get_routes():
        try:
            url = reverse(name, kwargs=world.ids.get(name, {}))
        except Exception:  # a route whose parameters the world does not fill
            continue
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            out.append((name, url))
    return out


MEASURE = """(scrollers) => {
  const out = {overflow: [], clipped: [], nav: null};
  const main = document.querySelector('main');
  const path = (el) => {
    const bits = [];
    for (let e = el; e && e !== document.body && bits.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) { s += '#' + e.id; bits.unshift(s); break; }
      if (e.classList.length) s += '.' + [...e.classList].join('.');
      bits.unshift(s);
    }
    return bits.join(' > ');
  };
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1)
    out.overflow.push(`document ${document.documentElement.scrollWidth}px > viewport ${vw}px`);
  if (main && main.scrollWidth > main.clientWidth + 1) {
    out.overflow.push(`main ${main.scrollWidth}px > ${main.clientWidth}px`);
  }
  if (main) {
    const edge = main.getBoundingClientRect().right + 1;
    for (const el of main.querySelectorAll('*')) {
      if (el.closest(scrollers) && !el.matches(scrollers)) continue;
      if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (r.width && r.right > edge && !el.closest('.visually-hidden')) {
        // report the outermost offender only
        const parent = el.parentElement;
        if (!parent || parent.getBoundingClientRect().right <= edge || parent === main)
          out.overflow.push(`${path(el)} ends at ${Math.round(r.right)}px, main at ${Math.round(edge)}px`);
      }
      if (['auto', 'scroll'].includes(cs.overflowX) && !el.matches(scrollers) && el.scrollWidth > el.clientWidth + 1)
        out.overflow.push(`${path(el)} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .skip, svg, script, style')) continue;
    const cs = getComputedStyle(el);
    const hideX = ['hidden', 'clip'].includes(cs.overflowX) || cs.textOverflow === 'ellipsis';
    const hideY = ['hidden', 'clip'].includes(cs.overflowY);
    if (!hideX && !hideY) continue;
    if (!(el.innerText || '').trim() || el.clientWidth <= 1) continue;
    if ((hideX && el.scrollWidth > el.clientWidth + 1) || (hideY && el.scrollHeight > el.clientHeight + 1))
      out.clipped.push(`${path(el)}: ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
  }
  const items = [...document.querySelectorAll('header.site nav li')];
  if (items.length) {
    const tops = new Set(items.map((li) => Math.round(li.getBoundingClientRect().top)));
    const header = document.querySelector('header.site').getBoundingClientRect();
    const brand = document.querySelector('header.site .brand').getBoundingClientRect();
    const account = document.querySelector('header.site .account').getBoundingClientRect();
    out.nav = {lines: tops.size, header_height: Math.round(header.height),
               account_beside_brand: Math.abs((account.top + account.bottom) - (brand.top + brand.bottom)) / 2 < 12};
  }
  return out;
}"""

VISIBLE_TEXT = """(authored) => {
  const lang = document.documentElement.lang;
  const skip = (el) => el.closest(authored) || el.closest('script, style, noscript, template')
    || [...document.querySelectorAll('[lang]')].some((x) => x !== document.documentElement
         && x.getAttribute('lang') !== lang && x.contains(el));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const bits = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.data.trim()) continue;
    if (!el.checkVisibility({checkOpacity: false, checkVisibilityCSS: true})
        && !el.closest('.visually-hidden')) continue;
    if (skip(el)) continue;
    bits.push(n.data);
  }
  return bits.join(' ').replace(/\\s+/g, ' ');
}"""

AXE_RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
                                     resultTypes: ['violations']});
  return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                   nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}));
}"""


def _session_cookie(user, base: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    from django.conf import settings

    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base,
        }
    ]


def _new_context(browser, base: str, user, lang: str):  # type: ignore[no-untyped-def]
    from django.conf import settings

    context = browser.new_context(viewport={"width": DESKTOP, "height": 900}, locale=f"{lang}-FR")
    context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base},
            *_session_cookie(user, base),
        ]
    )
    return context


class Watcher:
    """Console errors and failed requests of one page."""

    def __init__(self, page, base: str) -> None:  # type: ignore[no-untyped-def]
        self.problems: list[str] = []
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and self._own(m)
                and self.problems.append(f"console: {m.text} ({m.location.get('url')})")
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        page.on(
            "requestfailed",
            lambda r: (
                not self._beacon_cut(r)
                and self.problems.append(f"request failed: {r.url} {r.failure}")
            ),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"),
        )

    @staticmethod
    def _own(message) -> bool:  # type: ignore[no-untyped-def]
        """False for Chromium's own probe of /favicon.ico: no page asks for it (base.html links the
        SVG icon), and the standalone study report has no icon at all."""
        return not (message.location.get("url") or "").endswith("/favicon.ico")

    @staticmethod
    def _beacon_cut(request) -> bool:  # type: ignore[no-untyped-def]
        """The feedback page's "seen" beacon (a keepalive POST, reading.js) that the walk's next
        navigation aborts in the page: the walk moves on at once, a reader does not; the beacon's
        own answers are checked in tests/e2e/test_reading_e2e.py."""
        return request.url.endswith("/feedback-viewed/") and "ERR_ABORTED" in (
            request.failure or ""
        )

    def take(self) -> list[str]:
        out, self.problems[:] = list(self.problems), []
        return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def walk_reading_case(page, base: str, url: str, forbidden: set[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Read one case unaided then aided, in the browser; no forbidden id on either step page."""
    problems = []
    page.goto(base + url)
    for step, button in (("unaided", "Valider et voir l"), ("aided", "Valider ma lecture")):
        page.wait_for_selector("#read-form")
        html = page.content()
        problems += [
            f"truth before feedback ({step} step of {url}): {i}"
            for i in sorted(forbidden)
            if i in html
        ]
        page.check("input[name=rhythm][value=sinus]")
        for fieldset in page.locator("fieldset.rating-row").all():
            code = fieldset.get_attribute("data-rating")
            page.check(f"input[name=rating_{code}][value='0']")
        # The next step is a new page (reading.js reloads after its POST): wait for it, or the
        # next look may read the page while it navigates.
        with page.expect_navigation(wait_until="load"):
            page.click(f'#read-form button[type=submit]:has-text("{button}")')
    page.wait_for_selector("#feedback-table")
    return problems


def test_every_page_of_every_role_reads_well_in_both_languages(
    live_server, browser, artifacts
) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    out = artifacts / "pages"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    world = build_world()
    base = live_server.url
    candidates = catalogue_candidates()
    external_ids = set(Case.objects.values_list("external_id", flat=True))
    problems: dict[str, list[str]] = {}
    timings: dict[str, float] = {}

    # 1. The learner reads the first case of the practice session: no external id before feedback.
    learner = world.people["learner"]
    context = _new_context(browser, base, learner, "fr")
    page = context.new_page()
    reading_url = reverse("reading:case", kwargs=world.ids["reading:case"])
    truth = walk_reading_case(page, base, reading_url, external_ids)
    if truth:
        problems[f"learner {reading_url}"] = truth
    context.close()
    from medtandem.apps.reading.models import Read

    seen = set(Read.objects.filter(learner=learner).values_list("case__external_id", flat=True))
    unseen = external_ids - seen

    # 2. Every page of every role, in both languages, at three widths.
    for role in ROLES:
        user = world.people[role]
        client = Client()
        if user is not None:
            client.force_login(user)
        pages = html_pages(world, role, client)
        for lang in LANGUAGES:
            context = _new_context(browser, base, user, lang)
            page = context.new_page()
            watcher = Watcher(page, base)
            for name, url in pages:
                t0 = time.monotonic()
                key = f"{role} {lang} {name} {url}"
                found: list[str] = []
                page.set_viewport_size({"width": DESKTOP, "height": 900})
                response = page.goto(base + url, wait_until="load")
                if response is None or response.status != 200:
                    found.append(f"opened with status {response and response.status}")
                if page.evaluate("document.documentElement.lang") != lang:
                    found.append(
                        f"<html lang> is {page.evaluate('document.documentElement.lang')!r}"
                    )
                page.evaluate(
                    AXE_SOURCE
                )  # not add_script_tag: the page's CSP (script-src 'self') stays on
                for v in page.evaluate(AXE_RUN):
                    found.append(f"axe {v['id']} ({v['impact']}): {v['help']} — {v['nodes']}")
                text = page.evaluate(VISIBLE_TEXT, ", ".join(AUTHORED))
                other = "French" if lang == "en" else "English"
                found += [
                    f"{other} UI text on a {lang} page: {s!r}"
                    for s in sorted(candidates[lang])
                    if s in text
                ]
                if role == "learner":
                    html = page.content()
                    found += [
                        f"external id of an unread case: {i}" for i in sorted(unseen) if i in html
                    ]
                for width in WIDTHS:
                    if width != DESKTOP:
                        page.set_viewport_size({"width": width, "height": 900})
                    m = page.evaluate(MEASURE, SCROLLERS)
                    found += [f"{width}px overflow: {o}" for o in m["overflow"][:6]]
                    found += [f"{width}px clipped: {c}" for c in m["clipped"][:6]]
                    if width >= DESKTOP and m["nav"] and m["nav"]["lines"] > 1:
                        found.append(f"{width}px navigation on {m['nav']['lines']} lines")
                    if width >= DESKTOP and m["nav"] and not m["nav"]["account_beside_brand"]:
                        found.append(
                            f"{width}px header: the account block fell off the brand's row"
                        )
                    page.screenshot(
                        path=str(out / f"{role}-{_slug(name)}-{lang}-{width}.png"), full_page=True
                    )
                found += watcher.take()
                if found:
                    problems[key] = found
                timings[key] = round(time.monotonic() - t0, 2)
            context.close()

    report = {
        "seconds": round(time.monotonic() - started, 1),
        "pages": len(timings),
        "problems": problems,
        "timings": timings,
        "skipped": SKIP,
    }
    (out / "report.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    assert timings, "no page was opened"
    assert not problems, (
        f"{len(problems)} of {len(timings)} pages with problems "
        f"(see {out / 'report.json'}):\n"
        + "\n".join(f"- {k}\n    " + "\n    ".join(v) for k, v in problems.items())
    )
