"""Reading a team's predictions file: one row per case, one probability per output.

Layout: a header ``id,<output>,…`` (``id,NORM,MI,STTC,CD,HYP`` or ``id,ABNORMAL``), then one row
per case of the phase, each probability a number in [0, 1]. Every rule is checked and *every*
problem reported (up to :data:`MAX_ERRORS`), each naming its line and cell:

* the header: ``id`` present, every output present, no unknown or repeated column;
* each row: an id of this phase (an id of the other phase or an invented one is "not a case of
  this phase"), given once, every probability a finite number within [0, 1] (``NaN``, ``inf``,
  ``=1+1``, empty cells refused);
* the file: no case of the phase missing.

The parser is given the phase's ids, never its truth: no message can depend on a case's labels.
Byte, row and encoding limits are checked before, by :func:`medtandem.web.uploads.read_upload`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

import numpy as np
from django.utils.translation import gettext as _

MAX_ERRORS = 20


class PredictionFileError(ValueError):
    """The file was refused; ``errors`` lists every problem found (translated, by line)."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def _shown(cell: str) -> str:
    """A cell quoted in a message, cut short (a hostile cell may be long)."""
    return repr(cell if len(cell) <= 40 else cell[:40] + "…")


def parse_predictions(
    text: str, *, ids: Sequence[str], outputs: Sequence[str], phase_label: str
) -> np.ndarray:
    """The probabilities as an array (len(ids), len(outputs)) in the order of ``ids``.

    Raises :class:`PredictionFileError` listing the problems; nothing is returned in part.
    """
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise PredictionFileError([_("CSV illisible : %s") % exc]) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    expected = ["id", *outputs]
    if not rows:
        raise PredictionFileError([_("Le fichier ne contient aucune ligne.")])
    header = [h.strip() for h in rows[0]]
    problems: list[str] = []
    missing_columns = [c for c in expected if c not in header]
    unknown_columns = [c for c in header if c not in expected]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing_columns:
        problems.append(
            _("ligne 1 : colonnes manquantes : %(m)s (attendu : %(e)s)")
            % {"m": ", ".join(missing_columns), "e": ",".join(expected)}
        )
    if unknown_columns:
        problems.append(
            _("ligne 1 : colonnes inconnues : %(u)s (attendu : %(e)s)")
            % {"u": ", ".join(_shown(c) for c in unknown_columns[:5]), "e": ",".join(expected)}
        )
    if repeated:
        problems.append(_("ligne 1 : colonnes en double : %s") % ", ".join(repeated))
    if problems:
        raise PredictionFileError(problems)
    position = {name: header.index(name) for name in expected}
    index = {case_id: i for i, case_id in enumerate(ids)}
    values = np.full((len(ids), len(outputs)), np.nan)
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(problems) >= MAX_ERRORS:
            break
        if len(row) != len(header):
            problems.append(
                _("ligne %(l)d : %(n)d cellules, %(h)d attendues")
                % {"l": line, "n": len(row), "h": len(header)}
            )
            continue
        case_id = row[position["id"]].strip()
        if case_id not in index:
            problems.append(
                _("ligne %(l)d : %(id)s n'est pas un cas de la phase %(phase)s")
                % {"l": line, "id": _shown(case_id), "phase": phase_label}
            )
            continue
        if case_id in seen:
            problems.append(
                _("ligne %(l)d : le cas %(id)s figure déjà ligne %(first)d")
                % {"l": line, "id": case_id, "first": seen[case_id]}
            )
            continue
        seen[case_id] = line
        for k, output in enumerate(outputs):
            cell = row[position[output]].strip()
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
                problems.append(
                    _("ligne %(l)d, colonne %(c)s : %(v)s n'est pas un nombre")
                    % {"l": line, "c": output, "v": _shown(cell)}
                )
                continue
            if not math.isfinite(value) or not 0.0 <= value <= 1.0:
                problems.append(
                    _("ligne %(l)d, colonne %(c)s : %(v)s n'est pas une probabilité entre 0 et 1")
                    % {"l": line, "c": output, "v": _shown(cell)}
                )
                continue
            values[index[case_id], k] = value
    missing = [case_id for case_id in ids if case_id not in seen]
    if missing and len(problems) < MAX_ERRORS:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        problems.append(
            _("%(n)d cas de la phase sans prédiction : %(ids)s") % {"n": len(missing), "ids": shown}
        )
    if problems:
        raise PredictionFileError(problems[:MAX_ERRORS])
    return values
