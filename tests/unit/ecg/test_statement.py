"""The machine statement: rate, rhythm, PR, QRS, QT and QTc with its formula named, axis; French or
English; a pure function of the measurements."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from tests.factories import synthetic

from medtandem.ecg.measure import machine_statement, measure, rhythm_of


@pytest.fixture(scope="module")
def m():
    return measure(synthetic(rr_ms=833, pr_ms=160, qrs_ms=100, qt_ms=380, axis_deg=45))


def test_french_statement_reads_like_an_ecg_machine(m):
    s = machine_statement(m, "fr")
    qtc = m.qt_ms / math.sqrt(m.rr_mean_ms / 1000)  # Bazett, computed here
    assert s.startswith(f"Rythme sinusal {60000 / m.rr_mean_ms:.0f}/min. PR ")
    assert f"QRS {m.qrs_ms:.0f} ms." in s
    assert f"QTc {qtc:.0f} ms (Bazett)." in s
    assert s.endswith(f"Axe {m.qrs_axis_deg:+.0f}°.")


def test_english_statement_names_the_formula_it_used(m):
    s = machine_statement(m, "en", qtc="fridericia")
    qtc = m.qt_ms / (m.rr_mean_ms / 1000) ** (1 / 3)
    assert s.startswith("Sinus rhythm 72/min.")
    assert f"QTc {qtc:.0f} ms (Fridericia)." in s and "Axis +" in s


def test_statement_is_pure(m):
    assert machine_statement(m, "fr") == machine_statement(m, "fr")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"heart_rate_bpm": 120.0}, "sinus_tachycardia"),
        ({"heart_rate_bpm": 45.0}, "sinus_bradycardia"),
        ({"pr_ms": None, "rr_irregularity": 0.25}, "probable_af"),
        ({"pr_ms": None}, "regular_no_p"),
        ({"rr_irregularity": 0.2}, "irregular_sinus"),
    ],
)
def test_rhythm_follows_rate_regularity_and_p_wave(m, changes, code):
    assert rhythm_of(replace(m, **changes)) == code


def test_irregular_rhythm_without_p_wave_reads_as_probable_af_in_french(m):
    s = machine_statement(replace(m, pr_ms=None, rr_irregularity=0.3), "fr")
    assert s.startswith("Rythme irrégulier sans onde P (fibrillation atriale probable)")
    assert "PR non mesurable." in s


def test_unknown_language_is_refused(m):
    with pytest.raises(ValueError, match="lang"):
        machine_statement(m, "de")
