import pandas as pd
import pytest

from analysis_utils import tables


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (42.65, 1, "42.7"),  # binary 42.6499...; half up on the decimal repr (SAS ROUND), not Python round
        (2.675, 2, "2.68"),
        (0.125, 2, "0.13"),
        (-2.5, 0, "-3"),  # half away from zero
        (-0.04, 1, "0.0"),  # no negative zero
        (10.0, 1, "10.0"),
        (3.4444444444444446, 1, "3.4"),
        (88.88888888888889, 1, "88.9"),
        (1e-7, 3, "0.000"),
    ],
)
def test_format_number_rounds_half_up_on_the_decimal_representation(x, decimals, expected):
    assert tables.format_number(x, decimals) == expected


def test_format_number_differs_from_python_round_at_the_trap_value():
    assert f"{42.65:.1f}" == "42.6"
    assert tables.format_number(42.65, 1) == "42.7"


def test_missing_values_show_as_na():
    assert tables.format_number(None, 1) == tables.MISSING
    assert tables.format_number(float("nan"), 2) == tables.MISSING
    assert tables.format_mean_sd(float("nan"), float("nan"), 1) == "NA (NA)"


def test_n_pct_conventions():
    assert tables.format_n_pct(8, 9) == "8 (88.9)"
    assert tables.format_n_pct(0, 9) == "0"
    assert tables.format_n_pct(1, 3) == "1 (33.3)"
    assert tables.format_n_pct(2, 3) == "2 (66.7)"
    assert tables.format_n_pct_events(1, 11, 2) == "1 (9.1) [2]"


def test_pvalue_boundaries():
    assert tables.format_pvalue(0.001) == "0.001"
    assert tables.format_pvalue(0.000999) == "<0.001"
    assert tables.format_pvalue(0.0005) == "<0.001"
    assert tables.format_pvalue(0.0015) == "0.002"


def test_to_html_escapes_free_text_in_cells_headers_and_caption():
    frame = pd.DataFrame({"<script>x</script>": ["<img src=x onerror=alert(1)>", "a & b"]})
    out = tables.to_html(frame, caption="<i>cap</i>")
    assert "<script>" not in out and "<img" not in out and "<i>" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "a &amp; b" in out


def test_to_html_right_aligns_number_columns_only():
    frame = pd.DataFrame({"Statistic": ["n", "Mean (SD)"], "Value": ["11", "10.0 (2.83)"]})
    out = tables.to_html(frame)
    assert '<th class="num">Value</th>' in out and "<th>Statistic</th>" in out


def test_to_html_cuts_long_tables_and_says_so():
    frame = pd.DataFrame({"x": range(120)})
    out = tables.to_html(frame, max_rows=50)
    assert out.count("<tr>") == 51  # header + 50 rows
    assert "first 50 of 120 rows" in out
    assert tables.to_html(frame, max_rows=None).count("<tr>") == 121


def test_to_html_is_deterministic():
    frame = pd.DataFrame({"a": [1.5, None], "b": ["x", "y"]})
    assert tables.to_html(frame) == tables.to_html(frame.copy())
    assert tables.show(frame)._repr_html_() == tables.to_html(frame)


# --- CSV injection (OWASP) ---------------------------------------------------------------------

@pytest.mark.parametrize("cell, written", [
    ("=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"),
    ("+1+1", "+1+1"),  # no letter: arithmetic at most, kept readable
    ("+AE", "'+AE"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("@SUM(1,2)", "'@SUM(1,2)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("\t12", "'\t12"),  # a tab first: always prefixed
    ("  =1", "'  =1"),  # leading spaces do not hide a formula
    ("-", "'-"),  # a lone sign is no number
    ("-1.5", "-1.5"),
    ("-1.5 (2.10)", "-1.5 (2.10)"),
    ("-3 (-4, -2)", "-3 (-4, -2)"),
    ("-0.5 [-1.0, 0.0]", "-0.5 [-1.0, 0.0]"),
    ("+12.5 %", "+12.5 %"),
    ("-2 \u2013 3", "-2 \u2013 3"),
    ("-1.5e3", "'-1.5e3"),  # a letter: not a display number
    ("-1:2", "'-1:2"),  # a range operator
    ("nausea", "nausea"),
    ("8 (72.7)", "8 (72.7)"),
    ("<0.001", "<0.001"),
    ("a=b", "a=b"),  # only the first character counts
    ("", ""),
])
def test_neutralise_formulas_cells(cell, written):
    assert tables.neutralise_formulas(pd.DataFrame({"c": [cell]}))["c"].tolist() == [written]


def test_neutralise_formulas_leaves_numbers_and_the_input_alone():
    frame = pd.DataFrame({"n": [-1, 2], "x": [-1.5, float("nan")], "flag": [True, False],
                          "d": pd.to_datetime(["2021-06-01", None]), "mixed": [-3, "=1"],
                          "s": pd.Series(["-x", None], dtype="str"), "=head": ["a", "b"]})
    before = frame.copy()
    out = tables.neutralise_formulas(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert out.columns.tolist() == ["n", "x", "flag", "d", "mixed", "s", "'=head"]
    for col in ("n", "x", "flag", "d"):
        pd.testing.assert_series_equal(out[col], frame[col])
    assert out["mixed"].tolist() == [-3, "'=1"] and out["s"].dtype == frame["s"].dtype
    assert out["s"].iloc[0] == "'-x" and pd.isna(out["s"].iloc[1])


def test_neutralised_csv_opens_as_text(tmp_path):
    frame = tables.neutralise_formulas(pd.DataFrame({"Term": ["=2+5", "-1.5 (2.10)"]}))
    frame.to_csv(tmp_path / "t.csv", index=False, lineterminator="\n")
    assert (tmp_path / "t.csv").read_text() == "Term\n'=2+5\n-1.5 (2.10)\n"
