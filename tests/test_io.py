"""Tests of analysis_utils.io: the ADaM reader on hand-made files and on the CDISC pilot ADaM."""

import gzip

import numpy as np
import pandas as pd
import pytest

from analysis_utils import io, paths, report

ADAM = paths.CDISC_PILOT / "adam"


def test_read_adam_csv_blank_text_is_empty_string_and_dates_are_datetime(tmp_path):
    path = tmp_path / "adae.csv"
    path.write_text("USUBJID,TRTEMFL,ASTDT,ASTDTC,AVISIT,AVAL\n"
                    "S1,Y,2021-07-01,2021-07-01,  Baseline,0\n"
                    "S2,,,,Week 12,\n", encoding="utf-8")
    out = io.read_adam(path)
    assert out["TRTEMFL"].tolist() == ["Y", ""]
    assert out["AVISIT"].tolist() == ["Baseline", "Week 12"]
    assert out["ASTDT"].dtype == "datetime64[ns]"
    assert out["ASTDT"].iloc[0] == pd.Timestamp("2021-07-01") and pd.isna(out["ASTDT"].iloc[1])
    assert out["ASTDTC"].tolist() == ["2021-07-01", ""]  # character --DTC stays text
    assert out["AVAL"].iloc[0] == 0.0 and np.isnan(out["AVAL"].iloc[1])


def test_read_adam_csv_keeps_literal_na_text(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("USUBJID,AEOUT\nS1,NA\n", encoding="utf-8")
    assert io.read_adam(path)["AEOUT"].tolist() == ["NA"]


def test_read_adam_bad_date_names_file_column_and_row(tmp_path):
    path = tmp_path / "adsl.csv"
    path.write_text("USUBJID,TRTSDT\nS1,2021-07-01\nS2,July 2021x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"adsl.csv: column TRTSDT row 1: 'July 2021x'"):
        io.read_adam(path)


def test_read_adam_parquet_and_csv_gz_round_trip(tmp_path):
    frame = pd.DataFrame({"USUBJID": ["S1", None], "ADT": pd.to_datetime(["2021-07-01", None]),
                          "AVAL": [0.0, 1.5]})
    frame.to_parquet(tmp_path / "a.parquet", index=False)
    with gzip.open(tmp_path / "a.csv.gz", "wt", encoding="utf-8") as f:
        frame.to_csv(f, index=False)
    for name in ("a.parquet", "a.csv.gz"):
        out = io.read_adam(tmp_path / name)
        assert out["USUBJID"].tolist() == ["S1", ""]
        assert out["ADT"].dtype == "datetime64[ns]" and out["ADT"].iloc[0] == pd.Timestamp("2021-07-01")
        assert out["AVAL"].tolist() == [0.0, 1.5]


def test_read_adam_unknown_suffix_and_missing_file(tmp_path):
    (tmp_path / "x.sas7bdat").write_bytes(b"")
    with pytest.raises(ValueError, match="unsupported ADaM file type"):
        io.read_adam(tmp_path / "x.sas7bdat")
    with pytest.raises(FileNotFoundError, match="nope.xpt"):
        io.read_adam(tmp_path / "nope.xpt")


def test_read_adam_xpt_zeros_are_exact():
    adsl = io.read_adam(ADAM / "adsl.xpt")
    assert (adsl["TRT01PN"] == 0).sum() == 86
    assert (adsl["TRT01A"] == "Placebo").sum() == 86  # the same subjects, counted from text
    assert ((adsl["TRT01PN"] == 0) == (adsl["TRT01P"] == "Placebo")).all()
    # independent check: pandas' reader with the tiny-value mask from the data README
    raw = pd.read_sas(ADAM / "adsl.xpt", format="xport", encoding="utf-8")
    fixed = raw["CUMDOSE"].mask(raw["CUMDOSE"].abs() < 1e-70, 0.0)
    assert adsl["CUMDOSE"].tolist() == fixed.tolist()
    adtte = io.read_adam(ADAM / "adtte.xpt")
    raw_tte = pd.read_sas(ADAM / "adtte.xpt", format="xport", encoding="utf-8")
    assert (adtte["CNSR"] == 0).sum() == (raw_tte["CNSR"].abs() < 1e-70).sum() == 152


def test_read_adam_xpt_sas_dates_are_real_dates():
    adsl = io.read_adam(ADAM / "adsl.xpt")
    assert adsl["TRTSDT"].dtype == "datetime64[ns]"
    raw = pd.read_sas(ADAM / "adsl.xpt", format="xport", encoding="utf-8")
    expected = pd.to_datetime(raw["TRTSDT"], unit="D", origin="1960-01-01")
    assert adsl["TRTSDT"].tolist() == expected.tolist()
    first = adsl.loc[adsl["USUBJID"] == "01-701-1015", "TRTSDT"].iloc[0]
    assert first == pd.Timestamp("2014-01-02")


def test_read_adam_xpt_character_missing_is_empty_string():
    adae = io.read_adam(ADAM / "adae.xpt")
    assert set(adae["TRTEMFL"]) == {"Y", ""}
    assert (adae["TRTEMFL"] == "Y").sum() == 1126


def test_read_adam_csv_pilot_lab_visits_stripped_and_dates_parsed():
    adlb = io.read_adam(ADAM / "adlbc.csv.gz")
    assert len(adlb) == 74264
    assert "Baseline" in set(adlb["AVISIT"]) and not adlb["AVISIT"].str.startswith(" ").any()
    assert adlb["ADT"].dtype == "datetime64[ns]"
    assert set(adlb["ANL01FL"]) == {"Y", ""}
    base = adlb[adlb["AVISIT"] == "Baseline"]
    assert (base["AVISITN"] == 0).all()


def test_written_files_follow_the_umask(tmp_path):
    """Under umask 022 outputs are readable by group and others (a shared drive); under 077 private."""
    import os
    import stat

    from analysis_utils.io import _atomic_write

    old = os.umask(0o022)
    try:
        shared = _atomic_write(tmp_path / "report.html", lambda p: p.write_text("x"))
        os.umask(0o077)
        private = _atomic_write(tmp_path / "private.csv", lambda p: p.write_text("x"))
        assert os.umask(0o077) == 0o077  # _atomic_write left the umask as it found it
    finally:
        os.umask(old)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_a_dataset_missing_from_an_ended_builds_staging_folder_says_the_notebook_is_an_executed_copy(tmp_path):
    """An executed notebook (reports/executed) run again names the build's staging folder as .build/stage, gone once
    the build ended; a running build's own folder (.build/stage-<pid>) keeps the message of a missing step."""
    with pytest.raises(FileNotFoundError, match=r"stage/processed: the staging folder of a build that has ended"):
        io.read_processed("adsl", folder=tmp_path / ".build" / "stage" / "processed")
    with pytest.raises(FileNotFoundError, match=r"dataset 'adsl' not found; build the report first \(make report\)"):
        io.read_processed("adsl", folder=tmp_path / ".build" / "stage-4242" / "processed")


def test_nothing_is_written_into_an_ended_builds_staging_folder(tmp_path):
    """Notebook 01 of reports/executed, run again, reads the raw export (never the staging folder) and wrote its
    datasets and tables into .build/stage, out of sight, where the next executed notebooks then read them: every
    write there is refused, and nothing is created; a running build's own folder (.build/stage-<pid>) is written."""
    ended, running = tmp_path / ".build" / "stage", tmp_path / ".build" / "stage-4242"
    data = pd.DataFrame({"USUBJID": ["S-01"]})
    with pytest.raises(FileNotFoundError, match=r"stage/processed/adsl.parquet: the staging folder of a build"):
        io.write_processed(data, "adsl", folder=ended / "processed")
    with pytest.raises(FileNotFoundError, match=r"stage/reports/tables/t.csv: the staging folder of a build"):
        report.save_table(data, "t", reports_dir=ended / "reports")
    assert not ended.exists()
    assert io.write_processed(data, "adsl", folder=running / "processed").exists()
