"""Shared vocabulary of the analysis datasets: study constants, visits and parameter codes.

Every module and notebook takes names from here so that a code is spelled once.
The clinical rules themselves (weights, thresholds) live with the code that applies them
(``scoring``, ``ctcae``, ``endpoints``), each with its source.
"""

STUDYID = "NCT04916756"
STUDY_TITLE = "Pilot study of baricitinib 2 mg daily in active primary Sjögren's syndrome"
STUDY_DESIGN = "Single-centre, open-label, single-arm, 24-week pilot (Peking Union Medical College Hospital)"
STUDY_REFERENCE = "Bai W et al. Ann Rheum Dis 2022;81(7):1050. doi:10.1136/annrheumdis-2021-222053"
ARM = "Baricitinib 2 mg"

# Analysis visits: AVISIT label, AVISITN (study week) and target study day.
VISITS = {"BL": ("Baseline", 0), "W12": ("Week 12", 12), "W24": ("Week 24", 24)}
AVISIT_ORDER = ("Baseline", "Week 12", "Week 24")
AVISITN = {label: week for label, week in VISITS.values()}
VISIT_TARGET_DAY = {"Baseline": 1, "Week 12": 85, "Week 24": 169}

# ESSDAI domains, in the order of Seror et al. 2010 Table 3 (see scoring.ESSDAI_WEIGHTS).
ESSDAI_DOMAINS = (
    "constitutional", "lymphadenopathy", "glandular", "articular", "cutaneous", "pulmonary",
    "renal", "muscular", "pns", "cns", "haematological", "biological",
)
_DOMAIN_CODE = {
    "constitutional": "CONST", "lymphadenopathy": "LYMPH", "glandular": "GLAND",
    "articular": "ARTIC", "cutaneous": "CUTAN", "pulmonary": "PULM", "renal": "RENAL",
    "muscular": "MUSC", "pns": "PNS", "cns": "CNS", "haematological": "HAEM", "biological": "BIOL",
}
# Item-level PARAMCDs (activity level 0-3) and score PARAMCDs (weight x level), 8 characters at most.
ESSDAI_LEVEL_PARAMCD = {d: "EDL" + c for d, c in _DOMAIN_CODE.items()}
ESSDAI_SCORE_PARAMCD = {d: "EDS" + c for d, c in _DOMAIN_CODE.items()}
HAEM_ATTRIBUTION_PARAMCD = "EDHAEMDR"  # haematological finding disease-related (AVALC Y/N)

ESSPRI_ITEMS = ("dryness", "fatigue", "pain")
ESSPRI_ITEM_PARAMCD = {"dryness": "ESPDRY", "fatigue": "ESPFAT", "pain": "ESPPAIN"}

# Totals (parameter rows of ADEFF).
PARAMCD_ESSDAI = "ESSDAI"
PARAMCD_ESSPRI = "ESSPRI"
PARAMCD_PGA = "PGA"

# ILD assessment (item-level, post-baseline visits, patients with ILD at baseline).
ILD_PARAMCD = {"symptoms": "ILDSYMP", "hrct": "ILDHRCT"}

# Laboratory parameters: PARAMCD -> (PARAM label, standard SI unit, PARCAT1).
LAB_PARAMS = {
    "WBC": ("Leukocytes (10^9/L)", "10^9/L", "HAEMATOLOGY"),
    "NEUT": ("Neutrophils (10^9/L)", "10^9/L", "HAEMATOLOGY"),
    "LYM": ("Lymphocytes (10^9/L)", "10^9/L", "HAEMATOLOGY"),
    "HGB": ("Haemoglobin (g/L)", "g/L", "HAEMATOLOGY"),
    "PLAT": ("Platelets (10^9/L)", "10^9/L", "HAEMATOLOGY"),
    "ALT": ("Alanine aminotransferase (U/L)", "U/L", "CHEMISTRY"),
    "AST": ("Aspartate aminotransferase (U/L)", "U/L", "CHEMISTRY"),
    "BILI": ("Total bilirubin (umol/L)", "umol/L", "CHEMISTRY"),
    "CREAT": ("Creatinine (umol/L)", "umol/L", "CHEMISTRY"),
    "CK": ("Creatine kinase (U/L)", "U/L", "CHEMISTRY"),
    "CHOL": ("Total cholesterol (mmol/L)", "mmol/L", "CHEMISTRY"),
    "TRIG": ("Triglycerides (mmol/L)", "mmol/L", "CHEMISTRY"),
    "ESR": ("Erythrocyte sedimentation rate (mm/h)", "mm/h", "INFLAMMATION"),
    "CRP": ("C-reactive protein (mg/L)", "mg/L", "INFLAMMATION"),
    "IGG": ("Immunoglobulin G (g/L)", "g/L", "IMMUNOLOGY"),
    "C3": ("Complement C3 (g/L)", "g/L", "IMMUNOLOGY"),
    "C4": ("Complement C4 (g/L)", "g/L", "IMMUNOLOGY"),
    "MCOMP": ("Monoclonal component", "", "IMMUNOLOGY"),
    "CRYO": ("Cryoglobulins", "", "IMMUNOLOGY"),
    "UPROT": ("Urine protein (g/24h)", "g/24h", "URINALYSIS"),
    "HBVDNA": ("HBV DNA (IU/mL)", "IU/mL", "VIROLOGY"),
}
