"""Model card: the fields of the CHAI Applied Model Card, an environmental-impact section and the
short "AI facts" label shown beside every suggestion.

Reference: Coalition for Health AI (CHAI), Applied Model Card (2024-2025):
https://www.chai.org/workgroup/applied-model . Every figure is read from the files that the train
and evaluate commands wrote (``meta.json``, ``evaluation.json``, ``energy.json``); the prose fields are
fixed statements about what the model is and is not for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medtandem.ai.labels import LABEL_NAMES, LABELS

DEVELOPER = "MedTandem project"
INTENDED_USE = (
    "Educational decision support: a second opinion shown to clinicians in training after they commit "
    "their own reading of a resting 12-lead ECG, to practise working with (and questioning) AI."
)
OUT_OF_SCOPE = [
    "Clinical diagnosis, triage or treatment decisions for real patients.",
    "Monitoring, ambulatory (Holter), exercise or paediatric ECGs; pacemaker rhythms.",
    "Records shorter than 3 s, with missing leads, or not in millivolts.",
    "Populations unlike the training data (see target population) without local re-evaluation.",
]
RISKS = [
    "Automation bias: learners may over-rely on the suggestion; MedTandem shows it only after an unaided read.",
    "Trained on few records: wide confidence intervals; rare findings (AFIB, HYP) are learnt from tens of cases.",
    "Single-country, 1980s-1990s recordings (PTB-XL, Germany): devices and populations differ today.",
    "Labels are cardiologists' report statements at any likelihood, so some positives are uncertain.",
    "Probabilities are calibrated on one small fold; calibration may drift on other data.",
]


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _ci(d: dict[str, Any], key: str = "macro_auc") -> dict[str, Any] | None:
    if not d or d.get(key) is None:
        return None
    lo, hi = d.get(f"{key}_ci") or [None, None]
    return {"value": d[key], "ci95": [lo, hi]}


def build_card(model_dir: str | Path) -> dict[str, Any]:
    """Assemble the card of a model folder from its computed files."""
    model_dir = Path(model_dir)
    meta = _read(model_dir / "meta.json")
    ev = _read(model_dir / "evaluation.json")
    energy = _read(model_dir / "energy.json")
    training = meta.get("training_data", {})
    cv, f10 = ev.get("cv10", {}), ev.get("fold10", {})
    inference = energy.get("inference", {})
    train_e = energy.get("training", {})
    subgroups = ev.get("subgroups_cv10", {})
    gaps = {name: {"largest_gap_macro_auc": g.get("largest_gap", {}).get("macro_auc"),
                   "worst_group_macro_auc": g.get("worst_group", {}).get("macro_auc")}
            for name, g in subgroups.items()}
    family = meta.get("family", "")
    description = ("Gradient-boosted decision trees on ECG measurements (rate, intervals, axis, ST, voltages)"
                   if family == "measurements" else
                   "Compact 1-D convolutional neural network on the raw 12-lead signal (100 Hz, 10 s), ONNX")
    explanation = ("the measurements that drove the suggestion, with their values and log-odds contributions"
                   if family == "measurements" else "occlusion attribution over the 12 leads and 1-s time bins")
    headline = cv or f10
    card: dict[str, Any] = {
        "schema": "CHAI Applied Model Card (fields) + environmental impact + AI facts",
        "basic_info": {"model_name": meta.get("name"), "model_developer": DEVELOPER,
                       "description": description, "family": family,
                       "outputs": {k: LABEL_NAMES[k] for k in LABELS},
                       "inputs": meta.get("input"), "n_parameters": meta.get("n_parameters")},
        "release_info": {"version": meta.get("version"), "release_date": (meta.get("created") or "")[:10],
                         "stage": "educational use (research prototype), not a medical device",
                         "weights": meta.get("weights"), "licence": "AGPL-3.0-or-later (code); data CC BY 4.0"},
        "summary": f"{description}. Suggests the five PTB-XL diagnostic superclasses and AF/flutter.",
        "uses_and_directions": {
            "intended_use": INTENDED_USE,
            "intended_users": "Medical students, residents, nurses and other clinicians in ECG training.",
            "out_of_scope_uses": OUT_OF_SCOPE,
            "workflow": "Shown after the learner's unaided read, with its explanation and this facts label.",
            "explanation": explanation,
        },
        "target_population": ("Adults with a resting 10-s 12-lead ECG, similar to PTB-XL (Germany, 1989-1996 "
                              f"recordings; training ages median {training.get('age_median')})."),
        "warnings": {"known_risks_and_limitations": RISKS,
                     "biases": {"subgroup_gaps_cv10": gaps,
                                "note": "Largest difference between groups (Fairlearn MetricFrame) on pooled "
                                        "out-of-fold predictions; small groups have wide uncertainty."}},
        "trust_ingredients": {
            "training_data": training,
            "labels": "PTB-XL superdiagnostic aggregation (diagnostic SCP statements at any likelihood); "
                      "AFIB = AFIB or AFLT rhythm statement",
            "protocol": meta.get("protocol"),
            "calibration": {"method": "Platt scaling per output on strat_fold 9",
                            "ece_cv10": cv.get("ece"), "ece_cv10_uncalibrated": cv.get("ece_uncalibrated"),
                            "ece_fold10": f10.get("ece"), "ece_fold10_uncalibrated": f10.get("ece_uncalibrated")},
            "operating_point": meta.get("operating_point"),
        },
        "key_metrics": {
            "cv10_macro_auc": _ci(cv), "fold10_macro_auc": _ci(f10),
            "cv10_auc_per_output": cv.get("auc"), "cv10_auc_ci_per_output": cv.get("auc_ci"),
            "cv10_sensitivity": cv.get("sensitivity"), "cv10_specificity": cv.get("specificity"),
            "cv10_brier": cv.get("brier_mean"), "fold10_brier": f10.get("brier_mean"),
            "holdout_site_and_device": ev.get("holdout"),
            "floor_baseline": ev.get("floor"),
            "test_data": "PTB-XL strat_fold 10 (benchmark test fold) and pooled 10-fold CV over strat_fold",
        },
        "bias_mitigation": ("Stratified folds (PTB-XL strat_fold keeps a patient in one fold); class-balanced "
                            "losses for rare outputs; subgroup metrics by sex and age band and site/device "
                            "hold-outs are reported; no further mitigation was applied."),
        "maintenance": {"retraining": "`medtandem ai train` then `medtandem ai evaluate` rebuild weights, "
                                      "figures and this card deterministically (seed "
                                      f"{meta.get('seed')}).",
                        "monitoring": "Field performance of the suggestions against expert truth is tracked "
                                      "by the MedTandem observatory.",
                        "last_evaluated": ev.get("evaluated")},
        "environmental_impact": {
            "training": {k: train_e.get(k) for k in ("seconds", "kwh", "g_co2e", "mode", "country", "tool")},
            "inference_per_ecg": {"ms": inference.get("ms_per_ecg"),
                                  "ms_with_explanation": inference.get("ms_per_ecg_with_explanation"),
                                  "mj": inference.get("mj_per_ecg"), "cpu_mj": inference.get("cpu_mj_per_ecg"),
                                  "g_co2e_per_1000": inference.get("g_co2e_per_1000_ecg"),
                                  "mode": (inference.get("energy") or {}).get("mode")},
            "weights_bytes": (meta.get("weights") or {}).get("bytes"),
        },
    }
    card["ai_facts"] = {
        "model": meta.get("name"), "version": meta.get("version"), "date": (meta.get("created") or "")[:10],
        "intended_use": "Training aid: a second opinion after your own reading. Not for patient care.",
        "training_data": (f"{training.get('n_records')} PTB-XL ECGs (Germany), "
                          f"{training.get('label_counts', {}).get('NORM')} normal"),
        "macro_auc": _ci(headline),
        "macro_auc_source": "10-fold cross-validation" if cv else "test fold 10",
        "subgroup_gaps": {name: g["largest_gap_macro_auc"] for name, g in gaps.items()},
        "calibration_ece": headline.get("ece"),
        # The model's call is "present" when its calibrated probability reaches this threshold.
        "operating_point": dict(zip(meta.get("labels", []), meta.get("thresholds", []), strict=False)),
        "operating_point_rule": meta.get("operating_point"),
        "energy_per_inference_mj": inference.get("mj_per_ecg"),
        "explanation": explanation,
    }
    return card


def write_card(model_dir: str | Path) -> dict[str, Any]:
    from medtandem.ai.train import _write_json

    card = build_card(model_dir)
    _write_json(Path(model_dir) / "card.json", card)
    return card
