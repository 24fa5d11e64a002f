"""Multi-reader multi-case (MRMC) ROC analysis. Pure numpy/scipy/pandas, no Django.

Entry points used by the rest of the platform::

    from medtandem.mrmc import analyze
    from medtandem.mrmc.report import render_html

    result = analyze(reads, cov="jackknife", method="or", alpha=0.05)  # -> MrmcResult
    result.mean_auc            # {modality: reader-averaged AUC}
    result.auc                 # {modality: {reader: AUC}}
    result.components          # ORComponents: var_r, var_tr, var_error, cov1, cov2, cov3
    result.rrrc, result.frrc, result.rrfc   # FactorAnalysis: .test, .differences, .modalities
    result.to_dict()           # JSON-serialisable
    print(result.summary())    # MRMCaov-like text tables
    html = render_html(result) # report with ROC curves (inline SVG) and a conclusion

``reads`` is a pandas DataFrame (or CSV path) with columns ``reader, case, modality, truth,
rating`` (truth 1 diseased, 0 not); labels are kept as strings, as found. Bad input raises
:class:`MrmcInputError` (a ``ValueError``) with a message naming the problem; a design that
cannot support an analysis raises :class:`MrmcDesignError` (a subclass) naming those it supports.

Methods: empirical AUC (also sensitivity, specificity, partial AUC); covariance by jackknife,
DeLong (Sun & Xu 2014 fast algorithm) or bootstrap; Obuchowski-Rockette (1995) with Hillis
(2007, 2008) df and DBM (Dorfman, Berbaum & Metz 1992; Hillis 2008), each for random readers and
cases (RRRC), fixed readers (FRRC) and fixed cases (RRFC); fully crossed, split-plot and partially
paired designs (:mod:`.design`); power and sample size (:mod:`.power`, Hillis, Obuchowski &
Berbaum 2011); Roe-Metz simulation (:mod:`.simulate`). Command line: ``medtandem mrmc``.
See docs/mrmc.md.
"""

from .analysis import MrmcResult, analyze
from .data import Reads, prepare_reads, read_csv
from .design import Design, classify_design
from .errors import MrmcDesignError, MrmcInputError
from .fom import FomSpec
from .power import PowerResult, SampleSizeResult, power, sample_size
from .simulate import RoeMetz, simulate_study

__all__ = [
    "Design",
    "FomSpec",
    "MrmcDesignError",
    "MrmcInputError",
    "MrmcResult",
    "PowerResult",
    "Reads",
    "RoeMetz",
    "SampleSizeResult",
    "analyze",
    "classify_design",
    "power",
    "prepare_reads",
    "read_csv",
    "sample_size",
    "simulate_study",
]
