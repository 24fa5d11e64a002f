"""Human-AI reliance measures from paired unaided/aided reads. Pure, no Django.

- :func:`reliance_measures` — one reader (or a pooled group): benefit, over- and under-reliance,
  RAIR/RSR, accuracy when the AI is right or wrong, AUCs, calibration.
- :func:`analyze_reliance` — per reader, per stratum (experience) and overall, from a data frame.
- :func:`calibration` — Brier score, prevalence ECE and Guo's confidence ECE.
- :func:`reliance_by_arm` — per arm (condition order) of a crossed study; switch measures only
  where the unaided read came first.
- :func:`clustered_measures` — pooled measures with two-way (reader x case) clustered intervals.
- :func:`deskilling_watch` — unaided accuracy over exposure: model, risk-adjusted CUSUM, trend.
- :mod:`medtandem.reliance.simulate` — simulated readers for the demo loaders.
"""

from medtandem.reliance.analysis import RelianceReport, analyze_reliance, experience_band
from medtandem.reliance.arms import ArmReliance, reliance_by_arm
from medtandem.reliance.calibration import Calibration, calibration
from medtandem.reliance.clustered import ClusteredMeasures, clustered_measures
from medtandem.reliance.deskilling import (
    DeskillingWatch,
    ExposureModel,
    UnaidedRead,
    deskilling_watch,
    exposure_model,
)
from medtandem.reliance.estimates import Estimate, auc_estimate, paired_difference, roc_curve
from medtandem.reliance.measures import RelianceMeasures, reliance_measures
from medtandem.reliance.metrics import (
    AnswerChanges,
    BinaryMetrics,
    Proportion,
    answer_changes,
    binary_metrics,
)

__all__ = [
    "AnswerChanges",
    "ArmReliance",
    "BinaryMetrics",
    "Calibration",
    "ClusteredMeasures",
    "DeskillingWatch",
    "ExposureModel",
    "UnaidedRead",
    "Estimate",
    "Proportion",
    "RelianceMeasures",
    "RelianceReport",
    "analyze_reliance",
    "answer_changes",
    "auc_estimate",
    "binary_metrics",
    "calibration",
    "clustered_measures",
    "deskilling_watch",
    "experience_band",
    "exposure_model",
    "paired_difference",
    "reliance_by_arm",
    "reliance_measures",
    "roc_curve",
]
