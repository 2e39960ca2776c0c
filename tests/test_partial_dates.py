"""Partial dates of adverse events and medications: the ranges they stand for, the imputation rules, and what ADAE, ADCM
and ADSL take from them (hand-worked on the shipped trial: patient 002's first dose is 2021-07-01, its end of study
2021-12-18, the export's date 2022-01-31)."""

import calendar
import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_utils import cleaning, export, partial_dates, validation

SUBJ = "NCT04916756-01-"


def _day(*dates):
    return pd.Series(pd.to_datetime(list(dates)))


@pytest.mark.parametrize(("text", "first", "last", "flag"), [
    ("2021-07-14", "2021-07-14", "2021-07-14", ""),
    ("2020-02", "2020-02-01", "2020-02-29", "D"),  # a leap year
    ("2021-02", "2021-02-01", "2021-02-28", "D"),
    ("2021-08-un", "2021-08-01", "2021-08-31", "D"),
    ("2019", "2019-01-01", "2019-12-31", "M"),
    ("2019-UNK-UNK", "2019-01-01", "2019-12-31", "M"),
    (" 2019-XX-XX ", "2019-01-01", "2019-12-31", "M"),
    ("2021-UN-14", None, None, ""),  # a day of an unknown month: no date
    ("2021-13", None, None, ""),
    ("2021-02-30", None, None, ""),
    ("UNK", None, None, ""),
    ("", None, None, ""),
])
def test_date_range(text, first, last, flag):
    found = partial_dates.date_range(pd.Series(["2021-01-01", text])).iloc[1]
    assert (found["first"], found["last"], found["flag"]) == (pd.Timestamp(first) if first else pd.NaT,
                                                              pd.Timestamp(last) if last else pd.NaT, flag)


def test_a_start_takes_the_first_day_or_the_first_dose_in_its_range():
    first, last = _day("2021-07-01", "2021-06-01", "2021-01-01", "2021-07-01", "2021-07-20"), \
        _day("2021-07-31", "2021-06-30", "2021-12-31", "2021-07-31", "2021-07-20")
    start = partial_dates.impute_start(first, last, first_dose=_day(*["2021-07-10"] * 5),
                                       end=_day(None, None, None, "2021-07-05", None))
    assert start.dt.strftime("%Y-%m-%d").tolist() == [
        "2021-07-10",  # the first dose lies in July: treatment-emergent (admiral's min_dates = TRTSDT)
        "2021-06-01",  # June: before the first dose, the first of the month
        "2021-07-10",  # the year only: the first dose lies in 2021
        "2021-07-01",  # ended on 5 July, before the first dose: it began before it too
        "2021-07-20",  # complete: kept
    ]


def test_an_end_takes_the_last_day_or_the_end_of_study_or_cut_in_its_range_never_before_the_start():
    first, last = _day("2021-08-01", "2021-08-01", "2021-01-01", "2021-07-01", "2021-08-25"), \
        _day("2021-08-31", "2021-08-31", "2021-12-31", "2021-07-31", "2021-08-25")
    end = partial_dates.impute_end(first, last, limits=(_day(*["2021-12-18"] * 3, "2021-07-15", "2021-08-20"),
                                                        _day(*["2021-08-20", "2022-01-31", "2022-01-31"],
                                                             "2022-01-31", "2022-01-31")),
                                   start=_day("2021-08-02", "2021-08-02", "2021-03-01", "2021-07-20", "2021-08-02"))
    assert end.dt.strftime("%Y-%m-%d").tolist() == [
        "2021-08-20",  # the data cut lies in August
        "2021-08-31",  # neither limit lies in August: the last day
        "2021-12-18",  # the year only: the end of study lies in 2021
        "2021-07-20",  # the end of study (15 July) is before the start: the start
        "2021-08-25",  # complete: kept, whatever the limits
    ]


def _partial_export(tmp_export, ae_start="2021-07", ae_end="2021-08", cm_start="2020"):
    """Patient 002's adverse event (2021-08-10 to 2021-08-17) and prednisone start (2020-05-27) made partial."""
    path = tmp_export / "adverse_events.csv"
    path.write_text(path.read_text().replace("2021-08-10,2021-08-17", f"{ae_start},{ae_end}"))
    path = tmp_export / "conmeds.csv"
    path.write_text(path.read_text().replace("002,1,Prednisone,PREDNISONE,GLUCOCORTICOID,10.0,mg,QD,2020-05-27",
                                             f"002,1,Prednisone,PREDNISONE,GLUCOCORTICOID,10.0,mg,QD,{cm_start}"))
    return export.read_export(tmp_export)


def test_partial_dates_give_a_query_each_and_their_flags_in_adae_and_adcm(tmp_export):
    text = _partial_export(tmp_export)
    result = validation.validate_export(text)
    assert result.ok
    partial = result.queries[result.queries["rule"] == "partial_date"]
    assert partial[["file", "row", "variable", "value"]].values.tolist() == [
        ["adverse_events.csv", "3", "AEENDT", "2021-08"], ["adverse_events.csv", "3", "AESTDT", "2021-07"],
        ["conmeds.csv", "4", "CMSTDT", "2020"]]
    datasets = cleaning.derive_all(result.typed)
    ae = datasets["adae"].set_index("USUBJID").loc[SUBJ + "002"]
    assert (ae["ASTDT"], ae["ASTDTF"], ae["AENDT"], ae["AENDTF"]) == (
        pd.Timestamp("2021-07-01"), "D", pd.Timestamp("2021-08-31"), "D")  # the first dose's day; August's last
    assert (ae["ASTDY"], ae["ADURN"], ae["TRTEMFL"]) == (1, 62, "Y")
    cm = datasets["adcm"].set_index(["USUBJID", "CMSEQ"]).loc[(SUBJ + "002", 1)]
    assert (cm["ASTDT"], cm["ASTDTF"], cm["AENDTF"], cm["PREFL"], cm["ONTRTFL"]) == (
        pd.Timestamp("2020-01-01"), "M", "", "Y", "Y")
    assert datasets["adsl"].set_index("USUBJID").loc[SUBJ + "002", "GCFL"] == "Y"  # on prednisone at the first dose
    others = datasets["adae"][datasets["adae"]["USUBJID"] != SUBJ + "002"]
    assert set(others["ASTDTF"]) == set(others["AENDTF"]) == {""}  # complete dates: no flag
    for name, frame in cleaning.derive_all(text).items():  # the text parsed again gives the same datasets
        pd.testing.assert_frame_equal(datasets[name], frame)


def test_a_partial_end_after_the_data_cut_is_ongoing_and_one_across_it_ends_at_the_cut(tmp_export):
    text = _partial_export(tmp_export)
    across = cleaning.derive_all(text, data_cutoff="2021-08-20")["adae"].set_index("USUBJID").loc[SUBJ + "002"]
    assert (across["AENDT"], across["AENDTF"]) == (pd.Timestamp("2021-08-20"), "D")
    before = cleaning.derive_all(text, data_cutoff="2021-07-31")["adae"].set_index("USUBJID").loc[SUBJ + "002"]
    assert pd.isna(before["AENDT"]) and before["AENDTF"] == "" and before["ASTDT"] == pd.Timestamp("2021-07-01")


def test_a_partial_end_in_the_month_of_a_later_complete_start_is_no_error(tmp_export):
    text = _partial_export(tmp_export, ae_start="2021-08-10", ae_end="2021-08")
    assert validation.validate_export(text).ok
    ae = cleaning.derive_all(text)["adae"].set_index("USUBJID").loc[SUBJ + "002"]
    assert (ae["ASTDT"], ae["ASTDTF"], ae["AENDT"]) == (pd.Timestamp("2021-08-10"), "", pd.Timestamp("2021-08-31"))


def test_a_partial_end_whose_every_day_is_before_the_start_is_an_error(tmp_export):
    broken = validation.validate_export(_partial_export(tmp_export, ae_start="2021-08-10", ae_end="2021-07"))
    assert broken.errors[["variable", "rule", "value"]].values.tolist() == [["AEENDT", "end_before_start", "2021-07"]]


# --- against a plain, one-date-at-a-time reading of the same rules -------------------------------

def _reference(text: str, first_dose: datetime.date, end_limits: list, start_of_record: datetime.date) -> tuple:
    """The rules in words, for one date with the calendar module: (first, last, flag, imputed start, imputed end)."""
    year, *rest = text.split("-")
    month = int(rest[0]) if rest and rest[0].isdigit() else None
    if month is None:
        first, last, flag = datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31), "M"
    elif len(rest) == 2 and rest[1].isdigit():
        first = last = datetime.date(int(year), month, int(rest[1]))
        flag = ""
    else:
        first = datetime.date(int(year), month, 1)
        last, flag = datetime.date(int(year), month, calendar.monthrange(int(year), month)[1]), "D"
    start = first_dose if flag and first <= first_dose <= last else first  # as a start (the record not ended before)
    end = min([last] + [limit for limit in end_limits if first <= limit <= last]) if flag else last
    end = max(end, start_of_record) if flag else end
    return first, last, flag, start, end


_DATES = st.dates(min_value=datetime.date(2019, 1, 1), max_value=datetime.date(2023, 12, 31))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_DATES, st.sampled_from(["day", "month", "year", "UN", "UNK-UNK"]), _DATES, _DATES, _DATES,
                          _DATES), min_size=1, max_size=20))
def test_imputation_agrees_with_a_plain_reading_of_the_rules(cases):
    texts = [{"day": f"{d:%Y-%m-%d}", "month": f"{d:%Y-%m}", "year": f"{d:%Y}", "UN": f"{d:%Y-%m}-UN",
              "UNK-UNK": f"{d:%Y}-UNK-UNK"}[kind] for d, kind, *_ in cases]
    found = partial_dates.date_range(pd.Series(texts))
    dose, eos, cut, record_start = (pd.Series(pd.to_datetime([c[i] for c in cases])) for i in (2, 3, 4, 5))
    start = partial_dates.impute_start(found["first"], found["last"], first_dose=dose,
                                       end=pd.Series(pd.NaT, index=dose.index))
    end = partial_dates.impute_end(found["first"], found["last"], limits=(eos, cut), start=record_start)
    for i, (text, (_, _, d_dose, d_eos, d_cut, d_start)) in enumerate(zip(texts, cases)):
        want = _reference(text, d_dose, [d_eos, d_cut], d_start)
        got = (found["first"][i].date(), found["last"][i].date(), found["flag"][i], start[i].date(), end[i].date())
        assert got == want, text


def test_a_partial_date_of_diagnosis_takes_its_first_day_and_a_flag_in_adsl(tmp_export):
    path = tmp_export / "demographics.csv"
    path.write_text(path.read_text().replace(",2015-09-13,", ",2015,"))  # patient 002, diagnosed in 2015
    result = validation.validate_export(export.read_export(tmp_export))
    assert result.ok and result.queries.loc[result.queries["rule"] == "partial_date", "value"].tolist() == ["2015"]
    adsl = cleaning.derive_all(result.typed)["adsl"].set_index("USUBJID")
    assert (adsl.loc[SUBJ + "002", "DIAGDT"], adsl.loc[SUBJ + "002", "DIAGDTF"]) == (pd.Timestamp("2015-01-01"), "M")
    # first dose 2021-07-01: 6 years of 365 days, 2 leap days, and 181 days of 2021
    assert adsl.loc[SUBJ + "002", "DURDIS"] == pytest.approx((6 * 365 + 2 + 181) / 365.25)
    assert set(adsl.drop(index=SUBJ + "002")["DIAGDTF"]) == {""}
