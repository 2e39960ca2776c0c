import pandas as pd
import pytest

from analysis_utils import htmlreport, tables


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
    ("'quoted", "''quoted"),  # the quote itself first: quoted, so that the workbook gives it back as it was
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


# --- Table titles, footnotes and spanners -------------------------------------------------------

def _info(**changes):
    fields = dict(number="Table 14.2.1", title="ESSDAI by visit", population="Full analysis set", n=11,
                  source=("ADEFF", "ADSL"), method="Paired t-test, two-sided", notes=("SD: standard deviation.",))
    return tables.TableInfo(**{**fields, **changes})


def test_table_info_caption_and_footnotes_name_population_n_source_and_method():
    info = _info()
    assert info.caption == "Table 14.2.1 ESSDAI by visit \u2014 Full analysis set (N = 11)"
    assert info.footnotes == ["Population: Full analysis set (N = 11).", "Source: ADEFF, ADSL.",
                              "Method: Paired t-test, two-sided.", "SD: standard deviation."]
    assert info.companion_text() == (
        "Table 14.2.1 ESSDAI by visit \u2014 Full analysis set (N = 11)\nPopulation: Full analysis set (N = 11).\n"
        "Source: ADEFF, ADSL.\nMethod: Paired t-test, two-sided.\nSD: standard deviation.\n")
    # no method (a listing), no N (inputs from the literature): neither is invented
    bare = _info(method="", n=None, notes=())
    assert bare.caption == "Table 14.2.1 ESSDAI by visit \u2014 Full analysis set"
    assert bare.footnotes == ["Population: Full analysis set.", "Source: ADEFF, ADSL."]


def test_a_table_of_no_patients_names_no_population():
    info = _info(number="Table A.1", title="Input files", population="", n=None, method="", notes=())
    assert info.caption == "Table A.1 Input files"
    assert info.footnotes == ["Source: ADEFF, ADSL."]


@pytest.mark.parametrize("changes, error", [
    (dict(population=""), ValueError),  # an N of no population
    (dict(source="ADEFF"), TypeError),  # a string would print as "A, D, E, F, F"
    (dict(source=()), ValueError),
    (dict(n=10.5), ValueError),
    (dict(n=-1), ValueError),
    (dict(n=True), ValueError),
])
def test_table_info_refuses_what_would_print_a_wrong_footnote(changes, error):
    with pytest.raises(error, match="Table 14.2.1"):
        _info(**changes)


def test_to_html_with_info_puts_the_title_above_and_the_footnotes_below():
    out = tables.to_html(pd.DataFrame({"Visit": ["Baseline"], "n": ["11"]}), info=_info(notes=()),
                         note="<one>")
    assert out == "\n".join([
        '<table class="report-table">',
        "<caption>Table 14.2.1 ESSDAI by visit \u2014 Full analysis set (N = 11)</caption>",
        '<thead><tr><th>Visit</th><th class="num">n</th></tr></thead>',
        "<tbody>",
        '<tr><td>Baseline</td><td class="num">11</td></tr>',
        "</tbody>",
        "</table>",
        '<p class="table-note">Population: Full analysis set (N = 11).</p>',
        '<p class="table-note">Source: ADEFF, ADSL.</p>',
        '<p class="table-note">Method: Paired t-test, two-sided.</p>',
        '<p class="table-note">&lt;one&gt;</p>',
    ])
    with pytest.raises(ValueError, match="caption"):
        tables.to_html(pd.DataFrame({"a": [1]}), caption="x", info=_info())


def test_to_html_draws_a_spanner_over_its_columns_in_a_two_row_header():
    columns = pd.MultiIndex.from_tuples([("", "Term"), ("Bari (N = 11)", "n (%)"), ("Bari (N = 11)", "Events"),
                                         ("Total <all>", "")])
    frame = pd.DataFrame([["Rash", "1 (9.1)", "2", "1"]], columns=columns)
    head, body = (tables.to_html(frame).split("\n")[i] for i in (1, 3))
    # each spanner's first column starts a group (a rule left of it), in the header and the body
    assert head == ('<thead><tr><th rowspan="2">Term</th><th colspan="2" class="spanner group">Bari (N = 11)</th>'
                    '<th rowspan="2" class="num group">Total &lt;all&gt;</th></tr>'
                    '<tr><th class="num group">n (%)</th><th class="num">Events</th></tr></thead>')
    assert body == ('<tr><td>Rash</td><td class="num group">1 (9.1)</td><td class="num">2</td>'
                    '<td class="num group">1</td></tr>')


def test_flatten_columns_joins_spanner_and_column_for_the_csv():
    columns = pd.MultiIndex.from_tuples([("", "Term"), ("Bari (N = 11)", "n (%)"), ("Total", "")])
    frame = pd.DataFrame([["Rash", "1 (9.1)", "1"]], columns=columns)
    assert tables.flatten_columns(frame).columns.tolist() == ["Term", "Bari (N = 11): n (%)", "Total"]
    plain = pd.DataFrame({"a": [1]})
    assert tables.flatten_columns(plain) is plain
    with pytest.raises(ValueError, match="2 levels"):
        tables.flatten_columns(pd.DataFrame([[1]], columns=pd.MultiIndex.from_tuples([("a", "b", "c")])))


# --- Numbers in the report's reading order --------------------------------------------------------

def _table_numbers_in_reading_order():
    """(number, notebook, cell id) of every table and listing, in the order the report shows them
    (notebooks merged by section as ``htmlreport.merge`` does); a table of all patients together numbered by
    ``arms.pooled_table``, with the number it has in a randomised trial (after the between-arm tables)."""
    import json
    import re
    from pathlib import Path

    from analysis_utils import arms, htmlreport, runner

    number = re.compile(r'"((?:Table|Listing) (?:\d+(?:\.\d+)+|[A-Z]\.\d+))|arms\.pooled_table\((\d+), randomised\)')
    grouped = {key: [] for key, _ in htmlreport.SECTIONS}
    shown_without_info = []
    for path in runner.list_notebooks(Path(__file__).parents[1] / "notebooks"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        section = nb["metadata"].get("report", {}).get("section", "appendix")
        for cell in nb["cells"]:
            tags = cell.get("metadata", {}).get("tags", [])
            section = next((t[len(htmlreport.SECTION_TAG_PREFIX):] for t in tags
                            if t.startswith(htmlreport.SECTION_TAG_PREFIX)), section)
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or {htmlreport.EXCLUDE_TAG, "parameters"} & set(tags):
                continue
            found = [literal or arms.pooled_table(int(pooled), True) for literal, pooled in number.findall(source)]
            grouped[section] += [(n, path.stem, cell["id"]) for n in found]
            if "tables.show(" in source and "TableInfo(" not in source and "_info(" not in source:
                shown_without_info.append((path.stem, cell["id"]))
    return [x for key, _ in htmlreport.SECTIONS for x in grouped[key]], shown_without_info


#: Lettered series after the numbered sections, in the report's order: planning (P), appendix (A).
LETTER_SERIES = ("P", "A")


def _number_key(label: str):
    parts = label.split(" ", 1)[1].split(".")
    return (0, *map(int, parts)) if parts[0].isdigit() else (1, LETTER_SERIES.index(parts[0]), *map(int, parts[1:]))


def test_table_numbers_increase_in_the_reading_order_of_the_report():
    found, without_info = _table_numbers_in_reading_order()
    assert len(found) >= 45
    assert [n for n, nb, _ in found if nb.startswith(("01", "02"))] == [
        "Table A.1", "Table A.2", "Listing A.3", "Table A.4", "Table A.5", "Listing A.6"]  # the appendix's, from A.1
    keys = [_number_key(n) for n, _, _ in found]
    out_of_order = [(a, b) for a, b, ka, kb in zip(found, found[1:], keys, keys[1:]) if kb < ka]
    assert not out_of_order, f"table numbers out of reading order: {out_of_order}"
    cells_of = {}
    for n, nb, cid in found:
        cells_of.setdefault(n, set()).add((nb, cid))
    assert not {n: c for n, c in cells_of.items() if len(c) > 1}, "a number used in two places"
    assert not without_info, f"tables shown without number, title and footnotes: {without_info}"


def test_a_column_of_dates_is_kept_on_one_line():
    """Printed listings broke "2021-07-02 (5)" after a hyphen: a column whose filled cells all start with a date is
    of class ``date`` (``white-space: nowrap`` in report.css); one with other text, or none filled, is not."""
    frame = pd.DataFrame({"Start (day)": ["2021-07-02 (5)", "", "2021-08-09 (22)"], "Term": ["Rash", "2021-07-02", "x"],
                          "End": ["", "", ""]})
    rows = tables.to_html(frame).split("<tbody>")[1].split("</tbody>")[0].strip().split("\n")
    assert [row.count('<td class="date">') for row in rows] == [1, 1, 1]  # the first column, its empty cell too
    assert "<td>2021-07-02</td>" in rows[1]  # a column of dates and text
    assert "td.date{white-space:nowrap}" in (htmlreport.TEMPLATES / "report" / "report.css").read_text()


def test_efficacy_figures_are_numbered_from_14_2_1_in_either_design():
    """A randomised trial's Figure 14.2.1 is each arm's change (notebook 04, shown only then); the figures of all
    patients together follow it (``arms.pooled_figure``), and the single-arm pilot's start at 14.2.1, with no gap."""
    import json
    import re
    from pathlib import Path

    from analysis_utils import arms

    sources = ["".join(cell["source"]) for name in ("04_efficacy", "05_efficacy_figures")
               for cell in json.loads((Path(__file__).parents[1] / "notebooks" / f"{name}.ipynb").read_text())["cells"]]
    between = [n for s in sources for n in re.findall(r"## (Figure 14\.2\.\d+)", s)]
    pooled = [int(n) for s in sources for n in re.findall(r"arms\.pooled_figure\((\d+), randomised\)", s)]
    assert between == ["Figure 14.2.1"] and pooled == [1, 2, 3, 4]
    assert [arms.pooled_figure(n, False) for n in pooled] == [f"Figure 14.2.{n}" for n in (1, 2, 3, 4)]
    assert between + [arms.pooled_figure(n, True) for n in pooled] == [f"Figure 14.2.{n}" for n in (1, 2, 3, 4, 5)]
