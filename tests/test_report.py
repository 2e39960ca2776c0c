import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import pandas as pd  # noqa: E402

from analysis_utils import report  # noqa: E402


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 12, 24], [10, 6, 3], marker="o")
    return fig


def test_save_figure_is_byte_reproducible_without_dates_or_versions(tmp_path):
    png1, svg1 = report.save_figure(_figure(), "essdai", figures_dir=tmp_path / "a")
    png2, svg2 = report.save_figure(_figure(), "essdai", figures_dir=tmp_path / "b")
    assert png1.read_bytes() == png2.read_bytes()
    assert svg1.read_bytes() == svg2.read_bytes()
    assert b"Matplotlib version" not in png1.read_bytes() and b"<dc:date>" not in svg1.read_bytes()


def test_show_figure_displays_the_saved_png_and_closes_the_figure(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, metadata=None: shown.append((obj, metadata)))
    fig = _figure()
    report.show_figure(fig, "essdai_by_visit", figures_dir=tmp_path)
    assert not plt.fignum_exists(fig.number)
    (image, metadata), = shown
    assert image.data == (tmp_path / "essdai_by_visit.png").read_bytes()
    assert metadata == {"alt": "essdai by visit"}
    assert (tmp_path / "essdai_by_visit.svg").exists()


def test_show_figure_numbers_a_figure_above_it(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, metadata=None: shown.append(obj))
    report.show_figure(_figure(), "flow", figures_dir=tmp_path, caption="Figure 14.1.1 Flow of patients")
    caption, image = shown
    assert caption.data == "**Figure 14.1.1 Flow of patients**"
    assert image.data == (tmp_path / "flow.png").read_bytes()


def _save_sections_many_times(reports_dir, section, times):
    import pandas as pd

    for i in range(times):
        rows = pd.DataFrame({"analysis_id": f"{section.upper()}-1", "stat_name": ["n"], "stat_value": [float(i)]})
        report.save_ard(rows, section, reports_dir=reports_dir)
        report.save_queries(pd.DataFrame({"message": [f"{section} {i}"]}), section, reports_dir=reports_dir)


def test_notebooks_side_by_side_lose_no_ard_section_or_query(tmp_path):
    """Two processes (as two kernels do) updating ard.csv and data_queries.csv: every last write survives."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_save_sections_many_times, args=(tmp_path, s, 40)) for s in ("efficacy", "safety")]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert [w.exitcode for w in writers] == [0, 0]
    ard = report.read_ard(tmp_path)
    assert ard["section"].tolist() == ["efficacy", "safety"] and ard["stat_value"].tolist() == [39.0, 39.0]
    queries = (tmp_path / "data_queries.csv").read_text()
    assert "efficacy 39" in queries and "safety 39" in queries


def test_each_notebook_writes_its_own_parts_and_the_combination_has_a_fixed_order(tmp_path):
    """Parts written in any order combine to the same ard.csv and data_queries.csv bytes."""
    import pandas as pd

    from analysis_utils import ard

    rows = ard.make_ard(pd.DataFrame({"stat_name": ["n"], "stat_value": [11.0]}))
    query = pd.DataFrame({"USUBJID": ["S-001"], "rule": ["r"], "message": ["m"]})
    written = {}
    for order in (("planning", "zeta", "efficacy", "disposition"), ("disposition", "efficacy", "zeta", "planning")):
        folder = tmp_path / "-".join(order)
        for section in order:
            report.save_ard(rows, section, reports_dir=folder)
            report.save_queries(query, {"zeta": "other", "planning": "scoring"}.get(section, "validation"),
                                reports_dir=folder)
        assert sorted(p.name for p in (folder / "ard").iterdir()) == [f"{s}.csv" for s in sorted(order)]
        report.combine_parts(folder)
        written[order] = ((folder / "ard.csv").read_bytes(), (folder / "data_queries.csv").read_bytes())
        assert report.read_ard(folder)["section"].tolist() == ["disposition", "efficacy", "planning", "zeta"]
        assert pd.read_csv(folder / "data_queries.csv")["source"].tolist() == ["validation", "scoring", "other"]
    assert len(set(written.values())) == 1


def test_read_ard_reads_ard_csv_when_there_are_no_parts(tmp_path):
    import shutil

    import pandas as pd

    from analysis_utils import ard

    written = report.save_ard(ard.make_ard(pd.DataFrame({"stat_name": ["n"], "stat_value": [1 / 3]})), "efficacy",
                              reports_dir=tmp_path)
    report.combine_parts(tmp_path)
    shutil.rmtree(tmp_path / "ard")
    pd.testing.assert_frame_equal(report.read_ard(tmp_path), written)
    assert report.read_ard(tmp_path / "nothing") is None


def test_save_table_neutralises_text_that_a_spreadsheet_would_run(tmp_path):
    table = pd.DataFrame({"term": ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "Headache"],
                          "change": ["-1.5 (2.1)", "+cmd|' /C calc'!A0", "-3 (-4, -2)"], "n": [1, -2, 3]})
    path = report.save_table(table, "t", reports_dir=tmp_path)
    back = pd.read_csv(path, dtype=str)
    assert back["term"].tolist() == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "Headache"]
    assert back["change"].tolist() == ["-1.5 (2.1)", "'+cmd|' /C calc'!A0", "-3 (-4, -2)"]
    assert back["n"].tolist() == ["1", "-2", "3"]


def _spanned_table():
    from analysis_utils import tables

    columns = pd.MultiIndex.from_tuples([("", "Subjects with"), ("Bari (N = 11)", "n (%) [events]")])
    info = tables.TableInfo("Table 14.3.1.1", "Overview of TEAEs", "Safety set", 11, ("ADAE", "ADSL"),
                            "Subjects counted once per row", ("TEAE: treatment-emergent adverse event.",))
    return pd.DataFrame([["Any TEAE", "6 (54.5) [6]"], ["=HYPERLINK(1)", "0"]], columns=columns), info


def test_save_table_flattens_spanners_and_writes_the_title_and_footnotes_beside_the_csv(tmp_path):
    table, info = _spanned_table()
    path = report.save_table(table, "aet01", info=info, reports_dir=tmp_path)
    assert path.read_text(encoding="utf-8") == (
        "Subjects with,Bari (N = 11): n (%) [events]\nAny TEAE,6 (54.5) [6]\n'=HYPERLINK(1),0\n")
    assert (tmp_path / "tables" / "aet01.txt").read_text(encoding="utf-8") == (
        "Table 14.3.1.1 Overview of TEAEs \u2014 Safety set (N = 11)\nPopulation: Safety set (N = 11).\n"
        "Source: ADAE, ADSL.\nMethod: Subjects counted once per row.\nTEAE: treatment-emergent adverse event.\n")
    # saved again without a title: the old footnotes must not stay behind as if they belonged to it
    report.save_table(table, "aet01", reports_dir=tmp_path)
    assert not (tmp_path / "tables" / "aet01.txt").exists()


def test_a_listing_saved_with_adam_names_says_so_beside_its_csv(tmp_path):
    _, info = _spanned_table()
    report.save_table(pd.DataFrame({"USUBJID": ["S-01-001"], "AEDECOD": ["Nausea"]}), "ael01", info=info,
                      reports_dir=tmp_path)
    report.save_table(pd.DataFrame({"Patient": ["01-001"]}), "shown", info=info, reports_dir=tmp_path)
    assert (tmp_path / "tables" / "ael01.txt").read_text(encoding="utf-8").splitlines()[-1] == report.ADAM_NAMES_NOTE
    assert report.ADAM_NAMES_NOTE not in (tmp_path / "tables" / "shown.txt").read_text(encoding="utf-8")


def test_workbook_sheet_has_the_title_above_and_the_footnotes_below_the_table(tmp_path):
    import openpyxl

    from analysis_utils import appendix

    table, info = _spanned_table()
    report.save_table(table, "aet01", info=info, reports_dir=tmp_path)
    report.save_table(pd.DataFrame({"a": ["x"]}), "plain", reports_dir=tmp_path)
    appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31")
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    rows = [[c for c in row if c is not None] for row in book["T01"].iter_rows(values_only=True)]
    assert rows == [["Table 14.3.1.1 Overview of TEAEs \u2014 Safety set (N = 11)"], [],
                    ["Subjects with", "Bari (N = 11): n (%) [events]"], ["Any TEAE", "6 (54.5) [6]"],
                    ["=HYPERLINK(1)", 0], [], ["Population: Safety set (N = 11)."], ["Source: ADAE, ADSL."],
                    ["Method: Subjects counted once per row."], ["TEAE: treatment-emergent adverse event."]]
    assert book["T01"].freeze_panes == "A4" and book["T02"].freeze_panes == "A2"  # under the header row
    assert [list(r) for r in book["T02"].iter_rows(values_only=True)] == [["a"], ["x"]]
    assert [list(r) for r in book["index"].iter_rows(values_only=True)] == [
        ["sheet", "table", "title"], ["T01", "aet01", "Table 14.3.1.1 Overview of TEAEs \u2014 Safety set (N = 11)"],
        ["T02", "plain", "plain"]]
    appendix.write_tables_workbook(tmp_path, data_cutoff="2022-01-31", synthetic=True)  # the banner ends every sheet
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    banner = "SYNTHETIC DATA: invented for testing the analysis; these are not the trial's results."
    assert [[c for c in row if c is not None] for row in book["T02"].iter_rows(values_only=True)] == [
        ["a"], ["x"], [], [banner]]
    assert [book[name].cell(book[name].max_row, 1).value for name in ("index", "T01")] == [banner] * 2
