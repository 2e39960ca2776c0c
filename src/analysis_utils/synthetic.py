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

``generate_randomised_trial`` writes the second shipped example, a two-arm randomised trial with eight
centres, visits every four weeks and the week-12 switch of control non-responders, under its own study
identity (``RANDOMISED_STUDYID``, the protocol's title and reference in the ``study`` form)::

    python -m analysis_utils.synthetic --randomised --out data/examples/randomised

Both shipped examples at once, each in its folder (``export.SHIPPED_SYNTHETIC``; ``make synthetic``)::

    python -m analysis_utils.synthetic --shipped
"""

import argparse
from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import dictionary, eligibility, export, paths, scoring
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


def _study(export_date: str | pd.Timestamp = EXPORT_DATE) -> pd.DataFrame:
    """The one-row ``study`` form, flagged synthetic."""
    return pd.DataFrame({"STUDYID": [STUDYID], "SITEID": [SITEID], "SYNTHETIC": ["Y"],
                         "EXPORTDT": [pd.Timestamp(export_date)]})


def _randomised_study(n_centres: int, ratio: tuple) -> pd.DataFrame:
    """The one-row ``study`` form of the randomised example: its own identity, no single site, flagged synthetic."""
    design = (f"Synthetic example modelled on the protocol: multi-centre ({n_centres} centres), open-label, "
              f"randomised {ratio[0]}:{ratio[1]} to {TREATED_ARM} or {CONTROL_ARM}, 24 weeks; patients on "
              f"{CONTROL_ARM} without an ESSDAI response at week {SWITCH_WEEK} switch to {TREATED_ARM}")
    return pd.DataFrame({"STUDYID": [RANDOMISED_STUDYID], "SYNTHETIC": ["Y"], "EXPORTDT": [pd.Timestamp(EXPORT_DATE)],
                         "TITLE": [RANDOMISED_TITLE], "REGID": [""], "REFERENCE": [RANDOMISED_REFERENCE],
                         "DESIGN": [design]})


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
    s = pd.DataFrame({
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
        "FOCUSSC": np.where(rng.random(n) < 0.3, np.round(focus := rng.uniform(1, 4, n), 1), np.nan),
        "OSS": rng.integers(2, 9, n).astype(float),
        "SCHIRMER": rng.integers(0, 10, n).astype(float),
        "UWSFR": np.round(rng.uniform(0.01, 0.3, n), 2),
        "EXMISSED": rng.integers(0, 6, n),
        "_U": u,
    })
    return _classified(s, np.round(focus, 1))


def _classified(s: pd.DataFrame, focus: np.ndarray) -> pd.DataFrame:
    """Subjects (``_random_subjects``) of whom each meets the 2016 ACR/EULAR classification, as the protocols'
    inclusion requires: one whose other tests score under ``eligibility.ACR_EULAR_MIN_SCORE`` (anti-SSA negative, or
    positive with no other item) had the labial gland biopsy that classifies such a patient, with the focus score
    ``focus`` (1 or more, 3 points); one anti-SSA negative whose biopsy is the only item met has a third of the
    drawn saliva flow (0.1 mL/min or less, 1 point)."""
    items = [column for column, *_ in eligibility.ACR_EULAR_ITEMS.values()]

    def low(frame):
        return (eligibility.compute_acr_eular_2016(frame[items])["SCORE"] < eligibility.ACR_EULAR_MIN_SCORE).to_numpy()

    s = s.assign(FOCUSSC=np.where(low(s), focus, s["FOCUSSC"]))
    return s.assign(UWSFR=np.where(low(s), np.round(s["UWSFR"] / 3, 2), s["UWSFR"]))


def _serologically_active(labs: pd.DataFrame) -> pd.DataFrame:
    """SI results (``_draw_labs``) in which each subject has serological activity at baseline, as the pilot's
    inclusion requires (CRP, ESR and/or IgG above the upper limit of normal: ``eligibility.SEROLOGY_PARAMS``): where
    none of the three is raised, the baseline ESR is its drawn value above the upper limit (25-38 mm/h in women)."""
    base = labs[(labs["VISIT"] == dictionary.BASELINE) & labs["LBTESTCD"].isin(eligibility.SEROLOGY_PARAMS)]
    uln = pd.Series(np.nan, index=base.index)
    for test in eligibility.SEROLOGY_PARAMS:
        rows = base["LBTESTCD"] == test
        uln[rows] = _reference(test, base.loc[rows, "SEX"])[1]
    value = base["VALUE"].astype(float)
    active = (value > uln).groupby(base["SUBJID"]).transform("any")
    esr = base.index[(base["LBTESTCD"] == "ESR").to_numpy() & ~active.to_numpy()]
    return labs.assign(VALUE=labs["VALUE"].where(~labs.index.isin(esr), uln[esr] + value[esr]))


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


def _withdrawn_for_adverse_event(events: pd.DataFrame, left: pd.Series) -> pd.DataFrame:
    """``events`` with an adverse event whose action is DRUG WITHDRAWN for each subject who left for an adverse event
    (``left``: SUBJID -> end-of-study date; validation queries a subject without one,
    ``discontinued_without_adverse_event``): the subject's last event starting by that date, or, without one, an event
    added (nausea, grade 2, related, from 7 days before that date to the date). Draws nothing at random."""
    if left.empty:
        return events
    before = events[events["AESTDT"] <= pd.to_datetime(events["SUBJID"].map(left))]
    last = before.sort_values(["SUBJID", "AESTDT", "AESPID"], kind="stable").groupby("SUBJID").tail(1).index
    events = events.copy()
    events.loc[last, "AEACN"] = "DRUG WITHDRAWN"
    without = left[~left.index.isin(before["SUBJID"])]
    term, decod, soc = _AE_CATALOGUE[2]
    added = pd.DataFrame({
        "SUBJID": without.index, "AETERM": term, "AEDECOD": decod, "AEBODSYS": soc,
        "AESTDT": (without - pd.Timedelta(days=7)).to_numpy(), "AESER": "N", "AETOXGR": 2, "AEREL": "RELATED",
        "AEACN": "DRUG WITHDRAWN", "AEENDT": without.to_numpy(), "AEOUT": "RECOVERED/RESOLVED",
        "AESPID": without.index.map(events.groupby("SUBJID")["AESPID"].max()).fillna(0).astype(int) + 1,
    })
    return pd.concat([events, added[events.columns]], ignore_index=True)


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
    forms["labs"] = _format_labs(_serologically_active(labs))
    left = forms["disposition"].set_index("SUBJID")
    forms["adverse_events"] = _withdrawn_for_adverse_event(
        _random_events(rng, s), left.loc[left["DSDECOD"] == "ADVERSE EVENT", "DSSTDT"])
    forms["conmeds"] = _random_conmeds(rng, s)
    # exported once its last record was entered (enrolment runs 400 days from 2021-06-28): the whole trial is analysed
    last = max(frame[c].max() for frame in forms.values() for c in frame if pd.api.types.is_datetime64_any_dtype(frame[c]))
    forms["study"] = _study(max(pd.Timestamp(EXPORT_DATE), last))
    return forms


def _sort(tables: dict) -> dict:
    keys = {name: list(form.keys) for name, form in dictionary.FORMS.items()}
    keys["labs"] = ["SUBJID", "LBDT", "LBTESTCD"]
    keys["schedule"] = ["AVISITN"]
    keys["arms"] = ["ARMN"]
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


# ---------------------------------------------------------------------------------------------
# The randomised follow-on trial (data/examples/randomised): two arms, eight centres, weeks 0-24.
# ---------------------------------------------------------------------------------------------

#: Default seed of the randomised example (its protocol's publication month, 2023-02).
RANDOMISED_SEED = 20230201
#: Arms of the randomised example: (experimental, control) (``dictionary.RANDOMISED_ARMS``).
TREATED_ARM, CONTROL_ARM = "Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg"
#: Daily baricitinib dose of the experimental arm (protocol, Trials 2023; EXDOSE, mg; 0 on HCQ alone).
TREATED_DOSE = 4.0
#: Planned weeks of the randomised example: every 4 weeks from 0 to 24 (protocol, Trials 2023).
RANDOMISED_WEEKS = (0, 4, 8, 12, 16, 20, 24)
#: Half-width (days) of the post-baseline visit windows of the randomised example. The protocol gives no
#: window; +/- 7 days keeps the four-weekly windows apart (docs/decisions.md, "Randomised trials").
RANDOMISED_WINDOW_DAYS = 7
#: Week of the primary endpoint and of the switch of control non-responders.
SWITCH_WEEK = dictionary.SWITCH_WEEK
#: Probability of the ESSDAI MCII (decrease >= 3) at week 12 on HCQ alone: 0.59, the placebo arm of
#: the ETAP tocilizumab trial at week 12, 29/49 (59.2 %) (Felten R et al. Ann Rheum Dis 2021;80:329-338,
#: doi:10.1136/annrheumdis-2020-218467, Table 2; control arms of pSS trials respond often). For
#: comparison, the HCQ arm of JOQUER had 7/14 (50 %) (Seror R et al. Ann Rheum Dis 2016, Table 5).
CONTROL_MCII_PROBABILITY = 0.59
#: Probability of the ESSDAI MCII at week 12 on baricitinib + HCQ: 0.85, close to the pilot (8 of 9
#: patients with week-24 data, 89 %; Bai W et al. Ann Rheum Dis 2022;81(7):1050).
TREATED_MCII_PROBABILITY = 0.85
#: Probability that a switched control non-responder reaches the MCII at week 24 (from baseline): the
#: treated arm's rate.
SWITCHED_MCII_PROBABILITY = TREATED_MCII_PROBABILITY
#: Share of patients leaving the study before week 12 and between weeks 12 and 24 (invented; 9 % overall,
#: below the pilot's 2 of 11; drawn as exact counts, 3 and 4 of 87).
EARLY_DROPOUT_PROBABILITY = 0.04
LATE_DROPOUT_PROBABILITY = 0.05
#: Study start of the randomised example (first dose of the first patient) and the enrolment span in days,
#: so that every week-24 visit lies before the data cut ``EXPORT_DATE``.
RANDOMISED_START = "2021-01-04"
RANDOMISED_ENROLMENT_DAYS = 150
#: Study identifier of the randomised example: a code that cannot be mistaken for a registry number (the
#: trial's registry number is not in the project's sources; its protocol is ``RANDOMISED_REFERENCE``).
RANDOMISED_STUDYID = "BARI-PSS-RCT"
#: Title of the randomised example: the protocol's title (Trials 2023, doi:10.1186/s13063-023-07087-5).
RANDOMISED_TITLE = ("A multi-center, open-label, randomized study to explore efficacy and safety of baricitinib in "
                    "active primary Sjogren's syndrome patients")
#: Reference of the randomised example: the trial's published protocol.
RANDOMISED_REFERENCE = ("Study protocol: Bai W, Yang F, Xu H, et al. Trials 2023. doi:10.1186/s13063-023-07087-5 "
                        "(the example's data are invented)")
#: Text of data/examples/randomised/README.md.
RANDOMISED_README = """# Synthetic randomised trial (invented data)

The files in this folder are a SYNTHETIC, INVENTED two-arm trial modelled on the randomised follow-on
trial of the pilot (protocol: Trials 2023, doi:10.1186/s13063-023-07087-5): 87 patients with ESSDAI >= 5
in 8 centres, randomised 2:1 to baricitinib 4 mg + hydroxychloroquine (HCQ) 400 mg daily or HCQ 400 mg
alone, visits at weeks 0, 4, 8, 12, 16, 20 and 24, primary endpoint the ESSDAI MCII (a decrease of at
least 3 points) at week 12; patients on HCQ alone without the MCII at week 12 switch to baricitinib + HCQ.
No result of that trial is in these files. Its study identifier, `BARI-PSS-RCT` (form `study`, the prefix
of every USUBJID), is a code of this example, not a registry number; the study form also gives the
protocol's title and the protocol itself as the reference (columns `TITLE`, `REFERENCE`, `DESIGN`).

They were written by `python -m analysis_utils.synthetic --randomised --out data/examples/randomised`,
a seeded, deterministic generator (`synthetic.generate_randomised_trial`) that rewrites them byte for
byte. Response probabilities at week 12: 59 % on HCQ alone (the placebo arm of the ETAP tocilizumab trial),
85 % on baricitinib + HCQ (close to the pilot). Every patient meets the inclusion criteria but one (083),
whose CNS activity at baseline the protocol excludes: the eligibility listing names that patient. The
initials and hospital record numbers are fake.

Build its report with `make report DATA_DIR=data/examples/randomised`. The forms `randomisation`, `arms`
(the arms, their codes and daily doses of baricitinib, as another trial's export declares its own) and `schedule`
and the treatment periods of `exposure` are described in docs/data_dictionary.md.
"""


def randomised_schedule(weeks=RANDOMISED_WEEKS, *, half_width: int = RANDOMISED_WINDOW_DAYS) -> pd.DataFrame:
    """Return the ``schedule`` form of a trial with visits at ``weeks`` (0 first: baseline ``BL``).

    Baseline keeps the pilot's window (day -28 to 1, ``dictionary.BASELINE_WINDOW``); week ``w`` is
    ``W<w>``, "Week <w>", target study day ``7 w + 1`` +/- ``half_width``.

    Examples
    --------
    >>> randomised_schedule((0, 4, 12)).values.tolist()
    [['BL', 'Baseline', 0, -28, 1], ['W4', 'Week 4', 4, 22, 36], ['W12', 'Week 12', 12, 78, 92]]
    """
    if not weeks or weeks[0] != 0:
        raise ValueError(f"the schedule must start with week 0 (baseline), got {weeks}")
    rows = [(dictionary.BASELINE, "Baseline", 0, *dictionary.BASELINE_WINDOW)]
    for w in weeks[1:]:
        target = dictionary.DAYS_PER_WEEK * w + 1
        rows.append((f"W{w}", f"Week {w}", w, target - half_width, target + half_width))
    return pd.DataFrame(rows, columns=list(dictionary.SCHEDULE_COLUMNS)).astype(
        {"AVISITN": "int64", "WINLO": "int64", "WINHI": "int64"})


def allocate(n_subjects: int, n_centres: int, ratio: tuple, rng: np.random.Generator) -> pd.DataFrame:
    """Allocate subjects to centres and arms by permuted blocks of ``sum(ratio)`` within each centre.

    The centres get whole blocks, as evenly as possible (the first centres one more); subjects beyond
    the last whole block (``n_subjects`` not a multiple of the block) are drawn from one more block at
    the last centre. With whole blocks the arms are exactly in the ratio (87 patients 2:1: 58 and 29).

    Returns
    -------
    DataFrame
        ``SITEID`` ("01", ...) and ``ARM`` (``TREATED_ARM`` for the first share of ``ratio``, else
        ``CONTROL_ARM``), one row per subject in enrolment order within centre.

    Examples
    --------
    >>> a = allocate(87, 8, (2, 1), np.random.default_rng(1))
    >>> a["ARM"].value_counts().to_dict(), a["SITEID"].nunique()
    ({'Baricitinib 4 mg + HCQ 400 mg': 58, 'HCQ 400 mg': 29}, 8)
    """
    block = [TREATED_ARM] * ratio[0] + [CONTROL_ARM] * ratio[1]
    n_blocks, rest = divmod(n_subjects, len(block))
    per_centre = [n_blocks // n_centres + (c < n_blocks % n_centres) for c in range(n_centres)]
    sites, arms = [], []
    for c, blocks in enumerate(per_centre):
        for _ in range(blocks):
            arms += list(rng.permutation(block))
            sites += [f"{c + 1:02d}"] * len(block)
    arms += list(rng.permutation(block)[:rest])
    sites += [f"{n_centres:02d}"] * rest
    return pd.DataFrame({"SITEID": sites, "ARM": arms})


def allocate_trials(n_trials: int, n_subjects: int, n_centres: int, ratio: tuple,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Allocate ``n_trials`` trials at once by the rule of ``allocate``, for simulating a planned trial.

    The centres and blocks are ``allocate``'s (called once: subject i is in the same centre and the
    same block in every trial); within every block of every trial the arms are a uniformly random
    permutation of the block (``ratio[0]`` treated, ``ratio[1]`` control), the last, partial block
    being the first subjects of such a permutation, as in ``allocate``. The permutations are the
    ranks of uniform draws (one (trials x blocks x block size) array), not ``allocate``'s
    random stream.

    Returns
    -------
    (centre, treated)
        ``centre``: the centre of each subject, 0 to ``n_centres`` - 1 (``SITEID`` "01" is 0);
        ``treated``: bool array (n_trials, n_subjects), True for ``TREATED_ARM``.

    Examples
    --------
    >>> centre, treated = allocate_trials(1000, 87, 8, (2, 1), np.random.default_rng(1))
    >>> np.bincount(centre).tolist(), set(treated.sum(axis=1).tolist())  # 5 centres of 4 blocks, 3 of 3
    ([12, 12, 12, 12, 12, 9, 9, 9], {58})
    """
    layout = allocate(n_subjects, n_centres, ratio, rng)
    centre = layout["SITEID"].astype(int).to_numpy() - 1
    size = sum(ratio)
    n_blocks = -(-n_subjects // size)
    block = np.r_[np.ones(ratio[0], dtype=bool), np.zeros(ratio[1], dtype=bool)]
    order = rng.random((n_trials, n_blocks, size)).argsort(axis=-1)
    return centre, block[order].reshape(n_trials, n_blocks * size)[:, :n_subjects]


def _lower(level: int, allowed) -> int:
    """The next allowed level below ``level`` (CNS has no level 1)."""
    return max(a for a in allowed if a < level)


def _decrements(levels: dict, rng: np.random.Generator, at_least: int, at_most: int) -> list:
    """A random sequence of one-level decreases of active domains, total ESSDAI decrease in [at_least, at_most].

    Each step lowers one domain by one allowed level (weight x level difference); steps are drawn
    among the domains whose decrease keeps the total within ``at_most``; drawing stops once the total
    reaches ``at_least`` (with probability 1/2 after that, up to ``at_most``) or no step fits.
    """
    current, steps, total = dict(levels), [], 0
    while True:
        fits = [d for d, lv in current.items() if lv > 0 and total + scoring.ESSDAI_WEIGHTS[d] * (
            lv - _lower(lv, scoring.ESSDAI_ALLOWED_LEVELS[d])) <= at_most]
        if not fits or (total >= at_least and rng.random() < 0.5):
            return steps
        d = fits[rng.integers(len(fits))]
        new = _lower(current[d], scoring.ESSDAI_ALLOWED_LEVELS[d])
        total += scoring.ESSDAI_WEIGHTS[d] * (current[d] - new)
        current[d] = new
        steps.append(d)


def _apply(levels: dict, steps: list) -> dict:
    out = dict(levels)
    for d in steps:
        out[d] = _lower(out[d], scoring.ESSDAI_ALLOWED_LEVELS[d])
    return out


def _essdai(levels: dict) -> int:
    return int(sum(scoring.ESSDAI_WEIGHTS[d] * lv for d, lv in levels.items()))


def _randomised_levels(rng: np.random.Generator, s: pd.DataFrame, weeks: tuple) -> tuple:
    """ESSDAI levels per subject and week, and who switched: the response model of ``generate_randomised_trial``.

    Responders at week 12 (drawn with the arm's MCII probability) decrease by 3 or more from baseline,
    non-responders by 0-2; the decrease builds up linearly over the visits before week 12. After week
    12 the treated arm and control responders keep their state (a further small decrease with
    probability 1/2); control non-responders switch and reach the MCII at week 24 with
    ``SWITCHED_MCII_PROBABILITY``, again built up linearly.
    """
    base = _random_levels(rng, len(s))
    base["haematological"] = base["haematological"].clip(upper=2)  # the labs show levels 1 and 2 only
    low = scoring.compute_essdai(base).to_numpy() < 5
    base.loc[low, "articular"] = 3  # ESSDAI >= 5 at inclusion
    by_week, switched = {w: [] for w in weeks}, []
    for i, arm in enumerate(s["ARM"]):
        bl = {d: int(base.loc[i, d]) for d in ESSDAI_DOMAINS}
        p = TREATED_MCII_PROBABILITY if arm == TREATED_ARM else CONTROL_MCII_PROBABILITY
        responder = rng.random() < p
        early = _decrements(bl, rng, 3, _essdai(bl)) if responder else _decrements(bl, rng, 0, 2)
        at_12 = _apply(bl, early)
        switch = arm == CONTROL_ARM and not responder
        if switch:
            more = (_decrements(at_12, rng, 3 - (_essdai(bl) - _essdai(at_12)), _essdai(at_12))
                    if rng.random() < SWITCHED_MCII_PROBABILITY else _decrements(at_12, rng, 0, 1))
        else:
            more = _decrements(at_12, rng, 0, 2) if rng.random() < 0.5 else []
        switched.append(switch)
        for w in weeks:
            if w <= SWITCH_WEEK:
                k = int(round(len(early) * w / SWITCH_WEEK))
                by_week[w].append(_apply(bl, early[:k]))
            else:
                k = int(round(len(more) * (w - SWITCH_WEEK) / (weeks[-1] - SWITCH_WEEK)))
                by_week[w].append(_apply(at_12, more[:k]))
    return {w: pd.DataFrame(rows, columns=list(ESSDAI_DOMAINS)) for w, rows in by_week.items()}, np.array(switched)


def _randomised_subjects(rng: np.random.Generator, n: int, n_centres: int, ratio: tuple) -> pd.DataFrame:
    s = _random_subjects(rng, n)
    alloc = allocate(n, n_centres, ratio, rng)
    start = pd.Timestamp(RANDOMISED_START)
    first = start + pd.to_timedelta(np.sort(rng.integers(0, RANDOMISED_ENROLMENT_DAYS, n)), unit="D")
    return s.assign(SITEID=alloc["SITEID"].to_numpy(), ARM=alloc["ARM"].to_numpy(), FIRSTDOSE=first,
                    HBSAG="NEGATIVE")


def _randomised_visits(rng: np.random.Generator, s: pd.DataFrame, schedule: pd.DataFrame) -> pd.DataFrame:
    """Visit dates: target day +/- 3 days, one visit in ten a little outside (a window query); none after leaving."""
    parts = []
    for row in schedule.itertuples():
        n = len(s)
        if row.AVISITN == 0:
            day = np.zeros(n, dtype=int)
        else:
            target = dictionary.DAYS_PER_WEEK * row.AVISITN
            day = target + rng.integers(-3, 4, n) + np.where(rng.random(n) < 0.02, RANDOMISED_WINDOW_DAYS + 2, 0)
        keep = (row.AVISITN <= s["_LASTWEEK"]).to_numpy()
        parts.append(pd.DataFrame({"SUBJID": s["SUBJID"][keep], "VISIT": row.VISIT, "_WEEK": row.AVISITN,
                                   "VISITDT": _days(s["FIRSTDOSE"][keep], day[keep])}))
    return pd.concat(parts, ignore_index=True)


def _randomised_exposure(s: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """One period per subject, two for a switched one: HCQ alone to the day before the week-12 visit, then
    baricitinib + HCQ from that visit's date (the first new dose after the week-12 assessment)."""
    switch_day = visits[visits["_WEEK"] == SWITCH_WEEK].set_index("SUBJID")["VISITDT"]
    first = pd.DataFrame({"SUBJID": s["SUBJID"], "EXTRT": s["ARM"],
                          "EXDOSE": np.where(s["ARM"] == TREATED_ARM, TREATED_DOSE, 0.0),
                          "EXSTDT": s["FIRSTDOSE"], "EXENDT": s["LASTDOSEDT"], "EXMISSED": s["EXMISSED"]})
    sw = s[s["SWITCHED"]]
    start = sw["SUBJID"].map(switch_day)
    first.loc[s["SWITCHED"].to_numpy(), "EXENDT"] = (start - _DAY).to_numpy()
    first.loc[s["SWITCHED"].to_numpy(), "EXMISSED"] = (sw["EXMISSED"] // 2).to_numpy()
    second = pd.DataFrame({"SUBJID": sw["SUBJID"], "EXTRT": TREATED_ARM, "EXDOSE": TREATED_DOSE,
                           "EXSTDT": start, "EXENDT": sw["LASTDOSEDT"],
                           "EXMISSED": sw["EXMISSED"] - sw["EXMISSED"] // 2})
    return pd.concat([first, second], ignore_index=True)


def _randomised_pro(rng: np.random.Generator, s: pd.DataFrame, levels: dict, visits: pd.DataFrame) -> dict:
    """ESSDAI, ESSPRI and PGA rows at the visits attended; ESSPRI and PGA follow the ESSDAI decrease loosely."""
    n = len(s)
    bl_total = np.array([_essdai(r) for r in levels[0].to_dict("records")])
    pro_bl = rng.integers(3, 10, (n, 3))
    pga_bl = rng.integers(4, 9, n).astype(float)
    essdai, esspri, pga = [], [], []
    for w, lv in levels.items():
        code = dictionary.BASELINE if w == 0 else f"W{w}"
        drop = bl_total - np.array([_essdai(r) for r in lv.to_dict("records")])
        frame = lv.rename(columns=ESSDAI_LEVEL_PARAMCD).assign(SUBJID=s["SUBJID"].to_numpy(), VISIT=code)
        frame[HAEM_ATTRIBUTION_PARAMCD] = np.where(lv["haematological"] > 0, "Y", "N")
        essdai.append(frame)
        items = (pro_bl - np.round(drop[:, None] * rng.uniform(0, 0.4, (n, 3)))).clip(0, 10).astype(int)
        esspri.append(pd.DataFrame(items, columns=list(ESSPRI_ITEM_PARAMCD.values())).assign(
            SUBJID=s["SUBJID"].to_numpy(), VISIT=code))
        score = (pga_bl - np.round(drop * rng.uniform(0.2, 0.6, n) * 2) / 2).clip(0, 10)
        pga.append(pd.DataFrame({"SUBJID": s["SUBJID"].to_numpy(), "VISIT": code, "PGA": score}))
    keep = visits[["SUBJID", "VISIT"]]
    out = {name: pd.concat(parts).merge(keep, on=["SUBJID", "VISIT"]) for name, parts in
           (("essdai", essdai), ("esspri", esspri), ("pga", pga))}
    ild_visits = [f"W{SWITCH_WEEK}", f"W{RANDOMISED_WEEKS[-1]}"]
    ild = keep[keep["VISIT"].isin(ild_visits) & keep["SUBJID"].isin(s.loc[s["ILD"] == "Y", "SUBJID"])]
    out["ild"] = ild.assign(ILDSYMP=rng.choice(["IMPROVED", "STABLE", "WORSENED"], len(ild)),
                            ILDHRCT=rng.choice(["IMPROVED", "STABLE", "PROGRESSED"], len(ild)))
    return out


def _randomised_labs(rng: np.random.Generator, forms: dict, levels: dict) -> pd.DataFrame:
    """Normal laboratory values, with lymphocytes, neutrophils and IgG agreeing with the recorded
    haematological (1: lymphopenia, 2: neutropenia) and biological (IgG 16-20 or > 20 g/L) levels."""
    visits = forms["visits"].merge(forms["demographics"][["SUBJID", "SEX"]], on="SUBJID")
    keys = visits.rename(columns={"VISITDT": "LBDT"})[["SUBJID", "VISIT", "LBDT", "SEX"]].reset_index(drop=True)
    labs = _draw_labs(keys, rng)
    frames = [lv.assign(SUBJID=forms["demographics"]["SUBJID"].to_numpy(),
                        VISIT=dictionary.BASELINE if w == 0 else f"W{w}") for w, lv in levels.items()]
    lv = pd.concat(frames).set_index(["SUBJID", "VISIT"])
    at = pd.MultiIndex.from_frame(labs[["SUBJID", "VISIT"]])
    haem, biol = lv["haematological"].reindex(at).to_numpy(), lv["biological"].reindex(at).to_numpy()
    m = len(labs)
    test = labs["LBTESTCD"].to_numpy()
    value = labs["VALUE"].to_numpy(dtype=object).copy()
    igg = np.select([biol == 2, biol == 1], [rng.uniform(20.5, 26, m), rng.uniform(16.5, 19.5, m)],
                    rng.uniform(8, 15.5, m))
    value[test == "IGG"] = np.round(igg[test == "IGG"], 1)
    low = np.round(rng.uniform(0.6, 0.95, m), 2)
    value[(test == "LYM") & (haem == 1)] = low[(test == "LYM") & (haem == 1)]
    value[(test == "NEUT") & (haem == 2)] = low[(test == "NEUT") & (haem == 2)]
    labs["VALUE"] = value
    wide = labs.pivot_table(index=["SUBJID", "VISIT"], columns="LBTESTCD", values="VALUE", aggfunc="first")
    wbc = (wide["NEUT"].astype(float) + wide["LYM"].astype(float) + 0.6).round(2)
    is_wbc = labs["LBTESTCD"] == "WBC"
    labs.loc[is_wbc, "VALUE"] = pd.MultiIndex.from_frame(labs.loc[is_wbc, ["SUBJID", "VISIT"]]).map(wbc)
    return _format_labs(_serologically_active(labs))


def generate_randomised_trial(n_subjects: int = 87, *, n_centres: int = 8, ratio: tuple = (2, 1),
                              seed: int = RANDOMISED_SEED) -> dict:
    """Generate a synthetic two-arm randomised trial (invented data), one frame per form.

    Modelled on the randomised follow-on trial of the pilot (protocol: Trials 2023,
    doi:10.1186/s13063-023-07087-5): ``n_subjects`` patients with ESSDAI >= 5 (as the pilot's
    generator draws them) in ``n_centres`` centres, randomised by permuted blocks within centre
    (``allocate``) in ``ratio`` to baricitinib 4 mg + HCQ 400 mg (``TREATED_ARM``) or HCQ 400 mg alone
    (``CONTROL_ARM``, the control); visits at weeks 0-24 every 4 weeks (``randomised_schedule``).

    Calibration (docs/decisions.md, "Randomised trials"):

    - ESSDAI MCII (decrease >= 3) at week 12 with probability ``CONTROL_MCII_PROBABILITY`` = 0.59 on HCQ
      alone (the placebo arm of the ETAP tocilizumab trial at week 12, 29/49, Felten R et al. Ann Rheum Dis
      2021;80:329-338: control arms of pSS trials respond often) and ``TREATED_MCII_PROBABILITY`` = 0.85
      on baricitinib + HCQ (close to the pilot's 8 of 9, Bai W et al. Ann Rheum Dis 2022;81(7):1050);
    - control patients without the MCII at week 12 switch to baricitinib + HCQ at the week-12 visit
      (a second exposure period from that date) and reach the MCII at week 24 with
      ``SWITCHED_MCII_PROBABILITY``;
    - dropouts: a share ``EARLY_DROPOUT_PROBABILITY`` before week 12 (adverse event or withdrawal) and
      ``LATE_DROPOUT_PROBABILITY`` after it (lost to follow-up), invented, as exact counts;
    - laboratory IgG, lymphocytes and neutrophils agree with the recorded biological and haematological
      levels;
    - every patient meets the 2016 ACR/EULAR classification (``_classified``) and has a raised CRP, ESR or IgG at
      baseline (``_serologically_active``), as the protocols' inclusion requires; one (083) has CNS activity at
      baseline, as the draws left it, which the eligibility listing names (exclusion 1);
    - everything else (demographics, ESSPRI, PGA, events, medications) as the pilot's random
      population, with no HCQ among the concomitant medications (it is study treatment).

    Parameters
    ----------
    n_subjects : int, default 87
    n_centres : int, default 8
    ratio : (int, int), default (2, 1)
        Patients on baricitinib + HCQ : patients on HCQ alone, per block.
    seed : int, default ``RANDOMISED_SEED``

    Returns
    -------
    dict of str to DataFrame
        Every form of the data dictionary, ``randomisation`` and ``schedule`` included, typed, in
        dictionary column order (exposure with ``EXTRT``), rows sorted by key.

    Examples
    --------
    >>> trial = generate_randomised_trial()
    >>> trial["randomisation"]["ARM"].value_counts().tolist(), trial["demographics"]["SITEID"].nunique()
    ([58, 29], 8)
    """
    if n_subjects < sum(ratio) or n_centres < 1 or min(ratio) < 1:
        raise ValueError(f"need at least one block of {sum(ratio)} subjects, one centre and both arms; got "
                         f"n_subjects={n_subjects}, n_centres={n_centres}, ratio={ratio}")
    rng = np.random.default_rng(seed)
    schedule = randomised_schedule()
    s = _randomised_subjects(rng, n_subjects, n_centres, ratio)
    levels, switched = _randomised_levels(rng, s, RANDOMISED_WEEKS)
    n_early, n_late = (int(round(n_subjects * p)) for p in (EARLY_DROPOUT_PROBABILITY, LATE_DROPOUT_PROBABILITY))
    leaving = rng.permutation(n_subjects)[: n_early + n_late]
    early, late = np.isin(np.arange(n_subjects), leaving[:n_early]), np.isin(np.arange(n_subjects), leaving[n_early:])
    last_week = np.where(early, rng.choice([0, 4, 8], n_subjects), np.where(late, rng.choice([12, 16, 20], n_subjects),
                                                                             RANDOMISED_WEEKS[-1]))
    s = s.assign(_LASTWEEK=last_week, SWITCHED=switched & (last_week >= SWITCH_WEEK) & ~early)
    forms = _scenario_subject_forms(s.assign(LASTDOSE=0, DSDAY=0, DSDECOD=""))  # visits, exposure, disposition below
    visits = _randomised_visits(rng, s, schedule)
    last_visit = visits.groupby("SUBJID")["VISITDT"].max()
    leave = s["SUBJID"].map(last_visit) + pd.to_timedelta(np.where(early | late, rng.integers(3, 20, n_subjects), 0),
                                                           unit="D")
    s = s.assign(LASTDOSEDT=leave)
    forms["demographics"]["SITEID"] = s["SITEID"].to_numpy()
    forms["visits"] = visits.drop(columns="_WEEK")
    forms["exposure"] = _randomised_exposure(s, visits)
    forms["disposition"] = pd.DataFrame({
        "SUBJID": s["SUBJID"], "DSSTDT": leave,
        "DSDECOD": np.where(early, rng.choice(["ADVERSE EVENT", "WITHDRAWAL BY SUBJECT"], n_subjects),
                            np.where(late, "LOST TO FOLLOW-UP", "COMPLETED"))})
    forms["randomisation"] = pd.DataFrame({"SUBJID": s["SUBJID"], "RANDDT": s["FIRSTDOSE"] - _DAY,
                                           "ARM": s["ARM"], "STRATUM": "CENTRE " + s["SITEID"]})
    forms["schedule"] = schedule
    forms["arms"] = pd.DataFrame({"ARM": [CONTROL_ARM, TREATED_ARM], "ARMN": [1, 2], "DOSE": [0.0, TREATED_DOSE]})
    forms.update(_randomised_pro(rng, s, levels, forms["visits"]))
    forms["labs"] = _randomised_labs(rng, forms, levels)
    events = _random_events(rng, s)
    ends = events["SUBJID"].map(s.set_index("SUBJID")["LASTDOSEDT"])
    left = forms["disposition"].set_index("SUBJID")
    forms["adverse_events"] = _withdrawn_for_adverse_event(events[events["AESTDT"] <= ends].reset_index(drop=True),
                                                           left.loc[left["DSDECOD"] == "ADVERSE EVENT", "DSSTDT"])
    conmeds = _random_conmeds(rng, s)
    conmeds = conmeds[conmeds["CMDECOD"] != "HYDROXYCHLOROQUINE"]
    forms["conmeds"] = conmeds.assign(CMSPID=conmeds.groupby("SUBJID").cumcount() + 1)
    forms["study"] = _randomised_study(n_centres, ratio)
    return _ordered(_sort(forms))


def main(argv: list | None = None) -> int:
    """Command line: write a synthetic export (CSV files and README.md) to a folder.

    ``--randomised`` writes the two-arm trial (``generate_randomised_trial``, 87 patients unless
    ``--n-subjects``); otherwise the single-arm pilot (``generate_trial``, 11 patients unless ``--n-subjects``).
    ``--shipped`` rewrites every example shipped with the project in its folder
    (``export.SHIPPED_SYNTHETIC``: ``data/raw`` and ``data/examples/randomised``; ``make synthetic``).
    """
    parser = argparse.ArgumentParser(prog="python -m analysis_utils.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--n-subjects", type=int, default=None, help="default 11 (87 with --randomised)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--randomised", action="store_true",
                        help="the randomised two-arm trial (data/examples/randomised) instead of the pilot")
    parser.add_argument("--n-centres", type=int, default=8, help="centres of the randomised trial (default 8)")
    parser.add_argument("--out", help="output folder (e.g. data/raw)")
    parser.add_argument("--shipped", action="store_true",
                        help="rewrite every shipped example in its folder (data/raw, data/examples/randomised)")
    args = parser.parse_args(argv)
    if args.shipped:
        for folder, shipped_args in export.SHIPPED_SYNTHETIC.values():
            main([*shipped_args, "--out", str(paths.resolve(folder))])
        return 0
    if not args.out:
        parser.error("--out is required (or --shipped)")
    if args.randomised:
        trial = generate_randomised_trial(args.n_subjects or 87, n_centres=args.n_centres,
                                          seed=RANDOMISED_SEED if args.seed is None else args.seed)
        readme = RANDOMISED_README
    else:
        trial = generate_trial(11 if args.n_subjects is None else args.n_subjects,
                               seed=DEFAULT_SEED if args.seed is None else args.seed)
        readme = README
    export.write_export(trial, args.out)
    export.write_text(readme, f"{args.out}/README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
