"""Tests of analysis_utils.planning and planning_plots: sample sizes, power, scenarios, ARD rows.

Expected values are worked by hand (arithmetic in the comments), taken from printed tables
(chi-square quantiles, Cohen's 64 per group), or come from an independent implementation
(a naive re-implementation with the standard library, scipy's fisher_exact and chi2_contingency,
statsmodels' t-test power).
"""

import functools
import math
from statistics import NormalDist

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from analysis_utils import comparisons, planning, synthetic  # noqa: E402
from analysis_utils.planning import (  # noqa: E402
    collect_pilot_inputs, compute_continuity_correction, compute_n_control_two_proportions,
    compute_power_t_test, compute_power_two_proportions, compute_pvalue_table, compute_sd_limits,
    compute_sd_upper_limit, derive_scenarios, make_power_grid, melt_to_ard, sample_size_two_means,
    sample_size_two_proportions, simulate_power_t_test, simulate_power_two_proportions, size_scenarios,
    summarize_power_grid,
)
from analysis_utils.planning_plots import OKABE_ITO, log_ticks, plot_power_curves  # noqa: E402


def naive_n_control(pt, pc, k, alpha=0.05, power=0.8):
    """The textbook formula typed afresh with the standard library (pooled H0, unpooled H1)."""
    z = NormalDist().inv_cdf
    pbar = (k * pt + pc) / (1 + k)
    num = z(1 - alpha / 2) * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + z(power) * math.sqrt(
        pc * (1 - pc) + pt * (1 - pt) / k)
    return num ** 2 / (pt - pc) ** 2


# --- constants ---------------------------------------------------------------------------------

def test_joquer_rates_are_seror_2016_table5():
    # Seror 2016 Table 5, JOQUER, baseline ESSDAI >= 5, decrease >= 3: HCQ 7/14 (50.0 %), placebo 10/18 (55.6 %).
    assert dict(planning.JOQUER_MCII) == {"hydroxychloroquine": (7, 14), "placebo": (10, 18)}


def test_etap_rates_are_felten_2021_table3():
    # Felten 2021 Table 3, "3-point decrease in ESSDAI", W12: tocilizumab 29/49 (59.2), placebo 29/49 (59.2).
    assert dict(planning.ETAP_MCII_WEEK12) == {"tocilizumab": (29, 49), "placebo": (29, 49)}
    controls = planning.CONTROL_RATES.set_index("key")
    assert controls.loc["control_joquer_hcq", ["n_responders", "n"]].tolist() == [7, 14]
    assert controls.loc["control_etap_placebo", ["n_responders", "n"]].tolist() == [29, 49]
    assert round(29 / 49, 3) == 0.592  # "about 59 %" of placebo patients


def test_planning_constants():
    assert planning.SD_UPPER_LEVEL == 0.80  # Browne 1995
    assert planning.PILOT_RATE_ASSUMPTIONS["kind"].tolist() == ["posterior_mean", "lower", "lower"]
    assert planning.PILOT_RATE_ASSUMPTIONS["level"].tolist()[1:] == [0.80, 0.975]
    assert planning.FISHER_RELATIVE_TOLERANCE == 1e-7
    assert dict(planning.PLANNED_TRIAL) == {"n_total": 87, "ratio": 2, "n_centres": 8,
                                            "arms": ("Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg")}


# --- sample size, two proportions --------------------------------------------------------------

def test_n_control_hand_worked_equal_allocation():
    # 60 % vs 30 %, k = 1: p̄ = 0.45; 1.959964 * sqrt(0.45*0.55*2) = 1.378958;
    # 0.841621 * sqrt(0.21 + 0.24) = 0.564575; (1.943533)² / 0.09 = 41.970 -> 42 + 42.
    assert compute_n_control_two_proportions(0.6, 0.3, ratio=1.0) == pytest.approx(41.970, abs=5e-4)
    size = sample_size_two_proportions(0.6, 0.3, ratio=1.0)
    assert (size.n_treatment, size.n_control, size.n_total) == (42, 42, 84)


def test_n_control_hand_worked_two_to_one():
    # 60 % vs 30 %, k = 2: p̄ = (1.2 + 0.3)/3 = 0.5; 1.959964 * sqrt(0.25*1.5) = 1.200235;
    # 0.841621 * sqrt(0.21 + 0.12) = 0.483477; (1.683712)² / 0.09 = 31.498 -> n_c 32, n_t 64.
    assert compute_n_control_two_proportions(0.6, 0.3) == pytest.approx(31.498, abs=5e-4)
    size = sample_size_two_proportions(0.6, 0.3)
    assert (size.n_treatment, size.n_control, size.n_total) == (64, 32, 96)


@pytest.mark.parametrize("pt, pc, k", [(0.6, 0.3, 1.0), (0.8, 0.5, 2.0), (0.55, 0.5, 2.0), (0.1, 0.3, 1.5),
                                       (1.0, 0.5, 2.0), (0.5, 0.0, 1.0)])
def test_n_control_matches_naive_reimplementation(pt, pc, k):
    assert compute_n_control_two_proportions(pt, pc, ratio=k) == pytest.approx(naive_n_control(pt, pc, k), rel=1e-12)


def test_three_illustrative_assumption_sets_give_87_patients():
    # Three assumption sets that all give 87 = 58 + 29 (illustrations, not the trial's; its protocol is silent).
    unpooled = compute_n_control_two_proportions(0.6, 0.3, variance="unpooled")  # 7.848879 * 0.33 / 0.09
    assert unpooled == pytest.approx(28.779, abs=5e-4) and math.ceil(unpooled) == 29  # -> 58 + 29
    pooled = sample_size_two_proportions(0.7, 0.35, dropout=0.2)  # 46 + 23 = 69; 57.5 -> 58, 28.75 -> 29
    assert (pooled.n_treatment, pooled.n_control, pooled.n_total) == (46, 23, 69)
    assert (pooled.n_treatment_inflated, pooled.n_control_inflated, pooled.n_total_inflated) == (58, 29, 87)
    cc = compute_continuity_correction(compute_n_control_two_proportions(0.75, 0.4, variance="unpooled"), 0.35)
    assert math.ceil(cc) == 26  # 52 + 26 = 78; / 0.9 -> 58 + 29 = 87
    assert math.ceil(52 / 0.9) + math.ceil(26 / 0.9) == 87


def test_continuity_correction_hand_worked():
    # Fleiss-Tytun-Ury, n = 41.970, k = 1, Δ = 0.3: 1 + 2*2/(41.970*0.3) = 1.317686; sqrt = 1.147905;
    # 41.970/4 * (2.147905)² = 10.4925 * 4.613496 = 48.407 -> 49 per arm.
    assert compute_continuity_correction(41.970253, 0.3, ratio=1.0) == pytest.approx(48.407, abs=5e-4)
    size = sample_size_two_proportions(0.6, 0.3, ratio=1.0, continuity=True)
    assert (size.n_treatment, size.n_control) == (49, 49)


def test_dropout_inflation_rounds_each_arm_up():
    size = sample_size_two_proportions(0.6, 0.3, ratio=1.0, dropout=0.1)  # 42 / 0.9 = 46.67 -> 47
    assert (size.n_treatment_inflated, size.n_control_inflated, size.n_total_inflated) == (47, 47, 94)


def test_dropout_inflation_ignores_floating_point_noise():
    # 42 / (1 - 0.3) is 60.00000000000001 in binary floating point; the documented answer is 60.
    assert planning._round_arms(41.5, ratio=1.0, dropout=0.3).n_control_inflated == 60


def test_ratio_one_gives_equal_arms_and_is_symmetric():
    a = sample_size_two_proportions(0.7, 0.4, ratio=1.0)
    b = sample_size_two_proportions(0.4, 0.7, ratio=1.0)
    assert a.n_treatment == a.n_control and a == b


def test_equal_rates_raise_clear_error():
    with pytest.raises(ValueError, match="no finite sample size"):
        sample_size_two_proportions(0.5, 0.5)


def test_rates_zero_or_one():
    # Allowed when one arm has variance: p_t = 1, p_c = 0.5, k = 2: p̄ = 5/6;
    # 1.959964 * sqrt(5/36 * 1.5) = 0.894613; 0.841621 * sqrt(0.25) = 0.420811; (1.315424)² / 0.25 = 6.921.
    assert compute_n_control_two_proportions(1.0, 0.5) == pytest.approx(6.921, abs=5e-4)
    assert sample_size_two_proportions(1.0, 0.5).n_control == 7
    with pytest.raises(ValueError, match="no variance"):
        sample_size_two_proportions(1.0, 0.0)
    with pytest.raises(ValueError, match=r"p_treatment must be a proportion in \[0, 1\], got 1.2"):
        sample_size_two_proportions(1.2, 0.5)


@pytest.mark.parametrize("kwargs, message", [
    ({"ratio": 0.0}, "allocation ratio"), ({"ratio": -1.0}, "allocation ratio"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"), ({"dropout": -0.1}, "dropout"),
    ({"alpha": 0.0}, "alpha"), ({"power": 1.0}, "power"),
])
def test_bad_design_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_size_two_proportions(0.8, 0.5, **kwargs)


def test_bad_variance_option_raises():
    with pytest.raises(ValueError, match="variance must be"):
        compute_n_control_two_proportions(0.8, 0.5, variance="exact")


# --- p-value tables and power ------------------------------------------------------------------

@pytest.mark.parametrize("n_t, n_c", [(4, 7), (9, 5), (12, 12)])
def test_fisher_table_matches_scipy(n_t, n_c):
    table = compute_pvalue_table(n_t, n_c, test="fisher")
    expected = np.array([[stats.fisher_exact([[a, n_t - a], [b, n_c - b]]).pvalue for b in range(n_c + 1)]
                         for a in range(n_t + 1)])
    np.testing.assert_allclose(table, expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("n_t, n_c", [(4, 7), (10, 5)])
def test_chi2_table_matches_scipy(n_t, n_c):
    def pearson(a, b):
        if a + b in (0, n_t + n_c):
            return 1.0  # nobody or everybody responds: no evidence
        return stats.chi2_contingency([[a, n_t - a], [b, n_c - b]], correction=False).pvalue
    expected = np.array([[pearson(a, b) for b in range(n_c + 1)] for a in range(n_t + 1)])
    np.testing.assert_allclose(compute_pvalue_table(n_t, n_c, test="chi2"), expected, rtol=1e-10, atol=1e-14)


def test_fisher_hand_worked_table():
    # 3/3 vs 0/3: the observed table has probability 1/C(6,3) = 0.05, as does 0/3 vs 3/3 -> p = 0.1.
    assert compute_pvalue_table(3, 3)[3, 0] == pytest.approx(0.1, rel=1e-12)


def test_pvalue_table_rejects_bad_input():
    with pytest.raises(ValueError, match="test must be one of"):
        compute_pvalue_table(5, 5, test="barnard")
    with pytest.raises(ValueError, match="positive integers"):
        compute_pvalue_table(0, 5)


def test_exact_power_hand_worked():
    # n = 1 per arm: no table is significant, so power is 0; Fisher with 3 v 3 rejects only 3/3 v 0/3 and
    # 0/3 v 3/3 at alpha 0.1: power = 0.9³ 0.9³ + 0.1³ 0.1³ with p_t = 0.9, p_c = 0.1.
    assert compute_power_two_proportions(1, 1, 0.9, 0.1) == 0.0
    assert compute_power_two_proportions(3, 3, 0.9, 0.1, alpha=0.1) == pytest.approx(0.9 ** 6 + 0.1 ** 6)


def test_simulated_power_at_analytic_n_hits_target():
    # 80 % vs 50 %, 2:1 -> 56 + 28. Seeded; 10,000 trials: SE = sqrt(0.8 * 0.2 / 10,000) = 0.004.
    size = sample_size_two_proportions(0.8, 0.5)
    assert (size.n_treatment, size.n_control) == (56, 28)
    se = math.sqrt(0.8 * 0.2 / 10_000)
    chi2 = simulate_power_two_proportions(56, 28, 0.8, 0.5, test="chi2", seed=20210615)
    assert abs(chi2 - 0.80) < 3 * se
    # Fisher's exact test is conservative: lower power at the same n (documented), about 0.75 here;
    # at the continuity-corrected size (66 + 33) it reaches the target.
    fisher = simulate_power_two_proportions(56, 28, 0.8, 0.5, test="fisher", seed=20210615)
    assert fisher < chi2 - 0.02
    cc = sample_size_two_proportions(0.8, 0.5, continuity=True)
    assert simulate_power_two_proportions(cc.n_treatment, cc.n_control, 0.8, 0.5, seed=1) > 0.80 - 3 * se


@pytest.mark.parametrize("test", ["fisher", "chi2"])
def test_simulation_agrees_with_exact_enumeration(test):
    exact = compute_power_two_proportions(40, 20, 0.75, 0.4, test=test)
    simulated = simulate_power_two_proportions(40, 20, 0.75, 0.4, test=test, seed=7)
    assert abs(simulated - exact) < 3 * math.sqrt(exact * (1 - exact) / 10_000)


def test_simulation_is_reproducible_with_seed():
    a = simulate_power_two_proportions(30, 15, 0.8, 0.5, seed=3)
    assert a == simulate_power_two_proportions(30, 15, 0.8, 0.5, seed=3)


# --- continuous endpoint -----------------------------------------------------------------------

def test_sample_size_two_means_cohen_64_per_group():
    # Cohen (1988) Table 2.4.1: d = 0.5, two-sided alpha 0.05, power 0.80 -> 64 per group.
    size = sample_size_two_means(0.5, 1.0, ratio=1.0)
    assert (size.n_treatment, size.n_control) == (64, 64)
    # normal approximation: (1.959964 + 0.841621)² * 2 / 0.25 = 62.79
    assert size.n_control_raw == pytest.approx(62.791, abs=5e-4)


def test_sample_size_two_means_agrees_with_statsmodels():
    from statsmodels.stats.power import TTestIndPower
    # ESSDAI-like: Δ = 3, SD 6, 2:1. statsmodels: nobs1 (treatment) with nobs2 = 0.5 nobs1.
    size = sample_size_two_means(3.0, 6.0, ratio=2.0, dropout=0.1)
    n1 = TTestIndPower().solve_power(effect_size=0.5, alpha=0.05, power=0.8, ratio=0.5)  # 95.48
    assert (size.n_treatment, size.n_control) == (96, 48) and math.ceil(n1) == 96
    assert compute_power_t_test(96, 48, 3.0, 6.0) == pytest.approx(TTestIndPower().power(0.5, 96, 0.05, ratio=0.5))
    assert compute_power_t_test(95, 47, 3.0, 6.0) < 0.8  # one fewer per arm misses the target
    assert (size.n_treatment_inflated, size.n_control_inflated) == (108, 54)  # 48/0.9 = 53.3 -> 54, 2 x 54 (2:1)


def test_simulated_t_test_power_matches_noncentral_t():
    exact = float(compute_power_t_test(64, 64, 0.5, 1.0))
    simulated = simulate_power_t_test(64, 64, 0.5, 1.0, seed=11)
    assert abs(simulated - exact) < 3 * math.sqrt(exact * (1 - exact) / 10_000)


def test_sample_size_two_means_bad_input():
    with pytest.raises(ValueError, match="no finite sample size"):
        sample_size_two_means(0.0, 5.0)
    with pytest.raises(ValueError, match="sd must be positive"):
        sample_size_two_means(3.0, 0.0)


def test_sd_limits_from_chi_square_table():
    # df = 10: chi-square quantiles 0.025 -> 3.247, 0.975 -> 20.483, 0.20 -> 6.179 (printed tables).
    lo, hi = compute_sd_limits(6.0, 11)
    assert lo == pytest.approx(6.0 * math.sqrt(10 / 20.483), abs=2e-3)  # 4.192
    assert hi == pytest.approx(6.0 * math.sqrt(10 / 3.247), abs=2e-3)  # 10.530
    assert compute_sd_upper_limit(6.0, 11) == pytest.approx(6.0 * math.sqrt(10 / 6.179), abs=2e-3)  # 7.633
    with pytest.raises(ValueError, match="at least 2 observations"):
        compute_sd_upper_limit(6.0, 1)


# --- scenarios, grid, ARD ----------------------------------------------------------------------

def _inputs(responders, n, p_controls=(0.5,)):
    return pd.DataFrame({"input": ["pilot_mcii", *[f"control_{i}" for i in range(len(p_controls))]],
                         "n_responders": [responders, *[7] * len(p_controls)], "n": [n, *[14] * len(p_controls)],
                         "estimate": [responders / n, *p_controls],
                         "label": ["pilot", *[f"ESSDAI MCII rate, control arm: C{i}" for i in range(len(p_controls))]]})


def test_pilot_rates_by_hand():
    # 10/10: posterior Beta(11, 1), mean 11/12; Clopper-Pearson lower limit = Beta(10, 1) quantile = q ** (1/10)
    assert planning.compute_pilot_rate(10, 10, kind="posterior_mean") == 11 / 12
    assert planning.compute_pilot_rate(10, 10, kind="lower", level=0.8) == pytest.approx(0.2 ** 0.1, rel=1e-12)
    assert planning.compute_pilot_rate(10, 10, kind="lower", level=0.975) == pytest.approx(0.025 ** 0.1, rel=1e-12)
    assert round(0.025 ** 0.1, 3) == 0.692  # the pilot's exact lower 95 % limit, 69 %
    # 8/10: posterior mean 9/12; lower 80 % limit from scipy's beta quantile; x = 0 gives 0
    assert planning.compute_pilot_rate(8, 10, kind="posterior_mean") == 0.75
    assert planning.compute_pilot_rate(8, 10, kind="lower", level=0.8) == pytest.approx(stats.beta.ppf(0.2, 8, 3))
    assert planning.compute_pilot_rate(0, 10, kind="lower", level=0.8) == 0.0
    with pytest.raises(ValueError, match="kind"):
        planning.compute_pilot_rate(1, 2, kind="median")


def test_derive_scenarios_cross_pilot_rates_with_control_rates():
    s = derive_scenarios(_inputs(10, 10, (0.5, 29 / 49)))
    assert s["scenario"].tolist() == [
        "pilot posterior mean vs C0", "pilot posterior mean vs C1", "pilot 80% lower limit vs C0",
        "pilot 80% lower limit vs C1", "pilot 95% CI lower limit vs C0", "pilot 95% CI lower limit vs C1"]
    assert s["p_treatment"].tolist() == pytest.approx([11 / 12] * 2 + [0.2 ** 0.1] * 2 + [0.025 ** 0.1] * 2)
    assert s["p_control"].tolist() == pytest.approx([0.5, 29 / 49] * 3)
    assert (s["p_treatment"] < 1).all()  # no degenerate 100 % arm from 10/10
    assert s["advantage"].tolist() == [1.0] * 6
    assert s["method"].iloc[0].startswith("Mean of the Beta(1 + x, 1 + n - x) posterior") and "10/10" in s["method"].iloc[0]


def test_scenarios_without_advantage_are_not_sized():
    s = derive_scenarios(_inputs(7, 10, (0.45,)))
    # 8/12 = 0.667 and Beta(7, 4)'s 20 % quantile 0.516 are above 0.45, its 2.5 % quantile 0.348 is not
    assert s["advantage"].tolist() == [1.0, 1.0, 0.0]
    sized = size_scenarios(s.assign(method="m"), test="fisher")
    assert sized["method"].iloc[2] == "m; no advantage over control: not sized"
    # 0.516 vs 0.45 needs far more than EXACT_MAX_N_CONTROL: the continuity-corrected formula, said so
    assert "continuity correction); beyond 300 per arm" in sized["method"].iloc[1]
    cc = sample_size_two_proportions(s["p_treatment"].iloc[1], 0.45, continuity=True)
    assert sized["n_control"].iloc[1] == cc.n_control > planning.EXACT_MAX_N_CONTROL
    assert sized["n_total"].isna().tolist() == [False, False, True]
    checked = planning.check_power_at_n(sized, n_sim=200, seed=1)
    assert math.isnan(checked["power_fisher_exact"].iloc[2]) and checked["power_fisher_exact"].iloc[0] >= 0.8


def test_a_size_just_beyond_the_exact_search_takes_the_formula():
    """0.5954 vs 0.5 (2:1, alpha 0.05, power 0.8): the formula's control arm, 318.6, starts the exact search at
    0.9 x 318.6 = 287, within EXACT_MAX_N_CONTROL (300), but Fisher's test needs more than 300: the search gave up
    and stopped the build at an interim cut of the randomised example. The continuity-corrected formula's size,
    said so, as for any size beyond the limit."""
    s = pd.DataFrame({"scenario": ["a"], "p_treatment": [0.595397303396628], "p_control": [0.5], "method": ["m"]})
    sized = size_scenarios(s, test="fisher")
    cc = sample_size_two_proportions(0.595397303396628, 0.5, continuity=True)
    assert sized[["n_treatment", "n_control"]].values.tolist() == [[cc.n_treatment, cc.n_control]] == [[670, 335]]
    assert "continuity correction); beyond 300 per arm, instead of an exact search" in sized["method"].iloc[0]


def test_size_scenarios_adds_sample_sizes():
    s = pd.DataFrame({"scenario": ["x", "y"], "p_treatment": [0.6, 0.7], "p_control": [0.3, 0.35]})
    out = size_scenarios(s, dropout=0.2)
    assert out[["n_treatment", "n_control", "n_total_inflated"]].values.tolist() == [[64, 32, 120], [46, 23, 87]]


def test_make_power_grid():
    s = pd.DataFrame({"scenario": ["a", "b"], "method": ["r", "r"], "p_treatment": [0.9, 0.7], "p_control": 0.5})
    expected = pd.DataFrame({
        "scenario": ["a", "a", "b", "b"], "p_treatment": [0.9, 0.9, 0.7, 0.7], "p_control": 0.5,
        "n_total": [30, 45, 30, 45], "n_treatment": [20, 30, 20, 30], "n_control": [10, 15, 10, 15],
    })
    pd.testing.assert_frame_equal(make_power_grid(s, [30, 45]), expected, check_dtype=False)


def test_summarize_power_grid_columns_and_values():
    g = pd.DataFrame({"n_treatment": [56, 56], "n_control": [28, 28], "p_treatment": [0.8, 0.5],
                      "p_control": [0.5, 0.5]})
    out = summarize_power_grid(g, test="chi2", seed=5)
    assert list(out.columns[-4:]) == ["power_normal", "power_exact", "power_simulated", "power_simulated_se"]
    assert out["power_normal"].iloc[0] == pytest.approx(0.8019, abs=1e-4)
    # under H0 (equal rates) power is the size of the test, about alpha
    assert abs(out["power_exact"].iloc[1] - 0.05) < 0.01
    assert np.all(np.abs(out["power_simulated"] - out["power_exact"]) < 3 * out["power_simulated_se"] + 1e-3)
    pd.testing.assert_frame_equal(out, summarize_power_grid(g, test="chi2", seed=5))


def test_melt_to_ard_rows():
    f = pd.DataFrame({"scenario": ["opt", "pess"], "n_total": [30, 90], "n_treatment": [20, 60], "power": [0.9, 0.7]})
    out = melt_to_ard(f, category=["scenario", "n_total"], stats=["n_treatment", "power"],
                      analysis_id="PLAN-X", paramcd="ESSDAI")
    assert out[["analysis_id", "paramcd", "category", "stat_name", "stat_value"]].values.tolist() == [
        ["PLAN-X", "ESSDAI", "opt; n_total=30", "n_treatment", 20.0],
        ["PLAN-X", "ESSDAI", "opt; n_total=30", "power", 0.9],
        ["PLAN-X", "ESSDAI", "pess; n_total=90", "n_treatment", 60.0],
        ["PLAN-X", "ESSDAI", "pess; n_total=90", "power", 0.7],
    ]


def _pilot_ard():
    """The primary-endpoint ARD rows of four patients: week 12 changes -6, -3, -1 (P04 not assessed)."""
    from analysis_utils.endpoints import summarize_primary

    chg = {"P01": (-6.0, -8.0), "P02": (-3.0, -2.0), "P03": (-1.0, None), "P04": (None, None)}
    rows = []
    for subject, changes in chg.items():
        rows.append((subject, "Baseline", 0, 12.0, None, ""))
        for (avisit, week), c in zip((("Week 12", 12), ("Week 24", 24)), changes):
            if c is not None:
                rows.append((subject, avisit, week, 12.0 + c, c, "Y" if c <= -3 else "N"))
    adeff = pd.DataFrame(rows, columns=["USUBJID", "AVISIT", "AVISITN", "AVAL", "CHG", "CRIT1FL"])
    adeff = adeff.assign(PARAMCD="ESSDAI", BASE=12.0, PCHG=100 * adeff["CHG"] / 12.0)
    return summarize_primary(pd.DataFrame({"USUBJID": list(chg), "FASFL": "Y"}), adeff)


def test_collect_pilot_inputs_from_the_primary_endpoint_rows():
    out = collect_pilot_inputs(_pilot_ard()).set_index("input")
    # Week 12: responders 2 of 3 evaluable; CHG -6, -3, -1: mean -10/3,
    # SD = sqrt((2.667² + 0.333² + 2.333²) / 2) = sqrt(19/3) = 2.517
    assert out.loc["n_responders", "value"] == 2 and out.loc["n_evaluable", "value"] == 3
    assert out.loc["chg_mean", "value"] == pytest.approx(-10 / 3)
    assert out.loc["chg_sd", "value"] == pytest.approx(math.sqrt(19 / 3))
    assert out.loc["ci_lower", "value"] == pytest.approx(stats.beta.ppf(0.025, 2, 2))
    assert out.loc["rate", "value"] == pytest.approx(2 / 3)
    assert out.loc["n_responders", "source"] == "ARD EFF-ESSDAI-MCII"
    assert out.loc["chg_sd", "source"] == "ARD EFF-ESSDAI-SUMMARY"


def test_collect_pilot_inputs_takes_the_ard_values_and_names_a_missing_one():
    ard = _pilot_ard()
    mcii = (ard["analysis_id"] == "EFF-ESSDAI-MCII") & (ard["avisit"] == "Week 12")
    ard.loc[mcii & (ard["stat_name"] == "n_responders"), "stat_value"] = 7.0
    ard.loc[mcii & (ard["stat_name"] == "n_evaluable"), "stat_value"] = 10.0
    out = collect_pilot_inputs(ard).set_index("input")
    assert out.loc["n_responders", ["value", "source"]].tolist() == [7.0, "ARD EFF-ESSDAI-MCII"]
    assert out.loc["rate", "value"] == 0.7
    with pytest.raises(ValueError, match=r"'ci_lower' is not in the ARD \(EFF-ESSDAI-MCII, ci_lower, Week 12\)"):
        collect_pilot_inputs(ard[~(mcii & (ard["stat_name"] == "ci_lower"))])


# --- figure -------------------------------------------------------------------------------------

def test_plot_power_curves_draws_each_scenario():
    g = pd.DataFrame({"scenario": ["b", "b", "a", "a"], "n_total": [60, 30, 30, 60],
                      "power_exact": [0.8, 0.5, 0.3, 0.6], "power_simulated": [0.81, 0.49, 0.31, 0.6]})
    ax = plot_power_curves(g, target=0.8)
    assert ax.lines[0].get_xydata().tolist() == [[30.0, 0.5], [60.0, 0.8]]  # scenario "b" first, sorted by n
    assert ax.lines[2].get_xydata().tolist() == [[30.0, 0.3], [60.0, 0.6]]
    assert ax.lines[0].get_color() == OKABE_ITO[0] and ax.lines[2].get_color() == OKABE_ITO[1]
    assert list(ax.lines[4].get_ydata()) == [0.8, 0.8]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["b", "a", "target power 0.8",
                                                                   "markers: simulated trials"]
    plt.close(ax.figure)


def test_power_curves_reach_every_scenarios_size_on_a_log_axis():
    """Table P.2's sizes run from 42 to 846 evaluable patients: the axis is logarithmic, from the power of ten below
    the smallest size of the grid to that above the largest, labelled 10, 20, 50, ... as numbers; the legend is below
    the axes (it hid the last curve's rise in the lower right)."""
    g = pd.DataFrame({"scenario": "a", "n_total": [12, 480, 900], "power_exact": [0.02, 0.55, 0.83],
                      "power_simulated": [0.02, 0.55, 0.83]})
    ax = plot_power_curves(g, target=0.8)
    ax.figure.canvas.draw()
    assert ax.get_xscale() == "log" and ax.get_xlim() == (10, 1000)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "20", "50", "100", "200", "500", "1000"]
    legend, axes = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y1 < axes.y0  # below the axes, not over a curve
    plt.close(ax.figure)
    assert log_ticks(42, 846) == [10, 20, 50, 100, 200, 500, 1000]
    assert log_ticks(100, 100) == [100, 200, 500, 1000] and log_ticks(9, 11) == [1, 2, 5, 10, 20, 50, 100]


# --- inputs, continuous sizes, display -----------------------------------------------------------

PILOT = pd.DataFrame({
    "input": ["n_responders", "n_evaluable", "ci_lower", "ci_upper", "chg_n", "chg_mean", "chg_sd", "rate"],
    "value": [8.0, 10.0, 0.4439, 0.9748, 10.0, -5.0, 6.0, 0.8],
    "source": ["ARD EFF-ESSDAI-MCII"] * 4 + ["ARD EFF-ESSDAI-SUMMARY"] * 3 + ["n_responders / n_evaluable"],
})


def test_summarize_inputs():
    out = planning.summarize_inputs(PILOT)
    assert out["input"].tolist() == ["pilot_mcii", "pilot_sd", "control_joquer_hcq", "control_etap_placebo"]
    assert out["n_responders"].tolist()[2:] == [7.0, 29.0] and math.isnan(out["n_responders"].iloc[1])
    assert out["estimate"].tolist() == [0.8, 6.0, 0.5, 29 / 49]
    # SD 6 with n = 10 (df 9): chi-square 0.975 -> 19.023, 0.025 -> 2.700, 0.20 -> 5.380 (printed tables)
    sd = out.iloc[1]
    assert sd["ci_lower"] == pytest.approx(6 * math.sqrt(9 / 19.023), abs=2e-3)
    assert sd["ci_upper"] == pytest.approx(6 * math.sqrt(9 / 2.700), abs=5e-3)
    assert sd["upper_limit"] == pytest.approx(6 * math.sqrt(9 / 5.380), abs=2e-3)
    # control 7/14: exact 95 % CI 0.2304 to 0.7696 (symmetric around 0.5)
    assert out["ci_lower"].iloc[2] == pytest.approx(0.2304, abs=1e-4)
    assert out["ci_lower"].iloc[2] + out["ci_upper"].iloc[2] == pytest.approx(1.0)
    assert out["method"].tolist()[0] == "Pilot, ARD EFF-ESSDAI-MCII; exact Clopper-Pearson CI"
    assert out["method"].tolist()[3].startswith("Felten R et al. Ann Rheum Dis 2021;80:329-38, Table 3")
    assert out["label"].tolist()[2:] == ["ESSDAI MCII rate, control arm: HCQ (JOQUER)",
                                         "ESSDAI MCII rate, control arm: placebo (ETAP)"]


def test_derive_sd_bases_and_size_two_means():
    inputs = planning.summarize_inputs(PILOT)
    bases = planning.derive_sd_bases(inputs)
    assert bases["basis"].tolist() == ["pilot SD", "upper 80% confidence limit"]
    sized = planning.size_two_means(bases, delta=3.0, ratio=2.0, dropout=0.1)
    assert sized.loc[0, ["n_treatment", "n_control"]].tolist() == [96, 48]  # SD 6, Δ 3 (statsmodels, above)
    assert sized["n_total"].iloc[1] > sized["n_total"].iloc[0]  # the larger SD needs more patients
    assert (sized["power_exact"] >= 0.8).all()
    checked = planning.check_t_test_power(sized, seed=3)
    se = np.sqrt(checked["power_exact"] * (1 - checked["power_exact"]) / 10_000)
    assert (np.abs(checked["power_simulated"] - checked["power_exact"]) < 3 * se).all()


def test_check_power_at_n_adds_both_tests():
    s = pd.DataFrame({"scenario": ["x"], "n_treatment": [56], "n_control": [28], "p_treatment": [0.8],
                      "p_control": [0.5]})
    out = planning.check_power_at_n(s, seed=1)
    assert out.columns.tolist()[-5:] == ["power_normal", "power_chi2_exact", "power_chi2_simulated",
                                         "power_fisher_exact", "power_fisher_simulated"]
    exact_chi2 = compute_power_two_proportions(56, 28, 0.8, 0.5, test="chi2")
    assert out["power_chi2_exact"].iloc[0] == pytest.approx(exact_chi2)
    assert out["power_fisher_exact"].iloc[0] < out["power_chi2_exact"].iloc[0]


def test_fisher_table_larger_arms_matches_scipy():
    table = compute_pvalue_table(30, 17)
    for a, b in [(0, 0), (30, 0), (25, 6), (20, 11), (15, 9), (9, 12), (30, 17)]:
        expected = stats.fisher_exact([[a, 30 - a], [b, 17 - b]]).pvalue
        assert table[a, b] == pytest.approx(expected, rel=1e-9, abs=1e-15)


def _planning_rows():
    return _cached_planning_rows().copy()


@functools.lru_cache(maxsize=1)
def _cached_planning_rows():
    inputs = planning.summarize_inputs(PILOT)
    scen = planning.derive_scenarios(inputs)
    sized = planning.check_power_at_n(planning.size_scenarios(scen, test="fisher", dropout=0.1), n_sim=2000, seed=1)
    formula = planning.check_power_at_n(planning.size_scenarios(scen, dropout=0.1), n_sim=2000, seed=1)
    chg = planning.check_t_test_power(planning.size_two_means(planning.derive_sd_bases(inputs), delta=3.0),
                                      n_sim=2000, seed=1)
    design = planning.summarize_design(alpha=0.05, power=0.8, ratio=2.0, dropout=0.1, delta_chg=3.0)
    return pd.concat([
        melt_to_ard(inputs, category="input", analysis_id="PLAN-INPUTS"),
        melt_to_ard(sized, category="scenario", analysis_id="PLAN-MCII-SCENARIOS"),
        melt_to_ard(formula, category="scenario", analysis_id="PLAN-MCII-SCENARIOS-CHI2"),
        melt_to_ard(chg, category="basis", analysis_id="PLAN-CHG-N"),
        melt_to_ard(design, category="category", analysis_id="PLAN-DESIGN"),
    ], ignore_index=True)


def test_format_inputs_table():
    table = planning.format_inputs_table(_planning_rows())
    assert table.columns.tolist() == ["Input", "Estimate", "Uncertainty", "Source"]
    assert table["Estimate"].tolist() == ["8/10 (80.0%)", "6.00 (n = 10)", "7/14 (50.0%)", "29/49 (59.2%)"]
    assert table["Uncertainty"].iloc[0] == "95% CI 44.4% to 97.5%"
    assert table["Uncertainty"].iloc[2] == "95% CI 23.0% to 77.0%"
    assert table["Uncertainty"].iloc[1].startswith("95% CI 4.13 to 10.95; one-sided upper 80% limit 7.76")
    assert table["Input"].iloc[3] == "ESSDAI MCII rate, control arm: placebo (ETAP)"


def test_format_scenario_and_chg_tables():
    rows = _planning_rows()
    table = planning.format_scenario_table(rows)
    assert table["Scenario"].iloc[0] == "pilot posterior mean vs HCQ (JOQUER)"
    assert table.loc[0, "MCII rate, baricitinib + HCQ vs control"] == "75.0% vs 50.0%"  # 9/12 for 8/10
    # 0.75 vs 0.5, 2:1: the chi-square formula gives n_c = 42.25 -> 43 + 86; Fisher's test needs 46 + 92
    assert planning.sample_size_two_proportions(0.75, 0.5).n_control == 43
    assert planning.sample_size_exact_two_proportions(0.75, 0.5).n_control == 46
    assert table.loc[0, "Evaluable patients (Fisher's exact test)"] == "92 + 46 = 138"
    assert table.loc[0, "To randomise"] == "104 + 52 = 156"  # 46 / 0.9 = 51.1 -> 52, 2 x 52 = 104 (2:1)
    assert table.loc[0, "Chi-square formula: to randomise"] == "96 + 48 = 144"  # 86 / 0.9, 43 / 0.9
    fisher_at_formula = compute_power_two_proportions(86, 43, 0.75, 0.5)
    assert fisher_at_formula < 0.8
    assert table.loc[0, "Fisher's power at the formula's size (exact)"] == f"{100 * fisher_at_formula:.1f}%"
    chg = planning.format_chg_table(rows)
    assert chg.loc[0, "Evaluable patients"] == "96 + 48 = 144"
    assert chg.loc[0, "SD used"] == "pilot SD: 6.00"
    assert planning.format_design_note(rows) == ("Two-sided alpha 0.05; power 80%; allocation 2:1 "
                                                 "(baricitinib + HCQ : HCQ); dropout allowance 10%.")


def test_format_table_names_missing_analysis():
    with pytest.raises(KeyError, match="PLAN-CHG-N"):
        planning.format_chg_table(_planning_rows().query("analysis_id != 'PLAN-CHG-N'"))


@pytest.mark.slow
def test_notebook_runs_on_a_small_study(tmp_path):
    """Run notebook 05 through papermill on a hand-made adsl and adeff (no ARD) and check its ARD section."""
    import papermill

    from analysis_utils import io, paths, report
    chg = [-6.0, -5.0, -4.0, -2.0, -7.0, -9.0, -3.0, -5.0, -1.0, -8.0]
    ids = [f"S{i:02d}" for i in range(10)]
    base = pd.DataFrame({"USUBJID": ids, "PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVISITN": 0, "AVAL": 12.0,
                         "BASE": 12.0, "CHG": float("nan"), "PCHG": float("nan"), "CRIT1FL": ""})
    week12 = base.assign(AVISIT="Week 12", AVISITN=12, AVAL=[12.0 + c for c in chg], CHG=chg,
                         PCHG=[100 * c / 12 for c in chg], CRIT1FL=["Y" if c <= -3 else "N" for c in chg])
    io.write_processed(pd.DataFrame({"USUBJID": ids, "FASFL": "Y"}), "adsl", folder=tmp_path / "processed")
    io.write_processed(pd.concat([base, week12], ignore_index=True), "adeff", folder=tmp_path / "processed")
    papermill.execute_notebook(
        str(paths.NOTEBOOKS / "07_next_trial_planning.ipynb"), str(tmp_path / "out.ipynb"), cwd=str(paths.PROJECT_ROOT),
        parameters={"REPORTS_DIR": str(tmp_path / "reports"), "PROCESSED_DIR": str(tmp_path / "processed"),
                    "FIGURES_DIR": str(tmp_path / "figures"), "N_SIM": 2000, "N_SIM_TRIALS": 5}, progress_bar=False)
    ard = report.read_ard(tmp_path / "reports")
    assert set(ard["section"]) == {"planning"}
    # 8/10: posterior mean 9/12 = 0.75 vs 0.5, 2:1: Fisher's exact test needs 92 + 46 (test above)
    assert ard_get(ard, "n_total", "PLAN-MCII-SCENARIOS", "pilot posterior mean vs HCQ (JOQUER)") == 138.0
    assert ard_get(ard, "n_trials", "PLAN-TRIAL-SIMULATION", "pilot posterior mean vs HCQ (JOQUER)") == 5.0
    assert ard_get(ard, "n_responders", "PLAN-INPUTS", "pilot_mcii") == 8.0
    assert (tmp_path / "figures" / "planning_power_curves.png").exists()
    shown = tmp_path.joinpath("out.ipynb").read_text(encoding="utf-8")
    # 80% lower limit of 8/10, 0.63, vs ETAP's 0.59: beyond the exact search, and beyond the figure's axis
    assert "Beyond the figure's curves, which end at 900 evaluable patients, lies Table P.2's size for pilot 80% " \
           "lower limit vs placebo (ETAP), " in shown
    assert "that of baricitinib 2 mg, with or without HCQ (the export does not record it)" in shown  # no HCQFL


def ard_get(ard, stat_name, analysis_id, category):
    from analysis_utils.ard import get_stat
    return get_stat(ard, stat_name, analysis_id=analysis_id, category=category)


def test_notebook_parameters_match_documented_defaults():
    import ast
    import json

    from analysis_utils import paths
    nb = json.loads((paths.NOTEBOOKS / "07_next_trial_planning.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["report"] == {"section": "planning", "needs": ["02_scoring"]}
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids) and all(i.startswith("cell-") for i in ids)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    (params,) = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse("".join(params["source"])).body}
    assert values["PLANNED_N_TOTAL"] == planning.PLANNED_TRIAL["n_total"]
    assert values["N_CENTRES"] == planning.PLANNED_TRIAL["n_centres"]
    assert values["RATIO"] == 2.0 and values["SD_UPPER_LEVEL"] == planning.SD_UPPER_LEVEL
    assert values["POWER_TEST"] in planning.TESTS
    # the power curves reach the largest size Table P.2 searches exactly (846 for the shipped pilot's last scenario)
    assert max(values["N_TOTAL_GRID"]) == (1 + values["RATIO"]) * planning.EXACT_MAX_N_CONTROL == 900


def test_planning_inputs_missing_at_an_early_data_cut():
    # A data cut before any week-12 visit: the pilot ARD has baseline summaries only.
    from analysis_utils import endpoints
    adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": "Y", "DUE12FL": "N", "DUE24FL": "N"})
    adeff = pd.DataFrame({"USUBJID": ["a", "b"], "PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVISITN": 0,
                          "AVAL": [9.0, 7.0], "BASE": [9.0, 7.0], "CHG": np.nan, "PCHG": np.nan, "CRIT1FL": "",
                          "DTYPE": ""})
    pilot = endpoints.summarize_primary(adsl, adeff)
    assert planning.missing_pilot_inputs(pilot) == list(planning.PILOT_ARD_KEYS)
    assert planning.describe_missing_inputs(planning.missing_pilot_inputs(pilot)).startswith(
        "Not computed at this data cut: the pilot has no Week 12 ESSDAI MCII rate and SD of the ESSDAI change yet")


def test_a_randomised_export_is_not_planned_from_and_says_why():
    """Two planned arms: a randomised trial, whose pooled MCII rate is no pilot's; a single arm with its week-12
    results is planned ("")."""
    adsl = pd.DataFrame({"TRT01P": ["Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg", None], "TRT01PN": [2, 1, None]})
    assert planning.why_not_planned(adsl, pd.DataFrame()) == (
        "Not computed for this export: it is of a randomised trial (HCQ 400 mg, Baricitinib 4 mg + HCQ 400 mg), not "
        "of a single-arm pilot, from which this section would size a randomised trial. The between-arm comparisons "
        "of the efficacy section estimate the treatment effect.")
    pilot = synthetic.generate_trial()
    from analysis_utils import cleaning, endpoints, scoring
    ds = cleaning.derive_all(pilot)
    ard = endpoints.summarize_primary(ds["adsl"], scoring.derive_adeff(ds["adqs"]))
    assert planning.why_not_planned(ds["adsl"], ard) == ""
    assert planning.why_not_planned(ds["adsl"].drop(columns=["TRT01P", "TRT01PN"]), ard) == ""  # ADSL from elsewhere
    early = ard[ard["avisit"] != "Week 12"]
    assert planning.why_not_planned(ds["adsl"], early).startswith("Not computed at this data cut")


def test_the_arms_of_a_randomised_export_leave_the_section_out_and_an_early_cut_keeps_it():
    """randomised_arms: the test of why_not_planned, which notebook 07 also uses to leave the section out of a
    randomised trial's report (report.end_notebook(..., leave_out=True)); a pilot's single arm, or an ADSL without
    TRT01P, gives [] (an early data cut of the pilot keeps the section, with why_not_planned's explanation)."""
    adsl = pd.DataFrame({"TRT01P": ["Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg", None], "TRT01PN": [2, 1, None]})
    assert planning.randomised_arms(adsl) == ["HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg"]
    assert planning.randomised_arms(adsl.assign(TRT01P=["", "HCQ 400 mg", None])) == ["HCQ 400 mg", ""]
    assert planning.randomised_arms(adsl.assign(TRT01P="Baricitinib 2 mg")) == []
    assert planning.randomised_arms(adsl.drop(columns=["TRT01PN"])) == ["Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg"]
    assert planning.randomised_arms(adsl.drop(columns=["TRT01P"])) == []
    import json

    from analysis_utils import paths
    nb = json.loads((paths.NOTEBOOKS / "07_next_trial_planning.ipynb").read_text(encoding="utf-8"))
    source = "".join(next(c for c in nb["cells"] if c["id"] == "cell-03")["source"])
    assert "report.end_notebook(why_not, leave_out=bool(planning.randomised_arms(adsl)))" in source


def test_the_conclusion_gives_the_pilots_treatment_as_the_export_records_it():
    """The shipped pilot: 6 of its 11 patients took HCQ at baseline (conmeds.csv; Table 14.1.x "Hydroxychloroquine
    at baseline" 6 (54.5)), so its rate is not of baricitinib 2 mg alone."""
    from analysis_utils import cleaning
    adsl = cleaning.derive_all(synthetic.generate_trial())["adsl"]
    assert ((adsl["FASFL"] == "Y").sum(), (adsl["HCQFL"] == "Y").sum()) == (11, 6)
    text = planning.describe_pilot_limits(adsl)
    assert ("and its response rate is that of baricitinib 2 mg, with HCQ in only 6 of its 11 patients (at baseline), "
            "where the follow-on trial gives 4 mg with HCQ to every patient.") in text
    assert "alone" not in text
    # the full analysis set counts: a patient outside it is not one of the pilot's rate
    outside = adsl.assign(FASFL=["N"] + ["Y"] * 10, HCQFL=["Y"] + ["N"] * 10)
    assert "that of baricitinib 2 mg without HCQ, where" in planning.describe_pilot_limits(outside)


def test_a_size_beyond_the_power_curves_axis_is_named():
    """Table P.2's sizes (evaluable patients) above the axis's last size, in the table's order; a scenario not sized
    (no row) has no size to reach."""
    rows = planning.melt_to_ard(pd.DataFrame({"scenario": ["a", "b", "c", "d"], "n_total": [42, 846, 2400, math.nan]}),
                                category="scenario", analysis_id="PLAN-MCII-SCENARIOS")
    assert planning.describe_sizes_beyond_axis(rows, n_max=900) == (
        "Beyond the figure's curves, which end at 900 evaluable patients, lies Table P.2's size for c, 2400 evaluable "
        "patients: its curve does not reach the target power within the figure.")
    assert planning.describe_sizes_beyond_axis(rows, n_max=480).startswith(
        "Beyond the figure's curves, which end at 480 evaluable patients, lie Table P.2's sizes for b, 846 evaluable "
        "patients; c, 2400: their curves do not")
    assert planning.describe_sizes_beyond_axis(rows, n_max=2400) == ""


# --- exact sizes for Fisher's test; the planned trial simulated and analysed as planned -----------

def _fisher_power_by_enumeration(n_t, n_c, p_t, p_c, alpha=0.05):
    """Exact power typed afresh: every table, scipy's fisher_exact, binomial weights."""
    power = 0.0
    for x_t in range(n_t + 1):
        for x_c in range(n_c + 1):
            p = stats.fisher_exact([[x_t, n_t - x_t], [x_c, n_c - x_c]]).pvalue
            if p <= alpha * (1 + 1e-9):
                power += stats.binom.pmf(x_t, n_t, p_t) * stats.binom.pmf(x_c, n_c, p_c)
    return power


def test_fisher_power_at_small_n_by_enumeration():
    # 6 vs 3 patients, 0.95 vs 0.2. Tables with p <= 0.05 (hypergeometric probabilities by hand):
    # 6/6 vs 0/3 (1/84), 5/6 vs 0/3 (6/126), and the other direction 0/6 vs 3/3 (1/84), 1/6 vs 3/3 (6/126);
    # 6/6 vs 1/3 has p = 3/36 = 0.083 and 4/6 vs 0/3 has 15/126 + ... > 0.05.
    significant = [(6, 0), (5, 0), (0, 3), (1, 3)]
    for x_t, x_c in significant:
        assert stats.fisher_exact([[x_t, 6 - x_t], [x_c, 3 - x_c]]).pvalue <= 0.05
    assert stats.fisher_exact([[6, 0], [1, 2]]).pvalue == pytest.approx(3 / 36)
    assert stats.fisher_exact([[4, 2], [0, 3]]).pvalue > 0.05
    by_hand = (0.95 ** 6 * 0.8 ** 3 + 6 * 0.95 ** 5 * 0.05 * 0.8 ** 3
               + 0.05 ** 6 * 0.2 ** 3 + 6 * 0.95 * 0.05 ** 5 * 0.2 ** 3)
    assert compute_power_two_proportions(6, 3, 0.95, 0.2) == pytest.approx(by_hand, rel=1e-9)
    assert compute_power_two_proportions(6, 3, 0.95, 0.2) == pytest.approx(
        _fisher_power_by_enumeration(6, 3, 0.95, 0.2), rel=1e-9)
    assert compute_power_two_proportions(14, 7, 0.9, 0.3) == pytest.approx(
        _fisher_power_by_enumeration(14, 7, 0.9, 0.3), rel=1e-9)


def test_exact_sample_size_is_the_first_size_reaching_the_target_by_independent_enumeration():
    p_t, p_c = 0.95, 0.4
    size = planning.sample_size_exact_two_proportions(p_t, p_c, ratio=2.0)
    assert size.n_treatment == math.ceil(2 * size.n_control)
    powers = {n_c: _fisher_power_by_enumeration(2 * n_c, n_c, p_t, p_c) for n_c in range(2, size.n_control + 1)}
    assert powers[size.n_control] >= 0.8
    assert all(powers[n_c] < 0.8 for n_c in range(2, size.n_control))  # none smaller, searched from 2
    # the chi-square formula's size is smaller and leaves Fisher's test short of 80 %
    formula = sample_size_two_proportions(p_t, p_c, ratio=2.0)
    assert formula.n_control < size.n_control
    assert compute_power_two_proportions(formula.n_treatment, formula.n_control, p_t, p_c) < 0.8


def test_exact_sample_size_inflates_for_dropout_and_reports_the_formula_size():
    s = planning.sample_size_exact_two_proportions(0.75, 0.5, dropout=0.1)
    assert (s.n_treatment, s.n_control, s.n_treatment_inflated, s.n_control_inflated) == (92, 46, 104, 52)
    assert s.n_control_raw == pytest.approx(compute_n_control_two_proportions(0.75, 0.5, ratio=2.0))
    assert compute_power_two_proportions(90, 45, 0.75, 0.5) < 0.8 <= compute_power_two_proportions(92, 46, 0.75, 0.5)
    with pytest.raises(ValueError, match="does not reach power"):
        planning.sample_size_exact_two_proportions(0.75, 0.5, max_n_control=20)


def test_simulated_trial_design_is_the_generators_allocation():
    d = planning.simulate_trial_responders(0.8, 0.5, seed=3, dropout=0.1)
    assert d.columns.tolist() == ["USUBJID", "SITEID", "TRTP", "CRIT1FL"]
    # synthetic.allocate: 87 = 29 blocks of 3 over 8 centres, whole blocks: 29 = 8 x 3 + 5 -> five centres
    # of 4 blocks (12 patients), three of 3 blocks (9); every block 2 treated : 1 control.
    assert d.groupby("SITEID").size().tolist() == [12] * 5 + [9] * 3
    controls = d.groupby("SITEID")["TRTP"].apply(lambda a: int((a == planning.PLANNED_TRIAL["arms"][1]).sum()))
    assert controls.tolist() == [4] * 5 + [3] * 3
    layout = synthetic.allocate(87, 8, (2, 1), np.random.default_rng(0))
    assert d["SITEID"].tolist() == layout["SITEID"].tolist()  # the same centres, patient by patient
    assert set(d["CRIT1FL"]) <= {"Y", "N", ""}
    again = planning.simulate_trial_responders(0.8, 0.5, seed=3, dropout=0.1)
    pd.testing.assert_frame_equal(d, again)
    with pytest.raises(ValueError, match="positive integer"):
        planning.simulate_trial_responders(0.8, 0.5, ratio=1.5, seed=1)
    with pytest.raises(ValueError, match="at least 1"):
        planning.simulate_planned_trials(0)


def test_allocate_trials_permutes_each_block_of_allocate():
    centre, treated = synthetic.allocate_trials(4000, 10, 3, (2, 1), np.random.default_rng(4))
    # allocate(10, 3, (2, 1)): 3 whole blocks, one per centre, and 1 patient of a fourth block in centre 3.
    assert centre.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    assert (treated[:, :9].reshape(4000, 3, 3).sum(axis=2) == 2).all()  # every whole block 2 : 1
    # each position of a block is treated with probability 2/3, the partial block's patient too
    assert np.abs(treated.mean(axis=0) - 2 / 3).max() < 4 * math.sqrt(2 / 9 / 4000)
    # all 3 orders of a block occur about equally often
    orders = np.unique(treated[:, :3], axis=0, return_counts=True)[1]
    assert len(orders) == 3 and np.abs(orders / 4000 - 1 / 3).max() < 4 * math.sqrt(2 / 9 / 4000)


def test_count_responder_tables_hand_worked():
    # 2 trials, 4 patients in 2 centres. Trial 1: centre 1 T responds (u 0.1 < 0.6), C does not (0.7 >= 0.4);
    # centre 2 T does not (0.9), C drops out. Trial 2: everybody responds except the C in centre 1 (0.5).
    t = planning.SimulatedTrials(
        centre=np.array([0, 0, 1, 1]),
        treated=np.array([[True, False, True, False], [False, True, True, False]]),
        evaluable=np.array([[True, True, True, False], [True, True, True, True]]),
        u=np.array([[0.1, 0.7, 0.9, 0.0], [0.5, 0.2, 0.3, 0.1]]), n_centres=2)
    tables = planning.count_responder_tables(t, 0.6, 0.4)
    assert tables.tolist() == [[[[1, 0], [0, 1]], [[0, 1], [0, 0]]],
                               [[[1, 0], [0, 1]], [[1, 0], [1, 0]]]]
    # the same counts as the datasets of the trials
    for i in range(2):
        d = planning.trial_dataset(t, i, 0.6, 0.4)
        assert d["CRIT1FL"].eq("").sum() == (~t.evaluable[i]).sum()
        assert (d["CRIT1FL"] == "Y").sum() == tables[i, :, :, 0].sum()


def test_vectorised_analysis_equals_compare_arms_responders_on_a_sample():
    """The vectorised analysis of every simulated trial gives compare_arms_responders' p-value to 1e-10.

    Scenarios chosen so that both rules occur: 87 patients at high rates fail the Mantel-Fleiss
    criterion (Fisher's test), moderate rates pass it (CMH); 30 patients in 8 centres are sparse.
    """
    cases = [(87, 0.10, 0.95, 0.6), (87, 0.10, 0.85, 0.5), (87, 0.0, 0.6, 0.6), (30, 0.2, 0.8, 0.4)]
    rules = set()
    for n_total, dropout, p_t, p_c in cases:
        trials = planning.simulate_planned_trials(400, n_total=n_total, dropout=dropout, seed=n_total)
        p, cmh = comparisons.compare_responder_tables(planning.count_responder_tables(trials, p_t, p_c))
        sample = np.arange(0, 400, 16)  # 25 trials per case
        ref = planning.analyse_trials_one_by_one(trials, sample, p_t, p_c)
        np.testing.assert_allclose(p[sample], ref["p_value"], rtol=0, atol=1e-10)
        assert cmh[sample].tolist() == ref["by_cmh"].tolist()
        rules |= set(cmh[sample].tolist())
    assert rules == {True, False}


def test_planned_trial_simulation_analyses_each_trial_with_the_between_arm_function():
    scen = pd.DataFrame({"scenario": ["s"], "p_treatment": [0.85], "p_control": [0.5]})
    one = planning.simulate_planned_trial_power(scen, n_trials=1, dropout=0.1, seed=5)
    # the first simulated trial is simulate_trial_responders with the same seed: analyse it by hand
    trial = planning.simulate_trial_responders(0.85, 0.5, dropout=0.1, seed=5)
    diff = comparisons.compare_arms_responders(trial, arm="TRTP", reference="HCQ 400 mg", strata="SITEID")
    assert one["power_simulated"].iloc[0] == float(diff.differences["p_value"].iloc[0] <= 0.05)
    assert one["share_cmh"].iloc[0] == float("CMH test stratified" in diff.differences["method"].iloc[0])
    # beside it, the formula at the expected evaluable numbers 87 x 2/3 x 0.9 = 52.2 and 87 x 1/3 x 0.9 = 26.1
    assert one["power_normal"].iloc[0] == pytest.approx(
        float(planning.compute_power_two_proportions_normal(52.2, 26.1, 0.85, 0.5)))
    assert one["power_fisher_exact"].iloc[0] == pytest.approx(compute_power_two_proportions(52, 26, 0.85, 0.5))


def test_planned_trial_simulation_is_reproducible_and_reports_progress(capsys):
    scen = pd.DataFrame({"scenario": ["a", "b"], "p_treatment": [0.9, 0.6], "p_control": [0.5, 0.5]})
    a = planning.simulate_planned_trial_power(scen, n_trials=25, seed=2, progress=True)
    err = capsys.readouterr().err.splitlines()
    # ten chunks of 2 or 3 trials (25 = 5 x 3 + 5 x 2), both scenarios: a counter without timings
    assert err[0] == "simulated trials analysed: 6/50" and err[-1] == "simulated trials analysed: 50/50"
    assert len(err) == 10
    b = planning.simulate_planned_trial_power(scen, n_trials=25, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert (a["power_simulated_se"] == np.sqrt(a["power_simulated"] * (1 - a["power_simulated"]) / 25)).all()
    # the power is the share of the trials whose vectorised p-value is significant
    trials = planning.simulate_planned_trials(25, seed=2)
    p, _ = comparisons.compare_responder_tables(planning.count_responder_tables(trials, 0.9, 0.5))
    assert a["power_simulated"].iloc[0] == np.mean(p <= 0.05)
    assert planning.N_PLANNED_TRIALS == 2000


def test_simulated_power_agrees_with_the_formula_at_large_n():
    # 300 patients, 2:1, 8 centres, no dropout, 0.65 vs 0.5: the CMH test without continuity correction
    # behaves like the uncorrected chi-square test, whose power the normal formula gives (0.70).
    scen = pd.DataFrame({"scenario": ["x"], "p_treatment": [0.65], "p_control": [0.5]})
    out = planning.simulate_planned_trial_power(scen, n_trials=150, n_total=300, seed=11).iloc[0]
    expected = float(planning.compute_power_two_proportions_normal(200, 100, 0.65, 0.5))
    assert expected == pytest.approx(0.70, abs=0.01)
    se = math.sqrt(expected * (1 - expected) / 150)
    assert abs(out["power_simulated"] - expected) < 3 * se
    assert out["share_cmh"] == 1.0


def test_format_simulation_table():
    scen = pd.DataFrame({"scenario": ["a"], "p_treatment": [0.9], "p_control": [0.5]})
    sim = planning.simulate_planned_trial_power(scen, n_trials=4, seed=1)
    rows = melt_to_ard(sim, category="scenario", analysis_id="PLAN-TRIAL-SIMULATION")
    table = planning.format_simulation_table(rows)
    r = sim.iloc[0]
    assert table.columns.tolist()[2] == "Power, simulated trials analysed as planned (MC SE)"
    assert table.iloc[0, 2] == f"{100 * r['power_simulated']:.1f}% ({100 * r['power_simulated_se']:.1f}%)"
    assert table.iloc[0, 1] == "90.0% vs 50.0%"
    assert rows["method"].iloc[0].startswith("4 simulated trials of 87 patients, 2:1")


def test_format_scenario_table_without_exact_power():
    """Sizes beyond EXACT_MAX_N_CONTROL get no exact power; the ARD drops NaN, so no row holds the stat.

    A trial with a precise pilot estimate (the 10,000-patient benchmark) sizes every scenario that large;
    the tables then show "-" instead of failing.
    """
    no_power = {"power_fisher_exact", "power_fisher_simulated"}
    rows = _planning_rows()
    rows = rows[~(rows["analysis_id"].str.startswith("PLAN-MCII-SCENARIOS") & rows["stat_name"].isin(no_power))]
    table = planning.format_scenario_table(rows)
    assert set(table["Power of Fisher's test at that size: exact / simulated"]) == {"-"}
    assert set(table["Fisher's power at the formula's size (exact)"]) == {"-"}
    assert table.loc[0, "Evaluable patients (Fisher's exact test)"] == "92 + 46 = 138"


# --- fast exact power: the same decisions as the p-value tables -----------------------------------

@pytest.mark.parametrize("n_t, n_c", [(1, 1), (3, 3), (6, 3), (3, 6), (20, 10), (44, 22), (90, 45), (161, 80)])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_rejection_tables_make_the_same_decisions_as_the_pvalues(n_t, n_c, alpha):
    for test in planning.TESTS:
        expected = planning._rejects(compute_pvalue_table(n_t, n_c, test=test), alpha)
        table = planning._rejection_table(n_t, n_c, test, alpha)
        assert table.shape == (n_t + 1, n_c + 1) and (table == expected).all()
        assert not table.flags.writeable and planning._rejection_table(n_t, n_c, test, alpha) is table  # kept


def test_fisher_rejection_region_hand_worked():
    # 3 vs 3 at alpha 0.1: only 3/3 vs 0/3 and 0/3 vs 3/3 have p = 2/20 = 0.1 (compute_pvalue_table doctest).
    table = planning._rejection_table(3, 3, "fisher", 0.1)
    assert np.argwhere(table).tolist() == [[0, 3], [3, 0]]
    with pytest.raises(ValueError, match="test must be one of"):
        planning._rejection_table(3, 3, "z", 0.1)


def test_search_power_leaves_out_only_negligible_outcomes():
    for n_t, n_c, p_t, p_c in [(62, 31, 0.8, 0.5), (564, 282, 0.6915, 29 / 49), (20, 10, 1.0, 0.3)]:
        exact = compute_power_two_proportions(n_t, n_c, p_t, p_c)
        # the same outcomes; only the order of the sums differs (rounding, about 1e-15)
        assert planning._search_power(n_t, n_c, p_t, p_c, test="fisher", alpha=0.05) == pytest.approx(exact, abs=1e-13)
    assert planning.NEGLIGIBLE_PROBABILITY == 1e-20


def test_headline_sizes_of_the_planning_scenarios():
    # Sizes of the report's six scenarios (pilot 10/10; JOQUER 7/14, ETAP 29/49; 2:1; 10 % dropout),
    # as found by the exhaustive search of every size from 0.9 x the formula with the full p-value tables.
    inputs = pd.DataFrame({"input": ["pilot_mcii", "control_a", "control_b"], "n_responders": [10, 7, 29],
                           "n": [10, 14, 49], "estimate": [1.0, 0.5, 29 / 49],
                           "label": ["pilot", "control arm: A", "control arm: B"]})
    sized = size_scenarios(derive_scenarios(inputs), test="fisher", ratio=2.0, dropout=0.1)
    assert sized["n_total"].tolist() == [42, 60, 66, 108, 243, 846]
    # to randomise: the control arm / 0.9, rounded up, and twice that (2:1): 14 -> 16 + 32, 20 -> 23 + 46, 22 -> 25
    # + 50, 36 -> 40 + 80, 81 -> 90 + 180, 282 -> 314 + 628 (each arm rounded on its own gave 68, 74 and 941)
    assert sized["n_total_inflated"].tolist() == [48, 69, 75, 120, 270, 942]
    assert all(t == 2 * c for t, c in zip(sized["n_treatment_inflated"], sized["n_control_inflated"]))


def test_binomial_draws_by_inversion():
    rng = np.random.default_rng(8)
    draws = planning._binomial_draws(rng, np.array([10, 40, 5]), np.array([0.3, 0.9, 0.0]), 20_000)
    assert draws.shape == (3, 20_000)
    # mean n p, variance n p (1 - p): 3 and 2.1; 36 and 3.6; p = 0 gives 0 always
    assert draws[0].mean() == pytest.approx(3.0, abs=4 * math.sqrt(2.1 / 20_000))
    assert draws[1].mean() == pytest.approx(36.0, abs=4 * math.sqrt(3.6 / 20_000))
    assert draws[0].var() == pytest.approx(2.1, rel=0.05) and draws[1].var() == pytest.approx(3.6, rel=0.05)
    assert (draws[2] == 0).all() and draws[0].min() >= 0 and draws[1].max() <= 40
    again = planning._binomial_draws(np.random.default_rng(8), np.array([10, 40, 5]), np.array([0.3, 0.9, 0.0]), 20_000)
    assert (again == draws).all()


def test_planned_power_in_words_names_the_scenarios_short_of_the_target():
    """The section's conclusion from Table P.3's rows: 90.4 % and 69.7 % against a target of 80 % (one met, one
    short); all met; none met; Fisher's exact power above the simulated one in one scenario of two; differences
    taken as the table shows them (90.4 - 87.3 = 3.1) and set against twice the Monte Carlo SE (0.4 points is within
    2 x 0.3); a scenario without a simulated power left out."""
    def rows(power, fisher, se=(0.0066, 0.0103)):
        return pd.DataFrame({"analysis_id": "PLAN-TRIAL-SIMULATION", "method": "", "label": "",
                             "category": [c for c in "ab" for _ in range(4)],
                             "stat_name": ["n_total", "power_simulated", "power_simulated_se",
                                           "power_fisher_exact"] * 2,
                             "stat_value": [87, power[0], se[0], fisher[0], 87, power[1], se[1], fisher[1]]})

    assert planning.describe_planned_power(rows((0.904, 0.697), (0.873, 0.65)), target=0.8) == (
        "At the protocol's 87 patients the planned analysis reaches 80% power in 1 of the 2 scenarios (90.4%); it "
        "falls short in the other: b, 69.7%. Its simulated power is above Fisher's exact power at the same expected "
        "numbers of evaluable patients in both scenarios (by 3.1 to 4.7 points, more than twice the simulation's "
        "standard error in both): Fisher's sizes are, if anything, larger than the planned analysis needs.")
    assert planning.describe_planned_power(rows((0.95, 0.9), (0.96, 0.85)), target=0.8) == (
        "At the protocol's 87 patients the planned analysis reaches 80% power in both scenarios (90.0% or more). "
        "Its simulated power is above Fisher's exact power at the same expected numbers of evaluable patients in 1 "
        "of the 2 scenarios (by 5.0 points, more than twice the simulation's standard error in all).")
    assert planning.describe_planned_power(rows((0.984, 0.4), (0.9796, 0.35), se=(0.003, 0.01)), target=0.8) == (
        "At the protocol's 87 patients the planned analysis reaches 80% power in 1 of the 2 scenarios "
        "(98.4%); it falls short in the other: b, 40.0%. Its simulated power is above Fisher's exact power at the "
        "same expected numbers of evaluable patients in both scenarios (by 0.4 to 5.0 points, more than twice the "
        "simulation's standard error in 1 of them): Fisher's sizes are, if anything, larger than the planned analysis "
        "needs.")
    assert planning.describe_planned_power(rows((0.5, 0.4), (0.45, 0.35)), target=0.8) == (
        "At the protocol's 87 patients the planned analysis falls short of 80% power in every scenario: a, 50.0%; b, "
        "40.0%. Its simulated power is above Fisher's exact power at the same expected numbers of evaluable patients "
        "in both scenarios (by 5.0 points, more than twice the simulation's standard error in both): Fisher's sizes "
        "are, if anything, larger than the planned analysis needs.")
    one = rows((0.9, float("nan")), (0.85, 0.8))
    assert planning.describe_planned_power(one[one["stat_value"].notna()], target=0.8).startswith(
        "At the protocol's 87 patients the planned analysis reaches 80% power in the scenario (90.0%).")


def test_pilot_inputs_in_words_with_every_patient_assessed_and_with_two_not():
    """describe_inputs' other branches: no patient of the full analysis set missed (10 of 10), and two (10 of 12:
    83.3 %, "non-responders")."""
    pilot = pd.DataFrame({"input": ["n_responders", "n_evaluable", "ci_lower", "ci_upper", "chg_n", "chg_mean",
                                    "chg_sd", "rate"], "value": [10, 10, 0.6915, 1.0, 10, -5.4, 1.7764, 1.0],
                          "source": "adeff"})
    rows = planning.melt_to_ard(planning.summarize_inputs(pilot), category="input", analysis_id="PLAN-INPUTS")
    assert planning.describe_inputs(rows, n_fas=10).startswith(
        "The pilot's MCII rate, 10/10 (100.0%) of the patients assessed at the primary visit, has an exact 95% CI of "
        "69.2% to 100.0%. The SD")
    assert ("; with the 2 patients of the full analysis set not assessed counted as non-responders it is 10/12 "
            "(83.3%). ") in planning.describe_inputs(rows, n_fas=12)
