"""The frugality report: one row per shipped model, and the choice of the default model.

Rule (stated in the report): among the models whose pooled cross-validated macro AUC is within 0.01 of
the best one (statistically indistinguishable on 500 records), the default is the one with the highest
AUC per unit of inference energy; inference dominates the life-cycle energy of a model that answers
every aided read. Published PTB-XL results are shown beside ours for reference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medtandem.ai.model import DEFAULT_FILE, MODELS_DIR

#: Strodthoff et al., IEEE JBHI 25(5):1519-1528, 2021, Table (superdiagnostic, fold 10, macro AUC),
#: trained on the full PTB-XL (17,000+ training records).
PUBLISHED = [
    {"model": "xresnet1d101", "macro_auc": 0.928},
    {"model": "inception1d", "macro_auc": 0.921},
    {"model": "Wavelet+NN", "macro_auc": 0.874},
]
PUBLISHED_NOTE = ("Strodthoff et al. 2021 (IEEE JBHI 25:1519-1528), superdiagnostic, fold 10, five outputs "
                  "(no AFIB), trained on the full PTB-XL (about 17,000 training records), not on 500.")
TOLERANCE = 0.01


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def model_row(model_dir: Path) -> dict[str, Any]:
    meta = _read(model_dir / "meta.json")
    ev = _read(model_dir / "evaluation.json")
    energy = _read(model_dir / "energy.json")
    cv = ev.get("cv10") or {}
    f10 = ev.get("fold10") or {}
    inf = energy.get("inference") or {}
    tr = energy.get("training") or {}
    auc = cv.get("macro_auc", f10.get("macro_auc"))
    mj = inf.get("mj_per_ecg")
    return {
        "name": meta.get("name"), "family": meta.get("family"), "version": meta.get("version"),
        "params": meta.get("n_parameters"), "size_bytes": (meta.get("weights") or {}).get("bytes"),
        "training_seconds": tr.get("seconds"), "training_kwh": tr.get("kwh"), "training_g_co2e": tr.get("g_co2e"),
        "inference_ms": inf.get("ms_per_ecg"), "inference_ms_with_explanation": inf.get("ms_per_ecg_with_explanation"),
        "inference_mj": mj,
        "cv10_macro_auc": auc, "cv10_macro_auc_ci": cv.get("macro_auc_ci"),
        "fold10_macro_auc": f10.get("macro_auc"), "fold10_macro_auc_ci": f10.get("macro_auc_ci"),
        "abnormal_vs_normal_auc": cv.get("abnormal_vs_normal_auc"), "ece": cv.get("ece", f10.get("ece")),
        "auc_per_joule": (auc / (mj / 1000.0)) if auc and mj else None,
        "energy_mode": (inf.get("energy") or {}).get("mode"),
        "floor": ev.get("floor"),
        "holdout": ev.get("holdout"),
    }


def choose_default(rows: list[dict[str, Any]]) -> tuple[str | None, str]:
    scored = [r for r in rows if r["cv10_macro_auc"] is not None]
    if not scored:
        return None, "no evaluated model"
    best = max(r["cv10_macro_auc"] for r in scored)
    close = [r for r in scored if r["cv10_macro_auc"] >= best - TOLERANCE]
    with_energy = [r for r in close if r["auc_per_joule"]]
    pick = max(with_energy, key=lambda r: r["auc_per_joule"]) if with_energy else max(close, key=lambda r: r["cv10_macro_auc"])
    others = ", ".join(f"{r['name']} {r['cv10_macro_auc']:.3f}" for r in scored if r is not pick)
    why = (f"{pick['name']} is chosen: cross-validated macro AUC {pick['cv10_macro_auc']:.3f} "
           f"(best {best:.3f}; others: {others}); among models within {TOLERANCE} of the best it has the highest "
           f"AUC per joule of inference ({(pick['auc_per_joule'] or 0):.1f} per J, {pick['inference_ms'] or 0:.2f} ms "
           "per ECG), and it explains itself with measurements a clinician can check.")
    return pick["name"], why


def frugality_report(models_dir: str | Path | None = None) -> dict[str, Any]:
    """Rows for the frugality page: params, size, training energy, inference ms and mJ per ECG,
    macro AUC with CI, AUC per joule; the default model and why; published figures for reference."""
    root = Path(models_dir) if models_dir else MODELS_DIR
    rows = [model_row(p) for p in sorted(root.iterdir()) if (p / "meta.json").is_file()] if root.is_dir() else []
    chosen, why = choose_default(rows)
    recorded = DEFAULT_FILE.read_text(encoding="utf-8").split()[0] if DEFAULT_FILE.is_file() and models_dir is None else None
    return {"rows": rows, "default": recorded or chosen, "chosen_by_rule": chosen, "why": why,
            "rule": __doc__.split("Rule (stated in the report): ")[1].split("Published")[0].strip() if __doc__ else "",
            "published": PUBLISHED, "published_note": PUBLISHED_NOTE,
            "units": {"size_bytes": "bytes", "training_kwh": "kWh", "inference_ms": "ms per ECG on one core",
                      "inference_mj": "mJ per ECG (CPU + RAM, CodeCarbon)", "auc_per_joule": "macro AUC / J per ECG"}}


def format_report(report: dict[str, Any]) -> str:
    def f(v: Any, fmt: str) -> str:
        return "-" if v is None else format(v, fmt)

    lines = [f"{'model':<16} {'params':>7} {'size kB':>8} {'train s':>8} {'train Wh':>9} {'ms/ECG':>7} "
             f"{'mJ/ECG':>7} {'CV macro AUC (95% CI)':>24} {'fold10':>7} {'AUC/J':>8}"]
    for r in report["rows"]:
        ci = r["cv10_macro_auc_ci"] or [None, None]
        auc = f"{f(r['cv10_macro_auc'], '.3f')} ({f(ci[0], '.3f')}-{f(ci[1], '.3f')})"
        lines.append(
            f"{r['name']:<16} {f(r['params'], 'd'):>7} {f((r['size_bytes'] or 0) / 1000, '.1f'):>8} "
            f"{f(r['training_seconds'], '.1f'):>8} {f((r['training_kwh'] or 0) * 1000, '.3f'):>9} "
            f"{f(r['inference_ms'], '.2f'):>7} {f(r['inference_mj'], '.1f'):>7} {auc:>24} "
            f"{f(r['fold10_macro_auc'], '.3f'):>7} {f(r['auc_per_joule'], '.1f'):>8}")
    floor = next((r["floor"] for r in report["rows"] if r.get("floor")), None)
    if floor:
        lines.append(f"floor (crude LR on amplitude/spectral stats, CV): normal-vs-abnormal AUC "
                     f"{f(floor['abnormal_vs_normal_auc'], '.3f')}, macro AUC {f(floor['macro_auc'], '.3f')}")
    lines.append("published (full PTB-XL, fold 10, 5 outputs): " +
                 ", ".join(f"{p['model']} {p['macro_auc']:.3f}" for p in report["published"]))
    lines.append(f"default: {report['default']}. {report['why']}")
    modes = {r["energy_mode"] for r in report["rows"] if r["energy_mode"]}
    for m in modes:
        lines.append(f"energy: {m}")
    return "\n".join(lines)
