"""The analysis of a study from its reads table (the export layout): MRMC, operating points at the
study's threshold, time per read, ROC curves, and the reliance measures.

Works on a data frame only (no database), so a locked study's analysis is recomputed from its
locked CSV and anyone holding the export gets the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from medtandem.jsonsafe import clean
from medtandem.mrmc import analyze
from medtandem.reliance import (
    ArmReliance,
    RelianceReport,
    analyze_reliance,
    auc_estimate,
    binary_metrics,
    reliance_by_arm,
    roc_curve,
)


@dataclass(frozen=True)
class StudyAnalysis:
    """Everything the analysis page and the report show."""

    endpoint: str
    threshold: int
    n_readers: int
    n_cases: int
    n_reads: int
    reads_per_condition: dict[str, int]
    mrmc: dict[str, Any] | None
    mrmc_error: str | None
    mrmc_conclusion: str | None
    operating: dict[str, dict[str, Any]]
    time_per_read: dict[str, dict[str, float | None]]
    ai_alone: dict[str, Any] | None
    reliance: RelianceReport | None
    roc: dict[str, dict[str, tuple[tuple[float, ...], tuple[float, ...]]]] = field(repr=False)
    mrmc_result: Any = field(default=None, repr=False, compare=False)
    #: Reads left out of every figure, by reason (see :func:`usable_reads`).
    excluded: dict[str, int] = field(default_factory=dict)
    #: The ROC curve of all readers' reads pooled, per condition (the bold curve on the charts).
    roc_pooled: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = field(
        default_factory=dict, repr=False
    )
    #: Reliance per arm (condition order); switch measures None where the unaided read came second.
    arms: tuple[ArmReliance, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return clean(
            {
                "endpoint": self.endpoint,
                "threshold": self.threshold,
                "n_readers": self.n_readers,
                "n_cases": self.n_cases,
                "n_reads": self.n_reads,
                "reads_per_condition": self.reads_per_condition,
                "mrmc": self.mrmc,
                "mrmc_error": self.mrmc_error,
                "mrmc_conclusion": self.mrmc_conclusion,
                "operating": self.operating,
                "time_per_read": self.time_per_read,
                "ai_alone": self.ai_alone,
                "reliance": self.reliance.to_dict() if self.reliance else None,
                "excluded": self.excluded,
                "arms": [a.to_dict() for a in self.arms],
            }
        )

    def summary(self) -> str:
        lines = [
            f"Study analysis: {self.n_readers} readers, {self.n_cases} cases, {self.n_reads} reads "
            f"(endpoint {self.endpoint}, threshold {self.threshold})"
        ]
        if self.mrmc:
            lines.append(
                "mean AUC: " + ", ".join(f"{k} {v:.3f}" for k, v in self.mrmc["mean_auc"].items())
            )
            rrrc = self.mrmc["rrrc"]
            lines.append(
                f"RRRC: F={rrrc['statistic']:.3f} df=({rrrc['df1']:.2f}, {rrrc['df2']:.2f}) p={rrrc['p']:.4f}"
            )
        elif self.mrmc_error:
            lines.append(f"MRMC: {self.mrmc_error}")
        if self.reliance:
            lines.append(f"mean benefit across readers: {self.reliance.mean_benefit}")
        return "\n".join(lines)


def _metrics_dict(truth: pd.Series, decision: pd.Series) -> dict[str, Any]:
    m = binary_metrics(truth.astype(bool).tolist(), decision.astype(bool).tolist())
    return m.to_dict()


def paired_frame(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The reliance input: :func:`ordered_pairs` whose unaided read came first (column dropped)."""
    pairs = ordered_pairs(frame, threshold)
    if pairs.empty:
        return pairs
    return pairs[pairs["unaided_first"]].drop(columns="unaided_first").reset_index(drop=True)


def ordered_pairs(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Reader x case rows read under both conditions, with the AI's call: the reliance input.

    Switch-based measures (RAIR, RSR, over- and under-reliance) mean something only when the unaided
    read came first: column ``unaided_first`` says so (in a sequential design every pair; in a
    crossed or split-plot design those whose unaided read has the earlier period or, in the same
    period, the earlier commit); it is the pair's arm for :func:`medtandem.reliance.reliance_by_arm`.
    Imported reads, whose order is unknown, are left out. Decisions are the
    reader's own calls (``asserted``) where every read has one, else ``rating >= threshold``.
    """
    needed = frame.dropna(subset=["rating"])
    if "submitted_at" in needed:
        needed = needed.dropna(subset=["submitted_at"])
    calls = "asserted" in needed and needed["asserted"].notna().all() and not needed.empty
    values = ["rating", "asserted"] if calls else ["rating"]
    order = [c for c in ("period", "submitted_at") if c in needed]
    wide = needed.pivot_table(
        index=["reader", "case"],
        columns="modality",
        values=values + order,
        aggfunc="first",
    )
    if not {"unaided", "aided"} <= set(wide.columns.get_level_values(1)):
        return pd.DataFrame()
    wide = wide.dropna(subset=[("rating", "unaided"), ("rating", "aided")])
    if order:
        key_u = list(zip(*(wide[(c, "unaided")] for c in order), strict=True))
        key_a = list(zip(*(wide[(c, "aided")] for c in order), strict=True))
        first = pd.Series([u < a for u, a in zip(key_u, key_a, strict=True)], index=wide.index)
    else:  # no order columns (another tool's table): taken as read in the hybrid flow
        first = pd.Series(True, index=wide.index)
    decision = wide["asserted"] if calls else wide["rating"] >= threshold
    wide = pd.DataFrame(
        {
            "unaided": wide[("rating", "unaided")],
            "aided": wide[("rating", "aided")],
            "unaided_call": decision["unaided"].astype(bool),
            "aided_call": decision["aided"].astype(bool),
            "unaided_first": first.astype(bool),
        }
    ).reset_index()
    info = needed.drop_duplicates(["reader", "case"]).set_index(["reader", "case"])
    wide = wide.join(info[["truth", "ai_probability", "experience_band"]], on=["reader", "case"])
    wide = wide.dropna(subset=["ai_probability"])
    if wide.empty:
        return wide
    return pd.DataFrame(
        {
            "reader": wide["reader"].astype(str),
            "case": wide["case"].astype(str),
            "truth": wide["truth"].astype(int).astype(bool),
            "unaided": wide["unaided_call"],
            "aided": wide["aided_call"],
            "ai": wide["ai_probability"] >= 0.5,
            "unaided_confidence": wide["unaided"].clip(0, 100),
            "aided_confidence": wide["aided"].clip(0, 100),
            "ai_probability": wide["ai_probability"].clip(0, 1),
            "stratum": wide["experience_band"].fillna("unknown").astype(str),
            "unaided_first": wide["unaided_first"].astype(bool),
        }
    )


#: Why a read is left out of the analysis, in the order the reasons are checked.
EXCLUDED_SEEN = "seen_truth_before"
EXCLUDED_FLAGGED = "rating_flag"


def usable_reads(
    frame: pd.DataFrame, *, include_seen: bool = False
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The reads an analysis may use, and how many were left out and why.

    - ``seen_truth_before``: the reader had already seen that case with its truth in another session
      (practice with feedback): the read measures memory, not reading. Left out unless
      ``include_seen`` (a sensitivity analysis).
    - ``rating_flag``: a read made before the single rating existed whose box and slider disagreed
      or whose sliders stayed at the preset (see :mod:`medtandem.apps.reading.rating`). Always left out.
    Exports without these columns (another tool's reads) lose nothing.
    """
    excluded: dict[str, int] = {}
    keep = pd.Series(True, index=frame.index)
    if EXCLUDED_SEEN in frame and not include_seen:
        seen = pd.to_numeric(frame[EXCLUDED_SEEN], errors="coerce").fillna(0).astype(int) == 1
        excluded[EXCLUDED_SEEN] = int(seen.sum())
        keep &= ~seen
    if EXCLUDED_FLAGGED in frame:
        flagged = (
            frame[EXCLUDED_FLAGGED]
            .astype(object)
            .where(frame[EXCLUDED_FLAGGED].notna(), "")
            .astype(str)
            != ""
        )
        excluded[EXCLUDED_FLAGGED] = int((flagged & keep).sum())
        keep &= ~flagged
    return frame[keep], excluded


def analyze_frame(
    frame: pd.DataFrame,
    *,
    endpoint: str,
    threshold: int,
    alpha: float = 0.05,
    include_seen: bool = False,
) -> StudyAnalysis:
    """Analyse a reads table with at least ``reader, case, modality, truth, rating`` (plus export metadata).

    Reads :func:`usable_reads` leaves out are counted in ``excluded`` and used nowhere else.
    """
    frame, excluded = usable_reads(frame, include_seen=include_seen)
    frame = frame.copy()
    for column in ("ai_probability", "time_ms", "experience_band"):
        if column not in frame:
            frame[column] = None
    frame["reader"] = frame["reader"].astype(str)
    frame["case"] = frame["case"].astype(str)
    frame["ai_probability"] = pd.to_numeric(frame["ai_probability"], errors="coerce")
    frame["time_ms"] = pd.to_numeric(frame["time_ms"], errors="coerce")
    modalities = [m for m in ("unaided", "aided") if m in set(frame["modality"])]
    mrmc = conclusion = error = result = None
    if frame.empty:
        error = "aucune lecture"
    else:
        try:
            result = analyze(
                frame[["reader", "case", "modality", "truth", "rating"]],
                cov="jackknife",
                method="or",
                alpha=alpha,
            )
            mrmc = result.to_dict()
            conclusion = result.conclusion()
        except ValueError as exc:  # MrmcInputError / MrmcDesignError: not enough reads yet, etc.
            error = str(exc)
    operating: dict[str, dict[str, Any]] = {}
    times: dict[str, dict[str, float | None]] = {}
    roc: dict[str, dict[str, tuple[tuple[float, ...], tuple[float, ...]]]] = {}
    roc_pooled: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {}
    for modality in modalities:
        sub = frame[frame["modality"] == modality]
        decision = sub["rating"] >= threshold
        operating[modality] = {
            "pooled": _metrics_dict(sub["truth"], decision),
            "by_reader": {
                r: _metrics_dict(g["truth"], g["rating"] >= threshold)
                for r, g in sub.groupby("reader", sort=True)
            },
        }
        seconds = sub["time_ms"].dropna() / 1000
        times[modality] = {
            "n": int(len(seconds)),
            "median_s": float(seconds.median()) if len(seconds) else None,
            "mean_s": float(seconds.mean()) if len(seconds) else None,
        }
        for reader, g in sub.groupby("reader", sort=True):
            roc.setdefault(reader, {})[modality] = roc_curve(g["truth"].astype(bool), g["rating"])
        roc_pooled[modality] = roc_curve(sub["truth"].astype(bool), sub["rating"])
    ai_alone = None
    cases = frame.drop_duplicates("case").dropna(subset=["ai_probability"])
    if not cases.empty:
        auc = auc_estimate(cases["truth"].astype(bool), cases["ai_probability"])
        ai_alone = {
            "n_cases": int(len(cases)),
            "auc": auc.to_dict(),
            **_metrics_dict(cases["truth"], cases["ai_probability"] >= 0.5),
        }
        roc.setdefault("IA", {})["ai"] = roc_curve(
            cases["truth"].astype(bool), cases["ai_probability"]
        )
    ordered = ordered_pairs(frame, threshold)
    arms = reliance_by_arm(ordered) if not ordered.empty else ()
    pairs = (
        ordered[ordered["unaided_first"]].drop(columns="unaided_first")
        if not ordered.empty
        else ordered
    )
    reliance = analyze_reliance(pairs) if not pairs.empty else None
    return StudyAnalysis(
        endpoint=endpoint,
        threshold=threshold,
        n_readers=int(frame["reader"].nunique()),
        n_cases=int(frame["case"].nunique()),
        n_reads=int(len(frame)),
        reads_per_condition={m: int((frame["modality"] == m).sum()) for m in modalities},
        mrmc=mrmc,
        mrmc_error=error,
        mrmc_conclusion=conclusion,
        operating=operating,
        time_per_read=times,
        ai_alone=ai_alone,
        reliance=reliance,
        roc=roc,
        mrmc_result=result,
        excluded=excluded,
        roc_pooled=roc_pooled,
        arms=arms,
    )


# --- what the report's checklist says about the readers' work (DECIDE-AI human factors) ----------


@dataclass(frozen=True)
class Spread:
    """Median, minimum and maximum of one figure across readers (None when no reader has it)."""

    median: float | None
    minimum: float | None
    maximum: float | None

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if not values:
            return cls(None, None, None)
        s = pd.Series(values, dtype=float)
        return cls(float(s.median()), float(s.min()), float(s.max()))


@dataclass(frozen=True)
class UserExposure:
    """How much each analysed reader read: reads (all, aided), time per read, total reading time.

    DECIDE-AI asks for the users' exposure to the AI system (Vasey et al. 2022). Counted over the
    reads the analysis uses (:func:`usable_reads`); times from ``time_ms`` (browser time on task,
    else server time between serving and storing the step).
    """

    n_readers: int
    reads_per_reader: Spread
    aided_reads_per_reader: Spread
    median_seconds_per_read: float | None
    minutes_per_reader: Spread


def user_exposure(frame: pd.DataFrame) -> UserExposure:
    frame, _excluded = usable_reads(frame)
    if frame.empty:
        return UserExposure(0, Spread.of([]), Spread.of([]), None, Spread.of([]))
    reader = frame["reader"].astype(str)
    seconds = pd.to_numeric(frame.get("time_ms"), errors="coerce") / 1000
    reads = frame.groupby(reader).size()
    aided = (frame["modality"] == "aided").groupby(reader).sum()
    minutes = seconds.groupby(reader).sum(min_count=1) / 60
    return UserExposure(
        n_readers=int(reads.size),
        reads_per_reader=Spread.of([float(x) for x in reads]),
        aided_reads_per_reader=Spread.of([float(x) for x in aided]),
        median_seconds_per_read=float(seconds.median()) if seconds.notna().any() else None,
        minutes_per_reader=Spread.of([float(x) for x in minutes.dropna()]),
    )


@dataclass(frozen=True)
class Proportion:
    """``k`` of ``n`` (``value`` is None when ``n`` is 0)."""

    k: int
    n: int

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None


@dataclass(frozen=True)
class HumanAIAgreement:
    """Agreement of the readers' calls with the AI's call, and switches between unaided and aided.

    - ``aided`` / ``unaided``: reads whose call (``decision``: rating ≥ threshold) equals the AI's
      (probability ≥ 0.5), among the usable reads of that condition with an AI output;
    - ``switched_to_ai``: pairs (unaided first, :func:`paired_frame`) whose unaided call differed
      from the AI's and whose aided call took the AI's;
    - ``switched_away``: pairs whose unaided call agreed with the AI and whose aided call left it.
    """

    aided: Proportion
    unaided: Proportion
    switched_to_ai: Proportion
    switched_away: Proportion


def human_ai_agreement(frame: pd.DataFrame, threshold: int) -> HumanAIAgreement:
    frame, _excluded = usable_reads(frame)
    probs = pd.to_numeric(frame.get("ai_probability"), errors="coerce")
    known = frame[probs.notna()]
    ai_call = probs[probs.notna()] >= 0.5
    call = pd.to_numeric(known["rating"], errors="coerce") >= threshold

    def agree(modality: str) -> Proportion:
        mask = known["modality"] == modality
        return Proportion(int((call[mask] == ai_call[mask]).sum()), int(mask.sum()))

    to_ai = away = Proportion(0, 0)
    if not frame.empty:
        pairs = paired_frame(frame.assign(asserted=None), threshold)
        if not pairs.empty:
            differed = pairs["unaided"] != pairs["ai"]
            to_ai = Proportion(
                int((differed & (pairs["aided"] == pairs["ai"])).sum()), int(differed.sum())
            )
            away = Proportion(
                int((~differed & (pairs["aided"] != pairs["ai"])).sum()), int((~differed).sum())
            )
    return HumanAIAgreement(agree("aided"), agree("unaided"), to_ai, away)


@dataclass(frozen=True)
class LearningCurve:
    """Unaided accuracy by the read's place in its reader's sequence, in thirds of that sequence.

    Each reader's platform reads (unaided and aided, every period) are ordered by the time they were
    stored; a read at place ``i`` (0-based) of ``n`` falls in third ``floor(3 i / n)``. Accuracy is
    the unaided call (rating ≥ threshold) against the truth. Imported reads, whose order is not
    recorded, are left out. DECIDE-AI asks for the users' learning curves (Vasey et al. 2022).
    """

    thirds: tuple[Proportion, Proportion, Proportion]


def learning_curve(frame: pd.DataFrame, threshold: int) -> LearningCurve:
    frame, _excluded = usable_reads(frame)
    counts = [[0, 0], [0, 0], [0, 0]]
    if "submitted_at" in frame and not frame.empty:
        timed = frame.dropna(subset=["submitted_at"]).copy()
        timed["at"] = pd.to_datetime(timed["submitted_at"], utc=True, format="ISO8601")
        for _reader, reads in timed.groupby(timed["reader"].astype(str), sort=True):
            reads = reads.sort_values("at", kind="stable")
            n = len(reads)
            for i, row in enumerate(reads.itertuples(index=False)):
                if row.modality != "unaided":
                    continue
                third = 3 * i // n
                counts[third][1] += 1
                counts[third][0] += int((float(row.rating) >= threshold) == bool(int(row.truth)))
    a, b, c = (Proportion(k, n) for k, n in counts)
    return LearningCurve((a, b, c))
