"""Errors raised by :mod:`medtandem.mrmc` for input it cannot analyse."""

from __future__ import annotations

__all__ = ["MrmcDesignError", "MrmcInputError"]


class MrmcInputError(ValueError):
    """The reads cannot be analysed as given; the message names the problem.

    Raised once, at the edge (:func:`medtandem.mrmc.data.prepare_reads`), for missing columns,
    truth values other than 0/1, a case whose truth differs between rows, a modality (or a
    reader-modality) without both diseased and non-diseased cases, duplicate reads and
    non-numeric ratings. The command line prints the message and exits with status 2.
    """


class MrmcDesignError(MrmcInputError):
    """The study design does not support the requested analysis.

    For example DBM or DeLong covariance on a split-plot design: the message says which
    analyses the design does support.
    """
