"""Benchmark the planning computations: p-value tables, simulated power, the power grid.

Usage::

    .venv/bin/python scripts/bench_planning.py [--n-sim 10000] [--repeat 5] [--n-trials 1000]

Prints, per computation, the median and minimum wall-clock time over ``--repeat`` runs (after one
discarded warm-up), with a fixed seed. The target is well under one second for 10,000 simulated
trials at one design point, including the p-value table of Fisher's exact test.

Then simulates the planned trial (87 patients, 2:1, 8 centres, 10 % dropout) ``--n-trials`` times per
scenario, each trial analysed by ``comparisons.compare_arms_responders`` as in the report (which
uses fewer trials), and prints the simulated power with its Monte Carlo SE beside the formula's
power and Fisher's exact power, and the time per analysed trial.
"""

import argparse
import time

import pandas as pd

from benchtools import timed

from analysis_utils import planning

SEED = 20210615
#: Design points (n_treatment, n_control, p_treatment, p_control): 2:1 trials of growing size.
POINTS = ((56, 28, 0.80, 0.50), (100, 50, 0.75, 0.50), (252, 126, 0.65, 0.50), (400, 200, 0.60, 0.50))
GRID_TOTALS = (30, 45, 60, 75, 90, 120, 150, 180, 240, 300, 360, 420, 480)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-sim", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n-trials", type=int, default=1000, help="simulated planned trials per scenario")
    args = parser.parse_args()
    cases = []
    for n_t, n_c, p_t, p_c in POINTS:
        for test in planning.TESTS:
            cases.append((f"simulate {args.n_sim} trials, {test}, {n_t}+{n_c}",
                          lambda n_t=n_t, n_c=n_c, p_t=p_t, p_c=p_c, test=test: planning.simulate_power_two_proportions(
                              n_t, n_c, p_t, p_c, test=test, n_sim=args.n_sim, seed=SEED)))
        cases.append((f"simulate {args.n_sim} trials, t-test, {n_t}+{n_c}",
                      lambda n_t=n_t, n_c=n_c: planning.simulate_power_t_test(
                          n_t, n_c, 3.0, 6.0, n_sim=args.n_sim, seed=SEED)))
    scenarios = pd.DataFrame({"scenario": ["optimistic", "pilot", "conservative"],
                              "p_treatment": [0.945, 0.80, 0.65], "p_control": 0.5})
    grid = planning.make_power_grid(scenarios, GRID_TOTALS, ratio=2.0)
    cases.append((f"power grid, Fisher, {len(grid)} points x {args.n_sim} trials",
                  lambda: planning.summarize_power_grid(grid, test="fisher", n_sim=args.n_sim, seed=SEED)))
    cases.append(("sample_size_two_proportions", lambda: planning.sample_size_two_proportions(0.8, 0.5)))
    cases.append(("sample_size_two_means", lambda: planning.sample_size_two_means(3.0, 6.0)))
    cases.append(("sample_size_exact_two_proportions, Fisher, 0.85 vs 0.59",
                  lambda: planning.sample_size_exact_two_proportions(0.85, 0.59)))
    width = max(len(name) for name, _ in cases)
    print(f"{'computation':<{width}}  median (s)  min (s)")
    for name, func in cases:
        median, best = timed(func, args.repeat)
        print(f"{name:<{width}}  {median:10.4f}  {best:7.4f}")
    simulate_planned_trial(args.n_trials)


def simulate_planned_trial(n_trials: int) -> None:
    """Power of the planned trial by simulation, with more trials than the report runs."""
    pilot = pd.DataFrame({"input": ["pilot_mcii", *planning.CONTROL_RATES["key"]], "n_responders": [10, 7, 29],
                          "n": [10, 14, 49], "estimate": [1.0, 0.5, 29 / 49],
                          "label": ["pilot", *("control arm: " + planning.CONTROL_RATES["control"])]})
    scenarios = planning.derive_scenarios(pilot)  # the pilot's 10/10 against the published control rates
    start = time.perf_counter()
    sim = planning.simulate_planned_trial_power(scenarios, n_trials=n_trials, dropout=0.10, seed=SEED, progress=True)
    elapsed = time.perf_counter() - start
    print(f"\nplanned trial, {n_trials} simulated trials per scenario "
          f"({1000 * elapsed / (n_trials * len(scenarios)):.1f} ms per analysed trial, {elapsed:.1f} s in all)")
    cols = ["scenario", "power_simulated", "power_simulated_se", "power_normal", "power_fisher_exact"]
    print(sim[cols].round(4).to_string(index=False))


if __name__ == "__main__":
    main()
