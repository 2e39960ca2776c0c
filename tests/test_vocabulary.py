import pytest

from analysis_utils import vocabulary


@pytest.mark.parametrize("paramcd, label", [
    ("ALT", "ALT (U/L)"), ("IGG", "IgG (g/L)"), ("ESR", "ESR (mm/h)"), ("HGB", "Haemoglobin (g/L)"),
    ("REMARTIC", "Articular involvement"), ("ILDIMP", "Interstitial lung disease"), ("ESSPRI", "ESSPRI"),
    ("NEWCODE", "NEWCODE"),  # an unknown code is shown as it is, never dropped
])
def test_param_label_names_parameters_with_their_unit(paramcd, label):
    assert vocabulary.param_label(paramcd) == label


def test_every_laboratory_parameter_has_a_short_label_with_the_unit_of_its_definition():
    assert set(vocabulary.LAB_SHORT_LABELS) == set(vocabulary.LAB_PARAMS)
    for code, (_, unit, _) in vocabulary.LAB_PARAMS.items():
        assert vocabulary.LAB_SHORT_LABELS[code].endswith(f"({unit})" if unit else vocabulary.LAB_SHORT_LABELS[code])


@pytest.mark.parametrize("value, shown", [
    ("F", "Female"), ("M", "Male"), ("Y", "Yes"), ("N", "No"), ("POSITIVE", "Positive"), ("HIGH", "High"),
    ("ADVERSE EVENT", "Adverse event"), ("LOST TO FOLLOW-UP", "Lost to follow-up"),
    ("RECOVERED/RESOLVED", "Recovered/resolved"),
    ("Hepatitis B reactivation", "Hepatitis B reactivation"),  # MedDRA term as coded: mixed case is left alone
    ("HBV DNA detectable", "HBV DNA detectable"), ("", ""), ("123", "123"), (3, 3), (None, None),
])
def test_decode_turns_codes_and_capitals_into_words_and_leaves_the_rest(value, shown):
    assert vocabulary.decode(value) == shown
