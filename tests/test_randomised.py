"""The randomised data model: the randomisation form, exposure periods, the visit schedule, the treatment
variables of ADSL and the BDS datasets, and the generator of the randomised example."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from analysis_utils import (cleaning, dictionary, efficacy_ard, eligibility, export, paths, safety, scoring,
                            synthetic, validation)
from analysis_utils.io import read_adam

CONTROL, TREATED = synthetic.CONTROL_ARM, synthetic.TREATED_ARM


@pytest.fixture(scope="module")
def _small():
    return synthetic.generate_randomised_trial(9, n_centres=3, seed=7)


@pytest.fixture
def small(_small):
    """A small randomised export (9 patients, 3 centres, 2:1): typed frames, a fresh copy per test."""
    return {name: frame.copy() for name, frame in _small.items()}


@pytest.fixture(scope="module")
def example():
    """The shipped randomised example as generated, and its analysis datasets (adeff with TRTP/TRTA)."""
    trial = synthetic.generate_randomised_trial()
    ds = cleaning.derive_all(trial)
    adeff = cleaning.derive_vars_trt(scoring.derive_adeff(ds["adqs"]), ds["adsl"])
    return trial, ds, adeff


def _rules(trial) -> pd.DataFrame:
    result = validation.validate_export(trial)
    return pd.concat([result.errors, result.queries], ignore_index=True)


def _only(problems: pd.DataFrame, rule: str) -> pd.DataFrame:
    return problems[problems["rule"] == rule]


# ---------------------------------------------------------------------------------------------
# Validation of the randomisation form, exposure periods and the schedule
# ---------------------------------------------------------------------------------------------

def test_the_small_randomised_export_is_valid(small):
    result = validation.validate_export(small)
    assert result.ok, result.errors["message"].tolist()
    assert set(small) >= {"randomisation", "schedule"} and "EXTRT" in small["exposure"]


def test_a_randomised_and_dosed_screen_failure_stops_naming_both_records(small):
    ds = small["disposition"]
    subject = ds.loc[0, "SUBJID"]
    ds["DSDECOD"] = ds["DSDECOD"].astype(object)
    ds.loc[0, "DSDECOD"] = "SCREEN FAILURE"
    errors = validation.validate_export(small).errors
    randdt = small["randomisation"].set_index("SUBJID").loc[subject, "RANDDT"]
    assert errors[["row", "variable", "rule"]].values.tolist() == [["2", "DSDECOD", "screen_failure_dosed"],
                                                                  ["2", "DSDECOD", "screen_failure_randomised"]]
    assert errors["message"].iloc[1].endswith(f"but the subject was randomised on {randdt:%Y-%m-%d} (randomisation form)")


def test_a_screened_patient_listed_without_date_and_arm_is_not_randomised(small):
    """A randomisation system that lists every screened patient writes a screen failure's row with no date and no arm
    (the stratum may be there, recorded at registration): the row is read as absent, a data query, and the patient
    is enrolled and not randomised. With an arm but no date, the row is the randomisation of a screen failure, an
    error whose message says so without a date."""
    subject = small["randomisation"].loc[0, "SUBJID"]
    for name in ("exposure", "visits", "essdai", "esspri", "pga", "ild", "labs", "adverse_events", "conmeds"):
        small[name] = small[name][small[name]["SUBJID"] != subject].reset_index(drop=True)
    ds = small["disposition"]
    ds["DSDECOD"] = ds["DSDECOD"].astype(object)
    ds.loc[ds["SUBJID"] == subject, "DSDECOD"] = "SCREEN FAILURE"
    rand = small["randomisation"]
    rand["ARM"] = rand["ARM"].astype(object)
    rand.loc[0, ["RANDDT", "ARM"]] = [pd.NaT, ""]
    result = validation.validate_export(small)
    assert result.ok, result.errors["message"].tolist()
    found = result.queries.query("rule == 'randomisation_blank'")
    assert found[["file", "row", "USUBJID", "variable"]].values.tolist() == [
        ["randomisation.csv", "2", f"BARI-PSS-RCT-01-{subject}", "ARM"]]
    assert found["message"].iloc[0].endswith("value '' is empty, and so is RANDDT: read as a patient not randomised, "
                                             "as if the row were absent (a screen failure, or awaiting randomisation "
                                             "at the data cut)")
    adsl = cleaning.derive_all(small)["adsl"].set_index("SUBJID")
    assert adsl.loc[subject, ["TRT01P", "SAFFL", "DCSREAS"]].tolist() == ["", "N", "SCREEN FAILURE"]
    rand.loc[0, "ARM"] = CONTROL
    errors = validation.validate_export(small).errors
    assert errors["rule"].tolist() == ["screen_failure_randomised", "required"]
    assert errors["message"].iloc[0].endswith("but the subject was randomised (randomisation form)")


def test_a_period_without_its_last_dose_before_a_switch_stops(small):
    ex = small["exposure"]
    counts = ex["SUBJID"].value_counts()
    switched = counts[counts > 1].index[0]
    first = ex[ex["SUBJID"] == switched].sort_values("EXSTDT").index[0]
    later = ex.loc[ex["SUBJID"] == switched, "EXSTDT"].max()
    ex.loc[first, "EXENDT"] = pd.NaT
    errors = _only(validation.validate_export(small).errors, "exposure_end_missing")
    assert errors["message"].str.endswith(f"but a later period of the subject starts on {later:%Y-%m-%d}").tolist() == [True]


def test_unknown_arm_names_file_row_subject_and_allowed_arms(small):
    small["randomisation"].loc[2, "ARM"] = "Placebo"
    err = _only(validation.validate_export(small).errors, "not_allowed")
    assert err[["file", "row", "variable", "value"]].values.tolist() == [["randomisation.csv", "4", "ARM", "Placebo"]]
    subject = small["randomisation"].loc[2, "SUBJID"]
    assert f"subject BARI-PSS-RCT-{small['demographics'].loc[2, 'SITEID']}-{subject}" in err["message"].item()
    assert "HCQ 400 mg, Baricitinib 4 mg + HCQ 400 mg" in err["message"].item()
    # where another trial's arms are declared, which README's section of that name says
    assert err["message"].item().endswith(
        "(the arms of the export's arms form; without one, the follow-on trial's): declare the trial's arms, their "
        "codes and daily doses of baricitinib in an arms form (README, 'Another trial's arms'), or recode the "
        "export's arm names")
    readme = (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "**Another trial's arms** are declared here" in " ".join(readme.split())
    assert "- `arms.csv`: one row per arm" in readme


def test_unknown_treatment_in_exposure_is_an_error(small):
    small["exposure"].loc[0, "EXTRT"] = "Baricitinib 8 mg"
    err = _only(validation.validate_export(small).errors, "not_allowed")
    assert err[["file", "variable"]].values.tolist() == [["exposure.csv", "EXTRT"]]
    assert "(the arms of the export's arms form; without one, the pilot's single arm or the follow-on trial's arms)" \
        in err["message"].item()


def test_a_dose_of_baricitinib_in_a_period_of_hcq_alone_is_an_error(small):
    """HCQ alone has no baricitinib: a daily dose of it there (named, or the arm randomised where EXTRT is blank)
    contradicts the treatment, and would count baricitinib in the control arm's cumulative dose; a reduced dose of
    the baricitinib arm (2 mg of 4) is no contradiction."""
    exposure, arm = small["exposure"], small["randomisation"].set_index("SUBJID")["ARM"]
    control = exposure.index[exposure["EXTRT"] == CONTROL]
    exposure.loc[control[0], "EXDOSE"] = 4.0
    exposure.loc[control[1], ["EXTRT", "EXDOSE"]] = [None, 2.0]
    assert arm[exposure.loc[control[1], "SUBJID"]] == CONTROL  # blank EXTRT: the arm randomised, HCQ alone
    exposure.loc[exposure.index[exposure["EXTRT"] == TREATED][0], "EXDOSE"] = 2.0
    err = _only(validation.validate_export(small).errors, "dose_without_baricitinib")
    assert err["row"].tolist() == [str(i + 2) for i in sorted(control[:2])]
    assert err["message"].str.contains("the period's treatment, HCQ 400 mg, has none").all()
    assert validation.RULES["dose_without_baricitinib"][0] == "error"


# ---------------------------------------------------------------------------------------------
# Arms declared by the export (form arms)
# ---------------------------------------------------------------------------------------------

def _declared(trial: dict, arms: pd.DataFrame, names: dict) -> dict:
    """``trial`` with its arms renamed by ``names`` (randomisation ARM, exposure EXTRT) and declared as ``arms``."""
    out = {name: frame.copy() for name, frame in trial.items()}
    out["randomisation"]["ARM"] = out["randomisation"]["ARM"].map(names)
    out["exposure"]["EXTRT"] = out["exposure"]["EXTRT"].replace(names)
    out["arms"] = arms
    return out


def test_an_export_declaring_its_own_arms_is_analysed_as_the_same_trial_under_their_names(small):
    """The example's arms renamed and recoded (control "Placebo + HCQ", code 0, the reference still; the treated arm
    code 5) and declared in an arms form: validation raises the same problems on the same rows (a treated patient
    whose first period is the control's, a switch of a treated patient: both by the arms' doses, not their names),
    and every analysis dataset is the example's but for the names and codes (the control's switch is still the
    protocol's, and its periods without baricitinib are no interruption)."""
    exposure = small["exposure"]
    first = exposure.index[exposure["SUBJID"] == "002"].item()
    exposure.loc[first, ["EXTRT", "EXDOSE"]] = [CONTROL, 0.0]  # randomised to the treated arm, given HCQ alone
    names = {CONTROL: "Placebo + HCQ", TREATED: "Bari + HCQ"}
    arms = pd.DataFrame({"ARM": ["Bari + HCQ", "Placebo + HCQ"], "ARMN": [5, 0], "DOSE": [4.0, 0.0]})
    declared = _declared(small, arms, names)
    assert small["exposure"]["EXTRT"].eq(CONTROL).sum() == 4  # two patients on HCQ alone, one who switched, 002
    got, want = validation.validate_export(declared), validation.validate_export(small)
    assert got.ok and want.ok
    assert set(want.queries["rule"]) == {"treated_not_as_randomised"}
    assert got.queries[["file", "row", "rule"]].equals(want.queries[["file", "row", "rule"]])
    ds, base = cleaning.derive_all(declared), cleaning.derive_all(small)
    back = {new: old for old, new in names.items()}
    adsl = ds["adsl"].replace(back).assign(TRT01PN=lambda d: d["TRT01PN"].map({0.0: 1.0, 5.0: 2.0}),
                                           TRT01AN=lambda d: d["TRT01AN"].map({0.0: 1.0, 5.0: 2.0}))
    pd.testing.assert_frame_equal(adsl, base["adsl"])
    assert ds["adsl"].loc[ds["adsl"]["SWITCHFL"].eq("Y"), ["TRT01P", "TRT02P", "DOSE01P", "DOSE02P"]].values.tolist() \
        == [["Placebo + HCQ", "Bari + HCQ", 0.0, 4.0]]
    for name in set(base) - {"adsl"}:
        pd.testing.assert_frame_equal(ds[name].replace(back), base[name], obj=name)


def test_a_dose_in_a_period_of_a_declared_arm_without_baricitinib_is_an_error(small):
    """The control renamed "Placebo + HCQ" (dose 0 in the arms form): a dose of 4 mg in one of its periods is the
    error of HCQ alone's, found by the arm's dose, not by its name."""
    declared = _declared(small, pd.DataFrame({"ARM": ["Placebo + HCQ", TREATED], "ARMN": [1, 2], "DOSE": [0.0, 4.0]}),
                         {CONTROL: "Placebo + HCQ", TREATED: TREATED})
    exposure = declared["exposure"]
    control = exposure.index[exposure["EXTRT"] == "Placebo + HCQ"]
    exposure.loc[control[0], "EXDOSE"] = 4.0
    err = _only(validation.validate_export(declared).errors, "dose_without_baricitinib")
    assert err["row"].tolist() == [str(control[0] + 2)]
    assert "the period's treatment, Placebo + HCQ, has none" in err["message"].item()


def test_a_randomised_export_names_only_its_arms_and_a_single_arm_export_only_the_pilots(small):
    """The pilot's single arm has no code in a randomised trial (ADSL TRT01AN), nor a randomised arm in the pilot:
    each is a treatment the export does not declare."""
    small["exposure"].loc[small["exposure"]["SUBJID"] == "002", ["EXTRT", "EXDOSE"]] = [dictionary.ARM, 2.0]
    err = _only(validation.validate_export(small).errors, "not_allowed")
    assert err[["variable", "value"]].values.tolist() == [["EXTRT", dictionary.ARM]]
    pilot = synthetic.generate_trial()
    pilot["exposure"]["EXTRT"] = ""
    assert validation.validate_export(pilot).ok
    pilot["exposure"].loc[0, ["EXTRT", "EXDOSE"]] = [CONTROL, 0.0]
    err = _only(validation.validate_export(pilot).errors, "not_allowed")
    assert err[["variable", "value"]].values.tolist() == [["EXTRT", CONTROL]]


def test_the_arms_of_an_export_read_from_its_files(small, tmp_path):
    """An export written to CSV files with its own arms (three, codes 0-2) validates and gives ADSL their codes and
    doses; an arms form without a usable row (validation stops on it) reads as the default arms."""
    arms = pd.DataFrame({"ARM": ["Placebo", "Bari 2 mg", "Bari 4 mg"], "ARMN": [0, 1, 2], "DOSE": [0.0, 2.0, 4.0]})
    declared = _declared(small, arms, {CONTROL: "Placebo", TREATED: "Bari 4 mg"})
    declared["randomisation"].loc[declared["randomisation"]["SUBJID"] == "002", "ARM"] = "Bari 2 mg"
    declared["exposure"].loc[declared["exposure"]["SUBJID"] == "002", ["EXTRT", "EXDOSE"]] = ["Bari 2 mg", 2.0]
    export.write_export(declared, tmp_path)
    result = validation.check_export(tmp_path)
    pd.testing.assert_frame_equal(validation.export_arms(result.typed), arms)
    adsl = cleaning.derive_all(result.typed)["adsl"].set_index("SUBJID")
    assert adsl.loc[["001", "002", "003"], ["TRT01P", "TRT01PN", "DOSE01P"]].values.tolist() == [
        ["Placebo", 0.0, 0.0], ["Bari 2 mg", 1.0, 2.0], ["Bari 4 mg", 2.0, 4.0]]
    unusable = pd.DataFrame({"ARM": ["Placebo", "Bari"], "ARMN": [None, None], "DOSE": [0.0, None]})
    pd.testing.assert_frame_equal(validation.export_arms({"arms": unusable}), dictionary.default_arms())


def test_an_arm_declared_with_baricitinib_whose_every_period_has_none_is_an_error(small):
    """The control declared at 0.5 mg while its periods record 0 mg: read so, each would be an interruption, and the
    switched patient 007's first dose would move to the switch (TRTSDT 2021-06-17 for 2021-03-26)."""
    arms = pd.DataFrame({"ARM": [CONTROL, TREATED], "ARMN": [1, 2], "DOSE": [0.5, 4.0]})
    err = _only(validation.validate_export({**small, "arms": arms}).errors, "arm_dose_contradicted")
    assert err[["file", "row", "variable", "value"]].values.tolist() == [["arms.csv", "2", "DOSE", "0.5"]]
    assert "but the periods of it of 3 patients all have none (EXDOSE 0)" in err["message"].item()
    read = cleaning.derive_all(validation.parse_export({**small, "arms": arms}))["adsl"].set_index("SUBJID")
    assert read.loc["007", "TRTSDT"] == pd.Timestamp("2021-06-17")  # what the error prevents
    given = small["exposure"].assign(EXDOSE=small["exposure"]["EXDOSE"].where(small["exposure"]["EXTRT"] != CONTROL,
                                                                               0.5))
    assert validation.validate_export({**small, "exposure": given, "arms": arms}).ok  # dosed as declared
    # one patient's dose held from the start is no contradiction: the 2 mg arm of patient 002 alone
    third = pd.concat([dictionary.default_arms(), pd.DataFrame({"ARM": ["Bari 2 mg"], "ARMN": [3], "DOSE": [2.0]})])
    small["randomisation"].loc[small["randomisation"]["SUBJID"] == "002", "ARM"] = "Bari 2 mg"
    small["exposure"].loc[small["exposure"]["SUBJID"] == "002", ["EXTRT", "EXDOSE"]] = ["Bari 2 mg", 0.0]
    assert _only(validation.validate_export({**small, "arms": third}).errors, "arm_dose_contradicted").empty
    # a blank EXTRT: the switched patient's 4 mg period is the control's too; its first periods still contradict 0.5
    blank = small["exposure"].assign(EXTRT="")
    arms = pd.DataFrame({"ARM": [CONTROL, TREATED, "Bari 2 mg"], "ARMN": [1, 2, 3], "DOSE": [0.5, 4.0, 2.0]})
    err = _only(validation.validate_export({**small, "exposure": blank, "arms": arms}).errors, "arm_dose_contradicted")
    message = err.loc[err["row"] == "2", "message"].item()
    assert "but the periods of it of 3 patients all have none (EXDOSE 0)" in message
    # an arm no patient is randomised to, named by switched periods at 0 mg
    rescue = pd.concat([dictionary.default_arms(), pd.DataFrame({"ARM": ["Rescue"], "ARMN": [3], "DOSE": [4.0]})])
    exposure = small["exposure"]
    named = exposure.assign(EXTRT=exposure["EXTRT"].replace({TREATED: "Rescue"}),
                            EXDOSE=exposure["EXDOSE"].where(exposure["EXTRT"] != TREATED, 0.0))
    named.loc[named["SUBJID"] == "007", "EXTRT"] = CONTROL
    err = _only(validation.validate_export({**small, "exposure": named, "arms": rescue}).errors,
                "arm_dose_contradicted")
    assert err["row"].tolist() == ["3", "4"]  # the treated arm's first periods too, at 0 mg
    # the mirror: the treated arm declared without baricitinib, or at 2 mg, while all its periods have 4 mg
    for dose, said in ((0.0, "all have one (EXDOSE from 4 mg): an arm with baricitinib has its daily dose here"),
                       (2.0, "all have more (EXDOSE from 4 mg): the arm's dose mistyped")):
        arms = pd.DataFrame({"ARM": [CONTROL, TREATED], "ARMN": [1, 2], "DOSE": [0.0, dose]})
        err = _only(validation.validate_export({**small, "arms": arms}).errors, "arm_dose_contradicted")
        assert err[["row", "value"]].values.tolist() == [["3", f"{dose}"]] and said in err["message"].item()


def test_the_reference_arm_with_baricitinib_and_an_arm_without_patients_are_queried(small):
    """The control given the highest code: the comparisons would be against the baricitinib arm, which the query
    says; an arm declared that no patient was randomised to is queried, at an interim cut perhaps not yet."""
    arms = pd.DataFrame({"ARM": [TREATED, CONTROL, "Bari 2 mg + HCQ"], "ARMN": [1, 2, 3], "DOSE": [4.0, 0.0, 2.0]})
    queries = validation.validate_export({**small, "arms": arms}).queries
    reference = _only(queries, "reference_not_control")
    assert reference[["file", "row", "variable", "value"]].values.tolist() == [["arms.csv", "2", "ARMN", "1"]]
    assert reference["message"].item().endswith(
        f"is the lowest code of an arm with patients, so {TREATED} is the reference arm of every comparison, though it "
        f"has baricitinib and {CONTROL} has none (the control): is the order of the codes meant?")
    empty = _only(queries, "arm_without_patients")
    assert empty[["row", "value"]].values.tolist() == [["4", "Bari 2 mg + HCQ"]]
    assert _only(validation.validate_export(small).queries, "reference_not_control").empty
    alike = pd.DataFrame({"ARM": [CONTROL, TREATED, "hcq  400 MG"], "ARMN": [1, 2, 3], "DOSE": [0.0, 4.0, 0.0]})
    result = validation.validate_export({**small, "arms": alike})
    arms_rows = pd.concat([result.errors, result.queries]).query("file == 'arms.csv'")
    assert arms_rows[["row", "variable", "rule", "value"]].values.tolist() == [["4", "ARM", "arms_declared",
                                                                                "hcq  400 MG"]]
    blank = pd.DataFrame({"ARM": [CONTROL, TREATED, ""], "ARMN": [1, 2, 3], "DOSE": [0.0, 4.0, 2.0]})
    result = validation.validate_export({**small, "arms": blank})
    assert pd.concat([result.errors, result.queries]).query("file == 'arms.csv'")["rule"].tolist() == ["required"]
    # the reference is the lowest code among the arms with patients: here the baricitinib arm, Placebo having none
    unused = pd.DataFrame({"ARM": ["Placebo", TREATED, CONTROL], "ARMN": [0, 1, 2], "DOSE": [0.0, 4.0, 0.0]})
    queries = validation.validate_export({**small, "arms": unused}).queries.query("file == 'arms.csv'")
    assert queries[["row", "rule"]].values.tolist() == [["2", "arm_without_patients"], ["3", "reference_not_control"]]


def test_the_blinding_of_the_study_form_is_what_the_caveat_and_the_methods_say(small, tmp_path):
    """A double-blind trial (study TBLIND "Double-blind", as an export may write it): the key findings' caveat and the
    methods say so, never "open-label"; without the column, open label (the pilot and its follow-on trial)."""
    from analysis_utils import appendix, findings
    ard = pd.DataFrame({"analysis_id": "DSP-DISPOSITION", "group": ["A", "B", "C", "Total"] * 2, "variable": "Enrolled",
                        "category": "", "stat_name": ["n_subjects"] * 4 + ["big_n"] * 4,
                        "stat_value": [29.0, 29.0, 29.0, 87.0] * 2})
    export.write_export({**small, "study": small["study"].assign(TBLIND="Double-blind")}, tmp_path)
    assert validation.check_export(tmp_path).typed["study"]["TBLIND"].tolist() == ["DOUBLE BLIND"]
    blinding = export.study_identity(tmp_path).blinding
    assert findings.caveat(ard, blinding) == (
        "This double-blind trial randomised 87 patients to A, B and C: the difference between the arms is the "
        "randomised comparison; every result other than the primary endpoint is exploratory. The primary endpoint is "
        "compared for each of the 2 other arms with the reference arm, each at two-sided 5 %, without adjustment for "
        "the several comparisons.")
    between = pd.DataFrame({"analysis_id": ["EFF-ESSDAI-MCII-DIFF"], "method": ["Newcombe hybrid score 95% CI"],
                            "avisit": ["Week 12"], "group": ["B vs A"], "paramcd": ["ESSDAI"]})
    parts = dict(appendix.appendix_parts([], stage_reports=tmp_path / "none", ard=pd.concat([between, ard]),
                                         data_dir=tmp_path,
                                         data_cutoff="2022-01-31", git={"commit": "0" * 40, "dirty": "no"},
                                         notebooks=[]))
    assert "Randomised, double-blind trial of three arms" in parts["Methods"] and "open-label" not in parts["Methods"]
    assert "switched patients" not in parts["Methods"]  # no patient switched
    assert export.study_identity(paths.resolve("data/examples/randomised")).blinding == "OPEN LABEL"


def test_the_queries_of_adsl_alone_need_its_planned_doses():
    """The switch and label queries tell an arm without baricitinib by ADSL's planned dose: an ADSL without it is an
    error that names the variable, never a silent absence of queries."""
    adsl = pd.DataFrame({"USUBJID": ["a"], "SWITCHFL": ["Y"], "TRT01A": ["X"],
                         "TRTSDT": pd.to_datetime(["2021-01-05"])})
    adeff = pd.DataFrame({"USUBJID": [], "PARAMCD": [], "AVISITN": [], "CRIT1FL": []})
    with pytest.raises(KeyError, match="ADSL has SWITCHFL without DOSE01P"):
        cleaning.derive_switch_queries(adeff, adsl)
    adlb = pd.DataFrame({"USUBJID": ["a"], "PARAMCD": ["NEUT"], "AVAL": [0.5], "ADT": pd.to_datetime(["2021-01-05"]),
                         "AVISIT": ["Baseline"]})
    with pytest.raises(KeyError, match="ADSL has TRT01A without DOSE01A"):
        eligibility.derive_label_queries(adlb, adsl)


def test_the_switch_is_described_only_where_a_control_patient_switched():
    """A treated patient who stepped down to the control's treatment (an unplanned switch, queried) is not the
    protocol's switch of control non-responders: the methods say nothing of it, as with no switch at all."""
    from analysis_utils import arms
    adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01P": ["Bari", "Placebo"], "TRT01PN": [1, 0], "SITEID": "01",
                         "FASFL": "Y", "SWITCHFL": ["Y", "N"], "DOSE01P": [4.0, 0.0]})
    assert "switch" not in arms.describe_methods(adsl)
    assert "**Week 24, after the switch**" in arms.describe_methods(adsl.assign(SWITCHFL=["N", "Y"]))


def test_a_blinding_the_design_states_and_the_blinding_column_leaves_blank_is_queried(small):
    """A blank TBLIND reads as open label: where the design says "Double-blind", the caveat would say that patients
    and investigators knew the treatment, so it is queried; "non-blinded" is not a blinding; a single-arm export
    stating a blinding is queried too (its report is an open-label pilot's)."""
    for design, tblind, queried in (("Double-blind, placebo-controlled, 24 weeks", "", True),
                                    ("Double-blind, placebo-controlled, 24 weeks", "DOUBLE BLIND", False),
                                    ("Randomised, non-blinded, 24 weeks", "", False), ("Open-label", "", False)):
        study = small["study"].assign(DESIGN=design, TBLIND=tblind)
        found = _only(validation.validate_export({**small, "study": study}).queries, "blinding_unstated")
        assert len(found) == queried, design
    for design in ("Randomised, not blinded", "Open-label, blinded endpoint assessment (PROBE)"):
        study = small["study"].assign(DESIGN=design, TBLIND="")
        assert _only(validation.validate_export({**small, "study": study}).queries, "blinding_unstated").empty, design
    for design in ("Double\u2010blind", "Double-masked, placebo-controlled"):
        study = small["study"].assign(DESIGN=design, TBLIND="")
        assert len(_only(validation.validate_export({**small, "study": study}).queries, "blinding_unstated")) == 1
    study = small["study"].assign(DESIGN="Double-blind, placebo-controlled, 24 weeks", TBLIND="")
    found = _only(validation.validate_export({**small, "study": study}).queries, "blinding_unstated")
    assert found["message"].item().endswith(
        "is blank, read as open label (and the report says patients and investigators knew the treatment), though the "
        "study's title or design says 'Double-blind': state the blinding in TBLIND")
    pilot = synthetic.generate_trial()
    found = _only(validation.validate_export({**pilot, "study": pilot["study"].assign(TBLIND="Double-blind")}).queries,
                  "blinding_unstated")
    assert found[["file", "variable", "value"]].values.tolist() == [["study.csv", "TBLIND", "DOUBLE BLIND"]]


def test_without_an_arms_form_the_arms_are_the_follow_on_trials(small):
    """The shipped example declares the follow-on trial's arms; without the form they are the same (the default,
    ``dictionary.default_arms``), and so are the datasets."""
    without = {name: frame for name, frame in small.items() if name != "arms"}
    pd.testing.assert_frame_equal(validation.export_arms(without), validation.export_arms(small))
    pd.testing.assert_frame_equal(validation.export_arms(without), dictionary.default_arms())
    pd.testing.assert_frame_equal(cleaning.derive_all(without)["adsl"], cleaning.derive_all(small)["adsl"])
    shipped = pd.read_csv(paths.resolve("data/examples/randomised/arms.csv"), dtype=str).values.tolist()
    assert shipped == [["HCQ 400 mg", "1", "0.0"], ["Baricitinib 4 mg + HCQ 400 mg", "2", "4.0"]]


def test_adsl_carries_the_daily_dose_of_baricitinib_planned_in_each_treatment(small):
    """DOSE01P/DOSE01A/DOSE02P/DOSE02A: the arm's dose (the pilot 2 mg; HCQ alone 0, with baricitinib 4), a switched
    control patient's second period 4 mg, a patient randomised and never dosed missing actual doses."""
    pilot = cleaning.derive_all(synthetic.generate_trial())["adsl"]
    dosed = pilot["SAFFL"].eq("Y")
    assert pilot.loc[dosed, ["DOSE01P", "DOSE01A", "DOSE02P", "DOSE02A"]].eq(2.0).all().all()
    small["exposure"] = small["exposure"][small["exposure"]["SUBJID"] != "009"]
    small["disposition"] = small["disposition"][small["disposition"]["SUBJID"] != "009"]
    adsl = cleaning.derive_all(small)["adsl"].set_index("SUBJID")
    doses = adsl[["DOSE01P", "DOSE01A", "DOSE02P", "DOSE02A"]]
    assert doses.loc["001"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert doses.loc["002"].tolist() == [4.0, 4.0, 4.0, 4.0]
    assert doses.loc["007"].tolist() == [0.0, 0.0, 4.0, 4.0]  # switched at week 12
    assert doses.loc["009"].tolist()[0] == 4.0 and doses.loc["009"].iloc[1:].isna().tolist() == [True, False, True]


def test_the_arms_form_needs_two_arms_of_their_own_codes_and_a_randomisation_form(small):
    arms = dictionary.default_arms().assign(ARMN=1)
    err = _only(validation.validate_export({**small, "arms": arms}).errors, "arm_code_repeated")
    assert err[["file", "row", "variable", "value"]].values.tolist() == [["arms.csv", "3", "ARMN", "1"]]
    assert err["message"].item().endswith("is the code of an earlier arm: each arm has its own, the reference arm's "
                                          "lowest")
    one = dictionary.default_arms().iloc[:1]
    err = _only(validation.validate_export({**small, "arms": one}).errors, "arms_declared")
    assert err["message"].tolist() == ["arms.csv: arms_declared: declares fewer than two arms: a randomised trial "
                                       "compares two or more (a single-arm study has no arms form)"]
    pilot = synthetic.generate_trial()
    err = _only(validation.validate_export({**pilot, "arms": dictionary.default_arms()}).errors, "arms_declared")
    assert err["message"].tolist() == ["arms.csv: arms_declared: declares the arms of a randomised trial, but the "
                                       "export has no randomisation form: add it, or remove the arms form"]
    assert validation.validate_export(small).ok


def test_an_arm_not_declared_in_the_arms_form_is_an_error_though_the_default_arms_have_it(small):
    arms = pd.DataFrame({"ARM": [CONTROL, "Baricitinib 2 mg + HCQ 400 mg"], "ARMN": [1, 2], "DOSE": [0.0, 2.0]})
    err = _only(validation.validate_export({**small, "arms": arms}).errors, "not_allowed")
    assert set(err["variable"]) == {"ARM", "EXTRT"} and set(err["value"]) == {TREATED}
    arm = err.loc[err["variable"] == "ARM", "message"]
    assert arm.str.contains("is not one of: HCQ 400 mg, Baricitinib 2 mg + HCQ 400 mg (the arms of the export's arms "
                            "form;", regex=False).all()
    assert err.loc[err["variable"] == "EXTRT", "message"].str.contains(
        "is not one of: HCQ 400 mg, Baricitinib 2 mg + HCQ 400 mg (the arms of", regex=False).all()


def test_a_dose_above_the_arms_is_queried_and_a_reduction_is_not(small):
    """The treated arm declared at 2 mg: its periods at 4 mg are queried with the arm and its dose; a period of it
    at 1 mg (a reduction) is not; the pilot's 2 mg arm recorded at 4 mg is queried as well."""
    names = {CONTROL: CONTROL, TREATED: "Bari 2 mg + HCQ"}
    arms = pd.DataFrame({"ARM": [CONTROL, "Bari 2 mg + HCQ"], "ARMN": [1, 2], "DOSE": [0.0, 2.0]})
    declared = _declared(small, arms, names)
    exposure = declared["exposure"]
    treated = exposure.index[exposure["EXTRT"] == "Bari 2 mg + HCQ"]
    exposure.loc[treated[0], "EXDOSE"] = 1.0
    queries = _only(validation.validate_export(declared).queries, "dose_above_arm")
    assert queries["row"].tolist() == [str(i + 2) for i in treated[1:]]
    assert queries["message"].iloc[0].endswith(
        "column EXDOSE: dose_above_arm: value '4.0' is above the daily dose of baricitinib planned in the period's "
        "treatment, Bari 2 mg + HCQ (2 mg): a mistyped dose or treatment, or a deviation to confirm?")
    assert _only(validation.validate_export(small).queries, "dose_above_arm").empty  # 4 mg in the 4 mg arm
    pilot = synthetic.generate_trial()
    pilot["exposure"].loc[0, "EXDOSE"] = 4.0
    assert _only(validation.validate_export(pilot).queries, "dose_above_arm")["row"].tolist() == ["2"]


def test_a_switch_from_an_arm_with_baricitinib_is_unplanned_whatever_the_arms_are_called(small):
    """Three arms (the treated arm split into 2 mg and 4 mg): the control's switch is planned; a patient of the 2 mg
    arm moved to 4 mg is an unplanned switch, and the query names the declared control arm."""
    arms = pd.DataFrame({"ARM": ["Placebo", "Bari 2 mg", "Bari 4 mg"], "ARMN": [0, 1, 2], "DOSE": [0.0, 2.0, 4.0]})
    declared = _declared(small, arms, {CONTROL: "Placebo", TREATED: "Bari 4 mg"})
    rand, exposure = declared["randomisation"], declared["exposure"]
    rand.loc[rand["SUBJID"] == "002", "ARM"] = "Bari 2 mg"
    visits = declared["visits"]
    week12 = visits.loc[(visits["SUBJID"] == "002") & (visits["VISIT"] == "W12"), "VISITDT"].item()
    row = exposure.index[exposure["SUBJID"] == "002"].item()
    later = exposure.loc[[row]].assign(EXTRT="Bari 4 mg", EXDOSE=4.0, EXSTDT=week12, EXMISSED=0)
    exposure.loc[row, ["EXTRT", "EXDOSE", "EXENDT", "EXMISSED"]] = ["Bari 2 mg", 2.0, week12 - pd.Timedelta(days=1), 0]
    declared["exposure"] = pd.concat([exposure, later], ignore_index=True)
    unplanned = _only(validation.validate_export(declared).queries, "unplanned_switch")
    assert unplanned["USUBJID"].str.rsplit("-", n=1).str[1].tolist() == ["002"]  # not 007, the control's switch
    assert "from a treatment with baricitinib: the protocol switches only patients of the control arm (Placebo)" \
        in unplanned["message"].item()


def test_randomisation_before_consent_and_before_eligibility(small):
    rand, demog, elig = small["randomisation"], small["demographics"], small["eligibility"]
    rand.loc[0, "RANDDT"] = demog.loc[0, "CONSDT"] - pd.Timedelta(days=1)
    rand.loc[1, "RANDDT"] = elig.loc[1, "ELIGDT"] - pd.Timedelta(days=1)
    demog.loc[1, "CONSDT"] = elig.loc[1, "ELIGDT"] - pd.Timedelta(days=5)  # consent still before
    errors = validation.validate_export(small).errors
    consent = _only(errors, "randomised_before_consent")
    assert consent[["file", "row", "variable"]].values.tolist() == [["randomisation.csv", "2", "RANDDT"]]
    assert "before the informed consent on " + demog.loc[0, "CONSDT"].strftime("%Y-%m-%d") in consent["message"].item()
    eligibility = _only(errors, "randomised_before_eligibility")
    assert eligibility["row"].tolist() == ["2", "3"]  # row 2 is before both


def test_a_dosed_patient_not_randomised_is_an_error(small):
    subject = small["randomisation"].loc[4, "SUBJID"]
    small["randomisation"] = small["randomisation"].drop(index=4).reset_index(drop=True)
    err = _only(validation.validate_export(small).errors, "not_randomised")
    assert err[["file", "row", "value"]].values.tolist() == [["demographics.csv", "6", subject]]


def test_first_dose_before_randomisation_is_an_error(small):
    first = small["exposure"].groupby("SUBJID")["EXSTDT"].min()
    subject = small["randomisation"].loc[3, "SUBJID"]
    small["randomisation"].loc[3, "RANDDT"] = first[subject] + pd.Timedelta(days=2)
    err = _only(validation.validate_export(small).errors, "dosed_before_randomisation")
    assert err["row"].tolist() == ["5"]
    assert "after the first dose on " + first[subject].strftime("%Y-%m-%d") in err["message"].item()


def test_overlapping_exposure_periods_are_an_error(small):
    ex = small["exposure"]
    two = ex["SUBJID"].value_counts()
    subject = two[two == 2].index[0]  # a switched patient
    rows = ex.index[ex["SUBJID"] == subject]
    ex.loc[rows[1], "EXSTDT"] = ex.loc[rows[0], "EXENDT"]  # starts on the last dose of the first period
    err = _only(validation.validate_export(small).errors, "overlapping_exposure")
    assert err["value"].tolist() == [ex.loc[rows[0], "EXENDT"].strftime("%Y-%m-%d")]


def test_treatment_other_than_randomised_is_a_query_not_an_error(small):
    first = small["exposure"].drop_duplicates("SUBJID").index[0]
    small["exposure"].loc[first, "EXTRT"] = CONTROL if small["exposure"].loc[first, "EXTRT"] == TREATED else TREATED
    result = validation.validate_export(small)
    assert result.ok
    assert _only(result.queries, "treated_not_as_randomised")["file"].tolist() == ["randomisation.csv"]


def test_a_randomised_patient_whose_study_ended_without_a_dose_is_queried(example):
    """Patient 004 (randomised 2021-01-06, completed 2021-06-24) without its exposure rows: a query on the
    randomisation (it leaves the full analysis set); still on study at the export (no disposition row), awaiting a
    first dose, no query."""
    trial, _, _ = example
    ex, ds = trial["exposure"], trial["disposition"]
    undosed = {**trial, "exposure": ex[ex["SUBJID"] != "004"]}
    assert [m.split(": randomised_not_dosed: ")[1] for m in
            _only(validation.validate_export(undosed).queries, "randomised_not_dosed")["message"]] == [
        "value '2021-01-06' is the randomisation of a patient whose study ended (COMPLETED on 2021-06-24) without a "
        "dose in the exposure form: the patient is outside the full analysis and safety sets, with every assessment "
        "and adverse event (ICH E9 allows leaving out a randomised patient never treated); a missing exposure row?"]
    ongoing = {**undosed, "disposition": ds[ds["SUBJID"] != "004"]}
    assert _only(validation.validate_export(ongoing).queries, "randomised_not_dosed").empty
    failed = {**undosed, "disposition": ds.assign(DSDECOD=ds["DSDECOD"].where(ds["SUBJID"] != "004",
                                                                             dictionary.SCREEN_FAILURE))}
    result = validation.validate_export(failed)  # a randomised screen failure: that error alone, not both
    assert _only(result.queries, "randomised_not_dosed").empty
    assert _only(result.errors, "screen_failure_randomised")["USUBJID"].tolist() == ["BARI-PSS-RCT-01-004"]
    assert _only(validation.validate_export(trial).queries, "randomised_not_dosed").empty


def test_queries_raised_by_another_form_stand_at_a_cut_only_with_that_record_by_the_cut(example):
    """Patient 004 without exposure rows, whose study ended on 2021-06-24: randomised_not_dosed at the export, not at
    a cut on 2021-03-01 (the patient is then on study, awaiting a first dose). Patient 002 (HCQ 400 mg) given
    baricitinib from its first dose on 2021-01-06: treated_not_as_randomised at the export, not at a cut on
    2021-01-05 (nothing taken yet); it said "the first treatment taken is ..." of a dose after the cut."""
    trial, _, _ = example
    ex = trial["exposure"].copy()
    ex.loc[ex["SUBJID"] == "002", "EXTRT"] = TREATED
    result = validation.validate_export({**trial, "exposure": ex[ex["SUBJID"] != "004"].reset_index(drop=True)})
    rules = ["randomised_not_dosed", "treated_not_as_randomised"]

    def found(cut: str) -> list:
        queries, _ = cleaning.queries_at_cut(result, cut)
        return queries.loc[queries["rule"].isin(rules), ["USUBJID", "rule"]].values.tolist()

    assert found("") == [["BARI-PSS-RCT-01-002", "treated_not_as_randomised"],
                         ["BARI-PSS-RCT-01-004", "randomised_not_dosed"]]
    assert found("2021-03-01") == [["BARI-PSS-RCT-01-002", "treated_not_as_randomised"]]
    assert found("2021-01-05") == []


def test_the_pilot_export_needs_neither_randomisation_nor_schedule(synthetic_export):
    assert "randomisation" not in synthetic_export and "schedule" not in synthetic_export
    assert "EXTRT" not in synthetic_export["exposure"]
    assert validation.validate_export(synthetic_export).ok


def test_randomisation_rules_are_errors_and_documented():
    for rule in ("not_randomised", "randomised_before_consent", "randomised_before_eligibility",
                 "dosed_before_randomisation", "overlapping_exposure", "schedule_baseline", "schedule_window"):
        assert validation.RULES[rule][0] == "error"
        assert f"`{rule}`" in dictionary.render_markdown()


# ---------------------------------------------------------------------------------------------
# The visit schedule
# ---------------------------------------------------------------------------------------------

def test_three_visit_schedule_is_the_pilots():
    schedule = validation.export_schedule({})
    assert schedule.values.tolist() == [["BL", "Baseline", 0, -28, 1], ["W12", "Week 12", 12, 71, 99],
                                        ["W24", "Week 24", 24, 155, 183]]
    assert dictionary.forms_for(schedule) == dict(dictionary.FORMS)  # the pilot's dictionary unchanged
    assert validation.final_visit(schedule) == "W24"


def test_seven_visit_schedule_gives_its_codes_weeks_and_windows():
    schedule = synthetic.randomised_schedule()
    assert schedule["VISIT"].tolist() == ["BL", "W4", "W8", "W12", "W16", "W20", "W24"]
    # week 4: target day 7 x 4 + 1 = 29, +/- 7 days -> 22 to 36; week 24: 169 +/- 7 -> 162 to 176
    assert schedule.set_index("VISIT").loc[["W4", "W24"], ["AVISITN", "WINLO", "WINHI"]].values.tolist() == \
        [[4, 22, 36], [24, 162, 176]]
    forms = dictionary.forms_for(schedule)
    assert forms["essdai"].variable("VISIT").allowed == tuple(schedule["VISIT"])
    assert forms["ild"].variable("VISIT").allowed == ("W4", "W8", "W12", "W16", "W20", "W24")
    assert forms["labs"].variable("VISIT").allowed[-2:] == (dictionary.UNSCHEDULED, dictionary.SCREENING)


def test_a_visit_outside_the_schedule_is_not_allowed(small):
    small["pga"].loc[1, "VISIT"] = "W6"
    err = _only(validation.validate_export(small).errors, "not_allowed")
    assert err[["file", "variable", "value"]].values.tolist() == [["pga.csv", "VISIT", "W6"]]
    assert "BL, W4, W8, W12, W16, W20, W24" in err["message"].item()


def test_schedule_without_baseline_or_with_a_window_missing_its_target(small):
    sched = small["schedule"]
    sched.loc[sched["VISIT"] == "W8", ["WINLO", "WINHI"]] = [30, 40]  # week 8 targets day 57
    errors = validation.validate_export(small).errors
    window = _only(errors, "schedule_window")
    assert window[["file", "row", "value"]].values.tolist() == [["schedule.csv", "4", "30 to 40"]]
    assert "target study day 57 of week 8" in window["message"].item()
    small["schedule"] = sched[sched["VISIT"] != "BL"].reset_index(drop=True)
    assert not _only(validation.validate_export(small).errors, "schedule_baseline").empty


def test_windows_queries_follow_the_schedule(small):
    visits, first = small["visits"], small["exposure"].groupby("SUBJID")["EXSTDT"].min()
    row = visits.index[visits["VISIT"] == "W4"][0]
    visits.loc[row, "VISITDT"] = first[visits.loc[row, "SUBJID"]] + pd.Timedelta(days=37)  # study day 38 > 36
    queries = _only(validation.validate_export(small).queries, "visit_window")
    assert "is on study day 38, outside the window day 22 to 36" in " ".join(queries["message"])
    assert "Week 4" in set(queries["AVISIT"])  # the schedule's label, not the code W4


def test_avisitn_is_the_planned_week_and_visits_are_ordered_by_it(small):
    ds = cleaning.derive_all(small)
    assert sorted(ds["adqs"]["AVISITN"].unique().tolist()) == [0, 4, 8, 12, 16, 20, 24]
    assert cleaning.visit_order(ds["adqs"]) == ("Baseline", "Week 4", "Week 8", "Week 12", "Week 16", "Week 20",
                                                "Week 24")
    w8 = ds["adqs"][ds["adqs"]["AVISIT"] == "Week 8"]
    assert (w8["AWLO"] == 50).all() and (w8["AWHI"] == 64).all()
    unscheduled = ds["adlb"][ds["adlb"]["AVISIT"] == "Unscheduled"]
    assert unscheduled["AWLO"].isna().all()


def test_pilot_visit_order_stays_the_three_visits(synthetic_export):
    ds = cleaning.derive_all(synthetic_export)
    assert cleaning.visit_order(ds["adqs"]) == ("Baseline", "Week 12", "Week 24")
    counts = scoring.summarize_adeff_counts(scoring.derive_adeff(ds["adqs"][list(scoring.ADQS_COLUMNS)]))
    assert list(counts.columns) == ["PARAMCD", "PARAM", "Baseline", "Week 12", "Week 24"]


# ---------------------------------------------------------------------------------------------
# ADSL and BDS treatment variables
# ---------------------------------------------------------------------------------------------

def test_pilot_adsl_has_one_arm_coded_1_and_no_randomisation(synthetic_export):
    adsl = cleaning.derive_all(synthetic_export)["adsl"]
    assert set(adsl["TRT01P"]) == set(adsl["TRT01A"]) == set(adsl["TRT02A"]) == {"Baricitinib 2 mg"}
    assert set(adsl["ARM"]) == set(adsl["ACTARM"]) == {"Baricitinib 2 mg"}
    assert set(adsl["TRT01PN"]) == set(adsl["TRT01AN"]) == {1.0}
    assert adsl["RANDDT"].isna().all() and adsl["TR02SDT"].isna().all() and set(adsl["SWITCHFL"]) == {"N"}


def _hand_worked(small) -> tuple:
    """Subject A (control) switches: HCQ alone days 1-84, 2 doses missed; baricitinib + HCQ from day 85 to 168,
    4 missed. Subject B (treated) has one period, days 1-169, 3 missed."""
    ex = small["exposure"]
    rand = small["randomisation"]
    a = rand.loc[rand["ARM"] == CONTROL, "SUBJID"].iloc[0]
    b = rand.loc[rand["ARM"] == TREATED, "SUBJID"].iloc[0]
    start = pd.Timestamp("2021-01-11")
    for subject in (a, b):
        rand.loc[rand["SUBJID"] == subject, "RANDDT"] = start - pd.Timedelta(days=1)
    rows = [
        {"SUBJID": a, "EXTRT": CONTROL, "EXDOSE": 0.0, "EXSTDT": start, "EXENDT": start + pd.Timedelta(days=83),
         "EXMISSED": 2},
        {"SUBJID": a, "EXTRT": TREATED, "EXDOSE": 4.0, "EXSTDT": start + pd.Timedelta(days=84),
         "EXENDT": start + pd.Timedelta(days=167), "EXMISSED": 4},
        {"SUBJID": b, "EXTRT": "", "EXDOSE": 4.0, "EXSTDT": start, "EXENDT": start + pd.Timedelta(days=168),
         "EXMISSED": 3},
    ]
    ex = pd.concat([ex[~ex["SUBJID"].isin([a, b])], pd.DataFrame(rows)], ignore_index=True)
    small["exposure"] = ex.astype({"EXMISSED": "Int64"})
    return a, b, start


def test_adsl_treatment_and_exposure_hand_worked(small):
    a, b, start = _hand_worked(small)
    adsl = cleaning.derive_adsl(small).set_index("SUBJID")
    got = adsl.loc[a]
    assert (got["TRT01P"], got["TRT01PN"], got["TRT01A"], got["TRT01AN"]) == (CONTROL, 1.0, CONTROL, 1.0)
    assert (got["TRT02P"], got["TRT02A"], got["SWITCHFL"]) == (TREATED, TREATED, "Y")
    assert got["TR02SDT"] == start + pd.Timedelta(days=84) and got["RANDDT"] == start - pd.Timedelta(days=1)
    # 168 days from first to last dose; 84 - 2 = 82 days of HCQ alone (0 mg), 84 - 4 = 80 days of 4 mg
    assert (got["TRTDURD"], got["CUMDOSE"]) == (168, 320.0)
    assert got["ADHERPCT"] == pytest.approx(100 * 162 / 168)
    got = adsl.loc[b]  # a blank EXTRT is the arm randomised to
    assert (got["TRT01P"], got["TRT01PN"], got["TRT01A"], got["TRT02A"], got["SWITCHFL"]) == \
        (TREATED, 2.0, TREATED, TREATED, "N")
    assert pd.isna(got["TR02SDT"]) and (got["TRTDURD"], got["CUMDOSE"]) == (169, 4.0 * 166)


def test_adsl_arm_and_actarm_hand_worked(example):
    """ARM is the arm randomised, ACTARM the arm first taken: patient 085 (HCQ 400 mg), switched at week 12 as the
    protocol plans, stays HCQ 400 mg in both; patient 002 (HCQ 400 mg) given baricitinib 4 mg + HCQ from its first
    dose has that arm as ACTARM; patient 004 (HCQ 400 mg), randomised and never dosed, is "Not Treated"; a patient
    who consented and left before randomisation is "Not Assigned" in both, and a screen failure "Screen Failure"."""
    trial, ds, _ = example
    adsl = ds["adsl"].set_index("SUBJID")
    assert adsl["ARM"].equals(adsl["TRT01P"]) and adsl["ACTARM"].equals(adsl["TRT01A"])
    assert adsl.loc["085", ["ARM", "ACTARM", "SWITCHFL"]].tolist() == [CONTROL, CONTROL, "Y"]
    ex = trial["exposure"].copy()
    ex.loc[ex["SUBJID"] == "002", "EXTRT"] = TREATED
    rand = trial["randomisation"]
    left = rand.loc[rand["SUBJID"].isin(["010", "011"]), "SUBJID"].tolist()
    ds_rows = pd.DataFrame({"SUBJID": left, "DSDECOD": ["WITHDRAWAL BY SUBJECT", dictionary.SCREEN_FAILURE]})
    changed = {**trial, "exposure": ex[~ex["SUBJID"].isin(["004", *left])],
               "randomisation": rand[~rand["SUBJID"].isin(left)]}
    adsl = cleaning.derive_treatment(changed, pd.Index(["002", "004", *left])).join(
        pd.DataFrame({"SAFFL": ["Y", "N", "N", "N"], "DCSREAS": ["", "", *ds_rows["DSDECOD"]]},
                     index=["002", "004", *left]))
    assert cleaning.derive_arm(adsl).values.tolist() == [
        [CONTROL, TREATED], [CONTROL, "Not Treated"], ["Not Assigned", "Not Assigned"],
        ["Screen Failure", "Screen Failure"]]


def test_adsl_arm_is_the_cdisc_pilots_arm():
    """The CDISC pilot's ADSL (254 patients randomised to three arms, each dosed): the rule keeps the ARM the study
    wrote (TRT01P; the cases without an arm are the hand-worked test's)."""
    adsl = read_adam(paths.CDISC_PILOT / "adam" / "adsl.xpt")
    got = cleaning.derive_arm(adsl.assign(RANDDT=pd.NaT, DCSREAS=adsl["DCSREAS"].fillna("")))
    assert len(got) == 254 and got["ARM"].tolist() == adsl["ARM"].tolist()
    assert got["ACTARM"].tolist() == adsl["TRT01A"].tolist()


def test_control_arm_has_the_lowest_code():
    assert min(dictionary.RANDOMISED_ARMS, key=dictionary.RANDOMISED_ARMS.get) == CONTROL


def test_bds_trtp_is_randomised_arm_and_trta_the_arm_taken_after_the_switch_date(small):
    a, _b, start = _hand_worked(small)
    adsl = cleaning.derive_adsl(small)
    usubjid = adsl.loc[adsl["SUBJID"] == a, "USUBJID"].item()
    bds = pd.DataFrame({"USUBJID": usubjid, "ADT": [start, start + pd.Timedelta(days=84),
                                                   start + pd.Timedelta(days=85), pd.NaT]})
    out = cleaning.derive_vars_trt(bds, adsl)
    assert out["TRTP"].tolist() == [CONTROL] * 4
    # the assessment on the day of the first new dose is taken before it; no date: the first period
    assert out["TRTA"].tolist() == [CONTROL, CONTROL, TREATED, CONTROL]


def test_adae_trta_is_the_treatment_taken_at_onset_as_the_safety_tables_count_it(example):
    """06-066 switched to baricitinib on 2021-07-13; her urinary tract infection of 2021-09-02 is baricitinib's (the
    tables' and listing's rule, ``safety._attach_arm``), TRTP her arm randomised; an event before the first dose has
    no TRTA. Every event's TRTA equals the listing's column."""
    _trial, ds, _adeff = example
    adae, adsl = ds["adae"], ds["adsl"]
    uti = adae[adae["USUBJID"].str.endswith("06-066") & (adae["ASTDT"] == "2021-09-02")].iloc[0]
    assert (uti["TRTP"], uti["TRTA"]) == (CONTROL, TREATED)
    assert adae.loc[adae["TRTEMFL"] != "Y", "TRTA"].eq("").all()
    listing = safety.list_adverse_events(adae, adsl=adsl)
    mine = adae[adae["USUBJID"].isin(listing["USUBJID"])].sort_values(["USUBJID", "ASTDT", "AESEQ"], kind="stable")
    assert mine["TRTA"].tolist() == listing["TRTA"].tolist()


@pytest.mark.parametrize(("onset", "end", "astdt", "trta"), [
    ("2021-07", "2021-10-02", "2021-07-13", TREATED),  # the switch's month: the switch's day, the new treatment
    ("2021-07", "2021-07-10", "2021-07-01", CONTROL),  # ended before the switch: the month's first day
    ("2021-06", "2021-10-02", "2021-06-01", CONTROL),  # a month before the switch
    ("2021-07-20", "2021-10-02", "2021-07-20", TREATED),  # complete: as entered
])
def test_a_partial_onset_in_the_switch_month_counts_under_the_new_treatment(example, onset, end, astdt, trta):
    """06-066 (HCQ 400 mg) switched to baricitinib on 2021-07-13; her common cold entered with a partial onset. A start
    whose range holds the switch, not ended before it, is imputed to the switch's day, as one holding the first dose is
    to the first dose (admiral's min_dates: the latest date in range): the event counts under the new treatment."""
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    ae = trial["adverse_events"]
    ae["AESTDT"], ae["AEENDT"] = (ae[c].dt.strftime("%Y-%m-%d").astype(object) for c in ("AESTDT", "AEENDT"))
    row = (ae["SUBJID"] == "066") & (ae["AESPID"] == 3)
    ae.loc[row, ["AESTDT", "AEENDT"]] = [onset, end]
    adae = cleaning.derive_all(trial)["adae"]
    cold = adae[adae["USUBJID"].str.endswith("06-066") & (adae["AEDECOD"] == "Upper respiratory tract infection")]
    assert cold[["ASTDT", "ASTDTF", "TRTA"]].astype(str).values.tolist() == [
        [astdt, "D" if len(onset) == 7 else "", trta]]


# ---------------------------------------------------------------------------------------------
# The generator of the randomised example
# ---------------------------------------------------------------------------------------------

def _digest(trial: dict) -> dict:
    return {name: hashlib.sha256(export.to_text(frame).to_csv(index=False).encode()).hexdigest()
            for name, frame in trial.items()}


def test_generator_is_reproducible_by_seed():
    one = synthetic.generate_randomised_trial(30, n_centres=4, seed=3)
    assert _digest(one) == _digest(synthetic.generate_randomised_trial(30, n_centres=4, seed=3))
    assert _digest(one) != _digest(synthetic.generate_randomised_trial(30, n_centres=4, seed=4))


def test_example_has_58_29_patients_in_8_centres_valid_and_with_baseline_essdai_at_least_5(example):
    trial, ds, adeff = example
    adsl = ds["adsl"]
    assert adsl["TRT01P"].value_counts().to_dict() == {TREATED: 58, CONTROL: 29}
    assert adsl.groupby("TRT01P")["TRT01PN"].first().to_dict() == {TREATED: 2.0, CONTROL: 1.0}
    assert sorted(adsl["SITEID"].unique()) == [f"0{i}" for i in range(1, 9)]
    assert validation.validate_export(trial).ok
    base = adeff[(adeff["PARAMCD"] == "ESSDAI") & (adeff["ABLFL"] == "Y")]
    assert len(base) == 87 and base["AVAL"].min() >= 5
    assert 1 <= (adsl["EOSSTT"] == "DISCONTINUED").sum() <= 12  # some dropouts


def test_every_patient_of_the_example_meets_the_inclusion_criteria_and_one_has_cns_activity(example):
    """Worked from the raw forms, not by the eligibility module: the 2016 ACR/EULAR score (biopsy and anti-SSA 3
    points each; ocular staining >= 5, Schirmer <= 5, saliva flow <= 0.1 one each) is 4 or more and CRP, ESR or IgG is
    above the laboratory's upper limit at baseline for every patient. One patient (083) has CNS activity at baseline,
    which the protocol excludes: the only patient the analysis shows not eligible."""
    trial, ds, adeff = example
    elig = trial["eligibility"].merge(trial["demographics"][["SUBJID", "ANTISSA"]], on="SUBJID")
    score = (3 * (elig["FOCUSSC"] >= 1) + 3 * (elig["ANTISSA"] == "POSITIVE") + (elig["OSS"] >= 5)
             + (elig["SCHIRMER"] <= 5) + (elig["UWSFR"] <= 0.1))
    assert len(score) == 87 and score.min() >= 4
    labs = trial["labs"]
    base = labs[(labs["VISIT"] == "BL") & labs["LBTESTCD"].isin(["CRP", "ESR", "IGG"])]
    raised = (base["LBORRES"].astype(float) > base["LBORNRHI"]).groupby(base["SUBJID"]).any()
    assert len(raised) == 87 and raised.all()
    essdai = trial["essdai"]
    assert essdai.loc[(essdai["VISIT"] == "BL") & (essdai["EDLCNS"] > 0), "SUBJID"].tolist() == ["083"]
    adelig = eligibility.derive_adelig(ds["adsl"], adeff, ds["adlb"], ds["adcm"], adie=ds["adie"])
    met = adelig[adelig["AVALC"] == eligibility.MET]
    assert sorted({*met.loc[met["CRITTYPE"] == "EXCLUSION", "USUBJID"]}) == ["BARI-PSS-RCT-08-083"]
    assert (adelig.loc[adelig["CRITTYPE"] == "INCLUSION", "AVALC"] == eligibility.MET).all()


def test_every_switched_patient_was_control_without_mcii_at_week_12_and_every_such_patient_switched(example):
    _trial, ds, adeff = example
    adsl = ds["adsl"].set_index("USUBJID")
    w12 = adeff[(adeff["PARAMCD"] == "ESSDAI") & (adeff["AVISITN"] == 12)].set_index("USUBJID")
    switched = adsl.index[adsl["SWITCHFL"] == "Y"]
    assert len(switched) > 0
    assert (adsl.loc[switched, "TRT01PN"] == adsl["TRT01PN"].min()).all()
    assert (w12.loc[switched, "CRIT1FL"] == "N").all()
    non_responders = w12.index[(w12["TRTP"] == CONTROL) & (w12["CRIT1FL"] == "N")]
    assert set(non_responders) == set(switched)
    assert (adsl.loc[switched, "TR02SDT"] == w12.loc[switched, "ADT"]).all()  # switch at the week-12 visit
    after = adeff[adeff["USUBJID"].isin(switched) & (adeff["AVISITN"] > 12)]
    assert set(after["TRTA"]) == {TREATED} and set(after["TRTP"]) == {CONTROL}


def test_week_12_response_rates_are_near_their_calibration(example):
    _trial, _ds, adeff = example
    w12 = adeff[(adeff["PARAMCD"] == "ESSDAI") & (adeff["AVISITN"] == 12) & (adeff["CRIT1FL"] != "")]
    rate = w12.groupby("TRTP")["CRIT1FL"].apply(lambda f: (f == "Y").mean())
    # binomial SDs: sqrt(0.59 x 0.41 / 28) = 0.093, sqrt(0.85 x 0.15 / 56) = 0.048; within 2 SD
    assert abs(rate[CONTROL] - synthetic.CONTROL_MCII_PROBABILITY) < 2 * 0.093
    assert abs(rate[TREATED] - synthetic.TREATED_MCII_PROBABILITY) < 2 * 0.048


def test_allocation_is_by_permuted_blocks_within_centre():
    alloc = synthetic.allocate(87, 8, (2, 1), np.random.default_rng(5))
    assert alloc.groupby("SITEID").size().tolist() == [12] * 5 + [9] * 3
    blocks = alloc.groupby(np.arange(87) // 3)["ARM"].apply(lambda a: sorted(a))
    assert all(b == [TREATED, TREATED, CONTROL] for b in blocks)
    with pytest.raises(ValueError, match="at least one block"):
        synthetic.generate_randomised_trial(2)


def test_shipped_example_is_what_the_command_line_writes(tmp_path):
    assert synthetic.main(["--randomised", "--out", str(tmp_path)]) == 0
    pd.testing.assert_frame_equal(export.file_manifest(tmp_path),
                                  export.file_manifest(paths.resolve("data/examples/randomised")))


@pytest.mark.parametrize(("cut", "not_estimable"), [
    ("2021-01-10", {}),  # baselines only; patients enrolled, not randomised yet
    ("2021-03-01", {"EFF-ESSDAI-MMRM-NOT-ESTIMABLE": "no record of arm 'Baricitinib 4 mg + HCQ 400 mg' at visit "
                                                     "'Week 8'; the arm difference at that visit is not estimable"}),
    ("2021-04-01", {"EFF-ESSDAI-CHG-NOT-ESTIMABLE": "3 records for 3 parameters; no residual degrees of freedom"}),
])
def test_between_arm_analyses_at_an_early_interim_cut(example, cut, not_estimable):
    """An interim cut of the randomised example before enough patients reached a visit: the build stopped (no arm
    for a patient not randomised yet; a repeated-measures model without an arm at a visit; an ANCOVA of three
    patients). Each such analysis is now one row saying why it is not estimable, and the others stand."""
    from analysis_utils import arms
    trial, _, _ = example
    ds = cleaning.derive_all(trial, data_cutoff=cut)
    adeff = cleaning.derive_vars_trt(scoring.derive_adeff(ds["adqs"]), ds["adsl"])
    ard = arms.summarize_arms(ds["adsl"], adeff)
    rows = ard[ard["analysis_id"].str.endswith(arms.NOT_ESTIMABLE) & ard["paramcd"].eq("ESSDAI")]
    assert rows.set_index("analysis_id")["method"].to_dict() == not_estimable
    # before the first week-12 visit (2021-03-29) the primary comparison says it is not yet due (it said "no records")
    due = efficacy_ard.summarize_visits_due(ds["adsl"])
    primary = arms.describe_comparison(ard, analysis_id="EFF-ESSDAI-MCII", avisit="Week 12", what="the ESSDAI MCII",
                                       due=due)
    if cut < "2021-03-29":
        n_fas = int(ds["adsl"]["FASFL"].eq("Y").sum())
        assert primary == ("No between-arm comparison of the ESSDAI MCII at Week 12: not yet due at the data cut "
                           f"(the visit was due for 0 of {n_fas} patients).")
    else:
        assert primary.startswith("At Week 12, the ESSDAI MCII was reached by 2 of the 2 patients evaluable "
                                  f"(100.0%) randomised to {TREATED}")
    if not_estimable:
        assert arms.describe_not_estimable(ard).startswith("Not estimable at this data cut: ESSDAI: change from")
    else:
        assert ds["adsl"]["TRT01P"].eq("").any() or ds["adsl"]["TRT01P"].isna().any()


def test_a_visit_due_only_for_patients_who_left_has_its_nri_comparison(example):
    """At the cut 2021-06-15 week 24 was due for 3 patients, who left before it (2 HCQ, 1 baricitinib), and no one
    was assessed at it: no observed-case comparison, but the NRI one counts the 3 as non-responders: 0/2 against 0/1,
    a difference of 0, Newcombe 95 % CI -65.8 to 79.3 points, Fisher's p = 1 (it was left out)."""
    from analysis_utils import arms
    trial, _, _ = example
    ds = cleaning.derive_all(trial, data_cutoff="2021-06-15")
    adeff = cleaning.derive_vars_trt(scoring.derive_adeff(ds["adqs"]), ds["adsl"])
    ard = arms.summarize_arms(ds["adsl"], adeff)
    week24 = ard[(ard["avisit"] == "Week 24") & ard["paramcd"].eq("ESSDAI") & ard["analysis_id"].str.contains("MCII")]
    assert set(week24["analysis_id"]) == {"EFF-ESSDAI-MCII-NRI", "EFF-ESSDAI-MCII-NRI-DIFF"}
    rates = week24[week24["stat_name"].isin(["n_responders", "n_evaluable"])]
    assert rates.pivot(index="group", columns="stat_name", values="stat_value").loc[[CONTROL, TREATED, "Total"]] \
        .values.tolist() == [[2.0, 0.0], [1.0, 0.0], [3.0, 0.0]]
    diff = week24[week24["analysis_id"] == "EFF-ESSDAI-MCII-NRI-DIFF"].set_index("stat_name")["stat_value"]
    assert [round(100 * diff[s], 1) for s in ("estimate", "ci_lower", "ci_upper")] == [0.0, -65.8, 79.3]
    assert diff["p_value"] == 1.0
    # after the switch week by the schedule, no one assessed yet: the treatment-policy estimand is named all the same
    method = week24.loc[week24["analysis_id"] == "EFF-ESSDAI-MCII-NRI-DIFF", "method"]
    assert method.str.contains("treatment policy: analysed in the randomised arm").all()
    change = ard[ard["analysis_id"].str.startswith("EFF-ESSDAI-CHG")]
    assert not change["avisit"].eq("Week 24").any()  # no record to compare
    due = efficacy_ard.summarize_visits_due(ds["adsl"])
    assert arms.describe_comparison(ard, analysis_id="EFF-ESSDAI-MCII", avisit="Week 24", what="the ESSDAI MCII",
                                    due=due) == (
        "No between-arm comparison of the ESSDAI MCII at Week 24: no data at the data cut (the visit was due for 3 "
        "of 87 patients). The table's NRI row compares the arms on the patients it was due for, each without a "
        "response (missing counted as non-response).")


def test_week_24_comparison_says_how_many_control_patients_assessed_had_switched(example):
    """Of the 26 HCQ 400 mg patients with a week-24 ESSDAI, 10 had switched to baricitinib (the 12 switched, less 2
    who left before week 24): the treatment-policy sentence says so beside the control arm's rate."""
    from analysis_utils import arms
    trial, ds, adeff = example
    ard = arms.summarize_arms(ds["adsl"], adeff)
    switched = ard[ard["analysis_id"] == "EFF-ESSDAI-SWITCHED"].set_index(["avisit", "group"])["stat_value"]
    assert switched[("Week 24", CONTROL)] == 10 and switched[("Week 24", TREATED)] == 0
    assert "Week 12" not in switched.index.get_level_values(0)  # before the switch: no row
    text = arms.describe_comparison(ard, analysis_id="EFF-ESSDAI-MCII", avisit="Week 24", what="the ESSDAI MCII")
    assert (f"stay in their arm; of the patients assessed at Week 24, 10 randomised to {CONTROL} had switched), "
            "the ESSDAI MCII was reached by") in text
    assert f"25 of the 26 patients evaluable (96.2%) randomised to {CONTROL}" in text


def test_the_example_queries_baricitinib_started_below_the_label_threshold(example):
    """Patients 03-025, 06-063 and 07-076 started baricitinib with neutrophils 0.8, 0.73 and 0.69 x10^9/L; 03-036
    (HCQ 400 mg) switched to it at week 12 with 0.67."""
    trial, ds, _ = example
    out = eligibility.derive_label_queries(ds["adlb"], ds["adsl"])
    assert out[["USUBJID", "AVISIT", "value"]].values.tolist() == [
        ["BARI-PSS-RCT-03-025", "Baseline", "0.8"], ["BARI-PSS-RCT-03-036", "Week 12", "0.67"],
        ["BARI-PSS-RCT-06-063", "Baseline", "0.73"], ["BARI-PSS-RCT-07-076", "Baseline", "0.69"]]


def test_the_example_queries_baricitinib_continued_below_the_label_threshold_once_per_patient(example):
    """After those starts, 03-025 (weeks 4 and 8), 06-063 and 07-076 (weeks 4 to 20: the week-24 sample is on the day of
    the last dose) kept neutrophils below 1.0 x10^9/L on baricitinib, dosed on with no interruption in the exposure
    form; 03-036 at week 16, after the switch (its week-12 sample, on the day of the switch, is the start's). One query
    per patient, at the first sample after the start, none at a start's own sample; 03-044 (HCQ 400 mg, below 1.0
    throughout) took no baricitinib."""
    trial, _, _ = example
    found = _only(_rules(trial), "continued_below_label")
    assert found[["USUBJID", "AVISIT", "value"]].values.tolist() == [
        ["BARI-PSS-RCT-03-025", "Week 4", "0.80"], ["BARI-PSS-RCT-03-036", "Week 16", "0.91"],
        ["BARI-PSS-RCT-06-063", "Week 4", "0.72"], ["BARI-PSS-RCT-07-076", "Week 4", "0.78"]]
    counted = found["message"].str.extract(r"the first of (\d+) such samples")[0].fillna("1").tolist()
    assert counted == ["2", "1", "5", "5"]


def test_the_example_queries_past_hepatitis_b_without_hbv_dna_on_baricitinib(example):
    """16 patients of the example are anti-HBc positive and HBsAg negative, and the example has no HBV DNA result. Of
    the 10 randomised to baricitinib 4 mg + HCQ 400 mg, the 8 who completed (165-171 days dosed) are queried; 058 and
    067 stopped for an adverse event after 71 and 75 days. Of the 6 randomised to HCQ 400 mg, 036 and 081 switched to
    baricitinib at week 12 (79 and 84 days dosed to the end), 010 switched and was lost to follow-up 41 days later,
    and 016, 061 and 069 took none: not due."""
    trial, _, _ = example
    found = _only(_rules(trial), "hbv_dna_not_monitored")
    assert found["USUBJID"].str[-6:].tolist() == ["01-001", "02-017", "02-023", "03-035", "04-037", "04-043",
                                                  "07-071", "07-075"]


def test_a_switch_before_the_week_12_visit_is_queried(example):
    """Patient 085 (HCQ 400 mg, no MCII at week 12) switches on the day of the week-12 visit, 2021-08-19, as the
    protocol plans: no query. Switched at week 8 (2021-07-23), the week-12 values, the primary endpoint, are after
    baricitinib: a query naming the visit. Without a week-12 visit, the switch on study day 59 (2021-07-23, first dose
    2021-05-26) is before the visit's window (from day 78)."""
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    assert "early_switch" not in set(validation.validate_export(trial).queries["rule"])
    ex = trial["exposure"]
    rows = ex.index[ex["SUBJID"] == "085"]
    assert ex.loc[rows, "EXSTDT"].dt.strftime("%Y-%m-%d").tolist() == ["2021-05-26", "2021-08-19"]
    ex.loc[rows, ["EXENDT", "EXSTDT"]] = [[pd.Timestamp("2021-07-22"), pd.Timestamp("2021-05-26")],
                                          [pd.Timestamp("2021-11-10"), pd.Timestamp("2021-07-23")]]
    found = validation.validate_export(trial).queries.query("rule == 'early_switch'")
    assert found["message"].tolist() == [
        f"exposure.csv, line {rows[1] + 2}, subject BARI-PSS-RCT-08-085, visit -, column EXSTDT: early_switch: value "
        "'2021-07-23' is the first dose of Baricitinib 4 mg + HCQ 400 mg (a switch), before the Week 12 visit on "
        "2021-08-19: the protocol switches after the week-12 assessment, so that visit's values, the primary "
        "endpoint, would be after the new treatment (a mistyped date, or a deviation?)"]
    for form in ("visits", "essdai", "esspri", "pga"):
        frame = trial[form]
        trial[form] = frame[~((frame["SUBJID"] == "085") & (frame["VISIT"] == "W12"))]
    found = validation.validate_export(trial).queries.query("rule == 'early_switch'")
    assert found["message"].str.contains("before the Week 12 visit's window (from study day 78; on study day 59)",
                                         regex=False).all()
    assert len(found) == 1


def test_a_switch_the_protocol_does_not_plan_is_queried(example):
    """Patient 085 (HCQ 400 mg) switches on the day of its week-12 visit (2021-08-19; first dose 2021-05-26): no query.
    Switched on study day 127 (2021-09-29), after the visit's window (days 78-92): a query; without a week-12
    visit, switched on study day 86 (2021-08-19): a query; patient 005 (baricitinib) continuing on HCQ alone from
    2021-04-30: a query, as a switch from a treatment with baricitinib."""
    trial, _, _ = example

    def found(trial):
        return validation.validate_export(trial).queries.query("rule == 'unplanned_switch'")["message"].tolist()

    trial = {name: frame.copy() for name, frame in trial.items()}
    assert found(trial) == []
    ex = trial["exposure"]
    rows = ex.index[ex["SUBJID"] == "085"]
    late = {**trial, "exposure": ex.copy()}
    late["exposure"].loc[rows, ["EXENDT", "EXSTDT"]] = [[pd.Timestamp("2021-09-28"), pd.Timestamp("2021-05-26")],
                                                        [pd.Timestamp("2021-11-10"), pd.Timestamp("2021-09-29")]]
    assert [m.split("column EXSTDT: ")[1] for m in found(late)] == [
        "unplanned_switch: value '2021-09-29' is the first dose of Baricitinib 4 mg + HCQ 400 mg (a switch) after the "
        "Week 12 visit's window (to study day 92; on study day 127): the visits before it are analysed as before the "
        "switch (a deviation, or a mistyped treatment or date?)"]
    no_visit = dict(trial)
    for form in ("visits", "essdai", "esspri", "pga"):
        frame = trial[form]
        no_visit[form] = frame[~((frame["SUBJID"] == "085") & (frame["VISIT"] == "W12"))]
    assert [m.split("column EXSTDT: ")[1] for m in found(no_visit)] == [
        "unplanned_switch: value '2021-08-19' is the first dose of Baricitinib 4 mg + HCQ 400 mg (a switch) without "
        "a Week 12 visit: the protocol switches on the week-12 assessment (a deviation, or a mistyped treatment or "
        "date?)"]
    row = ex.index[ex["SUBJID"] == "005"][0]
    stop = ex.loc[row].copy()
    stopped = {**trial, "exposure": pd.concat([ex.assign(EXENDT=ex["EXENDT"].where(ex.index != row,
                                                                                  pd.Timestamp("2021-04-29"))),
                                               stop.to_frame().T.assign(EXTRT="HCQ 400 mg", EXDOSE=0.0,
                                                                        EXSTDT=pd.Timestamp("2021-04-30"))],
                                              ignore_index=True).astype(ex.dtypes.to_dict())}
    assert [m.split(": unplanned_switch: ")[1] for m in found(stopped)] == [
        "value '2021-04-30' is the first dose of HCQ 400 mg (a switch) from a treatment with baricitinib: the "
        "protocol switches only patients of the control arm (HCQ 400 mg) (a deviation, or a mistyped treatment or "
        "date?)"]


def test_a_patient_randomised_and_never_dosed_has_the_baseline_of_the_randomisation(example):
    """Patient 004 (HCQ 400 mg, randomised 2021-01-06, diagnosed 2017-06-10, on prednisone 7.5 mg daily since 2019)
    without an exposure row: in the randomised trial's baseline tables (every patient randomised), the medications
    and disease duration are those of the randomisation day: GCFL Y, 7.5 mg, DURDIS 1,306 days / 365.25 = 3.58 years
    (they were GCFL N, 0 mg and missing: measured at a first dose the patient never had)."""
    trial, _, _ = example
    ex = trial["exposure"]
    adsl = cleaning.derive_all({**trial, "exposure": ex[ex["SUBJID"] != "004"]})["adsl"].set_index("SUBJID")
    row = adsl.loc["004"]
    assert (row["SAFFL"], row["GCFL"], row["GCDOSEBL"], row["HCQFL"], row["ISFL"]) == ("N", "Y", 7.5, "N", "N")
    assert row["DURDIS"] == pytest.approx(1306 / 365.25)
    dosed = adsl.loc["003"]  # dosed the day after randomisation: at the first dose, as before
    assert dosed["DURDIS"] == pytest.approx((dosed["TRTSDT"] - dosed["DIAGDT"]).days / 365.25)


def test_a_switch_of_a_week_12_responder_is_queried(example):
    """Patient 002 (HCQ 400 mg) met the ESSDAI MCII at week 12 (2021-03-30); made to switch that day, the scoring
    step queries it (the protocol switches patients without a response). The shipped switches (085 and the others,
    non-responders) raise none."""
    trial, ds, adeff = example
    assert cleaning.derive_switch_queries(adeff, ds["adsl"]).empty
    ex = trial["exposure"]
    row = ex.index[ex["SUBJID"] == "002"][0]
    switched = pd.concat([ex.assign(EXENDT=ex["EXENDT"].where(ex.index != row, pd.Timestamp("2021-03-29"))),
                          ex.loc[[row]].assign(EXTRT="Baricitinib 4 mg + HCQ 400 mg", EXDOSE=4.0,
                                               EXSTDT=pd.Timestamp("2021-03-30"))], ignore_index=True)
    ds2 = cleaning.derive_all({**trial, "exposure": switched})
    adeff2 = cleaning.derive_vars_trt(scoring.derive_adeff(ds2["adqs"]), ds2["adsl"])
    queries = cleaning.derive_switch_queries(adeff2, ds2["adsl"])
    week12 = adeff2.query("USUBJID == 'BARI-PSS-RCT-01-002' and PARAMCD == 'ESSDAI' and AVISIT == 'Week 12'").iloc[0]
    assert (week12["CRIT1FL"], week12["CHG"]) == ("Y", -4.0)
    assert queries[["USUBJID", "AVISIT", "rule"]].values.tolist() == [
        ["BARI-PSS-RCT-01-002", "Week 12", "switch_of_responder"]]
    assert queries["message"].iloc[0].startswith(
        "switched to Baricitinib 4 mg + HCQ 400 mg on 2021-03-30 though the ESSDAI MCII was met at Week 12 (ESSDAI 4, "
        "change -4)")
    # the control arm is the one without baricitinib (DOSE01P 0), whatever its name; no other arm's switch is queried
    renamed = ds2["adsl"].replace({CONTROL: "Placebo"})
    assert cleaning.derive_switch_queries(adeff2, renamed)["USUBJID"].tolist() == ["BARI-PSS-RCT-01-002"]
    assert cleaning.derive_switch_queries(adeff2, renamed.assign(DOSE01P=4.0)).empty


def test_between_arm_analyses_stratify_by_the_randomisation_stratum(example):
    """A trial randomised within strata of baseline arthritis (not by centre): ADSL carries the stratum (STRAT1R), the
    CMH test of the primary endpoint is stratified by it, and the ANCOVA takes it as its factor. The CMH statistic is
    worked by hand: sum over strata of (a - E[a]), squared, over the sum of the hypergeometric variances."""
    from scipy import stats

    from analysis_utils import arms
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    arthritis = trial["essdai"].query("VISIT == 'BL'").set_index("SUBJID")["EDLARTIC"]
    rand = trial["randomisation"]
    rand["STRATUM"] = np.where(rand["SUBJID"].map(arthritis) > 0, "ARTHRITIS", "NO ARTHRITIS")
    ds = cleaning.derive_all(trial)
    adsl = ds["adsl"]
    assert adsl.columns[adsl.columns.get_loc("RANDDT") + 1] == "STRAT1R"
    assert arms.strata_variable(adsl) == "STRAT1R"
    adeff = cleaning.derive_vars_trt(scoring.derive_adeff(ds["adqs"]), adsl)
    ard = arms.summarize_arms(adsl, adeff)
    diff = ard[(ard["analysis_id"] == "EFF-ESSDAI-MCII-DIFF") & (ard["avisit"] == "Week 12")]
    assert diff["method"].iloc[0].endswith("CMH test stratified by STRAT1R (no continuity correction)")
    ancova = ard[(ard["analysis_id"] == "EFF-ESSDAI-CHG-DIFF") & (ard["avisit"] == "Week 12")]
    assert "STRAT1R + BASE" in ancova["method"].iloc[0]

    w12 = adeff[(adeff["PARAMCD"] == "ESSDAI") & (adeff["AVISIT"] == "Week 12") & adeff["CRIT1FL"].isin(["Y", "N"])]
    w12 = w12.merge(adsl[["USUBJID", "STRAT1R", "FASFL"]], on="USUBJID").query("FASFL == 'Y'")
    num = var = 0.0
    for _, s in w12.groupby("STRAT1R"):
        treated, response = s["TRTP"].eq(TREATED), s["CRIT1FL"].eq("Y")
        n, n1, m1 = len(s), treated.sum(), response.sum()
        num += (treated & response).sum() - n1 * m1 / n
        var += n1 * (n - n1) * m1 * (n - m1) / (n ** 2 * (n - 1))
    p = stats.chi2.sf(num ** 2 / var, 1)
    assert diff.query("stat_name == 'p_value'")["stat_value"].iloc[0] == pytest.approx(p, rel=1e-9)
    # a patient without a stratum: the analyses fall back to the centre, and a data query says so
    rand.loc[rand["SUBJID"] == "005", "STRATUM"] = ""
    found = validation.validate_export(trial).queries.query("rule == 'stratum_missing'")
    assert found["message"].tolist() == [
        "randomisation.csv, line 6, subject BARI-PSS-RCT-01-005, visit -, column STRATUM: stratum_missing: value '' "
        "is empty while 86 other patients have a stratum: once the patient is dosed (in the full analysis set), the "
        "between-arm analyses are stratified by centre (SITEID), not by the strata of the randomisation"]
    assert arms.strata_variable(cleaning.derive_all(trial)["adsl"]) == "SITEID"


def test_a_stratum_or_subject_number_naming_another_centre_is_queried(example):
    """The example's strata are its centres (CENTRE 01 to 08) and its subjects numbered 001-087 across centres.
    Patient 005 of centre 01 randomised in stratum CENTRE 02, and, with subject numbers written as centre and number
    (01005), patient 01007 moved to centre 03: three queries, each naming both centres. Strata of another factor,
    a stratum naming two centres, and the example as shipped raise none."""
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    rand, demog = trial["randomisation"], trial["demographics"]
    rand.loc[rand["SUBJID"] == "005", "STRATUM"] = "Centre 2"  # a word naming centre 02, as 2 is 02
    found = _only(_rules(trial), "stratum_other_site")
    assert found["message"].tolist() == [
        "randomisation.csv, line 6, subject BARI-PSS-RCT-01-005, visit -, column STRATUM: stratum_other_site: value "
        "'Centre 2' names centre 02, while the patient's centre (demographics, SITEID) is 01, as most patients' strata "
        "name their centre: randomised in another centre's stratum, or a mistyped centre? The analyses take the "
        "stratum as randomised"]
    assert _only(_rules(trial), "subject_other_site").empty  # 001-087: no subject number starts with its centre's
    numbers = dict(zip(demog["SUBJID"], demog["SITEID"] + demog["SUBJID"]))
    for frame in trial.values():
        if "SUBJID" in frame:
            frame["SUBJID"] = frame["SUBJID"].map(numbers)
    demog.loc[demog["SUBJID"] == "01007", "SITEID"] = "03"
    problems = _rules(trial)
    assert _only(problems, "subject_other_site")["message"].tolist() == [
        "demographics.csv, line 8, subject BARI-PSS-RCT-03-01007, visit -, column SUBJID: subject_other_site: value "
        "'01007' starts with centre 01's number, while the patient's centre (SITEID) is 03, as most subject numbers "
        "start with their own centre's: a mistyped centre or subject number? The analyses take SITEID"]
    assert _only(problems, "stratum_other_site")[["USUBJID", "value"]].values.tolist() == [
        ["BARI-PSS-RCT-01-01005", "Centre 2"], ["BARI-PSS-RCT-03-01007", "CENTRE 01"]]
    assert validation.validate_export(trial).ok  # queries: the build goes on
    demog.loc[demog["SUBJID"] == "08087", "SITEID"] = "09"  # a centre of one patient, in centre 08's stratum
    assert _only(_rules(trial), "stratum_other_site")["USUBJID"].tolist()[-1] == "BARI-PSS-RCT-09-08087"
    demog.loc[demog["SUBJID"] == "08087", "SITEID"] = "08"
    rand["STRATUM"] = rand["STRATUM"] + " / ESSDAI >=10"  # a second factor: still one centre named
    assert len(_only(_rules(trial), "stratum_other_site")) == 2
    rand.loc[rand["SUBJID"] == "02013", "STRATUM"] = "CENTRE 01 OR 02"  # names two: strata not compared
    assert _only(_rules(trial), "stratum_other_site").empty
    rand["STRATUM"] = np.where(rand.index % 2, "HIGH", "LOW")
    assert _only(_rules(trial), "stratum_other_site").empty
    # strata whose numbers are no centres, though centres 01, 02 and 05 exist: most patients' strata name another
    for strata in (("1", "2"), ("Stratum 1", "Stratum 2"), ("ESSDAI >= 5", "ESSDAI < 5")):
        rand["STRATUM"] = np.where(rand.index % 2, *strata)
        assert _only(_rules(trial), "stratum_other_site").empty, strata
    # subject numbers 101-187 across two centres, the larger one "1": centre 2's do not start with 2
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    demog = trial["demographics"]
    numbers = dict(zip(demog["SUBJID"], [str(100 + i) for i in range(1, len(demog) + 1)]))
    for frame in trial.values():
        if "SUBJID" in frame:
            frame["SUBJID"] = frame["SUBJID"].map(numbers)
    demog["SITEID"] = np.where(np.arange(len(demog)) < 50, "1", "2")
    assert _only(_rules(trial), "subject_other_site").empty
    trial, _, _ = example
    assert _only(_rules(trial), "stratum_other_site").empty and _only(_rules(trial), "subject_other_site").empty


def test_a_stratum_spelled_another_way_is_the_same_stratum(example):
    """Strata that differ only in letter case or spacing are one stratum (dictionary.one_spelling): read as written,
    "No arthritis" beside "NO ARTHRITIS" was a third stratum of the CMH test and the ANCOVA. ADSL is that of the
    strata spelled one way, and a data query names each value read another way."""
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    arthritis = trial["essdai"].query("VISIT == 'BL'").set_index("SUBJID")["EDLARTIC"]
    rand = trial["randomisation"]
    rand["STRATUM"] = np.where(rand["SUBJID"].map(arthritis) > 0, "ARTHRITIS", "NO ARTHRITIS")
    expected = cleaning.derive_all(trial)["adsl"]
    n_none = int((rand["STRATUM"] == "NO ARTHRITIS").sum())
    first, second = rand.index[rand["STRATUM"] == "NO ARTHRITIS"][:2]
    rand.loc[first, "STRATUM"], rand.loc[second, "STRATUM"] = "No arthritis", " NO  ARTHRITIS"
    adsl = cleaning.derive_all(trial)["adsl"]
    pd.testing.assert_frame_equal(adsl, expected)
    assert sorted(adsl["STRAT1R"].unique()) == ["ARTHRITIS", "NO ARTHRITIS"]
    result = validation.validate_export(trial)
    found = result.queries.query("rule == 'spelled_as_another'")
    assert found["value"].tolist() == ["No arthritis"]  # spaces are read as single spaces, unseen
    assert found["message"].iloc[0].endswith(
        f"spelled_as_another: value 'No arthritis' is read as 'NO ARTHRITIS', as {n_none - 1} other rows have it: "
        "strata that differ only in letter case are one")
    assert result.ok
    rand["STRATUM"] = rand["STRATUM"].str.upper().str.replace(" ", "  ")  # two spaces throughout: no query
    assert not len(validation.validate_export(trial).queries.query("rule == 'spelled_as_another'"))
    assert sorted(cleaning.derive_all(trial)["adsl"]["STRAT1R"].unique()) == ["ARTHRITIS", "NO ARTHRITIS"]


def test_a_meddra_term_spelled_another_way_is_the_same_term(example):
    """Three events of the example coded NAUSEA in GASTROINTESTINAL DISORDERS (another coder's capitals) beside five
    coded Nausea in Gastrointestinal disorders: read as written they were a second system organ class and preferred
    term of the adverse-event table. ADAE is that of the terms spelled one way, and a data query names each term read
    another way."""
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    expected = cleaning.derive_all(trial)["adae"]
    ae = trial["adverse_events"]
    rows = ae.index[ae["AEDECOD"] == "Nausea"][:3]
    ae.loc[rows, "AEDECOD"], ae.loc[rows, "AEBODSYS"] = "NAUSEA", "GASTROINTESTINAL DISORDERS"
    pd.testing.assert_frame_equal(cleaning.derive_all(trial)["adae"], expected)
    found = validation.validate_export(trial).queries.query("rule == 'spelled_as_another'")
    assert found["variable"].tolist() == ["AEBODSYS", "AEDECOD"] * 3
    n_gi = int((expected["AEBODSYS"] == "Gastrointestinal disorders").sum())
    assert found["message"].iloc[:2].str.split("spelled_as_another: ").str[1].tolist() == [
        f"value 'GASTROINTESTINAL DISORDERS' is read as 'Gastrointestinal disorders', as {n_gi - 3} other rows have "
        "it: system organ classes that differ only in letter case are one",
        "value 'NAUSEA' is read as 'Nausea', as 5 other rows have it: preferred terms that differ only in letter case "
        "are one"]


def test_a_drug_name_in_another_letter_case_is_the_same_drug(example):
    """Drug names spelled another way are one drug of the medication tables (dictionary.one_spelling), and a
    glucocorticoid's prednisone equivalent is known in any letter case: 'prednisone' in every record stopped the build
    (glucocorticoid_dose_unknown), and 'Prednisone' beside PREDNISONE was a second row of the medication table."""
    trial, _, _ = example
    trial = {name: frame.copy() for name, frame in trial.items()}
    expected = cleaning.derive_all(trial)
    cm = trial["conmeds"]
    rows = [*cm.index[cm["CMDECOD"] == "PREDNISONE"][:2], cm.index[cm["CMDECOD"] == "SODIUM HYALURONATE"][0]]
    cm.loc[rows, "CMDECOD"] = ["Prednisone", "prednisone ", "Sodium hyaluronate"]
    result = validation.validate_export(trial)
    assert result.ok
    found = result.queries.query("rule == 'spelled_as_another'")
    assert sorted(found["value"]) == ["Prednisone", "Sodium hyaluronate", "prednisone "]  # the case, not the space
    assert found.query("value == 'Sodium hyaluronate'")["message"].iloc[0].endswith(
        "value 'Sodium hyaluronate' is read as 'SODIUM HYALURONATE', as 32 other rows have it: drug names that differ "
        "only in letter case are one")
    derived = cleaning.derive_all(trial)
    for name in ("adcm", "adsl"):
        pd.testing.assert_frame_equal(derived[name], expected[name])
    cm["CMDECOD"] = cm["CMDECOD"].str.strip().str.lower()  # every record in lower case: one spelling, read as it is
    assert validation.validate_export(trial).ok
    derived = cleaning.derive_all(trial)
    pd.testing.assert_frame_equal(derived["adsl"], expected["adsl"])
    assert derived["adcm"]["CMDECOD"].tolist() == expected["adcm"]["CMDECOD"].str.lower().tolist()


def test_visits_named_as_the_schedule_names_them_are_its_codes(example):
    """An EDC exporting decoded values writes a visit's name (Week 4, week 12), which the export's own schedule gives
    (not the pilot's, which has no week 4): read as its code by validation and by parse_export alike."""
    trial, ds, _ = example
    text = {name: export.to_text(frame) for name, frame in trial.items()}
    for form in ("visits", "essdai", "esspri", "pga"):
        text[form]["VISIT"] = text[form]["VISIT"].replace({"W4": "Week 4", "W12": "week 12"})
    flare = text["pga"].iloc[[0]].assign(VISIT="Unscheduled visit 1")  # a flare, named so: not read, a query
    text["pga"] = pd.concat([text["pga"], flare], ignore_index=True)
    result = validation.validate_export(text)
    assert result.ok, result.errors["message"].tolist()
    assert result.queries.query("rule == 'unscheduled_visit'")["value"].tolist() == ["Unscheduled visit 1"]
    for source in (result.typed, text):
        derived = cleaning.derive_all(source)
        for name in ("adsl", "adqs"):
            pd.testing.assert_frame_equal(derived[name], ds[name], obj=name)


def test_adverse_event_listing_names_the_treatment_taken_at_onset(example):
    """Worked afresh from ADSL: the switch date's treatment from that day on, the first before it; every event of
    the example is treatment-emergent, so every row names one, and the counts are the tables' (48 and 12 events)."""
    from analysis_utils import safety

    _trial, ds, _adeff = example
    adsl, adae = ds["adsl"], ds["adae"]
    listing = safety.list_adverse_events(adae, adsl=adsl)
    assert listing.columns[:2].tolist() == ["USUBJID", "TRTA"]
    subject = adsl.set_index("USUBJID").loc[listing["USUBJID"]]
    after = subject["TR02SDT"].notna().to_numpy() & (listing["ASTDT"].to_numpy() >= subject["TR02SDT"].to_numpy())
    expected = np.where(after, subject["TRT02A"], subject["TRT01A"])
    assert (listing["TRTEMFL"] == "Y").all() and (listing["TRTA"].to_numpy() == expected).all()
    assert listing["TRTA"].value_counts().to_dict() == {TREATED: 48, CONTROL: 12}
    shown = safety.format_ae_listing(listing)
    assert shown.columns[:2].tolist() == ["Patient", "Treatment"]


def test_efficacy_listings_name_each_patients_arm(example):
    """A randomised trial's ESSDAI and ESSPRI/PGA listings show the arm randomised after the patient (TRTP, also
    after a switch); the single-arm pilot's have no such column."""
    from analysis_utils import listings

    _trial, ds, adeff = example
    arm = ds["adsl"].set_index("USUBJID")["TRT01P"]
    for listing in (listings.list_essdai_domains(adeff), listings.list_esspri_pga(adeff)):
        assert listing.columns[:3].tolist() == ["Patient", "Arm", "Visit"]
        patients = adeff.drop_duplicates("USUBJID").set_index(adeff.drop_duplicates("USUBJID")["USUBJID"].map(
            listings.patient_label))["USUBJID"]
        assert (listing["Arm"].to_numpy() == arm.loc[patients.loc[listing["Patient"]]].to_numpy()).all()
    assert "Arm" not in listings.list_essdai_domains(adeff.assign(TRTP=CONTROL))


def test_a_patient_randomised_though_an_exclusion_criterion_is_met_is_a_data_query(example):
    """08-083 was randomised and dosed with a CNS level at baseline (exclusion EXC1) though the CRF answered N: the
    eligibility step queries it, the only such patient of the example."""
    _trial, ds, adeff = example
    adelig = eligibility.derive_adelig(ds["adsl"], adeff, ds["adlb"], ds["adcm"], adie=ds.get("adie"))
    queries = eligibility.derive_queries(adelig, ds["adsl"])
    assert queries[["USUBJID", "variable", "value"]].values.tolist() == [["BARI-PSS-RCT-08-083", "EXC1", "MET"]]
    assert queries["source"].eq("eligibility").all() and "CRF: N" in queries["message"].iloc[0]


def test_the_methods_count_the_arms_and_name_the_switched_patients_weeks_only_after_a_switch():
    """Two arms: "trial of two arms"; the pooled analyses' note on the switched patients' weeks on the new treatment
    only where the between-arm rows name the treatment-policy estimand of a switch."""
    from analysis_utils import appendix
    disposition = pd.DataFrame({"analysis_id": "DSP-DISPOSITION", "group": ["A", "B", "Total"]})
    diff = pd.DataFrame({"analysis_id": ["EFF-ESSDAI-MCII-DIFF"], "avisit": ["Week 24"], "group": ["B vs A"],
                         "paramcd": ["ESSDAI"], "method": ["Newcombe hybrid score 95% CI; treatment policy: analysed "
                                                           "in the randomised arm (TRTP) regardless of the switch"]})
    text = appendix.methods_markdown(pd.concat([diff, disposition]), "OPEN LABEL")
    assert "Randomised, open-label trial of two arms" in text and appendix.SWITCHED_CHANGES in text
    text = appendix.methods_markdown(pd.concat([diff.assign(method="Newcombe hybrid score 95% CI"), disposition]),
                                     "OPEN LABEL")
    assert "trial of two arms" in text and appendix.SWITCHED_CHANGES not in text


def test_the_key_findings_say_where_baricitinib_started_below_the_label_and_that_hbv_dna_was_not_measured(example):
    """The example's neutrophils below the label's 1.0 x10^9/L when baricitinib started (found from the raw export):
    03-025 (0.8), 06-063 (0.73) and 07-076 (0.69) at their first dose, 03-036 (0.67) at the switch; a fifth patient's
    low count at baseline is a control patient's, not a start of baricitinib. The example has no HBV DNA result."""
    from analysis_utils import ctcae, findings

    _, ds, _ = example
    adsl, adlb = ds["adsl"], ds["adlb"].assign(ATOXGR=lambda d: ctcae.grade_ctcae(d))
    started = eligibility.derive_label_queries(adlb, adsl)
    assert sorted(started["USUBJID"].str[-6:]) == ["03-025", "03-036", "06-063", "07-076"]
    alerts, measured = safety.list_lab_alerts(adlb, adsl=adsl), safety.patients_with_result(adlb, adsl)
    text = findings.describe_lab_alerts(safety.lab_alerts_to_ard(alerts, started_below=started, measured=measured))
    assert "neutrophils (10^9/L) in 5 patients (5 of them already at baseline, before the first dose; 4 started " \
           "baricitinib below the label's threshold, at the first dose or a switch (a deviation, queried)" in text
    assert text.endswith("; HBV DNA (IU/mL) not measured (no result by the data cut).")
    # one treated patient's HBV DNA result is one: a screen failure's, or a row without a value, is none
    one = adlb.head(1).assign(USUBJID=adsl.loc[adsl["SAFFL"] == "Y", "USUBJID"].iloc[0], PARAMCD="HBVDNA", AVAL=0.0)
    for extra, said in ((one, False), (one.assign(AVAL=None), True), (one.assign(USUBJID="not in ADSL"), True)):
        measured = safety.patients_with_result(pd.concat([adlb, extra], ignore_index=True), adsl)
        text = findings.describe_lab_alerts(safety.lab_alerts_to_ard(alerts, measured=measured))
        assert ("HBV DNA (IU/mL) not measured" in text) is said
        assert ("no result by the data cut" in safety.lab_alerts_note(measured=measured)) is said


def test_the_randomised_comparison_of_safety_counts_the_first_84_days_before_any_switch(example):
    """Table 14.3.1.5 of the example, against a count from ADAE's study days (ASTDY 1 to 84) and the switch dates:
    HCQ 5 of 29 patients (6 events), baricitinib + HCQ 18 of 58 (20); herpes zoster 0 and 4."""
    _, ds, _ = example
    adsl, adae = ds["adsl"], ds["adae"]
    out = safety.summarize_ae_overview(adae[safety.started_in_controlled_period(adae, adsl)], adsl, arm="TRT01A",
                                       total=True).set_index(["category", "arm"])
    merged = adae.merge(adsl[["USUBJID", "TRT01A", "TR02SDT", "SAFFL"]], on="USUBJID")
    kept = merged[merged["SAFFL"].eq("Y") & merged["TRTEMFL"].eq("Y") & merged["ASTDY"].between(1, 84)
                  & (merged["TR02SDT"].isna() | (merged["ASTDT"] < merged["TR02SDT"]))]
    counted = kept.groupby("TRT01A")["USUBJID"].agg(["nunique", "size"])
    for arm, (n, events, big_n) in {"HCQ 400 mg": (5, 6, 29), "Baricitinib 4 mg + HCQ 400 mg": (18, 20, 58)}.items():
        assert out.loc[("Any TEAE", arm), ["n_subjects", "n_events", "big_n"]].tolist() == [n, events, big_n]
        assert counted.loc[arm].tolist() == [n, events]
    assert out.loc["AESI: herpes zoster", "n_subjects"].tolist() == [0, 4, 4]
