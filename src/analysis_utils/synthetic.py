"""The shipped synthetic trial: a seeded, deterministic generator of raw CRF exports.

THE DATA ARE INVENTED. No individual patient data of the pilot (NCT04916756) are public; this
generator produces an export in the raw data model of ``analysis_utils.dictionary`` that is
consistent with the published summary figures (Bai W et al. Ann Rheum Dis 2022;81(7):1050, as reported by
medwireNews, 6 April 2022) and otherwise merely plausible.

With the default ``n_subjects=11`` the trial is a hand-specified, calibrated scenario:

- all 11 patients meet the inclusion criteria (ESSDAI >= 5, 2016 ACR/EULAR score >= 4,
  serological activity: raised ESR and/or IgG);
- baseline ESSDAI totals sum to 110 (mean 10.0, n = 11);
- week-24 totals of the 9 patients with week-24 data sum to 31, mean 3.44, shown as 3.4: with
  integer totals a mean of exactly 3.4 is impossible (9 x 3.4 = 30.6), and 31 is the nearest sum;
- 8 of those 9 improve by >= 3 points (MCII), the ninth by 2;
- subject 007 (past hepatitis B: anti-HBc positive, HBsAg negative) has a "Hepatitis B
  reactivation" on day 22 (HBV DNA detected at an unscheduled sample), baricitinib is withdrawn,
  and the patient discontinues for ADVERSE EVENT on day 28, with no week-12 or week-24 data;
- subject 010 is LOST TO FOLLOW-UP after week 12 (so 10 patients have week-12 data);
- two patients have interstitial lung disease (004, 008);
- the recorded haematological and biological ESSDAI levels agree with the laboratory values at
  every visit except one deliberate case: subject 004 at week 12 has lymphocytes 0.8 x 10^9/L
  (a lab-implied haematological level 1) recorded as level 0 with attribution N (drug-induced
  lymphopenia), so that the lab-versus-physician data query has something to show;
- subject 008 has no complement (C3, C4) at week 12 (an "incomplete biological assessment"
  query), and subject 009's week-12 visit is on day 101, outside the 85 +/- 14 day window;
- subject 002's week-24 laboratory results come in conventional units (g/dL, /mm3, mg/dL).

Demographics, ESSPRI, PGA, laboratory values, concomitant medications and the handful of ordinary
adverse events are invented. Direct identifiers (initials ``ZZAA``, ``ZZBA``..., record numbers
``SYN-HR-000001``...) are obviously fake.

Any other ``n_subjects`` draws a plausible population with vectorised code (10,000 subjects in a
few seconds), with the same forms and valid under ``validation``, for scale tests::

    python -m analysis_utils.synthetic --n-subjects 11 --out data/raw
"""

import argparse
from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import dictionary, export, scoring
from analysis_utils.vocabulary import (
    ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD, ESSPRI_ITEM_PARAMCD, HAEM_ATTRIBUTION_PARAMCD, STUDYID,
)

#: Default seed (the pilot's registration month, 2021-06-15).
DEFAULT_SEED = 20210615
#: Site number of the single centre.
SITEID = "01"
#: Date of the export (the data cut).
EXPORT_DATE = "2022-01-31"
#: Text of data/raw/README.md.
README = """# Synthetic raw export (invented data)

The files in this folder are a SYNTHETIC, INVENTED trial. They are not the data of the pilot
study NCT04916756 (no individual patient data of that study are public).

They were written by `python -m analysis_utils.synthetic --n-subjects 11 --out data/raw`
(`make synthetic`), a seeded, deterministic generator that rewrites them byte for byte. The
11 patients are built to agree with the published summary figures (mean ESSDAI 10.0 at baseline
and 3.4 at week 24, 8 of 9 with an improvement of at least 3 points, one discontinuation for a
hepatitis B reactivation within the first month); everything else (demographics, ESSPRI, PGA,
laboratory values, medications, the other adverse events) is invented. The initials and hospital
record numbers in demographics.csv are fake.

The variables are described in docs/data_dictionary.md (form `study` has `SYNTHETIC = Y`).
"""

_DAY = pd.Timedelta(days=1)

# ---------------------------------------------------------------------------------------------
# The calibrated 11-patient scenario. Study days: the baseline visit is day 1 (first dose);
# offsets below are days after the first dose.
# ---------------------------------------------------------------------------------------------

_SUBJECTS = pd.DataFrame({
    "SUBJID": [f"{i:03d}" for i in range(1, 12)],
    "SEX": list("FFFFFMFFFFF"),
    "AGE": [45, 52, 38, 61, 47, 55, 58, 63, 41, 36, 50],
    "HEIGHT": [158.0, 161.5, 155.0, 157.0, 163.0, 172.0, 159.5, 154.0, 160.0, 165.0, 156.5],
    "WEIGHT": [55.0, 62.5, 49.0, 58.0, 66.0, 71.5, 60.0, 52.5, 57.0, 54.0, 63.0],
    "FIRSTDOSE": pd.to_datetime(["2021-06-28", "2021-07-01", "2021-07-05", "2021-07-08", "2021-07-12",
                                 "2021-07-15", "2021-07-19", "2021-07-22", "2021-07-26", "2021-07-29",
                                 "2021-08-02"]),
    "CONSENT_BEFORE": [9, 7, 10, 8, 7, 11, 9, 7, 8, 10, 7],
    "DIAG_DAYS_BEFORE": [1169, 2118, 548, 2958, 877, 1461, 2374, 3726, 1059, 402, 2666],
    "ANTISSA": ["POSITIVE"] * 2 + ["NEGATIVE"] + ["POSITIVE"] * 8,
    "ANTISSB": ["POSITIVE", "NEGATIVE", "NEGATIVE", "POSITIVE", "NEGATIVE", "POSITIVE", "NEGATIVE",
                "POSITIVE", "POSITIVE", "NEGATIVE", "NEGATIVE"],
    "ANTIHBC": ["NEGATIVE"] * 6 + ["POSITIVE"] + ["NEGATIVE"] * 4,
    "ILD": ["N", "N", "N", "Y", "N", "N", "N", "Y", "N", "N", "N"],
    # Visit offsets (days after the first dose; NaN = no visit).
    "W12": [84, 86, 83, 85, 88, 84, np.nan, 82, 100, 87, 85],
    "W24": [168, 170, 167, 171, 166, 168, np.nan, 169, 172, np.nan, 170],
    # Exposure and disposition.
    "LASTDOSE": [168, 170, 167, 171, 166, 168, 20, 169, 172, 112, 170],
    "EXMISSED": [2, 0, 5, 1, 3, 0, 0, 4, 2, 1, 0],
    "DSDECOD": ["COMPLETED"] * 6 + ["ADVERSE EVENT"] + ["COMPLETED"] * 2 + ["LOST TO FOLLOW-UP", "COMPLETED"],
    "DSDAY": [168, 170, 167, 171, 166, 168, 27, 169, 172, 112, 170],
    # 2016 ACR/EULAR items (NaN = not done).
    "FOCUSSC": [np.nan, np.nan, 2.0, 1.5, np.nan, np.nan, np.nan, 3.0, np.nan, np.nan, np.nan],
    "OSS": [6, 4, np.nan, 5, 3, 7, 5, np.nan, 4, 6, 5],
    "SCHIRMER": [3.0, 4.0, 4.0, 2.0, 6.0, 5.0, 3.0, 1.0, 8.0, 2.0, 4.0],
    "UWSFR": [0.08, 0.05, 0.06, 0.12, 0.09, 0.04, 0.1, 0.02, 0.07, 0.15, 0.06],
})

#: ESSDAI activity levels of the scenario: subject -> visit -> {domain: level}, other domains 0.
#: Totals (weights of scoring.ESSDAI_WEIGHTS): baseline 9, 12, 7, 14, 8, 11, 6, 13, 10, 9, 11 (sum 110);
#: week 24: 3, 4, 5, 6, 2, 3, -, 4, 2, -, 2 (sum 31; 003 improves by 2, the others by >= 3).
SCENARIO_LEVELS = MappingProxyType({
    "001": {"BL": {"articular": 2, "glandular": 1, "haematological": 1, "biological": 1},
            "W12": {"articular": 1, "biological": 1}, "W24": {"articular": 1, "biological": 1}},
    "002": {"BL": {"articular": 2, "cutaneous": 2, "biological": 2},
            "W12": {"articular": 1, "biological": 2}, "W24": {"articular": 1, "biological": 2}},
    "003": {"BL": {"constitutional": 1, "glandular": 1, "articular": 1},
            "W12": {"glandular": 1, "articular": 1}, "W24": {"glandular": 1, "articular": 1, "biological": 1}},
    "004": {"BL": {"pulmonary": 2, "articular": 1, "biological": 2},
            "W12": {"pulmonary": 1, "biological": 1}, "W24": {"pulmonary": 1, "biological": 1}},
    "005": {"BL": {"haematological": 2, "glandular": 1, "articular": 1},
            "W12": {"haematological": 1, "glandular": 1}, "W24": {"glandular": 1}},
    "006": {"BL": {"lymphadenopathy": 1, "glandular": 2, "biological": 1, "articular": 1},
            "W12": {"glandular": 1, "biological": 1, "articular": 1}, "W24": {"glandular": 1, "biological": 1}},
    "007": {"BL": {"articular": 1, "glandular": 1, "biological": 2}},
    "008": {"BL": {"pulmonary": 1, "articular": 2, "haematological": 1, "biological": 2},
            "W12": {"pulmonary": 1, "articular": 1, "haematological": 1, "biological": 1},
            "W24": {"articular": 1, "biological": 2}},
    "009": {"BL": {"cutaneous": 2, "articular": 1, "biological": 2},
            "W12": {"cutaneous": 1, "biological": 2}, "W24": {"biological": 2}},
    "010": {"BL": {"articular": 2, "glandular": 1, "constitutional": 1},
            "W12": {"articular": 1, "glandular": 1}},
    "011": {"BL": {"lymphadenopathy": 1, "articular": 2, "haematological": 1, "biological": 1},
            "W12": {"articular": 1, "haematological": 1, "biological": 1}, "W24": {"articular": 1}},
})
#: Visits whose cytopenia is recorded as disease-related (EDHAEMDR = Y); all others are N.
SCENARIO_HAEM_DISEASE_RELATED = frozenset({
    ("001", "BL"), ("005", "BL"), ("005", "W12"), ("008", "BL"), ("008", "W12"), ("011", "BL"), ("011", "W12"),
})

# ESSPRI (dryness, fatigue, pain) and PGA per subject and visit.
_PRO = {
    "001": {"BL": (7, 6, 5, 5.0), "W12": (6, 4, 3, 3.0), "W24": (5, 3, 2, 2.0)},
    "002": {"BL": (8, 7, 6, 7.0), "W12": (7, 5, 4, 4.0), "W24": (6, 4, 3, 3.0)},
    "003": {"BL": (6, 5, 4, 4.0), "W12": (6, 5, 4, 3.0), "W24": (5, 5, 4, 3.0)},
    "004": {"BL": (7, 8, 5, 7.0), "W12": (6, 6, 4, 5.0), "W24": (6, 5, 3, 4.0)},
    "005": {"BL": (5, 6, 3, 5.0), "W12": (5, 4, 2, 3.0), "W24": (4, 3, 2, 2.0)},
    "006": {"BL": (8, 5, 4, 6.0), "W12": (7, 4, 3, 4.0), "W24": (6, 3, 3, 2.0)},
    "007": {"BL": (7, 6, 6, 5.0)},
    "008": {"BL": (6, 7, 6, 7.0), "W12": (6, 5, 5, 6.0), "W24": (5, 4, 3, 3.0)},
    "009": {"BL": (7, 5, 5, 6.0), "W12": (6, 4, 3, 4.0), "W24": (5, 3, 2, 2.0)},
    "010": {"BL": (8, 6, 7, 5.0), "W12": (7, 6, 5, 4.0)},
    "011": {"BL": (6, 6, 5, 6.0), "W12": (5, 4, 4, 4.0), "W24": (5, 3, 2, 2.0)},
}
_ILD = {("004", "W12"): ("IMPROVED", "STABLE"), ("004", "W24"): ("IMPROVED", "IMPROVED"),
        ("008", "W12"): ("STABLE", "STABLE"), ("008", "W24"): ("IMPROVED", "IMPROVED")}

# Laboratory values fixed by the scenario (SI units); the others are drawn within normal ranges.
_LAB_FIXED = {
    "IGG": {"001": (18.5, 17.2, 16.8), "002": (23.0, 22.1, 21.5), "003": (15.0, 15.5, 16.4),
            "004": (24.0, 18.9, 17.5), "005": (14.0, 13.5, 13.2), "006": (15.2, 14.8, 14.5), "007": (21.2,),
            "008": (22.0, 19.0, 20.6), "009": (15.0, 14.6, 14.2), "010": (15.8, 15.1),
            "011": (17.8, 16.9, 15.6)},
    "ESR": {"001": (32, 24, 18), "002": (45, 30, 26), "003": (35, 30, 28), "004": (52, 35, 22),
            "005": (28, 18, 14), "006": (32, 25, 20), "007": (38,), "008": (48, 36, 25), "009": (42, 30, 22),
            "010": (40, 33), "011": (30, 22, 16)},
    "LYM": {"001": (0.8, 1.3, 1.2), "004": (1.4, 0.8, 1.1)},
    "PLAT": {"005": (85, 125, 165)},
    "NEUT": {"008": (1.3, 1.4, 1.9)},
    "HGB": {"011": (110, 115, 124)},
    "C4": {"006": (0.08, 0.09, 0.09)},
    "CRP": {"005": (12.0, 4.1, 2.2)},
    "ALT": {"005": (28, 62, 33)},
    "CHOL": {"011": (5.1, 6.3, 6.0)},
}
_CRYO_POSITIVE = frozenset({"009"})
_COMPLEMENT_MISSING = frozenset({("008", "W12")})
_CONVENTIONAL_UNITS = frozenset({("002", "W24")})

#: Reference ranges (SI) used by the generator: test -> (low, high), or {sex: (low, high)}.
REFERENCE_RANGES = MappingProxyType({
    "WBC": (3.5, 9.5), "NEUT": (1.8, 6.3), "LYM": (1.1, 3.2), "HGB": {"F": (115, 150), "M": (130, 175)},
    "PLAT": (125, 350), "ALT": (7, 40), "AST": (13, 35), "BILI": (5.1, 22.2),
    "CREAT": {"F": (45, 84), "M": (59, 104)}, "CK": (24, 195), "CHOL": (2.85, 5.7), "TRIG": (0.45, 1.7),
    "ESR": {"F": (0, 20), "M": (0, 15)}, "CRP": (0, 8), "IGG": (7.0, 17.0), "C3": (0.73, 1.46),
    "C4": (0.1, 0.4), "UPROT": (0, 0.15), "HBVDNA": (0, 20),
})
# Normal draws (SI): test -> (low, high, decimals).
_NORMAL_DRAW = {
    "NEUT": (2.5, 5.0, 2), "LYM": (1.2, 2.4, 2), "HGB": (122, 140, 0), "PLAT": (170, 300, 0),
    "ALT": (12, 35, 0), "AST": (15, 30, 0), "BILI": (6.0, 18.0, 1), "CREAT": (50, 75, 0), "CK": (40, 150, 0),
    "CHOL": (3.6, 5.0, 2), "TRIG": (0.6, 1.5, 2), "CRP": (0.5, 5.0, 1), "IGG": (8.0, 15.5, 1),
    "C3": (0.85, 1.3, 2), "C4": (0.15, 0.3, 2), "UPROT": (0.05, 0.12, 2), "ESR": (5, 18, 0),
}
# Decimals of the reported SI result.
_LAB_DECIMALS = {**{t: d for t, (_, _, d) in _NORMAL_DRAW.items()}, "WBC": 2, "HBVDNA": 0}
#: Tests measured at every scheduled visit (HBV DNA only in anti-HBc positive patients).
SCHEDULED_TESTS = ("WBC", "NEUT", "LYM", "HGB", "PLAT", "ALT", "AST", "BILI", "CREAT", "CK", "CHOL", "TRIG",
                   "ESR", "CRP", "IGG", "C3", "C4", "MCOMP", "CRYO", "UPROT")
# Conventional units for the external laboratory (unit, decimals of the reported value).
_CONVENTIONAL = {"HGB": ("g/dL", 1), "WBC": ("/mm3", 0), "NEUT": ("/mm3", 0), "LYM": ("/mm3", 0),
                 "PLAT": ("/mm3", 0), "CREAT": ("mg/dL", 2), "BILI": ("mg/dL", 2), "CHOL": ("mg/dL", 0),
                 "TRIG": ("mg/dL", 0)}

_AE_COLUMNS = ("SUBJID", "AESPID", "AETERM", "AEDECOD", "AEBODSYS", "AESTDY", "AEENDY", "AESER", "AETOXGR",
               "AEREL", "AEACN", "AEOUT")
_SCENARIO_AES = [
    ("001", 1, "nausea after tablets", "Nausea", "Gastrointestinal disorders", 4, 9, "N", 1,
     "POSSIBLY RELATED", "DOSE NOT CHANGED", "RECOVERED/RESOLVED"),
    ("002", 1, "common cold", "Upper respiratory tract infection", "Infections and infestations", 40, 47, "N", 1,
     "UNLIKELY RELATED", "DOSE NOT CHANGED", "RECOVERED/RESOLVED"),
    ("003", 1, "toothache, dental caries", "Dental caries", "Gastrointestinal disorders", -3, 10, "N", 1,
     "NOT RELATED", "DOSE NOT CHANGED", "RECOVERED/RESOLVED"),
    ("005", 1, "ALT elevated", "Alanine aminotransferase increased", "Investigations", 88, 126, "N", 1,
     "POSSIBLY RELATED", "DOSE NOT CHANGED", "RECOVERED/RESOLVED"),
    ("007", 1, "HBV reactivation, HBV DNA detectable", "Hepatitis B reactivation", "Infections and infestations",
     21, 80, "N", 2, "RELATED", "DRUG WITHDRAWN", "RECOVERED/RESOLVED"),
    ("009", 1, "headache", "Headache", "Nervous system disorders", 60, 61, "N", 1,
     "UNLIKELY RELATED", "DOSE NOT CHANGED", "RECOVERED/RESOLVED"),
    ("011", 1, "high cholesterol", "Blood cholesterol increased", "Investigations", 85, np.nan, "N", 1,
     "POSSIBLY RELATED", "DOSE NOT CHANGED", "NOT RECOVERED/NOT RESOLVED"),
]
_CM_COLUMNS = ("SUBJID", "CMTRT", "CMDECOD", "CMCLAS", "CMDOSE", "CMDOSU", "CMDOSFRQ", "CMSTDY", "CMENDY")
_SCENARIO_CMS = [
    ("001", "Hydroxychloroquine sulfate", "HYDROXYCHLOROQUINE", "ANTIMALARIAL", 200.0, "mg", "BID", -500, np.nan),
    ("001", "Sodium hyaluronate eye drops", "SODIUM HYALURONATE", "OTHER", 1.0, "drop", "QID", -700, np.nan),
    ("002", "Prednisone", "PREDNISONE", "GLUCOCORTICOID", 10.0, "mg", "QD", -400, np.nan),
    ("002", "Methotrexate", "METHOTREXATE", "IMMUNOSUPPRESSANT", 10.0, "mg", "QW", -365, np.nan),
    ("002", "Calcium carbonate and vitamin D3", "CALCIUM CARBONATE;COLECALCIFEROL", "OTHER",
     600.0, "mg", "QD", -400, np.nan),
    ("003", "Hydroxychloroquine", "HYDROXYCHLOROQUINE", "ANTIMALARIAL", 200.0, "mg", "BID", -300, np.nan),
    ("003", "Artificial tears", "SODIUM HYALURONATE", "OTHER", 1.0, "drop", "QID", -300, np.nan),
    ("004", "Prednisone", "PREDNISONE", "GLUCOCORTICOID", 10.0, "mg", "QD", -200, np.nan),
    ("004", "Mycophenolate mofetil", "MYCOPHENOLATE MOFETIL", "IMMUNOSUPPRESSANT", 500.0, "mg", "BID", -180, np.nan),
    ("004", "Calcium carbonate and vitamin D3", "CALCIUM CARBONATE;COLECALCIFEROL", "OTHER",
     600.0, "mg", "QD", -200, np.nan),
    ("005", "Hydroxychloroquine", "HYDROXYCHLOROQUINE", "ANTIMALARIAL", 200.0, "mg", "BID", -700, np.nan),
    ("006", "Hydroxychloroquine", "HYDROXYCHLOROQUINE", "ANTIMALARIAL", 200.0, "mg", "BID", -250, np.nan),
    ("006", "Artificial tears", "SODIUM HYALURONATE", "OTHER", 1.0, "drop", "QID", -250, np.nan),
    ("007", "Hydroxychloroquine", "HYDROXYCHLOROQUINE", "ANTIMALARIAL", 200.0, "mg", "BID", -400, np.nan),
    ("007", "Entecavir", "ENTECAVIR", "OTHER", 0.5, "mg", "QD", 22, np.nan),
    ("008", "Prednisone", "PREDNISONE", "GLUCOCORTICOID", 7.5, "mg", "QD", -300, np.nan),
    ("008", "Calcium carbonate and vitamin D3", "CALCIUM CARBONATE;COLECALCIFEROL", "OTHER",
     600.0, "mg", "QD", -300, np.nan),
    ("009", "Methylprednisolone", "METHYLPREDNISOLONE", "GLUCOCORTICOID", 4.0, "mg", "QD", -180, np.nan),
    ("009", "Artificial tears", "SODIUM HYALURONATE", "OTHER", 1.0, "drop", "QID", -400, np.nan),
    ("010", "Hydroxychloroquine", "HYDROXYCHLOROQUINE", "ANTIMALARIAL", 200.0, "mg", "BID", -120, np.nan),
    ("011", "Prednisone", "PREDNISONE", "GLUCOCORTICOID", 5.0, "mg", "QD", -150, np.nan),
    ("011", "Calcium carbonate and vitamin D3", "CALCIUM CARBONATE;COLECALCIFEROL", "OTHER",
     600.0, "mg", "QD", -150, np.nan),
]


def _days(start: pd.Series, offset) -> pd.Series:
    return start + pd.to_timedelta(offset, unit="D")


def _ordered(tables: dict) -> dict:
    """Give every form its dictionary column order, dtypes and a sorted RangeIndex."""
    out = {}
    for name, form in dictionary.FORMS.items():
        if name not in tables and form.optional:
            continue
        frame = tables[name].reset_index(drop=True)
        variables = [v for v in form.variables if v.column_required or v.name in frame.columns]
        for v in variables:
            if v.type == "int":
                frame[v.name] = pd.array(frame[v.name], dtype="Int64")
            elif v.type == "float":
                frame[v.name] = frame[v.name].astype("float64")
            elif v.type == "date":
                frame[v.name] = pd.to_datetime(frame[v.name])
        out[name] = frame[[v.name for v in variables]]
    return out


def _study() -> pd.DataFrame:
    """The one-row ``study`` form, flagged synthetic."""
    return pd.DataFrame({"STUDYID": [STUDYID], "SITEID": [SITEID], "SYNTHETIC": ["Y"],
                         "EXPORTDT": [pd.Timestamp(EXPORT_DATE)]})


def _identifiers(n: int) -> tuple:
    """Fake initials (``ZZAA``, ``ZZBA``, ...) and hospital record numbers (``SYN-HR-000001``, ...)."""
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    idx = np.arange(n)
    initials = pd.Series(["ZZ"] * n).str.cat(letters[idx % 26]).str.cat(letters[(idx // 26) % 26])
    hospno = "SYN-HR-" + pd.Series(idx + 1).astype(str).str.zfill(max(6, len(str(n))))
    return initials.tolist(), hospno.tolist()


def _scenario_subject_forms(s: pd.DataFrame) -> dict:
    """Demographics, eligibility, visits, exposure and disposition of a subject table (``_SUBJECTS`` layout)."""
    fd = s["FIRSTDOSE"]
    initials, hospno = _identifiers(len(s))
    demog = pd.DataFrame({
        "SUBJID": s["SUBJID"], "SITEID": SITEID, "INITIALS": initials, "HOSPNO": hospno,
        "CONSDT": _days(fd, -s["CONSENT_BEFORE"]), "AGE": s["AGE"], "SEX": s["SEX"], "RACE": "ASIAN",
        "ETHNIC": "NOT HISPANIC OR LATINO", "HEIGHT": s["HEIGHT"], "WEIGHT": s["WEIGHT"],
        "DIAGDT": _days(fd, -s["DIAG_DAYS_BEFORE"]), "ANTISSA": s["ANTISSA"], "ANTISSB": s["ANTISSB"],
        "ANTIHBC": s["ANTIHBC"], "HBSAG": "NEGATIVE", "ILD": s["ILD"],
    })
    elig = _eligibility(s["SUBJID"], _days(fd, -s["CONSENT_BEFORE"] + 1), s[["FOCUSSC", "OSS", "SCHIRMER", "UWSFR"]])
    visits = pd.concat([
        pd.DataFrame({"SUBJID": s["SUBJID"], "VISIT": code, "VISITDT": _days(fd, s[col] if col else 0)})
        for code, col in (("BL", None), ("W12", "W12"), ("W24", "W24"))
    ]).dropna(subset=["VISITDT"])
    exposure = pd.DataFrame({"SUBJID": s["SUBJID"], "EXDOSE": 2.0, "EXSTDT": fd,
                             "EXENDT": _days(fd, s["LASTDOSE"]), "EXMISSED": s["EXMISSED"]})
    disposition = pd.DataFrame({"SUBJID": s["SUBJID"], "DSDECOD": s["DSDECOD"], "DSSTDT": _days(fd, s["DSDAY"])})
    return {"demographics": demog, "eligibility": elig, "visits": visits, "exposure": exposure,
            "disposition": disposition}


def _eligibility(subjid: pd.Series, eligdt: pd.Series, items: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"SUBJID": subjid.to_numpy(), "ELIGDT": eligdt.to_numpy()})
    for col in ("FOCUSSC", "OSS", "SCHIRMER", "UWSFR"):
        out[col] = items[col].to_numpy()
    answers = {**{c: "Y" for c in ("ENTRY1", "ENTRY4")}, **{c: "N" for c in ("ENTRY2", "ENTRY3", "ENTRY5")},
               "ENTRY6": "Y", **{c: "N" for c in dictionary.ACR_EULAR_EXCLUSION},
               **{c: "Y" for c in dictionary.PROTOCOL_INCLUSION}, **{c: "N" for c in dictionary.PROTOCOL_EXCLUSION}}
    return out.assign(**answers)


def _scenario_assessments() -> dict:
    rows, pro, ild = [], [], []
    for subjid, visits in SCENARIO_LEVELS.items():
        for visit, nonzero in visits.items():
            levels = {ESSDAI_LEVEL_PARAMCD[d]: nonzero.get(d, 0) for d in ESSDAI_DOMAINS}
            dr = "Y" if (subjid, visit) in SCENARIO_HAEM_DISEASE_RELATED else "N"
            rows.append({"SUBJID": subjid, "VISIT": visit, **levels, HAEM_ATTRIBUTION_PARAMCD: dr})
            dry, fatigue, pain, pga = _PRO[subjid][visit]
            pro.append({"SUBJID": subjid, "VISIT": visit, "ESPDRY": dry, "ESPFAT": fatigue, "ESPPAIN": pain,
                        "PGA": pga})
    for (subjid, visit), (symp, hrct) in _ILD.items():
        ild.append({"SUBJID": subjid, "VISIT": visit, "ILDSYMP": symp, "ILDHRCT": hrct})
    pro = pd.DataFrame(pro)
    return {"essdai": pd.DataFrame(rows), "esspri": pro.drop(columns="PGA"),
            "pga": pro[["SUBJID", "VISIT", "PGA"]], "ild": pd.DataFrame(ild)}


def _reference(test: str, sex: pd.Series) -> tuple:
    ref = REFERENCE_RANGES[test]
    if isinstance(ref, dict):
        low, high = ({s: r[k] for s, r in ref.items()} for k in (0, 1))
        return sex.map(low).to_numpy(float), sex.map(high).to_numpy(float)
    return np.full(len(sex), ref[0], float), np.full(len(sex), ref[1], float)


def _draw_labs(keys: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Draw normal SI results for every scheduled test of ``keys`` (SUBJID, VISIT, LBDT, SEX)."""
    n = len(keys)
    values = {}
    for test, (lo, hi, dec) in _NORMAL_DRAW.items():
        values[test] = np.round(rng.uniform(lo, hi, n), dec)
    male = (keys["SEX"] == "M").to_numpy()
    values["HGB"] = np.where(male, values["HGB"] + 13, values["HGB"])
    values["CREAT"] = np.where(male, values["CREAT"] + 18, values["CREAT"])
    values["WBC"] = np.round(values["NEUT"] + values["LYM"] + rng.uniform(0.3, 0.8, n), 2)
    frames = []
    for test in SCHEDULED_TESTS:
        res = (pd.Series("NEGATIVE", index=keys.index) if test in dictionary.QUALITATIVE_TESTS
               else pd.Series(values[test], index=keys.index))
        frames.append(keys.assign(LBTESTCD=test, VALUE=res))
    return pd.concat(frames, ignore_index=True)


def _apply_scenario_labs(labs: pd.DataFrame) -> pd.DataFrame:
    visit_pos = labs["VISIT"].map({"BL": 0, "W12": 1, "W24": 2})
    for test, by_subject in _LAB_FIXED.items():
        for subjid, series in by_subject.items():
            for pos, value in enumerate(series):
                mask = (labs["LBTESTCD"] == test) & (labs["SUBJID"] == subjid) & (visit_pos == pos)
                labs.loc[mask, "VALUE"] = value
    # Leukocytes stay above the sum of neutrophils and lymphocytes after the fixes.
    wide = labs.pivot_table(index=["SUBJID", "VISIT"], columns="LBTESTCD", values="VALUE", aggfunc="first")
    wbc = (wide["NEUT"].astype(float) + wide["LYM"].astype(float) + 0.6).round(2)
    is_wbc = labs["LBTESTCD"] == "WBC"
    labs.loc[is_wbc, "VALUE"] = pd.MultiIndex.from_frame(labs.loc[is_wbc, ["SUBJID", "VISIT"]]).map(wbc)
    cryo = (labs["LBTESTCD"] == "CRYO") & labs["SUBJID"].isin(_CRYO_POSITIVE)
    labs.loc[cryo, "VALUE"] = "POSITIVE"
    missing = pd.Series(list(zip(labs["SUBJID"], labs["VISIT"]))).isin(_COMPLEMENT_MISSING).to_numpy()
    return labs[~(missing & labs["LBTESTCD"].isin(["C3", "C4"]).to_numpy())]


def _format_labs(labs: pd.DataFrame, conventional: np.ndarray | None = None) -> pd.DataFrame:
    """Turn SI results (VALUE) into the raw lab form, with units and reference ranges."""
    out = []
    for test, grp in labs.groupby("LBTESTCD", sort=False):
        lo, hi = (_reference(test, grp["SEX"]) if test in REFERENCE_RANGES
                  else (np.full(len(grp), np.nan), np.full(len(grp), np.nan)))
        si_unit = next(u for u, f in dictionary.LAB_UNITS[test].items() if f == 1.0)
        frame = grp.assign(LBORRESU=si_unit, LBORNRLO=lo, LBORNRHI=hi)
        if test in dictionary.QUALITATIVE_TESTS:
            frame["LBORRES"] = grp["VALUE"].astype(str)
        else:
            value = grp["VALUE"].astype(float)
            decimals = pd.Series(_LAB_DECIMALS[test], index=grp.index)
            if conventional is not None and test in _CONVENTIONAL:
                conv = conventional[grp.index.to_numpy()]
                unit, dec = _CONVENTIONAL[test]
                factor = dictionary.LAB_UNITS[test][unit]
                frame.loc[conv, "LBORRESU"] = unit
                decimals[conv] = dec
                value[conv] = (value[conv] / factor).round(dec)
                for col in ("LBORNRLO", "LBORNRHI"):
                    frame.loc[conv, col] = (frame.loc[conv, col] / factor).round(dec)
            frame["LBORRES"] = [f"{v:.{d}f}" for v, d in zip(value, decimals)]
        out.append(frame)
    return pd.concat(out).sort_index()


def _scenario_labs(subject_forms: dict, rng: np.random.Generator) -> pd.DataFrame:
    visits = subject_forms["visits"].merge(subject_forms["demographics"][["SUBJID", "SEX"]], on="SUBJID")
    keys = visits.rename(columns={"VISITDT": "LBDT"})[["SUBJID", "VISIT", "LBDT", "SEX"]]
    labs = _apply_scenario_labs(_draw_labs(keys, rng))
    bl7 = visits[(visits["SUBJID"] == "007") & (visits["VISIT"] == "BL")]
    hbv = pd.DataFrame({
        "SUBJID": "007", "VISIT": ["BL", "UNS", "UNS", "UNS"], "SEX": "F",
        "LBDT": [bl7["VISITDT"].iloc[0]] + [bl7["VISITDT"].iloc[0] + 21 * _DAY] * 3,
        "LBTESTCD": ["HBVDNA", "HBVDNA", "ALT", "AST"], "VALUE": [0.0, 24000.0, 58.0, 45.0],
    })
    labs = pd.concat([labs, hbv], ignore_index=True)
    conventional = pd.Series(list(zip(labs["SUBJID"], labs["VISIT"]))).isin(_CONVENTIONAL_UNITS).to_numpy()
    return _format_labs(labs, conventional)


def _events(spec: list, columns: tuple, first_dose: pd.Series, dates: dict) -> pd.DataFrame:
    """Build an event form from ``spec`` rows, turning day offsets into dates (``{offset_col: date_col}``)."""
    frame = pd.DataFrame(spec, columns=list(columns))
    fd = frame["SUBJID"].map(first_dose)
    for offset_col, date_col in dates.items():
        frame[date_col] = _days(fd, frame[offset_col])
    return frame.drop(columns=list(dates))


def _scenario(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    s = _SUBJECTS
    forms = _scenario_subject_forms(s)
    forms.update(_scenario_assessments())
    forms["labs"] = _scenario_labs(forms, rng)
    first_dose = s.set_index("SUBJID")["FIRSTDOSE"]
    forms["adverse_events"] = _events(_SCENARIO_AES, _AE_COLUMNS, first_dose,
                                       {"AESTDY": "AESTDT", "AEENDY": "AEENDT"})
    cms = _events(_SCENARIO_CMS, _CM_COLUMNS, first_dose, {"CMSTDY": "CMSTDT", "CMENDY": "CMENDT"})
    cms["CMSPID"] = cms.groupby("SUBJID").cumcount() + 1
    forms["conmeds"] = cms
    forms["study"] = _study()
    return forms


# ---------------------------------------------------------------------------------------------
# Any other number of subjects: a vectorised random population.
# ---------------------------------------------------------------------------------------------

#: Probability of each activity level at baseline in the random population, per domain.
_LEVEL_PROBS = {
    "constitutional": (0.8, 0.17, 0.03), "lymphadenopathy": (0.85, 0.12, 0.03, 0.0),
    "glandular": (0.5, 0.4, 0.1), "articular": (0.3, 0.4, 0.25, 0.05), "cutaneous": (0.85, 0.05, 0.08, 0.02),
    "pulmonary": (0.88, 0.08, 0.03, 0.01), "renal": (0.95, 0.03, 0.02, 0.0), "muscular": (0.98, 0.02, 0.0, 0.0),
    "pns": (0.95, 0.03, 0.02, 0.0), "cns": (0.99, 0.01, 0.0), "haematological": (0.75, 0.2, 0.05, 0.0),
    "biological": (0.3, 0.45, 0.25),
}
_AE_CATALOGUE = [
    ("common cold", "Upper respiratory tract infection", "Infections and infestations"),
    ("headache", "Headache", "Nervous system disorders"),
    ("nausea", "Nausea", "Gastrointestinal disorders"),
    ("ALT elevated", "Alanine aminotransferase increased", "Investigations"),
    ("high cholesterol", "Blood cholesterol increased", "Investigations"),
    ("shingles", "Herpes zoster", "Infections and infestations"),
    ("urinary infection", "Urinary tract infection", "Infections and infestations"),
    ("CK raised", "Blood creatine phosphokinase increased", "Investigations"),
]


def _random_levels(rng: np.random.Generator, n: int) -> pd.DataFrame:
    levels = {}
    for d in ESSDAI_DOMAINS:
        allowed = sorted(scoring.ESSDAI_ALLOWED_LEVELS[d])
        probs = np.array(_LEVEL_PROBS[d], float)[: len(allowed)]
        levels[d] = rng.choice(allowed, size=n, p=probs / probs.sum())
    frame = pd.DataFrame(levels)
    low = scoring.compute_essdai(frame).to_numpy() < 5
    frame.loc[low, "articular"] = 2
    frame.loc[low, "biological"] = np.maximum(frame.loc[low, "biological"], 1)
    return frame


def _improve(levels: pd.DataFrame, rng: np.random.Generator, p: float) -> pd.DataFrame:
    step = rng.random(levels.shape) < p
    out = (levels - step).clip(lower=0)
    out.loc[out["cns"] == 1, "cns"] = 0
    return out


def _random_subjects(rng: np.random.Generator, n: int) -> pd.DataFrame:
    width = max(3, len(str(n)))
    u = rng.random(n)
    return pd.DataFrame({
        "SUBJID": pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width),
        "SEX": np.where(rng.random(n) < 0.93, "F", "M"),
        "AGE": rng.integers(20, 76, n),
        "HEIGHT": np.round(rng.normal(159, 6, n), 1).clip(140, 190),
        "WEIGHT": np.round(rng.normal(58, 8, n), 1).clip(38, 110),
        "FIRSTDOSE": pd.Timestamp("2021-06-28") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
        "CONSENT_BEFORE": rng.integers(3, 22, n),
        "DIAG_DAYS_BEFORE": rng.integers(200, 5000, n),
        "ANTISSA": np.where(rng.random(n) < 0.8, "POSITIVE", "NEGATIVE"),
        "ANTISSB": np.where(rng.random(n) < 0.45, "POSITIVE", "NEGATIVE"),
        "ANTIHBC": np.where(rng.random(n) < 0.1, "POSITIVE", "NEGATIVE"),
        "ILD": np.where(rng.random(n) < 0.1, "Y", "N"),
        "W12": np.where(u < 0.05, np.nan, rng.integers(78, 93, n)),
        "W24": np.where(u < 0.1, np.nan, rng.integers(160, 178, n)),
        "FOCUSSC": np.where(rng.random(n) < 0.3, np.round(rng.uniform(1, 4, n), 1), np.nan),
        "OSS": rng.integers(2, 9, n).astype(float),
        "SCHIRMER": rng.integers(0, 10, n).astype(float),
        "UWSFR": np.round(rng.uniform(0.01, 0.3, n), 2),
        "EXMISSED": rng.integers(0, 6, n),
        "_U": u,
    })


def _random_disposition(s: pd.DataFrame) -> pd.DataFrame:
    early = s["_U"] < 0.05
    mid = (s["_U"] >= 0.05) & (s["_U"] < 0.1)
    s = s.copy()
    s["LASTDOSE"] = np.where(early, 30, np.where(mid, s["W12"].fillna(84) + 10, s["W24"].fillna(168)))
    s["DSDAY"] = s["LASTDOSE"]
    s["DSDECOD"] = np.where(early, "ADVERSE EVENT", np.where(mid, "LOST TO FOLLOW-UP", "COMPLETED"))
    return s


def _random_assessments(rng: np.random.Generator, visits: pd.DataFrame, s: pd.DataFrame) -> dict:
    n = len(s)
    bl = _random_levels(rng, n)
    by_visit = {"BL": bl, "W12": _improve(bl, rng, 0.4)}
    by_visit["W24"] = _improve(by_visit["W12"], rng, 0.3)
    pro_bl = rng.integers(3, 10, (n, 3))
    pga_bl = rng.integers(3, 9, n).astype(float)
    essdai, esspri, pga = [], [], []
    for k, (code, lv) in enumerate(by_visit.items()):
        frame = lv.rename(columns=ESSDAI_LEVEL_PARAMCD).assign(SUBJID=s["SUBJID"], VISIT=code)
        frame[HAEM_ATTRIBUTION_PARAMCD] = np.where(lv["haematological"] > 0, "Y", "N")
        essdai.append(frame)
        items = (pro_bl - rng.integers(0, 2, (n, 3)) * k).clip(0, 10)
        esspri.append(pd.DataFrame(items, columns=list(ESSPRI_ITEM_PARAMCD.values())).assign(
            SUBJID=s["SUBJID"], VISIT=code))
        pga.append(pd.DataFrame({"SUBJID": s["SUBJID"], "VISIT": code, "PGA": (pga_bl - k).clip(0, 10)}))
    keep = visits[["SUBJID", "VISIT"]]
    out = {name: pd.concat(parts).merge(keep, on=["SUBJID", "VISIT"]) for name, parts in
           (("essdai", essdai), ("esspri", esspri), ("pga", pga))}
    ild = keep[keep["VISIT"].isin(["W12", "W24"]) & keep["SUBJID"].isin(s.loc[s["ILD"] == "Y", "SUBJID"])]
    out["ild"] = ild.assign(ILDSYMP=rng.choice(["IMPROVED", "STABLE", "WORSENED"], len(ild)),
                            ILDHRCT=rng.choice(["IMPROVED", "STABLE", "PROGRESSED"], len(ild)))
    return out


def _random_events(rng: np.random.Generator, s: pd.DataFrame) -> pd.DataFrame:
    counts = rng.poisson(0.6, len(s))
    idx = np.repeat(np.arange(len(s)), counts)
    m = len(idx)
    cat = rng.integers(0, len(_AE_CATALOGUE), m)
    start = rng.integers(1, 160, m)
    length = rng.integers(1, 30, m)
    ongoing = rng.random(m) < 0.1
    frame = pd.DataFrame({
        "SUBJID": s["SUBJID"].to_numpy()[idx],
        "AETERM": [_AE_CATALOGUE[c][0] for c in cat], "AEDECOD": [_AE_CATALOGUE[c][1] for c in cat],
        "AEBODSYS": [_AE_CATALOGUE[c][2] for c in cat],
        "AESTDT": _days(pd.Series(s["FIRSTDOSE"].to_numpy()[idx]), start - 1),
        "AESER": np.where(rng.random(m) < 0.03, "Y", "N"), "AETOXGR": rng.choice([1, 1, 1, 2, 2, 3], m),
        "AEREL": rng.choice(["RELATED", "POSSIBLY RELATED", "UNLIKELY RELATED", "NOT RELATED"], m),
        "AEACN": rng.choice(["DOSE NOT CHANGED"] * 8 + ["DRUG INTERRUPTED"], m),
    })
    frame["AEENDT"] = (frame["AESTDT"] + pd.to_timedelta(length, unit="D")).where(~ongoing)
    frame["AEOUT"] = np.where(ongoing, "NOT RECOVERED/NOT RESOLVED", "RECOVERED/RESOLVED")
    frame["AESPID"] = frame.groupby("SUBJID").cumcount() + 1
    return frame


def _random_conmeds(rng: np.random.Generator, s: pd.DataFrame) -> pd.DataFrame:
    catalogue = [("Hydroxychloroquine", "HYDROXYCHLOROQUINE", "ANTIMALARIAL", 200.0, "BID", 0.5),
                 ("Prednisone", "PREDNISONE", "GLUCOCORTICOID", 7.5, "QD", 0.35),
                 ("Mycophenolate mofetil", "MYCOPHENOLATE MOFETIL", "IMMUNOSUPPRESSANT", 500.0, "BID", 0.1),
                 ("Artificial tears", "SODIUM HYALURONATE", "OTHER", 1.0, "QID", 0.4)]
    parts = []
    for trt, decod, clas, dose, freq, p in catalogue:
        take = s[rng.random(len(s)) < p]
        parts.append(pd.DataFrame({
            "SUBJID": take["SUBJID"], "CMTRT": trt, "CMDECOD": decod, "CMCLAS": clas, "CMDOSE": dose,
            "CMDOSU": "drop" if clas == "OTHER" else "mg", "CMDOSFRQ": freq,
            "CMSTDT": _days(take["FIRSTDOSE"], -rng.integers(90, 1500, len(take))), "CMENDT": pd.NaT,
        }))
    frame = pd.concat(parts).sort_values("SUBJID", kind="stable")
    frame["CMSPID"] = frame.groupby("SUBJID").cumcount() + 1
    return frame


def _random_trial(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    s = _random_disposition(_random_subjects(rng, n))
    forms = _scenario_subject_forms(s)
    forms.update(_random_assessments(rng, forms["visits"], s))
    visits = forms["visits"].merge(forms["demographics"][["SUBJID", "SEX"]], on="SUBJID")
    keys = visits.rename(columns={"VISITDT": "LBDT"})[["SUBJID", "VISIT", "LBDT", "SEX"]].reset_index(drop=True)
    labs = _draw_labs(keys, rng)
    igg = labs["LBTESTCD"] == "IGG"
    labs.loc[igg, "VALUE"] = np.round(rng.uniform(8, 26, int(igg.sum())), 1)
    forms["labs"] = _format_labs(labs)
    forms["adverse_events"] = _random_events(rng, s)
    forms["conmeds"] = _random_conmeds(rng, s)
    forms["study"] = _study()
    return forms


def _sort(tables: dict) -> dict:
    keys = {name: list(form.keys) for name, form in dictionary.FORMS.items()}
    keys["labs"] = ["SUBJID", "LBDT", "LBTESTCD"]
    return {name: frame.sort_values(keys[name], kind="stable").reset_index(drop=True)
            for name, frame in tables.items()}


def generate_trial(n_subjects: int = 11, *, seed: int = DEFAULT_SEED) -> dict:
    """Generate a synthetic raw export (invented data), one frame per form of the data dictionary.

    Parameters
    ----------
    n_subjects : int, default 11
        11 gives the calibrated scenario described in the module docstring; any other number a
        random, plausible population drawn with ``seed`` (vectorised; 10,000 subjects in seconds).
    seed : int, default 20210615
        Seed of the random draws (laboratory values of the scenario; everything for other sizes).

    Returns
    -------
    dict of str to DataFrame
        Form name to frame, columns in data-dictionary order, typed (Int64, float64, datetime64, str),
        rows sorted by the form's key.

    Examples
    --------
    >>> trial = generate_trial()
    >>> len(trial["demographics"]), trial["study"]["SYNTHETIC"].item()
    (11, 'Y')
    """
    if n_subjects < 1:
        raise ValueError(f"n_subjects must be at least 1, got {n_subjects}")
    forms = _scenario(seed) if n_subjects == len(_SUBJECTS) else _random_trial(n_subjects, seed)
    return _ordered(_sort(forms))


def main(argv: list | None = None) -> int:
    """Command line: write a synthetic export (CSV files and README.md) to a folder."""
    parser = argparse.ArgumentParser(prog="python -m analysis_utils.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--n-subjects", type=int, default=11)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", required=True, help="output folder (e.g. data/raw)")
    args = parser.parse_args(argv)
    export.write_export(generate_trial(args.n_subjects, seed=args.seed), args.out)
    export.write_text(README, f"{args.out}/README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
