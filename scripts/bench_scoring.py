"""Benchmark the vectorised scoring functions on 1,000,000 subject-visits.

Usage::

    .venv/bin/python scripts/bench_scoring.py [--rows 1000000] [--repeat 5]

Prints, per function, the median and minimum wall-clock time over ``--repeat`` runs (after one
discarded warm-up) on random valid inputs drawn with a fixed seed. The target is well under one
second per function for one million rows.
"""

import argparse

import numpy as np
import pandas as pd

from benchtools import timed

from analysis_utils import ctcae, scoring
from analysis_utils.vocabulary import AVISITN, ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD, ESSPRI_ITEM_PARAMCD

SEED = 20210615


def make_inputs(n: int, rng: np.random.Generator) -> dict:
    levels = pd.DataFrame({d: rng.choice(sorted(scoring.ESSDAI_ALLOWED_LEVELS[d]), size=n) for d in ESSDAI_DOMAINS})
    items = pd.DataFrame({i: rng.integers(0, 11, size=n) for i in ("dryness", "fatigue", "pain")})
    haem = pd.DataFrame({"NEUT": rng.uniform(0.2, 6, n).round(2), "LYM": rng.uniform(0.1, 3, n).round(2),
                         "PLAT": rng.uniform(20, 400, n).round(0), "HGB": rng.uniform(60, 160, n).round(0)})
    biol = pd.DataFrame({"IGG": rng.uniform(4, 30, n).round(1), "C3": rng.uniform(0.5, 1.5, n).round(2),
                         "C3LLN": 0.9, "C4": rng.uniform(0.05, 0.4, n).round(2), "C4LLN": 0.1,
                         "MCOMP": rng.choice(["POSITIVE", "NEGATIVE"], n),
                         "CRYO": rng.choice(["POSITIVE", "NEGATIVE"], n)})
    codes = np.array(sorted(ctcae.GRADED_PARAMS))
    adlb = pd.DataFrame({"PARAMCD": rng.choice(codes, n), "AVAL": rng.uniform(0.1, 300, n).round(1),
                         "ANRLO": 1.0, "ANRHI": 40.0, "BASE": rng.uniform(0.1, 100, n).round(1)})
    return {"levels": levels, "items": items, "haem": haem, "biol": biol, "adlb": adlb}


def make_adqs(n_subjects: int, rng: np.random.Generator) -> pd.DataFrame:
    """Item-level adqs (docs/analysis_datasets.md) for ``n_subjects`` x 3 visits, built column-wise."""
    visits = list(AVISITN.items())
    codes = [(ESSDAI_LEVEL_PARAMCD[d], "ESSDAI", sorted(scoring.ESSDAI_ALLOWED_LEVELS[d])) for d in ESSDAI_DOMAINS]
    codes += [(c, "ESSPRI", list(range(11))) for c in ESSPRI_ITEM_PARAMCD.values()] + [("PGA", "PGA", list(range(11)))]
    n_rows = n_subjects * len(visits) * len(codes)
    subject = np.repeat(np.arange(n_subjects), len(visits) * len(codes))
    visit = np.tile(np.repeat(np.arange(len(visits)), len(codes)), n_subjects)
    item = np.tile(np.arange(len(codes)), n_subjects * len(visits))
    aval = np.concatenate([rng.choice(levels, size=n_rows // len(codes)) for _, _, levels in codes])
    aval = aval.reshape(len(codes), -1).T.ravel()
    labels = np.array([v for v, _ in visits], dtype=object)
    return pd.DataFrame({
        "STUDYID": "NCT04916756", "USUBJID": pd.Series(subject).map("S{:06d}".format),
        "PARCAT1": np.array([c[1] for c in codes], dtype=object)[item],
        "PARAMCD": np.array([c[0] for c in codes], dtype=object)[item], "PARAM": "",
        "AVISIT": labels[visit], "AVISITN": np.array([w for _, w in visits])[visit],
        "ADT": pd.Timestamp("2021-07-01") + pd.to_timedelta(np.array([w for _, w in visits])[visit] * 7, unit="D"),
        "ADY": 1 + np.array([w for _, w in visits])[visit] * 7, "AVAL": aval.astype(float), "AVALC": "",
        "ABLFL": np.where(visit == 0, "Y", "N"),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--adeff-subjects", type=int, default=10_000,
                        help="subjects (x 3 visits) for the end-to-end derive_adeff timing")
    args = parser.parse_args()
    data = make_inputs(args.rows, np.random.default_rng(SEED))
    total = scoring.compute_essdai(data["levels"])
    esspri_sum = scoring.compute_esspri_sum(data["items"])
    cases = {
        "compute_essdai": lambda: scoring.compute_essdai(data["levels"]),
        "essdai_domain_scores": lambda: scoring.essdai_domain_scores(data["levels"]),
        "compute_essdai_category": lambda: scoring.compute_essdai_category(total),
        "compute_essdai_mcii": lambda: scoring.compute_essdai_mcii(total, total.iloc[::-1].reset_index(drop=True)),
        "compute_esspri": lambda: scoring.compute_esspri(data["items"]),
        "compute_esspri_mcii": lambda: scoring.compute_esspri_mcii(esspri_sum,
                                                                   esspri_sum.iloc[::-1].reset_index(drop=True)),
        "compute_haem_level_from_labs": lambda: scoring.compute_haem_level_from_labs(data["haem"]),
        "compute_biol_level_from_labs": lambda: scoring.compute_biol_level_from_labs(data["biol"]),
        "ctcae.grade_ctcae": lambda: ctcae.grade_ctcae(data["adlb"]),
    }
    print(f"{args.rows:,} rows, median (min) of {args.repeat} runs after one warm-up")
    for name, func in cases.items():
        median, best = timed(func, args.repeat)
        print(f"  {name:<30} {median:7.3f} s  ({best:.3f} s)")
    adqs = make_adqs(args.adeff_subjects, np.random.default_rng(SEED))
    median, best = timed(lambda: scoring.derive_adeff(adqs), max(1, args.repeat // 2))
    print(f"derive_adeff, {args.adeff_subjects:,} subjects x 3 visits ({len(adqs):,} adqs rows): "
          f"{median:.3f} s ({best:.3f} s)")


if __name__ == "__main__":
    main()
