import zipfile
from datetime import datetime

import openpyxl

from analysis_utils import xlsx

DATE = datetime(2022, 1, 31)


def test_workbook_reads_back_every_cell_as_written(tmp_path):
    rows = [["Term", "Day", "Note"], ['Rash, "maculopapular" <b> & co', "007", "NA"],
            ["  two\r\nlines ", "", "é ü 中"], ["1.50", "-0", "=SUM(A1)"]]
    path = xlsx.write_workbook(tmp_path / "t.xlsx", [("index", [["sheet"]]), ("T01", rows)], date=DATE,
                               creator="analysis_utils")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["index", "T01"]
    values = [[c.value for c in row] for row in book["T01"].iter_rows()]
    assert values == [[None if v == "" else v for v in row] for row in rows]  # an empty text is an empty cell
    assert all(c.data_type == "s" for row in book["T01"].iter_rows() for c in row if c.value is not None)
    assert book.properties.created == book.properties.modified == DATE
    assert book.properties.creator == "analysis_utils"


def test_characters_xml_cannot_hold_use_excels_escape(tmp_path):
    path = xlsx.write_workbook(tmp_path / "t.xlsx", [("S", [["vertical\x0btab", "_x0041_ literal"]])], date=DATE,
                               creator="x")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "vertical_x000B_tab" in sheet and "_x005F_x0041_ literal" in sheet


def test_same_sheets_give_the_same_bytes_with_fixed_zip_dates(tmp_path):
    sheets = [("S", [["a", "b"], ["1", "2"]])]
    first = xlsx.write_workbook(tmp_path / "a.xlsx", sheets, date=DATE, creator="x").read_bytes()
    second = xlsx.write_workbook(tmp_path / "b.xlsx", sheets, date=DATE, creator="x").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {xlsx.ZIP_EPOCH}
        assert "[Content_Types].xml" in z.namelist()
