"""The data dictionary: one source for the validation rules and docs/data_dictionary.md."""

import pytest

from analysis_utils import dictionary, paths, scoring
from analysis_utils.vocabulary import ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD, LAB_PARAMS


def test_committed_page_is_the_rendered_dictionary():
    committed = (paths.PROJECT_ROOT / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    fix = "python -m analysis_utils.dictionary > docs/data_dictionary.md"
    assert committed == dictionary.render_markdown(), f"regenerate it: {fix}"


def test_every_form_is_keyed_by_its_own_columns():
    for name, form in dictionary.FORMS.items():
        assert form.name == name
        assert set(form.keys) <= set(form.columns), name
        assert len(set(form.columns)) == len(form.columns), name
        if name not in ("study", "schedule", "arms"):
            assert form.columns[0] == "SUBJID", name


def test_types_are_known():
    types = {v.type for f in dictionary.FORMS.values() for v in f.variables}
    assert types <= set(dictionary.TYPES)


def test_direct_identifiers_are_flagged():
    assert dictionary.IDENTIFIERS == ("INITIALS", "HOSPNO")
    frame = dictionary.dictionary_frame()
    assert frame.loc[frame["identifier"] == "Y", "variable"].tolist() == ["INITIALS", "HOSPNO"]


def test_essdai_levels_allowed_as_in_the_published_table():
    form = dictionary.FORMS["essdai"]
    for domain in ESSDAI_DOMAINS:
        assert set(form.variable(ESSDAI_LEVEL_PARAMCD[domain]).allowed) == set(scoring.ESSDAI_ALLOWED_LEVELS[domain])
    # each level's description gives its domain's weight (Seror et al. 2010): muscular 6, biological 1
    assert "(weight 6: the domain scores 6 x the level" in form.variable("EDLMUSC").description
    assert "(weight 1: the domain scores 1 x the level" in form.variable("EDLBIOL").description
    assert form.variable("EDLCONST").allowed == (0, 1, 2)  # no high level
    assert form.variable("EDLCNS").allowed == (0, 2, 3)  # no low level


def test_pga_is_on_a_0_to_10_scale():
    pga = dictionary.FORMS["pga"].variable("PGA")
    assert (pga.low, pga.high) == (0, 10)


def test_every_lab_test_has_its_si_unit_with_factor_one():
    assert set(dictionary.LAB_UNITS) == set(LAB_PARAMS)
    for test, units in dictionary.LAB_UNITS.items():
        assert units[LAB_PARAMS[test][1]] == 1.0, test


@pytest.mark.parametrize(("test", "unit", "raw", "si"), [
    ("HGB", "g/dL", 12.0, 120.0),                # Hb 12 g/dL = 120 g/L (SI conversion)
    ("NEUT", "/mm3", 1500, 1.5),                 # 1500/mm3 = 1.5 x 10^9/L
    ("PLAT", "/mm3", 150000, 150.0),
    ("CREAT", "mg/dL", 1.0, 88.4),
    ("BILI", "mg/dL", 1.0, 17.1),
    ("CHOL", "mg/dL", 300, 7.758),               # CTCAE: 300 mg/dL = 7.75 mmol/L
    ("TRIG", "mg/dL", 150, 1.694),               # CTCAE: 150 mg/dL = 1.71 mmol/L (rounded there)
    ("IGG", "mg/dL", 1600, 16.0),
    ("CRP", "mg/dL", 0.8, 8.0),
    ("UPROT", "mg/24h", 500, 0.5),
])
def test_conversion_factors_hand_worked(test, unit, raw, si):
    assert raw * dictionary.LAB_UNITS[test][unit] == pytest.approx(si, abs=1e-3)


def test_dictionary_frame_columns_and_allowed_text():
    frame = dictionary.dictionary_frame()
    assert list(frame.columns) == ["form", "variable", "type", "unit", "allowed", "required", "description",
                                   "identifier"]
    row = frame[(frame["form"] == "demographics") & (frame["variable"] == "AGE")].iloc[0]
    assert (row["type"], row["unit"], row["allowed"], row["required"]) == ("int", "years", "18 to 100", "Y")
    assert frame[(frame["variable"] == "AEENDT")]["required"].item() == "N"


def test_markdown_has_a_section_per_form_and_the_rules():
    text = dictionary.render_markdown()
    for name in dictionary.FORMS:
        assert f"## `{name}`" in text
    assert "## Laboratory units" in text and "| `unknown_unit` | error |" in text


def test_forms_that_may_be_empty_are_those_of_events_that_may_not_have_happened():
    """Header only: a stop for these forms' absence of data, a query for the others (docs/data_dictionary.md)."""
    optional = {name for name, form in dictionary.FORMS.items() if not form.rows_required}
    assert optional == {"adverse_events", "conmeds", "ild", "disposition"}


def test_identifiers_are_zero_padded_digits():
    for form in dictionary.FORMS.values():
        if "SUBJID" in form.columns:
            assert form.variable("SUBJID").min_digits == dictionary.SUBJID_DIGITS == 3, form.name
        if "SITEID" in form.columns:
            assert form.variable("SITEID").min_digits == dictionary.SITEID_DIGITS == 2, form.name
    subjid = dictionary.FORMS["visits"].variable("SUBJID")
    assert subjid.pattern == "[0-9]{3,}"
    assert subjid.allowed_text() == "digits only, at least 3, zero-padded (e.g. 001); text, not a number"
    assert dictionary.FORMS["visits"].variable("VISIT").pattern == ""
