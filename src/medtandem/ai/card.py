"""Model card: the fields of the CHAI Applied Model Card, an environmental-impact section and the
short "AI facts" label shown beside every suggestion, in English and French.

Reference: Coalition for Health AI (CHAI), Applied Model Card (2024-2025):
https://www.chai.org/workgroup/applied-model . Every figure is read from the files that the train
and evaluate commands wrote (``meta.json``, ``evaluation.json``, ``energy.json``); every sentence that
states a fact is built from one of those figures (or from how the code computes it); the remaining
prose says what the model is for and not for. The family's own description is written into
``meta.json`` by training (``text``), so this module needs nothing above :mod:`medtandem.ai.artifacts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medtandem.ai.artifacts import CARD, ENERGY, EVALUATION, META, read_json, write_json
from medtandem.ai.labels import LABEL_NAMES, LABELS
from medtandem.ecg.preprocess import MIN_DURATION_S

LANGS = ("en", "fr")
DEVELOPER = "MedTandem project"

_T: dict[str, dict[str, str]] = {
    "intended_use": {
        "en": "Educational decision support: a second opinion for clinicians in training after they commit "
        "their own reading of a resting 12-lead ECG, to practise working with (and questioning) AI.",
        "fr": "Aide pédagogique à la décision : un second avis pour les soignants en formation, après leur "
        "propre lecture d'un ECG 12 dérivations de repos, pour apprendre à travailler avec l'IA (et à la "
        "mettre en doute).",
    },
    "intended_users": {
        "en": "Medical students, residents, nurses and other clinicians in ECG training.",
        "fr": "Étudiants en médecine, internes, infirmiers et autres soignants en formation à l'ECG.",
    },
    "workflow": {
        "en": "Intended to be shown after the learner's unaided read, with its explanation and this label.",
        "fr": "Destiné à être montré après la lecture sans aide, avec son explication et cette étiquette.",
    },
    "oos_clinical": {
        "en": "Clinical diagnosis, triage or treatment decisions for real patients.",
        "fr": "Diagnostic, tri ou décision thérapeutique pour de vrais patients.",
    },
    "oos_kind": {
        "en": "Monitoring, ambulatory (Holter), exercise or paediatric ECGs; pacemaker rhythms.",
        "fr": "ECG de surveillance, ambulatoires (Holter), d'effort ou pédiatriques ; rythmes électro-entraînés.",
    },
    "oos_input": {
        "en": "Records shorter than {min:.0f} s or without the twelve standard leads (refused by the quality check).",
        "fr": "Enregistrements de moins de {min:.0f} s ou sans les douze dérivations standard (refusés par le contrôle de qualité).",
    },
    "risk_automation": {
        "en": "Automation bias: learners may over-rely on the suggestion.",
        "fr": "Biais d'automatisation : l'apprenant peut trop se fier à la suggestion.",
    },
    "risk_few": {
        "en": "Trained on {n} records: {afib} with atrial fibrillation or flutter and {hyp} with hypertrophy.",
        "fr": "Entraîné sur {n} enregistrements : {afib} avec fibrillation ou flutter atrial et {hyp} avec hypertrophie.",
    },
    "risk_dates": {
        "en": "Recordings from {d0} to {d1} (PTB-XL, Germany), {n_sites} sites and {n_devices} device types.",
        "fr": "Enregistrements du {d0} au {d1} (PTB-XL, Allemagne), {n_sites} sites et {n_devices} types d'appareils.",
    },
    "risk_labels": {
        "en": "Labels are cardiologists' report statements at any likelihood, so some positives are uncertain.",
        "fr": "Les étiquettes sont les énoncés des comptes rendus de cardiologues, quelle que soit leur "
        "vraisemblance : certains positifs sont incertains.",
    },
    "risk_calibration": {
        "en": "Probabilities are calibrated on {n_cal} records (strat_fold 9); expected calibration "
        "error on held-out sites: {ece}.",
        "fr": "Probabilités calibrées sur {n_cal} enregistrements (strat_fold 9) ; erreur de calibration "
        "attendue sur les sites tenus à l'écart : {ece}.",
    },
    "target_population": {
        "en": "Adults with a resting 10-s 12-lead ECG like PTB-XL's (Germany, recordings {d0} to {d1}; "
        "training ages median {age})",
        "fr": "Adultes avec un ECG 12 dérivations de repos de 10 s comparable à PTB-XL (Allemagne, "
        "enregistrements du {d0} au {d1} ; âge médian à l'entraînement {age})",
    },
    "stage": {
        "en": "educational use (research prototype), not a medical device",
        "fr": "usage pédagogique (prototype de recherche), pas un dispositif médical",
    },
    "facts_use": {
        "en": "Training aid: a second opinion after your own reading. Not for patient care.",
        "fr": "Aide à la formation : un second avis après votre propre lecture. Pas pour le soin.",
    },
    "facts_training": {
        "en": "{n} PTB-XL ECGs (Germany), {norm} normal",
        "fr": "{n} ECG PTB-XL (Allemagne), dont {norm} normaux",
    },
    "source_cv": {"en": "10-fold cross-validation", "fr": "validation croisée à 10 plis"},
    "source_f10": {"en": "test fold 10", "fr": "pli de test 10"},
    "bias": {
        "en": "Folds follow PTB-XL's strat_fold (one patient per fold). Subgroup metrics by sex and age band, "
        "and site and device hold-outs, are reported below; no other mitigation was applied.",
        "fr": "Les plis suivent strat_fold de PTB-XL (un patient par pli). Les métriques par sexe et tranche "
        "d'âge, et les tests sur site et appareil tenus à l'écart, figurent ci-dessous ; aucune autre "
        "correction n'a été appliquée.",
    },
    "retraining": {
        "en": "`medtandem ai train` then `medtandem ai evaluate` rebuild weights, figures and this card "
        "(seed {seed}).",
        "fr": "`medtandem ai train` puis `medtandem ai evaluate` reconstruisent poids, chiffres et cette "
        "fiche (graine {seed}).",
    },
    "energy_note": {
        "en": "Energy per ECG is {mode}; the exact, repeatable cost is the operation count ({flops} "
        "floating-point operations per ECG, counted analytically).",
        "fr": "L'énergie par ECG est {mode} ; le coût exact et reproductible est le nombre d'opérations "
        "({flops} opérations en virgule flottante par ECG, comptées analytiquement).",
    },
    "estimated": {
        "en": "an estimate (no energy counter on the measuring machine)",
        "fr": "une estimation (pas de compteur d'énergie sur la machine de mesure)",
    },
    "measured": {
        "en": "measured with an energy counter",
        "fr": "mesurée par un compteur d'énergie",
    },
    "op_rule": {"en": "{rule}", "fr": "{rule_fr}"},
}


def _t(key: str, lang: str, **kw: Any) -> str:
    return _T[key][lang].format(**kw)


def _ci(d: dict[str, Any], key: str = "macro_auc") -> dict[str, Any] | None:
    if not d or d.get(key) is None:
        return None
    lo, hi = d.get(f"{key}_ci") or [None, None]
    return {"value": d[key], "ci95": [lo, hi]}


def _fmt(v: Any, spec: str = ".3f") -> str:
    return "n/a" if v is None else format(v, spec)


def _holdout_ece(ev: dict[str, Any]) -> float | None:
    sites = [
        v.get("ece")
        for k, v in (ev.get("holdout") or {}).items()
        if k.startswith("site=") and v.get("ece") is not None
    ]
    return round(sum(sites) / len(sites), 4) if sites else None


def build_card(model_dir: str | Path, lang: str = "en") -> dict[str, Any]:
    """Assemble the card of a model folder from its computed files, in ``lang`` (``"en"``/``"fr"``);
    with ``lang="en"`` the French card is attached under ``translations``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    model_dir = Path(model_dir)
    meta = read_json(model_dir / META)
    ev = read_json(model_dir / EVALUATION)
    energy = read_json(model_dir / ENERGY)
    training = meta.get("training_data", {})
    cv, f10 = ev.get("cv10", {}), ev.get("fold10", {})
    inference = energy.get("inference", {})
    train_e = energy.get("training", {})
    subgroups = ev.get("subgroups_cv10", {})
    gaps = {
        name: {
            "largest_gap_macro_auc": g.get("largest_gap", {}).get("macro_auc"),
            "worst_group_macro_auc": g.get("worst_group", {}).get("macro_auc"),
        }
        for name, g in subgroups.items()
    }
    family = meta.get("family", "")
    text = (meta.get("text") or {}).get(lang, {})
    description = text.get("description", family)
    explanation = text.get("explanation", "")
    counts = training.get("label_counts", {})
    dates = training.get("recording_dates") or ["?", "?"]
    headline = cv or f10
    mode = str((inference.get("energy") or {}).get("mode") or "")
    energy_kind = _t("measured" if mode.startswith("measured") else "estimated", lang)
    op = meta.get("operating_point_rule") or {}
    rule = op.get(lang) if isinstance(op, dict) else str(op)
    card: dict[str, Any] = {
        "schema": "CHAI Applied Model Card (fields) + environmental impact + AI facts",
        "lang": lang,
        "basic_info": {
            "model_name": meta.get("name"),
            "model_developer": DEVELOPER,
            "description": description,
            "family": family,
            "outputs": {k: LABEL_NAMES[k] for k in LABELS},
            "inputs": meta.get("input"),
            "n_parameters": meta.get("n_parameters"),
        },
        "release_info": {
            "version": meta.get("version"),
            "release_date": (meta.get("created") or "")[:10],
            "stage": _t("stage", lang),
            "weights": meta.get("weights"),
            "licence": "AGPL-3.0-or-later (code); data CC BY 4.0",
        },
        "summary": description,
        "uses_and_directions": {
            "intended_use": _t("intended_use", lang),
            "intended_users": _t("intended_users", lang),
            "out_of_scope_uses": [
                _t("oos_clinical", lang),
                _t("oos_kind", lang),
                _t("oos_input", lang, min=MIN_DURATION_S),
            ],
            "workflow": _t("workflow", lang),
            "explanation": explanation,
        },
        "target_population": _t(
            "target_population", lang, d0=dates[0], d1=dates[1], age=training.get("age_median")
        ),
        "warnings": {
            "known_risks_and_limitations": [
                _t("risk_automation", lang),
                _t(
                    "risk_few",
                    lang,
                    n=training.get("n_records"),
                    afib=counts.get("AFIB"),
                    hyp=counts.get("HYP"),
                ),
                _t(
                    "risk_dates",
                    lang,
                    d0=dates[0],
                    d1=dates[1],
                    n_sites=len(training.get("sites", {})),
                    n_devices=len(training.get("devices", {})),
                ),
                _t("risk_labels", lang),
                _t(
                    "risk_calibration",
                    lang,
                    n_cal=meta.get("n_calibration"),
                    ece=_fmt(_holdout_ece(ev)),
                ),
            ],
            "biases": {"subgroup_gaps_cv10": gaps},
        },
        "trust_ingredients": {
            "training_data": training,
            "labels": "PTB-XL superdiagnostic aggregation (diagnostic SCP statements at any likelihood); "
            "AFIB = AFIB or AFLT rhythm statement",
            "protocol": meta.get("protocol"),
            "calibration": {
                "method": "Platt scaling per output on strat_fold 9",
                "ece_cv10": cv.get("ece"),
                "ece_cv10_uncalibrated": cv.get("ece_uncalibrated"),
                "ece_fold10": f10.get("ece"),
                "ece_fold10_uncalibrated": f10.get("ece_uncalibrated"),
                "ece_held_out_sites": _holdout_ece(ev),
            },
            "operating_point": dict(
                zip(meta.get("labels", []), meta.get("thresholds", []), strict=False)
            ),
            "operating_point_rule": rule,
            "feature_range": "per-measurement training range (minimum to maximum, widened by 10 % of the range) stored in meta.json"
            if meta.get("feature_range")
            else None,
        },
        "key_metrics": {
            "cv10_macro_auc": _ci(cv),
            "fold10_macro_auc": _ci(f10),
            "cv10_auc_per_output": cv.get("auc"),
            "cv10_auc_ci_per_output": cv.get("auc_ci"),
            "cv10_sensitivity": cv.get("sensitivity"),
            "cv10_specificity": cv.get("specificity"),
            "cv10_brier": cv.get("brier_mean"),
            "fold10_brier": f10.get("brier_mean"),
            "holdout_site_and_device": ev.get("holdout"),
            "robustness": ev.get("robustness"),
            "floor_baseline": ev.get("floor"),
            "test_data": "PTB-XL strat_fold 10 (benchmark test fold) and pooled 10-fold CV over strat_fold",
            "input_pipeline": meta.get("input"),
        },
        "bias_mitigation": _t("bias", lang),
        "maintenance": {
            "retraining": _t("retraining", lang, seed=meta.get("seed")),
            "last_evaluated": ev.get("evaluated"),
        },
        "environmental_impact": {
            "training": {
                k: train_e.get(k)
                for k in ("seconds", "kwh", "g_co2e", "mode", "country", "tool", "kwh_digits")
            },
            "inference_per_ecg": {
                "ms": inference.get("ms_per_ecg"),
                "ms_with_explanation": inference.get("ms_per_ecg_with_explanation"),
                "mj": inference.get("mj_per_ecg"),
                "cpu_mj": inference.get("cpu_mj_per_ecg"),
                "g_co2e_per_1000": inference.get("g_co2e_per_1000_ecg"),
                "mode": mode or None,
                "flops": inference.get("flops_per_ecg"),
            },
            "note": _t(
                "energy_note",
                lang,
                mode=energy_kind,
                flops=_fmt(inference.get("flops_per_ecg"), ",.0f"),
            ),
            "weights_bytes": (meta.get("weights") or {}).get("bytes"),
        },
    }
    hold = ev.get("holdout") or {}
    rob = (ev.get("robustness") or {}).get("summary") or {}
    card["ai_facts"] = {
        "model": meta.get("name"),
        "version": meta.get("version"),
        "date": (meta.get("created") or "")[:10],
        "intended_use": _t("facts_use", lang),
        "training_data": _t(
            "facts_training", lang, n=training.get("n_records"), norm=counts.get("NORM")
        ),
        "macro_auc": _ci(headline),
        "macro_auc_source": _t("source_cv" if cv else "source_f10", lang),
        "normal_vs_abnormal_auc_worst_held_out": min(
            (
                v.get("abnormal_vs_normal_auc")
                for v in hold.values()
                if v.get("abnormal_vs_normal_auc") is not None
            ),
            default=None,
        ),
        "normal_vs_abnormal_auc_largest_loss_under_perturbation": rob.get(
            "largest_loss_normal_vs_abnormal"
        ),
        "subgroup_gaps": {name: g["largest_gap_macro_auc"] for name, g in gaps.items()},
        "calibration_ece": headline.get("ece"),
        "calibration_ece_held_out_sites": _holdout_ece(ev),
        # The model's call is "present" when its calibrated probability reaches this threshold.
        "operating_point": dict(
            zip(meta.get("labels", []), meta.get("thresholds", []), strict=False)
        ),
        "operating_point_rule": rule,
        "energy_per_inference_mj": inference.get("mj_per_ecg"),
        "energy_is_estimate": not mode.startswith("measured"),
        "flops_per_inference": inference.get("flops_per_ecg"),
        "explanation": explanation,
    }
    if lang == "en":
        card["translations"] = {"fr": build_card(model_dir, "fr")}
    return card


def localised(card: dict[str, Any], lang: str) -> dict[str, Any]:
    """The card in ``lang`` from a stored English card with its ``translations``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    if lang == "en" or card.get("lang") == lang:
        return {k: v for k, v in card.items() if k != "translations"}
    return dict((card.get("translations") or {}).get(lang) or card)


def write_card(model_dir: str | Path) -> dict[str, Any]:
    card = build_card(model_dir)
    write_json(Path(model_dir) / CARD, card)
    return card
