"""The programmatic entry point: :func:`analyze` reads and returns an :class:`MrmcResult`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from .covariance import COV_METHODS, JACKKNIFE_CONVENTIONS, FomCovariance, estimate_covariance
from .data import Reads, prepare_reads
from .dbm import DBMComponents, dbm_analysis
from .design import Design, classify_design
from .errors import MrmcDesignError, MrmcInputError
from .fom import FomSpec
from .obuchowski_rockette import ORComponents, check_alpha, or_analysis
from .results import FactorAnalysis, clean, format_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["METHODS", "Conventions", "MrmcResult", "analyze"]

METHODS = ("or", "dbm")
_METHOD_NAMES = {"or": "Obuchowski-Rockette", "dbm": "Dorfman-Berbaum-Metz"}


_JK_TEXT = {
    "study_cases": "jackknife over all study cases, an unread case leaving a reader-modality's "
    "FOM unchanged, factor (c-1)/c (MRMCaov 0.3.0)",
    "own_cases": "jackknife of each reader-modality over its own cases, factor (n-1)/n",
}


@dataclass(frozen=True)
class Conventions:
    """The conventions an analysis used where the reference implementations differ.

    Attributes:
        jackknife: ``study_cases`` (MRMCaov) or ``own_cases``; None when the covariance is
            not a jackknife (DeLong, bootstrap). Both give the same result on fully crossed
            designs; see :mod:`.covariance`.
        frrc_truncate: whether ``Cov2 - Cov3`` is truncated at 0 in the OR FRRC analysis
            (OR-DBM MRMC: True; MRMCaov: False); DBM has no such term.
        jackknife_differs: whether the jackknife convention changes the result here
            (incomplete design with jackknife covariance).
    """

    jackknife: str | None
    frrc_truncate: bool
    jackknife_differs: bool

    @property
    def description(self) -> str:
        parts = []
        if self.jackknife is not None:
            parts.append(
                f"jackknife={self.jackknife} ({_JK_TEXT[self.jackknife]}"
                + ("" if self.jackknife_differs else "; same result on this design")
                + ")"
            )
        parts.append(
            "FRRC Cov2 - Cov3 "
            + ("truncated at 0 (OR-DBM MRMC)" if self.frrc_truncate else "not truncated (MRMCaov)")
        )
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "description": self.description}


@dataclass(frozen=True, eq=False)
class MrmcResult:
    """Result of an MRMC analysis.

    Attributes:
        method: ``or`` or ``dbm``.
        cov: covariance method, ``jackknife``, ``delong`` or ``bootstrap``.
        fom: the figure of merit analysed (``FomSpec``; ``auc`` by default).
        alpha: significance level (confidence intervals are ``1 - alpha``).
        design: the design found and the analyses it supports.
        modalities, readers: labels as in the input, in order of first appearance.
        auc: FOM per modality and reader, ``{modality: {reader: value}}`` (named ``auc``
            whatever the FOM).
        mean_auc: reader-averaged FOM per modality.
        components: OR variance components and covariances.
        rrrc, frrc, rrfc: the three generalisations (random readers and cases; fixed readers;
            fixed cases), each with its global test, pairwise differences and modality CIs.
        dbm_components: DBM mean squares and variance components (``method='dbm'`` only).
        n_cases, n_diseased, n_nondiseased, n_reads: counts.
        conventions: the conventions used where references differ (:class:`Conventions`).
    """

    method: str
    cov: str
    fom: FomSpec
    alpha: float
    design: Design
    modalities: tuple[str, ...]
    readers: tuple[str, ...]
    auc: dict[str, dict[str, float]]
    mean_auc: dict[str, float]
    components: ORComponents
    rrrc: FactorAnalysis
    frrc: FactorAnalysis
    rrfc: FactorAnalysis
    dbm_components: DBMComponents | None
    n_cases: int
    n_diseased: int
    n_nondiseased: int
    n_reads: int
    covariance: FomCovariance = field(repr=False)
    reads: Reads = field(repr=False)
    conventions: Conventions = Conventions("study_cases", True, False)

    @property
    def method_name(self) -> str:
        return _METHOD_NAMES[self.method]

    def conclusion(self) -> str:
        """A plain-language paragraph (RRRC analysis) an investigator can paste in a paper."""
        level = f"{100 * (1 - self.alpha):g}%"
        fom = "AUC" if self.fom.name == "auc" else self.fom.label
        design = self.design.description.split(":")[0]
        mean = ", ".join(f"{v:.3f} for modality {k}" for k, v in self.mean_auc.items())
        cov_txt = {"jackknife": "jackknife", "delong": "DeLong", "bootstrap": "bootstrap"}[self.cov]
        how = (
            f"{self.method_name} analysis"
            + (
                f" with {cov_txt} covariance"
                if self.method == "or"
                else " of jackknife pseudovalues"
            )
            + " and Hillis denominator degrees of freedom, treating readers and cases as random"
        )
        text = [
            f"In a {design} multi-reader multi-case study ({len(self.readers)} readers, "
            f"{self.n_cases} cases: {self.n_diseased} diseased and {self.n_nondiseased} "
            f"non-diseased; {self.n_reads:,} reads), the reader-averaged empirical {fom} was "
            f"{mean}."
        ]
        test = self.rrrc.test
        sig = (
            "statistically significant" if test.p < self.alpha else "not statistically significant"
        )
        if len(self.modalities) == 2:
            d = self.rrrc.differences[0]
            text.append(
                f"The difference ({d.comparison}) was {d.estimate:.3f} ({level} CI {d.ci_lower:.3f} "
                f"to {d.ci_upper:.3f}; p = {_p(d.p)}) by {how} (F = {test.statistic:.2f} on "
                f"{test.df1:g} and {test.df2:.1f} df)."
            )
            text.append(f"The difference is {sig} at the {self.alpha:g} level.")
        else:
            text.append(
                f"The test of equal {fom} across the {len(self.modalities)} modalities gave "
                f"F = {test.statistic:.2f} on {test.df1:g} and {test.df2:.1f} df (p = {_p(test.p)}) by "
                f"{how}; the difference is {sig} at the {self.alpha:g} level."
            )
            signif = [d for d in self.rrrc.differences if d.p < self.alpha]
            if signif:
                text.append(
                    "Pairwise differences significant at that level: "
                    + "; ".join(
                        f"{d.comparison} = {d.estimate:.3f} ({level} CI {d.ci_lower:.3f} to "
                        f"{d.ci_upper:.3f}, p = {_p(d.p)})"
                        for d in signif
                    )
                    + "."
                )
        if self.conventions.jackknife_differs:
            text.append(
                f"The design is {design}; the jackknife covariance follows "
                + (
                    "MRMCaov's convention (each reader's figure of merit jackknifed over all "
                    f"{self.n_cases} cases, an unread case leaving it unchanged)."
                    if self.conventions.jackknife == "study_cases"
                    else "the own-cases convention (each reader's figure of merit jackknifed over "
                    "the cases that reader read)."
                )
            )
        return " ".join(text)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dictionary (labels kept as in the input)."""
        d: dict[str, Any] = {
            "method": self.method,
            "cov": self.cov,
            "fom": self.fom.name,
            "fom_label": self.fom.label,
            "threshold": self.fom.threshold,
            "max_fpr": self.fom.max_fpr,
            "alpha": self.alpha,
            "design": self.design.to_dict(),
            "conventions": self.conventions.to_dict(),
            "modalities": list(self.modalities),
            "readers": list(self.readers),
            "n_cases": self.n_cases,
            "n_diseased": self.n_diseased,
            "n_nondiseased": self.n_nondiseased,
            "n_reads": self.n_reads,
            "mean_auc": dict(self.mean_auc),
            "auc": {m: dict(v) for m, v in self.auc.items()},
            "components": self.components.to_dict(),
            "rrrc": self.rrrc.to_dict(),
            "frrc": self.frrc.to_dict(),
            "rrfc": self.rrfc.to_dict(),
            "conclusion": self.conclusion(),
        }
        if self.covariance.n_boot is not None:
            d["n_boot"] = self.covariance.n_boot
        if self.dbm_components is not None:
            d["dbm_components"] = self.dbm_components.to_dict()
        return clean(d)

    def summary(self) -> str:
        """A printable report in the layout of MRMCaov's ``summary()``."""
        cov_txt = self.cov if self.method == "or" else "jackknife pseudovalues"
        head = [
            "Multi-Reader Multi-Case Analysis of Variance",
            f"Method: {self.method_name}; covariance: {cov_txt}; FOM: {self.fom.label}",
            f"Design: {self.design.description} (MRMCaov: {self.design.mrmcaov_design})",
            f"Conventions: {self.conventions.description}",
            f"Readers: {len(self.readers)}  Cases: {self.n_cases} ({self.n_diseased} diseased, "
            f"{self.n_nondiseased} non-diseased)  Modalities: {len(self.modalities)}  "
            f"Reads: {self.n_reads}",
            "",
            "FOM by reader and modality:",
            format_table(
                ["Reader"] + list(self.modalities),
                [[rd] + [self.auc[m][rd] for m in self.modalities] for rd in self.readers]
                + [["mean"] + [self.mean_auc[m] for m in self.modalities]],
            ),
            "",
            self.components.summary(),
        ]
        if self.dbm_components is not None:
            head += ["", self.dbm_components.summary()]
        parts = [
            "\n".join(head),
            self.rrrc.summary(),
            self.frrc.summary(),
            self.rrfc.summary(),
            "Conclusion: " + self.conclusion(),
        ]
        return ("\n\n" + "-" * 78 + "\n\n").join(parts)


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _check_jackknife_counts(data: Reads, spec: FomSpec) -> None:
    """The leave-one-out FOM is undefined when a reader-modality read one case of a class the
    FOM needs: refuse, naming it (the jackknife would silently treat it as unread)."""
    mask = data.read_mask
    pos = (mask & (data.truth == 1)).sum(axis=2)
    neg = (mask & (data.truth == 0)).sum(axis=2)
    need_pos = spec.name != "specificity"
    need_neg = spec.name != "sensitivity"
    few = ((pos < 2) & need_pos) | ((neg < 2) & need_neg)
    if few.any():
        desc = [
            f"reader {data.readers[j]} in modality {data.modalities[i]}"
            for i, j in np.argwhere(few)[:5]
        ]
        raise MrmcInputError(
            "the jackknife needs every reader to read at least two diseased and two "
            f"non-diseased cases in every modality (for {spec.name}); not so for: "
            + "; ".join(desc)
        )


def analyze(
    reads: pd.DataFrame | str | PathLike[str] | Reads,
    cov: str = "jackknife",
    method: str = "or",
    alpha: float = 0.05,
    *,
    fom: str = "auc",
    threshold: float | None = None,
    max_fpr: float | None = None,
    n_boot: int = 2000,
    seed: int | None = None,
    jackknife: str = "study_cases",
    frrc_truncate: bool = True,
) -> MrmcResult:
    """Multi-reader multi-case analysis of reads.

    Args:
        reads: DataFrame (or CSV path) with columns ``reader, case, modality, truth, rating``,
            or already validated :class:`~medtandem.mrmc.data.Reads`.
        cov: ``jackknife``, ``delong`` (AUC, fully crossed) or ``bootstrap`` (fully crossed).
        method: ``or`` (Obuchowski-Rockette, Hillis df) or ``dbm`` (Dorfman-Berbaum-Metz on
            jackknife pseudovalues; needs ``cov='jackknife'`` and a fully crossed design).
        alpha: significance level, in (0, 1).
        fom: ``auc`` (default), ``sensitivity``, ``specificity`` (with ``threshold``) or
            ``pauc`` (with ``max_fpr``).
        n_boot, seed: bootstrap replicates and random seed (``cov='bootstrap'``).
        jackknife: convention of the jackknife on incomplete designs: ``study_cases``
            (default, MRMCaov's: every FOM jackknifed over all c cases with factor (c-1)/c, an
            unread case leaving it unchanged) or ``own_cases`` (each FOM over its own cases);
            see :mod:`.covariance`. Same result on fully crossed designs.
        frrc_truncate: truncate ``Cov2 - Cov3`` at 0 in the OR fixed-readers analysis
            (default, OR-DBM MRMC and Hillis 2007) or not (MRMCaov).

    Raises:
        MrmcInputError: bad reads or arguments; MrmcDesignError (a subclass) when the design
            does not support the requested analysis.
    """
    if method not in METHODS:
        raise MrmcInputError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if cov not in COV_METHODS:
        raise MrmcInputError(f"cov must be one of {', '.join(COV_METHODS)}; got {cov!r}")
    check_alpha(alpha)
    if jackknife not in JACKKNIFE_CONVENTIONS:
        raise MrmcInputError(
            f"jackknife must be one of {', '.join(JACKKNIFE_CONVENTIONS)}; got {jackknife!r}"
        )
    if not isinstance(frrc_truncate, bool):
        raise MrmcInputError(f"frrc_truncate must be True or False; got {frrc_truncate!r}")
    if method == "dbm" and cov != "jackknife":
        raise MrmcInputError("method='dbm' analyses jackknife pseudovalues: use cov='jackknife'")
    spec = FomSpec(fom, threshold, max_fpr)
    data = reads if isinstance(reads, Reads) else prepare_reads(reads)
    design = classify_design(data)
    if not design.supports(method, cov):
        raise MrmcDesignError(
            f"the {design.description} design does not support method={method!r} with "
            f"cov={cov!r}; supported here: {', '.join(design.supported)} (method/cov)"
        )
    if cov == "jackknife":
        _check_jackknife_counts(data, spec)
    fc = estimate_covariance(
        data, spec, cov, n_boot=n_boot, seed=seed, convention=jackknife, design_kind=design.kind
    )
    ora = or_analysis(
        fc.theta, fc.cov, data.modalities, data.readers, alpha, frrc_truncate=frrc_truncate
    )
    if method == "dbm":
        assert fc.loo is not None and fc.jk_cases is not None
        dbm = dbm_analysis(
            fc.theta, fc.loo[:, :, fc.jk_cases], data.modalities, data.readers, alpha
        )
        rrrc, frrc, rrfc, dbm_comp = dbm.rrrc, dbm.frrc, dbm.rrfc, dbm.components
    else:
        rrrc, frrc, rrfc, dbm_comp = ora.rrrc, ora.frrc, ora.rrfc, None
    theta = fc.theta
    return MrmcResult(
        method=method,
        cov=cov,
        fom=spec,
        alpha=alpha,
        design=design,
        modalities=data.modalities,
        readers=data.readers,
        auc={
            m: {rd: float(theta[i, j]) for j, rd in enumerate(data.readers)}
            for i, m in enumerate(data.modalities)
        },
        mean_auc={m: float(theta[i].mean()) for i, m in enumerate(data.modalities)},
        components=ora.components,
        rrrc=rrrc,
        frrc=frrc,
        rrfc=rrfc,
        dbm_components=dbm_comp,
        n_cases=len(data.cases),
        n_diseased=data.n_diseased,
        n_nondiseased=data.n_nondiseased,
        n_reads=data.n_reads,
        covariance=fc,
        reads=data,
        conventions=Conventions(
            jackknife if cov == "jackknife" else None,
            frrc_truncate,
            cov == "jackknife" and design.is_incomplete,
        ),
    )
