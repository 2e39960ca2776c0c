import re
import time
import zipfile

import openpyxl
import pandas as pd

from analysis_utils import appendix, htmlreport, paths, report


def test_tables_workbook_is_byte_reproducible_and_complete(tmp_path):
    report.save_table(pd.DataFrame({"Statistic": ["n"], "Value": ["11"]}), "t14_1_essdai", reports_dir=tmp_path)
    report.save_table(pd.DataFrame({"SOC": ["Infections"], "n (%)": ["1 (9.1)"]}), "t14_3_aet02", reports_dir=tmp_path)
    first = appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31").read_bytes()
    time.sleep(1.1)  # a writer stamping the clock (to the second) would give other bytes
    second = appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "tables.xlsx") as z:
        dates = {i.date_time for i in z.infolist()}
        assert len(dates) == 1 and dates.pop()[0] == 1980  # XlsxWriter's fixed zip date, not the clock
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    assert str(book.properties.created) == str(book.properties.modified) == "2022-01-31 00:00:00"  # the data cut
    sheets = pd.read_excel(tmp_path / "tables.xlsx", sheet_name=None, dtype=str)
    assert sheets["index"]["table"].tolist() == ["t14_1_essdai", "t14_3_aet02"]
    assert sheets["T02"].iloc[0].tolist() == ["Infections", "1 (9.1)"]


def test_methods_state_the_rounding_rule_and_the_exploratory_nature():
    text = appendix.METHODS_MARKDOWN
    assert "half up" in text and "42.7" in text
    assert "exploratory" in text and "no causal claim" in text
    # the ESSDAI weights (Seror et al. 2010) and the quartile rule of the summaries are stated
    assert ("the\nweights: constitutional 3, lymphadenopathy 4, glandular 2, articular 2, cutaneous 3, pulmonary 5, "
            "renal 5, muscular 6, peripheral nervous system 5, central nervous system 5, haematological 2, "
            "biological 1.") in text
    assert "median [Q1, Q3] (Hyndman-Fan type 2, as SAS's default)" in text


def test_tables_workbook_keeps_every_cell_as_the_csv_has_it(tmp_path):
    listing = pd.DataFrame({"Term": ['Rash, "maculopapular"', "Nausea\nand vomiting", "NA"], "Day": ["1", "", "007"]})
    report.save_table(listing, "ael01_listing", reports_dir=tmp_path)
    report.save_table(pd.DataFrame({"Parameter": []}), "empty_table", reports_dir=tmp_path)
    appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31")
    sheets = pd.read_excel(tmp_path / "tables.xlsx", sheet_name=None, dtype=str, keep_default_na=False)
    assert sheets["T01"].to_dict("list") == listing.to_dict("list")  # quotes, line breaks, "NA", leading zeros
    assert list(sheets["T02"].columns) == ["Parameter"] and sheets["T02"].empty


def test_write_report_renders_the_executed_notebooks_in_the_given_order(tmp_path):
    import nbformat

    from analysis_utils import paths

    executed = tmp_path / "executed"
    executed.mkdir()
    for name, text in (("01_a.ipynb", "First notebook"), ("02_b.ipynb", "Second notebook")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"## {text}\n\n<script>x</script>")])
        nb.metadata["report"] = {"section": "efficacy"}
        nbformat.write(nb, executed / name)
    report.save_table(pd.DataFrame({"Statistic": ["n"], "Value": ["11"]}), "t14_1_essdai", reports_dir=tmp_path)
    git = {"commit": "0" * 40, "dirty": "no"}
    path = appendix.write_report(stage_reports=tmp_path, ard=None, data_dir=paths.DATA_RAW, data_cutoff="2022-01-31",
                                 git=git, notebooks=["02_b.ipynb", "01_a.ipynb"])
    html = path.read_text(encoding="utf-8")
    assert path == tmp_path / "report.html" and (tmp_path / "tables.xlsx").exists()
    assert html.index("Second notebook") < html.index("First notebook")
    assert "<script>" not in html and "&lt;script&gt;" in html  # text from the notebooks is escaped
    assert html == appendix.render([nbformat.read(executed / n, as_version=4) for n in ("02_b.ipynb", "01_a.ipynb")],
                                   stage_reports=tmp_path, ard=None, data_dir=paths.DATA_RAW,
                                   data_cutoff="2022-01-31", synthetic=True, git=git, notebooks=["02_b.ipynb", "01_a.ipynb"])


def test_the_abbreviations_are_those_the_report_shows(tmp_path):
    """ICH E3's list of abbreviations: those of the shown cells and of the report's other pages, not those of a cell
    the report leaves out, nor letters inside a longer word."""
    import nbformat

    shown = nbformat.v4.new_markdown_cell("ESSDAI fell; TEAEs by SOC")
    hidden = nbformat.v4.new_code_cell("x", metadata={"tags": [htmlreport.EXCLUDE_TAG]}, outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": "<p>CMH p = 0.03</p>"})])
    printed = nbformat.v4.new_code_cell("print()", outputs=[nbformat.v4.new_output("stream", name="stdout", text="HBsAg")])
    # and not one after the output that ends a notebook (an analysis that does not apply to the export)
    end = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/markdown": "Not computed"}, metadata={htmlreport.END_METADATA: True})])
    after = nbformat.v4.new_markdown_cell("sized by REML")
    executed = [nbformat.v4.new_notebook(cells=[shown, hidden, printed]), nbformat.v4.new_notebook(cells=[end, after])]
    part = appendix.abbreviations_part(executed, ["01_a.ipynb", "02_b.ipynb"], ["<td class='SD'>LS mean</td>"],
                                       iter([7]))
    assert "<caption>Table A.7 Abbreviations</caption>" in part and "Source: the text of this report" in part
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", part)
    assert [a for a, _ in rows] == ["ESSDAI", "HBsAg", "LS mean", "SOC", "TEAE"]  # not CMH, REML, SD; TEAEs, TEAE
    assert dict(rows)["LS mean"] == "least-squares mean"
    assert appendix.abbreviations_part([], [], ["no abbreviation"], iter([])) == ""  # and no number taken
    page = appendix.render([nbformat.v4.new_notebook(cells=[shown])], stage_reports=tmp_path, ard=None,
                           data_dir=paths.DATA_RAW, data_cutoff="2022-01-31", synthetic=True,
                           git={"commit": "0" * 40, "dirty": "no"}, notebooks=["01_a.ipynb"])
    assert page.index('id="provenance"') < page.index('id="abbreviations"') < page.index("<td>ESSDAI</td><td>EULAR")


def test_formula_and_link_like_text_stays_text(tmp_path):
    """Excel must never evaluate a cell of data (CSV injection) nor turn it into a link; only a plain number becomes a
    number (``PLAIN_NUMBER``), shown with the decimals of the CSV."""
    texts = ["=1+1", "@SUM(A1)", "+1", "-2", "=HYPERLINK(\"http://x\")", "http://x", "mailto:a@b", "1.50", "007", "1e5",
             "0.170", "10 (90.9)", "<0.001", "1234567890123456"]
    report.save_table(pd.DataFrame({"Term": texts}), "injection", reports_dir=tmp_path)
    appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31")
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["T01"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # As the data wrote them: the CSV's ' before text a spreadsheet would run (report.save_table) is no part of the
    # string cell, which Excel shows as text (its data type "s", never a formula)
    assert [c.value for c in cells] == ["=1+1", "@SUM(A1)", "+1", -2, "=HYPERLINK(\"http://x\")", "http://x",
                                        "mailto:a@b", 1.5, "007", "1e5", 0.17, "10 (90.9)", "<0.001",
                                        "1234567890123456"]
    assert [c.data_type for c in cells[:5]] == ["s", "s", "s", "n", "s"]
    assert [c.number_format for c in cells[:5] if c.data_type == "s"] == ["@"] * 4  # text also once edited in Excel
    assert [c.number_format for c in cells if c.data_type == "n"] == ["0", "0.00", "0.000"]
    assert not any(c.hyperlink for c in cells)
    assert sheet.freeze_panes == "A2"  # the header stays in view


def test_a_cell_over_excels_limit_is_cut_with_a_marker_and_a_note(tmp_path):
    long = "x" * 40_000
    report.save_table(pd.DataFrame({"Narrative": [long, "short"]}), "ael_narratives", reports_dir=tmp_path)
    appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31")
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["T01"]
    values = [row[0].value for row in sheet.iter_rows()]
    assert len(values[1]) == appendix.EXCEL_CELL_LIMIT == 32_767
    assert values[1].endswith("… [truncated: 40000 characters]") and values[1].startswith("x" * 32_000)
    assert values[2] == "short"
    assert values[-1].startswith("Note: 1 cell(s) exceed Excel's limit of 32,767 characters")
    assert appendix.fit_cell("x" * 32_767) == "x" * 32_767  # at the limit: kept whole


def test_a_table_over_excels_row_limit_is_cut_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(appendix, "EXCEL_ROW_LIMIT", 8)  # Excel's 1,048,576, scaled down
    report.save_table(pd.DataFrame({"Term": [f"row {i}" for i in range(1, 11)]}), "adlb_listing", reports_dir=tmp_path)
    appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31")
    values = [row[0].value for row in openpyxl.load_workbook(tmp_path / "tables.xlsx")["T01"].iter_rows()]
    assert values == ["Term", "row 1", "row 2", "row 3", "row 4", None,
                      "Note: the table has 11 rows, more than an Excel sheet holds; the sheet shows the first 5, "
                      "the CSV all of them."]


def test_the_input_is_called_the_shipped_synthetic_trial_only_when_its_files_match(tmp_export):
    # tmp_export: the synthetic export written afresh (the same bytes as data/raw)
    assert appendix.describe_input(tmp_export, synthetic=True).endswith(": the synthetic trial shipped with the project (invented data)")
    pga = tmp_export / "pga.csv"
    pga.write_text(pga.read_text(encoding="utf-8").replace("001,W12,3.0", "001,W12,4.0", 1), encoding="utf-8")
    edited = appendix.describe_input(tmp_export, synthetic=True)
    assert edited.endswith("a synthetic export (invented data) that differs from the one shipped with the project")
    assert edited.startswith(str(tmp_export))  # outside the project: the folder as given, in full
    assert appendix.describe_input(tmp_export, synthetic=False) == str(tmp_export)


def test_the_title_page_says_whether_the_data_cut_is_interim_or_final():
    from analysis_utils import disposition

    adsl = pd.DataFrame({"EOSSTT": ["COMPLETED", "DISCONTINUED", "ONGOING"], "DUE12FL": "Y", "DUE24FL": ["Y", "Y", "N"]})
    rows = disposition.data_cut_to_ard(disposition.summarize_data_cut(adsl), data_cutoff="2021-12-20")
    assert appendix.describe_data_cut_rows(rows, "2021-12-20") == "2021-12-20, interim analysis (1 of 3 patients still on study)"
    done = adsl.assign(EOSSTT=["COMPLETED", "DISCONTINUED", "COMPLETED"], DUE24FL="Y")
    rows = disposition.data_cut_to_ard(disposition.summarize_data_cut(done), data_cutoff="2022-01-31")
    assert appendix.describe_data_cut_rows(rows, "2022-01-31") == "2022-01-31, final analysis"
    assert appendix.describe_data_cut_rows(None, "2022-01-31") == "2022-01-31"


def _executed_with_caption(caption: str):
    import nbformat

    cell = nbformat.v4.new_code_cell("tables.show(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f"<table><caption>{caption}</caption></table>"})]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["report"] = {"section": "appendix"}
    return nb


def test_the_appendix_tables_continue_the_notebooks_numbers_each_with_its_source(tmp_path):
    import re

    from analysis_utils import paths

    pd.DataFrame({"source": ["validation", "validation", "scoring"], "file": ["pga.csv", "pga.csv", "adlb"],
                  "row": ["3", "9", ""], "USUBJID": ["NCT04916756-01-002", "NCT04916756-01-003", "NCT04916756-01-004"],
                  "AVISIT": ["Week 12", "Week 24", "Week 12"], "variable": ["PGA", "PGA", "haematological"],
                  "rule": ["visit_window", "visit_window", "lab_level"], "value": ["", "", "1"],
                  "message": ["late", "late", "differs"]}).to_csv(tmp_path / "data_queries.csv", index=False)
    executed = [_executed_with_caption("Table 14.2.1 ESSDAI"), _executed_with_caption("Listing A.6 Queries <b>")]
    git = {"commit": "0" * 40, "dirty": "no"}
    parts = dict(appendix.appendix_parts(executed, stage_reports=tmp_path, ard=None, data_dir=paths.DATA_RAW,
                                         data_cutoff="2022-01-31", git=git, notebooks=["01_a.ipynb"]))
    page = "".join(parts.values())
    captions = re.findall(r"<caption>(.*?)</caption>", page)
    assert captions == ["Table A.7 Data queries by step and rule", "Listing A.8 Data queries of every step",
                        "Table A.9 Data dictionary of the raw export", "Table A.10 Build parameters",
                        "Table A.11 Input files and their checksums (SHA-256)",
                        "Table A.12 Python and package versions", "Table A.13 Abbreviations"]
    # each table is followed by its footnotes, the first of which names the source
    assert all(re.match(r'\s*<p class="table-note">Source: ', after) for after in page.split("</table>")[1:] if after)
    assert "Source: the export&#x27;s files in data/raw." in parts["Provenance"]
    assert "Source: the data dictionary of the analysis software (docs/data_dictionary.md)." in parts["Data dictionary"]
    # counts by step (in the order the steps ran) and rule, headers in words, patients as site and number
    assert re.findall(r"<tr><td>(\w+)</td><td>(\w+)</td><td class=\"num\">(\d+)</td></tr>", parts["Data queries"]) == [
        ("Validation", "visit_window", "2"), ("Scoring", "lab_level", "1")]
    assert "<th>Patient</th>" in parts["Data queries"] and "<td>01-003</td>" in parts["Data queries"]
    assert "NCT04916756-01-003" not in parts["Data queries"]
    # the input files shown by a notebook (01's Table A.1) are not shown again: the build parameters point to them
    executed.insert(0, _executed_with_caption("Table A.1 Input files and their checksums (SHA-256)"))
    parts = dict(appendix.appendix_parts(executed, stage_reports=tmp_path, ard=None, data_dir=paths.DATA_RAW,
                                         data_cutoff="2022-01-31", git=git, notebooks=["01_a.ipynb"]))
    provenance = parts["Provenance"]
    assert re.findall(r"<caption>(.*?)</caption>", provenance) == ["Table A.10 Build parameters",
                                                                   "Table A.11 Python and package versions"]
    assert "<td>Input files</td><td>Table A.1 (SHA-256 of each file)</td>" in provenance


def test_without_queries_the_appendix_says_so_and_numbers_from_the_first():
    from analysis_utils import paths

    assert appendix.next_table_number([_executed_with_caption("Table P.4 Planning")]) == 1  # another series
    parts = dict(appendix.appendix_parts([], stage_reports=paths.PROJECT_ROOT / "no-such-folder", ard=None, data_dir=paths.DATA_RAW,
                                         data_cutoff="2022-01-31", git={"commit": "0" * 40, "dirty": "no"}, notebooks=[]))
    assert parts["Data queries"] == "<p>No data queries were raised.</p>"
    assert "<caption>Table A.1 Data dictionary of the raw export</caption>" in parts["Data dictionary"]


def test_data_queries_show_headers_in_words_and_the_patient_without_the_study():
    queries = pd.DataFrame({"source": ["eligibility"], "row": ["4"], "USUBJID": ["NCT04916756-02-010"], "AVISIT": [""],
                            "rule": ["r"], "n": [2]})
    shown = appendix.format_queries(queries)
    assert shown.columns.tolist() == ["Step", "Row", "Patient", "Visit", "Rule", "Queries"]
    assert shown.iloc[0].tolist() == ["Eligibility", "4", "02-010", "", "r", 2]
    assert queries["USUBJID"].iloc[0] == "NCT04916756-02-010"  # the input is not modified


def test_a_query_on_a_value_a_spreadsheet_would_run_is_quoted_in_the_csv_and_shown_as_typed(tmp_path):
    """A query's value is the export's as typed: an adverse-event term =HYPERLINK(...) was a live formula in
    data_queries.csv, which data managers open in Excel. The CSV quotes it (and a value starting with the quote), the
    report's listing and the workbook show it as typed, the workbook's cell as text."""
    from analysis_utils import paths

    typed = ['=HYPERLINK("http://x","rash")', "'quoted", "-1.5", "rash"]
    queries = pd.DataFrame({"file": "adverse_events.csv", "row": ["2", "3", "4", "5"], "USUBJID": "NCT04916756-01-001",
                            "AVISIT": "", "variable": "AETERM", "rule": "r", "value": typed, "message": "m"})
    report.save_queries(queries, "validation", reports_dir=tmp_path)
    written = pd.read_csv(tmp_path / "data_queries.csv", dtype=str, keep_default_na=False)["value"].tolist()
    assert written == ["'" + typed[0], "''quoted", "-1.5", "rash"]
    parts = dict(appendix.appendix_parts([], stage_reports=tmp_path, ard=None, data_dir=paths.DATA_RAW,
                                         data_cutoff="2022-01-31", git={"commit": "0" * 40, "dirty": "no"}, notebooks=[]))
    assert "<td>=HYPERLINK(&quot;http://x&quot;,&quot;rash&quot;)</td>" in parts["Data queries"]
    assert "<td>&#x27;quoted</td>" in parts["Data queries"]
    appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31")
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["T01"]
    column = [c.value for c in sheet[1]].index("value")
    values = [(row[column].value, row[column].number_format) for row in sheet.iter_rows(min_row=2, max_row=5)]
    assert values == [(typed[0], "@"), ("'quoted", "General"), (-1.5, "0.0"), ("rash", "General")]
