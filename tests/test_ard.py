import pandas as pd
import pytest

from analysis_utils import ard, report


def _rows(**kw):
    return ard.make_ard(pd.DataFrame({"stat_name": ["n", "mean"], "stat_value": [11, 10.0]}), **kw)


def test_make_ard_orders_and_fills_columns():
    out = _rows(analysis_id="EFF-1", paramcd="ESSDAI")
    assert tuple(out.columns) == ard.ARD_COLUMNS
    assert out["group"].tolist() == ["", ""]
    assert out["stat_value"].dtype == float


def test_make_ard_rejects_unknown_columns():
    with pytest.raises(ValueError, match="unknown ARD column"):
        _rows(colour="red")


def test_stack_ard_refuses_duplicate_statistics():
    with pytest.raises(ValueError, match="duplicate statistic"):
        ard.stack_ard([_rows(analysis_id="A"), _rows(analysis_id="A")])


def test_get_stat_needs_exactly_one_match():
    rows = _rows(analysis_id="A", avisit="Baseline")
    assert ard.get_stat(rows, "mean", analysis_id="A") == 10.0
    with pytest.raises(KeyError):
        ard.get_stat(rows, "sd", analysis_id="A")


def test_save_ard_replaces_a_section_and_keeps_the_others(tmp_path):
    report.save_ard(_rows(analysis_id="SAF-1"), "safety", reports_dir=tmp_path)
    report.save_ard(_rows(analysis_id="EFF-1"), "efficacy", reports_dir=tmp_path)
    again = report.save_ard(_rows(analysis_id="EFF-2"), "efficacy", reports_dir=tmp_path)
    assert again["analysis_id"].tolist() == ["EFF-2", "EFF-2"]  # the rows written
    back = report.read_ard(tmp_path)
    assert back["analysis_id"].tolist() == ["EFF-2", "EFF-2", "SAF-1", "SAF-1"]  # section order, no duplicates
    pd.testing.assert_frame_equal(back[back["section"] == "efficacy"], again)
    assert not (tmp_path / "ard.csv").exists()  # combined by the build only (combine_parts)


def test_ard_csv_keeps_values_exact(tmp_path):
    third = 1 / 3
    report.save_ard(ard.make_ard(pd.DataFrame({"stat_name": ["x"], "stat_value": [third]})), "efficacy", reports_dir=tmp_path)
    assert report.read_ard(tmp_path)["stat_value"].iloc[0] == third


def test_save_queries_replaces_rows_of_the_same_source(tmp_path):
    q = pd.DataFrame({"file": ["visits.csv"], "row": [3], "USUBJID": ["S-001"], "rule": ["window"], "message": ["m"]})
    report.save_queries(q, "validation", reports_dir=tmp_path)
    report.save_queries(q.assign(rule="lab"), "scoring", reports_dir=tmp_path)
    out = report.save_queries(q.assign(rule="window2"), "validation", reports_dir=tmp_path)
    assert sorted(out["rule"]) == ["lab", "window2"]
    assert tuple(out.columns) == report.QUERY_COLUMNS


def test_save_ard_sections_writes_what_one_section_at_a_time_writes(tmp_path):
    one, many = tmp_path / "one", tmp_path / "many"
    report.save_ard(_rows(analysis_id="EFF-1"), "efficacy", reports_dir=one)
    report.save_ard(_rows(analysis_id="EFF-1"), "efficacy", reports_dir=many)
    sections = {"safety": _rows(analysis_id="SAF-1"), "disposition": _rows(analysis_id="DSP-1"),
                "demographics": _rows(analysis_id="DEM-1")}
    for section, rows in sections.items():
        report.save_ard(rows, section, reports_dir=one)
    written = report.save_ard_sections(sections, reports_dir=many)
    report.combine_parts(one), report.combine_parts(many)
    assert (one / "ard.csv").read_bytes() == (many / "ard.csv").read_bytes()
    assert written["section"].drop_duplicates().tolist() == ["disposition", "demographics", "safety"]
    report.save_ard_sections({"safety": _rows(analysis_id="SAF-2"), "disposition": _rows().iloc[:0]},
                             reports_dir=many)  # replaced, and emptied
    assert report.read_ard(many)["analysis_id"].drop_duplicates().tolist() == ["DEM-1", "EFF-1", "SAF-2"]


def test_replace_sections_refuses_duplicate_statistics_within_the_new_rows():
    with pytest.raises(ValueError, match="duplicate statistic"):
        ard.replace_sections(None, {"safety": pd.concat([_rows(analysis_id="A"), _rows(analysis_id="A")])})
