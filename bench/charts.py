"""Benchmark of the chart layer (``medtandem.charts``): prints the time of each chart kind.

Target (2-core machine): the charts of a study analysis page — 20 per-reader ROC charts and one
with 18 curves — in under 100 ms, a fifth of the page's 0.5 s budget. Exits 1 when missed.
When Matplotlib is importable it also times the same ROC figures with its SVG backend, for the
comparison in ``docs/charts.md``. Run: ``python bench/charts.py``.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

_t = time.perf_counter()
import medtandem.charts as mc  # noqa: E402

IMPORT_MS = (time.perf_counter() - _t) * 1000
PAGE_TARGET_MS = 100.0


def _curves(rng: random.Random) -> list[mc.RocCurve]:
    out = []
    for i, cond, pooled in [(i, c, False) for i in range(8) for c in ("sans IA", "avec IA")] + [
        (99, "sans IA", True),
        (99, "avec IA", True),
    ]:
        xs = sorted([0.0] + [rng.random() for _ in range(8)] + [1.0])
        ys = sorted([0.0] + [min(1.0, x**0.4 + rng.uniform(-0.05, 0.05)) for x in xs[1:-1]] + [1.0])
        out.append(mc.RocCurve(f"L{i} {cond}", xs, ys, condition=cond, pooled=pooled))
    return out


def _ms(fn: Callable[[], object], n: int) -> float:
    fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n * 1000


def main() -> int:
    rng = random.Random(1)
    curves = _curves(rng)
    roc = dict(x_title="1 − spécificité", y_title="sensibilité", chance_label="hasard")

    def page() -> None:
        for r in range(20):
            mc.roc_chart(curves[:2], title=f"ROC {r}", **roc)
        mc.roc_chart(curves, title="ROC", **roc)

    rows = {
        "roc_chart, 18 curves × 10 points": _ms(
            lambda: mc.roc_chart(curves, title="ROC", **roc), 30
        ),
        "roc_chart, 2 curves": _ms(lambda: mc.roc_chart(curves[:2], title="ROC", **roc), 50),
        "dot_chart, 8 rows": _ms(
            lambda: mc.dot_chart(
                [mc.DotRow(f"L{i}", rng.random(), rng.random()) for i in range(8)],
                title="t",
                value_title="v",
                start_label="a",
                end_label="b",
                up_label="u",
                down_label="d",
            ),
            50,
        ),
        "bar_chart, 8 bars + target": _ms(
            lambda: mc.bar_chart(
                [mc.Bar(str(y), 3000 * y) for y in range(8)],
                title="t",
                value_title="v",
                target=100_000,
                target_label="objectif",
            ),
            50,
        ),
        "bar_chart, 200 bars": _ms(
            lambda: mc.bar_chart(
                [mc.Bar(f"Établissement {i}", i * 137) for i in range(200)],
                title="t",
                value_title="v",
            ),
            10,
        ),
        "scatter_chart, 40 labelled points": _ms(
            lambda: mc.scatter_chart(
                [mc.Point(f"L{i}", rng.random(), rng.random()) for i in range(40)],
                title="t",
                x_title="x",
                y_title="y",
                x_range=(0, 1),
                y_range=(0, 1),
                x_cut=0.3,
                y_cut=0.3,
                cut_label="seuils",
                quadrant_names=("a", "b", "c", "d"),
            ),
            10,
        ),
        "line_chart, 21 points + band + 2 references": _ms(
            lambda: mc.line_chart(
                [
                    mc.Series(
                        "a",
                        [(k, 0.7) for k in range(0, 201, 10)],
                        band=[(k, 0.6, 0.8) for k in range(0, 201, 10)],
                        band_label="IC",
                    )
                ],
                title="t",
                x_title="x",
                y_title="y",
                references=[mc.Reference(0.7, "départ"), mc.Reference(40, "repère", "x")],
            ),
            50,
        ),
    }
    page_ms = _ms(page, 3)
    print(f"import medtandem.charts: {IMPORT_MS:.0f} ms")
    for name, ms in rows.items():
        print(f"{name}: {ms:.2f} ms")
    print(
        f"analysis page, 20 per-reader ROC + 1 with 18 curves: {page_ms:.1f} ms (target < {PAGE_TARGET_MS:.0f} ms)"
    )
    _matplotlib(curves)
    return 0 if page_ms < PAGE_TARGET_MS else 1


def _matplotlib(curves: list[mc.RocCurve]) -> None:
    try:
        t = time.perf_counter()
        import matplotlib

        matplotlib.use("svg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: comparison skipped")
        return
    imp = (time.perf_counter() - t) * 1000
    import io

    def fig(cs: list[mc.RocCurve]) -> None:
        f, ax = plt.subplots(figsize=(5, 5))
        for c in cs:
            ax.plot(c.fpf, c.tpf, lw=1, label=c.label)
        ax.plot([0, 1], [0, 1], "--", label="hasard")
        ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.legend()
        f.savefig(io.StringIO(), format="svg")
        plt.close(f)

    print(
        f"matplotlib {matplotlib.__version__}: import {imp:.0f} ms; ROC 18 curves {_ms(lambda: fig(curves), 5):.0f} ms; "
        f"ROC 2 curves {_ms(lambda: fig(curves[:2]), 5):.0f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
