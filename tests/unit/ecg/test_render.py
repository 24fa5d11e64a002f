"""Rendering a 12-lead ECG to SVG on ECG paper: geometry, content, accessibility, robustness."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from medtandem.ecg import STANDARD_LEADS, EcgRecord, read_record
from medtandem.ecg.render import LAYOUT, render_svg

SVG = "{http://www.w3.org/2000/svg}"
DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ptbxl-first500"
RECORD_500 = DATA / "records500" / "00000" / "00001_hr"
RECORD_100 = DATA / "records100" / "00000" / "00001_lr"
needs_data = pytest.mark.skipif(
    not RECORD_500.with_suffix(".hea").exists(), reason="PTB-XL sample not present"
)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[MmLlHhVvZz]|-?(?:\d+\.?\d*|\.\d+)")


def parse_path(d: str) -> list[np.ndarray]:
    """Absolute points of each sub-path of SVG path data using M/m, L/l, H/h, V/v (as we emit)."""
    subpaths: list[list[tuple[float, float]]] = []
    x = y = 0.0
    cmd = ""
    tokens = _TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd in "Zz":
                continue
        if cmd in "Hh":
            v = float(tokens[i])
            x = v if cmd == "H" else x + v
            i += 1
        elif cmd in "Vv":
            v = float(tokens[i])
            y = v if cmd == "V" else y + v
            i += 1
        else:
            a, b = float(tokens[i]), float(tokens[i + 1])
            i += 2
            if cmd in "ML":
                x, y = a, b
            else:
                x, y = x + a, y + b
            if cmd in "Mm":
                subpaths.append([])
                cmd = "L" if cmd == "M" else "l"  # implicit lineto after moveto
        subpaths[-1].append((x, y))
    return [np.array(s) for s in subpaths]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def cells(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "lead" in g.get("class", "").split()]


def cell(root: ET.Element, lead: str, rhythm: bool = False) -> ET.Element:
    for g in cells(root):
        if g.get("data-lead") == lead and ("rhythm" in g.get("class", "")) == rhythm:
            return g
    raise AssertionError(f"no cell for {lead}")


def trace_points(g: ET.Element) -> np.ndarray:
    path = g.find(f"{SVG}path[@class='trace']")
    assert path is not None
    return np.vstack(parse_path(path.get("d", "")))


def synthetic(
    fs: float = 500.0,
    seconds: float = 10.0,
    leads: tuple[str, ...] = STANDARD_LEADS,
    fill: float = 0.0,
) -> EcgRecord:
    n = int(round(fs * seconds))
    return EcgRecord(np.full((n, len(leads)), fill, dtype=np.float32), fs, leads, "synthetic")


def sine_record(amplitude_mv: float = 0.5, hz: float = 1.0, fs: float = 500.0) -> EcgRecord:
    t = np.arange(int(10 * fs)) / fs
    wave = (amplitude_mv * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return EcgRecord(np.repeat(wave[:, None], 12, axis=1), fs, STANDARD_LEADS, "sine")


@pytest.fixture(scope="module")
def real_record() -> EcgRecord:
    if not RECORD_500.with_suffix(".hea").exists():
        pytest.skip("PTB-XL sample not present")
    return read_record(RECORD_500)


# --------------------------------------------------------------------------------------------
# structure and geometry
# --------------------------------------------------------------------------------------------


@needs_data
def test_real_record_renders_parseable_svg_with_thirteen_traces(real_record: EcgRecord) -> None:
    root = parse(render_svg(real_record))
    assert root.tag == f"{SVG}svg"
    traces = root.findall(f".//{SVG}path[@class='trace']")
    assert len(traces) == 13
    assert len(cells(root)) == 13


def test_viewbox_matches_paper_geometry() -> None:
    root = parse(render_svg(synthetic()))
    x, y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0)
    # 10 s at 25 mm/s = 250 mm of trace, plus the 10 mm calibration block and 5 mm margins.
    assert width == pytest.approx(250 + 10 + 2 * 5)
    # 4 rows of 40 mm, a 10 mm header and a 15 mm caption band.
    assert height == pytest.approx(4 * 40 + 10 + 15)
    assert root.get("width") == f"{width:g}mm" and root.get("height") == f"{height:g}mm"
    assert root.get("data-mm-per-s") == "25" and root.get("data-mm-per-mv") == "10"


def test_grid_is_two_long_paths_not_thousands_of_elements() -> None:
    root = parse(render_svg(synthetic()))
    grid = root.find(f".//{SVG}g[@class='ecg-grid']")
    assert grid is not None
    fine, bold = grid.findall(f"{SVG}path")
    fine_x = {round(p[0, 0], 2) for p in parse_path(fine.get("d", "")) if p[0, 0] == p[1, 0]}
    bold_x = {round(p[0, 0], 2) for p in parse_path(bold.get("d", "")) if p[0, 0] == p[1, 0]}
    assert bold_x == {float(v) for v in range(0, 271, 5)}
    assert fine_x == {float(v) for v in range(0, 271) if v % 5}
    assert len(list(root.iter())) < 150


def test_calibration_pulse_is_10_mm_tall_and_200_ms_wide_on_each_row() -> None:
    root = parse(render_svg(synthetic()))
    cal = root.find(f".//{SVG}path[@class='calibration']")
    assert cal is not None
    pulses = parse_path(cal.get("d", ""))
    assert len(pulses) == 4
    for row, pulse in enumerate(pulses):
        assert pulse[:, 1].max() - pulse[:, 1].min() == pytest.approx(10.0)
        assert pulse[:, 1].max() == pytest.approx(LAYOUT.baseline(row))
        top = pulse[pulse[:, 1] == pulse[:, 1].min()]
        assert top[:, 0].max() - top[:, 0].min() == pytest.approx(5.0)  # 200 ms at 25 mm/s


def test_a_1_mv_amplitude_sine_draws_10_mm_peak_to_peak() -> None:
    root = parse(render_svg(sine_record(amplitude_mv=0.5)))  # 1 mV peak to peak
    for lead in ("I", "aVF", "V6"):
        pts = trace_points(cell(root, lead))
        assert pts[:, 1].max() - pts[:, 1].min() == pytest.approx(10.0, abs=0.02)
    baseline = float(cell(root, "V6").get("data-y0", "nan"))
    pts = trace_points(cell(root, "V6"))
    assert (pts[:, 1].max() + pts[:, 1].min()) / 2 == pytest.approx(baseline, abs=0.02)


def test_one_second_spans_25_mm() -> None:
    fs = 500.0
    signal = np.zeros((5000, 12), np.float32)
    signal[250::500, :] = 1.0  # a 1 mV spike at 0.5 s, 1.5 s, ... 9.5 s
    root = parse(render_svg(EcgRecord(signal, fs, STANDARD_LEADS)))
    pts = trace_points(cell(root, "II", rhythm=True))
    spikes_x = pts[np.isclose(pts[:, 1], pts[:, 1].min()), 0]
    assert len(spikes_x) == 10
    assert np.diff(spikes_x) == pytest.approx(np.full(9, 25.0), abs=0.01)
    assert spikes_x[0] == pytest.approx(LAYOUT.trace_x0 + 0.5 * 25, abs=0.01)


def test_each_lead_is_drawn_over_its_own_time_window() -> None:
    # A ramp in time: the value (mV) tells the time, so each cell shows its own window.
    fs = 500.0
    t = np.arange(5000) / fs
    record = EcgRecord(
        np.repeat((t / 10)[:, None], 12, axis=1).astype(np.float32), fs, STANDARD_LEADS
    )
    root = parse(render_svg(record))
    for lead, t0 in (("I", 0.0), ("aVR", 2.5), ("V2", 5.0), ("V6", 7.5)):
        g = cell(root, lead)
        assert float(g.get("data-t0", "nan")) == t0
        x0, y0 = float(g.get("data-x0", "nan")), float(g.get("data-y0", "nan"))
        assert x0 == pytest.approx(LAYOUT.trace_x0 + 25 * t0)
        pts = trace_points(g)
        assert pts[0, 0] == pytest.approx(x0)
        end = x0 + 62.5 if t0 < 7.5 else x0 + 62.5 - 25 / fs  # the last sample is at 9.998 s
        assert pts[-1, 0] == pytest.approx(end)
        assert (y0 - pts[0, 1]) / 10 == pytest.approx(t0 / 10, abs=0.001)  # value at t0
    rhythm = cell(root, "II", rhythm=True)
    pts = trace_points(rhythm)
    assert pts[-1, 0] - pts[0, 0] == pytest.approx(250 - 25 / fs, abs=0.01)


def test_lead_labels_are_all_present() -> None:
    root = parse(render_svg(synthetic()))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "lead-label"]
    assert sorted(labels) == sorted([*STANDARD_LEADS, "II"])


def test_caption_states_speed_gain_and_filter() -> None:
    root = parse(render_svg(synthetic(), filter_text="0,5–40 Hz"))
    caption = root.find(f".//{SVG}text[@class='ecg-caption']")
    assert caption is not None and caption.text is not None
    assert "25 mm/s" in caption.text and "10 mm/mV" in caption.text and "0,5–40 Hz" in caption.text


def test_traces_are_clipped_to_their_cell_with_a_small_overlap() -> None:
    root = parse(render_svg(synthetic(fill=5.0)))  # 5 mV: far outside the 40 mm row
    clips = {c.get("id"): c.find(f"{SVG}rect") for c in root.iter(f"{SVG}clipPath")}
    g = cell(root, "aVL")
    path = g.find(f"{SVG}path[@class='trace']")
    assert path is not None
    rect = clips[path.get("clip-path", "")[len("url(#") : -1]]
    assert rect is not None
    top = LAYOUT.row_top(1)
    assert float(rect.get("y", "nan")) == pytest.approx(top - 5)
    assert float(rect.get("height", "nan")) == pytest.approx(50)
    assert float(rect.get("x", "nan")) == pytest.approx(float(g.get("data-x0", "nan")))


def test_coordinates_are_rounded_to_a_hundredth_of_a_millimetre() -> None:
    svg = render_svg(sine_record())
    root = parse(svg)
    d = root.find(f".//{SVG}path[@class='trace']").get("d", "")  # type: ignore[union-attr]
    numbers = re.findall(r"\d*\.(\d+)", d)
    assert numbers and max(len(n) for n in numbers) <= 2


# --------------------------------------------------------------------------------------------
# attribution
# --------------------------------------------------------------------------------------------


def test_attribution_bands_appear_only_when_given() -> None:
    record = synthetic()
    plain = parse(render_svg(record))
    assert plain.find(f".//{SVG}g[@class='attribution']") is None
    assert plain.find(f".//{SVG}g[@class='attribution-legend']") is None

    values = np.zeros((12, 40))
    values[1, 4:8] = 1.0  # lead II, 1.0-2.0 s
    shown = parse(
        render_svg(record, attribution={"leads": list(STANDARD_LEADS), "values": values.tolist()})
    )
    assert shown.find(f".//{SVG}g[@class='attribution-legend']") is not None
    for g in (cell(shown, "II"), cell(shown, "II", rhythm=True)):
        band = g.find(f"{SVG}g[@class='attribution']")
        assert band is not None
        (rect,) = band.findall(f"{SVG}rect")
        assert float(rect.get("x", "nan")) == pytest.approx(LAYOUT.trace_x0 + 25)
        assert float(rect.get("width", "nan")) == pytest.approx(25)
        assert 0 < float(rect.get("fill-opacity", "nan")) <= 0.5  # the grid stays visible
        # Behind the trace: drawn before it.
        children = list(g)
        assert children.index(band) < children.index(g.find(f"{SVG}path[@class='trace']"))  # type: ignore[arg-type]
    assert cell(shown, "I").find(f"{SVG}g[@class='attribution']") is None


def test_malformed_attribution_is_rejected_with_a_message() -> None:
    with pytest.raises(ValueError, match="attribution"):
        render_svg(synthetic(), attribution={"leads": ["I", "II"], "values": [[0.1, 0.2]]})
    with pytest.raises(ValueError, match="attribution"):
        render_svg(synthetic(), attribution={"values": [[0.1]]})


# --------------------------------------------------------------------------------------------
# robustness
# --------------------------------------------------------------------------------------------


def test_missing_leads_are_labelled_and_the_others_drawn() -> None:
    leads = tuple(name for name in STANDARD_LEADS if name not in ("V3", "aVL"))
    root = parse(render_svg(synthetic(leads=leads)))
    assert len(root.findall(f".//{SVG}path[@class='trace']")) == 11
    for name in ("V3", "aVL"):
        g = cell(root, name)
        assert "missing" in g.get("class", "")
        assert g.find(f"{SVG}path[@class='trace']") is None
        notes = [t.text or "" for t in g.iter(f"{SVG}text") if t.get("class") == "missing-label"]
        assert notes == [f"{name} : absente"]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "V3" in (desc.text or "") and "aVL" in (desc.text or "")


def test_any_sampling_rate_gives_the_same_geometry() -> None:
    for fs in (100.0, 250.0, 257.0, 1000.0):
        root = parse(render_svg(sine_record(amplitude_mv=0.5, hz=1.0, fs=fs)))
        pts = trace_points(cell(root, "II", rhythm=True))
        assert pts[:, 1].max() - pts[:, 1].min() == pytest.approx(10.0, abs=0.05), fs
        assert pts[-1, 0] - pts[0, 0] == pytest.approx(250 - 25 / fs, abs=0.05), fs


def test_high_sampling_rates_are_decimated_to_the_display_resolution() -> None:
    root = parse(render_svg(sine_record(fs=2000.0)))
    pts = trace_points(cell(root, "II", rhythm=True))
    assert len(pts) <= 250 / 0.2 * 4 + 4  # at most 4 points per 0.2 mm


def test_short_record_leaves_the_end_blank() -> None:
    root = parse(render_svg(synthetic(seconds=4.0)))
    assert len(root.findall(f".//{SVG}path[@class='trace']")) == 7  # I-III, aVR-aVF, rhythm
    assert cell(root, "V1").find(f"{SVG}path[@class='trace']") is None
    pts = trace_points(cell(root, "II", rhythm=True))
    assert pts[:, 0].max() == pytest.approx(LAYOUT.trace_x0 + 4 * 25 - 25 / 500, abs=0.01)
    assert "moins de 10 s" in (
        parse(render_svg(synthetic(seconds=4.0))).find(f"{SVG}desc").text or ""
    )  # type: ignore[union-attr]


def test_nan_samples_break_the_trace() -> None:
    record = sine_record()
    signal = record.signal.copy()
    signal[100:150, :] = np.nan  # 0.2-0.3 s
    root = parse(render_svg(EcgRecord(signal, record.fs, record.leads)))
    path = cell(root, "I").find(f"{SVG}path[@class='trace']")
    assert path is not None
    first, second = parse_path(path.get("d", ""))
    assert first[-1, 0] == pytest.approx(LAYOUT.trace_x0 + 99 * 0.05)
    assert second[0, 0] == pytest.approx(LAYOUT.trace_x0 + 150 * 0.05)


def test_all_nan_lead_is_labelled_without_trace() -> None:
    signal = np.zeros((5000, 12), np.float32)
    signal[:, 0] = np.nan
    root = parse(render_svg(EcgRecord(signal, 500.0, STANDARD_LEADS)))
    assert cell(root, "I").find(f"{SVG}path[@class='trace']") is None
    assert len(root.findall(f".//{SVG}path[@class='trace']")) == 12


# --------------------------------------------------------------------------------------------
# accessibility and embedding
# --------------------------------------------------------------------------------------------


def test_svg_has_accessible_name_and_description() -> None:
    root = parse(render_svg(synthetic(), title="Cas 12 <test>", element_id="case-12"))
    assert root.get("role") == "img"
    assert root.get("id") == "case-12"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Cas 12 <test>"
    assert "25 mm/s" in (desc.text or "") and "12" in (desc.text or "")


def test_internal_ids_are_prefixed_by_the_element_id() -> None:
    root = parse(render_svg(synthetic(), element_id="left"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("left") for i in ids)
    assert len(ids) == len(set(ids))


def test_bad_element_id_is_rejected() -> None:
    with pytest.raises(ValueError, match="element_id"):
        render_svg(synthetic(), element_id='x" onload="alert(1)')


def test_english_texts() -> None:
    root = parse(render_svg(synthetic(leads=STANDARD_LEADS[:6]), lang="en"))
    notes = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "missing-label"]
    assert "V1: missing" in notes


def test_viewer_template_renders_toolbar_canvas_and_readout() -> None:
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    svg = render_svg(synthetic(), element_id="ecg-7")
    html = render_to_string("ecg/viewer.html", {"svg": mark_safe(svg)})
    assert "data-ecg-viewer" in html
    assert svg in html  # not escaped
    for label in ("Zoom +", "Zoom −", "Taille réelle", "Compas"):
        assert label in html
    assert 'class="ecg-readout"' in html and 'aria-live="polite"' in html
    assert re.search(r'<script type="module" src="[^"]*medtandem/ecg-viewer\.js"></script>', html)
    assert "onclick" not in html and "<script>" not in html


def test_caption_is_built_from_the_drawing_constants_in_both_languages() -> None:
    from medtandem.ecg.render import MM_PER_MV, MM_PER_S

    for lang, filter_word in (("fr", "Filtre : "), ("en", "Filter: ")):
        root = parse(render_svg(synthetic(), lang=lang))
        caption = next(t.text for t in root.iter(f"{SVG}text") if t.get("class") == "ecg-caption")
        assert caption.startswith(f"{MM_PER_S:g} mm/s · {MM_PER_MV:g} mm/mV · {filter_word}")


def test_the_page_words_come_from_the_project_catalogue() -> None:
    # The English words are the catalogue's translations (locale/en/LC_MESSAGES/django.mo).
    import gettext
    from pathlib import Path

    from medtandem.ecg.render import render_texts

    mo = Path(__file__).resolve().parents[3] / "src/medtandem/locale/en/LC_MESSAGES/django.mo"
    catalogue = gettext.GNUTranslations(mo.open("rb"))
    assert render_texts("en").title == catalogue.gettext("ECG 12 dérivations") == "12-lead ECG"
    with pytest.raises(ValueError, match="lang"):
        render_texts("de")
