"""Reader-study randomisation: counterbalanced condition order, case blocks, per-session case order.

Pure Python (no Django), so a study can be replayed from its seed alone:

- every random draw uses a seed derived from the study seed and named parts
  (:func:`derive_seed`, SHA-256 based, stable across Python versions and machines);
- arms (condition orders, split-plot groups) use permuted-block randomisation in order of joining:
  each complete block of ``n_arms`` readers holds every arm exactly once, so arms never differ by
  more than one reader (Altman DG, Bland JM (1999) BMJ 318:1209, "How to randomise");
- the case order of each reader and session is a seeded shuffle, recorded with its seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import permutations

CROSSED, SEQUENTIAL, SPLIT_PLOT = "crossed", "sequential", "split_plot"
DESIGNS = (CROSSED, SEQUENTIAL, SPLIT_PLOT)
CONDITIONS = ("unaided", "aided")
PRACTICE = "practice"  # the reading mode of the sequential (hybrid) flow


def derive_seed(study_seed: int, *parts: object) -> int:
    """A 31-bit seed from the study seed and labels, e.g. ``derive_seed(42, "order", 3, 2)``."""
    text = ":".join(str(p) for p in (study_seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % (2**31)


def block_arm(study_seed: int, tag: str, join_index: int, n_arms: int) -> int:
    """Arm (0..n_arms-1) of the reader who joined ``join_index``-th, by permuted blocks of size ``n_arms``."""
    if n_arms < 1 or join_index < 0:
        raise ValueError("n_arms must be at least 1 and join_index non-negative")
    block, slot = divmod(join_index, n_arms)
    arms = list(range(n_arms))
    random.Random(derive_seed(study_seed, tag, block)).shuffle(arms)
    return arms[slot]


def shuffled(items: Sequence[int], seed: int) -> list[int]:
    out = list(items)
    random.Random(seed).shuffle(out)
    return out


def case_blocks(case_ids: Sequence[int], n_blocks: int, study_seed: int) -> list[list[int]]:
    """Split cases into ``n_blocks`` blocks of sizes differing by at most one (seeded, then dealt)."""
    if not 1 <= n_blocks <= len(case_ids):
        raise ValueError(
            f"n_blocks must be between 1 and the number of cases ({len(case_ids)}); got {n_blocks}"
        )
    order = shuffled(sorted(case_ids), derive_seed(study_seed, "blocks"))
    return [sorted(order[k::n_blocks]) for k in range(n_blocks)]


@dataclass(frozen=True)
class SessionPlan:
    period: int  # 1, 2, ...
    mode: str  # reading mode: unaided, aided or practice
    seed: int
    case_order: tuple[int, ...]


@dataclass(frozen=True)
class ReaderPlan:
    join_index: int
    arm: int  # index into condition_orders (crossed, split-plot); 0 for sequential
    block: int | None  # split-plot block
    condition_order: tuple[str, ...]
    sessions: tuple[SessionPlan, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "join_index": self.join_index,
            "arm": self.arm,
            "block": self.block,
            "condition_order": list(self.condition_order),
            "sessions": [
                {
                    "period": s.period,
                    "mode": s.mode,
                    "seed": s.seed,
                    "case_order": list(s.case_order),
                }
                for s in self.sessions
            ],
        }


def condition_orders(conditions: Sequence[str] = CONDITIONS) -> list[tuple[str, ...]]:
    """All orders of the conditions (unaided first, then aided first, for two)."""
    return list(permutations(conditions))


def plan_reader(
    design: str,
    study_seed: int,
    join_index: int,
    case_ids: Sequence[int],
    *,
    conditions: Sequence[str] = CONDITIONS,
    n_blocks: int = 1,
) -> ReaderPlan:
    """The sessions of one reader: which cases, in which order, under which condition, in which period."""
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}; got {design!r}")
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        raise ValueError(f"conditions must be among {CONDITIONS}; got {list(conditions)}")
    if not case_ids:
        raise ValueError("a study needs at least one case")
    if design == SEQUENTIAL:
        seed = derive_seed(study_seed, "order", join_index, 1)
        return ReaderPlan(
            join_index,
            0,
            None,
            tuple(CONDITIONS),
            (SessionPlan(1, PRACTICE, seed, tuple(shuffled(sorted(case_ids), seed))),),
        )
    orders = condition_orders(conditions)
    arm = block_arm(study_seed, "arm", join_index, len(orders))
    block = None
    cases = sorted(case_ids)
    if design == SPLIT_PLOT:
        block = block_arm(study_seed, "group", join_index, n_blocks)
        cases = case_blocks(case_ids, n_blocks, study_seed)[block]
    sessions = []
    for period, condition in enumerate(orders[arm], start=1):
        seed = derive_seed(study_seed, "order", join_index, period)
        sessions.append(SessionPlan(period, condition, seed, tuple(shuffled(cases, seed))))
    return ReaderPlan(join_index, arm, block, orders[arm], tuple(sessions))
