"""Unaided accuracy on periodic re-reads of a fixed test set: the cleanest deskilling series. Pure.

The hybrid flow confounds exposure to the AI with practice (see :mod:`.deskilling`). Re-reading the
*same* cases alone at fixed intervals removes case mix from the comparison: round ``k``'s unaided
accuracy against round 0's, on the same cases, is a paired difference (Newcombe 1998, method 10),
per reader; the cohort's change is the mean of its readers' changes (t interval, readers as the
unit; Wilson score on readers where every reader changed alike, see
:func:`.estimates.mean_estimate`). A reader's round counts only when complete (every case of the
set read), so a round left half-done does not pass for a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from medtandem.reliance.estimates import Estimate, mean_estimate, paired_difference
from medtandem.reliance.metrics import Proportion


@dataclass(frozen=True)
class RereadRound:
    """Unaided accuracy of one round (``round`` 0 is the first re-read)."""

    round: int
    accuracy: Proportion


@dataclass(frozen=True)
class RereadSeries:
    """One reader's (or, with ``reader`` None, the cohort's pooled) accuracy round by round."""

    reader: str | None
    rounds: tuple[RereadRound, ...]
    change: Estimate  # last complete round - round 0, paired on the same cases (per reader)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def reread_series(
    reads: Sequence[tuple[str, int, str, bool]], n_cases: int, confidence_level: float = 0.95
) -> tuple[tuple[RereadSeries, ...], RereadSeries]:
    """Per-reader series and the cohort's, from ``(reader, round, case, correct)`` per read.

    Args:
        reads: one row per unaided re-read.
        n_cases: the set's size; a reader's round with fewer reads is incomplete and left out.
    Returns: (one series per reader, sorted by reader; the cohort's series: per round the pooled
        accuracy, and as change the mean of the readers' changes).
    """
    if n_cases < 1:
        raise ValueError(f"n_cases must be at least 1, got {n_cases}")
    by: dict[str, dict[int, dict[str, bool]]] = {}
    for i, (reader, k, case, correct) in enumerate(reads):
        if k < 0:
            raise ValueError(f"reads[{i}]: round must be 0 or more, got {k}")
        by.setdefault(str(reader), {}).setdefault(int(k), {})[str(case)] = bool(correct)
    method = "last round - round 0 on the same cases, Newcombe method 10 (paired)"
    readers: list[RereadSeries] = []
    pooled: dict[int, list[bool]] = {}
    for reader in sorted(by):
        complete = {k: c for k, c in sorted(by[reader].items()) if len(c) == n_cases}
        rounds = tuple(
            RereadRound(k, Proportion(sum(c.values()), len(c), confidence_level))
            for k, c in complete.items()
        )
        for k, c in complete.items():
            pooled.setdefault(k, []).extend(c.values())
        last = max(complete, default=0)
        if 0 in complete and last > 0:
            cases = sorted(complete[0])
            change = paired_difference(
                [complete[0][c] for c in cases],
                [complete[last][c] for c in cases],
                confidence_level,
            )
        else:
            change = Estimate.empty(method)
        readers.append(RereadSeries(reader, rounds, change))
    cohort = RereadSeries(
        None,
        tuple(
            RereadRound(k, Proportion(sum(v), len(v), confidence_level))
            for k, v in sorted(pooled.items())
        ),
        mean_estimate(
            [s.change.value for s in readers if s.change.value is not None],
            confidence_level,
            "mean of per-reader changes (last round - round 0), t interval",
            bounds=(-1.0, 1.0),
        ),
    )
    return tuple(readers), cohort
