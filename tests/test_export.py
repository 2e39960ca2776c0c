"""Reading and writing raw exports: CSV folders, xlsx workbooks, manifests, the synthetic marker."""

import csv
import hashlib
import io
import shutil
import subprocess

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_utils import export, paths, validation


def test_read_everything_as_text_with_rows_and_file(tmp_export):
    tables = export.read_export(tmp_export)
    assert "demographics" in tables and "README" not in tables
    dm = tables["demographics"]
    assert dm.attrs["file"] == "demographics.csv"
    assert dm["AGE"].iloc[0] == "45" and isinstance(dm["AGE"].iloc[0], str)
    assert tables["adverse_events"]["AEENDT"].eq("").sum() == 1  # empty cell = ""
    assert list(dm.index) == list(range(len(dm)))


def test_to_text_formats_each_type():
    frame = pd.DataFrame({"f": [1.5, 24000.0, None], "i": pd.array([3, None, 0], dtype="Int64"),
                          "d": pd.to_datetime(["2021-06-01", None, "2022-01-31"]), "s": ["a", None, "c"]})
    assert export.to_text(frame).values.tolist() == [
        ["1.5", "3", "2021-06-01", "a"], ["24000.0", "", "", ""], ["", "0", "2022-01-31", "c"]]


def test_write_then_read_round_trip(tmp_path, synthetic_export):
    export.write_export(synthetic_export, tmp_path)
    back = export.read_export(tmp_path)
    for name, frame in synthetic_export.items():
        expected = export.to_text(frame)
        pd.testing.assert_frame_equal(back[name].astype(str), expected.astype(str), check_dtype=False), name
    assert (tmp_path / "pga.csv").read_bytes().startswith(b"SUBJID,VISIT,PGA\n001,BL,5.0\n")


def test_xlsx_workbook_reads_like_the_csv_folder(tmp_path, tmp_export):
    csv = export.read_export(tmp_export)
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, frame in csv.items():
            out = frame.copy()
            if name == "visits":  # a real date cell, as an EDC would write it
                out["VISITDT"] = pd.to_datetime(out["VISITDT"])
            out.to_excel(writer, sheet_name=name, index=False)
    xlsx = export.read_export(book)
    assert sorted(xlsx) == sorted(csv)
    for name in csv:
        pd.testing.assert_frame_equal(xlsx[name].astype(str), csv[name].astype(str), check_dtype=False)
    assert xlsx["visits"].attrs["file"] == "export.xlsx[visits]"
    assert validation.check_export(book).ok


def test_xlsx_errors_name_the_sheet_and_row(tmp_path, tmp_export):
    csv = export.read_export(tmp_export)
    csv["pga"].loc[2, "PGA"] = "12"
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, frame in csv.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    with pytest.raises(validation.ExportValidationError, match=r"export\.xlsx\[pga\], row 4, .*PGA: out_of_range"):
        validation.check_export(book)


def test_a_workbook_read_again_is_a_copy_and_a_saved_one_is_read_anew(tmp_path, tmp_export):
    """The last workbook read is kept (a build reads its study sheet several times): a caller's change to a frame
    does not reach the next read, and a workbook saved again (size or time changed) is read again."""
    import os

    def save(frames):
        with pd.ExcelWriter(book, engine="openpyxl") as writer:
            for name, frame in frames.items():
                frame.to_excel(writer, sheet_name=name, index=False)

    book, csv = tmp_path / "export.xlsx", export.read_export(tmp_export)
    save(csv)
    first = export.read_export(book)
    first["pga"].loc[0, "PGA"], first["pga"].attrs["file"] = "99", "changed"
    again = export.read_export(book)
    assert again["pga"].loc[0, "PGA"] == csv["pga"].loc[0, "PGA"] and again["pga"].attrs["file"] == "export.xlsx[pga]"
    csv["pga"].loc[0, "PGA"] = "7.5"
    save(csv)
    os.utime(book, ns=(10**18, 10**18))  # a new time, whatever the file system's resolution
    assert export.read_export(book)["pga"].loc[0, "PGA"] == "7.5"


def test_manifest_hashes_every_file(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"x\n1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(b"")
    (tmp_path / ".hidden").write_bytes(b"secret")
    manifest = export.file_manifest(tmp_path)
    assert manifest.values.tolist() == [
        ["a.csv", hashlib.sha256(b"x\n1\n").hexdigest(), 4],
        ["sub/b.txt", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0],
    ]
    assert export.file_manifest(tmp_path / "a.csv")["file"].tolist() == ["a.csv"]


def test_missing_export_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="raw export not found"):
        export.read_export(tmp_path / "none")
    with pytest.raises(FileNotFoundError):
        export.file_manifest(tmp_path / "none")


def test_is_synthetic(tmp_export, tmp_path):
    assert export.is_synthetic(tmp_export)
    assert export.describe_source(tmp_export) == export.SYNTHETIC_STATEMENT
    (tmp_export / "study.csv").write_text("STUDYID,SITEID,SYNTHETIC,EXPORTDT\nNCT04916756,01,N,2022-01-31\n")
    assert not export.is_synthetic(tmp_export) and export.describe_source(tmp_export) == ""
    (tmp_export / "study.csv").unlink()
    assert not export.is_synthetic(tmp_export)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_real_export_git_would_commit_gets_a_warning(tmp_path, monkeypatch):
    """A checkout (here a new one) with the project's .gitignore: a real export in data/exports/ is ignored, one in
    another folder, or over the shipped data/raw, would go into the next commit."""
    root = tmp_path / "checkout"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    shutil.copy(paths.PROJECT_ROOT / ".gitignore", root)
    monkeypatch.setattr(paths, "PROJECT_ROOT", root)
    monkeypatch.setattr(paths, "DATA_RAW", root / "data" / "raw")
    study = "STUDYID,SITEID,SYNTHETIC,EXPORTDT\nNCT04916756,01,{},2022-01-31\n"
    for folder, flag in (("data/exports/2022-01-31", "N"), ("data/cut", "N"), ("data/raw", "N"), ("data/demo", "Y")):
        (root / folder).mkdir(parents=True)
        (root / folder / "study.csv").write_text(study.format(flag))
        (root / folder / "demographics.csv").write_text("SUBJID,SEX\n001,F\n")
    assert export.git_would_take("data/exports/2022-01-31") == []
    assert export.git_would_take("data/cut") == ["data/cut/demographics.csv", "data/cut/study.csv"]
    assert export.real_export_warning("data/exports/2022-01-31") == ""  # ignored by git
    assert export.real_export_warning("data/demo") == ""  # synthetic
    assert export.real_export_warning("data/cut") == (
        "warning: data/cut is a real export (form study: SYNTHETIC is not Y) and git would take its 2 file(s) into "
        "the next commit: keep real exports in data/exports/ (git ignores it) or outside the checkout")
    subprocess.run(["git", "-C", str(root), "add", "data/raw"], check=True)  # tracked, as the shipped trial is
    assert export.real_export_warning("data/raw").endswith(
        "or outside the checkout, and put the shipped synthetic trial back (git checkout -- data/raw)")
    assert export.git_would_take(tmp_path) == []  # outside the checkout
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "not-a-checkout")
    assert export.git_would_take(tmp_path) == []


@pytest.mark.parametrize("example", sorted(export.SHIPPED_SYNTHETIC))
def test_each_shipped_example_is_the_generators_output_and_its_stored_manifest(example, tmp_path):
    """Each shipped example (data/raw, data/examples/randomised) is, byte for byte, what ``make synthetic``
    writes; a change of the generator or of a shipped file fails here."""
    from analysis_utils import paths, synthetic

    folder, args = export.SHIPPED_SYNTHETIC[example]
    synthetic.main([*args, "--out", str(tmp_path / example)])
    fix = "regenerate: make synthetic, then python -m analysis_utils.export --synthetic-manifest"
    stored = export.shipped_synthetic_manifest(example)
    pd.testing.assert_frame_equal(export.file_manifest(tmp_path / example), stored, obj=fix)
    pd.testing.assert_frame_equal(export.file_manifest(paths.resolve(folder)), stored, obj=fix)


def test_make_synthetic_writes_both_shipped_examples_in_their_folders(tmp_path, monkeypatch):
    from analysis_utils import synthetic

    assert {name: folder for name, (folder, _args) in export.SHIPPED_SYNTHETIC.items()} == {
        "pilot": "data/raw", "randomised": "data/examples/randomised"}
    shipped = {name: (str(tmp_path / name), args) for name, (_folder, args) in export.SHIPPED_SYNTHETIC.items()}
    monkeypatch.setattr(export, "SHIPPED_SYNTHETIC", shipped)
    assert synthetic.main(["--shipped"]) == 0
    for name in ("pilot", "randomised"):
        pd.testing.assert_frame_equal(export.file_manifest(tmp_path / name), export.shipped_synthetic_manifest(name))


def test_stored_synthetic_manifest_is_the_generators(tmp_path):
    assert export.write_synthetic_manifest(tmp_path / "m.json").read_bytes() == export.SYNTHETIC_MANIFEST.read_bytes()


def test_the_randomised_example_is_registered_and_shows_its_own_banner(tmp_path):
    from analysis_utils import paths

    folder = paths.resolve("data/examples/randomised")
    pd.testing.assert_frame_equal(export.file_manifest(folder), export.shipped_synthetic_manifest("randomised"),
                                  obj="regenerate: python -m analysis_utils.synthetic --randomised --out "
                                      "data/examples/randomised, then python -m analysis_utils.export --synthetic-manifest")
    assert export.matches_shipped_synthetic(folder)
    assert export.describe_source(folder) == export.RANDOMISED_STATEMENT
    assert export.describe_source(paths.DATA_RAW) == export.SYNTHETIC_STATEMENT
    # an edited copy, as any invented export other than the shipped ones, says only that it is invented
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "arms.csv").write_text("ARM,ARMN,DOSE\nHCQ 400 mg,1,0\nBaricitinib 4 mg + HCQ 400 mg,2,4\n")
    assert export.describe_source(copy) == export.INVENTED_STATEMENT


@pytest.mark.parametrize("change", ["edit a value", "add a file", "remove a file", "rename a file"])
def test_only_the_untouched_synthetic_export_matches_it(tmp_export, change):
    assert export.matches_shipped_synthetic(tmp_export)
    if change == "edit a value":
        path = tmp_export / "pga.csv"
        path.write_bytes(path.read_bytes().replace(b"001,BL,5.0", b"001,BL,6.0"))
    elif change == "add a file":
        (tmp_export / "notes.txt").write_text("x")
    elif change == "remove a file":
        (tmp_export / "README.md").unlink()
    else:
        (tmp_export / "ild.csv").rename(tmp_export / "ild_old.csv")
    assert not export.matches_shipped_synthetic(tmp_export)
    assert export.is_synthetic(tmp_export)  # the export still says it is invented: the banner stays


def test_a_workbook_or_a_missing_folder_is_not_the_shipped_export_and_hidden_or_owner_files_are_no_input(tmp_path,
                                                                                                     tmp_export):
    assert not export.matches_shipped_synthetic(tmp_path / "none")
    (tmp_export / ".DS_Store").write_bytes(b"\x00")  # hidden files are not inputs
    (tmp_export / "~$labs.csv").write_bytes(b"\x08Jane Doe" + b"\x00" * 40)  # nor Excel's owner file of labs.csv
    assert export.matches_shipped_synthetic(tmp_export)
    forms, problems = export.read_forms(tmp_export)
    assert "labs" in forms and "~$labs" not in forms and problems == []  # not a binary form that stops the build
    assert "~$labs.csv" not in export.file_manifest(tmp_export)["file"].tolist()
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, frame in export.read_export(tmp_export).items():
            frame.to_excel(writer, sheet_name=name, index=False)
    assert not export.matches_shipped_synthetic(book) and export.is_synthetic(book)


# --- reading CSV text: values and editor lines, whatever the quoting ---------------------------

_CELL = st.text(alphabet='ab,"\n 1-', max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), max_size=6),
       blanks=st.lists(st.integers(min_value=0, max_value=8), max_size=3),
       quote_all=st.booleans(), crlf=st.booleans())
def test_csv_values_and_lines_are_those_of_the_csv_module(tmp_path_factory, rows, blanks, quote_all, crlf):
    """Any table written as CSV (commas, quotes, line breaks in text; blank lines; rows of empty fields) reads back with
    its editor lines."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
               lineterminator="\r\n" if crlf else "\n").writerows([["A", "B", "C"], *rows])
    records = buffer.getvalue().split("\r\n" if crlf else "\n")  # a record may hold line breaks in quotes
    lines_out = records[:1]
    for i, record in enumerate(records[1:], start=1):
        lines_out += [""] * blanks.count(i) + [record]
    text = ("\r\n" if crlf else "\n").join(lines_out)
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    frame, problems = export._read_csv(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    expected, starts = [], []
    while True:
        start = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            break
        if any(row):  # blank lines and rows of empty fields (a spreadsheet's ",,") are left out
            expected.append(row)
            starts.append(start)
    assert problems == []
    assert frame.columns.tolist() == ["A", "B", "C"]
    assert frame.values.tolist() == [[cell.replace("\r\n", "\n") if crlf else cell for cell in row]
                                     for row in expected[1:]] or frame.empty
    assert export.row_lines(frame, range(len(frame))).tolist() == starts[1:]


def test_csv_module_reading_gives_the_same_frame(tmp_export):
    """The fallback for quotes out of the ordinary reads the shipped files as the byte-counting path does."""
    for path in sorted(tmp_export.glob("*.csv")):
        fast, slow = export._read_csv(path), export._read_csv(path, by_bytes=False)
        pd.testing.assert_frame_equal(fast[0], slow[0], check_dtype=False, obj=path.name)
        assert fast[0].attrs == slow[0].attrs


def test_literal_quote_inside_unquoted_text_is_read_as_text(tmp_path):
    (tmp_path / "f.csv").write_text('a,b\n1,5" tall\n\n2,"x, y"\n')
    frame, problems = export._read_csv(tmp_path / "f.csv")
    assert problems == [] and frame["b"].tolist() == ['5" tall', "x, y"]
    assert export.row_lines(frame, [0, 1]).tolist() == [2, 4]


def test_a_title_row_above_a_sheets_header_is_named(tmp_path):
    import csv

    import openpyxl

    from analysis_utils import synthetic

    path = tmp_path / "export.xlsx"
    export.write_export(synthetic.generate_trial(), tmp_path / "csv")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for csv_path in sorted((tmp_path / "csv").glob("*.csv")):
        sheet = book.create_sheet(csv_path.stem)
        if csv_path.stem == "pga":
            sheet.append(["PGA form, exported 2022-01-31"])
        for row in csv.reader(csv_path.read_text().splitlines()):
            sheet.append(row)
    book.save(path)
    problems = export.read_forms(path)[1]
    assert [p.message for p in problems] == [
        "export.xlsx[pga], row 2: wrong_field_count: a value in column 2, beyond the 1 columns of the header (row 1): "
        "row 2 names the columns (SUBJID, VISIT, PGA): a title above the header? The header is the first row that is "
        "not blank: remove the row(s) above it"]
