"""The project's one translation mechanism, for the pure cores.

The web app translates through Django's gettext; the cores (which never import Django) read the
*same* compiled catalogue (``locale/<lang>/LC_MESSAGES/django.mo``) with Python's standard
:mod:`gettext`. Source strings are French, marked with :func:`gettext_noop` so that
``django-admin makemessages`` extracts them into the one ``django.po``.
"""

from __future__ import annotations

import gettext as _stdlib_gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The languages the product speaks; French is the source language.
LANGUAGES = ("fr", "en")


def gettext_noop(message: str) -> str:
    """Mark a string for extraction; it is translated later, by :func:`translator`."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def translator(lang: str) -> Callable[[str], str]:
    """``gettext`` for ``lang`` from the project catalogue (French: the source strings themselves)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {list(LANGUAGES)}, got {lang!r}")
    if lang == "fr":
        return lambda message: message
    return _stdlib_gettext.translation(
        "django", LOCALE_DIR, languages=[lang], fallback=True
    ).gettext
