"""Every chart kind: valid SVG, accessible, escaped, labels neither overlapping nor clipped, the
data table matching the data, and the edge cases (empty, one point, NaN, negative, huge, many)."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable

import pytest

from medtandem.charts import (
    Bar,
    Chart,
    DotRow,
    Point,
    Reference,
    RocCurve,
    Series,
    bar_chart,
    dot_chart,
    format_number,
    line_chart,
    roc_chart,
    scatter_chart,
    target_off_scale,
)

from .svgcheck import NS, labels, outside, overlapping, parse, viewbox

EVIL = 'Établissement <b>&"Zoé"</b> — Hôpital Pitié-Salpêtrière, pôle cardiologie & urgences'
NNBSP = "\u202f"


def line(rows: list[tuple[float | None, float | None]], **kw: object) -> Chart:
    return line_chart(
        [Series("exactitude", rows)],
        title="Tendance",
        x_title="lectures (nombre)",
        y_title="exactitude (%)",
        empty_text="Pas de données",
        **kw,
    )  # type: ignore[arg-type]


def roc(curves: list[RocCurve], **kw: object) -> Chart:
    return roc_chart(
        curves,
        title="ROC",
        x_title="1 − spécificité",
        y_title="sensibilité",
        chance_label="hasard",
        empty_text="Pas de données",
        **kw,
    )  # type: ignore[arg-type]


def dots(rows: list[DotRow], **kw: object) -> Chart:
    return dot_chart(
        rows,
        title="Sans IA → avec IA",
        value_title="exactitude",
        start_label="sans IA",
        end_label="avec IA",
        up_label="hausse",
        down_label="baisse",
        empty_text="Pas de données",
        **kw,
    )  # type: ignore[arg-type]


def bars(rows: list[Bar], **kw: object) -> Chart:
    return bar_chart(
        rows,
        title="Personnes formées",
        value_title="personnes (nombre)",
        empty_text="Pas de données",
        **kw,
    )  # type: ignore[arg-type]


def scatter(points: list[Point], **kw: object) -> Chart:
    return scatter_chart(
        points,
        title="Confiance",
        x_title="sur-confiance",
        y_title="sous-confiance",
        empty_text="Pas de données",
        **kw,
    )  # type: ignore[arg-type]


def _crowd(n: int, seed: int = 1) -> list[Point]:
    rng = random.Random(seed)
    return [
        Point(f"Lecteur {i}", round(rng.betavariate(2, 6), 2), round(rng.betavariate(2, 6), 2))
        for i in range(n)
    ]


EDGE_CASES: dict[str, Callable[[], Chart]] = {
    "line-empty": lambda: line([]),
    "line-one-point": lambda: line([(3, 0.7)]),
    "line-nan-none": lambda: line([(0, 0.5), (1, math.nan), (2, None), (None, 0.4), (3, 0.6)]),
    "line-negative": lambda: line([(-5, -0.3), (5, 0.2)]),
    "line-huge": lambda: line([(0, 1e12), (1, 3.7e12)]),
    "line-band-refs": lambda: line_chart(
        [
            Series(
                "a",
                [(0, 0.7), (10, 0.72)],
                band=[(0, 0.6, 0.8), (10, 0.65, 0.8)],
                band_label="IC 95 %",
            ),
            Series(EVIL, [(0, 0.6), (10, 0.5)]),
        ],
        title=EVIL,
        x_title=EVIL,
        y_title=EVIL,
        references=[Reference(0.65, EVIL), Reference(5, EVIL, "x")],
    ),
    "roc-empty": lambda: roc([]),
    "roc-many": lambda: roc(
        [
            RocCurve(f"L{i}", [0, 0.1 + i / 100, 1], [0, 0.6, 1], condition=c)
            for i in range(8)
            for c in ("sans IA", "avec IA")
        ]
        + [RocCurve("moyenne", [0, 0.15, 1], [0, 0.62, 1], condition="avec IA", pooled=True)]
    ),
    "dot-empty": lambda: dots([]),
    "dot-one": lambda: dots([DotRow("moi", 0.6, 0.8)]),
    "dot-missing": lambda: dots(
        [DotRow("a", None, 0.8), DotRow("b", math.nan, None), DotRow("c", 0.7, math.nan)]
    ),
    "dot-negative": lambda: dots([DotRow("a", -0.2, 0.1), DotRow("b", 0.3, -0.4)]),
    "dot-200-long": lambda: dots([DotRow(f"{EVIL} {i}", i / 200, 1 - i / 200) for i in range(200)]),
    "bar-empty": lambda: bars([]),
    "bar-one": lambda: bars([Bar("2026", 3050)]),
    "bar-none": lambda: bars([Bar("a", None), Bar("b", math.nan), Bar("c", 12)]),
    "bar-negative": lambda: bars([Bar("gain", 120), Bar("perte", -340), Bar("petite perte", -3)]),
    "bar-huge": lambda: bars(
        [Bar("a", 4.2e11), Bar("b", 9.9e11)], target=1e12, target_label="objectif"
    ),
    "bar-200-long": lambda: bars(
        [Bar(f"{EVIL} {i}", i * 137) for i in range(200)], target=1e6, target_label="obj."
    ),
    "scatter-empty": lambda: scatter([], x_range=(0, 1), y_range=(0, 1)),
    "scatter-one": lambda: scatter(
        [Point("moi", 0.2, 0.1)],
        x_cut=0.5,
        y_cut=0.5,
        cut_label="seuils",
        quadrant_names=("a", "b", "c", "d"),
    ),
    "scatter-nan": lambda: scatter(
        [Point("a", math.nan, 0.1), Point("b", None, None), Point("c", 0.3, 0.4)]
    ),
    "scatter-crowded": lambda: scatter(
        _crowd(60),
        x_range=(0, 1),
        y_range=(0, 1),
        x_cut=0.3,
        y_cut=0.3,
        cut_label="seuils",
        quadrant_names=("appropriée", "sur", "sous", "les deux"),
    ),
    "scatter-evil": lambda: scatter(
        [Point(EVIL, 0.5, 0.5, group="g1"), Point("x", 0.1, 0.9, group="g2")]
    ),
}


@pytest.fixture(params=sorted(EDGE_CASES), ids=sorted(EDGE_CASES))
def chart(request: pytest.FixtureRequest) -> Chart:
    return EDGE_CASES[request.param]()


def test_every_chart_parses_as_accessible_svg(chart: Chart) -> None:
    root = parse(chart.svg)
    assert root.attrib["role"] == "img"
    ids = root.attrib["aria-labelledby"].split()
    found = {el.attrib.get("id"): el for el in root.iter() if el.attrib.get("id")}
    assert [found[i].tag for i in ids] == [f"{NS}title", f"{NS}desc"]
    assert found[ids[0]].text == chart.title
    assert viewbox(root).x1 == pytest.approx(chart.width)


def test_no_script_no_event_handler_no_style_attribute(chart: Chart) -> None:
    root = parse(chart.svg)
    for el in root.iter():
        assert el.tag not in (f"{NS}script", f"{NS}style", f"{NS}foreignObject")
        assert not [a for a in el.attrib if a.startswith("on") or a == "style"]


def test_no_label_extends_beyond_the_viewbox(chart: Chart) -> None:
    assert outside(parse(chart.svg)) == []


def test_no_two_labels_overlap(chart: Chart) -> None:
    assert overlapping(labels(parse(chart.svg))) == []


def test_html_figure_has_caption_and_escaped_data_table(chart: Chart) -> None:
    out = chart.html("Données")
    assert out.startswith(
        '<figure class="mt-chart-figure mt-' + chart.kind + '"><svg'
    ) and out.endswith("</details></figure>")
    assert "<details>" not in chart.html(with_table=False)
    assert "<figcaption>" in out and "<summary>Données</summary>" in out
    assert out.count("<tr>") == len(chart.table.rows) + 1


def test_labels_with_markup_are_escaped_everywhere() -> None:
    c = EDGE_CASES["line-band-refs"]()
    assert "<b>" not in c.svg and "&lt;b&gt;&amp;&quot;Zoé&quot;" in c.svg
    assert "<b>" not in c.html()
    assert any(EVIL in (el.text or "") for el in parse(c.svg).iter(f"{NS}title"))


def test_empty_data_says_so_with_the_callers_text() -> None:
    for name in ("line-empty", "roc-empty", "dot-empty", "bar-empty", "scatter-empty"):
        c = EDGE_CASES[name]()
        assert [lab.text for lab in labels(parse(c.svg)) if lab.cls == "mt-empty"] == [
            "Pas de données"
        ], name
        assert c.table.rows == ()


def test_nan_and_none_are_skipped_and_break_the_line() -> None:
    c = EDGE_CASES["line-nan-none"]()
    assert [r[1] for r in c.table.rows] == ["0", "3"]
    assert len(parse(c.svg).findall(f".//{NS}polyline")) == 2


def test_long_category_labels_are_truncated_with_the_full_text_in_a_title() -> None:
    c = EDGE_CASES["bar-200-long"]()
    cats = [el for el in parse(c.svg).iter(f"{NS}text") if el.attrib.get("class") == "mt-category"]
    assert len(cats) == 200
    assert all(
        el[0].tail and el[0].tail.endswith("\u2026") and el[0].text.startswith(EVIL) for el in cats
    )


def test_roc_chart_has_ticks_every_0_2_a_labelled_chance_line_and_thin_reader_curves() -> None:
    c = roc(
        [RocCurve(f"L{i}", [0, 0.2, 1], [0, 0.7, 1], condition="avec IA") for i in range(4)]
        + [RocCurve("moyenne avec IA", [0, 0.2, 1], [0, 0.7, 1], condition="avec IA", pooled=True)],
        locale="fr",
    )
    root = parse(c.svg)
    ticks = [lab.text for lab in labels(root) if lab.cls == ""]
    assert ticks.count("0,2") == 2 and ticks.count("1,0") == 2
    legend = [lab.text for lab in labels(root) if lab.cls == "mt-legend"]
    assert legend == ["avec IA", "moyenne avec IA", "hasard"]
    widths = sorted(float(p.attrib["stroke-width"]) for p in root.iter(f"{NS}polyline"))
    assert widths == [1.1] * 4 + [3.2]
    assert c.kind == "roc"
    assert root.find(f".//{NS}line[@class='mt-diagonal']") is not None
    vb = viewbox(root)
    assert vb.y1 > vb.x1 * 0.9  # square plot


def test_axis_ticks_follow_the_locale() -> None:
    fr = [lab.text for lab in labels(parse(line([(0, 0.1), (93_512, 0.9)]).svg))]
    en = [lab.text for lab in labels(parse(line([(0, 0.1), (93_512, 0.9)], locale="en").svg))]
    assert f"100{NNBSP}000" in fr and "0,2" in fr
    assert "100,000" in en and "0.2" in en


def test_percent_axis_and_table_agree() -> None:
    c = line([(0, 0.805), (1, 0.9)], y_percent=True, y_digits=1)
    assert [r[2] for r in c.table.rows] == [f"80,5{NNBSP}%", f"90,0{NNBSP}%"]
    assert f"90{NNBSP}%" in [lab.text for lab in labels(parse(c.svg))]


def test_line_table_matches_the_data_with_bands() -> None:
    c = EDGE_CASES["line-band-refs"]()
    assert c.table.headers == ("", EVIL, EVIL)
    assert c.table.rows[:2] == (("a", "0", "0,70 [0,60 ; 0,80]"), ("a", "10", "0,72 [0,65 ; 0,80]"))
    root = parse(c.svg)
    legend = [lab.text for lab in labels(root) if lab.cls == "mt-legend"]
    assert legend[:2] == ["a", "IC 95 %"] and len(legend) == 4  # two series, the band, the baseline
    assert [
        el.text for el in root.iter(f"{NS}title") if el.text == EVIL
    ]  # truncated ones keep the full text


def test_dot_chart_colours_by_direction_and_explains_it() -> None:
    c = dots([DotRow("a", 0.5, 0.7), DotRow("b", 0.8, 0.6)], locale="en")
    root = parse(c.svg)
    joins = [el for el in root.findall(f"{NS}line") if el.attrib.get("stroke-width") == "2.5"]
    assert {(el.attrib["stroke"], el.attrib.get("stroke-dasharray", "")) for el in joins} == {
        ("#0072B2", ""),
        ("#D55E00", "5 3"),
    }
    assert [lab.text for lab in labels(root) if lab.cls == "mt-legend"] == [
        "sans IA",
        "avec IA",
        "hausse",
        "baisse",
    ]
    assert c.table.rows == (("a", "0.50", "0.70"), ("b", "0.80", "0.60"))


def test_bar_table_matches_the_data() -> None:
    c = bars([Bar("2025", 31_560), Bar("2026", None)], locale="fr")
    assert c.table.rows == (("2025", f"31{NNBSP}560"), ("2026", "\u2013"))
    values = [lab.text for lab in labels(parse(c.svg)) if lab.cls == "mt-value"]
    assert values == [f"31{NNBSP}560"]


def test_a_far_target_is_marked_off_scale_and_the_axis_stays_on_the_data() -> None:
    c = bars(
        [Bar(str(y), v) for y, v in ((2024, 3050), (2025, 4870), (2026, 7920))],
        target=100_000,
        target_label="objectif",
    )
    root = parse(c.svg)
    group = root.find(f".//{NS}g[@class='mt-target mt-target-off-scale']")
    assert group is not None
    assert "objectif 100\u202f000" in "".join(group.itertext())
    ticks = [
        float(t.text.replace(NNBSP, ""))
        for t in root.iter(f"{NS}text")
        if t.text and re.fullmatch(r"[\d\u202f]+", t.text) and t.attrib.get("class") is None
    ]
    assert max(ticks) == 8000  # axis on the data, not on the target
    widest = max(float(r.attrib["width"]) for r in root.iter(f"{NS}rect"))
    assert widest > 0.8 * (viewbox(root).x1 - 200)  # the biggest bar fills the plot, not squashed


def test_a_near_target_is_drawn_as_a_line_on_the_axis() -> None:
    c = bars([Bar("a", 21_000), Bar("b", 38_000)], target=30_000, target_label="objectif")
    root = parse(c.svg)
    g = root.find(f".//{NS}g[@class='mt-target']")
    assert g is not None and g.find(f"{NS}line") is not None


def test_off_scale_rule() -> None:
    assert not target_off_scale([3000, 40_000], 60_000)
    assert target_off_scale([3000, 40_000], 100_000)
    assert not target_off_scale([3000, 40_000], 100_000, factor=3)
    assert target_off_scale([], 10)
    assert not target_off_scale([-5, 5], 0)


def test_crowded_scatter_labels_never_overlap_and_stay_in_the_plot() -> None:
    c = scatter(
        _crowd(40, seed=5),
        x_range=(0, 1),
        y_range=(0, 1),
        x_cut=0.3,
        y_cut=0.3,
        cut_label="seuils",
        quadrant_names=("appropriée", "sur-confiance", "sous-confiance", "les deux"),
    )
    root = parse(c.svg)
    placed = [lab for lab in labels(root) if lab.cls in ("mt-point-label", "mt-quadrant")]
    assert overlapping(placed) == []
    assert sum(lab.cls == "mt-point-label" for lab in placed) >= 30  # most labels found a place
    assert len(c.table.rows) == 40  # every point is in the table, labelled or not


def test_scatter_names_the_cut_lines_in_legend_and_description() -> None:
    c = EDGE_CASES["scatter-one"]()
    assert "seuils" in [lab.text for lab in labels(parse(c.svg)) if lab.cls == "mt-legend"]
    assert "seuils" in c.description


def test_table_headers_are_the_callers_words() -> None:
    c = scatter([Point("moi", 0.2, 0.3)], label_header="Lecteur", locale="en")
    assert c.table.headers == ("Lecteur", "sur-confiance", "sous-confiance")
    assert c.table.rows == (("moi", "0.20", "0.30"),)
    assert c.table.rows[0][1] == format_number(0.2, "en")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: line([(0, 1)], locale="de"), "locale"),
        (lambda: line([(0, 1)], width=10), "width"),
        (lambda: bar_chart([], title=" ", value_title="v"), "title must not be empty"),
        (lambda: line([(0, math.inf)]), r"series\[0\].points\[0\]"),
        (lambda: line([(0,)]), r"series\[0\].points\[0\] must be an \(x, y\) pair"),
        (lambda: line([(0, 1)], x_range=(1, 0)), "x_range"),
        (lambda: roc([RocCurve("a", [0, 1], [0])]), r"curves\[0\]: fpf and tpf"),
        (lambda: dots([("a", 1, 2)]), r"rows\[0\] must be a DotRow"),  # type: ignore[list-item]
        (lambda: bars([Bar("a", "12")]), r"rows\[0\].value"),  # type: ignore[arg-type]
        (lambda: bars([Bar("a", 1)], off_scale_factor=0.5), "off_scale_factor"),
        (lambda: scatter([Point("a", 0, 0)], x_cut=0.5), "cut_label"),
        (
            lambda: scatter(
                [Point("a", 0, 0)], x_cut=0.5, cut_label="c", quadrant_names=("a", "b", "c", "d")
            ),
            "both",
        ),
        (lambda: bars([Bar(3, 1)]), r"rows\[0\].label"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_rejected_naming_the_argument(make: Callable[[], Chart], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_two_different_charts_get_different_ids_and_the_same_chart_the_same() -> None:
    a, b = bars([Bar("a", 1)]), bars([Bar("a", 2)])
    assert parse(a.svg).attrib["aria-labelledby"] != parse(b.svg).attrib["aria-labelledby"]
    assert bars([Bar("a", 1)]).svg == a.svg


def test_chart_is_frozen() -> None:
    c = bars([Bar("a", 1)])
    with pytest.raises(AttributeError):
        c.title = "x"  # type: ignore[misc]


def test_roc_table_lists_every_operating_point_of_every_curve() -> None:
    c = EDGE_CASES["roc-many"]()
    assert len(c.table.rows) == 17 * 3
    assert c.table.rows[0] == ("L0", "0,00", "0,00") and c.table.rows[1] == ("L0", "0,10", "0,60")


def test_data_driven_axes_leave_room_so_markers_do_not_sit_on_the_frame() -> None:
    c = scatter([Point("a", 0.1, 0.9), Point("b", 0.5, 0.5)])
    root = parse(c.svg)
    xs = [
        float(t.text.replace(",", "."))
        for t in root.iter(f"{NS}text")
        if t.text and re.fullmatch(r"\d,\d", t.text)
    ]
    assert min(xs) < 0.1 and max(xs) > 0.9


def test_negative_bars_get_a_zero_line() -> None:
    root = parse(EDGE_CASES["bar-negative"]().svg)
    assert root.find(f".//{NS}line[@class='mt-zero']") is not None


def test_a_quadrant_name_moves_off_the_points_that_sit_in_its_corner() -> None:
    # Points in every outer corner, where the four names are drawn by default.
    spots = [(0.9, 0.02), (0.8, 0.02), (0.1, 0.02), (0.1, 0.98), (0.9, 0.98)]
    corners = [Point(str(k), x, y) for k, (x, y) in enumerate(spots)]
    root = parse(
        scatter(
            corners,
            x_range=(0, 1),
            y_range=(0, 1),
            x_cut=0.5,
            y_cut=0.5,
            cut_label="seuils",
            quadrant_names=("appropriée", "sur-confiance", "sous-confiance", "les deux"),
        ).svg
    )
    names = [lab for lab in labels(root) if lab.cls == "mt-quadrant"]
    assert len(names) == 4
    dots = [
        (float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
        for c in root.iter(f"{NS}circle")
    ]
    assert dots
    for lab in names:
        for cx, cy, r in dots:
            near_x = min(max(cx, lab.box.x0), lab.box.x1)
            near_y = min(max(cy, lab.box.y0), lab.box.y1)
            assert math.hypot(cx - near_x, cy - near_y) > r, (lab.text, cx, cy)
