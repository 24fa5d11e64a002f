"""Write an HTML gallery of every chart kind, in French and English, with realistic data.

    .venv/bin/python tools/chart_gallery.py /tmp/chart-gallery.html [--shots /tmp/shots-charts]

With ``--shots`` it also screenshots each chart (Playwright + Chromium) into that folder.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from medtandem.charts import (  # noqa: E402
    CHART_CSS,
    Bar,
    Chart,
    DotRow,
    Point,
    Reference,
    RocCurve,
    Series,
    bar_chart,
    dot_chart,
    line_chart,
    roc_chart,
    scatter_chart,
)

T = {
    "fr": {
        "roc": "Courbes ROC des 8 lecteurs, sans IA et avec IA",
        "fpf": "1 − spécificité (taux de faux positifs)",
        "tpf": "sensibilité (taux de vrais positifs)",
        "chance": "hasard (AUC = 0,5)",
        "without": "sans IA",
        "with": "avec IA",
        "readers": "lecteurs",
        "mean": "moyenne",
        "reader": "Lecteur",
        "dot": "Exactitude par lecteur, sans IA → avec IA",
        "acc": "exactitude (%)",
        "up": "amélioration",
        "down": "dégradation",
        "same": "inchangée",
        "year": "Personnes formées par année",
        "trained": "personnes formées (nombre)",
        "target": "objectif annuel",
        "inst": "Personnes formées par établissement",
        "institution": "Établissement",
        "quad": "Confiance dans l'IA, par lecteur",
        "over": "sur-confiance (IA fausse, suivie ; proportion)",
        "under": "sous-confiance (IA juste, écartée ; proportion)",
        "cut": "seuils de 0,3 (lignes en tirets)",
        "quads": ("appropriée", "sur-confiance", "sous-confiance", "les deux"),
        "trend": "Exactitude sans IA au fil des lectures avec IA",
        "exposure": "lectures avec IA déjà faites (nombre)",
        "unaided": "exactitude sans IA (%)",
        "band": "intervalle de confiance à 95 %",
        "baseline": "niveau de départ",
        "marker": "fin de la période d'apprentissage",
        "series": "Série",
        "data": "Données du graphique",
        "empty": "Pas encore de données",
        "acc_s": "exactitude sans IA",
    },
    "en": {
        "roc": "ROC curves of the 8 readers, without and with AI",
        "fpf": "1 − specificity (false-positive rate)",
        "tpf": "sensitivity (true-positive rate)",
        "chance": "chance (AUC = 0.5)",
        "without": "without AI",
        "with": "with AI",
        "readers": "readers",
        "mean": "mean",
        "reader": "Reader",
        "dot": "Accuracy by reader, without AI → with AI",
        "acc": "accuracy (%)",
        "up": "improved",
        "down": "worse",
        "same": "unchanged",
        "year": "People trained per year",
        "trained": "people trained (count)",
        "target": "annual target",
        "inst": "People trained by institution",
        "institution": "Institution",
        "quad": "Reliance on the AI, by reader",
        "over": "over-reliance (AI wrong, followed; proportion)",
        "under": "under-reliance (AI right, overridden; proportion)",
        "cut": "0.3 thresholds (dashed lines)",
        "quads": ("appropriate", "over-reliance", "under-reliance", "both"),
        "trend": "Unaided accuracy over aided reads",
        "exposure": "aided reads already done (count)",
        "unaided": "unaided accuracy (%)",
        "band": "95% confidence interval",
        "baseline": "baseline",
        "marker": "end of the learning period",
        "series": "Series",
        "data": "Chart data",
        "empty": "No data yet",
        "acc_s": "unaided accuracy",
    },
}

INSTITUTIONS = [
    ("Centre hospitalier universitaire de Montpellier — pôle cardio-vasculaire", 38_412),
    (
        "Assistance publique – Hôpitaux de Paris (AP-HP), groupe hospitalier Pitié-Salpêtrière",
        36_020,
    ),
    ("Hospices civils de Lyon", 27_950),
    ("CHU de Bordeaux", 21_305),
    ("Institut de formation en soins infirmiers de Saint-Étienne", 14_870),
    ("Faculté de médecine de Strasbourg", 11_240),
    ("Service départemental d'incendie et de secours du Finistère (SDIS 29)", 6_805),
    ("Centre hospitalier de Cayenne « Andrée Rosemon »", 3_120),
]


def _roc(auc_shift: float, rng: random.Random) -> tuple[list[float], list[float]]:
    fpf, tpf = [0.0], [0.0]
    for t in (0.05, 0.12, 0.25, 0.45, 0.7):
        x = min(1.0, max(0.0, t + rng.uniform(-0.03, 0.03)))
        fpf.append(x)
        tpf.append(min(1.0, x ** (0.35 - auc_shift) + rng.uniform(-0.03, 0.03)))
    fpf.append(1.0)
    tpf.append(1.0)
    return fpf, sorted(tpf)


def charts(locale: str) -> list[Chart]:
    t = T[locale]
    loc = "fr" if locale == "fr" else "en"
    rng = random.Random(7)
    curves = []
    means: dict[str, list[list[float]]] = {t["without"]: [], t["with"]: []}
    for cond, shift in ((t["without"], 0.0), (t["with"], 0.12)):
        for r in range(1, 9):
            fpf, tpf = _roc(shift + rng.uniform(-0.05, 0.05), rng)
            curves.append(RocCurve(f"{t['reader']} {r} – {cond}", fpf, tpf, condition=cond))
            means[cond].append(tpf)
    grid = [0.0, 0.05, 0.12, 0.25, 0.45, 0.7, 1.0]
    for cond in (t["without"], t["with"]):
        mean_tpf = [sum(c[k] for c in means[cond]) / 8 for k in range(7)]
        curves.append(RocCurve(f"{t['mean']} {cond}", grid, mean_tpf, condition=cond, pooled=True))
    roc = roc_chart(
        curves,
        title=t["roc"],
        x_title=t["fpf"],
        y_title=t["tpf"],
        chance_label=t["chance"],
        locale=loc,
        width=560,
        series_header=t["series"],
    )

    dots = dot_chart(
        [
            DotRow(f"{t['reader']} {i}", a, b)
            for i, (a, b) in enumerate(
                [
                    (0.62, 0.78),
                    (0.71, 0.74),
                    (0.80, 0.72),
                    (0.55, 0.70),
                    (0.68, 0.68),
                    (0.74, 0.86),
                    (0.59, 0.52),
                    (0.77, 0.83),
                ],
                start=1,
            )
        ],
        title=t["dot"],
        value_title=t["acc"],
        start_label=t["without"],
        end_label=t["with"],
        up_label=t["up"],
        down_label=t["down"],
        same_label=t["same"],
        locale=loc,
        percent=True,
        digits=0,
        value_range=(0.4, 1.0),
        category_header=t["reader"],
    )

    years = [
        Bar(str(y), v)
        for y, v in zip(
            range(2019, 2027),
            (3_050, 4_870, 7_920, 12_400, 18_730, 24_100, 31_560, 39_880),
            strict=True,
        )
    ]
    year = bar_chart(
        years,
        title=t["year"],
        value_title=t["trained"],
        locale=loc,
        target=100_000,
        target_label=t["target"],
        category_header=t["year"],
    )
    inst = bar_chart(
        [Bar(n, v) for n, v in INSTITUTIONS],
        title=t["inst"],
        value_title=t["trained"],
        locale=loc,
        target=30_000,
        target_label=t["target"],
        category_header=t["institution"],
    )

    qrng = random.Random(3)
    pts = [
        Point(
            f"{t['reader']} {i}", round(qrng.betavariate(2, 6), 2), round(qrng.betavariate(2, 7), 2)
        )
        for i in range(1, 25)
    ]
    pts += [Point("Dr Lefèvre-Saint-Hilaire", 0.21, 0.12), Point('Dr <Zoé> & "Co"', 0.22, 0.13)]
    quad = scatter_chart(
        pts,
        title=t["quad"],
        x_title=t["over"],
        y_title=t["under"],
        locale=loc,
        width=560,
        x_range=(0, 1),
        y_range=(0, 1),
        x_step=0.2,
        y_step=0.2,
        x_cut=0.3,
        y_cut=0.3,
        cut_label=t["cut"],
        quadrant_names=t["quads"],
        highlight=0,
        label_header=t["reader"],
    )

    trend_pts, band = [], []
    for k in range(0, 201, 10):
        acc = 0.78 - 0.08 * (1 - math.exp(-k / 80)) + 0.01 * math.sin(k / 15)
        half = 0.12 / math.sqrt(1 + k / 12)
        trend_pts.append((k, acc))
        band.append((k, acc - half, acc + half))
    trend = line_chart(
        [Series(t["acc_s"], trend_pts, band=band, band_label=t["band"])],
        title=t["trend"],
        x_title=t["exposure"],
        y_title=t["unaided"],
        locale=loc,
        y_range=(0.5, 1.0),
        y_percent=True,
        y_digits=0,
        references=[Reference(0.78, t["baseline"]), Reference(40, t["marker"], axis="x")],
        series_header=t["series"],
    )
    empty = line_chart(
        [],
        title=t["trend"],
        x_title=t["exposure"],
        y_title=t["unaided"],
        locale=loc,
        empty_text=t["empty"],
        width=400,
    )
    return [roc, dots, year, inst, quad, trend, empty]


def page() -> str:
    blocks = []
    for locale in ("fr", "en"):
        for k, c in enumerate(charts(locale)):
            blocks.append(
                f'<section class="card" id="{locale}-{k}">{c.html(T[locale]["data"])}</section>'
            )
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Charts gallery</title>'
        f"<style>{CHART_CSS} body{{font-family:'DejaVu Sans',sans-serif;background:#f4f5f7;margin:1em}}"
        ".card{background:#fff;padding:12px;margin:0 0 16px;max-width:680px;border:1px solid #dde}"
        "figcaption{font-size:12px;color:#555}</style></head><body>"
        + "".join(blocks)
        + "</body></html>"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--shots", type=Path)
    args = ap.parse_args()
    args.out.write_text(page(), encoding="utf-8")
    if args.shots:
        from playwright.sync_api import sync_playwright

        args.shots.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            pg = browser.new_page(viewport={"width": 720, "height": 900}, device_scale_factor=1.5)
            pg.goto(args.out.resolve().as_uri())
            for el in pg.query_selector_all("section.card"):
                el.screenshot(path=str(args.shots / f"{el.get_attribute('id')}.png"))
            browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
