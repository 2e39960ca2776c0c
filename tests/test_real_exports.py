"""A corpus of broken and realistic exports, each a small change to a copy of the shipped one.

Each case says what it gives: a stop (``ExportValidationError``) naming the file, the line as a text
editor numbers it and the rule; a data query with its rule name; or the same analysis datasets and
queries as the shipped export.
"""

import codecs
import re
import shutil

import openpyxl
import pandas as pd
import pytest

from analysis_utils import cleaning, dictionary, export, paths, scoring, validation
from analysis_utils import conmeds as gc

SUBJ = "NCT04916756-01-"


# --- editing a copy of the export as a user or an EDC would ---------------------------------

def _text(folder, form):
    return (folder / f"{form}.csv").read_text(encoding="utf-8")


def _put(folder, form, text, encoding="utf-8"):
    (folder / f"{form}.csv").write_bytes(text.encode(encoding))


def _edit_lines(form, change):
    """A mutation applying ``change`` (list of lines -> list of lines) to ``form``'s lines (line n is index n - 1)."""
    def mutate(folder):
        lines = _text(folder, form).split("\n")
        _put(folder, form, "\n".join(change(lines)))
        return folder
    return mutate


def _set_line(form, number, line):
    def change(lines):
        lines[number - 1] = line
        return lines
    return _edit_lines(form, change)


def _replace_in_line(form, number, old, new):
    def change(lines):
        assert old in lines[number - 1], lines[number - 1]
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
        return lines
    return _edit_lines(form, change)


def _insert_line(form, before, line):
    def change(lines):
        return lines[:before - 1] + [line] + lines[before - 1:]
    return _edit_lines(form, change)


def _keep_rows(form, keep):
    """Keep the header and the lines for which ``keep(line)`` holds."""
    def change(lines):
        return lines[:1] + [x for x in lines[1:] if x == "" or keep(x)]
    return _edit_lines(form, change)


def _raw(form, data: bytes):
    def mutate(folder):
        (folder / f"{form}.csv").write_bytes(data)
        return folder
    return mutate


def _rename(form, name):
    def mutate(folder):
        (folder / f"{form}.csv").rename(folder / name)
        return folder
    return mutate


def _chain(*mutations):
    def mutate(folder):
        for m in mutations:
            folder = m(folder)
        return folder
    return mutate


def _every_file(transform):
    """Apply ``transform`` (bytes -> bytes) to every CSV file."""
    def mutate(folder):
        for path in folder.glob("*.csv"):
            path.write_bytes(transform(path.read_bytes()))
        return folder
    return mutate


def _date9(data: bytes) -> bytes:
    """Every complete date written as SAS's DATE9. writes it (2021-06-28: 28JUN2021), some months in lower case."""
    months = [m.encode() for m in ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "nov", "Dec")]
    return re.sub(rb"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])", lambda m: m[3] + months[int(m[2]) - 1] + m[1], data)


def _quote_every_field(data: bytes) -> bytes:
    frame = pd.read_csv(pd.io.common.BytesIO(data), dtype=str, keep_default_na=False)
    return frame.to_csv(index=False, quoting=1, lineterminator="\n").encode("utf-8")


# --- the corpus ------------------------------------------------------------------------------
# case -> (mutation, expected); expected is ("stop", rule, file, line or None, text in the message),
# ("query", rule, file, line or None, text in the message) or ("same",).

STOPS = {
    "empty file": (_raw("labs", b""), ("stop", "empty_file", "labs.csv", None, "the file is empty (0 bytes)")),
    "only blank lines": (_raw("pga", b"\n\n\r\n"), ("stop", "empty_file", "pga.csv", None, "no header line")),
    "ESSDAI domain scores (weight x level) where the form takes levels, as an eCRF recording scores exports them": (
        _replace_in_line("essdai", 2, "001,BL,0,0,1,2,0,0,0,0,0,0,1,1,Y", "001,BL,0,0,2,4,0,0,0,0,0,0,2,1,Y"),
        ("stop", "not_allowed", "essdai.csv", 2, "value '4' is not one of: 0, 1, 2, 3: the domain's score, weight 2 x "
         "level 2? The item is the activity level; if the form holds scores, all its values are (those that are also "
         "levels were read as levels)")),
    "a PGA on a 0-100 visual analogue scale, as an eCRF recording millimetres exports it": (
        _replace_in_line("pga", 2, "001,BL,5.0", "001,BL,50.0"),
        ("stop", "out_of_range", "pga.csv", 2, "value '50.0' is outside 0 to 10: a 0-100 scale (50 mm of a visual "
         "analogue scale)? The item is rated 0-10; if the form holds a 0-100 scale, all its values are (those up to "
         "10 were read as 0-10)")),
    "an HBV DNA in copies/mL, as some laboratories report it": (
        _replace_in_line("labs", 385, "007,UNS,2021-08-09,HBVDNA,24000,IU/mL,0.0,20.0",
                         "007,UNS,2021-08-09,HBVDNA,140000,copies/mL,0.0,100.0"),
        ("stop", "unknown_unit", "labs.csv", 385, "value 'copies/mL' is not an accepted unit of HBVDNA (accepted: "
         "IU/mL): the copies in an IU are the assay's own (5.82 for Roche COBAS TaqMan, 3.41 for Abbott RealTime), so "
         "no factor of the analysis converts them: report IU/mL, as the laboratory can, or convert by its assay's "
         "stated factor")),
    "a laboratory result with its unit in the cell, as a hospital's report prints it": (
        _replace_in_line("labs", 2, "001,BL,2021-06-28,ALT,22,", "001,BL,2021-06-28,ALT,22 U/L,"),
        ("stop", "lab_result_type", "labs.csv", 2, "value '22 U/L' is not a valid result of ALT: write the number "
         "alone (22), its unit in LBORRESU")),
    "the laboratory tests' Chinese names, as the site's laboratory system prints them": (
        _edit_lines("labs", lambda ls: [x.replace(",ALT,", ",丙氨酸氨基转移酶,") for x in ls]),
        ("stop", "test_code_alias", "labs.csv", 2, "value '丙氨酸氨基转移酶' stands for Alanine aminotransferase (U/L), "
         "coded ALT in the data dictionary: write ALT")),
    "laboratory tests coded by LOINC, no code of the data dictionary": (
        _edit_lines("labs", lambda ls: [ls[0], *(",".join(f[:3] + ["1742-6"] + f[4:]) for f in (x.split(",")
                                                                                               for x in ls[1:] if x))]),
        ("stop", "no_known_test", "labs.csv", None, "no row is a test of the data dictionary (found 1742-6: 1 code(s)): "
         "write the dictionary's codes (WBC, NEUT,")),
    "a drug coded by its name in WHODrug's Chinese translation": (
        _replace_in_line("conmeds", 2, ",Hydroxychloroquine sulfate,HYDROXYCHLOROQUINE,", ",硫酸羟氯喹片,羟氯喹,"),
        ("stop", "whodrug_not_english", "conmeds.csv", 2, "value '羟氯喹' is not WHODrug's English name: the analyses "
         "read English names (hydroxychloroquine at baseline, the glucocorticoids' prednisone equivalents)")),
    "binary garbage": (_raw("visits", b"SUBJID,VISIT,VISITDT\n001,BL,2021-06-28\n\x89\x00\x13\xff\xfe\x00garbage"),
                       ("stop", "binary_file", "visits.csv", 3, "not text")),
    "workbook renamed .csv": (_raw("esspri", b"PK\x03\x04\x14\x00\x06\x00rest of a zip"),
                              ("stop", "binary_file", "esspri.csv", 1, "Excel workbook")),
    "Latin-1 text": (lambda folder: _put(folder, "adverse_events", _text(folder, "adverse_events").replace(
        "common cold", "fi\u00e8vre"), "latin-1") or folder,
        ("stop", "not_utf8", "adverse_events.csv", 3, "byte 0xE8 (character 9 of the line) is not UTF-8")),
    "GBK text (Excel on a Chinese Windows)": (
        lambda folder: _put(folder, "adverse_events", _text(folder, "adverse_events").replace(
            "common cold", "\u611f\u5192"), "gbk") or folder,  # 感冒, the common cold: bytes B8 D0 C3 B0
        ("stop", "not_utf8", "adverse_events.csv", 3, "byte 0xB8 (character 7 of the line) is not UTF-8 text; "
         "the export must be encoded in UTF-8 (a byte-order mark is accepted). A system's own encoding gives this: "
         "Latin-1 or Windows-1252 (an accented letter), GBK or GB18030 (Chinese text")),
    "Windows-1252 text after UTF-8 text on its line": (
        lambda folder: _raw("adverse_events", (folder / "adverse_events.csv").read_bytes().replace(
            b"common cold", "Sj\u00f6gren".encode("utf-8") + b" \x93flare\x94", 1))(folder),  # ö: 2 bytes
        ("stop", "not_utf8", "adverse_events.csv", 3, "byte 0x93 (character 15 of the line)")),
    "UTF-16 text": (lambda folder: _put(folder, "study", "\ufeff" + _text(folder, "study"), "utf-16-le") or folder,
                    ("stop", "not_utf8", "study.csv", 1, "UTF-16")),
    "semicolons and decimal commas (Excel in much of Europe)": (
        lambda folder: _put(folder, "pga", _text(folder, "pga").replace(",", ";").replace(".", ","), "utf-8") or folder,
        ("stop", "wrong_separator", "pga.csv", 1, "'SUBJID;VISIT;PGA': the columns are separated by semicolons")),
    "tab-delimited text": (lambda folder: _put(folder, "esspri", _text(folder, "esspri").replace(",", "\t"), "utf-8")
                           or folder, ("stop", "wrong_separator", "esspri.csv", 1, "separated by tabs")),
    "a date as a spreadsheet writes it": (_replace_in_line("visits", 2, "2021-06-28", "28/06/2021"),
                                          ("stop", "wrong_type", "visits.csv", 2, "value '28/06/2021' is not of type "
                                           "date: expected date, ISO 8601 YYYY-MM-DD")),
    "a reference range with its limits swapped": (
        _replace_in_line("labs", 2, ",7.0,40.0", ",40.0,7.0"),
        ("stop", "reversed_range", "labs.csv", 2, "value '40.0' is above the upper limit 7.0 (LBORNRHI) of the same "
         "result: the limits swapped? The normal-range category and the CTCAE grade read them")),
    "a lookup that found nothing (a term coded by VLOOKUP)": (
        _replace_in_line("adverse_events", 3, "Upper respiratory tract infection", "#N/A"),
        ("stop", "spreadsheet_error", "adverse_events.csv", 3, "column AEDECOD: spreadsheet_error: value '#N/A' is not "
         "data: a spreadsheet's error value, a lookup (VLOOKUP, XLOOKUP) that found nothing; the export must hold the "
         "value itself, not a formula")),
    "a formula that failed in a date": (
        _replace_in_line("demographics", 2, "2021-06-19", "#REF!"),
        ("stop", "wrong_type", "demographics.csv", 2, "value '#REF!' is not of type date: expected date, ISO 8601 "
         "YYYY-MM-DD: a spreadsheet's error value, a formula that failed")),
    "full-width digits (a Chinese input method)": (
        _replace_in_line("esspri", 2, "001,BL,7,6,5", "001,BL,7,6,\uff15"),
        ("stop", "wrong_type", "esspri.csv", 2, "value '\uff15' is not of type int: expected integer (digits only): it "
         "holds full-width characters (as a Chinese input method types '\uff15' for 5), which are not read as digits or "
         "letters: type them half-width")),
    "a full-width unit": (_replace_in_line("labs", 2, ",U/L,", ",\uff35/\uff2c,"),
                          ("stop", "unknown_unit", "labs.csv", 2, "(accepted: U/L, IU/L): it holds full-width")),
    "a test under the code its laboratory system gives it (TBIL)": (
        _edit_lines("labs", lambda ls: [x.replace(",BILI,", ",TBIL,") for x in ls]),
        ("stop", "test_code_alias", "labs.csv", 4, "value 'TBIL' stands for Total bilirubin (umol/L), coded BILI in "
         "the data dictionary: write BILI (30 row(s))")),
    "a glucocorticoid coded by its salt (prednisone acetate, as China's tablets are sold)": (
        _replace_in_line("conmeds", 4, "Prednisone,PREDNISONE,", "Prednisone acetate,PREDNISONE ACETATE,"),
        ("stop", "glucocorticoid_dose_unknown", "conmeds.csv", 4, "column CMDECOD: glucocorticoid_dose_unknown: value "
         "'PREDNISONE ACETATE' is a glucocorticoid without a prednisone equivalent: expected one of PREDNISONE, "
         "PREDNISOLONE, METHYLPREDNISOLONE, TRIAMCINOLONE, HYDROCORTISONE, CORTISONE, DEXAMETHASONE, BETAMETHASONE "
         "(the ingredient's name, without its salt: PREDNISONE for prednisone acetate), and the record is taken during "
         "the study: the glucocorticoid tables (baseline dose, dose by visit) would count it as no dose")),
    "a glucocorticoid taken as needed": (
        _replace_in_line("conmeds", 4, ",10.0,mg,QD,", ",10.0,mg,PRN,"),
        ("stop", "glucocorticoid_dose_unknown", "conmeds.csv", 4, "value 'PRN' is not a regular frequency (QD, BID, "
         "TID, QID, QOD, QW)")),
    "MedDRA terms in Chinese (a translation of MedDRA)": (
        _replace_in_line("adverse_events", 3, "Upper respiratory tract infection,", "\u4e0a\u547c\u5438\u9053\u611f\u67d3,"),
        ("stop", "meddra_not_english", "adverse_events.csv", 3, "column AEDECOD: meddra_not_english: value '"
         "\u4e0a\u547c\u5438\u9053\u611f\u67d3' is not MedDRA's English term: the adverse events of special "
         "interest are defined by English terms, and this event would be in none")),
    "a first dose before the informed consent (a mistyped date)": (
        _replace_in_line("exposure", 2, "001,2.0,2021-06-28,", "001,2.0,2021-06-10,"),
        ("stop", "dosed_before_consent", "exposure.csv", 2, "column EXSTDT: dosed_before_consent: value '2021-06-10' "
         "is before the informed consent on 2021-06-19")),
    "a date column formatted as a number in a spreadsheet": (
        _replace_in_line("visits", 2, "2021-06-28", "44375"),
        ("stop", "wrong_type", "visits.csv", 2, "value '44375' is not of type date: expected date, ISO 8601 YYYY-MM-DD: "
         "the number a spreadsheet keeps for the date 2021-06-28 (a date column formatted as a number); format the "
         "column as yyyy-mm-dd before saving")),
    "a partial visit date (only the start and end of an event or medication may be partial)": (
        _replace_in_line("visits", 2, "2021-06-28", "2021-06"),
        ("stop", "wrong_type", "visits.csv", 2, "value '2021-06' is not of type date: expected date, ISO 8601 "
         "YYYY-MM-DD: a partial date (day or month unknown) is taken only as the start or end of an adverse event "
         "or medication")),
    "a wrong value after a row of empty fields": (
        _edit_lines("pga", lambda ls: [ls[0], ",,", ls[1].replace("5.0", "five"), *ls[2:]]),
        ("stop", "wrong_type", "pga.csv", 3, "value 'five' is not of type float")),  # the row of empty fields counts
    "unquoted comma in free text": (
        _replace_in_line("adverse_events", 4, '"toothache, dental caries"', "toothache, dental caries"),
        ("stop", "wrong_field_count", "adverse_events.csv", 4,
         "13 fields where the header (line 1) has 12: a comma inside a text that is not in double quotes")),
    "a title line above the header (an export tool's)": (
        _edit_lines("pga", lambda ls: ["PGA form export, study NCT04916756", *ls]),
        ("stop", "wrong_field_count", "pga.csv", 2, "3 fields where the header (line 1) has 2: line 2 names the "
         "columns (SUBJID, VISIT, PGA): a title above the header? The header is the first line that is not blank: "
         "remove the line(s) above it")),
    "line with a field missing": (_replace_in_line("exposure", 3, ",2.0,", ","),
                                  ("stop", "wrong_field_count", "exposure.csv", 3, "4 fields where the header")),
    "unclosed quote": (_replace_in_line("conmeds", 5, ",", ',"', ),
                       ("stop", "unclosed_quote", "conmeds.csv", 5, "closing quote is missing")),
    # a quote opened on line 3 of adverse_events.csv meets the next quoted text on line 4: named at line 3
    "unclosed quote before another quoted text": (
        _replace_in_line("adverse_events", 3, ",common cold,", ',"common cold,'),
        ("stop", "unclosed_quote", "adverse_events.csv", 3, "starts on this line and runs on to line 4")),
    "header-only essdai.csv": (_keep_rows("essdai", lambda line: False),
                               ("stop", "no_rows", "essdai.csv", None, "form essdai needs at least one row")),
    "header-only demographics.csv": (_keep_rows("demographics", lambda line: False),
                                     ("stop", "no_rows", "demographics.csv", None, "no data rows")),
    "Demographics.csv": (_rename("demographics", "Demographics.csv"),
                         ("stop", "missing_file", "demographics.csv", None,
                          "form demographics missing (found Demographics.csv: file names are lower case)")),
    "pga.CSV": (_rename("pga", "pga.CSV"),
                ("stop", "missing_file", "pga.csv", None, "form pga missing (found pga.CSV: file names are lower case)")),
    "duplicated column header": (_replace_in_line("demographics", 1, ",WEIGHT,", ",AGE,"),
                                 ("stop", "duplicate_column", "demographics.csv", 1,
                                  "column name 'AGE' appears 2 times (columns 6, 11)")),
    "column renamed in lower case": (_replace_in_line("demographics", 1, ",SEX,", ",sex,"),
                                     ("stop", "missing_column", "demographics.csv", 1,
                                      "column 'SEX' is missing (data dictionary form 'demographics') (found 'sex'")),
    # content errors: the line counted as an editor counts it, whatever came before
    "blank line then an error": (_chain(_insert_line("pga", 4, ""), _replace_in_line("pga", 6, ",7.0", ",17.0")),
                                 ("stop", "out_of_range", "pga.csv", 6, "value '17.0' is outside 0 to 10")),
    "blank lines before the header": (_chain(_insert_line("pga", 1, ""), _insert_line("pga", 1, ""),
                                             _replace_in_line("pga", 4, ",5.0", ",-1")),
                                      ("stop", "out_of_range", "pga.csv", 4, "value '-1'")),
    "text over two lines then an error": (
        _chain(_replace_in_line("adverse_events", 2, "nausea after tablets", '"nausea\nafter tablets"'),
               _replace_in_line("adverse_events", 6, ",N,", ",MAYBE,")),
        ("stop", "not_allowed", "adverse_events.csv", 6, "value 'MAYBE' is not one of: Y, N")),
    "negative neutrophils": (_replace_in_line("labs", 17, ",NEUT,3.39,", ",NEUT,-3.39,"),
                             ("stop", "negative_result", "labs.csv", 17, "is negative: a result of NEUT")),
    "negative reference limit": (_replace_in_line("labs", 17, ",1.8,6.3", ",-1.8,6.3"),
                                 ("stop", "out_of_range", "labs.csv", 17, "value '-1.8' is outside >= 0")),
    "negative dose": (_replace_in_line("exposure", 2, ",2.0,", ",-2.0,"),
                      ("stop", "out_of_range", "exposure.csv", 2, "value '-2.0' is outside 0 to 4")),
    "more missed doses than days": (_set_line("exposure", 8, "007,2.0,2021-07-19,2021-08-08,99"),
                                    ("stop", "missed_doses_exceed_days", "exposure.csv", 8,
                                     "is more than the 21 days from the first to the last dose")),
    "leading zeros lost in a CSV": (_replace_in_line("visits", 2, "001,BL", "1,BL"),
                                    ("stop", "wrong_format", "visits.csv", 2,
                                     "value '1' is not digits only, at least 3, zero-padded (e.g. 001); text, not a "
                                     "number: leading zeros lost?")),
    "an adverse event's grade as its adjective, which the severity scale also uses (Moderate)": (
        _replace_in_line("adverse_events", 2, ",N,1,POSSIBLY RELATED,", ",N,Moderate,POSSIBLY RELATED,"),
        ("stop", "wrong_type", "adverse_events.csv", 2, "value 'Moderate' is not of type int: expected integer "
                                                        "(digits only)")),
    "an adverse event's grade with words around it (Grade 1 - Mild)": (
        _replace_in_line("adverse_events", 2, ",N,1,POSSIBLY RELATED,", ",N,Grade 1 - Mild,POSSIBLY RELATED,"),
        ("stop", "wrong_type", "adverse_events.csv", 2, "value 'Grade 1 - Mild' is not of type int: expected integer "
                                                        "(digits only): write the number alone (1)")),
    "a PGA not assessed marked NA": (_replace_in_line("pga", 2, "001,BL,5.0", "001,BL,NA"),
                                     ("stop", "wrong_type", "pga.csv", 2, "value 'NA' is not of type float: expected "
                                      "decimal number (point as decimal separator): a mark for a value not recorded? "
                                      "Leave the item empty")),
    "a laboratory result not done marked as a Chinese form marks it (未查)": (
        _replace_in_line("labs", 2, ",22,", ",未查,"),
        ("stop", "lab_result_type", "labs.csv", 2, "value '未查' is not a valid result of ALT: a mark for a value not "
                                                   "recorded? Leave the item empty")),
    "a subject numbered with its site, as an EDC numbering subjects per site shows it": (
        _replace_in_line("visits", 2, "001,BL", "01-001,BL"),
        ("stop", "wrong_format", "visits.csv", 2, "value '01-001' is not digits only, at least 3, zero-padded (e.g. "
                                                  "001); text, not a number: a site's number and a subject's joined?")),
}

QUERIES = {
    "an antimalarial other than hydroxychloroquine (chloroquine)": (
        _replace_in_line("conmeds", 7, "Hydroxychloroquine,HYDROXYCHLOROQUINE,", "Chloroquine,CHLOROQUINE,"),
        ("query", "antimalarial_not_counted", "conmeds.csv", 7, "is an antimalarial, not hydroxychloroquine by its "
         "coded name (HYDROXYCHLOROQUINE, HYDROXYCHLOROQUINE SULFATE, HYDROXYCHLOROQUINE SULPHATE): counted in no row "
         "of the baseline table (hydroxychloroquine at baseline). Another antimalarial, or hydroxychloroquine not "
         "coded?")),
    "a visit whose ESSDAI and ESSPRI forms were not entered (the week-12 ESSDAI, the primary endpoint)": (
        _keep_rows("essdai", lambda x: not x.startswith("003,W12,")),
        ("query", "missing_assessment", "visits.csv", 9, "value 'W12' has a visit date but no row in form essdai (not "
         "entered yet?): its ESSDAI is missing in the analysis")),
    "a partial date (a medication started in February 2020, day unknown)": (
        _replace_in_line("conmeds", 2, "2020-02-14", "2020-02"),
        ("query", "partial_date", "conmeds.csv", 2, "value '2020-02' is a partial date (day unknown): imputed")),
    "a partial date with its unknown parts marked": (
        _replace_in_line("conmeds", 3, "2019-07-29", "2019-UN-UN"),
        ("query", "partial_date", "conmeds.csv", 3, "value '2019-UN-UN' is a partial date (month and day unknown)")),
    "a partial date marked UK, as many sites' CRF completion guidelines write it": (
        _replace_in_line("conmeds", 2, "2020-02-14", "2020-02-UK"),
        ("query", "partial_date", "conmeds.csv", 2, "value '2020-02-UK' is a partial date (day unknown): imputed")),
    "a laboratory result below the limit of quantification, typed with a full-width sign": (
        _replace_in_line("labs", 30, ",0.6,", ",＜0.8,"),
        ("query", "result_beyond_limit", "labs.csv", 30, "value '＜0.8' is below the limit of quantification of CRP: "
         "analysed as half the limit, 0.4")),
    "an adverse event entered before it was graded": (
        _replace_in_line("adverse_events", 2, ",N,1,POSSIBLY RELATED,", ",N,,POSSIBLY RELATED,"),
        ("query", "missing_item", "adverse_events.csv", 2, "column AETOXGR: missing_item: value '' is empty")),
    "unknown extra column": (_edit_lines("demographics", lambda ls: [ls[0] + ",NOTES"] + [
        x + ",free text" if x else x for x in ls[1:]]),
        ("query", "unknown_column", "demographics.csv", 1, "column 'NOTES' is not in the data dictionary")),
    "empty columns without a name after the last (a spreadsheet's)": (
        _edit_lines("pga", lambda ls: [x + ",,," if x else x for x in ls]),
        ("query", "unknown_column", "pga.csv", 1, "columns without a name (as a spreadsheet writes after the last "
                                                  "column used): not read")),
    "COMPLETED without week-24 visit": (_replace_in_line("disposition", 11, "LOST TO FOLLOW-UP", "COMPLETED"),
                                        ("query", "completed_without_final_visit", "disposition.csv", 11,
                                         "value 'COMPLETED' but the subject has no week 24 visit")),
    "discontinued after the week-24 visit": (_replace_in_line("disposition", 2, "COMPLETED", "WITHDRAWAL BY SUBJECT"),
                                             ("query", "discontinued_after_final_visit", "disposition.csv", 2,
                                              "the week 24 visit took place on 2021-12-13")),
    "last dose after the end of study": (_replace_in_line("disposition", 2, "2021-12-13", "2021-11-01"),
                                         ("query", "dosed_after_end_of_study", "exposure.csv", 2,
                                          "value '2021-12-13' is after the end of study on 2021-11-01 (COMPLETED): "
                                          "the last dose or the end of study mistyped?")),
    "visit after the end of study": (_replace_in_line("disposition", 2, "2021-12-13", "2021-11-30"),
                                     ("query", "visit_after_end_of_study", "visits.csv", 4,
                                      "is after the end of study on 2021-11-30 (COMPLETED)")),
    "an adverse event starting after the end of study, within 30 days of the last dose": (
        _replace_in_line("adverse_events", 2, "2021-07-02,2021-07-07", "2021-12-20,2021-12-27"),
        ("query", "adverse_event_after_end_of_study", "adverse_events.csv", 2,
         "value '2021-12-20' is after the end of study on 2021-12-13 (COMPLETED): the onset or the end of study "
         "mistyped? The event counts as recorded (treatment-emergent within the window after the last dose)")),
    "header-only adverse_events.csv": (_keep_rows("adverse_events", lambda line: False),
                                       ("query", "empty_form", "adverse_events.csv", None, "may be empty")),
    "a file that is not a form": (lambda folder: (folder / "notes.csv").write_text("a,b\n1,2\n") and folder,
                                  ("query", "unknown_form", "notes.csv", None, "not a form of the data dictionary")),
    "a test the data dictionary does not list (a full liver panel's GGT)": (
        _insert_line("labs", 3, "001,BL,2021-06-28,GGT,18,U/L,7.0,45.0"),
        ("query", "unknown_test", "labs.csv", 3, "value 'GGT' is not a test of the data dictionary (docs/"
         "data_dictionary.md, Laboratory units): its 1 row(s) not read")),
    "a week-12 sample dated the day after baseline (another visit's sample, or a mistyped date)": (
        _replace_in_line("labs", 22, "001,W12,2021-09-20,", "001,W12,2021-06-29,"),
        ("query", "sample_window", "labs.csv", 22, "value '2021-06-29' is 83 days before the Week 12 visit "
         "(2021-09-20), more than half its window (14 days): analysed at that visit all the same")),
    "a fatal adverse event recorded as not serious": (
        _replace_in_line("adverse_events", 2, ",N,1,POSSIBLY RELATED,DOSE NOT CHANGED,RECOVERED/RESOLVED",
                         ",N,5,POSSIBLY RELATED,DOSE NOT CHANGED,FATAL"),
        ("query", "fatal_not_serious", "adverse_events.csv", 2, "column AESER: fatal_not_serious: value 'N' but the "
         "event is fatal (outcome or grade 5), and an event that results in death is serious (ICH E2A)")),
    "a discontinuation for an adverse event whose action is not yet recorded": (
        _replace_in_line("adverse_events", 6, ",DRUG WITHDRAWN,", ",DRUG INTERRUPTED,"),
        ("query", "discontinued_without_adverse_event", "disposition.csv", 8, "value 'ADVERSE EVENT' but no adverse "
         "event of the subject has the action DRUG WITHDRAWN")),
    "week-12 visit out of its window": (lambda folder: folder,
                                        ("query", "visit_window", "visits.csv", 25,
                                         "is on study day 101, outside the window day 71 to 99")),
}

SAME = {
    "UTF-8 byte-order mark": _every_file(lambda b: codecs.BOM_UTF8 + b),
    "Windows line ends": _every_file(lambda b: b.replace(b"\n", b"\r\n")),
    "every field in quotes": _every_file(_quote_every_field),
    "no newline at the end": _every_file(lambda b: b.rstrip(b"\n")),
    "blank lines at the end": _every_file(lambda b: b + b"\n\n"),
    "abnormal flags after the results, as a laboratory system prints them (22 H, 125↓, 12.2 *)": _chain(
        _replace_in_line("labs", 2, ",22,", ",22 H,"), _replace_in_line("labs", 13, ",125,", ",125\u2193,"),
        _replace_in_line("labs", 4, ",12.2,", ",12.2 *,")),
    "sex decoded, as an EDC exporting decoded values and a Chinese EDC write it (Female, 女)": _chain(
        _replace_in_line("demographics", 2, ",F,ASIAN,", ",Female,ASIAN,"),
        _replace_in_line("demographics", 3, ",F,ASIAN,", ",女,ASIAN,")),
    "ESSDAI levels decoded, as an EDC exporting decoded values writes them (No activity, Low, moderate, HIGH)": _chain(
        _replace_in_line("essdai", 2, "001,BL,0,0,1,2,", "001,BL,No activity,No,Low,moderate,"),
        _replace_in_line("essdai", 3, "001,W12,0,0,0,1,", "001,W12,NO,none,No activity,low activity,")),
    "CTCAE grades decoded, as an EDC exporting decoded values and a Chinese EDC write them (Grade 1, grade 2, 1级)":
        _chain(_replace_in_line("adverse_events", 2, ",N,1,POSSIBLY", ",N,Grade 1,POSSIBLY"),
               _replace_in_line("adverse_events", 6, ",N,2,", ",N,grade 2,"),
               _replace_in_line("adverse_events", 3, ",N,1,", ",N,1级,")),
    "visits named as the schedule names them, as an EDC exporting decoded values writes them (Baseline, WEEK 12)":
        _chain(_replace_in_line("visits", 2, "001,BL,", "001,Baseline,"), _replace_in_line("pga", 3, "001,W12,",
                                                                                         "001,WEEK 12,")),
    "unscheduled laboratory samples numbered or named as EDCs write them (UNS2, Unscheduled visit 1)": _chain(
        _replace_in_line("labs", 383, "007,UNS,", "007,UNS2,"),
        _replace_in_line("labs", 384, "007,UNS,", "007,Unscheduled visit 1,")),
    "the header again at the end (files joined with their headers)": _every_file(
        lambda b: b.rstrip(b"\n") + b"\n" + b.split(b"\n", 1)[0].rstrip(b"\r") + b"\n"),
    "rows of empty fields at the end (a spreadsheet's)": _every_file(
        lambda b: b + (b"," * b.split(b"\n", 1)[0].count(b",") + b"\n") * 2),
}


def _stopped(folder):
    before = export.file_manifest(folder)
    with pytest.raises(validation.ExportValidationError) as info:
        validation.check_export(folder)
    pd.testing.assert_frame_equal(export.file_manifest(folder), before)  # raw files never modified
    return info.value


def _hit(problems, rule, file, line):
    hits = problems[(problems["rule"] == rule) & (problems["file"] == file)]
    if line is not None:
        hits = hits[hits["row"] == str(line)]
    assert len(hits) == 1, problems.to_string()
    return hits.iloc[0]


@pytest.mark.parametrize("case", sorted(STOPS))
def test_broken_export_stops_naming_file_line_and_rule(tmp_export, case):
    mutate, (_, rule, file, line, text) = STOPS[case]
    error = _stopped(mutate(tmp_export))
    row = _hit(error.errors, rule, file, line)
    assert text in row["message"], row["message"]
    where = f"{file}, line {line}" if line is not None else f"{file}"
    assert row["message"].startswith(where) and f"{rule}: " in row["message"]
    assert row["message"] in str(error)  # what the runner prints


@pytest.mark.parametrize("case", sorted(QUERIES))
def test_questionable_export_gives_a_named_query(tmp_export, case):
    mutate, (_, rule, file, line, text) = QUERIES[case]
    result = validation.check_export(mutate(tmp_export))
    row = _hit(result.queries, rule, file, line)
    assert text in row["message"], row["message"]
    assert validation.RULES[rule][0] == "query"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory, _synthetic_trial):
    folder = tmp_path_factory.mktemp("shipped")
    export.write_export(_synthetic_trial, folder)
    result = validation.check_export(folder)
    return result.queries, cleaning.derive_all(result.typed)


def _same_as_shipped(result, shipped):
    queries, datasets = shipped
    pd.testing.assert_frame_equal(result.queries.drop(columns=["file", "message"]),
                                  queries.drop(columns=["file", "message"]))
    derived = cleaning.derive_all(result.typed)
    for name, frame in datasets.items():
        pd.testing.assert_frame_equal(derived[name], frame, obj=name)


@pytest.mark.parametrize("case", sorted(SAME))
def test_realistic_variant_gives_the_same_result(tmp_export, shipped, case):
    _same_as_shipped(validation.check_export(SAME[case](tmp_export)), shipped)


def test_dates_as_sas_writes_them_give_the_same_result(tmp_export, shipped):
    """A CSV written from an EDC's SAS datasets holds its dates as DATE9. (28JUN2021): read as the same dates, the
    analysis datasets are the shipped ones, and so are the queries, which show a value as the export wrote it."""
    result = validation.check_export(_every_file(_date9)(tmp_export))
    queries, datasets = shipped
    assert result.queries["value"].tolist() == [_date9(v.encode()).decode() for v in queries["value"]]
    assert "03nov2021" in result.queries["value"].tolist()  # the query of a date shows it as written
    pd.testing.assert_frame_equal(result.queries.drop(columns=["file", "message", "value"]),
                                  queries.drop(columns=["file", "message", "value"]))
    derived = cleaning.derive_all(result.typed)
    for name, frame in datasets.items():
        pd.testing.assert_frame_equal(derived[name], frame, obj=name)


def test_missing_form_is_reported_first_without_follow_on_errors(tmp_export):
    _rename("demographics", "Demographics.csv")(tmp_export)
    _raw("pga", b"")(tmp_export)
    error = _stopped(tmp_export)
    assert error.errors["rule"].tolist() == ["missing_file", "empty_file"]
    assert str(error).splitlines()[1].strip() == (
        "demographics.csv: missing_file: form demographics missing (found Demographics.csv: file names are lower case)")
    assert "unknown_subject" not in str(error)


def test_subjects_numbered_per_site_are_said_so_first(tmp_export):
    """Two sites' patients 001: every form keyed by SUBJID repeats keys. The message names the cause first (the
    subject register's repeated number), each demographics row by its own site, and any other form's row by both."""
    def renumber(text):  # patient 002 becomes site 02's patient 001 in every form
        return "\n".join("001" + x[3:] if x.startswith("002,") else x for x in text.split("\n"))
    for path in tmp_export.glob("*.csv"):
        path.write_text(renumber(path.read_text(encoding="utf-8")), encoding="utf-8")
    _replace_in_line("demographics", 3, "001,01,", "001,02,")(tmp_export)
    error = _stopped(tmp_export)
    first = str(error).splitlines()[1].strip()
    assert first.startswith(f"demographics.csv, line 3, subject NCT04916756-02-001, visit -, column SUBJID: "
                            "duplicate_subject: value '001' repeats the key (SUBJID) of line 2, of another site"), first
    visits = _hit(error.errors, "duplicate_visit", "visits.csv", 5)
    assert visits["USUBJID"] == "NCT04916756-01/02-001"
    assert error.errors["file"].iloc[0] == "demographics.csv" and len(set(error.errors["file"])) > 5


def test_every_broken_file_is_reported_at_once(tmp_export):
    _raw("labs", b"")(tmp_export)
    _replace_in_line("adverse_events", 4, '"toothache, dental caries"', "toothache, dental caries")(tmp_export)
    _keep_rows("essdai", lambda line: False)(tmp_export)
    error = _stopped(tmp_export)
    assert sorted(error.errors["rule"]) == ["empty_file", "no_rows", "wrong_field_count"]


def test_the_runner_message_names_the_file_and_line(tmp_export):
    """What 01_data_cleaning shows: the error's text, with file, line and rule."""
    _replace_in_line("adverse_events", 4, '"toothache, dental caries"', "toothache, dental caries")(tmp_export)
    text = str(_stopped(tmp_export))
    assert text.startswith("1 validation error(s) in the raw export:")
    assert "adverse_events.csv, line 4: wrong_field_count: 13 fields where the header (line 1) has 12" in text


def test_many_bad_lines_give_one_message_with_the_first_lines(tmp_export):
    _edit_lines("labs", lambda ls: [ls[0]] + [x + "," if x else x for x in ls[1:]])(tmp_export)
    row = _hit(_stopped(tmp_export).errors, "wrong_field_count", "labs.csv", 2)
    assert "also line(s) 3, 4, 5, 6, 7 and more" in row["message"]


def test_completed_subject_with_no_assessment_stays_in_the_analysis_sets(tmp_export, shipped):
    _, datasets = shipped
    for form in ("essdai", "esspri", "pga"):
        _keep_rows(form, lambda line: not line.startswith("005,"))(tmp_export)
    result = validation.check_export(tmp_export)
    row = _hit(result.queries, "no_assessment", "demographics.csv", 6)
    assert row["USUBJID"] == SUBJ + "005"
    assert "first dose 2021-07-12" in row["message"] and "kept in the analysis sets" in row["message"]
    adsl = cleaning.derive_all(result.typed)["adsl"]
    assert len(adsl) == len(datasets["adsl"]) == 11
    subject = adsl.set_index("USUBJID").loc[SUBJ + "005"]
    assert (subject["SAFFL"], subject["FASFL"], subject["EOSSTT"]) == ("Y", "Y", "COMPLETED")
    assert adsl["FASFL"].eq("Y").sum() == 11


def test_extra_column_is_carried_nowhere(tmp_export, shipped):
    QUERIES["unknown extra column"][0](tmp_export)
    tables = export.read_export(tmp_export)
    assert "NOTES" not in tables["demographics"] and tables["demographics"].attrs["dropped_columns"] == ("NOTES",)
    result = validation.check_export(tmp_export)
    assert all("NOTES" not in frame for frame in result.typed.values())
    queries, datasets = shipped
    derived = cleaning.derive_all(result.typed)
    for name, frame in datasets.items():
        pd.testing.assert_frame_equal(derived[name], frame, obj=name)


def test_empty_optional_form_still_builds_the_datasets(tmp_export):
    _keep_rows("adverse_events", lambda line: False)(tmp_export)
    result = validation.check_export(tmp_export)
    assert len(cleaning.derive_all(result.typed)["adae"]) == 0


def test_csv_line_numbers_after_blank_lines_and_multi_line_text(tmp_path):
    (tmp_path / "f.csv").write_text('a,b\n\n1,"x\ny\nz"\n2,3\n\n\n4,5\n')
    frame, problems = export._read_csv(tmp_path / "f.csv")
    assert problems == [] and frame["b"].tolist() == ["x\ny\nz", "3", "5"]
    assert export.row_lines(frame, [0, 1, 2]).tolist() == [3, 6, 9]


# --- Excel workbooks ---------------------------------------------------------------------------

def _workbook(tables: dict, path, *, numbers=()):
    """Write ``tables`` (text frames) as a workbook, the columns in ``numbers`` as numeric cells."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        ws = book.create_sheet(name)
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([int(v) if c in numbers and v.isdigit() else v for c, v in zip(frame.columns, row)])
    book.save(path)
    return path


def test_xlsx_numeric_subject_numbers_are_restored_with_a_query(tmp_path, tmp_export, shipped):
    book = _workbook(export.read_export(tmp_export), tmp_path / "export.xlsx", numbers=("SUBJID", "SITEID"))
    assert openpyxl.load_workbook(book)["visits"]["A2"].value == 1  # as Excel keeps a number
    result = validation.check_export(book)
    restored = result.queries[result.queries["rule"] == "identifier_restored"]
    assert len(restored) == 12 + 2  # SUBJID in 12 forms, SITEID in study and demographics
    row = _hit(result.queries, "identifier_restored", "export.xlsx[visits]", 2)
    assert row["message"] == ("export.xlsx[visits], row 2: identifier_restored: column SUBJID: 30 value(s) stored as "
                              "numbers were read as text of 3 digits (at least 3 digits, the width of the largest "
                              "number): 1 -> '001'")
    adsl = cleaning.derive_all(result.typed)["adsl"]
    pd.testing.assert_frame_equal(adsl, shipped[1]["adsl"])
    assert adsl["USUBJID"].iloc[7] == SUBJ + "008"


def test_xlsx_numeric_subject_numbers_take_the_width_of_those_stored_as_text(tmp_path, tmp_export):
    tables = export.read_export(tmp_export)
    for frame in tables.values():
        if "SUBJID" in frame:
            frame["SUBJID"] = "0" + frame["SUBJID"]
    book = _workbook(tables, tmp_path / "export.xlsx", numbers=("SUBJID",))
    wb = openpyxl.load_workbook(book)
    for i in range(2, 13):  # demographics keeps its numbers as text: 4 digits
        wb["demographics"][f"A{i}"] = f"{i - 1:04d}"
    wb.save(book)
    result = validation.check_export(book)
    assert "read as text of 4 digits (the width of the values stored as text)" in _hit(
        result.queries, "identifier_restored", "export.xlsx[labs]", 2)["message"]
    assert sorted(result.typed["visits"]["SUBJID"].unique())[:2] == ["0001", "0002"]


@pytest.mark.parametrize("cell, text", [
    (("visits", "A5", 2.5), "export.xlsx[visits], row 5: identifier_number: column SUBJID: the number 2.5 cannot be a "
                            "SUBJID"),
    (("visits", "A5", "0002"), "export.xlsx[visits], row 2: identifier_number: column SUBJID: 29 value(s) stored as "
                               "numbers (the first 1) cannot be restored to zero-padded text: the SUBJID values stored "
                               "as text have 2 widths (3, 4 digits)"),
])
def test_xlsx_numeric_subject_number_that_cannot_be_restored_stops(tmp_path, tmp_export, cell, text):
    tables = export.read_export(tmp_export)
    book = _workbook({"visits": tables["visits"]}, tmp_path / "visits.xlsx", numbers=("SUBJID",))
    wb = openpyxl.load_workbook(book)
    for name, frame in tables.items():  # the other sheets keep their numbers as text
        if name != "visits":
            ws = wb.create_sheet(name)
            for row in [list(frame.columns), *frame.itertuples(index=False)]:
                ws.append(list(row))
    wb[cell[0]][cell[1]] = cell[2]
    wb.save(tmp_path / "export.xlsx")
    error = _stopped(tmp_path / "export.xlsx")
    assert text in str(error)
    assert error.errors["rule"].tolist() == ["identifier_number"]


def test_xlsx_structure_problems_name_the_sheet_and_row(tmp_path, tmp_export):
    tables = {"Demographics" if name == "demographics" else name: frame
              for name, frame in export.read_export(tmp_export).items()}
    book = _workbook(tables, tmp_path / "export.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["pga"]["B1"] = "SUBJID"
    wb["esspri"]["G4"] = "stray note"
    wb.create_sheet("labs_old")
    del wb["ild"]
    wb.create_sheet("ild")
    wb.save(book)
    error = _stopped(book)
    assert error.errors["message"].tolist() == [
        "export.xlsx[demographics]: missing_file: form demographics missing (found sheet 'Demographics': a sheet is "
        "named as its form, in lower case, without spaces around it)",
        "export.xlsx[esspri], row 4: wrong_field_count: a value in column 7, beyond the 5 columns of the header (row 1)",
        "export.xlsx[ild]: empty_file: the sheet is empty: a form needs at least its header row",
        "export.xlsx[pga], row 1: duplicate_column: column name 'SUBJID' appears 2 times (columns 1, 2): each column "
        "must have its own name",
    ]
    assert "labs_old" not in str(error)  # an empty sheet that is not a form is a query at most


def test_a_repeated_sample_in_a_workbook_names_the_first_by_its_row(tmp_path, tmp_export):
    labs = tmp_export / "labs.csv"
    labs.write_text(labs.read_text().replace("001,W12,2021-09-20,ALT,23,U/L,7.0,40.0\n", "001,W12,2021-09-20,ALT,23,"
                                             "U/L,7.0,40.0\n001,W12,2021-09-25,ALT,95,U/L,7.0,40.0\n"))
    result = validation.check_export(_workbook(export.read_export(tmp_export), tmp_path / "export.xlsx"))
    row = _hit(result.queries, "repeated_sample", "export.xlsx[labs]", 23)
    assert "(the first on 2021-09-20, row 22)" in row["message"]


@pytest.mark.parametrize(("value", "error"), [("#N/A", True), (" #n/a ", True), ("#DIV/0!", True), ("#NAME?", True),
                                              ("Err:502", True), ("N/A", False), ("#1 headache", False),
                                              ("Err:5", False), ("", False)])
def test_a_spreadsheet_error_value_is_told_from_text(value, error):
    assert bool(pd.Series([value]).str.strip().str.fullmatch(validation.SPREADSHEET_ERROR, case=False)[0]) is error


def test_a_spreadsheet_error_in_a_workbook_stops_naming_its_row(tmp_path, tmp_export):
    book = _workbook(export.read_export(tmp_export), tmp_path / "export.xlsx")
    wb = openpyxl.load_workbook(book)
    assert wb["conmeds"]["D1"].value == "CMDECOD"
    wb["conmeds"]["D2"] = "#N/A"  # an error cell (openpyxl's data type "e"), as Excel stores a failed lookup
    assert wb["conmeds"]["D2"].data_type == "e"
    wb.save(book)
    row = _hit(_stopped(book).errors, "spreadsheet_error", "export.xlsx[conmeds]", 2)
    assert row["message"].startswith("export.xlsx[conmeds], row 2, subject NCT04916756-01-")


def test_full_width_punctuation_of_a_chinese_term_is_text(tmp_export):
    """A term typed with a Chinese input method's punctuation is free text like any other: no rule, no hint."""
    _replace_in_line("adverse_events", 3, "common cold", "\u611f\u5192\uff08\u8f7b\u5ea6\uff09\uff0c")(tmp_export)
    result = validation.check_export(tmp_export)  # 感冒（轻度），
    assert "\uff08" not in result.queries["message"].str.cat()


def test_tests_the_dictionary_does_not_list_are_left_out(tmp_export, shipped):
    """A laboratory system's full panels (GGT, ALP, albumin, urea, the percentages of the differential count): one
    query per test, its rows read by nothing, every dataset as without them."""
    samples = [("001", "BL", "2021-06-28"), ("002", "W12", "2021-09-25")]
    tests = [("GGT", "18", "U/L"), ("ALP", "66", "U/L"), ("ALB", "41.2", "g/L"), ("NEUT%", "61.5", "%")]
    extra = "".join(f"{s},{v},{d},{t},{r},{u},,\n" for s, v, d in samples for t, r, u in tests)
    labs = tmp_export / "labs.csv"
    labs.write_text(labs.read_text() + extra)
    result = validation.check_export(tmp_export)
    other = result.queries[result.queries["rule"] == "unknown_test"]
    assert other["value"].tolist() == ["GGT", "ALP", "ALB", "NEUT%"]
    assert other["message"].str.endswith("its 2 row(s) not read").all()
    queries, datasets = shipped
    _same_as_shipped_but(result, "unknown_test", shipped)
    typed = validation.parse_export(export.read_export(tmp_export))  # as cleaning reads raw text
    assert set(typed["labs"]["LBTESTCD"]) == set(datasets["adlb"]["PARAMCD"])


def _same_as_shipped_but(result, rule, shipped):
    """``result`` has the shipped trial's queries, and more of ``rule``, and gives its datasets."""
    others = result.queries[result.queries["rule"] != rule].reset_index(drop=True)
    _same_as_shipped(validation.ValidationResult(errors=result.errors, queries=others, typed=result.typed), shipped)


def test_an_export_appended_twice_is_read_once(tmp_export, shipped):
    """Every form's rows twice (an export appended to itself; the study form's one row once): a query per row given
    twice, naming the row it repeats, and the shipped trial's datasets; parsing the text again reads it once too."""
    lines = {}
    for path in sorted(tmp_export.glob("*.csv")):
        if path.name != "study.csv":
            rows = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
            lines[path.name] = len(rows) - 1
            path.write_text("\n".join(rows + rows[1:]) + "\n", encoding="utf-8")
    result = validation.check_export(tmp_export)
    repeated = result.queries[result.queries["rule"] == "repeated_row"]
    assert repeated["file"].value_counts().to_dict() == lines
    first = repeated[repeated["file"] == "pga.csv"].iloc[0]
    assert first["row"] == str(lines["pga.csv"] + 2) and first["value"] == "001/BL"
    assert first["message"].endswith("column SUBJID/VISIT: repeated_row: value '001/BL' repeats line 2 in every column "
                                     "(an export appended twice, or a record sent twice?): read once")
    _same_as_shipped_but(result, "repeated_row", shipped)
    typed = validation.parse_export(export.read_export(tmp_export))  # as cleaning reads raw text
    for name, frame in typed.items():
        pd.testing.assert_frame_equal(frame, result.typed[name], check_flags=False, obj=name)


def test_a_row_given_twice_with_one_value_changed_still_stops(tmp_export):
    """Only a row the same in every column is read once: the same key with another result is two results."""
    path = tmp_export / "labs.csv"
    rows = path.read_text(encoding="utf-8").split("\n")
    path.write_text(path.read_text(encoding="utf-8") + rows[1] + "\n" + rows[1].replace(",22,", ",23,") + "\n",
                    encoding="utf-8")
    result = validation.validate_export(export.read_export(tmp_export))
    assert result.queries.loc[result.queries["rule"] == "repeated_row", "row"].tolist() == [str(len(rows))]
    assert result.errors[["row", "rule"]].values.tolist() == [[str(len(rows) + 1), "duplicate_record"]]


def test_unscheduled_visits_are_left_out(tmp_export, shipped):
    """A flare visit between weeks 12 and 24 with an ESSDAI, an ESSPRI, a PGA and an HRCT, and a second one numbered
    as an EDC numbers them: a query per row, no analysis reads them, every dataset as without them."""
    rows = {"visits": ["001,UNS,2021-10-20", "001,uns2,2021-11-02"],
            "essdai": ["001,UNS,0,0,1,3,0,0,0,0,0,0,1,1,Y"], "esspri": ["001,UNS,8,7,8", "001,UNS2,7,7,7"],
            "pga": ["001,UNS,6.0"], "ild": ["001,UNS,IMPROVED,STABLE"]}
    for form, lines in rows.items():
        path = tmp_export / f"{form}.csv"
        path.write_text(path.read_text() + "".join(f"{line}\n" for line in lines))
    result = validation.check_export(tmp_export)
    unscheduled = result.queries[result.queries["rule"] == "unscheduled_visit"]
    assert sorted(unscheduled["file"]) == sorted(f"{form}.csv" for form, lines in rows.items() for _ in lines)
    assert unscheduled["message"].iloc[0].endswith("value 'UNS' is an assessment at an unscheduled visit: not read; "
                                                   "the analyses are at the scheduled visits (docs/decisions.md, "
                                                   "'Unscheduled visits')")
    _same_as_shipped_but(result, "unscheduled_visit", shipped)
    typed = validation.parse_export(export.read_export(tmp_export))  # as cleaning reads raw text
    assert not typed["esspri"]["VISIT"].str.upper().str.startswith("UNS").any()


def _screened(folder, *, schedule=False):
    """``folder`` with a screening visit ten days before each patient's baseline visit, as an EDC exports one: its
    date, the baseline's ESSDAI, ESSPRI and PGA repeated there (coded ``SCR``, or named ``Screening``), and every
    baseline laboratory sample drawn again (``Screening``); with ``schedule``, the schedule form, its first row the
    screening visit's."""
    def before(date):
        return (pd.Timestamp(date) - pd.Timedelta(days=10)).strftime("%Y-%m-%d")

    for form, code in (("visits", "SCR"), ("essdai", "SCR"), ("esspri", "Screening"), ("pga", "scr"),
                       ("labs", "Screening")):
        frame = pd.read_csv(folder / f"{form}.csv", dtype=str, keep_default_na=False)
        screening = frame[frame["VISIT"] == "BL"].assign(VISIT=code)
        for column in ("VISITDT", "LBDT"):
            if column in screening:
                screening[column] = screening[column].map(before)
        pd.concat([screening, frame]).to_csv(folder / f"{form}.csv", index=False)
    if schedule:
        rows = ["V0,Screening,-4,-42,-1", *(",".join(map(str, row)) for row in dictionary.default_schedule().values)]
        _put(folder, "schedule", "VISIT,AVISIT,AVISITN,WINLO,WINHI\n" + "\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("schedule", [False, True])
def test_a_screening_visit_is_left_out_and_its_samples_read(tmp_export, shipped, schedule):
    """A screening visit (docs/decisions.md, "Screening visits"): one query per form, not per row; the visits and
    assessment forms' rows not read; its laboratory samples in ADLB as ``Screening`` samples that no analysis by visit
    reads. Every other dataset, and every other ADLB row, is the shipped trial's."""
    result = validation.check_export(_screened(tmp_export, schedule=schedule))
    screening = result.queries[result.queries["rule"] == "screening_visit"]
    forms = ["essdai.csv", "esspri.csv", "pga.csv", "visits.csv"] + (["schedule.csv"] if schedule else [])
    assert sorted(screening["file"]) == sorted(forms) and set(screening["row"]) == {"2"}
    assert screening.set_index("file").loc["pga.csv", "message"].endswith(
        "column VISIT: screening_visit: value 'scr' is an assessment at screening: the form's 11 row(s) at screening "
        "not read; the baseline of every analysis is the baseline visit's (docs/decisions.md, 'Screening visits')")
    others = result.queries[result.queries["rule"] != "screening_visit"].reset_index(drop=True)
    pd.testing.assert_frame_equal(others.drop(columns=["file", "row", "message"]),
                                  shipped[0].drop(columns=["file", "row", "message"]))
    derived, datasets = cleaning.derive_all(result.typed), shipped[1]
    for name, frame in datasets.items():
        if name != "adlb":
            pd.testing.assert_frame_equal(derived[name], frame, obj=name)
    adlb = derived["adlb"]
    at_screening = adlb["AVISIT"] == "Screening"
    pd.testing.assert_frame_equal(adlb[~at_screening].reset_index(drop=True), datasets["adlb"])
    samples = adlb[at_screening]
    assert len(samples) == (datasets["adlb"]["AVISIT"] == "Baseline").sum()
    assert samples["AVISITN"].isna().all() and set(samples["ANL01FL"]) == set(samples["ABLFL"]) == {"N"}
    assert samples["CHG"].isna().all() and set(samples["ADY"]) == {-10}
    typed = validation.parse_export(export.read_export(tmp_export))  # as cleaning reads raw text
    for name, frame in typed.items():
        pd.testing.assert_frame_equal(frame, result.typed[name], check_flags=False, obj=name)


def test_a_screening_sample_after_the_first_dose_is_queried(edit_export):
    """A screening sample dated after the first dose (patient 001's, 2021-06-28): a query; a day before it, none."""
    result = edit_export("labs", ("001,BL,2021-06-28,ALT,", "001,SCR,2021-06-29,ALT,"),
                         ("001,BL,2021-06-28,AST,", "001,SCR,2021-06-27,AST,"))
    found = result.queries[result.queries["rule"] == "screening_after_first_dose"]
    assert found["row"].tolist() == ["2"]
    assert found["message"].iloc[0].endswith("value '2021-06-29' is after the first dose on 2021-06-28: a sample of "
                                             "another visit, or a mistyped date? Read by no analysis by visit; the "
                                             "alerts listing shows it")


def test_a_laboratory_table_with_a_column_per_test_is_named_so(tmp_export):
    """A hospital's laboratory table (a column per test, TBIL as its system codes bilirubin): the missing test code
    says what the form should look like."""
    _raw("labs", b"SUBJID,VISIT,LBDT,ALT,AST,TBIL,WBC\n001,BL,2021-06-28,22,29,12.2,5.1\n")(tmp_export)
    errors = _stopped(tmp_export).errors
    assert errors["variable"].tolist() == ["LBORNRHI", "LBORNRLO", "LBORRES", "LBORRESU", "LBTESTCD"]
    assert errors["message"].iloc[-1] == (
        "labs.csv, line 1: missing_column: column 'LBTESTCD' is missing (data dictionary form 'labs') (found ALT, AST, "
        "TBIL, ...: a column per test? The form is long: one row per subject, test and sample, the test's code in "
        "LBTESTCD and its result in LBORRES)")


def test_a_glucocorticoid_ended_before_consent_needs_no_dose(tmp_export):
    """A prior course recorded without its dose (ended years before the study) is counted in no glucocorticoid table:
    no error. The same record still ongoing is."""
    conmeds = tmp_export / "conmeds.csv"
    text = conmeds.read_text()
    conmeds.write_text(text + "011,9,Prednisone,PREDNISONE,GLUCOCORTICOID,,,,2015-03,2015-06\n")
    assert validation.check_export(tmp_export).ok
    conmeds.write_text(text + "011,9,Prednisone,PREDNISONE,GLUCOCORTICOID,,,,2015-03,\n")
    errors = _stopped(tmp_export).errors
    assert sorted(errors["variable"]) == ["CMDOSE", "CMDOSFRQ", "CMDOSU"]
    assert set(errors["rule"]) == {"glucocorticoid_dose_unknown"}


def test_a_dose_lowered_on_the_day_of_the_first_dose_is_the_new_dose(tmp_export, shipped):
    """Patient 002 took prednisone 10 mg a day from 2020-05-27; the dose is lowered to 7.5 mg on 2021-07-01, the day of
    the first dose, entered as the old record ended and a new one started that day. The baseline dose is 7.5 mg, not
    the 17.5 mg of both records, and no query (a dose change, not an overlap); the glucocorticoid table's baseline
    dose is ADSL's. A record that ends on the first dose without another starting still counts (10 mg)."""
    conmeds = tmp_export / "conmeds.csv"
    text = conmeds.read_text()
    assert "002,1,Prednisone,PREDNISONE,GLUCOCORTICOID,10.0,mg,QD,2020-05-27,\n" in text
    ended = text.replace("002,1,Prednisone,PREDNISONE,GLUCOCORTICOID,10.0,mg,QD,2020-05-27,\n",
                         "002,1,Prednisone,PREDNISONE,GLUCOCORTICOID,10.0,mg,QD,2020-05-27,2021-07-01\n")
    for extra, dose in (("002,9,Prednisone,PREDNISONE,GLUCOCORTICOID,7.5,mg,QD,2021-07-01,\n", 7.5), ("", 10.0)):
        conmeds.write_text(ended + extra)
        result = validation.check_export(tmp_export)
        assert "overlapping_medication" not in set(result.queries["rule"])
        data = cleaning.derive_all(result.typed)
        adsl = data["adsl"].set_index("SUBJID")
        assert adsl.loc["002", ["TRTSDT", "GCDOSEBL"]].tolist() == [pd.Timestamp("2021-07-01"), dose]
        adeff = scoring.derive_adeff(data["adqs"])
        doses = gc.derive_gc_dose_by_visit(data["adcm"], gc.visit_dates(data["adsl"], adeff))
        assert doses.loc[(doses["USUBJID"] == SUBJ + "002") & (doses["AVISIT"] == "Baseline"), "AVAL"].item() == dose


def test_a_patient_assessed_at_baseline_and_not_yet_dosed_is_read(tmp_export):
    """An interim export: patient 011 had the baseline visit, its assessments and samples, and no dose yet (no exposure
    or end-of-study row, nothing after baseline). The build stopped deriving ADSL's baseline laboratory values (the
    samples' study day is unknown without a dose). The samples are the baseline, the patient outside the safety set;
    a message of another patient counts study days as integers (day 101, not 101.0)."""
    def before_any_dose(line):
        return not line.startswith("011,") or line.startswith("011,BL,")
    for form in ("visits", "essdai", "esspri", "pga", "labs"):
        _keep_rows(form, before_any_dose)(tmp_export)
    for form in ("exposure", "disposition", "adverse_events"):
        _keep_rows(form, lambda line: not line.startswith("011,"))(tmp_export)
    result = validation.check_export(tmp_export)
    window = result.queries[result.queries["rule"] == "visit_window"]
    assert window["message"].str.contains("is on study day 101, outside").all() and len(window) == 1
    data = cleaning.derive_all(result.typed)
    adsl = data["adsl"].set_index("SUBJID")
    assert pd.isna(adsl.loc["011", "TRTSDT"]) and adsl.loc["011", ["SAFFL", "IGGBL"]].tolist() == ["N", 17.8]
    adlb = data["adlb"]
    igg = adlb[(adlb["USUBJID"] == SUBJ + "011") & (adlb["PARAMCD"] == "IGG")]
    assert igg[["AVISIT", "ANL01FL", "ABLFL"]].values.tolist() == [["Baseline", "Y", "Y"]]


def test_actions_of_the_cdisc_codelist_are_read(edit_export):
    """A dose reduced for an adverse event, and an event at screening, before the first dose, with the action NOT
    APPLICABLE (CDISC ACN): read, no query; neither leads to discontinuation, and the screening event is no TEAE."""
    result = edit_export("adverse_events",
                         (",N,1,POSSIBLY RELATED,DOSE NOT CHANGED,", ",N,1,POSSIBLY RELATED,DOSE REDUCED,"),
                         ("002,1,common cold,", "002,9,headache at screening,Headache,Nervous system disorders,2021-06-25,"
                          "2021-06-26,N,1,NOT RELATED,NOT APPLICABLE,RECOVERED/RESOLVED\n002,1,common cold,"))
    assert result.ok and not set(result.queries["rule"]) - {"incomplete_biological", "visit_window"}
    adae = cleaning.derive_all(result.typed)["adae"].set_index("AETERM")
    assert adae.loc["nausea after tablets", ["AEACN", "TRTEMFL"]].tolist() == ["DOSE REDUCED", "Y"]
    assert adae.loc["headache at screening", ["AEACN", "TRTEMFL"]].tolist() == ["NOT APPLICABLE", "N"]


def test_hydroxychloroquine_coded_by_its_salt_is_hydroxychloroquine(tmp_export, shipped):
    """WHODrug names the salt too: patient 001 on HYDROXYCHLOROQUINE SULFATE is on hydroxychloroquine at baseline
    (ADSL HCQFL), with no query; ADSL as shipped."""
    _replace_in_line("conmeds", 2, ",HYDROXYCHLOROQUINE,", ",HYDROXYCHLOROQUINE SULFATE,")(tmp_export)
    result = validation.check_export(tmp_export)
    queries, datasets = shipped
    pd.testing.assert_frame_equal(result.queries.drop(columns=["file", "message"]),
                                  queries.drop(columns=["file", "message"]))
    pd.testing.assert_frame_equal(cleaning.derive_all(result.typed)["adsl"], datasets["adsl"])
    assert datasets["adsl"].set_index("SUBJID").loc["001", "HCQFL"] == "Y"


@pytest.mark.parametrize(("dated", "queried"), [("2021-05-31", False), ("2021-05-30", True), ("2021-06-28", False)])
def test_a_baseline_sample_is_queried_before_the_baseline_window(edit_export, dated, queried):
    """Patient 001's first dose is on 2021-06-28, the baseline window days -28 to 1: an ALT sample on 2021-05-31 is
    on day -28 (28 days before day 1, there being no day 0), on 2021-05-30 day -29, queried; it stays the baseline."""
    result = edit_export("labs", ("001,BL,2021-06-28,ALT,", f"001,BL,{dated},ALT,"))
    found = result.queries[result.queries["rule"] == "sample_window"]
    assert found["row"].tolist() == (["2"] if queried else [])
    if queried:
        assert found["message"].iloc[0].endswith("value '2021-05-30' is on study day -29, before the baseline window "
                                                 "(day -28 to 1): analysed as the baseline all the same (a sample of "
                                                 "routine care before the study, or a mistyped date?)")
        adlb = cleaning.derive_all(result.typed)["adlb"]
        alt = adlb[(adlb["USUBJID"] == SUBJ + "001") & (adlb["PARAMCD"] == "ALT") & (adlb["ABLFL"] == "Y")]
        assert alt["ADT"].dt.strftime("%Y-%m-%d").tolist() == ["2021-05-30"]


@pytest.mark.parametrize(("dated", "queried"), [("2021-10-04", False), ("2021-10-05", True), ("2021-09-06", False),
                                                ("2021-09-05", True)])
def test_a_sample_is_queried_beyond_half_its_visits_window(edit_export, dated, queried):
    """Patient 001's week-12 visit is on 2021-09-20, its window days 71 to 99 (half of it: 14 days): an ALT sample 14
    days either side is the visit's, 15 days is queried."""
    result = edit_export("labs", ("001,W12,2021-09-20,ALT,", f"001,W12,{dated},ALT,"))
    found = result.queries[result.queries["rule"] == "sample_window"]
    assert found["row"].tolist() == (["22"] if queried else [])


def test_xlsx_merged_cells_and_formulas_without_a_stored_result_stop_naming_the_cell(tmp_path, tmp_export):
    """A subject number merged over three visits of the ESSDAI sheet (the rows below read as empty: three errors each,
    none saying why), and a formula an R or pandas workbook holds without its result (read as empty: 001's baseline
    ESSDAI missing, with a query blaming a missing item) stop the build naming the cells."""
    book = _workbook(export.read_export(tmp_export), tmp_path / "export.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["essdai"].merge_cells("A2:A4")
    wb["pga"]["C2"] = "=5+0"
    wb["pga"]["E2"] = "=1+1"  # beyond the form's columns: read as nothing, no harm
    wb.create_sheet("notes")["A1"] = "Cover"  # a sheet of no form with a merged title: an unknown sheet, no more
    wb["notes"].merge_cells("A1:D1")
    wb.save(book)
    messages = _stopped(book).errors["message"].tolist()
    assert messages == [
        "export.xlsx[essdai], row 2: merged_cells: cells A2:A4 are merged: only the first holds the value, the others "
        "read as empty; unmerge them and fill the value into every row",
        "export.xlsx[pga], row 2: formula_without_value: column C (PGA), cell C2, holds the formula =5+0 with no "
        "stored result (the workbook was written by a program and never opened in Excel): open and save it in Excel, "
        "or paste the values",
    ]
    assert validation.RULES["merged_cells"][0] == validation.RULES["formula_without_value"][0] == "error"


def test_an_export_whose_every_first_dose_date_is_unreadable_gives_its_errors(tmp_export):
    """Dates of the exposure form saved by Excel on a Chinese Windows (2021/6/28): none parses, and validation
    stopped in a lookup of first doses through an empty Series of dates (TypeError: Cannot cast DatetimeArray to dtype
    float64), hiding the errors that name the rows. Every start date is its own error now."""
    path = tmp_export / "exposure.csv"
    exposure = pd.read_csv(path, dtype=str, keep_default_na=False)
    exposure["EXSTDT"] = pd.to_datetime(exposure["EXSTDT"]).map(lambda d: f"{d.year}/{d.month}/{d.day}")
    exposure.to_csv(path, index=False, lineterminator="\n")
    result = validation.validate_export(export.read_export(tmp_export))
    wrong = result.errors[result.errors["variable"] == "EXSTDT"]
    assert len(wrong) == len(exposure) and set(wrong["value"]) == set(exposure["EXSTDT"])


def test_a_missing_sheet_names_the_sheets_that_are_no_form(tmp_path, tmp_export):
    """A sheet renamed "labs " (a trailing space) or in Chinese (实验室检查) was said missing as "expected sheet labs",
    the user seeing a sheet called labs: the first is named as the form's sheet, the second among the sheets read as
    none."""
    tables = export.read_export(tmp_export)
    for renamed, said in (("labs ", "found sheet 'labs ': a sheet is named as its form, in lower case, without spaces "
                                    "around it"),
                          ("实验室检查", "expected sheet labs; sheets that are no form: '实验室检查'")):
        book = _workbook({renamed if name == "labs" else name: frame for name, frame in tables.items()},
                         tmp_path / f"{len(renamed)}.xlsx")
        assert _stopped(book).errors["message"].tolist() == [
            f"{book.name}[labs]: missing_file: form labs missing ({said})"]
    (tmp_export / "labs.csv").rename(tmp_export / "lab_results.csv")  # a CSV export: the file as named
    assert _stopped(tmp_export).errors["message"].tolist() == [
        "labs.csv: missing_file: form labs missing (expected labs.csv; files that are no form: 'lab_results.csv')"]


def test_a_randomised_export_whose_week_12_dates_are_all_unreadable_gives_its_errors(tmp_path):
    """The switch queries look each switch up against the patient's week-12 visit date: with every such date unreadable
    (2021/3/29, as Excel on a Chinese Windows saves it) that lookup raised a TypeError instead of listing the dates."""
    folder = tmp_path / "randomised"
    shutil.copytree(paths.PROJECT_ROOT / "data" / "examples" / "randomised", folder)
    visits = pd.read_csv(folder / "visits.csv", dtype=str, keep_default_na=False)
    week12 = visits["VISIT"] == "W12"
    visits.loc[week12, "VISITDT"] = pd.to_datetime(visits.loc[week12, "VISITDT"]).map(
        lambda d: f"{d.year}/{d.month}/{d.day}")
    visits.to_csv(folder / "visits.csv", index=False, lineterminator="\n")
    result = validation.validate_export(export.read_export(folder))
    assert result.errors["rule"].unique().tolist() == ["wrong_type"]
    assert len(result.errors) == week12.sum() and set(result.errors["variable"]) == {"VISITDT"}
