"""Benchmark the planning computations: notebook 07's cells, p-value tables, simulated power.

Usage::

    .venv/bin/python scripts/bench_planning.py [--repeat 3] [--n-trials 2000] [--sample 200] [--functions]

First times, one by one and in total, the computations of notebook 07 (next-trial planning) with the
notebook's parameters: the pilot's inputs (from the published datasets in data/processed when they
exist, else the shipped pilot example's figures: 10/10 responders, SD of the change 1.78 in 10 patients),
the six scenarios sized for Fisher's exact test and for the chi-square formula with their power
checks, the power grid, the planned trial simulated ``--n-trials`` times per scenario, and the
sizes for the ESSDAI change. Median and minimum wall-clock seconds over ``--repeat`` runs after one
discarded warm-up, fixed seeds. Target: under about 1.5 s for the notebook's cells on a quiet
2-core machine, imports excluded.

Then checks the vectorised analysis of the simulated trials against the per-trial reference
(``comparisons.compare_arms_responders`` on ``--sample`` trials of each scenario) and prints the
largest p-value difference, the simulated power with its Monte Carlo SE beside the formula's power
and Fisher's exact power, and the time per analysed trial of both paths.

``--functions`` also times the building blocks at growing design points (10,000 simulated trials
per point, the power grid, the sample-size searches).
"""

import argparse
import ast
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchtools import timed

from analysis_utils import planning

ROOT = Path(__file__).resolve().parents[1]


def notebook_parameters(path: Path = ROOT / "notebooks" / "07_next_trial_planning.ipynb") -> dict:
    """The literals of a notebook's ``parameters`` cell (name -> value): the benchmark runs with notebook 07's."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    return {node.targets[0].id: ast.literal_eval(node.value)
            for node in ast.parse("".join(cell["source"])).body if isinstance(node, ast.Assign)}


P = notebook_parameters()
SEED, N_SIM, N_TOTAL_GRID = P["SEED"], P["N_SIM"], P["N_TOTAL_GRID"]
DESIGN = dict(ratio=P["RATIO"], alpha=P["ALPHA"], power=P["POWER"], dropout=P["DROPOUT"])
PROCESSED_DIR = str(ROOT / "data" / "processed")
#: The week-12 inputs of the shipped pilot export (data/raw) when no published datasets exist: what
#: ``collect_pilot_inputs`` gives after ``make report``.
PILOT_FALLBACK = pd.DataFrame({
    "input": ["n_responders", "n_evaluable", "ci_lower", "ci_upper", "chg_n", "chg_mean", "chg_sd", "rate"],
    "value": [10.0, 10.0, 0.691503, 1.0, 10.0, -5.4, 1.776388, 1.0], "source": "data/raw pilot example, week 12"})
#: Design points (n_treatment, n_control, p_treatment, p_control): 2:1 trials of growing size.
POINTS = ((56, 28, 0.80, 0.50), (100, 50, 0.75, 0.50), (252, 126, 0.65, 0.50), (400, 200, 0.60, 0.50))


def pilot_inputs() -> pd.DataFrame:
    """The planning inputs as notebook 07 computes them (``summarize_inputs``)."""
    if os.path.exists(os.path.join(PROCESSED_DIR, "adsl.parquet")):
        from analysis_utils import endpoints, io

        adsl, adeff = (io.read_processed(name, folder=PROCESSED_DIR) for name in ("adsl", "adeff"))
        pilot = planning.collect_pilot_inputs(endpoints.summarize_primary(adsl, adeff), visit=P["PLANNING_VISIT"])
    else:
        pilot = PILOT_FALLBACK
    return planning.summarize_inputs(pilot, sd_level=P["SD_UPPER_LEVEL"])


def notebook_steps(inputs: pd.DataFrame, n_trials: int) -> list:
    """(name, function) for each computation of notebook 07, in the notebook's order."""
    scenarios = planning.derive_scenarios(inputs)
    alpha = DESIGN["alpha"]
    return [
        ("scenarios sized for Fisher's test + power check", lambda: planning.check_power_at_n(
            planning.size_scenarios(scenarios, test="fisher", **DESIGN), alpha=alpha, n_sim=N_SIM, seed=SEED)),
        ("scenarios sized by the chi-square formula + power check", lambda: planning.check_power_at_n(
            planning.size_scenarios(scenarios, **DESIGN), alpha=alpha, n_sim=N_SIM, seed=SEED)),
        (f"power grid ({len(N_TOTAL_GRID)} sizes x {len(scenarios)} scenarios)", lambda: planning.summarize_power_grid(
            planning.make_power_grid(scenarios, N_TOTAL_GRID, ratio=DESIGN["ratio"]), test="fisher", alpha=alpha,
            n_sim=N_SIM, seed=SEED)),
        (f"planned trial, {n_trials} simulated trials x {len(scenarios)} scenarios",
         lambda: planning.simulate_planned_trial_power(scenarios, n_trials=n_trials, n_total=P["PLANNED_N_TOTAL"],
                                                       ratio=int(P["RATIO"]), n_centres=P["N_CENTRES"],
                                                       dropout=DESIGN["dropout"], alpha=alpha, seed=SEED)),
        ("sizes for the ESSDAI change + simulated t-test power", lambda: planning.check_t_test_power(
            planning.size_two_means(planning.derive_sd_bases(inputs), delta=P["DELTA_CHG"], **DESIGN), alpha=alpha,
            n_sim=N_SIM, seed=SEED)),
    ]


def cold(func):
    """Run ``func`` with the kept rejection tables of ``planning`` forgotten, as in a fresh notebook kernel."""
    clear = getattr(getattr(planning, "_rejection_table", None), "cache_clear", None)
    if clear:
        clear()
    return func()


def bench_notebook(n_trials: int, repeat: int) -> None:
    start = time.perf_counter()
    inputs = pilot_inputs()
    print(f"notebook 07: pilot inputs {time.perf_counter() - start:.3f} s (first call, includes reading the data)")
    steps = notebook_steps(inputs, n_trials)
    width = max(len(name) for name, _ in steps)
    print(f"{'computation':<{width}}  median (s)  min (s)")
    total_median = total_min = 0.0
    for name, func in steps:
        median, best = timed(lambda func=func: cold(func), repeat)
        total_median, total_min = total_median + median, total_min + best
        print(f"{name:<{width}}  {median:10.3f}  {best:7.3f}")
    print(f"{'total':<{width}}  {total_median:10.3f}  {total_min:7.3f}")


def bench_functions(repeat: int) -> None:
    cases = []
    for n_t, n_c, p_t, p_c in POINTS:
        for test in planning.TESTS:
            cases.append((f"simulate {N_SIM} trials, {test}, {n_t}+{n_c}",
                          lambda n_t=n_t, n_c=n_c, p_t=p_t, p_c=p_c, test=test: planning.simulate_power_two_proportions(
                              n_t, n_c, p_t, p_c, test=test, n_sim=N_SIM, seed=SEED)))
    cases.append(("sample_size_exact_two_proportions, Fisher, 0.6915 vs 29/49 (564 + 282)",
                  lambda: planning.sample_size_exact_two_proportions(0.6915, 29 / 49, dropout=0.1)))
    cases.append(("sample_size_exact_two_proportions, Fisher, 0.85 vs 0.59",
                  lambda: planning.sample_size_exact_two_proportions(0.85, 0.59)))
    width = max(len(name) for name, _ in cases)
    print(f"\n{'building block':<{width}}  median (s)  min (s)")
    for name, func in cases:
        median, best = timed(func, repeat)
        print(f"{name:<{width}}  {median:10.4f}  {best:7.4f}")


def check_against_reference(n_trials: int, sample: int) -> None:
    """The vectorised analysis against compare_arms_responders on a sample; the simulated power."""
    from analysis_utils import comparisons

    scenarios = planning.derive_scenarios(pilot_inputs())
    start = time.perf_counter()
    sim = planning.simulate_planned_trial_power(scenarios, n_trials=n_trials, dropout=DESIGN["dropout"], seed=SEED,
                                                progress=True)
    vectorised = time.perf_counter() - start
    trials = planning.simulate_planned_trials(n_trials, dropout=DESIGN["dropout"], seed=SEED)
    picked = np.linspace(0, n_trials - 1, min(sample, n_trials)).astype(int)
    worst, rules_differ, start = 0.0, 0, time.perf_counter()
    for p_t, p_c in zip(scenarios["p_treatment"], scenarios["p_control"]):
        p, cmh = comparisons.compare_responder_tables(planning.count_responder_tables(trials, p_t, p_c))
        ref = planning.analyse_trials_one_by_one(trials, picked, p_t, p_c)
        worst = max(worst, float(np.nanmax(np.abs(p[picked] - ref["p_value"].to_numpy()))))
        rules_differ += int((cmh[picked] != ref["by_cmh"].to_numpy()).sum())
    one_by_one = time.perf_counter() - start
    n_analysed = len(picked) * len(scenarios)
    print(f"\nplanned trial, {n_trials} simulated trials per scenario: vectorised "
          f"{1e6 * vectorised / (n_trials * len(scenarios)):.1f} us per analysed trial ({vectorised:.2f} s in all); "
          f"compare_arms_responders {1000 * one_by_one / n_analysed:.1f} ms per trial")
    print(f"reference check on {len(picked)} trials x {len(scenarios)} scenarios: largest |p difference| "
          f"{worst:.1e}, rule (CMH or Fisher) different in {rules_differ} trials")
    cols = ["scenario", "power_simulated", "power_simulated_se", "share_cmh", "power_normal", "power_fisher_exact"]
    print(sim[cols].round(4).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-trials", type=int, default=P["N_SIM_TRIALS"], help="simulated planned trials per scenario")
    parser.add_argument("--sample", type=int, default=200, help="trials per scenario checked one by one")
    parser.add_argument("--functions", action="store_true", help="also time the building blocks")
    args = parser.parse_args()
    bench_notebook(args.n_trials, args.repeat)
    if args.functions:
        bench_functions(args.repeat)
    check_against_reference(args.n_trials, args.sample)


if __name__ == "__main__":
    main()
