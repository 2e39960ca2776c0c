"""Shared vocabulary of the analysis datasets: study constants, visits and parameter codes.

Every module and notebook takes names from here so that a code is spelled once.
The clinical rules themselves (weights, thresholds) live with the code that applies them
(``scoring``, ``ctcae``, ``endpoints``), each with its source.
"""

import re

# The pilot's identity: the defaults of an export whose study form gives the pilot's STUDYID and no other
# identity (``dictionary.study_identity``); another study's export names its own (form ``study``).
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

# ---------------------------------------------------------------------------------------------
# Words for display. Datasets, the ARD and the keys of the CSV tables keep the codes; only what a
# reader sees (report tables, listings) is decoded, through these.

#: Short display names of the laboratory parameters, with their unit (abbreviations as in clinical use).
LAB_SHORT_LABELS = {
    "WBC": "Leukocytes (10^9/L)", "NEUT": "Neutrophils (10^9/L)", "LYM": "Lymphocytes (10^9/L)",
    "HGB": "Haemoglobin (g/L)", "PLAT": "Platelets (10^9/L)", "ALT": "ALT (U/L)", "AST": "AST (U/L)",
    "BILI": "Bilirubin (umol/L)", "CREAT": "Creatinine (umol/L)", "CK": "CK (U/L)",
    "CHOL": "Cholesterol (mmol/L)", "TRIG": "Triglycerides (mmol/L)", "ESR": "ESR (mm/h)", "CRP": "CRP (mg/L)",
    "IGG": "IgG (g/L)", "C3": "C3 (g/L)", "C4": "C4 (g/L)", "MCOMP": "Monoclonal component",
    "CRYO": "Cryoglobulins", "UPROT": "Urine protein (g/24h)", "HBVDNA": "HBV DNA (IU/mL)",
}
#: Abbreviations of ``LAB_SHORT_LABELS``, for a table's footnote.
LAB_ABBREVIATIONS = {
    "ALT": "alanine aminotransferase", "AST": "aspartate aminotransferase", "CK": "creatine kinase",
    "ESR": "erythrocyte sedimentation rate", "CRP": "C-reactive protein", "IgG": "immunoglobulin G",
    "C3": "complement C3", "C4": "complement C4", "HBV": "hepatitis B virus",
}
#: Efficacy parameters other than laboratory ones: PARAMCD -> display name.
EFFICACY_PARAM_LABELS = {
    PARAMCD_ESSDAI: "ESSDAI", PARAMCD_ESSPRI: "ESSPRI", PARAMCD_PGA: "PGA",
    "REMARTIC": "Articular involvement", "REMCUTAN": "Cutaneous involvement",
    "REMHAEM": "Haematological involvement", "ILDIMP": "Interstitial lung disease",
}
#: Responses of the remission parameters in words: PARAMCD -> what a response is.
RESPONSE_LABELS = {"REMARTIC": "Remission", "REMCUTAN": "Remission", "REMHAEM": "Remission", "ILDIMP": "Improvement"}
#: Coded levels in words (CDISC controlled terminology: sex, no/yes, reference-range indicator).
LEVEL_LABELS = {
    "F": "Female", "M": "Male", "U": "Unknown", "Y": "Yes", "N": "No", "POSITIVE": "Positive",
    "NEGATIVE": "Negative", "LOW": "Low", "NORMAL": "Normal", "HIGH": "High",
}
#: Listing column headers in words, by ADaM variable; short where a listing is wide (explained by
#: ``LISTING_ABBREVIATIONS`` in the listing's footnote).
VARIABLE_HEADERS = {
    "USUBJID": "Patient", "AESEQ": "No.", "AETERM": "Reported term", "AEDECOD": "Preferred term",
    "AEBODSYS": "System organ class", "ASTDT": "Start date", "ASTDY": "Start day", "AENDT": "End date",
    "AENDY": "End day", "ADURN": "Days", "TRTEMFL": "TEAE", "AESER": "Serious",
    "AETOXGR": "Grade", "AESEV": "Severity", "AEREL": "Relationship",
    "AEACN": "Action", "AEOUT": "Outcome", "TRT01A": "Treatment", "TRTA": "Treatment",
    "TRT02A": "Treatment after the switch", "TRTSDT": "First dose",
    "TRTEDT": "Last dose", "EOSDT": "End of study", "EOSDY": "Study day at end", "EOSSTT": "Status",
    "DCSREAS": "Reason", "DTHFL": "Died", "DTHDT": "Date of death", "PARAMCD": "Parameter code",
    "PARAM": "Parameter", "AVISIT": "Visit", "AVISITN": "Week", "ADT": "Date", "ADY": "Study day",
    "AVAL": "Value", "AVALU": "Unit", "ATOXGR": "Grade", "ALERT": "Alert",
}
#: The short listing headers explained, for the footnote of an adverse-event listing.
LISTING_ABBREVIATIONS = ("Days: duration in days; TEAE: "
                         "treatment-emergent adverse event; Grade: CTCAE version 5.0 grade; Relationship: to the "
                         "study drug; Action: taken with the study drug.")


def in_sentence(label: str) -> str:
    """A label inside a sentence: its first letter lower case, unless the word is an abbreviation.

    >>> in_sentence("Neutrophils (10^9/L)"), in_sentence("ALT (U/L)")
    ('neutrophils (10^9/L)', 'ALT (U/L)')
    """
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def param_label(paramcd: str) -> str:
    """Display name of a parameter code: laboratory ones with their unit, others in words; else the code.

    >>> param_label("ALT"), param_label("REMARTIC"), param_label("ESSDAI"), param_label("XYZ")
    ('ALT (U/L)', 'Articular involvement', 'ESSDAI', 'XYZ')
    """
    return LAB_SHORT_LABELS.get(paramcd) or EFFICACY_PARAM_LABELS.get(paramcd, paramcd)


def sentence_case(text: str) -> str:
    """A text written in capitals (CDISC submission values) in sentence case; other text unchanged.

    >>> sentence_case("ADVERSE EVENT"), sentence_case("LOST TO FOLLOW-UP"), sentence_case("Hepatitis B reactivation")
    ('Adverse event', 'Lost to follow-up', 'Hepatitis B reactivation')
    """
    if not isinstance(text, str) or text != text.upper() or not any(ch.isalpha() for ch in text):
        return text
    return text[:1] + text[1:].lower()


def decode(value):
    """A coded level in words (``LEVEL_LABELS``), a text in capitals in sentence case, anything else as it is.

    >>> decode("F"), decode("Y"), decode("DRUG WITHDRAWN"), decode(2)
    ('Female', 'Yes', 'Drug withdrawn', 2)
    """
    if not isinstance(value, str):
        return value
    return LEVEL_LABELS.get(value, sentence_case(value))


#: A USUBJID as the project builds it, ``STUDYID-SITEID-SUBJID`` (site and subject numbers digits only):
#: the study part, then the site and subject (``patient_label``).
_USUBJID_PARTS = re.compile(r"^(?P<study>.+)-(?P<patient>[0-9]+-[0-9]+)$")


def patient_label(usubjid: str) -> str:
    """The patient as listed: ``USUBJID`` without the study identifier (site and patient number).

    Whatever the export's study identifier (``NCT04916756``, ``BARI-PSS-RCT``); an identifier of
    another form is shown whole.

    >>> patient_label("NCT04916756-01-001"), patient_label("BARI-PSS-RCT-03-012"), patient_label("X-9")
    ('01-001', '03-012', 'X-9')
    """
    match = _USUBJID_PARTS.match(str(usubjid))
    return match["patient"] if match else str(usubjid)


#: ADaM names in the between-arm methods of the ARD and the words the report shows instead, in the table notes and
#: the methods text (regular expression -> words, in this order; the ARD keeps the exact statement): the
#: randomisation stratum (``STRAT1R``) or the centre (``SITEID``) a model or test is stratified by, the response flag,
#: the change and the baseline; the estimands' variables, which their words name.
BETWEEN_ARM_WORDS = {
    r"\bstrata SITEID\b": "the centres", r"\bstrata STRAT1R\b": "the strata",
    r"\bstratified by STRAT1R\b": "stratified by the randomisation stratum", r"\bSTRAT1R\b": "stratum",
    r"\bCRIT\dFL\b": "response", r"\bCHG\b": "change", r"\bBASE\b": "baseline", r"\bSITEID\b": "centre",
    r" \(TRTP\)": "", r" \(SWITCHFL = 'Y', ADT > TR02SDT\)": "",
}


def method_in_words(method: str) -> str:
    """A between-arm method statement with its ADaM names in words (``BETWEEN_ARM_WORDS``).

    >>> method_in_words("ANCOVA CHG ~ arm + SITEID + BASE (OLS); LS means at mean BASE")
    'ANCOVA change ~ arm + centre + baseline (OLS); LS means at mean baseline'
    >>> method_in_words("CMH test stratified by STRAT1R; strata STRAT1R too sparse for CMH; ANCOVA CHG ~ arm + STRAT1R")
    'CMH test stratified by the randomisation stratum; the strata too sparse for CMH; ANCOVA change ~ arm + stratum'
    """
    for pattern, words in BETWEEN_ARM_WORDS.items():
        method = re.sub(pattern, words, method)
    return method
