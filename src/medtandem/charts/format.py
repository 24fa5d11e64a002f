"""Locale-aware numbers, the same for chart axes and for the tables beside them.

French (``"fr"``): decimal comma, narrow no-break space (U+202F) between thousands, and a narrow
no-break space before the percent sign, as the Imprimerie nationale's *Lexique des règles
typographiques* and the CLDR ``fr`` locale prescribe (``0,80`` ; ``12 345`` ; ``80 %``).
English (``"en"``): decimal point, comma thousands, no space before ``%`` (CLDR ``en``).
Negative numbers take the true minus sign U+2212, which has the width of ``+`` and does not break
from its digits. Missing values (``None``, NaN, infinities) print as ``missing`` (an en dash).
"""

from __future__ import annotations

import math
from typing import Literal, cast

__all__ = ["LOCALES", "Locale", "check_locale", "format_interval", "format_number"]

Locale = Literal["fr", "en"]
LOCALES: tuple[Locale, ...] = ("fr", "en")
NNBSP = "\u202f"
MINUS = "\u2212"
MISSING = "\u2013"


def check_locale(locale: object, *, argument: str = "locale") -> Locale:
    """``locale`` if it is one we format for, else a ``ValueError`` naming ``argument``."""
    if locale not in LOCALES:
        raise ValueError(f"{argument} must be one of {LOCALES!r}, got {locale!r}")
    return cast(Locale, locale)


def _check_digits(digits: object) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise ValueError(f"digits must be an integer between 0 and 12, got {digits!r}")
    return digits


def format_number(
    x: float | int | None,
    locale: Locale = "fr",
    *,
    digits: int = 2,
    percent: bool = False,
    missing: str = MISSING,
) -> str:
    """``x`` written for ``locale`` with ``digits`` decimals (after ×100 when ``percent``).

    >>> format_number(12345.678, "fr", digits=1)
    '12\\u202f345,7'
    >>> format_number(0.8, "en", digits=0, percent=True)
    '80%'
    """
    check_locale(locale)
    _check_digits(digits)
    if x is None or isinstance(x, bool) or not isinstance(x, int | float):
        if x is None:
            return missing
        raise ValueError(f"x must be a number or None, got {type(x).__name__}")
    v = float(x)
    if not math.isfinite(v):
        return missing
    if percent:
        v *= 100.0
    body = f"{abs(v):,.{digits}f}"
    negative = v < 0 and any(c not in "0.," for c in body)  # no "−0,00"
    if locale == "fr":
        body = body.replace(",", NNBSP).replace(".", ",")
    out = (MINUS if negative else "") + body
    if percent:
        out += (NNBSP + "%") if locale == "fr" else "%"
    return out


def list_separator(locale: Locale = "fr") -> str:
    """What separates the items of a list in running text, or two figures in one table cell: a
    spaced semicolon in French (`` ; ``), a semicolon and a space in English (``; ``).

    >>> list_separator("en")
    '; '
    """
    return " ; " if check_locale(locale) == "fr" else "; "


def format_interval(
    lower: float | int | None,
    upper: float | int | None,
    locale: Locale = "fr",
    *,
    digits: int = 2,
    percent: bool = False,
) -> str:
    """An interval's bounds in brackets: ``[0,12 ; 0,47]`` in French (the semicolon keeps the decimal
    commas apart), ``[0.12, 0.47]`` in English; empty when a bound is missing.

    >>> format_interval(-0.25, 0.5, "en")
    '[\u22120.25, 0.50]'
    """
    if lower is None or upper is None:
        return ""
    sep = " ; " if check_locale(locale) == "fr" else ", "
    lo = format_number(lower, locale, digits=digits, percent=percent)
    hi = format_number(upper, locale, digits=digits, percent=percent)
    return f"[{lo}{sep}{hi}]"
