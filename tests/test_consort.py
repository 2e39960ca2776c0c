"""The CONSORT flow: each patient who left in the interval in which they left, boxes that add up, and the
patients analysed at each visit, on hand-worked ADSLs."""

import pandas as pd
import pytest

from analysis_utils import disposition


def _adsl():
    # P1, P2 complete; P3 stops for an adverse event on day 28 (no week-12 visit); P4 attends week 12 and is
    # lost to follow-up on day 113; P5 is on study with week 12 done, P6 on study before week 12 is due
    # (interim cut); P7 is enrolled and never treated. P2 is in the FAS but missed week 24 (no ESSDAI).
    return pd.DataFrame({
        "USUBJID": [f"P{i}" for i in range(1, 8)], "SAFFL": list("YYYYYYN"), "FASFL": list("YYYYYYN"),
        "COMP12FL": list("YYNYYNN"), "DUE12FL": list("YYYYYNN"),
        "EOSSTT": ["COMPLETED", "COMPLETED", "DISCONTINUED", "DISCONTINUED", "ONGOING", "ONGOING", "DISCONTINUED"],
        "DCSREAS": ["", "", "ADVERSE EVENT", "LOST TO FOLLOW-UP", "", "", "WITHDRAWAL BY SUBJECT"]})


def _adeff():
    visits = [("P1", "Week 12"), ("P1", "Week 24"), ("P2", "Week 12"), ("P4", "Week 12"), ("P5", "Week 12"),
              ("P7", "Week 12")]  # P7 is not in the FAS: never analysed
    return pd.DataFrame({"USUBJID": [u for u, _ in visits], "AVISIT": [v for _, v in visits],
                         "PARAMCD": "ESSDAI", "AVAL": 4.0})


def test_each_patient_who_left_is_in_the_interval_in_which_they_left():
    out = disposition.summarize_consort(_adsl(), _adeff())
    boxes = out[out["reason"] == ""].set_index("box")["n"].to_dict()
    assert boxes == {
        "Enrolled": 7, "Not treated": 1, "Treated": 6,
        "Left before week 12": 1, "Week 12 not yet due": 1,
        "In study at week 12": 4,  # 6 - 1 - 1
        "Analysed at week 12": 4,  # P1, P2, P4, P5
        "Left between week 12 and week 24": 1, "Still on study at the data cut": 1,
        "Completed week 24": 2,  # 4 - 1 - 1
        "Analysed at week 24": 1,  # P1
    }
    assert out[out["reason"] != ""].values.tolist() == [
        ["Not treated", "WITHDRAWAL BY SUBJECT", 1], ["Left before week 12", "ADVERSE EVENT", 1],
        ["Left between week 12 and week 24", "LOST TO FOLLOW-UP", 1]]


def test_boxes_that_do_not_add_up_are_refused():
    adsl = _adsl().assign(EOSSTT=lambda d: d["EOSSTT"].replace({"ONGOING": "UNKNOWN"}))
    with pytest.raises(ValueError, match="do not add up"):
        disposition.summarize_consort(adsl, _adeff())


def test_flow_draws_each_box_with_its_count_and_leaves_out_empty_ones():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    disposition.plot_consort(disposition.summarize_consort(_adsl(), _adeff()), ax=ax)
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    plt.close(fig)
    assert texts == [
        "Enrolled\n(n = 7)", "Treated\n(n = 6)", "In study at week 12\n(n = 4)", "Completed week 24\n(n = 2)",
        "Not treated (n = 1)\n  Withdrawal by subject: 1",
        "Left before week 12 (n = 1)\n  Adverse event: 1\nWeek 12 not yet due (n = 1)",
        "Left between week 12 and week 24 (n = 1)\n  Lost to follow-up: 1\nStill on study at the data cut (n = 1)",
        "Analysed at week 12\n(n = 4)", "Analysed at week 24\n(n = 1)",
    ]
    # 3 arrows down the middle, 3 to the side boxes, 2 to the analysed boxes
    assert sum(1 for t in ax.texts if not t.get_text()) == 8


def test_patients_not_treated_are_counted_with_their_reasons_by_arm():
    """CONSORT 2010: "did not receive allocated intervention (give reasons)". R1 is randomised to B and withdraws
    before the first dose; R2, randomised to B at an interim cut, is on study and not yet dosed; R3 and R4 are
    treated in A and B."""
    import matplotlib.pyplot as plt

    adsl = pd.DataFrame({
        "USUBJID": ["R1", "R2", "R3", "R4"], "TRT01P": ["B", "B", "A", "B"], "TRT01PN": [2, 2, 1, 2],
        "SAFFL": list("NNYY"), "FASFL": list("NNYY"), "COMP12FL": "N", "DUE12FL": list("YNNN"),
        "EOSSTT": ["DISCONTINUED", "ONGOING", "ONGOING", "ONGOING"], "DCSREAS": ["WITHDRAWAL BY SUBJECT", "", "", ""]})
    out = disposition.summarize_consort_by_arm(adsl, _adeff().iloc[:0])
    assert out[out["box"] == "Not treated"].values.tolist() == [
        ["A", "Not treated", "", 0],
        ["B", "Not treated", "", 2], ["B", "Not treated", "Awaiting first dose", 1],
        ["B", "Not treated", "WITHDRAWAL BY SUBJECT", 1]]
    fig, ax = plt.subplots()
    disposition.plot_consort_by_arm(out, ax=ax)
    texts = [t.get_text() for t in ax.texts]
    plt.close(fig)
    assert "Allocated to A (n = 1)\n  Treated: 1\n  Not treated: 0" in texts
    assert "Allocated to B (n = 3)\n  Treated: 1\n  Not treated: 2\n    Awaiting first dose: 1\n" \
           "    Withdrawal by subject: 1" in texts


def test_the_protocol_switch_is_the_control_arms_and_another_arm_changed_treatment():
    """The protocol switches control non-responders at week 12 (C1); a patient of the treated arm who stopped
    baricitinib and stayed on study on the control's treatment (T2) changed treatment, which the figure said was a
    switch at week 12."""
    import matplotlib.pyplot as plt

    adsl = pd.DataFrame({
        "USUBJID": ["C1", "C2", "T1", "T2"], "TRT01P": ["Ctl", "Ctl", "Trt", "Trt"], "TRT01PN": [1, 1, 2, 2],
        "TRT02A": ["Trt", "Ctl", "Trt", "Ctl"], "SWITCHFL": list("YNNY"), "SAFFL": "Y", "FASFL": "Y",
        "COMP12FL": "Y", "DUE12FL": "Y", "EOSSTT": "COMPLETED", "DCSREAS": ""})
    out = disposition.summarize_consort_by_arm(adsl, _adeff().iloc[:0])
    assert out[out["box"].isin([disposition.SWITCHED_BOX, disposition.CHANGED_BOX])].values.tolist() == [
        ["Ctl", disposition.SWITCHED_BOX, "", 1], ["Trt", disposition.CHANGED_BOX, "", 1],
        ["Trt", disposition.CHANGED_BOX, "to Ctl", 1]]
    fig, ax = plt.subplots()
    disposition.plot_consort_by_arm(out, ax=ax)
    texts = [t.get_text() for t in ax.texts]
    plt.close(fig)
    assert "In study at week 12 (n = 2)\nAnalysed at week 12 (n = 0)\nSwitched treatment at week 12 (n = 1)" in texts
    assert "In study at week 12 (n = 2)\nAnalysed at week 12 (n = 0)\nChanged treatment (n = 1)\n  to Ctl: 1" in texts
    # ADSL's planned doses say which arm is the control (without baricitinib), though its code is not the lowest
    recoded = adsl.assign(TRT01PN=[2, 2, 1, 1], DOSE01P=[0.0, 0.0, 4.0, 4.0])
    out = disposition.summarize_consort_by_arm(recoded, _adeff().iloc[:0])
    assert out[out["box"].isin([disposition.SWITCHED_BOX, disposition.CHANGED_BOX])].values.tolist() == [
        ["Trt", disposition.CHANGED_BOX, "", 1], ["Trt", disposition.CHANGED_BOX, "to Ctl", 1],
        ["Ctl", disposition.SWITCHED_BOX, "", 1]]
