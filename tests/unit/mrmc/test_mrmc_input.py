from __future__ import annotations

import pandas as pd
import pytest

from medtandem.mrmc import MrmcInputError, analyze, prepare_reads


def test_missing_columns_are_named(vandyke):
    with pytest.raises(MrmcInputError, match="missing column.*truth"):
        analyze(vandyke.drop(columns=["truth"]))


def test_truth_other_than_0_1_is_rejected(vandyke):
    bad = vandyke.copy()
    bad.loc[3, "truth"] = 2
    with pytest.raises(MrmcInputError, match="truth must be 0 .* found 2"):
        analyze(bad)


def test_case_with_two_truths_is_rejected(vandyke):
    bad = vandyke.copy()
    row = bad.index[(bad["case"] == "1") & (bad["reader"] == "2")][0]
    bad.loc[row, "truth"] = 1 - bad.loc[row, "truth"]
    with pytest.raises(MrmcInputError, match="case\\(s\\) 1 have both truth"):
        analyze(bad)


def test_modality_with_one_truth_is_rejected(vandyke):
    bad = vandyke[~((vandyke["modality"] == "2") & (vandyke["truth"] == 0))]
    with pytest.raises(MrmcInputError, match="modality 2: all its cases are diseased"):
        analyze(bad)


def test_duplicate_reads_are_rejected(vandyke):
    bad = pd.concat([vandyke, vandyke.iloc[[5]]])
    with pytest.raises(MrmcInputError, match="duplicate reads.*reader 1, case 6, modality 1"):
        analyze(bad)


def test_non_numeric_rating_is_rejected(vandyke):
    bad = vandyke.astype({"rating": object})
    bad.loc[7, "rating"] = "high"
    with pytest.raises(MrmcInputError, match="rating must be a finite number; found high"):
        analyze(bad)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(MrmcInputError, match="not found"):
        analyze(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        ({"cov": "sandwich"}, "cov must be one of"),
        ({"method": "anova"}, "method must be one of"),
        ({"alpha": 1.5}, "alpha must be between"),
        ({"method": "dbm", "cov": "delong"}, "use cov='jackknife'"),
    ],
)
def test_bad_arguments_are_named(vandyke, kwargs, msg):
    with pytest.raises(MrmcInputError, match=msg):
        analyze(vandyke, **kwargs)


def test_labels_are_kept_as_in_the_file(tmp_path, vandyke):
    df = vandyke.copy()
    df["modality"] = df["modality"].map({"1": "cine MRI", "2": "spin-echo MRI"})
    df["reader"] = "0" + df["reader"]
    path = tmp_path / "reads.csv"
    df.to_csv(path, index=False)
    r = analyze(path)
    assert r.modalities == ("cine MRI", "spin-echo MRI")
    assert r.readers[0] == "01"
    assert r.rrrc.differences[0].comparison == "cine MRI - spin-echo MRI"
    assert set(r.auc["cine MRI"]) == {"01", "02", "03", "04", "05"}


def test_single_reader_or_modality_is_refused(vandyke):
    with pytest.raises(MrmcInputError, match="two modalities"):
        prepare_reads(vandyke[vandyke["modality"] == "1"])
    with pytest.raises(MrmcInputError, match="two readers"):
        prepare_reads(vandyke[vandyke["reader"] == "1"])
