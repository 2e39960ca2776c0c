"""The data dictionary of the raw CRF export: the single source of truth for its forms and variables.

A raw export is one CSV per form (``<form>.csv`` in a folder, UTF-8, file names in lower case as
the form names) or one ``.xlsx`` workbook with one sheet per form. Every form, variable, type, unit, allowed value or range, and whether a value is
required, is declared here once. ``validation`` generates its rules from these declarations and
``render_markdown`` writes the human-readable page ``docs/data_dictionary.md``::

    python -m analysis_utils.dictionary > docs/data_dictionary.md

Variables marked ``identifier`` are direct identifiers (name initials, hospital record number):
they exist in ``data/raw`` only and never reach an analysis dataset.
"""

import re
import sys
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import scoring
from analysis_utils.vocabulary import (
    ARM, ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD, ESSPRI_ITEM_PARAMCD, HAEM_ATTRIBUTION_PARAMCD, LAB_PARAMS,
    STUDY_DESIGN, STUDY_REFERENCE, STUDY_TITLE, STUDYID, VISITS,
)

#: Variable types of the raw export, as written in the CSV text.
TYPES = MappingProxyType({
    "str": "text",
    "int": "integer (digits only)",
    "float": "decimal number (point as decimal separator)",
    "date": "date, ISO 8601 YYYY-MM-DD",
})

#: Visit codes of the CRF (``VISIT``) and their analysis labels (``vocabulary.VISITS``).
#: ``UNS`` is an unscheduled laboratory sample, ``SCR`` one of the screening visit (labs only; the other forms' rows at
#: either are not read: docs/decisions.md, "Unscheduled visits", "Screening visits").
VISIT_CODES = tuple(VISITS)
UNSCHEDULED, SCREENING = "UNS", "SCR"
VISIT_LABELS = MappingProxyType({**{code: label for code, (label, _) in VISITS.items()},
                                 UNSCHEDULED: "Unscheduled", SCREENING: "Screening"})
#: Laboratory samples of no scheduled visit: dated by ``LBDT``, read by no analysis by visit (ADLB ``AVISITN`` missing).
OFF_SCHEDULE = (UNSCHEDULED, SCREENING)

#: Visit windows on the study day (day 1 = first dose) of the pilot's schedule: visit -> (target day,
#: half-width). Week 12 = day 85 +/- 14, week 24 = day 169 +/- 14 (project decision).
VISIT_WINDOWS = MappingProxyType({"W12": (85, 14), "W24": (169, 14)})
#: Baseline window of the pilot's schedule: the baseline visit lies between study day -28 and day 1 (the first dose).
BASELINE_WINDOW = (-28, 1)
#: Code of the baseline visit, in every schedule (its week, AVISITN, is 0).
BASELINE = "BL"
#: Planned week (``AVISITN``) of the switch of a randomised trial: control patients without an ESSDAI MCII at week 12
#: add baricitinib after their week-12 assessment (protocol, Trials 2023, doi 10.1186/s13063-023-07087-5).
SWITCH_WEEK = 12
#: Days per study week: the target study day of week w is ``DAYS_PER_WEEK * w + 1`` (day 1 = first dose).
DAYS_PER_WEEK = 7

#: Arms of a randomised export without an ``arms`` form (form ``randomisation``, ``ARM``; exposure ``EXTRT``;
#: ``default_arms``) and their codes (ADSL ``TRT01PN``): the reference arm of every comparison, here the control, has
#: the lowest code, as in the CDISC convention (the CDISC pilot's placebo is 0). The follow-on randomised trial of the
#: pilot (protocol: Trials 2023, doi:10.1186/s13063-023-07087-5): baricitinib 4 mg + hydroxychloroquine 400 mg daily
#: versus hydroxychloroquine 400 mg alone. An export of another trial declares its own in an ``arms`` form.
RANDOMISED_ARMS = MappingProxyType({"HCQ 400 mg": 1, "Baricitinib 4 mg + HCQ 400 mg": 2})
#: Code of the single arm of an export without randomisation (the pilot: ``vocabulary.ARM``).
SINGLE_ARM_CODE = 1
#: Daily dose of baricitinib (mg) planned in each treatment of ``TREATMENTS``: the pilot's 2 mg (Bai W et al. Ann
#: Rheum Dis 2022;81:1050), and in the follow-on trial 4 mg with hydroxychloroquine, none with hydroxychloroquine
#: alone (protocol, Trials 2023). ADSL ``DOSE01P`` and the like (``cleaning.derive_treatment``).
ARM_DOSES = MappingProxyType({ARM: 2.0, "HCQ 400 mg": 0.0, "Baricitinib 4 mg + HCQ 400 mg": 4.0})
#: Every treatment an exposure record may name (``EXTRT``) without an ``arms`` form: the single arm and the
#: randomised arms.
TREATMENTS = (ARM, *RANDOMISED_ARMS)

YES_NO = ("Y", "N")
#: Blinding of a trial (study form ``TBLIND``, CDISC trial summary parameter TBLIND) -> how the report writes it.
#: The pilot and its follow-on randomised trial are open label (Bai W et al. 2022; protocol, Trials 2023).
BLINDING_WORDS = MappingProxyType({"OPEN LABEL": "open-label", "SINGLE BLIND": "single-blind",
                                   "DOUBLE BLIND": "double-blind"})
BLINDINGS = tuple(BLINDING_WORDS)
OPEN_LABEL = "OPEN LABEL"
POS_NEG = ("POSITIVE", "NEGATIVE")
#: Coded values the analysis reads: the outcome of a fatal adverse event (CDISC OUT codelist), and the ends of study of
#: a patient who died and of one who consented but was found not eligible before the first dose (CDISC NCOMPLT).
OUTCOME_FATAL, DISPOSITION_DEATH, SCREEN_FAILURE = "FATAL", "DEATH", "SCREEN FAILURE"

# Laboratory units. The SI unit of each test is vocabulary.LAB_PARAMS; the factors below convert a
# result reported in another unit to it (SI value = raw value x factor). Sources: standard SI
# conversion tables (AMA Manual of Style, SI conversion units; CTCAE v5.0 gives both units for
# haemoglobin, cholesterol and triglycerides: NCI CTCAE v5.0, 27 Nov 2017).
#: g/dL -> g/L (haemoglobin).
G_DL_TO_G_L = 10.0
#: cells/mm3 (= cells/uL) -> 10^9/L.
PER_MM3_TO_10E9_L = 0.001
#: Creatinine mg/dL -> umol/L (molar mass 113.12 g/mol).
CREAT_MG_DL_TO_UMOL_L = 88.4
#: Total bilirubin mg/dL -> umol/L (molar mass 584.66 g/mol).
BILI_MG_DL_TO_UMOL_L = 17.1
#: Total cholesterol mg/dL -> mmol/L (1 mmol/L = 38.67 mg/dL).
CHOL_MG_DL_TO_MMOL_L = 1 / 38.67
#: Triglycerides mg/dL -> mmol/L (1 mmol/L = 88.57 mg/dL).
TRIG_MG_DL_TO_MMOL_L = 1 / 88.57
#: Proteins mg/dL -> g/L (IgG, C3, C4).
MG_DL_TO_G_L = 0.01
#: CRP mg/dL -> mg/L.
MG_DL_TO_MG_L = 10.0
#: Urine protein mg/24h -> g/24h.
MG_TO_G = 0.001

_COUNT_UNITS = {"10^9/L": 1.0, "10^3/uL": 1.0, "/mm3": PER_MM3_TO_10E9_L}
_PROTEIN_UNITS = {"g/L": 1.0, "mg/dL": MG_DL_TO_G_L}
_ENZYME_UNITS = {"U/L": 1.0, "IU/L": 1.0}

#: Accepted units per laboratory test and the factor to the SI unit (LAB_PARAMS). Any other unit
#: is a validation error ("unknown_unit").
LAB_UNITS = MappingProxyType({
    "WBC": _COUNT_UNITS, "NEUT": _COUNT_UNITS, "LYM": _COUNT_UNITS, "PLAT": _COUNT_UNITS,
    "HGB": {"g/L": 1.0, "g/dL": G_DL_TO_G_L},
    "ALT": _ENZYME_UNITS, "AST": _ENZYME_UNITS, "CK": _ENZYME_UNITS,
    "BILI": {"umol/L": 1.0, "mg/dL": BILI_MG_DL_TO_UMOL_L},
    "CREAT": {"umol/L": 1.0, "mg/dL": CREAT_MG_DL_TO_UMOL_L},
    "CHOL": {"mmol/L": 1.0, "mg/dL": CHOL_MG_DL_TO_MMOL_L},
    "TRIG": {"mmol/L": 1.0, "mg/dL": TRIG_MG_DL_TO_MMOL_L},
    "ESR": {"mm/h": 1.0},
    "CRP": {"mg/L": 1.0, "mg/dL": MG_DL_TO_MG_L},
    "IGG": _PROTEIN_UNITS, "C3": _PROTEIN_UNITS, "C4": _PROTEIN_UNITS,
    "MCOMP": {"": 1.0}, "CRYO": {"": 1.0},
    "UPROT": {"g/24h": 1.0, "mg/24h": MG_TO_G},
    "HBVDNA": {"IU/mL": 1.0},
})
#: Results no patient can have, in the standard unit (``LAB_PARAMS``): (below, above, the unit of the slip that gives
#: such a result). Each limit catches a result, or a reference limit, in a unit ten to a thousand times another,
#: exported under that other's name, as a laboratory system's result column beside a unit column typed by hand gives
#: it: haemoglobin 12.5 (g/dL) under g/L, a count per µL (5,100) under 10^9/L, IgG 1,450 (mg/dL) under g/L. Each lies
#: beyond any value a living patient has been reported with (haemoglobin under 25 g/L; leukocytes over 1,000 x 10^9/L;
#: creatinine under 10 µmol/L, where muscle alone makes more). A slip whose values look like real ones has no limit:
#: ALT and CRP have no second unit of another magnitude, and a result in g/L under mg/dL is merely low. Such a result
#: stops the build (``implausible_result``): its CTCAE grade would be one no patient had. A project decision
#: (docs/decisions.md, "Results no patient can have"), as a laboratory's plausibility control holds back a result before
#: release (Fuentes-Arderiu X et al. Proposed guidelines for the final review of measurement results in the clinical
#: laboratory. Accred Qual Assur 2008;13:537-42).
LAB_IMPOSSIBLE = MappingProxyType({
    "WBC": (None, 1000, "per µL"),
    "NEUT": (None, 1000, "per µL"),
    "LYM": (None, 1000, "per µL"),
    "PLAT": (None, 5000, "per µL"),
    "HGB": (25, None, "in g/dL"),
    "CREAT": (10, None, "in mg/dL"),
    "CHOL": (None, 50, "in mg/dL"),
    "IGG": (None, 200, "in mg/dL"),
    "C3": (None, 10, "in mg/dL"),
    "C4": (None, 5, "in mg/dL"),
    "UPROT": (None, 50, "in mg/24h"),
})
#: Codes that laboratory systems give tests of the dictionary (``LAB_PARAMS``), in upper case, with the dictionary's
#: code: TBIL and PLT as China's hospital laboratory systems print them, the absolute counts of a differential with
#: their # (NEUT#, LYMPH#; not the percentages, NEUT%), GPT/GOT for ALT/AST, TC/TG for the lipids. A test under such a
#: code stops the build (``test_code_alias``, naming the code to write): a test the dictionary does not list is left
#: out of the analysis (``unknown_test``), and these would be too. A dipstick's urine protein (PRO: +, ++) is no
#: 24-hour urine protein, and no alias. So are the tests' Chinese names, as the trial site's laboratory system prints
#: them (C反应蛋白, not the high-sensitivity assay 超敏C反应蛋白; a bare 中性粒细胞 or 淋巴细胞 too, the count as a rule,
#: and a percentage so named has its unit %, which stops the build once the code is written).
LAB_TEST_ALIASES = MappingProxyType({
    "TBIL": "BILI", "PLT": "PLAT", "HB": "HGB", "CR": "CREAT", "CREA": "CREAT", "SCR": "CREAT", "LYMPH": "LYM",
    "LYMPH#": "LYM", "LY": "LYM", "LY#": "LYM", "NEU": "NEUT", "NEU#": "NEUT", "NEUT#": "NEUT", "NEUTRO": "NEUT",
    "GPT": "ALT", "GOT": "AST", "TC": "CHOL", "TG": "TRIG", "24HUPRO": "UPROT", "HBV-DNA": "HBVDNA",
    "HBV_DNA": "HBVDNA",
    "白细胞": "WBC", "白细胞计数": "WBC", "中性粒细胞": "NEUT", "中性粒细胞计数": "NEUT", "中性粒细胞绝对值": "NEUT",
    "淋巴细胞": "LYM", "淋巴细胞计数": "LYM", "淋巴细胞绝对值": "LYM", "血红蛋白": "HGB", "血小板": "PLAT",
    "血小板计数": "PLAT", "丙氨酸氨基转移酶": "ALT", "谷丙转氨酶": "ALT", "天门冬氨酸氨基转移酶": "AST",
    "天冬氨酸氨基转移酶": "AST", "谷草转氨酶": "AST", "总胆红素": "BILI", "肌酐": "CREAT", "肌酸激酶": "CK",
    "总胆固醇": "CHOL", "甘油三酯": "TRIG", "血沉": "ESR", "红细胞沉降率": "ESR", "C反应蛋白": "CRP",
    "C-反应蛋白": "CRP", "免疫球蛋白G": "IGG", "补体C3": "C3", "补体C4": "C4", "冷球蛋白": "CRYO",
    "24小时尿蛋白": "UPROT", "24小时尿蛋白定量": "UPROT", "乙肝病毒DNA": "HBVDNA", "乙型肝炎病毒DNA": "HBVDNA",
})
#: Qualitative tests: LBORRES is POSITIVE or NEGATIVE, with no unit.
QUALITATIVE_TESTS = ("MCOMP", "CRYO")
#: How laboratory systems write a qualitative result (``read_qualitative``), in any letter case: the word, its
#: abbreviation, and the Chinese terms of the trial site's laboratory system (阳性 positive, 阴性 negative).
QUALITATIVE_SPELLINGS = MappingProxyType({"POSITIVE": ("POSITIVE", "POS", "阳性"),
                                          "NEGATIVE": ("NEGATIVE", "NEG", "阴性")})


def _read_spelled(text: pd.Series, spellings) -> pd.Series:
    """The value (a key of ``spellings``) of each text that is one of its spellings, in any letter case, with spaces
    around it or more than one between its words (an arm typed with two spaces); else NaN.

    >>> _read_spelled(pd.Series(["hcq 400 mg", "HCQ  400 mg ", "HCQ 400mg"]), {"HCQ 400 mg": ("HCQ 400 mg",)}).tolist()
    ['HCQ 400 mg', 'HCQ 400 mg', nan]
    """
    words = {" ".join(spelling.upper().split()): value for value, spelt in spellings.items() for spelling in spelt}
    return text.fillna("").astype(str).str.split().str.join(" ").str.upper().map(words)


#: Free-text columns whose values group the analyses (form -> columns): read with one spelling per value
#: (``one_spelling``). The stratum of the randomisation (the CMH test's strata, the ANCOVA's factor), the MedDRA
#: terms (the rows of the adverse-event tables) and the drug names (the rows of the medication tables; the
#: glucocorticoids' prednisone equivalents and hydroxychloroquine are known in any letter case).
ONE_SPELLING = MappingProxyType({"randomisation": ("STRATUM",), "adverse_events": ("AEDECOD", "AEBODSYS"),
                                 "conmeds": ("CMDECOD",)})


def one_spelling(values: pd.Series) -> pd.Series:
    """Each value of a free-text column that groups the analyses (``ONE_SPELLING``) in one spelling: values that
    differ only in letter case or spacing (``CENTRE 01``, ``Centre 01``, ``CENTRE  01 ``; ``Nausea``, ``NAUSEA``) are
    one value, spelled as most rows' value is, with single spaces (of equally frequent spellings, the first in sorted
    order); a blank stays ``""``. Such columns are typed by a randomisation system, a coder or by hand: read as
    written, a stratum spelled two ways is two strata of the stratified analyses (the CMH test, the ANCOVA's factor),
    and a term or a drug two rows of a table, without a word. Validation names each value read in another letter
    case (``spelled_as_another``).

    >>> one_spelling(pd.Series(["CENTRE 01", "Centre 01 ", "CENTRE  01", "centre 02", "", None])).tolist()
    ['CENTRE 01', 'CENTRE 01', 'CENTRE 01', 'centre 02', '', '']
    >>> one_spelling(pd.Series(["Nausea", "NAUSEA", "Nausea", "Herpes zoster"])).tolist()
    ['Nausea', 'Nausea', 'Nausea', 'Herpes zoster']
    """
    text = values.fillna("").astype(str).str.split().str.join(" ")
    key = text.str.casefold()
    counts = pd.DataFrame({"key": key, "text": text}).value_counts().reset_index(name="n")
    counts = counts.sort_values(["key", "n", "text"], ascending=[True, False, True], kind="stable")
    spelling = counts.drop_duplicates("key").set_index("key")["text"]
    return key.map(spelling).where(text != "", "")


def read_qualitative(result: pd.Series) -> pd.Series:
    """POSITIVE or NEGATIVE for each result a laboratory system writes so (``QUALITATIVE_SPELLINGS``), else NaN.

    >>> read_qualitative(pd.Series(["Negative", " pos ", "阴性", "NEGATIVE", "trace", ""])).tolist()
    ['NEGATIVE', 'POSITIVE', 'NEGATIVE', 'NEGATIVE', nan, nan]
    """
    return _read_spelled(result, QUALITATIVE_SPELLINGS)


#: Tests whose result a laboratory may report as not detected (``read_not_detected``), analysed as 0: HBV DNA, the
#: viral load of a hepatitis B reactivation, whose 0 already means not detected in an export.
NOT_DETECTED_TESTS = ("HBVDNA",)
#: How a laboratory system reports a viral load below what the assay detects, in any letter case: the words of
#: assay reports (Roche's "Target Not Detected", TND) and of the trial site's system (未检出 not detected, 未检测到 not
#: found, 低于检测下限 below the detection limit).
NOT_DETECTED_SPELLINGS = ("NOT DETECTED", "TARGET NOT DETECTED", "TND", "UNDETECTABLE", "UNDETECTED", "未检出",
                          "未检测到", "低于检测下限")
#: What ADLB's ``LBSTRESC`` holds for such a result (``AVAL`` 0).
NOT_DETECTED = "NOT DETECTED"


def read_not_detected(test: pd.Series, result: pd.Series) -> pd.Series:
    """Whether each result of a ``NOT_DETECTED_TESTS`` test is reported as not detected (``NOT_DETECTED_SPELLINGS``).

    >>> read_not_detected(pd.Series(["HBVDNA", "HBVDNA", "CRP", "HBVDNA"]),
    ...                   pd.Series(["Target Not Detected", " 未检出 ", "not detected", "24000"])).tolist()
    [True, True, False, False]
    """
    return _read_spelled(result, {NOT_DETECTED: NOT_DETECTED_SPELLINGS}).notna() & test.isin(NOT_DETECTED_TESTS)


#: How an EDC or a hand-typed sheet writes a Y/N item (``read_coded``), in any letter case: Yes/No, as an export of
#: decoded values does, and 是/否 (yes/no) as a Chinese EDC exports them.
YES_NO_SPELLINGS = MappingProxyType({"Y": ("Y", "YES", "是"), "N": ("N", "NO", "否")})
#: How an EDC exporting decoded values writes sex (CDISC SDTM codelist SEX, C66731: F Female, M Male), and a Chinese
#: EDC (女 female, 男 male).
SEX_SPELLINGS = MappingProxyType({"F": ("F", "FEMALE", "女"), "M": ("M", "MALE", "男")})


#: How an EDC exporting decoded values writes an ESSDAI domain's activity level (Seror et al. 2010: no, low, moderate
#: and high activity), in any letter case: read as the level's code, where the domain has that level.
ESSDAI_LEVEL_SPELLINGS = MappingProxyType({"0": ("NO", "NO ACTIVITY", "NONE"), "1": ("LOW", "LOW ACTIVITY"),
                                           "2": ("MODERATE", "MODERATE ACTIVITY"), "3": ("HIGH", "HIGH ACTIVITY")})


#: How an EDC exporting decoded values writes a CTCAE grade (``AETOXGR``), in any letter case: ``Grade 2``, and a
#: Chinese EDC ``2级`` (grade 2). A grade's adjective alone (``Moderate``) is not read: the severity scale (mild,
#: moderate, severe; SDTM AESEV) uses the same words and is not the CTCAE grade (CTCAE v5.0: grade 3 is "severe or
#: medically significant but not immediately life-threatening"), so such a value stops the build.
CTCAE_GRADE_SPELLINGS = MappingProxyType({str(grade): (f"GRADE {grade}", f"{grade}级") for grade in range(1, 6)})


def read_coded(var: "Variable", text: pd.Series) -> pd.Series:
    """``text`` of a coded item (a variable with allowed values) with each value that spells an allowed one another
    way written as the dictionary does: in another letter case or spacing (``n``, ``possibly
    related``, ``w12``); for a Y/N item also a spelling of ``YES_NO_SPELLINGS``, for sex one of ``SEX_SPELLINGS``, for
    a POSITIVE/NEGATIVE item one of ``QUALITATIVE_SPELLINGS``, for an ESSDAI domain's level (a number) one of
    ``ESSDAI_LEVEL_SPELLINGS``, for a CTCAE grade one of ``CTCAE_GRADE_SPELLINGS``, and a code's label of
    ``Variable.decodes`` (a visit's name in the schedule). Other values, and a column not of text, are left as they
    are, for validation to name. Only values not allowed as they are are looked at (5 ms for 570,000 laboratory visit
    codes).

    >>> read_coded(FORMS["adverse_events"].variable("AESER"), pd.Series(["N", " y", "Yes", "否", "maybe", ""])).tolist()
    ['N', 'Y', 'Y', 'N', 'maybe', '']
    >>> read_coded(FORMS["demographics"].variable("ANTISSA"), pd.Series(["阳性", "neg", "Positive"])).tolist()
    ['POSITIVE', 'NEGATIVE', 'POSITIVE']
    >>> read_coded(FORMS["demographics"].variable("SEX"), pd.Series(["Female", "男", "f", "W"])).tolist()
    ['F', 'M', 'F', 'W']
    >>> read_coded(FORMS["essdai"].variable("EDLCNS"), pd.Series(["No activity", "high", "2", "Low", ""])).tolist()
    ['0', '3', '2', 'Low', '']
    >>> read_coded(FORMS["adverse_events"].variable("AETOXGR"), pd.Series(["Grade 2", "grade 1", "3级", "Moderate"])
    ...            ).tolist()
    ['2', '1', '3', 'Moderate']
    >>> read_coded(forms_for(default_schedule())["pga"].variable("VISIT"), pd.Series(["Baseline", "WEEK 12", "W24"])
    ...            ).tolist()
    ['BL', 'W12', 'W24']
    """
    allowed = [str(a) for a in var.allowed]
    levels, grades = var.name in ESSDAI_LEVEL_PARAMCD.values(), var.name == "AETOXGR"
    if (not allowed or (var.type != "str" and not (levels or grades)) or not pd.api.types.is_string_dtype(text)
            or (as_is := text.isin([*allowed, ""])).all()):
        return text
    spellings = {a: (a, *(label for code, label in var.decodes if code == a)) for a in allowed}
    if levels:
        spellings = {a: (a, *ESSDAI_LEVEL_SPELLINGS[a]) for a in allowed}
    elif grades:
        spellings = {a: (a, *CTCAE_GRADE_SPELLINGS[a]) for a in allowed}
    elif set(allowed) == set(YES_NO):
        spellings = dict(YES_NO_SPELLINGS)
    elif set(allowed) == set(SEX_SPELLINGS):
        spellings = dict(SEX_SPELLINGS)
    elif set(allowed) == set(POS_NEG):
        spellings = dict(QUALITATIVE_SPELLINGS)
    other = text[~as_is]
    read = _read_spelled(other, spellings)
    return text.where(as_is, read.where(read.notna(), other))


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


#: Spellings of units that laboratory systems write, as ``_unit_key`` reads them (after lower case, no spaces, u for
#: micro): an hour as hr (``mm/hr``, ``g/24hr``) or 1h (``mm/1h``); a day's urine as /d or /day (``g/d``: g/24h); a
#: count per µL, which is per mm³ (``/uL``, ``cells/uL``: /mm3), or in thousands (``K/uL``: 10^3/uL); the 个 (items)
#: of a Chinese count unit (``10^9个/L``).
_UNIT_SPELLINGS = ((r"(?<=[/4])hr$", "h"), (r"/1h$", "/h"), (r"/(?:d|day)$", "/24h"), (r"^(?:cells)?/ul$", "/mm3"),
                   (r"^k/ul$", "10^3/ul"), ("个", ""))


def _unit_key(unit: pd.Series) -> pd.Series:
    """A unit as ``unit_spelled`` compares it: lower case, no spaces, u for the micro sign and Greek mu, a count's
    power of ten without the multiplication sign before it and written with ^ (``×10*9/L``, ``10⁹/L``, ``10E9/L``:
    ``10^9/l``), other superscript digits plain (``/mm³``: ``/mm3``), and the other spellings of ``_UNIT_SPELLINGS``."""
    text = unit.fillna("").astype(str).str.replace(r"\s+", "", regex=True)
    text = text.str.replace("[\u00b5\u03bc]", "u", regex=True)
    text = text.str.replace(r"^[×xX*]?10(?:[*^]|[eE](?=\d)|(?=[⁰¹²³⁴⁵⁶⁷⁸⁹]))", "10^", regex=True)
    text = text.map(lambda u: u.translate(_SUPERSCRIPTS)).str.lower()
    for pattern, spelled in _UNIT_SPELLINGS:
        text = text.str.replace(pattern, spelled, regex=True)
    return text


def unit_spelled(test: pd.Series, unit: pd.Series) -> pd.Series:
    """The accepted unit (``LAB_UNITS``) of each test that its unit spells another way, as laboratory systems write
    units: any letter case (``u/l``, ``mg/dl``), the micro sign or Greek mu for u (``µmol/L``, ``μmol/L``), a count
    unit with a multiplication sign, an asterisk, an E or a superscript (``×10^9/L``, ``10*9/L``, ``10E9/L``,
    ``×10⁹/L``, ``/mm³``), per µL (``/uL``, ``K/uL``), an hour as hr (``mm/hr``), a day as d (``g/d``), and spaces
    (``10^9 /L``). No two accepted units of a test are the same under these rules
    (``tests/test_cleaning.py``), so the reading is certain. A unit that spells no accepted one is returned
    stripped, as it is (validation names it).

    >>> unit_spelled(pd.Series(["CREAT", "WBC", "PLAT", "ALT", "ALT"]),
    ...              pd.Series(["µmol/L", "×10⁹/L", "10*9/L", "iu/l", "kat/L"])).tolist()
    ['umol/L', '10^9/L', '10^9/L', 'IU/L', 'kat/L']
    >>> unit_spelled(pd.Series(["ESR", "WBC", "PLAT", "UPROT", "WBC"]),
    ...              pd.Series(["mm/hr", "10E9/L", "K/uL", "mg/day", "cells/µL"])).tolist()
    ['mm/h', '10^9/L', '10^3/uL', 'mg/24h', '/mm3']
    """
    spellings = {f"{t}|{key}": u for t, units in LAB_UNITS.items()
                 for u, key in zip(units, _unit_key(pd.Series(list(units))))}
    found = (test.astype(str) + "|" + _unit_key(unit)).map(spellings)
    return found.fillna(unit.fillna("").astype(str).str.strip())


def past_hepatitis_b(demographics: pd.DataFrame) -> pd.Series:
    """Past (resolved) hepatitis B of each patient of the typed ``demographics`` form: anti-HBc ``POSITIVE`` and HBsAg
    not ``POSITIVE`` (negative, or not recorded). The baricitinib label's group whose HBV DNA is monitored (anti-HBc
    positive, HBsAg negative; Olumiant HCP treatment considerations); HBsAg positive is a current infection. ADSL's
    ``HBVHXFL`` and validation's query ``hbv_dna_not_monitored`` read it.

    >>> past_hepatitis_b(pd.DataFrame({"ANTIHBC": ["POSITIVE", "POSITIVE", "POSITIVE", "NEGATIVE"],
    ...                                "HBSAG": ["NEGATIVE", None, "POSITIVE", "NEGATIVE"]})).tolist()
    [True, True, False, False]
    """
    return ((demographics["ANTIHBC"] == "POSITIVE") & (demographics["HBSAG"] != "POSITIVE")).fillna(False).astype(bool)


def unit_factors(test: pd.Series, unit: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each laboratory result's factor to its test's standard unit (``LAB_UNITS``) and its unit as read: stripped,
    another spelling of an accepted unit read as that unit (``unit_spelled``). The factor is missing for a test or a
    unit not accepted (validation's rule ``unknown_unit`` names it). ADLB (``cleaning.standardize_labs``) and
    validation read units with it.

    >>> factor, read = unit_factors(pd.Series(["HGB", "CREAT", "HGB", None]),
    ...                             pd.Series(["g/dL", " µmol/L", "mg", "umol/L"]))
    >>> factor.tolist(), read.tolist()
    ([10.0, 1.0, nan, nan], ['g/dL', 'umol/L', 'mg', 'umol/L'])
    """
    unit = unit.fillna("").astype(str).str.strip()

    def factors(unit: pd.Series) -> pd.Series:  # by the few distinct tests and units, not row by row
        tests, test_names = pd.factorize(test, use_na_sentinel=False)  # a blank test: a name of its own, no factor
        units, unit_names = pd.factorize(unit)
        table = np.array([[LAB_UNITS.get(t, {}).get(u, np.nan) for u in unit_names] for t in test_names], dtype=float)
        return pd.Series(table.reshape(len(test_names), len(unit_names))[tests, units], index=test.index)

    factor = factors(unit)
    if factor.isna().any():
        unit = unit.where(factor.notna(), unit_spelled(test[factor.isna()], unit[factor.isna()]))
        factor = factors(unit)
    return factor, unit


@dataclass(frozen=True)
class Variable:
    """One variable (column) of a raw form."""

    name: str
    type: str
    description: str
    unit: str = ""
    allowed: tuple = ()
    low: float | None = None
    high: float | None = None
    required: bool = True
    query_missing: bool = True
    identifier: bool = False
    min_digits: int = 0
    column_required: bool = True
    format: tuple = ()
    #: A date whose day, or month and day, may be unknown (``2021-08``, ``2019``): imputed by ``partial_dates``.
    partial: bool = False
    #: What a blank value means and what the analysis does with it, as an interim export holds it (``"not yet
    #: assessed: counted as related"``): said after the description and in its data query (``missing_item``).
    blank: str = ""
    #: ``(code, label)`` pairs: the label an EDC exporting decoded values writes for an allowed code, read as the code
    #: (``read_coded``; a visit's name in the schedule, ``Week 12`` for ``W12``: ``forms_for``).
    decodes: tuple = ()

    @property
    def full_description(self) -> str:
        """The description, and what a blank means (``blank``)."""
        return self.description + (f" Blank: {self.blank}." if self.blank else "")

    @property
    def pattern(self) -> str:
        """Return the regular expression a value must match in full (``""``: any text).

        A code declared with ``min_digits`` is digits only, at least that many, zero-padded
        (``"008"``): an identifier, text that looks like a number. A variable declared with
        ``format = (regular expression, its meaning in words)`` matches that expression.
        """
        if self.format:
            return self.format[0]
        return f"[0-9]{{{self.min_digits},}}" if self.min_digits else ""

    def allowed_text(self) -> str:
        """Return the allowed values or range as one line of text."""
        if self.min_digits:
            return (f"digits only, at least {self.min_digits}, zero-padded "
                    f"(e.g. {'1'.zfill(self.min_digits)}); text, not a number")
        if self.format:
            return self.format[1]
        if self.allowed:
            return ", ".join(str(a) if a != "" else '""' for a in self.allowed)
        if self.low is not None or self.high is not None:
            lo = "" if self.low is None else f"{self.low:g}"
            hi = "" if self.high is None else f"{self.high:g}"
            return f"{lo} to {hi}" if lo and hi else (f">= {lo}" if lo else f"<= {hi}")
        return ""


@dataclass(frozen=True)
class Form:
    """One CRF form: a CSV file or a workbook sheet, with its unique key.

    ``rows_required``: an export whose form has a header but no data rows stops (rule ``no_rows``).
    ``optional``: the file may be absent altogether (``randomisation``: a single-arm study; ``schedule``:
    the pilot's visit schedule, ``DEFAULT_SCHEDULE``).
    Forms that hold what may not have happened (no adverse event, no concomitant medication, no
    patient with interstitial lung disease, no patient finished yet) may be empty: an empty one is a
    data query (``empty_form``), so that an empty file is still looked at.
    """

    name: str
    description: str
    variables: tuple
    keys: tuple
    rows_required: bool = True
    optional: bool = False

    @property
    def columns(self) -> tuple:
        """Return the variable names in file order."""
        return tuple(v.name for v in self.variables)

    def variable(self, name: str) -> Variable:
        """Return the variable called ``name``."""
        return next(v for v in self.variables if v.name == name)


def _v(name, type_, description, **kw) -> Variable:
    return Variable(name, type_, description, **kw)


#: Digits of a subject number at least (zero-padded, ``"008"``); every subject of an export has the
#: same number of digits (the synthetic trial: 3 for 11 patients, 5 for 10,000).
SUBJID_DIGITS = 3
#: Digits of a site number at least (zero-padded, ``"01"``).
SITEID_DIGITS = 2
_SUBJID = _v("SUBJID", "str", "Subject number, the key of every form: unique in the study, across sites (a "
             "multi-centre study numbers its subjects across sites, or includes the site, as 01001); the same number "
             "of digits for every subject.", min_digits=SUBJID_DIGITS)
_SITEID = _v("SITEID", "str", "Site number: the centre of the subject (a multi-centre study has several).",
             min_digits=SITEID_DIGITS)
#: The pilot's visits by name (``Variable.decodes``), as ``forms_for`` gives them for its schedule.
_PILOT_DECODES = tuple(VISIT_LABELS.items())
_VISIT = _v("VISIT", "str", "Visit code of the schedule (form schedule; without it BL baseline (day 1, first "
            "dose), W12 week 12, W24 week 24), or its name there (Week 12). A row at an unscheduled visit (UNS, or "
            "numbered UNS1, UNS2) is not read: a data query; nor is one at screening (SCR, Screening): one data "
            "query per form.", allowed=VISIT_CODES, decodes=_PILOT_DECODES)
_YN = {"allowed": YES_NO}


#: Format of a study identifier (``STUDYID``, the prefix of every ``USUBJID``): non-empty text without
#: spaces, tabs or line breaks (a regular expression matched in full, and its meaning). Any such identifier
#: is accepted: the pilot's registry number NCT04916756, a sponsor's code such as BARI-PSS-RCT.
STUDYID_FORMAT = (r"\S+", "text without spaces (e.g. NCT04916756 or BARI-PSS-RCT)")


def _study_form() -> Form:
    optional = {"required": False, "query_missing": False, "column_required": False}
    return Form("study", "One row describing the export: the study's identity (identifier, title, registry "
                "number, reference, design) and the export's flags. Where the optional columns are absent "
                "or blank, an export with the pilot's STUDYID gets the pilot's title, ClinicalTrials.gov number, "
                "publication and design; another study gets 'Study <STUDYID>' as its title.", (
        _v("STUDYID", "str", "Study identifier (CDISC STUDYID), the prefix of every USUBJID "
           "(STUDYID-SITEID-SUBJID): a registry number (the pilot: NCT04916756) or a sponsor's code.",
           format=STUDYID_FORMAT),
        replace(_SITEID, description="Site number of a single-centre study. Optional: blank or absent in a "
                "multi-centre export, whose subjects' sites are demographics SITEID (never compared with it).",
                **optional),
        _v("SYNTHETIC", "str", "Y when the export is the invented synthetic trial, N for real data.", **_YN),
        _v("EXPORTDT", "date", "Date of the EDC export."),
        _v("TITLE", "str", "Study title (CDISC trial summary parameter TITLE), shown on the report's title page.",
           **optional),
        _v("REGID", "str", "Registry identifier (CDISC trial summary parameter REGID): a ClinicalTrials.gov number "
           "(NCT and 8 digits, shown as 'ClinicalTrials.gov NCT...'), or another registry's name and number. "
           "Blank: none.", **optional),
        _v("REFERENCE", "str", "Publication describing the study (the results, or the protocol), with its doi.",
           **optional),
        _v("DESIGN", "str", "Design in one line (centres, blinding, arms, duration).", **optional),
        _v("TBLIND", "str", "Blinding of a randomised trial (CDISC trial summary parameter TBLIND), which the key "
           "findings' caveat and the methods state (open-label, single-blind and double-blind read as these). "
           "Blank: open label (the pilot and its follow-on trial).",
           allowed=BLINDINGS, decodes=tuple((code, words) for code, words in BLINDING_WORDS.items()), **optional),
    ), ("STUDYID",))


@dataclass(frozen=True)
class StudyIdentity:
    """Who the export says the study is (form ``study``): the title page and every ``USUBJID`` use it.

    ``regid`` is the registry identifier as given (``REGID``); ``registry`` names its registry when the
    identifier says which (``CLINICALTRIALS_GOV``).
    """

    studyid: str
    title: str
    regid: str = ""
    reference: str = ""
    design: str = ""
    blinding: str = OPEN_LABEL

    @property
    def registry(self) -> str:
        """Return the registry identifier with its registry: ``ClinicalTrials.gov NCT04916756``; ``""`` when none.

        >>> StudyIdentity("X", "T", regid="NCT04916756").registry, StudyIdentity("X", "T", regid="ChiCTR1").registry
        ('ClinicalTrials.gov NCT04916756', 'ChiCTR1')
        """
        prefix, pattern = CLINICALTRIALS_GOV
        return f"{prefix} {self.regid}" if re.fullmatch(pattern, self.regid) else self.regid


#: A ClinicalTrials.gov identifier ("NCT Number": "NCT" followed by an 8-digit number; ClinicalTrials.gov
#: glossary): (registry name, regular expression of its numbers).
CLINICALTRIALS_GOV = ("ClinicalTrials.gov", r"NCT[0-9]{8}")
#: The pilot's identity: what an export with the pilot's STUDYID and no other study column gives.
PILOT_STUDY = StudyIdentity(STUDYID, STUDY_TITLE, regid=STUDYID, reference=STUDY_REFERENCE, design=STUDY_DESIGN)
#: The columns of the study form read by ``study_identity`` -> the field of ``StudyIdentity``.
_IDENTITY_COLUMNS = MappingProxyType({"TITLE": "title", "REGID": "regid", "REFERENCE": "reference",
                                      "DESIGN": "design", "TBLIND": "blinding"})


def study_identity(study: pd.DataFrame | None) -> StudyIdentity:
    """Return the study's identity from the ``study`` form (text or typed; its first row).

    ``STUDYID`` as given (stripped); each optional column (``TITLE``, ``REGID``, ``REFERENCE``, ``DESIGN``)
    as given, or, absent or blank, the pilot's value (``PILOT_STUDY``) when the STUDYID is the pilot's,
    else blank (the title: ``"Study <STUDYID>"``). No form, or no STUDYID: the pilot's identity (the
    analysis datasets of an export without its study form are the pilot's, as before the form had these
    columns).

    Examples
    --------
    >>> study_identity(pd.DataFrame({"STUDYID": ["NCT04916756"], "SITEID": ["01"]})) == PILOT_STUDY
    True
    >>> s = study_identity(pd.DataFrame({"STUDYID": ["BARI-PSS-RCT"], "TITLE": ["A randomized study"]}))
    >>> s.studyid, s.title, s.registry, s.design
    ('BARI-PSS-RCT', 'A randomized study', '', '')
    >>> study_identity(pd.DataFrame({"STUDYID": ["ABC-1"]})).title
    'Study ABC-1'
    >>> study_identity(pd.DataFrame({"STUDYID": ["ABC-1"], "TBLIND": ["Double-blind "]})).blinding
    'DOUBLE BLIND'
    """
    if study is None or "STUDYID" not in study or study.empty:
        return PILOT_STUDY
    row = study.iloc[0]

    def text(column: str) -> str:
        value = row.get(column)
        return "" if value is None or pd.isna(value) else str(value).strip()

    studyid = text("STUDYID")
    if not studyid:
        return PILOT_STUDY
    default = PILOT_STUDY if studyid == PILOT_STUDY.studyid else StudyIdentity(studyid, f"Study {studyid}")
    given = {field: text(column) for column, field in _IDENTITY_COLUMNS.items()}
    given["blinding"] = " ".join(given["blinding"].upper().replace("-", " ").split())  # as validation reads it
    return replace(default, studyid=studyid, **{field: value for field, value in given.items() if value})


def _demographics_form() -> Form:
    return Form("demographics", "Demographics and baseline characteristics, one row per subject.", (
        _SUBJID,
        _SITEID,
        _v("INITIALS", "str", "Name initials (a pseudonymised export leaves them out).", identifier=True,
           required=False, query_missing=False, column_required=False),
        _v("HOSPNO", "str", "Hospital record number (a pseudonymised export leaves it out).",
           identifier=True, required=False, query_missing=False, column_required=False),
        _v("CONSDT", "date", "Date of informed consent."),
        _v("AGE", "int", "Age at consent.", unit="years", low=18, high=100),
        _v("SEX", "str", "Sex.", allowed=("F", "M")),
        _v("RACE", "str", "Race (CDISC terminology).",
           allowed=("ASIAN", "WHITE", "BLACK OR AFRICAN AMERICAN", "OTHER")),
        _v("ETHNIC", "str", "Ethnicity (CDISC terminology): Hispanic or Latino or not, as the FDA asks. A CRF that "
           "does not collect it (one of China records the ethnic group, 民族, instead) leaves the column out: the "
           "demographics table then has no ethnicity.",
           allowed=("HISPANIC OR LATINO", "NOT HISPANIC OR LATINO", "NOT REPORTED"), required=False,
           column_required=False, blank="not recorded; counted as missing in the demographics table"),
        _v("HEIGHT", "float", "Height at baseline.", unit="cm", low=120, high=220, required=False,
           blank="not measured; the patient's BMI is missing"),
        _v("WEIGHT", "float", "Weight at baseline.", unit="kg", low=30, high=200, required=False,
           blank="not measured; the patient's BMI is missing"),
        _v("DIAGDT", "date", "Date of diagnosis of primary Sjögren's syndrome.", partial=True, required=False,
           blank="not known; the patient's disease duration is missing"),
        _v("ANTISSA", "str", "Anti-SSA/Ro antibody.", allowed=POS_NEG),
        _v("ANTISSB", "str", "Anti-SSB/La antibody.", allowed=POS_NEG),
        _v("ANTIHBC", "str", "Anti-HBc antibody (past hepatitis B infection when positive).", allowed=POS_NEG),
        _v("HBSAG", "str", "Hepatitis B surface antigen.", allowed=POS_NEG),
        _v("ILD", "str", "Interstitial lung disease at baseline (HRCT).", **_YN),
    ), ("SUBJID",))


#: Entry questions of the 2016 ACR/EULAR criteria (Shiboski CH et al. Ann Rheum Dis 2017;76:9-16).
ACR_EULAR_ENTRY = MappingProxyType({
    "ENTRY1": "Daily, persistent, troublesome dry eyes for more than 3 months",
    "ENTRY2": "Recurrent sensation of sand or gravel in the eyes",
    "ENTRY3": "Use of tear substitutes more than 3 times a day",
    "ENTRY4": "Daily feeling of dry mouth for more than 3 months",
    "ENTRY5": "Frequently drinking liquids to aid in swallowing dry food",
    "ENTRY6": "Suspicion of Sjögren's syndrome from the ESSDAI (at least one domain with a positive item)",
})
#: Exclusion criteria of the 2016 ACR/EULAR criteria (prior diagnosis of ...; Shiboski et al. 2017).
ACR_EULAR_EXCLUSION = MappingProxyType({
    "ACREX1": "History of head and neck radiation treatment",
    "ACREX2": "Active hepatitis C infection (PCR confirmed)",
    "ACREX3": "Acquired immunodeficiency syndrome",
    "ACREX4": "Sarcoidosis",
    "ACREX5": "Amyloidosis",
    "ACREX6": "Graft-versus-host disease",
    "ACREX7": "IgG4-related disease",
})
#: Protocol inclusion criteria as answered on the CRF (registered eligibility, ClinicalTrials.gov NCT04916756).
PROTOCOL_INCLUSION = MappingProxyType({
    "INC1": "Fulfils the 2016 ACR/EULAR classification criteria for primary Sjögren's syndrome",
    "INC2": "Moderate or high disease activity (ESSDAI >= 5)",
    "INC3": "Serological activity: elevated CRP, ESR and/or IgG",
    "INC4": "Age 18 years or older",
})
#: Protocol exclusion criteria as answered on the CRF (registered eligibility, ClinicalTrials.gov NCT04916756).
PROTOCOL_EXCLUSION = MappingProxyType({
    "EXC1": "Active CNS disease or dysfunction of a major organ (heart, liver, kidney)",
    "EXC2": "Pregnancy or lactation",
    "EXC3": "Current severe infection",
    "EXC4": "Glucocorticoids or immunosuppressants at a stable dose for less than 12 weeks",
})


def _eligibility_form() -> Form:
    items = (
        _v("ELIGDT", "date", "Date of the eligibility assessment (screening)."),
        _v("FOCUSSC", "float", "Labial salivary gland biopsy focus score (blank: not done).",
           unit="foci/4 mm2", low=0, high=12, required=False, query_missing=False),
        _v("OSS", "int", "Ocular Staining Score, worse eye (blank: not done).", low=0, high=12,
           required=False, query_missing=False),
        _v("SCHIRMER", "float", "Schirmer's test, worse eye (blank: not done).", unit="mm/5 min",
           low=0, high=35, required=False, query_missing=False),
        _v("UWSFR", "float", "Unstimulated whole saliva flow rate (blank: not done).", unit="mL/min",
           low=0, high=2, required=False, query_missing=False),
    )
    answers = tuple(
        _v(code, "str", f"{text} (Y/N).", **_YN)
        for code, text in {**ACR_EULAR_ENTRY, **ACR_EULAR_EXCLUSION, **PROTOCOL_INCLUSION,
                           **PROTOCOL_EXCLUSION}.items()
    )
    return Form("eligibility", "Eligibility: 2016 ACR/EULAR items, entry and exclusion criteria, "
                "protocol inclusion and exclusion answers; one row per subject.",
                (_SUBJID, *items, *answers), ("SUBJID",))


#: Optional columns of a form holding the score the eCRF computed (an EDC computes ESSDAI and ESSPRI as they are
#: entered): by form, the column. The analysis computes every score from the items; validation compares
#: (rule ``score_differs``).
CRF_TOTALS = MappingProxyType({"essdai": "ESSDAI", "esspri": "ESSPRI"})


def _visit_forms() -> tuple:
    levels = tuple(
        _v(ESSDAI_LEVEL_PARAMCD[d], "int", f"ESSDAI {d} domain activity level (weight {scoring.ESSDAI_WEIGHTS[d]}: "
           f"the domain scores {scoring.ESSDAI_WEIGHTS[d]} x the level; Seror et al. 2010).",
           allowed=tuple(sorted(scoring.ESSDAI_ALLOWED_LEVELS[d])), required=False,
           blank="not assessed; the visit's ESSDAI is missing, never scored as if the domain had no activity")
        for d in ESSDAI_DOMAINS
    )
    esspri = tuple(
        _v(code, "int", f"ESSPRI {item} (0-10 numerical rating scale).", low=0, high=10, required=False)
        for item, code in ESSPRI_ITEM_PARAMCD.items()
    )
    return (
        Form("visits", "Visits: one row per subject and visit.", (
            _SUBJID, _VISIT, _v("VISITDT", "date", "Visit date."),
        ), ("SUBJID", "VISIT")),
        Form("essdai", "ESSDAI domain activity levels per visit (Seror et al. 2010, 12 domains), with the "
             "attribution of haematological findings.", (
                 _SUBJID, _VISIT, *levels,
                 _v(HAEM_ATTRIBUTION_PARAMCD, "str", "Cytopenia disease-related (auto-immune): Y; N when "
                    "there is no cytopenia or it has another cause (e.g. drug-induced lymphopenia).", **_YN),
                 _v(CRF_TOTALS["essdai"], "int", "ESSDAI total as the eCRF computed it. Optional column: "
                    "compared with the total of the domain levels, never used (a data query when they differ).",
                    low=0, high=123, required=False, query_missing=False, column_required=False),
             ), ("SUBJID", "VISIT")),
        Form("esspri", "ESSPRI items per visit (Seror et al. 2011).", (
            _SUBJID, _VISIT, *esspri,
            _v(CRF_TOTALS["esspri"], "float", "ESSPRI (mean of the items) as the eCRF computed it. Optional "
               "column: compared with the mean of the items, never used (a data query when they differ by more "
               "than the rounding of one decimal).", low=0, high=10, required=False, query_missing=False,
               column_required=False),
        ), ("SUBJID", "VISIT")),
        Form("pga", "Physician global assessment of disease activity per visit, 0-10 scale (docs/decisions.md (d)).", (
            _SUBJID, _VISIT,
            _v("PGA", "float", "Physician global assessment (0-10).", low=0, high=10, required=False),
        ), ("SUBJID", "VISIT")),
        Form("ild", "Interstitial lung disease assessment at weeks 12 and 24, patients with ILD at baseline.", (
            _SUBJID, _v("VISIT", "str", "Visit code (W12, W24).", allowed=("W12", "W24"), decodes=_PILOT_DECODES),
            _v("ILDSYMP", "str", "Respiratory symptoms versus baseline.", allowed=("IMPROVED", "STABLE", "WORSENED")),
            _v("ILDHRCT", "str", "HRCT change versus baseline.", allowed=("IMPROVED", "STABLE", "PROGRESSED")),
        ), ("SUBJID", "VISIT"), rows_required=False),
    )


def _labs_form() -> Form:
    return Form("labs", "Laboratory results in long form: one row per subject, test and sample date.", (
        _SUBJID,
        _v("VISIT", "str", "Visit code of the sample (UNS: unscheduled; SCR: screening).",
           allowed=(*VISIT_CODES, *OFF_SCHEDULE),
           decodes=_PILOT_DECODES),
        _v("LBDT", "date", "Sample date."),
        _v("LBTESTCD", "str", "Test code (vocabulary.LAB_PARAMS). Another test (GGT, ALB, of a full liver panel) "
           "is not read: a data query per test. A test of the list under a code laboratory systems give it (TBIL, "
           "PLT, GPT: docs/data_dictionary.md, Laboratory test codes) stops the run, naming the code to write.",
           allowed=tuple(LAB_PARAMS)),
        _v("LBORRES", "str", "Result as reported: a number, or POSITIVE/NEGATIVE for MCOMP and CRYO (also in any "
           "letter case, POS/NEG, 阳性/阴性); HBV DNA 0 means not detected (also written Target Not Detected, TND "
           "or 未检出, a data query). A result beyond a limit of quantification, as <0.8 or >140 (also <=, >=, ≤, ≥, "
           "＜, ＞; the limit also as 2.00E+01), is a data query and is analysed as half a lower limit or as an upper "
           "limit. An abnormal flag after a number (45 H, 3.2↓, *) is left out.",
           required=False),
        _v("LBORRESU", "str", "Unit as reported (accepted units per test: docs/data_dictionary.md, Laboratory units; "
           "also in any letter case, with µ or μ for u, a count as ×10⁹/L, 10*9/L, /uL or K/uL, an hour as hr, a day's urine as /d).",
           required=False, query_missing=False),
        _v("LBORNRLO", "float", "Reference range lower limit, in the reported unit.", low=0, required=False,
           query_missing=False),
        _v("LBORNRHI", "float", "Reference range upper limit, in the reported unit.", low=0, required=False,
           query_missing=False),
    ), ("SUBJID", "LBTESTCD", "LBDT"))


def _safety_forms() -> tuple:
    return (
        Form("adverse_events", "Adverse events, one row per event.", (
            _SUBJID,
            _v("AESPID", "int", "Event number within the subject.", low=1),
            _v("AETERM", "str", "Verbatim term as reported."),
            _v("AEDECOD", "str", "MedDRA preferred term, in English (in any letter case: one spelling is read).",
               required=False, blank="not yet coded; counted as 'Not yet coded' in the tables"),
            _v("AEBODSYS", "str", "MedDRA primary system organ class, in English (in any letter case: one spelling is "
               "read).", required=False,
               blank="not yet coded; counted as 'Not yet coded' in the tables"),
            _v("AESTDT", "date", "Start date.", partial=True),
            _v("AEENDT", "date", "End date (blank: ongoing).", required=False, query_missing=False, partial=True),
            _v("AESER", "str", "Serious adverse event. Required even in an interim export: seriousness decides "
               "expedited reporting, so it is known when the event is entered.", **_YN),
            _v("AETOXGR", "int", "CTCAE v5.0 grade (also read written Grade 2 or 2级).", allowed=(1, 2, 3, 4, 5),
               required=False,
               blank="not yet assessed; not imputed ('Missing' in the table by maximum grade, in no 'grade >= 3' row)"),
            _v("AEREL", "str", "Relationship to the study treatment the patient was taking (baricitinib; in a trial "
               "with an active control, also the control arm's drug, as HCQ alone).",
               allowed=("RELATED", "POSSIBLY RELATED", "UNLIKELY RELATED", "NOT RELATED"), required=False,
               blank="not yet assessed; counted as related"),
            _v("AEACN", "str", "Action taken with the study treatment the patient was taking (baricitinib, or an "
               "active control's drug; CDISC codelist ACN, C66767, but DOSE RATE REDUCED, an infusion's; NOT "
               "APPLICABLE: no study drug at the time, as before the first dose).",
               allowed=("DOSE NOT CHANGED", "DOSE REDUCED", "DOSE INCREASED", "DRUG INTERRUPTED", "DRUG WITHDRAWN",
                        "NOT APPLICABLE", "UNKNOWN"), required=False,
               blank="not yet recorded; in no row of events leading to discontinuation"),
            _v("AEOUT", "str", "Outcome.", required=False, blank="not yet recorded; in no row of events with fatal "
               "outcome", allowed=(
                "RECOVERED/RESOLVED", "RECOVERING/RESOLVING", "NOT RECOVERED/NOT RESOLVED",
                "RECOVERED/RESOLVED WITH SEQUELAE", OUTCOME_FATAL, "UNKNOWN")),
        ), ("SUBJID", "AESPID"), rows_required=False),
        Form("conmeds", "Concomitant medications, one row per medication record.", (
            _SUBJID,
            _v("CMSPID", "int", "Record number within the subject.", low=1),
            _v("CMTRT", "str", "Medication as reported."),
            _v("CMDECOD", "str", "Standardised medication name (WHODrug's, as PREDNISONE; in any letter case: one "
               "spelling is read).", required=False,
               blank="not yet coded; counted as 'Not yet coded' in the tables (a glucocorticoid taken during the "
                     "study needs its name for the prednisone equivalent)"),
            _v("CMCLAS", "str", "Medication class.",
               allowed=("GLUCOCORTICOID", "ANTIMALARIAL", "IMMUNOSUPPRESSANT", "OTHER")),
            _v("CMDOSE", "float", "Dose per administration.", low=0, required=False, query_missing=False),
            _v("CMDOSU", "str", "Dose unit.", allowed=("mg", "g", "ug", "IU", "mL", "drop", ""),
               required=False, query_missing=False),
            _v("CMDOSFRQ", "str", "Dosing frequency.", allowed=("QD", "BID", "TID", "QID", "QOD", "QW", "PRN", ""),
               required=False, query_missing=False),
            _v("CMSTDT", "date", "Start date.", partial=True),
            _v("CMENDT", "date", "End date (blank: ongoing).", required=False, query_missing=False, partial=True),
        ), ("SUBJID", "CMSPID"), rows_required=False),
        Form("exposure", "Study treatment exposure, one row per subject and treatment period: one row when the "
             "treatment never changed; a treatment switch (the week-12 switch of a randomised trial) starts a "
             "new row with the new treatment (EXTRT) and the date of its first dose.", (
            _SUBJID,
            _v("EXTRT", "str", "Treatment taken in the period: an arm of the arms form (without it, the pilot's "
               "single arm or the follow-on trial's arms, listed here). Optional column: absent or blank, the "
               "randomised arm (the single arm of a study without randomisation).", allowed=TREATMENTS,
               required=False, query_missing=False, column_required=False),
            _v("EXDOSE", "float", "Daily dose of baricitinib (0 in a period of an arm without baricitinib, as "
               "hydroxychloroquine alone; in a period of a treatment with baricitinib, an interruption: no day of it "
               "dosed).", unit="mg", allowed=(),
               low=0, high=4),
            _v("EXSTDT", "date", "Date of the first dose of the period."),
            _v("EXENDT", "date", "Date of the last dose of the period.", required=False, query_missing=False,
               blank="still on treatment at the export (the last period of a patient without an end of study); the "
                     "period runs to the data cut"),
            _v("EXMISSED", "int", "Daily doses missed between first and last dose of the period (tablet count).",
               low=0, required=False, blank="not yet counted (the tablets not yet returned); the patient's cumulative "
               "dose and adherence are not computed, never as if no dose were missed"),
        ), ("SUBJID", "EXSTDT")),
        Form("disposition", "End of study, one row per subject.", (
            _SUBJID,
            _v("DSDECOD", "str", "Status at end of study: COMPLETED, or the reason for discontinuation.",
               allowed=("COMPLETED", SCREEN_FAILURE, "ADVERSE EVENT", "LOST TO FOLLOW-UP", "WITHDRAWAL BY SUBJECT",
                        "LACK OF EFFICACY", "PHYSICIAN DECISION", DISPOSITION_DEATH, "OTHER")),
            _v("DSSTDT", "date", "Date of completion or discontinuation."),
        ), ("SUBJID",), rows_required=False),
    )


def _design_forms() -> tuple:
    return (
        Form("randomisation", "Randomisation, one row per randomised subject (optional: absent for a "
             "single-arm study). Every dosed subject of a randomised export must have a row.", (
                 _SUBJID,
                 _v("RANDDT", "date", "Date of randomisation (on or after consent and eligibility, on or before "
                    "the first dose)."),
                 _v("ARM", "str", "Arm randomised to: an arm of the arms form (without it, the follow-on trial's "
                    "arms, listed here).", allowed=tuple(RANDOMISED_ARMS)),
                 _v("STRATUM", "str", "Stratum of the randomisation (e.g. the centre; ADSL STRAT1R), by which the "
                    "between-arm analyses are stratified; blank for every patient when not stratified (then by "
                    "centre). Values that differ only in letter case or spacing are one stratum.",
                    required=False, query_missing=False),
             ), ("SUBJID",), optional=True),
        Form("arms", "Arms of a randomised trial, one row per arm (optional: absent, the follow-on trial's arms, "
             "HCQ 400 mg and Baricitinib 4 mg + HCQ 400 mg). The arm of the lowest code is the reference arm of "
             "every between-arm comparison; an arm without baricitinib (DOSE 0) is the control arm whose "
             "non-responders the protocol may switch at week 12.", (
                 _v("ARM", "str", "Arm name, as the randomisation form's ARM and the exposure form's EXTRT name it."),
                 _v("ARMN", "int", "Code of the arm (ADSL TRT01PN): the reference arm lowest.", low=0, high=99),
                 _v("DOSE", "float", "Daily dose of baricitinib planned in the arm (ADSL DOSE01P; 0: an arm without "
                    "baricitinib).", unit="mg", allowed=(), low=0, high=4),
             ), ("ARM",), optional=True),
        Form("schedule", "Visit schedule of the protocol, one row per scheduled visit (optional: absent, the "
             "pilot's schedule BL, W12, W24). The baseline visit BL has week 0; a visit's window holds its "
             "target study day, 7 x week + 1.", (
                 _v("VISIT", "str", "Visit code used by every visit-coded form (BL: baseline)."),
                 _v("AVISIT", "str", "Analysis visit label (e.g. Week 4)."),
                 _v("AVISITN", "int", "Planned study week of the visit (AVISITN).", low=0, high=520),
                 _v("WINLO", "int", "First study day of the visit window (day 1 = first dose)."),
                 _v("WINHI", "int", "Last study day of the visit window."),
             ), ("VISIT",), optional=True),
    )


#: Every form of the raw export, in file order.
FORMS = MappingProxyType({f.name: f for f in (
    _study_form(), _demographics_form(), _eligibility_form(), *_visit_forms(), _labs_form(), *_safety_forms(),
    *_design_forms(),
)})

#: Columns of a visit schedule (form ``schedule``).
SCHEDULE_COLUMNS = FORMS["schedule"].columns
#: Forms whose ``VISIT`` takes the codes of the schedule: every visit, post-baseline visits only, or every
#: visit and ``OFF_SCHEDULE``.
_SCHEDULED_VISIT_FORMS = MappingProxyType({"visits": "all", "essdai": "all", "esspri": "all", "pga": "all",
                                           "ild": "post", "labs": "unscheduled"})


def default_schedule() -> pd.DataFrame:
    """Return the pilot's visit schedule (used when an export has no ``schedule`` form).

    Baseline (week 0, study day -28 to 1), week 12 and week 24 (target day +/- 14, ``VISIT_WINDOWS``).

    Examples
    --------
    >>> default_schedule().values.tolist()
    [['BL', 'Baseline', 0, -28, 1], ['W12', 'Week 12', 12, 71, 99], ['W24', 'Week 24', 24, 155, 183]]
    """
    rows = [(BASELINE, VISITS[BASELINE][0], VISITS[BASELINE][1], *BASELINE_WINDOW)]
    rows += [(code, VISITS[code][0], VISITS[code][1], t - w, t + w) for code, (t, w) in VISIT_WINDOWS.items()]
    return pd.DataFrame(rows, columns=list(SCHEDULE_COLUMNS)).astype({"AVISITN": "int64", "WINLO": "int64",
                                                                       "WINHI": "int64"})


#: Columns of the arms of a randomised trial (form ``arms``).
ARMS_COLUMNS = FORMS["arms"].columns


def default_arms() -> pd.DataFrame:
    """Return the arms of the follow-on randomised trial (used when an export has no ``arms`` form):
    ``RANDOMISED_ARMS`` with their daily doses of baricitinib (``ARM_DOSES``), by code.

    Examples
    --------
    >>> default_arms().values.tolist()
    [['HCQ 400 mg', 1, 0.0], ['Baricitinib 4 mg + HCQ 400 mg', 2, 4.0]]
    """
    return pd.DataFrame([(arm, code, ARM_DOSES[arm]) for arm, code in RANDOMISED_ARMS.items()],
                        columns=list(ARMS_COLUMNS)).sort_values("ARMN", kind="stable").reset_index(drop=True)


def without_baricitinib(arms: pd.DataFrame) -> tuple:
    """Return the arms of ``arms`` (form ``arms``) without baricitinib (``DOSE`` 0): the control arms, whose
    periods have no dose of baricitinib and whose patients the protocol may switch.

    >>> without_baricitinib(default_arms())
    ('HCQ 400 mg',)
    """
    return tuple(arms.loc[arms["DOSE"].eq(0), "ARM"].astype(str))


def forms_for(schedule: pd.DataFrame, arms: pd.DataFrame | None = None) -> MappingProxyType:
    """Return ``FORMS`` with the ``VISIT`` codes of the visit-coded forms taken from ``schedule``, and the arms of the
    randomisation (``ARM``) and exposure (``EXTRT``) forms from ``arms``: the names of an export's ``arms`` form, each
    row's (its code or dose valid or not: a mistyped dose is that row's error, not one of every patient of the arm),
    or the arms validation allows an export without one (``validation._allowed_arms``); ``None``: the dictionary's own
    (``RANDOMISED_ARMS``, and in ``EXTRT`` the pilot's single arm too), as the data dictionary lists them.

    The pilot's schedule and no arms give ``FORMS`` unchanged; a schedule of weeks 0-24 every 4 weeks allows
    ``BL, W4, ..., W24`` in ``visits``, ``essdai``, ``esspri``, ``pga``, those and ``UNS`` in ``labs``,
    and the post-baseline codes in ``ild``.

    Examples
    --------
    >>> forms_for(default_schedule())["ild"].variable("VISIT").allowed
    ('W12', 'W24')
    >>> arms = pd.DataFrame({"ARM": ["Placebo", "Baricitinib 4 mg", None], "ARMN": [0, None, 2], "DOSE": 0.0})
    >>> forms_for(default_schedule(), arms)["exposure"].variable("EXTRT").allowed
    ('Placebo', 'Baricitinib 4 mg')
    """
    names = tuple(dict.fromkeys(s for s in (arms["ARM"].dropna().astype(str).str.strip() if arms is not None
                                            else RANDOMISED_ARMS) if s))
    coded = {"ARM": names, "EXTRT": names if arms is not None else TREATMENTS}
    ordered = schedule.sort_values("AVISITN", kind="stable")
    codes = tuple(ordered["VISIT"].astype(str))
    post = tuple(c for c in codes if c != BASELINE)
    allowed = {"all": codes, "post": post, "unscheduled": (*codes, *OFF_SCHEDULE)}
    decodes = (*zip(codes, ordered["AVISIT"].astype(str)), *((c, VISIT_LABELS[c]) for c in OFF_SCHEDULE))
    out = {}
    for name, form in FORMS.items():
        kind = _SCHEDULED_VISIT_FORMS.get(name)
        variables = tuple(replace(v, allowed=allowed[kind], decodes=decodes) if v.name == "VISIT" and kind
                          else replace(v, allowed=coded[v.name]) if name in ("randomisation", "exposure")
                          and v.name in coded else v for v in form.variables)
        out[name] = replace(form, variables=variables) if variables != form.variables else form
    return MappingProxyType(out)

#: Direct identifiers (never copied to an analysis dataset).
IDENTIFIERS = tuple(v.name for f in FORMS.values() for v in f.variables if v.identifier)


def dictionary_frame() -> pd.DataFrame:
    """Return the data dictionary as one row per form and variable.

    Returns
    -------
    DataFrame
        Columns ``form, variable, type, unit, allowed, required, description, identifier``
        (``required`` and ``identifier`` are ``"Y"``/``"N"``).

    Examples
    --------
    >>> d = dictionary_frame()
    >>> d.loc[d["variable"] == "INITIALS", ["form", "identifier"]].values.tolist()
    [['demographics', 'Y']]
    >>> d.loc[(d["form"] == "pga") & (d["variable"] == "PGA"), "allowed"].item()
    '0 to 10'
    """
    rows = [
        {"form": f.name, "variable": v.name, "type": v.type, "unit": v.unit, "allowed": v.allowed_text(),
         "required": "Y" if v.required else "N", "description": v.full_description,
         "identifier": "Y" if v.identifier else "N"}
        for f in FORMS.values() for v in f.variables
    ]
    return pd.DataFrame(rows)


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def _markdown_form(form: Form) -> list:
    rows = ("at least one data row is required (header only: the run stops)" if form.rows_required
            else "may be empty (header only: a data query)")
    if form.optional:
        rows += "; the file itself is optional"
    lines = [f"## `{form.name}`", "", form.description, "",
             f"File `{form.name}.csv` (or sheet `{form.name}`). Unique key: "
             + ", ".join(f"`{k}`" for k in form.keys) + f". Rows: {rows}.", "",
             "| variable | type | unit | allowed values or range | required | description |",
             "|---|---|---|---|---|---|"]
    for v in form.variables:
        desc = v.full_description + (" **Direct identifier: stays in data/raw.**" if v.identifier else "") \
            + ("" if v.column_required else " (The column may be absent.)") \
            + (" A partial date (`2021-08`, `2019`, `2021-08-UN`) is imputed, with a data query (docs/decisions.md, "
               "\"Partial dates\")." if v.partial else "")
        lines.append(f"| `{v.name}` | {v.type} | {_md_escape(v.unit)} | {_md_escape(v.allowed_text())} | "
                     f"{'yes' if v.required else 'no'} | {_md_escape(desc)} |")
    return lines + [""]


def _markdown_units() -> list:
    lines = ["## Laboratory units", "",
             "Accepted units per test (`LBTESTCD`) and the factor converting them to the standard (SI) unit "
             "of the analysis dataset `adlb`. Any other unit is a validation error.", "",
             "| test | standard unit | accepted unit | factor to standard |", "|---|---|---|---|"]
    for test, units in LAB_UNITS.items():
        for unit, factor in units.items():
            lines.append(f"| `{test}` | {_md_escape(LAB_PARAMS[test][1])} | {_md_escape(unit) or '(none)'} | "
                         f"{factor:.10g} |")
    lines += ["## Laboratory test codes", "",
              "Codes laboratory systems give tests of the list (`LAB_TEST_ALIASES`): a test under one of them stops "
              "the run, naming the code to write.", "",
              "| code in the export | test | code to write |", "|---|---|---|"]
    lines += [f"| `{alias}` | {_md_escape(LAB_PARAMS[code][0])} | `{code}` |"
              for alias, code in LAB_TEST_ALIASES.items()]
    lines += ["", "## Laboratory results no patient can have", "",
              "A result or reference limit beyond these limits, in the standard unit, stops the run "
              "(`implausible_result`): a value in another unit under this one's name (`LAB_IMPOSSIBLE`).", "",
              "| test | below | above | the unit of the slip such a result shows |", "|---|---|---|---|"]
    lines += [f"| `{test}` | {'' if low is None else f'{low:g} {LAB_PARAMS[test][1]}'} | "
              f"{'' if high is None else f'{high:g} {LAB_PARAMS[test][1]}'} | {_md_escape(slip)} |"
              for test, (low, high, slip) in LAB_IMPOSSIBLE.items()]
    return lines + [""]


def render_markdown() -> str:
    """Return the human-readable data dictionary page (``docs/data_dictionary.md``).

    Examples
    --------
    >>> render_markdown().splitlines()[0]
    '# Data dictionary of the raw export'
    """
    from analysis_utils import validation  # the rule list lives with the rules

    lines = [
        "# Data dictionary of the raw export", "",
        "Generated by `python -m analysis_utils.dictionary > docs/data_dictionary.md` from "
        "`analysis_utils.dictionary`, the single source of truth that the validation rules are generated "
        "from. Do not edit by hand.", "",
        "A raw export is a folder with one CSV per form (`<form>.csv`, the file name in lower case as below; "
        "text encoded in UTF-8, a byte-order mark accepted; header on the first line; comma-separated, a text "
        "holding a comma, quote or line break in double quotes) or one `.xlsx` workbook with one sheet per "
        "form. Types: " + "; ".join(f"`{t}` {d}" for t, d in TYPES.items()) + ". An empty cell is a missing "
        "value. Identifiers (`SUBJID`, `SITEID`) are text of digits, zero-padded: stored as numbers in a "
        "workbook, they are restored to this format when the width is certain (a data query says so), or "
        "the run stops. Columns not listed here are not read (a data query lists them). "
        "Visit codes: " + ", ".join(f"`{c}` {label}" for c, label in VISIT_LABELS.items()) + ".", "",
        "The shipped exports are invented synthetic trials (form `study`, `SYNTHETIC = Y`): the pilot in "
        "`data/raw` and a randomised two-arm trial in `data/examples/randomised` (study `BARI-PSS-RCT`).", "",
    ]
    for form in FORMS.values():
        lines += _markdown_form(form)
    lines += _markdown_units()
    lines += ["## Validation rules", "",
              "Errors stop the run (exit status 1); queries are listed in `reports/data_queries.csv` (`make "
              "validate`: `scratch/validation/data_queries.csv`). "
              "The structure of every file is checked first (the files, their encoding and CSV syntax, "
              "their columns and rows): a structural error stops the run before any value is checked, so "
              "that one missing form does not give hundreds of follow-on errors. Messages give the line as "
              "a text editor numbers it (header = line 1), or the sheet row. "
              "A coded value is read in any letter case, with spaces around it or more than one between its words; "
              "a Y/N item also as Yes/No "
              "or 是/否, a POSITIVE/NEGATIVE item as Pos/Neg or 阳性/阴性 (`read_coded`). "
              "Visit windows on the study day (day 1 = first dose) are those of the form `schedule`; without "
              f"it, baseline day {BASELINE_WINDOW[0]} to {BASELINE_WINDOW[1]}; "
              + "; ".join(f"{VISIT_LABELS[v]} day {t} +/- {w}" for v, (t, w) in VISIT_WINDOWS.items())
              + ".", "",
              "| rule | kind | meaning |", "|---|---|---|"]
    lines += [f"| `{rule}` | {kind} | {_md_escape(text)} |" for rule, (kind, text) in validation.RULES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
