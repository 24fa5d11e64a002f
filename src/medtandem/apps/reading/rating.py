"""One rating per finding: the reader's belief that it is present, on a 0-100 scale.

Why one number: an ROC analysis needs, per case and finding, an ordinal rating of how sure the
reader is that the finding is present (Metz 1978; Obuchowski 2004, "How many observers are needed
in clinical studies of medical imaging?", AJR 182:867). A separate yes/no box beside a slider preset
at 50 gave analyses untouched 50s and let the box and the slider disagree.

The scale has five quick levels, after the 5-point confidence scales of radiology reader studies
(e.g. Berbaum et al. 1998; the "definitely / probably / possibly" wording), and any whole number in
between may be entered:

    0 definitely absent · 25 probably absent · 50 possibly present · 75 probably present ·
    100 definitely present

The binary call is derived, never entered: **present when the rating is at least 50**
(:data:`CALL_THRESHOLD`, "possibly present" or more), the same cut-off as a reader study's default
decision threshold.

Reads stored before this scale (a box plus a 0-100 "confidence" that the finding is present) were
migrated as: rating = the old confidence; the stored call = the old box (what the reader asserted).
Such a read is flagged when, for any superclass, the box disagrees with the derived call
(:data:`FLAG_INCONSISTENT`) or when all five confidences were left at the preset 50
(:data:`FLAG_PRESET`): analyses report how many were flagged and leave them out.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: A rating at or above this calls the finding present.
CALL_THRESHOLD = 50
#: The quick levels shown beside the rating, lowest first.
LEVELS: tuple[tuple[int, str | Promise], ...] = (
    (0, _("Certainement absent")),
    (25, _("Probablement absent")),
    (50, _("Possiblement présent")),
    (75, _("Probablement présent")),
    (100, _("Certainement présent")),
)
FLAG_INCONSISTENT = "legacy_inconsistent"
FLAG_PRESET = "legacy_preset"


def call(rating: int) -> bool:
    """The binary call derived from a rating."""
    return rating >= CALL_THRESHOLD


def nearest_level(rating: int) -> int:
    """The quick level nearest to a rating (ties go to the lower level)."""
    return min(LEVELS, key=lambda lv: (abs(lv[0] - rating), lv[0]))[0]


def level_label(rating: int) -> str:
    """The words of the quick level nearest to a rating (for feedback)."""
    return str(dict(LEVELS)[nearest_level(rating)])


def legacy_flag(boxes: Mapping[str, bool], confidences: Mapping[str, int]) -> str:
    """The flag of a read made with the old box-plus-slider form ("" when it is usable)."""
    if all(v == 50 for v in confidences.values()):
        return FLAG_PRESET
    if any(bool(boxes[k]) != call(confidences[k]) for k in confidences):
        return FLAG_INCONSISTENT
    return ""


#: The findings' names in the interface language (the cores keep PTB-XL's English names).
FINDING_NAMES = {
    "NORM": _("ECG normal"),
    "MI": _("Infarctus du myocarde"),
    "STTC": _("Modification du segment ST ou de l'onde T"),
    "CD": _("Trouble de la conduction"),
    "HYP": _("Hypertrophie"),
    "AFIB": _("Fibrillation ou flutter atrial"),
}
