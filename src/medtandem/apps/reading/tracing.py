"""The reading pages' 12-lead tracing, rendered once per (case, render version, language, AI
explanation) and cached.

Rendering a 12-lead SVG costs 7-10 ms; each case is shown three times per learner (unaided step,
AI step, feedback) and to every learner of a case set. The drawing holds no truth, but its title and
the record name differ by learner and step (a neutral "ECG n de la séance" while reading, the source
id with the feedback), so the cached markup is rendered with placeholders in their two places, and
each request substitutes its own title and, only once the truth may be shown, the record name.
The result is byte-identical to a direct :func:`medtandem.ecg.render.render_svg` call (a test
checks it).

The cache is keyed server-side (case pk, external id and import time, so a re-import renders
anew); nothing about the case reaches the page but what the markup already shows. Two levels: a
small in-process LRU (no network round trip for 150 kB) and Django's cache (shared across web nodes
when it is Redis).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

from django.core.cache import cache

from medtandem.apps.cases.models import Case
from medtandem.ecg.record import EcgRecord
from medtandem.ecg.render import render_svg

#: Bump when :mod:`medtandem.ecg.render` changes its drawing: older cached tracings are then ignored.
RENDER_VERSION = 1
ELEMENT_ID = "ecg-tracing"
_TITLE = "MTTRACINGTITLE0"
_RECORD = "MTTRACINGRECORD0"
#: About 150 kB each: 128 tracings are some 20 MB per web process.
_LOCAL_MAX = 128
_local: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def _key(case: Case, lang: str, explanation_key: str) -> str:
    stamp = case.imported_at.timestamp() if case.imported_at else 0
    return f"medtandem:tracing:{RENDER_VERSION}:{case.pk}:{case.external_id}:{stamp}:{lang}:{explanation_key}"


def _template(key: str, render: Callable[[], str]) -> str:
    with _lock:
        markup = _local.get(key)
        if markup is not None:
            _local.move_to_end(key)
            return markup
    markup = cache.get(key)
    if markup is None:
        markup = render()
        cache.set(key, markup, 7 * 24 * 3600)
    with _lock:
        _local[key] = markup
        while len(_local) > _LOCAL_MAX:
            _local.popitem(last=False)
    return markup


def tracing_svg(
    case: Case,
    record: Callable[[], EcgRecord],
    *,
    title: str,
    reveal_record: bool,
    lang: str,
    attribution: Mapping[str, Any] | None = None,
    explanation_key: str = "",
) -> str:
    """The tracing's ``<svg>`` markup for this page.

    ``record`` loads the signal only when the tracing is not cached yet. ``explanation_key`` names
    the explanation drawn (e.g. the model name and version); empty when there is none.
    """

    def render() -> str:
        base = record()
        named = dataclasses.replace(base, record_id=_RECORD)
        return render_svg(
            named, attribution=attribution, element_id=ELEMENT_ID, lang=lang, title=_TITLE
        )

    markup = _template(_key(case, lang, explanation_key if attribution is not None else ""), render)
    markup = markup.replace(_TITLE, escape(title))
    if reveal_record:
        return markup.replace(_RECORD, escape(case.record_name))
    return markup.replace(f" {_RECORD}", "").replace(_RECORD, "")


def clear_local() -> None:
    """Forget the in-process tracings (tests)."""
    with _lock:
        _local.clear()
