"""Scores the eCRF computed (optional columns ESSDAI and ESSPRI): compared with the scores of the items, never used.
Hand-worked on the shipped trial: patient 002 at baseline has articular 2, cutaneous 2 and biological 2, an ESSDAI of
2 x 2 + 2 x 3 + 2 x 1 = 12, and ESSPRI items 8, 7, 6 (ESSPRI 7); patient 001 at week 12 has items 6, 4, 3 (13 / 3)."""

import pandas as pd
import pytest

from analysis_utils import cleaning, dictionary, validation

SUBJ = "NCT04916756-01-"


def _with_totals(export: dict, essdai: dict, esspri: dict) -> validation.ValidationResult:
    """The export with the eCRF's totals: ``{(SUBJID, VISIT): value}`` in each form, the others blank."""
    forms = dict(export)
    for name, given in (("essdai", essdai), ("esspri", esspri)):
        frame = export[name]
        keys = list(zip(frame["SUBJID"], frame["VISIT"]))
        forms[name] = frame.assign(**{dictionary.CRF_TOTALS[name]: [given.get(k, "") for k in keys]})
    return validation.validate_export(forms)


def test_the_tolerance_is_pinned():
    assert validation.CRF_ESSPRI_TOLERANCE == 0.05
    assert dictionary.CRF_TOTALS == {"essdai": "ESSDAI", "esspri": "ESSPRI"}


def test_a_total_that_agrees_is_no_query(synthetic_export):
    result = _with_totals(synthetic_export, {("002", "BL"): "12"},
                          {("002", "BL"): "7", ("001", "W12"): "4.3", ("001", "BL"): "6.00"})
    assert result.ok
    assert "score_differs" not in set(result.queries["rule"])


@pytest.mark.parametrize(("essdai", "esspri", "expected"), [
    ({("002", "BL"): "13"}, {}, [("essdai.csv", "5", "002", "Baseline", "ESSDAI", "13", "12")]),
    ({}, {("001", "W12"): "4"}, [("esspri.csv", "3", "001", "Week 12", "ESSPRI", "4", "4.33")]),
    ({}, {("001", "W12"): "4.4"}, [("esspri.csv", "3", "001", "Week 12", "ESSPRI", "4.4", "4.33")]),
    ({}, {("001", "W12"): "4.33"}, []),
])
def test_a_total_that_differs_is_a_query_and_the_items_score_is_analysed(synthetic_export, essdai, esspri,
                                                                           expected):
    result = _with_totals(synthetic_export, essdai, esspri)
    assert result.ok
    found = result.queries[result.queries["rule"] == "score_differs"]
    assert [tuple(r) for r in found[["file", "row", "USUBJID", "AVISIT", "variable", "value"]].values] == [
        (f, row, SUBJ + s, v, c, value) for f, row, s, v, c, value, _ in expected]
    for message, (*_, column, value, items) in zip(found["message"], expected):
        assert message.endswith(f"value '{value}' is not the {column} the items give, {items}: the analysis uses the "
                                f"items' {column}")
    pd.testing.assert_frame_equal(cleaning.derive_all(result.typed)["adqs"],
                                  cleaning.derive_all(synthetic_export)["adqs"])


def test_a_visit_without_every_item_is_not_compared(synthetic_export):
    essdai = synthetic_export["essdai"]
    first = (essdai["SUBJID"] == "002") & (essdai["VISIT"] == "BL")
    export = {**synthetic_export, "essdai": essdai.assign(EDLRENAL=essdai["EDLRENAL"].mask(first))}
    result = _with_totals(export, {("002", "BL"): "40"}, {})
    assert result.ok and "score_differs" not in set(result.queries["rule"])
    assert "missing_item" in set(result.queries["rule"])


def test_a_level_not_allowed_is_its_own_error_not_a_comparison(synthetic_export):
    essdai = synthetic_export["essdai"]
    export = {**synthetic_export, "essdai": essdai.assign(EDLCONST=essdai["EDLCONST"].where(essdai.index != 0, 3))}
    result = _with_totals(export, {("001", "BL"): "9"}, {})
    assert result.errors["rule"].tolist() == ["not_allowed"]
    assert "score_differs" not in set(result.queries["rule"])
