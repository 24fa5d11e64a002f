"""Nice ticks (Heckbert 1990) against hand-worked examples; locale formatting for tables and axes."""

from __future__ import annotations

import math

import pytest

from medtandem.charts import (
    fixed_ticks,
    format_number,
    nice_number,
    nice_ticks,
    text_width,
    truncate,
)

NNBSP = "\u202f"


def test_ticks_of_a_proportion_up_to_0_87_run_0_to_1_by_0_2() -> None:
    t = nice_ticks(0, 0.87)
    assert t.values == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    assert t.digits == 1


def test_ticks_of_counts_up_to_93512_run_0_to_100000_by_20000() -> None:
    t = nice_ticks(0, 93_512)
    assert t.values == (0.0, 20_000.0, 40_000.0, 60_000.0, 80_000.0, 100_000.0)
    assert t.digits == 0


def test_ticks_cross_zero_for_negative_data() -> None:
    # range 20.2 -> nice 50 (not rounded), step nice(12.5) = 10; loose bounds -10 and 20
    assert nice_ticks(-3.2, 17).values == (-10.0, 0.0, 10.0, 20.0)


def test_ticks_of_huge_values_have_no_float_noise() -> None:
    t = nice_ticks(0, 3.7e9)
    assert t.values == (0.0, 1e9, 2e9, 3e9, 4e9)


def test_ticks_of_small_steps_keep_their_decimals() -> None:
    t = nice_ticks(0.51, 0.58)
    assert t.values == (0.5, 0.52, 0.54, 0.56, 0.58)
    assert t.digits == 2


def test_a_single_value_is_widened() -> None:
    assert nice_ticks(0, 0).values == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    t = nice_ticks(50, 50)
    assert t.lo <= 45 and t.hi >= 55


def test_nice_number_rounds_to_1_2_5_10() -> None:
    assert [nice_number(x, True) for x in (1.2, 2.5, 4.0, 8.0)] == [1.0, 2.0, 5.0, 10.0]
    assert [nice_number(x, False) for x in (1.2, 2.5, 4.0, 8.0)] == [2.0, 5.0, 5.0, 10.0]


def test_fixed_ticks_roc_axis_and_bad_step() -> None:
    assert fixed_ticks(0, 1, 0.2).values == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    with pytest.raises(ValueError, match="step"):
        fixed_ticks(0, 1, 0.3)


def test_ticks_reject_bad_input_naming_it() -> None:
    with pytest.raises(ValueError, match="lo and hi"):
        nice_ticks(0, math.nan)
    with pytest.raises(ValueError, match="lo must not exceed hi"):
        nice_ticks(2, 1)
    with pytest.raises(ValueError, match="count"):
        nice_ticks(0, 1, count=1)


def test_percent_ticks_need_no_decimals() -> None:
    t = nice_ticks(0, 0.87)
    assert t.digits_for(percent=True) == 0
    assert t.digits_for(percent=False) == 1


def test_french_numbers_use_decimal_comma_and_narrow_nbsp_thousands() -> None:
    assert format_number(0.8, "fr") == "0,80"
    assert format_number(93_512, "fr", digits=0) == f"93{NNBSP}512"
    assert format_number(1_234_567.891, "fr", digits=1) == f"1{NNBSP}234{NNBSP}567,9"


def test_english_numbers_use_decimal_point_and_comma_thousands() -> None:
    assert format_number(0.8, "en") == "0.80"
    assert format_number(1_234_567.891, "en", digits=1) == "1,234,567.9"


def test_percentages_per_locale() -> None:
    assert format_number(0.805, "fr", digits=1, percent=True) == f"80,5{NNBSP}%"
    assert format_number(0.8, "en", digits=0, percent=True) == "80%"


def test_negative_numbers_take_the_minus_sign_and_never_minus_zero() -> None:
    assert format_number(-1234.5, "en", digits=1) == "\u22121,234.5"
    assert format_number(-0.001, "fr") == "0,00"


def test_missing_values_print_a_dash() -> None:
    assert format_number(None, "fr") == "\u2013"
    assert format_number(math.nan, "en") == "\u2013"
    assert format_number(None, "en", missing="n/a") == "n/a"


def test_format_number_rejects_bad_arguments_by_name() -> None:
    with pytest.raises(ValueError, match="locale"):
        format_number(1.0, "de")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="digits"):
        format_number(1.0, "fr", digits=-1)
    with pytest.raises(ValueError, match="x must be a number"):
        format_number("1", "fr")  # type: ignore[arg-type]


def test_text_width_follows_dejavu_metrics_and_accents_fall_back_to_base_letters() -> None:
    assert text_width("0", 10) == pytest.approx(6.36)
    assert text_width("é", 10) == text_width("e", 10)
    assert text_width("Hé", 10, bold=True) > text_width("Hé", 10)


def test_truncate_adds_an_ellipsis_and_fits() -> None:
    long = "Centre hospitalier universitaire de Montpellier"
    short = truncate(long, 120, 11)
    assert short.endswith("\u2026") and len(short) < len(long)
    assert text_width(short, 11) <= 120
    assert truncate("CHU", 120, 11) == "CHU"


def test_an_interval_is_written_with_each_locales_separator() -> None:
    from medtandem.charts import format_interval

    # French keeps decimal commas apart with a semicolon, English with a comma; true minus signs.
    assert format_interval(-0.25, 0.5, "fr") == "[\u22120,25 ; 0,50]"
    assert format_interval(-0.25, 0.5, "en") == "[\u22120.25, 0.50]"
    assert format_interval(0.123, 0.4567, "en", digits=3) == "[0.123, 0.457]"
    assert format_interval(None, 0.5, "en") == ""
