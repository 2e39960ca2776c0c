"""Partial dates of adverse events and medications: the complete date the analysis takes for a day or month the source
does not give (``2021-08``, ``2019``, ``2021-08-UN``).

A patient often cannot say on which day a symptom began, or when a medication taken for years was started, and an
EDC then exports the date as far as it is known. The rules are those of admiral's ADAE and ADCM templates
(pharmaverse; ``derive_vars_dt`` with ``highest_imputation = "M"``, ``min_dates = TRTSDT`` for a start, and
``TR02SDT`` too for an adverse event of a patient who switched treatment,
``date_imputation = "last"`` and ``max_dates`` for an end), the rules a statistical analysis plan usually states:

- **a start** takes the first day of its month (a month unknown too: 1 January), but the first dose's date when that
  lies in the partial date's range and the record did not end before it (``impute_start``): an adverse event of the
  month of the first dose counts as treatment-emergent, a medication of that month as taken on treatment; an adverse
  event's start takes the switch's date in the same way (``cleaning.derive_adae``): one of the switch's month counts
  under the new treatment;
- **an end** takes the last day of its month (a month unknown too: 31 December), but the end of study or the data cut
  when one lies in its range, never a day before the start (``impute_end``);
- **the date of diagnosis** takes the first day of its month or year (admiral's default, ``date_imputation =
  "first"``): the disease duration (ADSL ``DURDIS``) counts from there;
- **the flag** (ADaM ``ASTDTF``/``AENDTF``/``DIAGDTF``, CDISC ADaM IG v1.3, section 3.3.3): ``D`` the day imputed,
  ``M`` the month and day; empty for a complete date.

Only these dates may be partial (``COLUMNS`` and ``DIAGDT``: the dictionary's ``Variable.partial``); an unknown
year, or a day known in an unknown month, is no date.
"""

import re
from types import MappingProxyType

import pandas as pd

#: A partial date as EDCs export it: ISO 8601 with reduced precision (``2021``, ``2021-08``) or with the unknown parts
#: marked (``2021-08-UN``, ``2019-UNK-UNK``, ``2021-08-UK``: CDASH's UN and UNK, and the UK of many sites' CRF
#: completion guidelines; any case).
PARTIAL_DATE = r"(?i)\d{4}(-\d{2})?|\d{4}-(\d{2}|UN|UNK|UK|XX)-(UN|UNK|UK|XX)"
#: Forms whose start and end dates may be partial: form -> (start column, end column).
COLUMNS = MappingProxyType({"adverse_events": ("AESTDT", "AEENDT"), "conmeds": ("CMSTDT", "CMENDT")})
#: The imputation flag of a date (ADaM ``--DTF``): the day imputed, the month and day imputed.
DAY, MONTH = "D", "M"
_PARTS = re.compile(r"^(\d{4})(?:-(\d{2}|UN|UNK|UK|XX)(?:-(\d{2}|UN|UNK|UK|XX))?)?$", re.I)
#: An ISO 8601 date with a time of day, as an EDC exports a date-time (CDISC ``--DTC``: ``2021-06-28T09:30``; also
#: with a space, seconds, a fraction or a UTC offset): the date is read, the time left out (every analysis counts
#: days).
DATE_TIME = r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
#: A date as SAS writes it (format ``DATE9.``: ``04JAN2021``; ``DATETIME.``: ``04JAN2021:09:30:00``), as a CSV file
#: written from an EDC's SAS datasets holds it: two-digit day, the month's English abbreviation (any letter case),
#: four-digit year. Read as its date (``as_iso_dates``): unlike ``04/01/2021``, no other order of day and month is
#: possible. Its time is left out, as an ISO date-time's.
SAS_DATE = r"(\d{2})([A-Za-z]{3})(\d{4})(?::\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
SAS_MONTHS = MappingProxyType({month: f"{number:02d}" for number, month in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)})


def as_iso_dates(text: pd.Series) -> pd.Series:
    """Stripped date texts as ISO dates where they are dates written otherwise: the date of a date-time
    (``DATE_TIME``), a date as SAS writes it (``SAS_DATE``); any other text as it is.

    >>> as_iso_dates(pd.Series(["2021-06-28T09:30", "2021-06-28 09:30:00+08:00", "2021-06-28", "2021/6/28 9:30"])
    ...              ).tolist()
    ['2021-06-28', '2021-06-28', '2021-06-28', '2021/6/28 9:30']
    >>> as_iso_dates(pd.Series(["04JAN2021", "28jun2021:09:30:00", "04JNA2021", "31FEB2021", "2021-UN-14"])).tolist()
    ['2021-01-04', '2021-06-28', '04JNA2021', '2021-02-31', '2021-UN-14']
    """
    length = text.str.len()
    other = ((length > len("YYYY-MM-DD")) | (length == len("DDMONYYYY"))).to_numpy()
    if not other.any():  # the usual export: ISO dates only, no pattern to match
        return text
    found = text[other].str.extract(f"^{DATE_TIME}$")[0]
    sas = text[other].str.extract(f"^{SAS_DATE}$")
    found = found.fillna(sas[2] + "-" + sas[1].str.upper().map(SAS_MONTHS) + "-" + sas[0]).reindex(text.index)
    return text.mask(found.notna(), found)


def date_range(text: pd.Series) -> pd.DataFrame:
    """The dates each value may stand for: ``first``, ``last`` and ``flag`` (``""`` for a complete date, whose first
    and last are the date; ``DAY`` or ``MONTH`` for a partial one); ``NaT`` for an empty value or one that is no date.

    >>> date_range(pd.Series(["2021-07-14", "2020-02", "2019-UN-UN", "2021-UN-14", "", "2021-08-uk"])
    ...            ).astype(str).values.tolist()
    [['2021-07-14', '2021-07-14', ''], ['2020-02-01', '2020-02-29', 'D'], ['2019-01-01', '2019-12-31', 'M'], \
[nan, nan, ''], [nan, nan, ''], ['2021-08-01', '2021-08-31', 'D']]
    """
    text = as_iso_dates(text.astype(str).str.strip())
    complete = pd.to_datetime(text.where(text != ""), format="%Y-%m-%d", errors="coerce")
    if (complete.notna() | (text == "")).all():  # no partial date: no pattern to match (a 10,000-patient export)
        return pd.DataFrame({"first": complete, "last": complete, "flag": ""}, index=text.index)
    parts = text.str.extract(_PARTS)
    year = parts[0]
    month_known, day_known = (parts[i].str.isdigit().fillna(False).astype(bool) for i in (1, 2))
    flag = pd.Series("", index=text.index).mask(month_known & ~day_known, DAY).mask(~month_known & ~day_known, MONTH)
    valid = year.notna() & (month_known | ~day_known)  # no day of an unknown month
    first = pd.to_datetime((year + "-" + parts[1].where(month_known, "01") + "-" + parts[2].where(day_known, "01"))
                           .where(valid), format="%Y-%m-%d", errors="coerce")
    last = first.mask(flag == DAY, first + pd.offsets.MonthEnd(0)).mask(
        flag == MONTH, pd.to_datetime((year + "-12-31").where(valid), format="%Y-%m-%d", errors="coerce"))
    return pd.DataFrame({"first": first, "last": last.where(first.notna()), "flag": flag.where(first.notna(), "")},
                        index=text.index)


def impute_start(first: pd.Series, last: pd.Series, *, first_dose: pd.Series, end: pd.Series) -> pd.Series:
    """A start date: ``first`` (the first day its partial date may be), or ``first_dose`` when that lies in
    ``first``..``last`` and not after ``end`` (the record's end date, imputed; missing: ongoing). A complete date,
    whose ``first`` is its ``last``, is kept.

    >>> day = lambda *d: pd.Series(pd.to_datetime(list(d)))
    >>> impute_start(day("2021-07-01", "2021-07-01", "2021-06-01"), day("2021-07-31", "2021-07-31", "2021-06-30"),
    ...              first_dose=day("2021-07-10", "2021-07-10", "2021-07-10"),
    ...              end=day(None, "2021-07-05", None)).dt.strftime("%Y-%m-%d").tolist()
    ['2021-07-10', '2021-07-01', '2021-06-01']
    """
    takes_dose = (first <= first_dose) & (first_dose <= last) & (end.isna() | (first_dose <= end))
    return first.mask(takes_dose.fillna(False).astype(bool), first_dose)


def impute_end(first: pd.Series, last: pd.Series, *, limits: tuple, start: pd.Series) -> pd.Series:
    """An end date: ``last`` (the last day its partial date may be), or the earliest of ``limits`` (end of study, data
    cut) that lies in ``first``..``last``; never before ``start``. A complete date is kept.

    >>> day = lambda *d: pd.Series(pd.to_datetime(list(d)))
    >>> impute_end(day("2021-08-01", "2021-08-01", "2021-08-01"), day("2021-08-31", "2021-08-31", "2021-08-31"),
    ...            limits=(day(None, "2021-08-20", "2021-09-30"),), start=day("2021-07-02", "2021-07-02", "2021-08-12")
    ...            ).dt.strftime("%Y-%m-%d").tolist()
    ['2021-08-31', '2021-08-20', '2021-08-31']
    """
    out = last
    for limit in limits:
        within = ((first <= limit) & (limit < out)).fillna(False).astype(bool)
        out = out.mask(within, limit)
    partial = (first != last).fillna(False).astype(bool)
    return out.mask(partial & (out < start).fillna(False).astype(bool), start)
