"""Reading an uploaded file within limits: size, rows and encoding checked before any parsing.

Every upload (study read import, enrolment CSV, GIFT and Moodle XML quiz import) is read through
:func:`read_upload`, which reads in chunks and stops as soon as the byte limit is passed (a 39 MB
file is refused after ``max_bytes + 1`` bytes, not parsed for a minute), rejects text that is not
UTF-8, counts lines against ``max_rows`` and returns the text with universal newlines. Errors are :class:`UploadError` (or its subclass
:class:`UploadTooLarge`) carrying a translated message for the page.

Limits come from the settings ``MEDTANDEM_MAX_UPLOAD_BYTES`` and ``MEDTANDEM_MAX_UPLOAD_ROWS``
unless given; :func:`limits` names the ones used by each kind of upload.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK_BYTES = 64 * 1024


class UploadError(ValueError):
    """An upload is refused before parsing; ``str(exc)`` is the message to show (translated)."""


class UploadTooLarge(UploadError):
    """More bytes or more rows than the limit."""


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_rows: int | None


def limits(kind: str) -> UploadLimits:
    """The limits for one kind of upload: ``study_reads``, ``enrolment`` or ``quiz``.

    ``settings.MEDTANDEM_UPLOAD_LIMITS[kind]`` (a ``(max_bytes, max_rows)`` pair) overrides the
    defaults ``MEDTANDEM_MAX_UPLOAD_BYTES`` / ``MEDTANDEM_MAX_UPLOAD_ROWS``.
    """
    default = (settings.MEDTANDEM_MAX_UPLOAD_BYTES, settings.MEDTANDEM_MAX_UPLOAD_ROWS)
    max_bytes, max_rows = getattr(settings, "MEDTANDEM_UPLOAD_LIMITS", {}).get(kind, default)
    return UploadLimits(int(max_bytes), None if max_rows is None else int(max_rows))


def read_upload(
    upload: Any,
    *,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    kind: str | None = None,
) -> str:
    """The text of an uploaded file (UTF-8, a leading BOM dropped), or :class:`UploadError`.

    Args:
        upload: a Django ``UploadedFile`` or any binary file object (``read(n)``); read from its
            start; left rewound to the start when it can seek, so a caller may read it again.
        max_bytes: refuse past this many bytes (default: the limit of ``kind``, else
            ``MEDTANDEM_MAX_UPLOAD_BYTES``).
        max_rows: refuse past this many lines (``None``: no row limit). A CSV header counts.
        kind: a kind known to :func:`limits`, for the defaults.
    """
    chosen = limits(kind) if kind else UploadLimits(settings.MEDTANDEM_MAX_UPLOAD_BYTES, None)
    max_bytes = chosen.max_bytes if max_bytes is None else max_bytes
    max_rows = chosen.max_rows if max_rows is None else max_rows
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise UploadTooLarge(_too_large(max_bytes))
    if hasattr(upload, "seek"):
        upload.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    parts: list[str] = []
    total = 0
    lines = 0
    while True:
        chunk = upload.read(CHUNK_BYTES)
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        total += len(chunk)
        if total > max_bytes:
            raise UploadTooLarge(_too_large(max_bytes))
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise UploadError(
                _("Le fichier doit être encodé en UTF-8 (octet illisible vers la position %d).")
                % (total - len(chunk) + exc.start + 1)
            ) from None
        lines += max(text.count("\n"), text.count("\r"))
        if max_rows is not None and lines > max_rows:
            raise UploadTooLarge(_("Fichier trop long : %(n)d lignes au plus.") % {"n": max_rows})
        parts.append(text)
    try:
        parts.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        raise UploadError(
            _("Le fichier doit être encodé en UTF-8 (fin de fichier tronquée).")
        ) from None
    if hasattr(upload, "seek"):
        upload.seek(0)
    text = "".join(parts)
    if "\x00" in text:
        raise UploadError(_("Le fichier contient des octets nuls : ce n'est pas un fichier texte."))
    if max_rows is not None and text and not text.endswith("\n") and lines + 1 > max_rows:
        raise UploadTooLarge(_("Fichier trop long : %(n)d lignes au plus.") % {"n": max_rows})
    if total == 0:
        raise UploadError(_("Le fichier est vide."))
    return normalise_newlines(text.removeprefix("\ufeff"))


def form_text(upload: Any, kind: str) -> str:
    """:func:`read_upload` for a form's ``clean_<field>``: the text within the limits of ``kind``,
    or the refusal as the field's error."""
    try:
        return read_upload(upload, kind=kind)
    except UploadError as exc:
        raise forms.ValidationError(str(exc)) from None


def normalise_newlines(text: str) -> str:
    """Universal newlines, as Python's text mode reads files: ``\\r\\n`` and a lone ``\\r`` become ``\\n``
    (a lone carriage return inside a CSV line otherwise makes :mod:`csv` raise instead of parse)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _too_large(max_bytes: int) -> str:
    return _("Fichier trop volumineux : %(limit)s au plus.") % {"limit": filesizeformat(max_bytes)}
