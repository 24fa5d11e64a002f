"""What the AI does to a reader's decisions: paired unaided/aided reads of the same cases, with the AI's output.

Definitions (one item = one case, or one (case, finding) pair, read unaided and aided by the same reader):

- **Benefit of AI**: aided accuracy minus unaided accuracy (paired), and aided minus AI-alone accuracy
  (does the team beat the AI alone?).
- **Over-reliance** (switching to a wrong AI): among items where the reader was right unaided and the
  AI wrong, the share where the aided decision switched to the AI's wrong answer; it equals 1 - RSR.
- **Under-reliance**: among items where the AI was right and the reader wrong unaided, the share where
  the reader kept their own (wrong) answer; it equals 1 - RAIR.
- **Agreement with a wrong AI**: among all items where the AI was wrong, the share where the aided
  decision agrees with it. It also counts errors the reader made alone (a reader who never switches
  can score 1.0), so it is *not* a measure of reliance; kept under its true name only.
- **Relative AI reliance (RAIR)** and **relative self-reliance (RSR)**: Schemmer M, Kuehl N, Benz C,
  Bartos A, Satzger G (2023) "Appropriate reliance on AI advice: conceptualization and the effect of
  explanations", IUI '23, 410-422. RAIR = switches to a right AI / (reader wrong, AI right);
  RSR = kept own right answer / (reader right, AI wrong). RAIR = 1 - under-reliance.
- **Accuracy when the AI is right vs wrong**: the automation-bias view of Dratsch T, Chen X, Rezazade
  Mehrizi M et al. (2023) "Automation bias in mammography: the impact of artificial intelligence
  BI-RADS suggestions on reader performance", Radiology 307:e222176. Dratsch planted the AI's errors;
  ours fall on hard cases, so accuracy when the AI is wrong is low even unaided. The meaningful figure
  is the **Dratsch contrast**: (aided - unaided accuracy | AI wrong) - (aided - unaided | AI right),
  each a paired Newcombe difference, combined by MOVER (the two item sets are disjoint).

Proportions carry Wilson intervals (:mod:`medtandem.reliance.metrics`); the paired benefit Newcombe's
method 10 interval; AUCs DeLong's. These treat items as independent, which is right for one reader
on distinct cases only: for pooled reads use :mod:`medtandem.reliance.clustered` (reader x case
bootstrap) and the reader-level means of :mod:`medtandem.reliance.analysis`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from medtandem.reliance.calibration import Calibration, calibration
from medtandem.reliance.estimates import (
    Estimate,
    auc_estimate,
    difference_of_differences,
    format_table,
    paired_difference,
)
from medtandem.reliance.metrics import AnswerChanges, BinaryMetrics, Proportion


def _as_bool(name: str, values: Sequence[bool]) -> np.ndarray:
    """Booleans or 0/1 as a boolean array; anything else is refused, naming the argument."""
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=object)
    ok = np.fromiter((v in (0, 1, True, False) for v in arr), bool, len(arr))
    if not ok.all():
        raise ValueError(f"{name} must hold booleans or 0/1, got {arr[~ok][0]!r}")
    return arr.astype(bool)


def _scores(name: str, values: Sequence[float] | None, n: int, scale: float) -> np.ndarray | None:
    if values is None:
        return None
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} items but truth has {n}")
    try:
        x = np.asarray(values, dtype=float) / scale
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers, got {list(values)[:3]!r}") from None
    bad = ~((x >= 0.0) & (x <= 1.0))
    if bad.any():
        raise ValueError(
            f"{name} must lie between 0 and {scale:g}, got {np.asarray(values)[bad][0]!r}"
        )
    return x


@dataclass(frozen=True)
class RelianceMeasures:
    """Reliance measures of one reader (or a pooled group) on ``n`` paired items."""

    n: int
    unaided: BinaryMetrics
    aided: BinaryMetrics
    ai: BinaryMetrics
    auc_unaided: Estimate
    auc_aided: Estimate
    auc_ai: Estimate
    benefit: Estimate
    benefit_over_ai: Estimate
    changes: AnswerChanges
    agreement_with_ai: Proportion
    agreement_with_wrong_ai: Proportion
    over_reliance: Proportion
    under_reliance: Proportion
    rair: Proportion
    rsr: Proportion
    aided_accuracy_ai_right: Proportion
    aided_accuracy_ai_wrong: Proportion
    unaided_accuracy_ai_right: Proportion
    unaided_accuracy_ai_wrong: Proportion
    benefit_ai_right: Estimate
    benefit_ai_wrong: Estimate
    dratsch_contrast: Estimate
    calibration_unaided: Calibration | None
    calibration_aided: Calibration | None
    method: str = "paired unaided/aided reads; Wilson, Newcombe method 10, MOVER and DeLong intervals; items independent"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"n": self.n, "method": self.method}
        for name in self.__dataclass_fields__:
            if name in ("n", "method"):
                continue
            value = getattr(self, name)
            out[name] = value.to_dict() if value is not None else None
        return out

    def summary(self) -> str:
        def p(x: Proportion) -> str:
            ci = x.confidence_interval()
            return (
                f"{x.value:.3f} [{ci[0]:.3f}; {ci[1]:.3f}] ({x.successes}/{x.n})"
                if ci
                else f"- (0/{x.n})"
            )

        rows = [
            ("accuracy unaided", p(self.unaided.accuracy)),
            ("accuracy aided", p(self.aided.accuracy)),
            ("accuracy AI alone", p(self.ai.accuracy)),
            (
                "sensitivity unaided / aided",
                f"{p(self.unaided.sensitivity)} / {p(self.aided.sensitivity)}",
            ),
            (
                "specificity unaided / aided",
                f"{p(self.unaided.specificity)} / {p(self.aided.specificity)}",
            ),
            ("AUC unaided / aided / AI", f"{self.auc_unaided} / {self.auc_aided} / {self.auc_ai}"),
            ("benefit (aided - unaided)", str(self.benefit)),
            ("aided - AI alone", str(self.benefit_over_ai)),
            (
                "over-reliance (right alone, switched to a wrong AI) = 1 - RSR",
                p(self.over_reliance),
            ),
            ("under-reliance (AI right, kept own wrong) = 1 - RAIR", p(self.under_reliance)),
            ("agreement with a wrong AI", p(self.agreement_with_wrong_ai)),
            ("RAIR (Schemmer 2023)", p(self.rair)),
            ("RSR (Schemmer 2023)", p(self.rsr)),
            ("aided accuracy, AI right", p(self.aided_accuracy_ai_right)),
            ("aided accuracy, AI wrong", p(self.aided_accuracy_ai_wrong)),
            (
                "Dratsch contrast (benefit | AI wrong - benefit | AI right)",
                str(self.dratsch_contrast),
            ),
        ]
        if self.calibration_unaided and self.calibration_unaided.n:
            rows.append(
                (
                    "Brier / ECE unaided",
                    f"{self.calibration_unaided.brier:.3f} / {self.calibration_unaided.ece:.3f}",
                )
            )
        if self.calibration_aided and self.calibration_aided.n:
            rows.append(
                (
                    "Brier / ECE aided",
                    f"{self.calibration_aided.brier:.3f} / {self.calibration_aided.ece:.3f}",
                )
            )
        return f"Reliance measures, {self.n} paired items\n" + format_table(
            ["measure", "value [95% CI]"], rows
        )


def reliance_measures(
    truth: Sequence[bool],
    unaided: Sequence[bool],
    aided: Sequence[bool],
    ai: Sequence[bool],
    *,
    unaided_confidence: Sequence[float] | None = None,
    aided_confidence: Sequence[float] | None = None,
    ai_probability: Sequence[float] | None = None,
    confidence_level: float = 0.95,
) -> RelianceMeasures:
    """Measures from paired decisions (booleans: finding present) on the same items.

    Args:
        truth, unaided, aided, ai: one boolean per item (the reader's decision alone, with the AI,
            and the AI's own decision).
        unaided_confidence, aided_confidence: the reader's 0-100 confidence that the finding is
            present (for AUC and calibration); optional.
        ai_probability: the AI's probability in [0, 1] (for its AUC); optional.
    """
    t, u, a, m = (
        _as_bool(name, v)
        for name, v in (("truth", truth), ("unaided", unaided), ("aided", aided), ("ai", ai))
    )
    n = len(t)
    if not len(u) == len(a) == len(m) == n:
        raise ValueError(
            f"truth, unaided, aided and ai must have the same length; got {n}, {len(u)}, {len(a)}, {len(m)}"
        )
    uc = _scores("unaided_confidence", unaided_confidence, n, 100.0)
    ac = _scores("aided_confidence", aided_confidence, n, 100.0)
    ap = _scores("ai_probability", ai_probability, n, 1.0)

    u_ok, a_ok, m_ok = u == t, a == t, m == t
    follows, kept = a == m, a == u
    ai_wrong = ~m_ok

    def share(condition: np.ndarray, outcome: np.ndarray) -> Proportion:
        return Proportion(int((condition & outcome).sum()), int(condition.sum()), confidence_level)

    benefit_right = paired_difference(u_ok[m_ok], a_ok[m_ok], confidence_level)
    benefit_wrong = paired_difference(u_ok[ai_wrong], a_ok[ai_wrong], confidence_level)

    def metrics(d: np.ndarray) -> BinaryMetrics:
        return BinaryMetrics(share(np.ones(n, bool), d == t), share(t, d), share(~t, ~d))

    return RelianceMeasures(
        n=n,
        unaided=metrics(u),
        aided=metrics(a),
        ai=metrics(m),
        auc_unaided=auc_estimate(t, uc, confidence_level)
        if uc is not None
        else Estimate.empty("no confidence"),
        auc_aided=auc_estimate(t, ac, confidence_level)
        if ac is not None
        else Estimate.empty("no confidence"),
        auc_ai=auc_estimate(t, ap, confidence_level)
        if ap is not None
        else Estimate.empty("no probability"),
        benefit=paired_difference(u_ok, a_ok, confidence_level),
        benefit_over_ai=paired_difference(m_ok, a_ok, confidence_level),
        changes=AnswerChanges(
            n, int((u != a).sum()), int((~u_ok & a_ok).sum()), int((u_ok & ~a_ok).sum())
        ),
        agreement_with_ai=share(np.ones(n, bool), follows),
        agreement_with_wrong_ai=share(ai_wrong, follows),
        over_reliance=share(u_ok & ai_wrong, follows),
        under_reliance=share(m_ok & ~u_ok, kept),
        rair=share(m_ok & ~u_ok, a_ok),
        rsr=share(u_ok & ai_wrong, a_ok),
        aided_accuracy_ai_right=share(m_ok, a_ok),
        aided_accuracy_ai_wrong=share(ai_wrong, a_ok),
        unaided_accuracy_ai_right=share(m_ok, u_ok),
        unaided_accuracy_ai_wrong=share(ai_wrong, u_ok),
        benefit_ai_right=benefit_right,
        benefit_ai_wrong=benefit_wrong,
        dratsch_contrast=difference_of_differences(
            benefit_wrong, benefit_right, "Dratsch contrast; Newcombe method 10 per arm, MOVER"
        ),
        calibration_unaided=calibration(t, uc, decision=u) if uc is not None else None,
        calibration_aided=calibration(t, ac, decision=a) if ac is not None else None,
    )
