"""The shipped synthetic trial: determinism, calibration on the published figures, plausibility."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from analysis_utils import dictionary, export, paths, synthetic, validation
from analysis_utils.scoring import compute_essdai
from analysis_utils.vocabulary import ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD


def _essdai_totals(trial: dict) -> pd.DataFrame:
    """ESSDAI totals per subject and visit, computed by scoring.compute_essdai (the independent check)."""
    essdai = trial["essdai"]
    levels = essdai[[ESSDAI_LEVEL_PARAMCD[d] for d in ESSDAI_DOMAINS]].astype(float)
    levels.columns = list(ESSDAI_DOMAINS)
    return essdai[["SUBJID", "VISIT"]].assign(ESSDAI=compute_essdai(levels).to_numpy()).pivot(
        index="SUBJID", columns="VISIT", values="ESSDAI")


def test_same_seed_gives_identical_tables(synthetic_export):
    again = synthetic.generate_trial()
    assert sorted(again) == sorted(synthetic_export)
    for name, frame in again.items():
        pd.testing.assert_frame_equal(frame, synthetic_export[name])


def test_committed_raw_data_are_the_generator_output_byte_for_byte(tmp_path, synthetic_export):
    assert synthetic.main(["--n-subjects", "11", "--out", str(tmp_path)]) == 0
    fresh = export.file_manifest(tmp_path)
    committed = export.file_manifest(paths.DATA_RAW)
    pd.testing.assert_frame_equal(fresh, committed)
    assert b"\r\n" not in (tmp_path / "labs.csv").read_bytes()


def test_writing_twice_gives_the_same_bytes(tmp_path, synthetic_export):
    export.write_export(synthetic_export, tmp_path / "a")
    export.write_export(synthetic.generate_trial(), tmp_path / "b")
    digest = {k: [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((tmp_path / k).iterdir())]
              for k in ("a", "b")}
    assert digest["a"] == digest["b"]


def test_every_form_of_the_dictionary_in_dictionary_column_order(synthetic_export):
    """The pilot's export: every form but the optional ones, every column but the optional ones (the study
    form's single SITEID excepted: the pilot's study.csv is as it always was; the direct identifiers, which the
    synthetic trial carries so that a test shows they never leave data/raw; and ETHNIC, which a CRF may not collect)."""
    assert list(synthetic_export) == [n for n, f in dictionary.FORMS.items() if not f.optional]
    for name in synthetic_export:
        form = dictionary.FORMS[name]
        kept = {"study": ("SITEID",), "demographics": (*dictionary.IDENTIFIERS, "ETHNIC")}.get(name, ())
        assert tuple(synthetic_export[name].columns) == tuple(v.name for v in form.variables
                                                              if v.column_required or v.name in kept)
    assert synthetic_export["study"].columns.tolist() == ["STUDYID", "SITEID", "SYNTHETIC", "EXPORTDT"]


def test_baseline_essdai_mean_is_10_0_over_11(synthetic_export):
    totals = _essdai_totals(synthetic_export)
    assert totals["BL"].notna().sum() == 11
    assert totals["BL"].sum() == 110
    assert (totals["BL"] >= 5).all()


def test_week24_essdai_sum_31_over_9_and_8_of_9_improve_by_3(synthetic_export):
    totals = _essdai_totals(synthetic_export)
    w24 = totals.dropna(subset=["W24"])
    assert len(w24) == 9
    assert w24["W24"].sum() == 31  # mean 3.44, displayed 3.4
    assert round(w24["W24"].mean(), 1) == 3.4
    assert ((w24["BL"] - w24["W24"]) >= 3).sum() == 8


def test_week12_data_for_10_patients(synthetic_export):
    assert _essdai_totals(synthetic_export)["W12"].notna().sum() == 10


def test_hbv_patient_reactivation_and_early_discontinuation(synthetic_export):
    t = synthetic_export
    hbv = t["demographics"].loc[t["demographics"]["ANTIHBC"] == "POSITIVE", "SUBJID"].tolist()
    assert hbv == ["007"]
    first = t["exposure"].set_index("SUBJID").loc["007", "EXSTDT"]
    ae = t["adverse_events"].query("SUBJID == '007'").iloc[0]
    assert (ae["AEDECOD"], ae["AEBODSYS"], ae["AEACN"]) == (
        "Hepatitis B reactivation", "Infections and infestations", "DRUG WITHDRAWN")
    assert 20 <= (ae["AESTDT"] - first).days + 1 <= 25
    ds = t["disposition"].set_index("SUBJID").loc["007"]
    assert ds["DSDECOD"] == "ADVERSE EVENT" and (ds["DSSTDT"] - first).days + 1 <= 30
    assert t["visits"].query("SUBJID == '007'")["VISIT"].tolist() == ["BL"]
    dna = t["labs"].query("SUBJID == '007' and LBTESTCD == 'HBVDNA'")
    positive = dna[dna["LBORRES"].astype(float) > dna["LBORNRHI"]]
    assert len(positive) == 1 and abs((positive["LBDT"].iloc[0] - ae["AESTDT"]).days) <= 3


def test_one_other_patient_misses_week24_lost_to_follow_up(synthetic_export):
    t = synthetic_export
    visits = t["visits"].groupby("SUBJID")["VISIT"].agg(list)
    missing_w24 = sorted(s for s, v in visits.items() if "W24" not in v)
    assert missing_w24 == ["007", "010"]
    assert visits["010"] == ["BL", "W12"]
    assert t["disposition"].set_index("SUBJID").loc["010", "DSDECOD"] == "LOST TO FOLLOW-UP"


def test_all_patients_meet_the_inclusion_criteria(synthetic_export):
    t = synthetic_export
    el = t["eligibility"].set_index("SUBJID")
    ssa = t["demographics"].set_index("SUBJID")["ANTISSA"] == "POSITIVE"
    # 2016 ACR/EULAR weights, hand-coded here (Shiboski CH et al. Ann Rheum Dis 2017;76:9-16)
    score = (3 * (el["FOCUSSC"] >= 1) + 3 * ssa + (el["OSS"] >= 5) + (el["SCHIRMER"] <= 5) + (el["UWSFR"] <= 0.1))
    assert (score >= 4).all(), score
    entry = el[["ENTRY1", "ENTRY2", "ENTRY3", "ENTRY4", "ENTRY5", "ENTRY6"]].eq("Y").any(axis=1)
    assert entry.all()
    assert (el[list(dictionary.ACR_EULAR_EXCLUSION) + list(dictionary.PROTOCOL_EXCLUSION)] == "N").all().all()
    labs = t["labs"][(t["labs"]["VISIT"] == "BL") & t["labs"]["LBTESTCD"].isin(["CRP", "ESR", "IGG"])]
    raised = labs[labs["LBORRES"].astype(float) > labs["LBORNRHI"]]["SUBJID"].unique()
    assert sorted(raised) == sorted(el.index)  # serological activity in every patient
    assert (t["demographics"]["AGE"] >= 18).all()


def _haem_level(neut, lym, hgb, plat):
    """Naive lab-implied haematological level (Seror et al. 2010, Table 3, row 11, SI units)."""
    def level(x, low, moderate, high=None):
        if high is not None and x < high:
            return 3
        if moderate[0] <= x <= moderate[1]:
            return 2
        return 1 if low[0] < x < low[1] else 0
    return max(level(neut, (1.0, 1.5), (0.5, 1.0), 0.5), level(hgb, (100, 120), (80, 100), 80),
               level(plat, (100, 150), (50, 100), 50), level(lym, (0.5, 1.0), (0, 0.5)))


def _biol_level(igg, c3_low, c4_low, mcomp, cryo):
    """Naive lab-implied biological level (decision (a): IgG > 16 and <= 20 -> 1, > 20 -> 2)."""
    if cryo or igg > 20:
        return 2
    return 1 if (igg > 16 or c3_low or c4_low or mcomp) else 0


def _si_labs(trial):
    labs = trial["labs"]
    factor = [dictionary.LAB_UNITS[t][u] for t, u in zip(labs["LBTESTCD"], labs["LBORRESU"])]
    numeric = pd.to_numeric(labs["LBORRES"], errors="coerce") * factor
    return labs.assign(SI=numeric, LOW=numeric < labs["LBORNRLO"] * factor)


def test_haematological_and_biological_levels_agree_with_labs_but_one(synthetic_export):
    labs = _si_labs(synthetic_export)
    disagreements = []
    for row in synthetic_export["essdai"].itertuples():
        at = labs[(labs["SUBJID"] == row.SUBJID) & (labs["VISIT"] == row.VISIT)].set_index("LBTESTCD")
        haem = _haem_level(*(at.loc[t, "SI"] for t in ("NEUT", "LYM", "HGB", "PLAT")))
        biol = _biol_level(at.loc["IGG", "SI"], bool(at["LOW"].get("C3", False)), bool(at["LOW"].get("C4", False)),
                           at.loc["MCOMP", "LBORRES"] == "POSITIVE", at.loc["CRYO", "LBORRES"] == "POSITIVE")
        assert biol == row.EDLBIOL, (row.SUBJID, row.VISIT)
        if haem != row.EDLHAEM:
            disagreements.append((row.SUBJID, row.VISIT, haem, row.EDLHAEM, row.EDHAEMDR))
    assert disagreements == [("004", "W12", 1, 0, "N")]


def test_incomplete_biological_assessment_and_window_deviation_are_built_in(synthetic_export):
    queries = validation.validate_export(synthetic_export).queries
    assert queries[["USUBJID", "AVISIT", "rule", "value"]].values.tolist() == [
        ["NCT04916756-01-008", "Week 12", "incomplete_biological", "C3, C4"],
        ["NCT04916756-01-009", "Week 12", "visit_window", "2021-11-03"],
    ]


def test_ild_in_two_patients_with_assessments(synthetic_export):
    t = synthetic_export
    assert t["demographics"].loc[t["demographics"]["ILD"] == "Y", "SUBJID"].tolist() == ["004", "008"]
    assert sorted(t["ild"]["SUBJID"].unique()) == ["004", "008"]
    bl = t["essdai"][t["essdai"]["VISIT"] == "BL"].set_index("SUBJID")["EDLPULM"]
    assert bl[bl > 0].index.tolist() == ["004", "008"]


def test_identifiers_are_fake_and_data_say_synthetic(synthetic_export):
    dm = synthetic_export["demographics"]
    assert dm["INITIALS"].str.startswith("ZZ").all() and dm["HOSPNO"].str.startswith("SYN-HR-").all()
    assert dm["INITIALS"].is_unique and dm["HOSPNO"].is_unique
    assert synthetic_export["study"]["SYNTHETIC"].tolist() == ["Y"]
    readme = (paths.DATA_RAW / "README.md").read_text()
    assert "SYNTHETIC" in readme and "invented" in readme


def test_enrolment_mid_2021_and_everything_before_the_data_cut(synthetic_export):
    t = synthetic_export
    assert t["exposure"]["EXSTDT"].between("2021-06-01", "2021-08-31").all()
    cut = pd.Timestamp(synthetic.EXPORT_DATE)
    for form, col in (("visits", "VISITDT"), ("labs", "LBDT"), ("adverse_events", "AESTDT"),
                      ("disposition", "DSSTDT"), ("exposure", "EXENDT")):
        assert (t[form][col] <= cut).all(), form


def test_conventional_units_are_used_for_one_visit(synthetic_export):
    labs = synthetic_export["labs"]
    conventional = labs[~labs["LBORRESU"].isin(["10^9/L", "g/L", "U/L", "umol/L", "mmol/L", "mm/h", "mg/L",
                                                "g/24h", "IU/mL", ""])]
    assert conventional[["SUBJID", "VISIT"]].drop_duplicates().values.tolist() == [["002", "W24"]]


@pytest.mark.parametrize("n", [1, 40])
def test_other_sizes_are_valid_under_validation(n):
    trial = synthetic.generate_trial(n, seed=1)
    assert len(trial["demographics"]) == n
    result = validation.validate_export(trial)
    assert result.ok, result.errors.head()
    assert (_essdai_totals(trial)["BL"] >= 5).all()


def test_other_seed_changes_a_random_population_but_not_its_shape():
    a, b = synthetic.generate_trial(30, seed=1), synthetic.generate_trial(30, seed=2)
    assert list(a["labs"].columns) == list(b["labs"].columns)
    assert not a["labs"]["LBORRES"].equals(b["labs"]["LBORRES"])


def test_rejects_zero_subjects():
    with pytest.raises(ValueError, match="at least 1"):
        synthetic.generate_trial(0)


@pytest.mark.slow
def test_ten_thousand_subjects():  # its speed is timed by make bench (the 10,000-subject build)
    trial = synthetic.generate_trial(10_000)
    assert len(trial["demographics"]) == 10_000
    assert np.isin(trial["visits"]["VISIT"].unique(), ["BL", "W12", "W24"]).all()


def test_a_subject_who_left_for_an_adverse_event_has_one_that_withdrew_the_drug():
    """The random generators give every subject whose end of study is ADVERSE EVENT an adverse event whose action is
    DRUG WITHDRAWN (validation queries one without: ``discontinued_without_adverse_event``)."""
    for trial in (synthetic.generate_trial(400, seed=5), synthetic.generate_randomised_trial()):
        left = trial["disposition"].loc[trial["disposition"]["DSDECOD"] == "ADVERSE EVENT", "SUBJID"]
        withdrawn = trial["adverse_events"].loc[trial["adverse_events"]["AEACN"] == "DRUG WITHDRAWN", "SUBJID"]
        assert len(left) and set(left) <= set(withdrawn)
        assert "discontinued_without_adverse_event" not in set(validation.validate_export(trial).queries["rule"])
