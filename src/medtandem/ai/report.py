"""The frugality report: one row per shipped model, and the choice of the default model.

Rule (stated in the report): the default is the model that holds up best elsewhere. Among the models whose
largest loss of normal-vs-abnormal AUC under any single perturbation of the robustness suite is at most
0.03 (all models when none is), keep those whose mean normal-vs-abnormal AUC over the held-out sites and
devices is within 0.01 of the best; of these, the one with the highest worst-case held-out AUC, then the
fewest operations per ECG. Pooled cross-validation is reported but does not choose. Published PTB-XL
results are shown beside ours for reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medtandem.ai.artifacts import (
    ENERGY,
    EVALUATION,
    META,
    model_folders,
    read_default_name,
    read_json,
)
from medtandem.ai.energy import energy_figure
from medtandem.ai.robustness import PERTURBATIONS

#: Strodthoff et al., IEEE JBHI 25(5):1519-1528, 2021, Table (superdiagnostic, fold 10, macro AUC),
#: trained on the full PTB-XL (17,000+ training records).
PUBLISHED = [
    {"model": "xresnet1d101", "macro_auc": 0.928},
    {"model": "inception1d", "macro_auc": 0.921},
    {"model": "Wavelet+NN", "macro_auc": 0.874},
]
PUBLISHED_NOTE = (
    "Strodthoff et al. 2021 (IEEE JBHI 25:1519-1528), superdiagnostic, fold 10, five outputs "
    "(no AFIB), trained on the full PTB-XL (about 17,000 training records), not on 500."
)
TOLERANCE = 0.01
MAX_PERTURBATION_LOSS = 0.03


def model_row(model_dir: Path) -> dict[str, Any]:
    meta = read_json(model_dir / META)
    ev = read_json(model_dir / EVALUATION)
    energy = read_json(model_dir / ENERGY)
    cv = ev.get("cv10") or {}
    f10 = ev.get("fold10") or {}
    inf = energy.get("inference") or {}
    tr = energy.get("training") or {}
    auc = cv.get("macro_auc", f10.get("macro_auc"))
    mj = inf.get("mj_per_ecg")
    hold = (ev.get("holdout") or {}).values()
    nva = [h["abnormal_vs_normal_auc"] for h in hold if h.get("abnormal_vs_normal_auc") is not None]
    hm = [h["macro_auc"] for h in hold if h.get("macro_auc") is not None]
    rob = (ev.get("robustness") or {}).get("summary") or {}
    return {
        "name": meta.get("name"),
        "family": meta.get("family"),
        "version": meta.get("version"),
        "params": meta.get("n_parameters"),
        "size_bytes": (meta.get("weights") or {}).get("bytes"),
        "training_seconds": tr.get("seconds"),
        "training_kwh": tr.get("kwh"),
        "training_energy": energy_figure(tr).to_dict(),
        "inference_energy": energy_figure(inf.get("energy")).to_dict(),
        "training_g_co2e": tr.get("g_co2e"),
        "inference_ms": inf.get("ms_per_ecg"),
        "inference_ms_with_explanation": inf.get("ms_per_ecg_with_explanation"),
        "inference_mj": mj,
        "cv10_macro_auc": auc,
        "cv10_macro_auc_ci": cv.get("macro_auc_ci"),
        "fold10_macro_auc": f10.get("macro_auc"),
        "fold10_macro_auc_ci": f10.get("macro_auc_ci"),
        "abnormal_vs_normal_auc": cv.get("abnormal_vs_normal_auc"),
        "ece": cv.get("ece", f10.get("ece")),
        "auc_per_joule": (auc / (mj / 1000.0)) if auc and mj else None,
        "energy_mode": (inf.get("energy") or {}).get("mode"),
        "floor": ev.get("floor"),
        "holdout": ev.get("holdout"),
        # The same, as a list with the held-out group split into its kind ("site",
        # "device_family") and value, for a page to name in its language.
        "holdout_groups": [
            {"kind": key.partition("=")[0], "value": key.partition("=")[2], **h}
            for key, h in (ev.get("holdout") or {}).items()
        ],
        "heldout_nva_mean": (sum(nva) / len(nva)) if nva else None,
        "heldout_nva_worst": min(nva) if nva else None,
        "heldout_macro_mean": (sum(hm) / len(hm)) if hm else None,
        "perturbation_largest_loss": rob.get("largest_loss_normal_vs_abnormal"),
        "perturbation_worst": rob.get("worst_perturbation"),
        "flops_per_ecg": inf.get("flops_per_ecg"),
    }


def choose_default(rows: list[dict[str, Any]]) -> tuple[str | None, str]:
    """The default by the rule of this module's docstring, and why (in words built from the figures)."""
    scored = [r for r in rows if r["heldout_nva_mean"] is not None]
    if not scored:
        return None, "no model evaluated on held-out sites and devices"
    stable = [
        r
        for r in scored
        if r["perturbation_largest_loss"] is not None
        and r["perturbation_largest_loss"] <= MAX_PERTURBATION_LOSS
    ]
    pool = stable or scored
    best = max(r["heldout_nva_mean"] for r in pool)
    close = [r for r in pool if r["heldout_nva_mean"] >= best - TOLERANCE]
    pick = max(close, key=lambda r: (r["heldout_nva_worst"] or 0.0, -(r["flops_per_ecg"] or 0)))

    def fig(v: Any, spec: str = ".3f") -> str:
        return "-" if v is None else format(v, spec)

    others = "; ".join(
        f"{r['name']}: held-out {fig(r['heldout_nva_mean'])}, worst {fig(r['heldout_nva_worst'])}, "
        f"largest perturbation loss {fig(r['perturbation_largest_loss'], '+.3f')}"
        for r in scored
        if r is not pick
    )
    why = (
        f"{pick['name']} is chosen: mean normal-vs-abnormal AUC on held-out sites and devices "
        f"{fig(pick['heldout_nva_mean'])} (worst {fig(pick['heldout_nva_worst'])}), largest loss under one "
        f"perturbation {fig(pick['perturbation_largest_loss'], '+.3f')} ({pick['perturbation_worst']}), "
        f"{'within' if pick in stable else 'above'} the {MAX_PERTURBATION_LOSS} limit; pooled CV macro AUC "
        f"{fig(pick['cv10_macro_auc'])}. Others: {others or 'none'}."
    )
    return pick["name"], why


def default_facts(rows: list[dict[str, Any]], chosen: str | None) -> dict[str, Any] | None:
    """The figures behind the choice of the default, for a page to word in its own language."""
    pick = next((r for r in rows if r["name"] == chosen), None)
    if pick is None:
        return None
    keys = ("name", "heldout_nva_mean", "heldout_nva_worst", "perturbation_largest_loss")
    return {
        **{k: pick[k] for k in keys},
        "perturbation_worst": pick["perturbation_worst"],
        "within_limit": pick["perturbation_largest_loss"] is not None
        and pick["perturbation_largest_loss"] <= MAX_PERTURBATION_LOSS,
        "cv10_macro_auc": pick["cv10_macro_auc"],
        "others": [
            {k: r[k] for k in keys}
            for r in rows
            if r is not pick and r["heldout_nva_mean"] is not None
        ],
    }


def frugality_report(models_dir: str | Path | None = None) -> dict[str, Any]:
    """Rows for the frugality page: params, size, training energy, inference ms and mJ per ECG,
    macro AUC with CI, AUC per joule; the default model and why; published figures for reference."""
    rows = [model_row(p) for p in model_folders(models_dir)]
    chosen, why = choose_default(rows)
    recorded = read_default_name() if models_dir is None else None
    return {
        "rows": rows,
        "default": recorded or chosen,
        "chosen_by_rule": chosen,
        "why": why,
        "why_facts": default_facts(rows, chosen),
        "max_perturbation_loss": MAX_PERTURBATION_LOSS,
        "tolerance": TOLERANCE,
        "rule": __doc__.split("Rule (stated in the report): ")[1].split("Published")[0].strip()
        if __doc__
        else "",
        "published": PUBLISHED,
        "published_note": PUBLISHED_NOTE,
        "units": {
            "size_bytes": "bytes",
            "training_kwh": "kWh",
            "inference_ms": "ms per ECG on one core",
            "inference_mj": "mJ per ECG (CPU + RAM, CodeCarbon; an estimate without an energy counter)",
            "auc_per_joule": "macro AUC / J per ECG",
            "flops_per_ecg": "floating-point operations per ECG, counted analytically (exact, repeatable)",
            "heldout_nva_mean": "mean normal-vs-abnormal AUC over held-out sites and devices",
        },
    }


def training_wh(figure: dict[str, Any]) -> str:
    """The training energy of a row as text: the figure, an upper bound, or "-" (not measured)."""
    if figure.get("wh") is not None:
        return f"{figure['wh']:g}"
    if figure.get("below_wh") is not None:
        return f"<{figure['below_wh']:g}"
    return "-"


def format_report(report: dict[str, Any]) -> str:
    def f(v: Any, fmt: str) -> str:
        return "-" if v is None else format(v, fmt)

    lines = [
        f"{'model':<16} {'params':>7} {'size kB':>8} {'train s':>8} {'train Wh':>9} {'ms/ECG':>7} "
        f"{'mJ/ECG':>7} {'MFLOP':>6} {'CV macro AUC (95% CI)':>24} {'fold10':>7} {'held-out NvA':>12} "
        f"{'worst':>6} {'pert. loss':>10}"
    ]
    for r in report["rows"]:
        ci = r["cv10_macro_auc_ci"] or [None, None]
        auc = f"{f(r['cv10_macro_auc'], '.3f')} ({f(ci[0], '.3f')}-{f(ci[1], '.3f')})"
        lines.append(
            f"{r['name']:<16} {f(r['params'], 'd'):>7} {f((r['size_bytes'] or 0) / 1000, '.1f'):>8} "
            f"{f(r['training_seconds'], '.1f'):>8} {training_wh(r['training_energy']):>9} "
            f"{f(r['inference_ms'], '.2f'):>7} {f(r['inference_mj'], '.1f'):>7} "
            f"{f(None if r['flops_per_ecg'] is None else r['flops_per_ecg'] / 1e6, '.1f'):>6} {auc:>24} "
            f"{f(r['fold10_macro_auc'], '.3f'):>7} {f(r['heldout_nva_mean'], '.3f'):>12} "
            f"{f(r['heldout_nva_worst'], '.3f'):>6} {f(r['perturbation_largest_loss'], '+.3f'):>10}"
        )
    floor = next((r["floor"] for r in report["rows"] if r.get("floor")), None)
    if floor:
        lines.append(
            f"floor (crude LR on amplitude/spectral stats, CV): normal-vs-abnormal AUC "
            f"{f(floor['abnormal_vs_normal_auc'], '.3f')}, macro AUC {f(floor['macro_auc'], '.3f')}"
        )
    lines.append(
        "published (full PTB-XL, fold 10, 5 outputs): "
        + ", ".join(f"{p['model']} {p['macro_auc']:.3f}" for p in report["published"])
    )
    lines.append(f"default: {report['default']}. {report['why']}")
    modes = {r["energy_mode"] for r in report["rows"] if r["energy_mode"]}
    for m in modes:
        lines.append(f"energy: {m}")
    return "\n".join(lines)


def markdown_tables(models_dir: str | Path | None = None) -> str:
    """The comparison tables of docs/ai.md, built from each model's evaluation.json (nothing typed)."""

    def f(v: Any, spec: str = ".3f") -> str:
        return "–" if v is None else format(v, spec)

    folders = model_folders(models_dir)
    evs = {p.name: read_json(p / EVALUATION) for p in folders}
    metas = {p.name: read_json(p / META) for p in folders}
    energies = {p.name: read_json(p / ENERGY) for p in folders}
    out = [
        "| model | family | CV macro AUC | CV normal-vs-abnormal | held-out mean NvA | worst held-out NvA | "
        "largest served perturbation loss (NvA) | ECE CV / held-out sites | ms/ECG | operations/ECG |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, ev in evs.items():
        cv = ev.get("cv10") or {}
        hold = ev.get("holdout") or {}
        nva = [h["abnormal_vs_normal_auc"] for h in hold.values()]
        sites = [h["ece"] for k, h in hold.items() if k.startswith("site=")]
        rob = (ev.get("robustness") or {}).get("summary") or {}
        inf = energies[name].get("inference") or {}
        out.append(
            f"| {name} | {metas[name].get('family')} | {f(cv.get('macro_auc'))} | "
            f"{f(cv.get('abnormal_vs_normal_auc'))} | {f(sum(nva) / len(nva) if nva else None)} | "
            f"{f(min(nva) if nva else None)} | {f(rob.get('largest_loss_normal_vs_abnormal'), '+.3f')} "
            f"({rob.get('worst_perturbation')}) | {f(cv.get('ece'))} / "
            f"{f(sum(sites) / len(sites) if sites else None)} | {f(inf.get('ms_per_ecg'), '.1f')} | "
            f"{f(inf.get('flops_per_ecg'), ',.0f')} |"
        )
    keys = sorted({k for ev in evs.values() for k in (ev.get("holdout") or {})})
    out += [
        "",
        "Held out (re-trained without it): normal-vs-abnormal AUC (DeLong 95 % CI) / macro AUC over the "
        "six outputs [over the five superclasses] (95 % bootstrap CI of the six-output macro) / ECE / "
        "OOD-flagged share",
        "",
        "| held out | n (normal / abnormal) | " + " | ".join(evs) + " |",
        "|---|---|" + "---|" * len(evs),
    ]
    for k in keys:
        held = [ev["holdout"][k] for ev in evs.values() if k in (ev.get("holdout") or {})]
        first = next((h for h in held if "n_normal" in h), held[0])
        n = f"{first['n_test']}"
        if "n_normal" in first:
            n += f" ({first['n_normal']} / {first['n_abnormal']})"
        cells = []
        for ev in evs.values():
            h = (ev.get("holdout") or {}).get(k)
            ci = (h or {}).get("macro_auc_ci") or [None, None]
            dl = (h or {}).get("abnormal_vs_normal_auc_ci")
            nva_ci = f" ({f(dl[0])}–{f(dl[1])})" if dl else " (CI not recorded)"
            five = [
                v
                for k5, v in ((h or {}).get("auc") or {}).items()
                if k5 != "AFIB" and v is not None
            ]
            cells.append(
                "–"
                if not h
                else f"{f(h['abnormal_vs_normal_auc'])}{nva_ci} / {f(h['macro_auc'])} "
                f"[5 superclasses {f(sum(five) / len(five) if five else None)}] "
                f"({f(ci[0])}–{f(ci[1])}) / {f(h['ece'])} / {f(100 * h['ood_rate'] if h.get('ood_rate') is not None else None, '.0f')} %"
            )
        out.append(f"| {k} | {n} | " + " | ".join(cells) + " |")
    perts = [
        p
        for p in PERTURBATIONS
        if any(
            p in ((ev.get("robustness") or {}).get("by_perturbation") or {}) for ev in evs.values()
        )
    ]
    out += [
        "",
        "Robustness suite (CV held-out records, perturbed): normal-vs-abnormal AUC (loss vs clean; served "
        "loss on the records the quality check accepts) / macro AUC / refused / OOD-flagged",
        "",
        "| perturbation | " + " | ".join(evs) + " |",
        "|---|" + "---|" * len(evs),
    ]
    out.append(
        "| clean | "
        + " | ".join(
            f"{f(((ev.get('robustness') or {}).get('clean') or {}).get('normal_vs_abnormal_auc'))} / "
            f"{f(((ev.get('robustness') or {}).get('clean') or {}).get('macro_auc'))}"
            for ev in evs.values()
        )
        + " |"
    )
    for p in perts:
        cells = []
        for ev in evs.values():
            r = ((ev.get("robustness") or {}).get("by_perturbation") or {}).get(p)
            cells.append(
                "–"
                if not r
                else f"{f(r['normal_vs_abnormal_auc'])} ({f(r['loss_normal_vs_abnormal'], '+.3f')}; served "
                f"{f(r['served_loss_normal_vs_abnormal'], '+.3f')}) / {f(r['macro_auc'])} / "
                f"{f(100 * r['refused_rate'], '.0f')} % / "
                f"{f(None if r['ood_rate'] is None else 100 * r['ood_rate'], '.0f')} %"
            )
        out.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(out)
