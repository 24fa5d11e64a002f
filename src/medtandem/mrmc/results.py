"""Result objects shared by the Obuchowski-Rockette and DBM analyses.

Frozen dataclasses with named fields, a ``to_dict()`` that is JSON-serialisable (non-finite
numbers become ``None``) and a ``summary()`` that returns a plain-text table in the spirit of
MRMCaov's printed output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Generic, Protocol, TypeVar

from medtandem.jsonsafe import clean

__all__ = [
    "Difference",
    "FactorAnalysis",
    "GlobalTest",
    "JsonResult",
    "MethodAnalysis",
    "ModalityCI",
    "clean",
    "format_table",
]

#: Factor-type codes and their descriptions.
FACTOR_LABELS = {
    "rrrc": "random readers and random cases",
    "frrc": "fixed readers and random cases",
    "rrfc": "random readers and fixed cases",
}


def _fmt(x: Any, digits: int = 6) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(float(x)):
        return "inf" if x > 0 else ("-inf" if x < 0 else "NA")
    if x != 0 and abs(x) < 1e-4:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Right-aligned plain-text table (first column left-aligned)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(row[k]) for row in cells) for k in range(len(headers))]
    lines = []
    for row in cells:
        parts = [row[0].ljust(widths[0])] + [row[k].rjust(widths[k]) for k in range(1, len(row))]
        lines.append("  ".join(parts))
    return "\n".join(lines)


def _difference_dict(d: dict[str, Any]) -> dict[str, Any]:
    """A :class:`Difference` as ``asdict`` gives it, without ``reader`` when there is none."""
    if d.get("reader") is None:
        d = {k: v for k, v in d.items() if k != "reader"}
    return clean(d)


class JsonResult:
    """Mixin of the frozen result dataclasses: ``to_dict()`` is ``asdict`` made JSON-safe."""

    def to_dict(self) -> dict[str, Any]:
        return clean(asdict(self))  # type: ignore[call-overload]  # mixed into dataclasses only


@dataclass(frozen=True)
class GlobalTest(JsonResult):
    """Test of the null hypothesis of equal FOM across all modalities.

    ``distribution`` is ``F`` (statistic on df1, df2 degrees of freedom) or ``chi2``
    (statistic on df1 degrees of freedom; df2 is None).
    """

    statistic: float
    df1: float
    df2: float | None
    p: float
    distribution: str


@dataclass(frozen=True)
class Difference:
    """A difference of mean FOM between two modalities (optionally for one reader).

    ``df`` is None where the reference distribution is normal (fixed readers).
    ``statistic`` is t (or z when df is None).
    """

    comparison: str
    estimate: float
    se: float
    df: float | None
    ci_lower: float
    ci_upper: float
    statistic: float
    p: float
    reader: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _difference_dict(asdict(self))


@dataclass(frozen=True)
class ModalityCI(JsonResult):
    """Confidence interval for one modality's mean FOM (df None: normal interval)."""

    modality: str
    estimate: float
    se: float
    df: float | None
    ci_lower: float
    ci_upper: float


def _differences_table(diffs: Sequence[Difference], *, by_reader: bool) -> str:
    """The table of modality differences (t statistics, or z where the df is None)."""
    head = ["Reader"] if by_reader else []
    return format_table(
        [
            *head,
            "Comparison",
            "Estimate",
            "StdErr",
            "df",
            "CI.Lower",
            "CI.Upper",
            "t" if diffs and diffs[0].df is not None else "z",
            "p-value",
        ],
        [
            [
                *([d.reader] if by_reader else []),
                d.comparison,
                d.estimate,
                d.se,
                d.df,
                d.ci_lower,
                d.ci_upper,
                d.statistic,
                d.p,
            ]
            for d in diffs
        ],
    )


@dataclass(frozen=True)
class FactorAnalysis:
    """One generalisation of an analysis: RRRC, FRRC or RRFC.

    Attributes:
        factors: ``rrrc``, ``frrc`` or ``rrfc``.
        method: ``or`` (Obuchowski-Rockette) or ``dbm`` (Dorfman-Berbaum-Metz).
        alpha: significance level; confidence intervals are ``1 - alpha``.
        test: the global test over modalities.
        differences: every pairwise difference of modality means.
        modalities: per-modality confidence intervals.
        reader_differences: per-reader differences (fixed readers only).
    """

    factors: str
    method: str
    alpha: float
    test: GlobalTest
    differences: tuple[Difference, ...]
    modalities: tuple[ModalityCI, ...]
    reader_differences: tuple[Difference, ...] = ()

    @property
    def description(self) -> str:
        return FACTOR_LABELS[self.factors]

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: factors, description, the test's fields, differences, modality_cis and
        (fixed readers) reader_differences."""
        a = asdict(self)
        d: dict[str, Any] = {
            "factors": a["factors"],
            "description": self.description,
            **a["test"],
            "differences": [_difference_dict(x) for x in a["differences"]],
            "modality_cis": a["modalities"],
        }
        if a["reader_differences"]:
            d["reader_differences"] = [_difference_dict(x) for x in a["reader_differences"]]
        return clean(d)

    def summary(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        out = [f"{self.factors.upper()} analysis ({self.description})", ""]
        test = self.test
        if test.distribution == "F":
            out.append("Global test of equal FOM across modalities (F):")
            out.append(
                format_table(
                    ["", "F", "df1", "df2", "p-value"],
                    [["", test.statistic, test.df1, test.df2, test.p]],
                )
            )
        else:
            out.append("Global test of equal FOM across modalities (chi-square):")
            out.append(
                format_table(["", "X2", "df", "p-value"], [["", test.statistic, test.df1, test.p]])
            )
        out.append("")
        out.append(f"Pairwise modality comparisons ({level} CI):")
        out.append(_differences_table(self.differences, by_reader=False))
        out.append("")
        out.append(f"Modality FOM estimates and {level} CIs:")
        out.append(
            format_table(
                ["Modality", "Estimate", "StdErr", "df", "CI.Lower", "CI.Upper"],
                [
                    [m.modality, m.estimate, m.se, m.df, m.ci_lower, m.ci_upper]
                    for m in self.modalities
                ],
            )
        )
        if self.reader_differences:
            out.append("")
            out.append(f"Per-reader modality comparisons ({level} CI):")
            out.append(_differences_table(self.reader_differences, by_reader=True))
        return "\n".join(out)


class _Components(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

    def summary(self) -> str: ...


C = TypeVar("C", bound=_Components)


@dataclass(frozen=True)
class MethodAnalysis(Generic[C]):
    """One method's analysis (OR or DBM): its components and the RRRC, FRRC and RRFC
    generalisations, built by :func:`medtandem.mrmc.builder.build_factor_analyses`."""

    components: C
    rrrc: FactorAnalysis
    frrc: FactorAnalysis
    rrfc: FactorAnalysis

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name).to_dict() for f in fields(self)}

    def summary(self) -> str:
        return "\n\n".join(getattr(self, f.name).summary() for f in fields(self))
