"""Laboratory results no patient can have (``dictionary.LAB_IMPOSSIBLE``): a result in another unit under this one's
name stops the build, naming the row and the slip; the same result under its own unit is read."""

import pytest

from analysis_utils import dictionary

SUBJ = "NCT04916756-01-"
HGB, PLAT, CREAT = ("001,BL,2021-06-28,HGB,125,g/L,115.0,150.0", "001,BL,2021-06-28,PLAT,275,10^9/L,125.0,350.0",
                    "001,BL,2021-06-28,CREAT,52,umol/L,45.0,84.0")


@pytest.mark.parametrize(("line", "written", "said"), [
    (13, HGB.replace(",125,", ",12.5,"), "value '12.5' is below 25 g/L, which no patient's HGB is: a result in g/dL "
                                         "under g/L? Correct the result or its unit (LBORRESU)"),
    (13, HGB.replace(",125,", ",24.9,"), "value '24.9' is below 25 g/L"),
    (18, PLAT.replace(",275,", ",275000,"), "value '275000' is above 5000 10^9/L, which no patient's PLAT is: a "
                                            "result per µL under 10^9/L?"),
    (9, CREAT.replace(",52,", ",0.59,"), "value '0.59' is below 10 umol/L, which no patient's CREAT is: a result in "
                                         "mg/dL under umol/L?"),
    (13, HGB.replace(",125,g/L,115.0,150.0", ",2.4,g/dL,11.5,15.0"), "value '2.4' is below 25 g/L (24 g/L in the "
                                                                      "standard unit)"),
])
def test_a_result_no_patient_can_have_stops_naming_the_slip(edit_export, line, written, said):
    old = {"HGB": HGB, "PLA": PLAT, "CRE": CREAT}[written.split(",")[3][:3]]
    errors = edit_export("labs", (old, written)).errors
    assert errors["rule"].tolist() == ["implausible_result"] and errors["row"].tolist() == [str(line)]
    assert errors["message"].iloc[0].startswith(f"labs.csv, line {line}, subject {SUBJ}001, visit Baseline, column "
                                                f"LBORRES: implausible_result: {said}")


@pytest.mark.parametrize(("old", "written"), [
    (HGB, HGB.replace(",125,g/L,115.0,150.0", ",12.5,g/dL,11.5,15.0")),  # 125 g/L
    (HGB, HGB.replace(",125,", ",25,")),  # at the limit: not beyond it
    (PLAT, PLAT.replace(",275,10^9/L,125.0,350.0", ",275000,/mm3,125000,350000")),  # 275 x 10^9/L
    (CREAT, CREAT.replace(",52,umol/L,45.0,84.0", ",0.59,mg/dL,0.51,0.95")),  # 52 umol/L
])
def test_the_same_result_under_its_own_unit_is_read(edit_export, old, written):
    assert edit_export("labs", (old, written)).ok


@pytest.mark.parametrize("test", sorted(dictionary.LAB_IMPOSSIBLE))
def test_each_limit_catches_its_slip_and_holds_a_normal_result(test):
    """A normal result (the middle of a usual adult reference range, standard unit) is within the limits; the same
    result written in the slip's unit (the other accepted unit, or per µL for a count) is beyond them."""
    normal = {"WBC": 6.0, "NEUT": 4.0, "LYM": 2.0, "PLAT": 250.0, "HGB": 135.0, "CREAT": 70.0, "CHOL": 4.5,
              "IGG": 12.0, "C3": 1.1, "C4": 0.25, "UPROT": 0.1}[test]
    low, high, _ = dictionary.LAB_IMPOSSIBLE[test]
    other = next(f for u, f in dictionary.LAB_UNITS[test].items() if f != 1.0)  # factor of the other unit
    slipped = normal / other  # the number that unit gives, read as the standard unit
    assert (low is None or normal >= low) and (high is None or normal <= high)
    assert (low is not None and slipped < low) or (high is not None and slipped > high)


def test_a_reference_range_in_another_unit_stops_too(edit_export):
    """A range in g/dL beside a result in g/L would make every haemoglobin HIGH in the shift table."""
    errors = edit_export("labs", (HGB, HGB.replace(",115.0,150.0", ",11.5,15.0"))).errors
    assert errors["variable"].tolist() == ["LBORNRHI", "LBORNRLO"]
    assert errors["message"].iloc[1].endswith(
        "column LBORNRLO: implausible_result: value '11.5' is below 25 g/L, which no patient's HGB is: a reference "
        "limit in g/dL under g/L? Correct the limit: the range is in the result's unit (LBORRESU)")
