"""Planning the randomised follow-up trial from the pilot: sample sizes and power.

The pilot (11 patients, one arm, open label) gives an ESSDAI MCII rate and an SD of the ESSDAI
change; a comparator rate comes from the literature. This module turns those into

- sample sizes for a binary primary endpoint (MCII at week 12) with an allocation ratio and a
  dropout allowance: for the test the trial will use, by an exact power search for Fisher's exact
  test (``sample_size_exact_two_proportions``), and, for comparison, by the normal approximation
  that targets the uncorrected chi-square test (``sample_size_two_proportions``);
- sample sizes for the ESSDAI change (two-sample t-test, exact noncentral t) with the pilot SD or
  an upper confidence limit of it (``sample_size_two_means``, ``compute_sd_limits``);
- the power of the tests that would actually be used: Fisher's exact test or the Pearson
  chi-square test for MCII (exactly by enumeration, ``compute_power_two_proportions``, and by
  simulation, ``simulate_power_two_proportions``), the pooled two-sample t-test for the change
  (``simulate_power_t_test``), all vectorised with numpy;
- the pilot's inputs with their uncertainty, from the efficacy ARD rows of ESSDAI
  (``collect_pilot_inputs``, ``summarize_inputs``, ``compute_sd_limits``, ``compute_sd_upper_limit``);
- the planning scenarios: the pilot's MCII rate as a posterior mean and as lower confidence limits
  (``PILOT_RATE_ASSUMPTIONS``, ``compute_pilot_rate``) against published control-arm rates
  (``CONTROL_RATES``), crossed by ``derive_scenarios`` and sized by ``size_scenarios``
  (``check_power_at_n``), a power grid (``make_power_grid``, ``summarize_power_grid``), the
  continuous-endpoint sizes (``derive_sd_bases``, ``size_two_means``, ``check_t_test_power``),
  their ARD rows (``melt_to_ard``) and display tables (``format_*``; rounding via ``tables``);
- the power of the planned trial itself (``PLANNED_TRIAL``: 87 patients, 2:1, 8 centres) by
  simulating many trials at once with the randomised example generator's allocation
  (``simulate_planned_trials``, ``synthetic.allocate_trials``) and analysing each by the rule of the
  project's between-arm responder analysis, ``comparisons.compare_arms_responders`` (CMH test
  stratified by centre, or Fisher's exact test where strata are sparse), vectorised
  (``comparisons.compare_responder_tables``; the per-trial analysis on a sample,
  ``analyse_trials_one_by_one``, is the reference): ``simulate_planned_trial_power``, beside the
  formula's figure.

Conventions: ``ratio`` is the allocation k = n_treatment / n_control (2.0 for the 2:1 follow-on
protocol: Bai W et al. Trials 2023); tests are two-sided at level ``alpha``; ``dropout`` is the fraction of
randomised patients expected to give no primary-endpoint data. Sample sizes are rounded up
only at the steps documented in ``sample_size_two_proportions``.

References
----------
- Fleiss JL, Levin B, Paik MC. Statistical Methods for Rates and Proportions, 3rd ed. Wiley 2003, §4.2-4.4.
- Chow SC, Shao J, Wang H. Sample Size Calculations in Clinical Research, 2nd ed. Chapman & Hall 2008, §4.2.
- Fleiss JL, Tytun A, Ury HK. A simple approximation for calculating sample sizes for comparing
  independent proportions. Biometrics 1980;36:343-6.
- Browne RH. On the use of a pilot sample for sample size determination. Stat Med 1995;14:1933-40.
- Sim J, Lewis M. The size of a pilot study for a clinical trial should be calculated in relation
  to considerations of precision and efficiency. J Clin Epidemiol 2012;65:301-8.
- Seror R et al. Ann Rheum Dis 2016;75:382-9, Table 5 (JOQUER MCII rates).
- Felten R et al. Interleukin 6 receptor inhibition in primary Sjögren syndrome: a multicentre
  double-blind randomised placebo-controlled trial (ETAP). Ann Rheum Dis 2021;80:329-38, Table 3.
- Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of the
  binomial. Biometrika 1934;26:404-13.
- Bai W et al. Trials 2023;24:212, doi 10.1186/s13063-023-07087-5 (the follow-on protocol: 87
  patients, 2:1, 8 centres, ESSDAI MCII at week 12).
"""

import functools
import math
import sys
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis_utils import ard as ard_mod
from analysis_utils.endpoints import compute_clopper_pearson
from analysis_utils.tables import format_number

#: ESSDAI MCII rates (decrease >= 3 points) in JOQUER among patients with baseline ESSDAI >= 5,
#: as (responders, patients): Seror R et al. Ann Rheum Dis 2016;75:382-9, Table 5, row "JOQUER"
#: (arm rows of that table). The follow-on trial compares baricitinib + HCQ with HCQ, so the HCQ arm is
#: the natural control-arm assumption. Whether the trial's designers used it is not known.
JOQUER_MCII = MappingProxyType({"hydroxychloroquine": (7, 14), "placebo": (10, 18)})

#: Relative tolerance when comparing table probabilities in Fisher's two-sided exact test: a table
#: counts as "as or less likely" than the observed one if its probability is at most
#: (1 + 1e-7) x the observed one (the tolerance of R's ``fisher.test``; floating-point ties).
FISHER_RELATIVE_TOLERANCE = 1e-7

#: A p-value counts as significant if p <= alpha x (1 + 1e-9): p-values of discrete tests can equal
#: alpha exactly (Fisher's test of 3/3 versus 0/3 gives 0.1), and their floating-point value may
#: then exceed alpha in the last bit (0.10000000000000002).
PVALUE_RELATIVE_TOLERANCE = 1e-9

#: ESSDAI 3-point decrease at week 12 in the ETAP trial of tocilizumab in primary Sjögren's syndrome
#: (baseline ESSDAI >= 5), as (responders, patients): Felten R et al. Ann Rheum Dis 2021;80:329-38,
#: Table 3, row "3-point decrease in ESSDAI", W12: tocilizumab 29/49 (59.2 %), placebo 29/49 (59.2 %).
#: Control arms of pSS trials respond often; the placebo arm is the upper control-arm assumption.
ETAP_MCII_WEEK12 = MappingProxyType({"tocilizumab": (29, 49), "placebo": (29, 49)})

#: Control-arm MCII rates assumed for the follow-on trial (HCQ alone), one row per published arm:
#: ``key`` (ARD input name), ``control`` (display name), ``n_responders``, ``n`` and ``source``.
#: JOQUER's HCQ arm is the same treatment as the follow-on's control arm; ETAP's placebo arm shows
#: how often a control arm of a pSS trial reaches the MCII by week 12 (no HCQ trial reports it).
CONTROL_RATES = pd.DataFrame({
    "key": ["control_joquer_hcq", "control_etap_placebo"],
    "control": ["HCQ (JOQUER)", "placebo (ETAP)"],
    "n_responders": [JOQUER_MCII["hydroxychloroquine"][0], ETAP_MCII_WEEK12["placebo"][0]],
    "n": [JOQUER_MCII["hydroxychloroquine"][1], ETAP_MCII_WEEK12["placebo"][1]],
    "source": ["Seror R et al. Ann Rheum Dis 2016;75:382-9, Table 5, JOQUER hydroxychloroquine arm, "
               "baseline ESSDAI 5 or more, MCII 7/14",
               "Felten R et al. Ann Rheum Dis 2021;80:329-38, Table 3, ETAP placebo arm, "
               "3-point ESSDAI decrease at week 12, 29/49"],
})

#: Treatment-arm MCII rates derived from the pilot's x/n responders, from its uncertainty rather than
#: its point estimate (an uncontrolled 11-patient pilot: 10/10 at face value would be a degenerate
#: 100 % arm without variance). ``kind``: ``"posterior_mean"`` = mean of the Beta(1 + x, 1 + n - x)
#: posterior under a uniform prior, (x + 1) / (n + 2) (Laplace); ``"lower"`` = the one-sided
#: Clopper-Pearson (1934) lower limit at ``level`` (0.80: the level Browne 1995 recommends for the
#: pilot SD, ``SD_UPPER_LEVEL``; 0.975: the lower limit of the two-sided exact 95 % CI).
PILOT_RATE_ASSUMPTIONS = pd.DataFrame({
    "assumption": ["pilot posterior mean", "pilot 80% lower limit", "pilot 95% CI lower limit"],
    "kind": ["posterior_mean", "lower", "lower"],
    "level": [math.nan, 0.80, 0.975],
    "method": ["Mean of the Beta(1 + x, 1 + n - x) posterior of the pilot rate (uniform prior)",
               "One-sided 80% Clopper-Pearson lower limit of the pilot rate",
               "Lower limit of the two-sided exact (Clopper-Pearson) 95% CI of the pilot rate"],
})

#: The planned follow-on trial (Bai W et al. Trials 2023): patients randomised, allocation ratio
#: n_treatment / n_control, centres (randomisation stratified by centre in the simulation), the arm
#: names (ADaM TRTP) with the control (reference) arm last.
PLANNED_TRIAL = MappingProxyType({
    "n_total": 87, "ratio": 2, "n_centres": 8,
    "arms": ("Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg"),
})

#: Labels of the pilot's planning inputs (the control-arm rows are labelled from ``CONTROL_RATES``).
INPUT_LABELS = MappingProxyType({
    "pilot_mcii": "ESSDAI MCII rate, pilot (baricitinib 2 mg, single arm)",
    "pilot_sd": "SD of the ESSDAI change, pilot",
})

#: One-sided level of the upper confidence limit of the pilot SD used for planning (Browne 1995
#: recommends an upper one-sided 80 % limit; Sim & Lewis 2012 discuss 80-95 %).
SD_UPPER_LEVEL = 0.80


@dataclass(frozen=True)
class SampleSize:
    """Sample size of a two-arm trial, before and after the dropout allowance.

    Attributes
    ----------
    n_treatment, n_control, n_total : int
        Patients with evaluable primary-endpoint data per arm and in total.
    n_treatment_inflated, n_control_inflated, n_total_inflated : int
        Patients to randomise: the control arm divided by (1 - dropout) and rounded up, the treatment arm the
        allocation ratio times that (``_round_arms``).
    n_control_raw : float
        The formula's control-arm size before rounding, for checking by hand (for
        ``sample_size_two_means``: the normal approximation).
    """

    n_treatment: int
    n_control: int
    n_total: int
    n_treatment_inflated: int
    n_control_inflated: int
    n_total_inflated: int
    n_control_raw: float


def _ceil(x: float) -> int:
    """Round up, taking values within 1e-9 of an integer as that integer (42 / (1 - 0.3) = 60.00000000000001 -> 60)."""
    return math.ceil(round(x, 9))


def _check_design(*, ratio: float, alpha: float, power: float, dropout: float = 0.0) -> None:
    if not ratio > 0 or not math.isfinite(ratio):
        raise ValueError(f"allocation ratio must be a positive number (n_treatment / n_control), got {ratio!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")


def _check_rates(p_treatment: float, p_control: float) -> None:
    for name, p in (("p_treatment", p_treatment), ("p_control", p_control)):
        if not 0 <= p <= 1:
            raise ValueError(f"{name} must be a proportion in [0, 1], got {p!r}")
    if p_treatment == p_control:
        raise ValueError(
            f"p_treatment == p_control == {p_treatment!r}: no difference to detect, so no finite sample size")
    if p_treatment * (1 - p_treatment) + p_control * (1 - p_control) == 0:
        raise ValueError(
            f"p_treatment={p_treatment!r}, p_control={p_control!r}: both rates are 0 or 1, so the outcome has "
            "no variance under the alternative and the normal approximation does not apply")


def compute_n_control_two_proportions(
    p_treatment: float, p_control: float, *, ratio: float = 2.0, alpha: float = 0.05,
    power: float = 0.8, variance: str = "pooled",
) -> float:
    """Compute the unrounded control-arm size for comparing two proportions (normal approximation).

    With k = ``ratio`` = n_t / n_c, Δ = p_t - p_c, q = 1 - p and z_x the standard normal x-quantile:

    - ``variance="pooled"`` (Fleiss, Levin & Paik 2003 §4.2; Chow, Shao & Wang 2008 §4.2): the
      pooled variance under H0, the unpooled one under H1, p̄ = (k p_t + p_c) / (1 + k),

      n_c = [z_{1-α/2} sqrt(p̄ q̄ (1 + 1/k)) + z_{1-β} sqrt(p_c q_c + p_t q_t / k)]² / Δ²;

    - ``variance="unpooled"``: the unpooled variance under both hypotheses,

      n_c = (z_{1-α/2} + z_{1-β})² (p_c q_c + p_t q_t / k) / Δ².

    Parameters
    ----------
    p_treatment, p_control : float
        Response rates in [0, 1], different, not both 0 or 1.
    ratio : float, default 2.0
        Allocation k = n_treatment / n_control.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Target power 1 - β.
    variance : {'pooled', 'unpooled'}, default 'pooled'

    Returns
    -------
    float
        n_c before rounding.

    Examples
    --------
    >>> round(compute_n_control_two_proportions(0.6, 0.3, ratio=1.0), 2)
    41.97
    >>> round(compute_n_control_two_proportions(0.6, 0.3, ratio=2.0, variance="unpooled"), 2)
    28.78
    """
    _check_design(ratio=ratio, alpha=alpha, power=power)
    _check_rates(p_treatment, p_control)
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    k, pt, pc = ratio, p_treatment, p_control
    sd_h1 = math.sqrt(pc * (1 - pc) + pt * (1 - pt) / k)
    if variance == "pooled":
        p_bar = (k * pt + pc) / (1 + k)
        sd_h0 = math.sqrt(p_bar * (1 - p_bar) * (1 + 1 / k))
    elif variance == "unpooled":
        sd_h0 = sd_h1
    else:
        raise ValueError(f"variance must be 'pooled' or 'unpooled', got {variance!r}")
    return float((z_a * sd_h0 + z_b * sd_h1) ** 2 / (pt - pc) ** 2)


def compute_continuity_correction(n_control: float, delta: float, *, ratio: float = 2.0) -> float:
    """Apply the Fleiss, Tytun & Ury (1980) continuity correction to an unrounded control-arm size.

    n_cc = n/4 · (1 + sqrt(1 + 2 (k + 1) / (k n |Δ|)))², with n = n_c, k = n_t / n_c and Δ = p_t - p_c.
    It approximates the size needed by the continuity-corrected chi-square test (and, roughly, by
    Fisher's exact test).

    Examples
    --------
    >>> round(compute_continuity_correction(41.97, 0.3, ratio=1.0), 2)
    48.41
    """
    n, k = n_control, ratio
    return float(n / 4 * (1 + math.sqrt(1 + 2 * (k + 1) / (k * n * abs(delta)))) ** 2)


def _round_arms(n_control_raw: float, *, ratio: float, dropout: float) -> SampleSize:
    """Whole patients: the control arm rounded up and the treatment arm ``ratio`` times it; to randomise, the control
    arm divided by (1 - dropout) and rounded up, the treatment arm ``ratio`` times that (rounded up, and never below its
    own evaluable size divided by (1 - dropout)): the numbers to randomise keep a whole-number allocation, whole blocks
    of 3 at 2:1 (another ratio, 1.5, only as nearly as whole patients allow). Each arm inflated and rounded on its own
    would give 45 + 23 for 40 + 20 evaluable patients, which no 2:1 randomisation allocates; this gives 46 + 23
    (20 / 0.9 = 22.2, 23; 2 x 23 = 46).

    >>> s = _round_arms(20.0, ratio=2.0, dropout=0.1)
    >>> (s.n_treatment, s.n_control), (s.n_treatment_inflated, s.n_control_inflated, s.n_total_inflated)
    ((40, 20), (46, 23, 69))
    """
    n_c = _ceil(n_control_raw)
    n_t = _ceil(ratio * n_c)
    n_c_inf = _ceil(n_c / (1 - dropout))
    n_t_inf = max(_ceil(ratio * n_c_inf), _ceil(n_t / (1 - dropout)))
    return SampleSize(n_t, n_c, n_t + n_c, n_t_inf, n_c_inf, n_t_inf + n_c_inf, float(n_control_raw))


def sample_size_two_proportions(
    p_treatment: float, p_control: float, *, ratio: float = 2.0, alpha: float = 0.05,
    power: float = 0.8, dropout: float = 0.0, continuity: bool = False,
) -> SampleSize:
    """Compute the sample size to compare two response rates, with allocation ratio and dropout.

    Method: the normal approximation with the pooled variance under H0 and the unpooled variance
    under H1 (``compute_n_control_two_proportions``, Fleiss, Levin & Paik 2003 §4.2; Chow, Shao &
    Wang 2008 §4.2), optionally with the Fleiss, Tytun & Ury (1980) continuity correction. Then:
    n_control = ceil(formula); n_treatment = ceil(ratio x n_control); to randomise, n_control divided by
    (1 - dropout) and rounded up, and the treatment arm ratio times that (``_round_arms``: the numbers to randomise
    keep the allocation ratio). The uncorrected size targets the
    Pearson chi-square test without continuity correction; Fisher's exact test needs more
    (about the continuity-corrected size).

    Parameters
    ----------
    p_treatment, p_control : float
        Expected response rates in [0, 1]. A rate of 0 or 1 is allowed when the other arm's rate
        has variance (0 < p < 1).
    ratio : float, default 2.0
        Allocation k = n_treatment / n_control (2.0 = 2:1 as in the follow-on protocol; 1.0 = equal arms).
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
    dropout : float, default 0.0
        Expected fraction without primary-endpoint data, in [0, 1).
    continuity : bool, default False
        Apply the Fleiss-Tytun-Ury continuity correction.

    Returns
    -------
    SampleSize
        ``n_treatment, n_control, n_total`` and the ``*_inflated`` numbers to randomise.

    Raises
    ------
    ValueError
        Equal rates (no finite n), both rates 0 or 1 (no variance), a rate outside [0, 1],
        ratio <= 0, alpha or power outside (0, 1), dropout outside [0, 1).

    Examples
    --------
    >>> s = sample_size_two_proportions(0.6, 0.3, ratio=1.0, dropout=0.1)
    >>> s.n_treatment, s.n_control, s.n_total, s.n_total_inflated
    (42, 42, 84, 94)
    >>> sample_size_two_proportions(0.7, 0.35, dropout=0.2).n_total_inflated  # one set giving 87
    87
    """
    _check_design(ratio=ratio, alpha=alpha, power=power, dropout=dropout)
    n_c = compute_n_control_two_proportions(p_treatment, p_control, ratio=ratio, alpha=alpha, power=power)
    if continuity:
        n_c = compute_continuity_correction(n_c, p_treatment - p_control, ratio=ratio)
    return _round_arms(n_c, ratio=ratio, dropout=dropout)


#: The exact search for a sample size starts at this fraction of the normal-approximation size: an
#: exact test can reach the target power below the formula's size (Fisher's test at 0.95 x the formula
#: at the most, for rates 1 vs 0.75; scanned for rates 0.3-1 vs 0.05-0.75, 1:1 and 2:1, n_c <= 80).
EXACT_SEARCH_START = 0.9
#: Largest control-arm size searched exactly: beyond it the enumeration (O(N n_c log n_c) per size, N = n_t + n_c)
#: would take minutes, and Fisher's test is then well approximated by the Fleiss-Tytun-Ury
#: continuity-corrected formula, which ``size_scenarios`` uses instead (and says so in ``method``).
EXACT_MAX_N_CONTROL = 300


def sample_size_exact_two_proportions(
    p_treatment: float, p_control: float, *, test: str = "fisher", ratio: float = 2.0, alpha: float = 0.05,
    power: float = 0.8, dropout: float = 0.0, max_n_control: int = EXACT_MAX_N_CONTROL,
) -> SampleSize:
    """Compute the sample size at which Fisher's (or the chi-square) test reaches the target power exactly.

    n_control is the smallest n_c, searched upward from ``EXACT_SEARCH_START`` x the normal-approximation
    size (``compute_n_control_two_proportions``), for which the exact power of ``test``
    (``compute_power_two_proportions``, by enumerating every outcome) with n_t = ceil(ratio x n_c) is
    at least ``power``. The exact power of a discrete test is not monotone in n (a saw-tooth): the
    size returned is the first that reaches the target; a few larger sizes may fall just short of it.
    Dropout as in ``sample_size_two_proportions``; ``n_control_raw`` is the normal approximation.

    Parameters
    ----------
    p_treatment, p_control : float
        Expected response rates, different, in [0, 1].
    test : {'fisher', 'chi2'}, default 'fisher'
    ratio, alpha, power, dropout
        As in ``sample_size_two_proportions``.
    max_n_control : int
        Give up (ValueError) beyond this control-arm size (at once when the normal approximation
        already exceeds it).

    Examples
    --------
    >>> s = sample_size_exact_two_proportions(0.8, 0.5)
    >>> s.n_treatment, s.n_control, round(compute_power_two_proportions(s.n_treatment, s.n_control, 0.8, 0.5), 3)
    (62, 31, 0.812)
    """
    _check_design(ratio=ratio, alpha=alpha, power=power, dropout=dropout)
    n_normal = compute_n_control_two_proportions(p_treatment, p_control, ratio=ratio, alpha=alpha, power=power)
    first = max(1, math.floor(EXACT_SEARCH_START * n_normal))
    for n_c in range(first, max_n_control + 1 if first <= max_n_control else 0):
        if _search_power(_ceil(ratio * n_c), n_c, p_treatment, p_control, test=test, alpha=alpha) >= power:
            return replace(_round_arms(float(n_c), ratio=ratio, dropout=dropout), n_control_raw=float(n_normal))
    raise ExactSearchExhausted(f"{TEST_LABELS[test]} does not reach power {power} with up to {max_n_control} "
                               f"control patients (p_treatment={p_treatment!r}, p_control={p_control!r})")


class ExactSearchExhausted(ValueError):
    """The exact test does not reach the power within the control-arm sizes searched."""


def compute_power_t_test(n_treatment, n_control, delta: float, sd: float, *, alpha: float = 0.05) -> np.ndarray:
    """Compute the exact power of the two-sided pooled two-sample t-test (noncentral t).

    df = n_t + n_c - 2, noncentrality δ = Δ / (σ sqrt(1/n_t + 1/n_c)),
    power = P(T'(df, δ) > t_{1-α/2, df}) + P(T'(df, δ) < -t_{1-α/2, df}). Vectorised over the sizes.

    Examples
    --------
    >>> round(float(compute_power_t_test(64, 64, 0.5, 1.0)), 3)
    0.801
    """
    n_t, n_c = np.asarray(n_treatment, dtype=float), np.asarray(n_control, dtype=float)
    df = n_t + n_c - 2
    ncp = delta / (sd * np.sqrt(1 / n_t + 1 / n_c))
    t_crit = stats.t.ppf(1 - alpha / 2, df)
    return stats.nct.sf(t_crit, df, ncp) + stats.nct.cdf(-t_crit, df, ncp)


def sample_size_two_means(
    delta: float, sd: float, *, ratio: float = 2.0, alpha: float = 0.05, power: float = 0.8,
    dropout: float = 0.0,
) -> SampleSize:
    """Compute the sample size of a two-sample t-test comparing mean changes (exact noncentral t).

    n_control is the smallest n_c (>= 2) for which the pooled t-test with n_t = ceil(ratio x n_c)
    reaches ``power`` (``compute_power_t_test``), searched upward from 2 past the normal
    approximation n_c = (z_{1-α/2} + z_{1-β})² σ² (1 + 1/k) / Δ². Dropout as in
    ``sample_size_two_proportions``. ``n_control_raw`` is the normal approximation.

    Parameters
    ----------
    delta : float
        Between-arm difference in mean change to detect (non-zero; sign irrelevant).
    sd : float
        Common SD of the change (> 0), e.g. the pilot SD or its upper confidence limit (``compute_sd_limits``).
    ratio, alpha, power, dropout
        As in ``sample_size_two_proportions``.

    Examples
    --------
    >>> s = sample_size_two_means(0.5, 1.0, ratio=1.0)
    >>> s.n_treatment, s.n_control
    (64, 64)
    """
    _check_design(ratio=ratio, alpha=alpha, power=power, dropout=dropout)
    if delta == 0 or not math.isfinite(delta):
        raise ValueError(f"delta must be a non-zero difference, got {delta!r}: no finite sample size")
    if not sd > 0:
        raise ValueError(f"sd must be positive, got {sd!r}")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n_normal = z ** 2 * sd ** 2 * (1 + 1 / ratio) / delta ** 2
    n_c = np.arange(2, 2 * _ceil(n_normal) + 20)
    n_t = np.ceil(np.round(ratio * n_c, 9))
    reached = np.flatnonzero(compute_power_t_test(n_t, n_c, delta, sd, alpha=alpha) >= power)
    size = _round_arms(float(n_c[reached[0]]), ratio=ratio, dropout=dropout)
    return replace(size, n_control_raw=float(n_normal))


def compute_sd_limits(sd: float, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Compute the two-sided chi-square confidence limits of an SD estimated from ``n`` observations.

    (lower, upper) = (s sqrt((n-1) / χ²_{1-a/2, n-1}), s sqrt((n-1) / χ²_{a/2, n-1})), a = 1 - level,
    assuming normal data.

    Examples
    --------
    >>> [round(x, 3) for x in compute_sd_limits(1.0, 11)]
    [0.699, 1.755]
    """
    _check_sd_input(sd, n, level)
    df, a = n - 1, 1 - level
    return (float(sd * math.sqrt(df / stats.chi2.ppf(1 - a / 2, df))),
            float(sd * math.sqrt(df / stats.chi2.ppf(a / 2, df))))


def compute_sd_upper_limit(sd: float, n: int, *, level: float = SD_UPPER_LEVEL) -> float:
    """Compute the one-sided upper chi-square confidence limit of an SD, for pilot-based planning.

    s_upper = s sqrt((n-1) / χ²_{1-level, n-1}). Planning with this limit instead of the pilot SD
    gives the target power with probability about ``level`` over pilots (Browne 1995, who
    recommends 80 %; Sim & Lewis 2012).

    Examples
    --------
    >>> round(compute_sd_upper_limit(1.0, 11, level=0.8), 3)
    1.272
    """
    _check_sd_input(sd, n, level)
    return float(sd * math.sqrt((n - 1) / stats.chi2.ppf(1 - level, n - 1)))


def _check_sd_input(sd: float, n: int, level: float) -> None:
    if not sd > 0:
        raise ValueError(f"sd must be positive, got {sd!r}")
    if not n >= 2:
        raise ValueError(f"an SD needs at least 2 observations, got n={n!r}")
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level!r}")


# --- power of the tests for two proportions -------------------------------------------------------

TESTS = ("fisher", "chi2")
#: Names of the tests for display.
TEST_LABELS = MappingProxyType({"fisher": "Fisher's exact test", "chi2": "Pearson chi-square test"})


def _hypergeom_rows(n_a: int, n_b: int, rows: np.ndarray | None = None) -> np.ndarray:
    """P(x_a of the s responders are in arm a | n_a of N = n_a + n_b in arm a), indexed [s, x_a].

    From a table of log-factorials (log-gamma; relative error about 1e-12, far below the 1e-7 tie
    tolerance): log C(n_a, x_a) + log C(n_b, s - x_a) - log C(N, s), the middle term read through a
    sliding window over one vector (no lookup per cell: about ten times faster than
    ``scipy.stats.hypergeom.pmf`` or a gather per cell); log C = -inf outside the support gives 0.
    ``rows``: the values of s wanted (default all, 0..N), in that order.
    """
    big_n, m = n_a + n_b, n_a + 1
    rows = np.arange(big_n + 1) if rows is None else np.asarray(rows)
    lf = special.gammaln(np.arange(big_n + 1) + 1.0)
    x_a, x_b = np.arange(m), np.arange(n_b + 1)
    log_a = lf[n_a] - lf[x_a] - lf[n_a - x_a]
    log_b = np.full(big_n + m, -np.inf)
    log_b[n_a:n_a + n_b + 1] = lf[n_b] - lf[x_b] - lf[n_b - x_b]
    log_s = lf[big_n] - lf[rows] - lf[big_n - rows]
    window = np.lib.stride_tricks.sliding_window_view(log_b, m)[rows, ::-1]  # [s, x_a] = log C(n_b, s - x_a)
    return np.exp(log_a[None, :] + window - log_s[:, None])


def _fisher_pvalues(n_a: int, n_b: int) -> np.ndarray:
    """Two-sided Fisher p-values for every table, indexed [x_a, x_b].

    For each number of responders s, the tables are x_a = 0..n_a with hypergeometric probabilities
    P(x_a | s); the p-value of x_a sums the probabilities not above P(x_a | s) x (1 + tolerance).
    All rows at once: sort each row's probabilities, merge the thresholds into them with a stable
    sort (a probability equal to a threshold sorts first, so it counts), and read the cumulative
    sums at the merge positions. O(N n_a log n_a) time and O(N n_a) memory, N = n_a + n_b.
    """
    big_n, m = n_a + n_b, n_a + 1
    pmf = _hypergeom_rows(n_a, n_b)  # rows s, columns x_a
    ascending = np.sort(pmf, axis=1)
    merged = np.concatenate([ascending, pmf * (1 + FISHER_RELATIVE_TOLERANCE)], axis=1)
    order = np.argsort(merged, axis=1, kind="stable")
    is_threshold = order >= m
    n_not_above = np.arange(1, 2 * m + 1)[None, :] - np.cumsum(is_threshold, axis=1)  # probabilities <= it
    counts = np.empty((big_n + 1, m), dtype=int)
    np.put_along_axis(counts, order[is_threshold].reshape(big_n + 1, m) - m, n_not_above[is_threshold]
                      .reshape(big_n + 1, m), axis=1)
    pv = np.take_along_axis(np.cumsum(ascending, axis=1), counts - 1, axis=1)
    x_a, x_b = np.arange(n_a + 1)[:, None], np.arange(n_b + 1)[None, :]
    return np.minimum(pv[x_a + x_b, x_a], 1.0)


def _fisher_rejects(n_a: int, n_b: int, alpha: float, rows: np.ndarray | None = None) -> np.ndarray:
    """Whether Fisher's test rejects at level ``alpha``, for every table, indexed [s, x_a] (s = responders).

    The same decisions as ``_rejects(_fisher_pvalues(n_a, n_b), alpha)`` without the p-values: in
    row s the p-value of x_a is the cumulative sum c_k of the ascending probabilities up to the k
    probabilities not above P(x_a | s) x (1 + tolerance), so with J = the number of cumulative sums
    within alpha (``_rejects``), x_a is rejected exactly when k <= J, that is when the (J + 1)-th
    smallest probability exceeds P(x_a | s) x (1 + tolerance) (always when J covers the row). Same
    floating-point sums, so the same decisions; one sort, no merge: about three times faster.
    ``rows``: the values of s wanted (default all). Cells outside the support are never looked up.
    """
    pmf = _hypergeom_rows(n_a, n_b, rows)
    ascending = np.sort(pmf, axis=1)
    within = _rejects(np.cumsum(ascending, axis=1), alpha).sum(axis=1)
    next_up = np.concatenate([ascending, np.full((len(pmf), 1), np.inf)], axis=1)[np.arange(len(pmf)), within]
    return pmf * (1 + FISHER_RELATIVE_TOLERANCE) < next_up[:, None]


#: The exact sample-size search (``sample_size_exact_two_proportions``) leaves out the outcomes of an
#: arm whose binomial probability is below this: their total probability is below (n_t + n_c + 2) x 1e-20,
#: far below the rounding error of a power (1e-16), and the rejection region of Fisher's test is then
#: computed only for the numbers of responders that remain (about half of them, at 564 + 282 patients).
NEGLIGIBLE_PROBABILITY = 1e-20


def _search_power(n_treatment: int, n_control: int, p_treatment: float, p_control: float, *, test: str,
                  alpha: float) -> float:
    """Exact power as ``compute_power_two_proportions`` (to rounding, about 1e-15) for the size search: Fisher's
    rejection region only where the outcomes have probability (``NEGLIGIBLE_PROBABILITY``); the chi-square test
    as there."""
    if test != "fisher":
        return compute_power_two_proportions(n_treatment, n_control, p_treatment, p_control, test=test, alpha=alpha)
    (n_a, p_a), (n_b, p_b) = sorted([(n_treatment, p_treatment), (n_control, p_control)], key=lambda a: a[0])
    w_a = stats.binom.pmf(np.arange(n_a + 1), n_a, p_a)
    w_b = stats.binom.pmf(np.arange(n_b + 1), n_b, p_b)
    keep_a, keep_b = np.flatnonzero(w_a >= NEGLIGIBLE_PROBABILITY), np.flatnonzero(w_b >= NEGLIGIBLE_PROBABILITY)
    x_a, x_b = np.arange(keep_a[0], keep_a[-1] + 1), np.arange(keep_b[0], keep_b[-1] + 1)
    first = x_a[0] + x_b[0]
    reject = _fisher_rejects(n_a, n_b, alpha, np.arange(first, x_a[-1] + x_b[-1] + 1))
    region = reject[x_a[:, None] + x_b[None, :] - first, x_a[:, None]]
    return float(np.einsum("i,ij,j->", w_a[x_a], region.astype(float), w_b[x_b]))  # no BLAS: the same sum every run


@functools.lru_cache(maxsize=256)
def _rejection_table(n_treatment: int, n_control: int, test: str, alpha: float) -> np.ndarray:
    """Read-only table [x_t, x_c] of the outcomes ``test`` rejects at ``alpha``, computed once per design.

    Sizing searches, power checks and grids ask for the same few designs again and again (the
    size found by ``sample_size_exact_two_proportions`` is checked by ``check_power_at_n``), so the
    tables are kept (at most 256; the largest, 565 x 283, takes 160 kB).
    """
    _check_sizes(n_treatment, n_control)
    if test == "fisher":
        n_a, n_b = sorted((n_treatment, n_control))
        by_row = _fisher_rejects(n_a, n_b, alpha)
        x_a, x_b = np.arange(n_a + 1)[:, None], np.arange(n_b + 1)[None, :]
        table = by_row[x_a + x_b, x_a] if n_treatment == n_a else by_row[x_a + x_b, x_a].T
    elif test == "chi2":
        table = _chi2_rejects(n_treatment, n_control, alpha)
    else:
        raise ValueError(f"test must be one of {TESTS}, got {test!r}")
    table = table.copy(order="K")  # the memory layout of the p-value tables: the same sums in _exact_power
    table.setflags(write=False)
    return table


def compute_pvalue_table(n_treatment: int, n_control: int, *, test: str = "fisher") -> np.ndarray:
    """Compute the two-sided p-value of every possible outcome of a two-arm binary trial.

    Returns an array ``p[x_t, x_c]`` of shape (n_treatment + 1, n_control + 1), x = responders.

    - ``"fisher"``: Fisher's exact test; a table counts as extreme if its conditional
      (hypergeometric) probability is at most (1 + ``FISHER_RELATIVE_TOLERANCE``) times the observed one.
    - ``"chi2"``: the Pearson chi-square test without continuity correction (= the two-sided pooled
      z-test); p = 1 when nobody or everybody responds.

    Examples
    --------
    >>> p = compute_pvalue_table(3, 3)
    >>> round(float(p[3, 0]), 3), float(p[0, 0])
    (0.1, 1.0)
    """
    _check_sizes(n_treatment, n_control)
    if test == "fisher":
        if n_treatment <= n_control:
            return _fisher_pvalues(n_treatment, n_control)
        return _fisher_pvalues(n_control, n_treatment).T
    if test == "chi2":
        return stats.chi2.sf(_chi2_statistics(n_treatment, n_control), 1)
    raise ValueError(f"test must be one of {TESTS}, got {test!r}")


def _chi2_statistics(n_treatment: int, n_control: int) -> np.ndarray:
    """Pearson chi-square statistic (uncorrected; 0 when nobody or everybody responds) of every table [x_t, x_c]."""
    x_t, x_c = np.arange(n_treatment + 1)[:, None], np.arange(n_control + 1)[None, :]
    p_bar = (x_t + x_c) / (n_treatment + n_control)
    var = p_bar * (1 - p_bar) * (1 / n_treatment + 1 / n_control)
    diff2 = (x_t / n_treatment - x_c / n_control) ** 2
    return np.divide(diff2, var, out=np.zeros_like(var), where=var > 0)


def _chi2_rejects(n_treatment: int, n_control: int, alpha: float) -> np.ndarray:
    """``_rejects(compute_pvalue_table(..., test="chi2"), alpha)``, the p-value computed only near the boundary.

    The p-value falls with the statistic, so a statistic more than 1e-6 (relative) above the critical
    value is rejected and one more than 1e-6 below it is not; only the tables in between get their
    p-value (``scipy.stats.chi2.sf``, slow), so the decisions are the same as from the p-values.
    """
    z2 = _chi2_statistics(n_treatment, n_control)
    critical = stats.chi2.isf(alpha * (1 + PVALUE_RELATIVE_TOLERANCE), 1)
    reject = z2 > critical * (1 + 1e-6)
    near = ~reject & (z2 >= critical * (1 - 1e-6))
    reject[near] = _rejects(stats.chi2.sf(z2[near], 1), alpha)
    return reject


def _rejects(pvalues: np.ndarray, alpha: float) -> np.ndarray:
    """Significance at level ``alpha`` (``PVALUE_RELATIVE_TOLERANCE``)."""
    return pvalues <= alpha * (1 + PVALUE_RELATIVE_TOLERANCE)


def _check_sizes(n_treatment: int, n_control: int) -> None:
    if int(n_treatment) != n_treatment or int(n_control) != n_control or min(n_treatment, n_control) < 1:
        raise ValueError(f"arm sizes must be positive integers, got n_treatment={n_treatment!r}, "
                         f"n_control={n_control!r}")


def compute_power_two_proportions_normal(n_treatment, n_control, p_treatment, p_control, *,
                                         alpha: float = 0.05) -> np.ndarray:
    """Compute the normal-approximation power that ``sample_size_two_proportions`` inverts.

    power = Φ((|Δ| - z_{1-α/2} sqrt(p̄ q̄ (1/n_t + 1/n_c))) / sqrt(p_t q_t / n_t + p_c q_c / n_c)),
    p̄ = (n_t p_t + n_c p_c) / (n_t + n_c) (the far tail is ignored). Vectorised.

    Examples
    --------
    >>> round(float(compute_power_two_proportions_normal(42, 42, 0.6, 0.3)), 3)
    0.8
    """
    n_t, n_c = np.asarray(n_treatment, dtype=float), np.asarray(n_control, dtype=float)
    p_t, p_c = np.asarray(p_treatment, dtype=float), np.asarray(p_control, dtype=float)
    p_bar = (n_t * p_t + n_c * p_c) / (n_t + n_c)
    se0 = np.sqrt(p_bar * (1 - p_bar) * (1 / n_t + 1 / n_c))
    se1 = np.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return stats.norm.cdf((np.abs(p_t - p_c) - stats.norm.ppf(1 - alpha / 2) * se0) / se1)


def _exact_power(reject: np.ndarray, p_treatment, p_control) -> np.ndarray:
    """Probability of the rejection region for each pair of rates (vectors), by enumeration."""
    n_t, n_c = reject.shape[0] - 1, reject.shape[1] - 1
    w_t = stats.binom.pmf(np.arange(n_t + 1)[None, :], n_t, np.asarray(p_treatment, dtype=float)[:, None])
    w_c = stats.binom.pmf(np.arange(n_c + 1)[None, :], n_c, np.asarray(p_control, dtype=float)[:, None])
    return np.einsum("ri,ij,rj->r", w_t, reject.astype(float), w_c)


def compute_power_two_proportions(n_treatment: int, n_control: int, p_treatment: float, p_control: float,
                                  *, test: str = "fisher", alpha: float = 0.05) -> float:
    """Compute the exact power of Fisher's or the chi-square test by enumerating all outcomes.

    power = Σ_{x_t, x_c} Bin(x_t; n_t, p_t) Bin(x_c; n_c, p_c) 1[p(x_t, x_c) <= α], with the
    p-values of ``compute_pvalue_table``. No simulation error.

    Examples
    --------
    >>> round(compute_power_two_proportions(42, 42, 0.6, 0.3, test="chi2"), 3)
    0.828
    >>> round(compute_power_two_proportions(42, 42, 0.6, 0.3, test="fisher"), 3)
    0.764
    """
    reject = _rejection_table(int(n_treatment), int(n_control), test, float(alpha))
    return float(_exact_power(reject, [p_treatment], [p_control])[0])


def simulate_power_two_proportions(n_treatment: int, n_control: int, p_treatment: float, p_control: float,
                                   *, test: str = "fisher", n_sim: int = 10_000, alpha: float = 0.05,
                                   seed: int | None = None) -> float:
    """Simulate the power of Fisher's or the chi-square test for a two-arm binary trial.

    All ``n_sim`` trials are drawn at once (responders per arm ~ binomial, treatment arm first from
    ``numpy.random.default_rng(seed)``); each trial's p-value is looked up in the table of all
    possible outcomes (``compute_pvalue_table``), so 10,000 trials take milliseconds. Monte Carlo
    standard error: sqrt(power (1 - power) / n_sim), about 0.004 at power 0.8 and 10,000 trials.

    Examples
    --------
    >>> simulate_power_two_proportions(42, 42, 0.6, 0.3, test="chi2", seed=1)
    0.8261
    """
    rng = np.random.default_rng(seed)
    reject = _rejection_table(int(n_treatment), int(n_control), test, float(alpha))
    x_t = rng.binomial(n_treatment, p_treatment, size=n_sim)
    x_c = rng.binomial(n_control, p_control, size=n_sim)
    return float(np.mean(reject[x_t, x_c]))


def simulate_power_t_test(n_treatment: int, n_control: int, delta: float, sd: float, *,
                          n_sim: int = 10_000, alpha: float = 0.05, seed: int | None = None) -> float:
    """Simulate the power of the two-sided pooled two-sample t-test for normal data.

    Draws all trials at once: an (n_sim, n_treatment) matrix of N(delta, sd²) changes and an
    (n_sim, n_control) matrix of N(0, sd²) changes (in that order from ``default_rng(seed)``),
    computes each trial's t statistic and rejects when |t| > t_{1-α/2, n_t + n_c - 2}.

    Examples
    --------
    >>> round(simulate_power_t_test(64, 64, 0.5, 1.0, seed=1), 2)
    0.8
    """
    _check_sizes(n_treatment, n_control)
    rng = np.random.default_rng(seed)
    y_t = rng.normal(delta, sd, size=(n_sim, n_treatment))
    y_c = rng.normal(0.0, sd, size=(n_sim, n_control))
    df = n_treatment + n_control - 2
    pooled = ((n_treatment - 1) * y_t.var(axis=1, ddof=1) + (n_control - 1) * y_c.var(axis=1, ddof=1)) / df
    t = (y_t.mean(axis=1) - y_c.mean(axis=1)) / np.sqrt(pooled * (1 / n_treatment + 1 / n_control))
    return float(np.mean(np.abs(t) > stats.t.ppf(1 - alpha / 2, df)))


# --- the pilot's inputs ---------------------------------------------------------------------------

#: Where the pilot's planning inputs are in the efficacy ARD (notebook 03, ``endpoints`` module):
#: input name -> (analysis_id, variable, stat_name), at paramcd ESSDAI and the planning visit.
PILOT_ARD_KEYS = MappingProxyType({
    "n_responders": ("EFF-ESSDAI-MCII", "", "n_responders"),
    "n_evaluable": ("EFF-ESSDAI-MCII", "", "n_evaluable"),
    "ci_lower": ("EFF-ESSDAI-MCII", "", "ci_lower"),
    "ci_upper": ("EFF-ESSDAI-MCII", "", "ci_upper"),
    "chg_n": ("EFF-ESSDAI-SUMMARY", "CHG", "n"),
    "chg_mean": ("EFF-ESSDAI-SUMMARY", "CHG", "mean"),
    "chg_sd": ("EFF-ESSDAI-SUMMARY", "CHG", "sd"),
})
PILOT_CI_LEVEL = 0.95  # level of the exact CI of the pilot MCII rate (as in the efficacy section)


def _lookup_ard(ard: pd.DataFrame, name: str, visit: str) -> float | None:
    """The ARD value of pilot input ``name`` (``PILOT_ARD_KEYS``), or None when the ARD lacks it."""
    analysis_id, variable, stat_name = PILOT_ARD_KEYS[name]
    where = {"analysis_id": analysis_id, "paramcd": "ESSDAI", "avisit": visit}
    if variable:
        where["variable"] = variable
    try:
        return ard_mod.get_stat(ard, stat_name, **where)
    except KeyError:
        return None


def missing_pilot_inputs(ard: pd.DataFrame, *, visit: str = "Week 12") -> list[str]:
    """Name the pilot inputs (``PILOT_ARD_KEYS``) that the ARD lacks or leaves missing at ``visit``.

    Empty when planning can proceed. At an early data cut (no patient evaluable at ``visit`` yet, or too
    few for an SD of the change) the planning notebook shows ``describe_missing_inputs`` instead.

    Examples
    --------
    >>> ard = pd.DataFrame({"analysis_id": "EFF-ESSDAI-SUMMARY", "paramcd": "ESSDAI", "avisit": "Week 12",
    ...                     "variable": "CHG", "category": "", "stat_name": ["n", "mean", "sd"],
    ...                     "stat_value": [1.0, -3.0, float("nan")]})
    >>> missing_pilot_inputs(ard)
    ['n_responders', 'n_evaluable', 'ci_lower', 'ci_upper', 'chg_sd']
    """
    missing = []
    for name in PILOT_ARD_KEYS:
        value = _lookup_ard(ard, name, visit)
        if value is None or not np.isfinite(value) or (name == "n_evaluable" and value == 0):
            missing.append(name)
    return missing


def describe_missing_inputs(missing, *, visit: str = "Week 12") -> str:
    """Say that the planning is not computed at this data cut, and which pilot results are missing.

    >>> describe_missing_inputs(["n_responders", "chg_sd"], visit="Week 12")
    'Not computed at this data cut: the pilot has no Week 12 ESSDAI MCII rate and SD of the ESSDAI change yet \
(the visit is not yet due, or too few patients were assessed).'
    """
    what = list(dict.fromkeys("SD of the ESSDAI change" if name.startswith("chg_") else "MCII rate"
                              for name in missing))
    return (f"Not computed at this data cut: the pilot has no {visit} ESSDAI {' and '.join(what)} yet "
            "(the visit is not yet due, or too few patients were assessed).")


def randomised_arms(adsl: pd.DataFrame) -> list:
    """The planned arms (ADSL ``TRT01P``, in ``TRT01PN`` order) of an export of several of them, a randomised trial's;
    ``[]`` for a single-arm pilot's. A blank arm, of patients not yet randomised, counts as one of a randomised export;
    without ``TRT01P`` (a dataset from elsewhere) one arm, as ``efficacy_ard.pooled_group`` reads it.

    >>> adsl = pd.DataFrame({"TRT01P": ["HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg"], "TRT01PN": [2, 1]})
    >>> randomised_arms(adsl)
    ['Baricitinib 4 mg + HCQ 400 mg', 'HCQ 400 mg']
    >>> randomised_arms(adsl.assign(TRT01P="Baricitinib 2 mg")), randomised_arms(adsl.drop(columns="TRT01P"))
    ([], [])
    """
    if "TRT01P" not in adsl.columns:
        return []
    ordered = adsl.sort_values("TRT01PN", kind="stable") if "TRT01PN" in adsl.columns else adsl
    arms = list(ordered["TRT01P"].dropna().drop_duplicates())
    return arms if len(arms) > 1 else []


def why_not_planned(adsl: pd.DataFrame, ard: pd.DataFrame, *, visit: str = "Week 12") -> str:
    """Why the planning section computes nothing for this export, or ``""`` when it plans.

    The section sizes a randomised trial from a single-arm pilot. An export of several planned arms
    (``randomised_arms``) is of a randomised trial, whose pooled response rate is no pilot's, and whose own between-arm
    comparisons the efficacy section gives; at an early data cut the pilot's results are missing
    (``missing_pilot_inputs``, said by ``describe_missing_inputs``).

    >>> adsl = pd.DataFrame({"TRT01P": ["HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg"], "TRT01PN": [1, 2]})
    >>> why_not_planned(adsl, pd.DataFrame())[:101]
    'Not computed for this export: it is of a randomised trial (HCQ 400 mg, Baricitinib 4 mg + HCQ 400 mg)'
    >>> why_not_planned(adsl.assign(TRT01P=["", "Baricitinib 4 mg + HCQ 400 mg"]), pd.DataFrame())[:89]
    'Not computed for this export: it is of a randomised trial (Baricitinib 4 mg + HCQ 400 mg)'
    """
    arms = randomised_arms(adsl)
    if arms:  # a blank arm is never named
        named = ", ".join(a for a in arms if str(a).strip())
        return (f"Not computed for this export: it is of a randomised trial ({named}), not of a single-arm "
                "pilot, from which this section would size a randomised trial. The between-arm comparisons of the "
                "efficacy section estimate the treatment effect.")
    missing = missing_pilot_inputs(ard, visit=visit)
    return describe_missing_inputs(missing, visit=visit) if missing else ""


def collect_pilot_inputs(ard: pd.DataFrame, *, visit: str = "Week 12") -> pd.DataFrame:
    """Collect the pilot's planning inputs from the efficacy ARD rows of ESSDAI.

    Parameters
    ----------
    ard : DataFrame
        ARD rows holding ``PILOT_ARD_KEYS``: the efficacy section (``report.read_ard``) or
        ``endpoints.summarize_primary(adsl, adeff)``, which computes the same rows.
    visit : str, default 'Week 12'

    Returns
    -------
    DataFrame
        One row per input with columns ``input, value, source``: the ``PILOT_ARD_KEYS`` inputs
        (source ``ARD <analysis_id>``), then ``rate`` = n_responders / n_evaluable.

    Raises
    ------
    ValueError
        An input missing from the ARD (named with its analysis, statistic and visit).
    """
    values, sources = [], []
    for name, (analysis_id, _, stat_name) in PILOT_ARD_KEYS.items():
        value = _lookup_ard(ard, name, visit)
        if value is None:
            raise ValueError(f"pilot input {name!r} is not in the ARD ({analysis_id}, {stat_name}, {visit})")
        values.append(value)
        sources.append(f"ARD {analysis_id}")
    out = pd.DataFrame({"input": list(PILOT_ARD_KEYS), "value": values, "source": sources})
    rate = pd.DataFrame({"input": ["rate"], "value": [values[0] / values[1]],
                         "source": ["n_responders / n_evaluable"]})
    return pd.concat([out, rate], ignore_index=True)


# --- scenarios, grid and ARD rows -----------------------------------------------------------------

def compute_pilot_rate(x: int, n: int, *, kind: str, level: float = math.nan) -> float:
    """Compute a treatment-arm rate assumption from the pilot's x/n responders (``PILOT_RATE_ASSUMPTIONS``).

    - ``kind="posterior_mean"``: (x + 1) / (n + 2), the mean of the Beta(1 + x, 1 + n - x) posterior
      under a uniform prior;
    - ``kind="lower"``: the one-sided Clopper-Pearson lower limit at ``level``, the (1 - level)
      quantile of Beta(x, n - x + 1) (0 when x = 0); level 0.975 gives the lower limit of the
      two-sided exact 95 % CI.

    Examples
    --------
    >>> compute_pilot_rate(10, 10, kind="posterior_mean")  # 11/12
    0.9166666666666666
    >>> round(compute_pilot_rate(10, 10, kind="lower", level=0.8), 4)  # 0.2 ** (1/10)
    0.8513
    """
    if not (0 <= x <= n and n >= 1):
        raise ValueError(f"pilot responders must satisfy 0 <= x <= n, n >= 1; got x={x!r}, n={n!r}")
    if kind == "posterior_mean":
        return (x + 1) / (n + 2)
    if kind == "lower":
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level!r}")
        return compute_clopper_pearson(x, n, conf_level=2 * level - 1)[0]
    raise ValueError(f"kind must be 'posterior_mean' or 'lower', got {kind!r}")


def derive_scenarios(inputs: pd.DataFrame, *, assumptions: pd.DataFrame = PILOT_RATE_ASSUMPTIONS) -> pd.DataFrame:
    """Cross the pilot-based treatment rates with the published control-arm rates: the planning scenarios.

    Parameters
    ----------
    inputs : DataFrame
        ``summarize_inputs`` output: row ``pilot_mcii`` (``n_responders``, ``n``) and one row per
        control-arm rate (``input`` starting with ``control_``: ``estimate``, ``label``).
    assumptions : DataFrame
        ``PILOT_RATE_ASSUMPTIONS``-like rows (``assumption, kind, level, method``).

    Returns
    -------
    DataFrame
        One row per assumption x control rate (assumptions outer): ``scenario`` ("<assumption> vs
        <control>"), ``method``, ``p_treatment``, ``p_control`` and ``advantage`` (1 when p_treatment
        > p_control, else 0: no finite sample size, the row is not sized).

    Examples
    --------
    >>> inputs = pd.DataFrame({"input": ["pilot_mcii", "control_a"], "n_responders": [10, 7], "n": [10, 14],
    ...                        "estimate": [1.0, 0.5], "label": ["pilot", "control arm: A"]})
    >>> derive_scenarios(inputs)[["scenario", "p_treatment"]].round(4).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['pilot posterior mean vs A', 0.9167], ['pilot 80% lower limit vs A', 0.8513],
     ['pilot 95% CI lower limit vs A', 0.6915]]
    """
    v = inputs.set_index("input")
    x, n = int(v.loc["pilot_mcii", "n_responders"]), int(v.loc["pilot_mcii", "n"])
    controls = v[v.index.str.startswith("control_")]
    rows = []
    for _, a in assumptions.iterrows():
        p_t = compute_pilot_rate(x, n, kind=a["kind"], level=a["level"])
        for _, c in controls.iterrows():
            name = _control_name(c["label"])
            rows.append({"scenario": f"{a['assumption']} vs {name}",
                         "method": f"{a['method']}, pilot {x}/{n}; control: {name}",
                         "p_treatment": p_t, "p_control": float(c["estimate"]),
                         "advantage": float(p_t > float(c["estimate"]))})
    return pd.DataFrame(rows)


def _control_name(label: str) -> str:
    """'ESSDAI MCII rate, control arm: HCQ (JOQUER)' -> 'HCQ (JOQUER)'."""
    return label.split("control arm: ", 1)[-1]


def _exact_size_within_limit(p_treatment: float, p_control: float, **kw) -> SampleSize | None:
    """``sample_size_exact_two_proportions``, or None when the test does not reach the power within
    ``EXACT_MAX_N_CONTROL`` control patients (a formula's size just below the limit, the exact one above it)."""
    try:
        return sample_size_exact_two_proportions(p_treatment, p_control, **kw)
    except ExactSearchExhausted:
        return None


def size_scenarios(scenarios: pd.DataFrame, *, test: str | None = None, ratio: float = 2.0, alpha: float = 0.05,
                   power: float = 0.8, dropout: float = 0.0, continuity: bool = False) -> pd.DataFrame:
    """Add sample sizes to each scenario row: exact for ``test``, or by the normal approximation.

    ``test`` ``"fisher"`` (or ``"chi2"``): ``sample_size_exact_two_proportions``, or, where the formula's
    control-arm size exceeds ``EXACT_MAX_N_CONTROL`` or the exact search does not reach the power within it
    (a formula's size just below it), the continuity-corrected formula (row's ``method`` says which); ``None``: the formula of ``sample_size_two_proportions`` (chi-square; ``continuity``
    as there). Rows whose treatment rate is not above the control rate get no size (NaN): there is
    no finite sample size to detect an advantage.

    Returns ``scenarios`` with the ``SampleSize`` fields as columns (``n_treatment`` ... ``n_control_raw``).

    Examples
    --------
    >>> s = pd.DataFrame({"scenario": ["a", "b"], "p_treatment": [0.7, 0.4], "p_control": [0.35, 0.5]})
    >>> size_scenarios(s, dropout=0.2)[["n_treatment", "n_control", "n_total_inflated"]].values.tolist()
    [[46.0, 23.0, 87.0], [nan, nan, nan]]
    >>> size_scenarios(s.iloc[:1], test="fisher")[["n_treatment", "n_control"]].values.tolist()
    [[50, 25]]
    """
    nan = dict.fromkeys(SampleSize.__dataclass_fields__, math.nan)
    formula = "sample size by the normal approximation (chi-square test{})"
    sizes, how = [], []
    for pt, pc in zip(scenarios["p_treatment"], scenarios["p_control"]):
        design = dict(ratio=ratio, alpha=alpha, power=power, dropout=dropout)
        exact = test is not None and pt > pc and compute_n_control_two_proportions(
            pt, pc, ratio=ratio, alpha=alpha, power=power) * EXACT_SEARCH_START <= EXACT_MAX_N_CONTROL
        found = None
        if exact:  # None: not reached within EXACT_MAX_N_CONTROL (the formula's size just below it)
            found = _exact_size_within_limit(pt, pc, test=test, **design)
        if not pt > pc:
            sizes.append(nan)
            how.append("no advantage over control: not sized")
        elif found is not None:
            sizes.append(asdict(found))
            how.append(f"sample size by exact power search, {TEST_LABELS[test]}")
        else:
            cc = continuity or test is not None
            sizes.append(asdict(sample_size_two_proportions(pt, pc, continuity=cc, **design)))
            how.append(formula.format(", Fleiss-Tytun-Ury continuity correction" if cc else "")
                       + (f"; beyond {EXACT_MAX_N_CONTROL} per arm, instead of an exact search" if test else ""))
    out = pd.concat([scenarios.reset_index(drop=True), pd.DataFrame(sizes)], axis=1)
    if "method" in out:
        out["method"] = out["method"] + "; " + pd.Series(how)
    return out


def make_power_grid(scenarios: pd.DataFrame, n_totals, *, ratio: float = 2.0) -> pd.DataFrame:
    """Cross the scenarios with planned total sizes, split by the allocation ratio.

    n_control = round(n_total / (1 + ratio)), n_treatment = n_total - n_control (so n_total is kept).

    Returns
    -------
    DataFrame
        ``scenarios``' columns ``scenario, p_treatment, p_control`` and ``n_total, n_treatment, n_control``.

    Examples
    --------
    >>> s = pd.DataFrame({"scenario": ["a"], "p_treatment": [0.7], "p_control": [0.5]})
    >>> make_power_grid(s, [30, 31])[["n_total", "n_treatment", "n_control"]].values.tolist()
    [[30, 20, 10], [31, 21, 10]]
    """
    sizes = pd.DataFrame({"n_total": np.asarray(n_totals, dtype=int)})
    sizes["n_control"] = np.floor(sizes["n_total"] / (1 + ratio) + 0.5).astype(int)
    sizes["n_treatment"] = sizes["n_total"] - sizes["n_control"]
    keep = scenarios[["scenario", "p_treatment", "p_control"]]
    return keep.merge(sizes[["n_total", "n_treatment", "n_control"]], how="cross")


def summarize_power_grid(grid: pd.DataFrame, *, test: str = "fisher", alpha: float = 0.05,
                         n_sim: int = 10_000, seed: int | None = None) -> pd.DataFrame:
    """Add analytic, exact and simulated power of ``test`` to each row of a design grid.

    Parameters
    ----------
    grid : DataFrame
        Columns ``n_treatment, n_control, p_treatment, p_control`` (e.g. ``make_power_grid``).
    test : {'fisher', 'chi2'}
    alpha : float, default 0.05
    n_sim : int, default 10_000
        Simulated trials per row; all rows' trials are drawn at once from ``default_rng(seed)``.
    seed : int, optional

    Returns
    -------
    DataFrame
        ``grid`` plus ``power_normal`` (normal approximation), ``power_exact`` (enumeration of
        ``test``), ``power_simulated`` and ``power_simulated_se`` (Monte Carlo SE).

    Examples
    --------
    >>> g = pd.DataFrame({"n_treatment": [42], "n_control": [42], "p_treatment": [0.6], "p_control": [0.3]})
    >>> summarize_power_grid(g, test="chi2", seed=1)[["power_exact", "power_simulated"]].round(2).values.tolist()
    [[0.83, 0.83]]
    """
    n_t, n_c = grid["n_treatment"].to_numpy(int), grid["n_control"].to_numpy(int)
    p_t, p_c = grid["p_treatment"].to_numpy(float), grid["p_control"].to_numpy(float)
    rng = np.random.default_rng(seed)
    x_t, x_c = _binomial_draws(rng, n_t, p_t, n_sim), _binomial_draws(rng, n_c, p_c, n_sim)
    exact, simulated = np.empty(len(grid)), np.empty(len(grid))
    for (a, b), rows in pd.DataFrame({"a": n_t, "b": n_c}).groupby(["a", "b"]).indices.items():
        reject = _rejection_table(int(a), int(b), test, float(alpha))
        exact[rows] = _exact_power(reject, p_t[rows], p_c[rows])
        simulated[rows] = reject[x_t[rows], x_c[rows]].mean(axis=1)
    return grid.assign(
        power_normal=compute_power_two_proportions_normal(n_t, n_c, p_t, p_c, alpha=alpha),
        power_exact=exact, power_simulated=simulated,
        power_simulated_se=np.sqrt(simulated * (1 - simulated) / n_sim))


def _binomial_draws(rng: np.random.Generator, n: np.ndarray, p: np.ndarray, n_sim: int) -> np.ndarray:
    """``n_sim`` binomial(n_i, p_i) draws per row i, by inversion: the smallest x with F(x) > u for uniform u.

    One (rows x n_sim) array of uniforms from ``rng`` and a binary search in each row's binomial CDF
    (``scipy.stats.binom.cdf``): exact in law, and several times faster than ``Generator.binomial``
    with a different n and p per row.
    """
    u = rng.random((len(n), n_sim))
    out = np.empty(u.shape, dtype=int)
    for i, (size, prob) in enumerate(zip(n, p)):
        cdf = stats.binom.cdf(np.arange(size + 1), size, prob)
        out[i] = np.minimum(np.searchsorted(cdf, u[i], side="right"), size)
    return out


def melt_to_ard(frame: pd.DataFrame, *, category, stats: list[str] | None = None, **constants: str) -> pd.DataFrame:
    """Turn a wide results frame into ARD rows: one row per frame row x statistic.

    ``category`` names the column (or list of columns) that labels a row; with several columns
    the first is shown as is and the others as ``name=value`` (e.g. ``"optimistic; n_total=60"``).
    ``stats`` lists the statistic columns (default: every numeric column).
    ARD text columns present in ``frame`` (``method``, ``label``, ...) are kept per row; ``constants``
    fill other ARD columns (``analysis_id=...``, see ``ard.make_ard``). Missing (NaN) statistics
    give no row.

    Examples
    --------
    >>> f = pd.DataFrame({"scenario": ["a", "b"], "n_total": [30, 60], "power": [0.5, 0.8]})
    >>> r = melt_to_ard(f, category=["scenario", "n_total"], stats=["power"], analysis_id="X")
    >>> r[["category", "stat_name", "stat_value"]].values.tolist()
    [['a; n_total=30', 'power', 0.5], ['b; n_total=60', 'power', 0.8]]
    """
    cols = [category] if isinstance(category, str) else list(category)
    label = frame[cols[0]].astype(str)
    for col in cols[1:]:
        label = label + f"; {col}=" + frame[col].astype(str)
    text = [c for c in ("group", "paramcd", "avisit", "variable", "method", "population", "label") if c in frame]
    if stats is None:
        stats = list(frame.select_dtypes("number").columns)
    wide = frame[stats].astype(float).assign(category=label.to_numpy(), **{c: frame[c].to_numpy() for c in text})
    long = wide.melt(id_vars=["category", *text], var_name="stat_name", value_name="stat_value", ignore_index=False)
    long = long.rename_axis("_row").reset_index().sort_values(["_row"], kind="stable").dropna(subset=["stat_value"])
    return ard_mod.make_ard(long.drop(columns="_row"), **constants)


def check_power_at_n(sized: pd.DataFrame, *, alpha: float = 0.05, n_sim: int = 10_000,
                     seed: int | None = None) -> pd.DataFrame:
    """Add the exact and simulated power of the chi-square and Fisher tests at each row's sample size.

    ``sized`` has ``n_treatment, n_control, p_treatment, p_control`` (e.g. ``size_scenarios``).
    Adds ``power_normal`` (the formula's power at the rounded n), ``power_chi2_exact``,
    ``power_chi2_simulated``, ``power_fisher_exact``, ``power_fisher_simulated`` (``summarize_power_grid``;
    the chi-square trials from ``seed``, the Fisher trials from ``seed + 1``). Rows without a size
    (NaN, see ``size_scenarios``) or with more than ``EXACT_MAX_N_CONTROL`` control patients (whose
    table of every outcome would take minutes) get NaN.

    Examples
    --------
    >>> s = pd.DataFrame({"n_treatment": [56], "n_control": [28], "p_treatment": [0.8], "p_control": [0.5]})
    >>> check_power_at_n(s, seed=1)[["power_normal", "power_chi2_exact", "power_fisher_exact"]].round(3).values.tolist()
    [[0.802, 0.808, 0.754]]
    """
    out = sized.copy()
    has_n = sized["n_treatment"].notna() & (sized["n_control"] <= EXACT_MAX_N_CONTROL)
    for offset, test in enumerate(TESTS[::-1]):
        out["power_normal"] = out[f"power_{test}_exact"] = out[f"power_{test}_simulated"] = math.nan
        if not has_n.any():
            continue
        powers = summarize_power_grid(sized[has_n], test=test, alpha=alpha, n_sim=n_sim,
                                      seed=None if seed is None else seed + offset)
        out.loc[has_n, "power_normal"] = powers["power_normal"]
        out.loc[has_n, f"power_{test}_exact"] = powers["power_exact"]
        out.loc[has_n, f"power_{test}_simulated"] = powers["power_simulated"]
    return out


def derive_sd_bases(inputs: pd.DataFrame) -> pd.DataFrame:
    """Return the SDs to plan the ESSDAI-change comparison with: the pilot SD and its upper limit.

    ``inputs`` is the ``summarize_inputs`` output (row ``pilot_sd``: ``estimate``, ``upper_limit``,
    ``upper_level``).

    Returns
    -------
    DataFrame
        Columns ``basis`` ("pilot SD", "upper 80% confidence limit") and ``sd``.

    Examples
    --------
    >>> inputs = pd.DataFrame({"input": ["pilot_sd"], "estimate": [1.0], "upper_limit": [1.272],
    ...                        "upper_level": [0.8]})
    >>> derive_sd_bases(inputs).values.tolist()
    [['pilot SD', 1.0], ['upper 80% confidence limit', 1.272]]
    """
    sd = inputs.set_index("input").loc["pilot_sd"]
    return pd.DataFrame({
        "basis": ["pilot SD", f"upper {format_number(100 * sd['upper_level'], 0)}% confidence limit"],
        "sd": [float(sd["estimate"]), float(sd["upper_limit"])],
    })


def size_two_means(bases: pd.DataFrame, *, delta: float, ratio: float = 2.0, alpha: float = 0.05,
                   power: float = 0.8, dropout: float = 0.0) -> pd.DataFrame:
    """Add the t-test sample sizes (``sample_size_two_means``) and their exact power to each SD row.

    ``bases`` has a column ``sd``. Adds ``delta``, the ``SampleSize`` fields and ``power_exact``
    (noncentral t power at the sizes found).

    Examples
    --------
    >>> size_two_means(pd.DataFrame({"sd": [6.0]}), delta=3.0)[["n_treatment", "n_control"]].values.tolist()
    [[96, 48]]
    """
    sizes = pd.DataFrame([asdict(sample_size_two_means(delta, sd, ratio=ratio, alpha=alpha, power=power,
                                                       dropout=dropout)) for sd in bases["sd"]])
    out = pd.concat([bases.reset_index(drop=True).assign(delta=float(delta)), sizes], axis=1)
    out["power_exact"] = compute_power_t_test(out["n_treatment"], out["n_control"], delta, out["sd"], alpha=alpha)
    return out


def check_t_test_power(sized: pd.DataFrame, *, alpha: float = 0.05, n_sim: int = 10_000,
                       seed: int | None = None) -> pd.DataFrame:
    """Add the simulated power of the pooled t-test (``simulate_power_t_test``) at each row's sizes.

    ``sized`` has ``n_treatment, n_control, delta, sd`` (``size_two_means``); row i uses ``seed + i``.

    Examples
    --------
    >>> s = pd.DataFrame({"n_treatment": [64], "n_control": [64], "delta": [0.5], "sd": [1.0]})
    >>> check_t_test_power(s, seed=1)["power_simulated"].round(2).tolist()
    [0.8]
    """
    seeds = [None if seed is None else seed + i for i in range(len(sized))]
    return sized.assign(power_simulated=[
        simulate_power_t_test(int(nt), int(nc), d, sd, n_sim=n_sim, alpha=alpha, seed=s)
        for nt, nc, d, sd, s in zip(sized["n_treatment"], sized["n_control"], sized["delta"], sized["sd"], seeds)
    ])


def summarize_inputs(pilot: pd.DataFrame, *, controls: pd.DataFrame = CONTROL_RATES,
                     sd_level: float = SD_UPPER_LEVEL, ci_level: float = PILOT_CI_LEVEL) -> pd.DataFrame:
    """Gather the planning inputs with their uncertainty and source, one row per input.

    Parameters
    ----------
    pilot : DataFrame
        ``collect_pilot_inputs`` output (``input, value, source``).
    controls : DataFrame
        Control-arm MCII rates (``CONTROL_RATES``: ``key, control, n_responders, n, source``).
    sd_level : float
        One-sided level of the SD's upper confidence limit (``compute_sd_upper_limit``).
    ci_level : float
        Two-sided level of the intervals (exact for rates, chi-square for the SD).

    Returns
    -------
    DataFrame
        Columns ``input`` (``pilot_mcii``, ``pilot_sd``, then each control's ``key``), ``n_responders``,
        ``n``, ``estimate``, ``ci_lower``, ``ci_upper``, ``ci_level``, ``upper_limit`` and ``upper_level``
        (SD only, else NaN), ``label`` (what the input is), ``method`` (source and method).

    Examples
    --------
    >>> pilot = pd.DataFrame({"input": ["n_responders", "n_evaluable", "ci_lower", "ci_upper", "chg_n",
    ...                                 "chg_mean", "chg_sd", "rate"],
    ...                       "value": [8, 10, 0.44, 0.97, 10, -5.0, 4.0, 0.8], "source": "adeff"})
    >>> summarize_inputs(pilot)["estimate"].round(4).tolist()
    [0.8, 4.0, 0.5, 0.5918]
    """
    v, src = pilot.set_index("input")["value"], pilot.set_index("input")["source"]
    sd, n_sd = float(v["chg_sd"]), int(v["chg_n"])
    sd_lo, sd_hi = compute_sd_limits(sd, n_sd, level=ci_level)
    control_ci = [compute_clopper_pearson(int(x), int(n), conf_level=ci_level)
                  for x, n in zip(controls["n_responders"], controls["n"])]
    nan, k = math.nan, len(controls)
    return pd.DataFrame({
        "input": ["pilot_mcii", "pilot_sd", *controls["key"]],
        "n_responders": [v["n_responders"], nan, *controls["n_responders"].astype(float)],
        "n": [v["n_evaluable"], float(n_sd), *controls["n"].astype(float)],
        "estimate": [v["rate"], sd, *(controls["n_responders"] / controls["n"]).astype(float)],
        "ci_lower": [v["ci_lower"], sd_lo, *[lo for lo, _ in control_ci]],
        "ci_upper": [v["ci_upper"], sd_hi, *[hi for _, hi in control_ci]],
        "ci_level": ci_level,
        "upper_limit": [nan, compute_sd_upper_limit(sd, n_sd, level=sd_level), *[nan] * k],
        "upper_level": [nan, sd_level, *[nan] * k],
        "label": [INPUT_LABELS["pilot_mcii"], INPUT_LABELS["pilot_sd"],
                  *[f"ESSDAI MCII rate, control arm: {c}" for c in controls["control"]]],
        "method": [f"Pilot, {src['n_responders']}; exact Clopper-Pearson CI",
                   f"Pilot, {src['chg_sd']}; chi-square CI; one-sided upper limit (Browne 1995)",
                   *[f"{source}; exact Clopper-Pearson CI" for source in controls["source"]]],
    })


# --- the planned trial, simulated and analysed as it will be ----------------------------------------

#: Simulated planned trials per scenario in the report: Monte Carlo SE of a power p is
#: sqrt(p (1 - p) / 2000), at most 1.1 % (at p = 0.5) and 0.9 % at p = 0.8.
N_PLANNED_TRIALS = 2000


@dataclass(frozen=True)
class SimulatedTrials:
    """Simulated planned trials: the patients' centres, arms, dropouts and uniform response draws.

    Attributes
    ----------
    centre : ndarray of int, shape (n_patients,)
        Centre of each patient, 0 to ``n_centres`` - 1 (the same in every trial: ``synthetic.allocate``).
    treated : ndarray of bool, shape (n_trials, n_patients)
        True for the treatment arm (``PLANNED_TRIAL["arms"][0]``).
    evaluable : ndarray of bool, shape (n_trials, n_patients)
        False for a patient who dropped out before the primary endpoint.
    u : ndarray of float, shape (n_trials, n_patients)
        Uniform draws: the patient responds when u is below the arm's rate (common random numbers:
        every scenario uses the same draws).
    n_centres : int
    """

    centre: np.ndarray
    treated: np.ndarray
    evaluable: np.ndarray
    u: np.ndarray
    n_centres: int


def simulate_planned_trials(n_trials: int, *, n_total: int = PLANNED_TRIAL["n_total"],
                            ratio: int = PLANNED_TRIAL["ratio"], n_centres: int = PLANNED_TRIAL["n_centres"],
                            dropout: float = 0.0, seed: int | None = None) -> SimulatedTrials:
    """Simulate the patients of ``n_trials`` planned trials at once (numpy arrays trials x patients).

    The design of the shipped randomised example's generator: patients in centres and arms by
    permuted blocks of ``ratio`` + 1 (``ratio`` treatment : 1 control) within each centre, the
    centres getting whole blocks as evenly as possible (``synthetic.allocate``; 87 patients in 8
    centres, 2:1: five centres of 12 and three of 9, 58 : 29), here for all trials at once
    (``synthetic.allocate_trials``). Each patient independently drops out before week 12 with
    probability ``dropout`` (not evaluable, as in the planned analysis of observed cases) and
    responds when a uniform draw is below the arm's rate. Draws from ``default_rng(seed)``: the
    allocation, then the (trials x patients) uniforms of the responses, then those of the dropouts.

    Examples
    --------
    >>> t = simulate_planned_trials(3, seed=1)
    >>> t.treated.shape, np.bincount(t.centre).tolist(), t.treated.sum(axis=1).tolist()
    ((3, 87), [12, 12, 12, 12, 12, 9, 9, 9], [58, 58, 58])
    """
    from analysis_utils.synthetic import allocate_trials

    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials!r}")
    if int(ratio) != ratio or ratio < 1:
        raise ValueError(f"ratio must be a positive integer for block randomisation, got {ratio!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    rng = np.random.default_rng(seed)
    centre, treated = allocate_trials(int(n_trials), int(n_total), int(n_centres), (int(ratio), 1), rng)
    u = rng.random((n_trials, n_total))
    evaluable = rng.random((n_trials, n_total)) >= dropout
    return SimulatedTrials(centre=centre, treated=treated, evaluable=evaluable, u=u, n_centres=int(n_centres))


def _responds(trials: SimulatedTrials, p_treatment: float, p_control: float) -> np.ndarray:
    return trials.u < np.where(trials.treated, p_treatment, p_control)


def count_responder_tables(trials: SimulatedTrials, p_treatment: float, p_control: float) -> np.ndarray:
    """Count each simulated trial's 2x2 table per centre: shape (trials, centres, 2, 2).

    Rows: treatment arm, control arm (the reference); columns: responders, non-responders; evaluable
    patients only. One ``numpy.bincount`` over all trials.

    Examples
    --------
    >>> t = SimulatedTrials(centre=np.array([0, 0, 1]), treated=np.array([[True, False, True]]),
    ...                     evaluable=np.array([[True, True, False]]), u=np.array([[0.1, 0.9, 0.1]]), n_centres=2)
    >>> count_responder_tables(t, 0.5, 0.5).tolist()  # centre 1: T 1/1, C 0/1; centre 2: a dropout
    [[[[1, 0], [0, 1]], [[0, 0], [0, 0]]]]
    """
    n_trials, k = trials.treated.shape[0], trials.n_centres
    cell = (4 * trials.centre[None, :] + 2 * ~trials.treated + ~_responds(trials, p_treatment, p_control)
            + 4 * k * np.arange(n_trials)[:, None])
    counts = np.bincount(cell[trials.evaluable], minlength=4 * k * n_trials)
    return counts.reshape(n_trials, k, 2, 2)


def trial_dataset(trials: SimulatedTrials, index: int, p_treatment: float, p_control: float, *,
                  arms=PLANNED_TRIAL["arms"]) -> pd.DataFrame:
    """One simulated trial as an analysis dataset: ``USUBJID, SITEID ("01", ...), TRTP, CRIT1FL``.

    ``CRIT1FL`` is "Y" for a responder, "N" for a non-responder, "" for a dropout (not evaluable);
    one record per randomised patient, in patient order. The input of ``compare_arms_responders``.
    """
    width = max(2, len(str(trials.n_centres)))
    flag = np.where(~trials.evaluable[index], "",
                    np.where(_responds(trials, p_treatment, p_control)[index], "Y", "N"))
    return pd.DataFrame({
        "USUBJID": pd.array([f"SIM-{i + 1:04d}" for i in range(len(trials.centre))], dtype=object),
        "SITEID": pd.array([f"{c + 1:0{width}d}" for c in trials.centre], dtype=object),
        "TRTP": pd.array(np.where(trials.treated[index], arms[0], arms[1]), dtype=object),
        "CRIT1FL": pd.array(flag, dtype=object),
    })


def simulate_trial_responders(p_treatment: float, p_control: float, *, n_total: int = PLANNED_TRIAL["n_total"],
                              ratio: int = PLANNED_TRIAL["ratio"], n_centres: int = PLANNED_TRIAL["n_centres"],
                              dropout: float = 0.0, arms=PLANNED_TRIAL["arms"], seed: int | None = None) -> pd.DataFrame:
    """Simulate the primary-endpoint data of one planned trial: one record per randomised patient.

    ``simulate_planned_trials`` with one trial, as a dataset (``trial_dataset``): patients in centres
    and arms by permuted blocks within centre (87 over 8 centres, 2:1: 58 : 29), each responding
    (ESSDAI MCII at week 12) with the rate of the arm, a fraction ``dropout`` not evaluable.

    Returns
    -------
    DataFrame
        ``USUBJID, SITEID ("01".., ), TRTP, CRIT1FL ("Y", "N" or "" not evaluable)``, in patient order.

    Examples
    --------
    >>> d = simulate_trial_responders(0.8, 0.5, seed=1)
    >>> len(d), d["SITEID"].nunique(), d["TRTP"].value_counts().tolist()  # 2:1 within each centre
    (87, 8, [58, 29])
    """
    trials = simulate_planned_trials(1, n_total=n_total, ratio=ratio, n_centres=n_centres, dropout=dropout,
                                     seed=seed)
    return trial_dataset(trials, 0, p_treatment, p_control, arms=arms)


def analyse_trials_one_by_one(trials: SimulatedTrials, indices, p_treatment: float, p_control: float,
                              *, arms=PLANNED_TRIAL["arms"]) -> pd.DataFrame:
    """Analyse a sample of simulated trials one by one with ``comparisons.compare_arms_responders``.

    The reference for the vectorised analysis of ``simulate_planned_trial_power``
    (``comparisons.compare_responder_tables``): each trial of ``indices`` as a dataset
    (``trial_dataset``), analysed as the real trial will be (strata ``SITEID``). About 10-30 ms per
    trial, so for a sample only.

    Returns
    -------
    DataFrame
        ``trial, p_value, by_cmh`` (True when the CMH test gave the p-value, False for Fisher's test).
    """
    from analysis_utils.comparisons import compare_arms_responders

    rows = []
    for i in indices:
        data = trial_dataset(trials, int(i), p_treatment, p_control, arms=arms)
        diff = compare_arms_responders(data, arm="TRTP", reference=arms[1], strata="SITEID").differences.iloc[0]
        rows.append({"trial": int(i), "p_value": float(diff["p_value"]),
                     "by_cmh": "CMH test stratified" in diff["method"]})
    return pd.DataFrame(rows, columns=["trial", "p_value", "by_cmh"])


def simulate_planned_trial_power(scenarios: pd.DataFrame, *, n_trials: int = N_PLANNED_TRIALS,
                                 n_total: int = PLANNED_TRIAL["n_total"], ratio: int = PLANNED_TRIAL["ratio"],
                                 n_centres: int = PLANNED_TRIAL["n_centres"], dropout: float = 0.0,
                                 alpha: float = 0.05, seed: int | None = None, progress: bool = False
                                 ) -> pd.DataFrame:
    """Estimate the power of the planned trial by simulating it and analysing it as it will be analysed.

    ``n_trials`` trials are simulated (``simulate_planned_trials``: the generator's allocation, 87
    patients in 8 centres, 2:1, dropouts) and each is analysed, for each scenario, by the rule of
    ``comparisons.compare_arms_responders`` with strata ``SITEID``: the CMH test stratified by
    centre, or Fisher's exact test where the strata fail the Mantel-Fleiss criterion. The analysis
    is vectorised (``comparisons.compare_responder_tables`` on the trials' (trials x centres x 2 x 2)
    tables, ``count_responder_tables``), which gives the same p-values as ``compare_arms_responders``
    (to about 1e-15; checked on a sample of simulated trials by the tests and by
    ``scripts/bench_planning.py`` through ``analyse_trials_one_by_one``) at a few microseconds
    per trial instead of 10-30 ms. Power = the share of trials with p <= ``alpha``. All scenarios
    share the same simulated patients (centres, arms, dropouts and uniform draws: common random
    numbers), so differences between scenarios are not simulation noise. Monte Carlo SE:
    sqrt(power (1 - power) / n_trials).

    Beside it, the formula's figure: the normal-approximation power (``compute_power_two_proportions_normal``,
    the uncorrected chi-square test) and the exact power of Fisher's test, at the expected numbers of
    evaluable patients n_t = n_total k / (1 + k) (1 - dropout) and n_c = n_total / (1 + k) (1 - dropout)
    (Fisher: rounded to whole patients).

    Parameters
    ----------
    scenarios : DataFrame
        ``scenario, p_treatment, p_control`` (e.g. ``derive_scenarios``).
    n_trials : int
        Simulated trials (each analysed once per scenario), ``N_PLANNED_TRIALS`` by default.
    n_total, ratio, n_centres, dropout
        The design (``PLANNED_TRIAL``); see ``simulate_planned_trials``.
    alpha : float
        Two-sided significance level.
    seed : int, optional
    progress : bool
        Print a counter of the trials analysed to stderr (about ten lines).

    Returns
    -------
    DataFrame
        Per scenario: ``scenario, p_treatment, p_control, n_total, n_trials, power_simulated,
        power_simulated_se, share_cmh`` (share of trials analysed by CMH rather than Fisher),
        ``power_normal, power_fisher_exact``, and ``method``.
    """
    from analysis_utils.comparisons import compare_responder_tables

    trials = simulate_planned_trials(n_trials, n_total=n_total, ratio=ratio, n_centres=n_centres,
                                     dropout=dropout, seed=seed)
    p_t, p_c = scenarios["p_treatment"].to_numpy(float), scenarios["p_control"].to_numpy(float)
    rejected, by_cmh = np.zeros(len(scenarios)), np.zeros(len(scenarios))
    chunks = np.array_split(np.arange(n_trials), min(10, n_trials))
    for done, chunk in enumerate(chunks, start=1):
        part = SimulatedTrials(trials.centre, trials.treated[chunk], trials.evaluable[chunk], trials.u[chunk],
                               trials.n_centres)
        for k in range(len(scenarios)):
            p_values, cmh = compare_responder_tables(count_responder_tables(part, p_t[k], p_c[k]))
            rejected[k] += _rejects(p_values, alpha).sum()
            by_cmh[k] += cmh.sum()
        if progress:
            print(f"simulated trials analysed: {(chunk[-1] + 1) * len(scenarios)}/{n_trials * len(scenarios)}",
                  file=sys.stderr, flush=True)
    power = rejected / n_trials
    n_t_eval = n_total * ratio / (1 + ratio) * (1 - dropout)
    n_c_eval = n_total / (1 + ratio) * (1 - dropout)
    fisher = [compute_power_two_proportions(max(1, round(n_t_eval)), max(1, round(n_c_eval)), a, b, alpha=alpha)
              for a, b in zip(p_t, p_c)]
    return pd.DataFrame({
        "scenario": scenarios["scenario"].to_numpy(), "p_treatment": p_t, "p_control": p_c,
        "n_total": float(n_total), "n_trials": float(n_trials), "power_simulated": power,
        "power_simulated_se": np.sqrt(power * (1 - power) / n_trials), "share_cmh": by_cmh / n_trials,
        "power_normal": compute_power_two_proportions_normal(n_t_eval, n_c_eval, p_t, p_c, alpha=alpha),
        "power_fisher_exact": fisher,
        "method": (f"{n_trials} simulated trials of {n_total} patients, {ratio}:1 by permuted blocks within "
                   f"{n_centres} centres (synthetic.allocate), dropout {dropout:.0%}; each analysed by the rule of "
                   "comparisons.compare_arms_responders (CMH by centre, or Fisher's exact test where strata are "
                   "sparse), vectorised"),
    })


# --- display (layout of ARD rows; rounding through analysis_utils.tables) -------------------------

def _wide(rows: pd.DataFrame, analysis_id: str, optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """ARD rows of one analysis as a frame: one row per category (first-seen order), one column per stat.

    ``optional``: statistics that may be absent from every row (the ARD keeps no NaN, e.g. no exact
    power where every size is beyond ``EXACT_MAX_N_CONTROL``); they come back as NaN columns.
    """
    sel = rows[rows["analysis_id"] == analysis_id]
    if sel.empty:
        raise KeyError(f"ARD: no rows with analysis_id {analysis_id!r}")
    order = list(dict.fromkeys(sel["category"]))
    wide = sel.pivot(index="category", columns="stat_name", values="stat_value").reindex(order)
    wide = wide.reindex(columns=list(wide.columns) + [c for c in optional if c not in wide.columns])
    return wide.join(sel.groupby("category")[["method", "label"]].first())


def _pct(x: float, decimals: int = 1) -> str:
    return f"{format_number(100 * x, decimals)}%"


def format_inputs_table(rows: pd.DataFrame, *, analysis_id: str = "PLAN-INPUTS") -> pd.DataFrame:
    """Lay out the planning inputs (``summarize_inputs`` rows in the ARD) for display.

    Returns columns ``Input, Estimate, Uncertainty, Source``: the pilot's MCII rate, the pilot SD,
    then each control-arm rate.
    """
    w = _wide(rows, analysis_id)
    out = []
    for key, r in w.iterrows():
        ci = f"{format_number(100 * r['ci_level'], 0)}% CI"
        if key == "pilot_sd":
            estimate = f"{format_number(r['estimate'], 2)} (n = {format_number(r['n'], 0)})"
            spread = (f"{ci} {format_number(r['ci_lower'], 2)} to {format_number(r['ci_upper'], 2)}; one-sided "
                      f"upper {format_number(100 * r['upper_level'], 0)}% limit {format_number(r['upper_limit'], 2)}")
        else:
            estimate = (f"{format_number(r['n_responders'], 0)}/{format_number(r['n'], 0)} "
                        f"({_pct(r['estimate'])})")
            spread = f"{ci} {_pct(r['ci_lower'])} to {_pct(r['ci_upper'])}"
        out.append({"Input": r["label"], "Estimate": estimate, "Uncertainty": spread, "Source": r["method"]})
    return pd.DataFrame(out, columns=["Input", "Estimate", "Uncertainty", "Source"])


#: Shown instead of a size when a scenario's treatment rate is not above its control rate.
NOT_SIZED_TEXT = "no advantage over control: not sized"


def _arms_text(r: pd.Series, suffix: str = "") -> str:
    if pd.isna(r.get("n_total" + suffix, math.nan)):
        return NOT_SIZED_TEXT
    return (f"{format_number(r['n_treatment' + suffix], 0)} + {format_number(r['n_control' + suffix], 0)} = "
            f"{format_number(r['n_total' + suffix], 0)}")


def _pct_or_dash(x: float) -> str:
    return "-" if pd.isna(x) else _pct(x)


def format_scenario_table(rows: pd.DataFrame, *, analysis_id: str = "PLAN-MCII-SCENARIOS",
                          formula_analysis_id: str = "PLAN-MCII-SCENARIOS-CHI2") -> pd.DataFrame:
    """Lay out the MCII scenarios for display: Fisher's exact sizes and power, beside the chi-square formula's.

    ``analysis_id``: ``size_scenarios(..., test="fisher")`` + ``check_power_at_n`` rows (the headline
    sizes); ``formula_analysis_id``: the same for the normal-approximation sizes, whose Fisher power
    shows how far short of the target the formula's size leaves Fisher's test.
    """
    power = ("power_fisher_exact", "power_fisher_simulated")
    w, f = _wide(rows, analysis_id, power), _wide(rows, formula_analysis_id, power)
    return pd.DataFrame({
        "Scenario": list(w.index),
        "MCII rate, baricitinib + HCQ vs control": [f"{_pct(r['p_treatment'])} vs {_pct(r['p_control'])}"
                                                    for _, r in w.iterrows()],
        "Evaluable patients (Fisher's exact test)": [_arms_text(r) for _, r in w.iterrows()],
        "To randomise": [_arms_text(r, "_inflated") for _, r in w.iterrows()],
        "Power of Fisher's test at that size: exact / simulated": [
            "-" if pd.isna(r["power_fisher_exact"]) else
            f"{_pct(r['power_fisher_exact'])} / {_pct(r['power_fisher_simulated'])}" for _, r in w.iterrows()],
        "Chi-square formula: to randomise": [_arms_text(f.loc[k], "_inflated") for k in w.index],
        "Fisher's power at the formula's size (exact)": [_pct_or_dash(f.loc[k, "power_fisher_exact"])
                                                         for k in w.index],
    })


def format_simulation_table(rows: pd.DataFrame, *, analysis_id: str = "PLAN-TRIAL-SIMULATION") -> pd.DataFrame:
    """Lay out the power of the planned trial (``simulate_planned_trial_power`` rows) for display.

    Columns: scenario, the rates, the simulated power of the planned analysis with its Monte Carlo SE,
    the share analysed by CMH, and the formula's power and Fisher's exact power at the same size.
    """
    w = _wide(rows, analysis_id, ("power_fisher_exact",))
    return pd.DataFrame({
        "Scenario": list(w.index),
        "MCII rate, baricitinib + HCQ vs control": [f"{_pct(r['p_treatment'])} vs {_pct(r['p_control'])}"
                                                    for _, r in w.iterrows()],
        "Power, simulated trials analysed as planned (MC SE)": [
            f"{_pct(r['power_simulated'])} ({_pct(r['power_simulated_se'])})" for _, r in w.iterrows()],
        "Trials analysed by CMH (rest: Fisher)": [_pct(r["share_cmh"], 0) for _, r in w.iterrows()],
        "Power by the formula (chi-square)": [_pct(r["power_normal"]) for _, r in w.iterrows()],
        "Power of Fisher's test (exact)": [_pct_or_dash(r["power_fisher_exact"]) for _, r in w.iterrows()],
    })


def describe_inputs(rows: pd.DataFrame, *, n_fas: int, analysis_id: str = "PLAN-INPUTS") -> str:
    """The pilot's inputs and their uncertainty in words (``summarize_inputs`` rows in the ARD): the MCII rate of the
    patients assessed with its exact CI, the rate with the patients of the full analysis set (``n_fas``) not assessed
    counted as non-responders, and the SD of the change with its upper limits, as multiples of the estimate.

    >>> pilot = pd.DataFrame({"input": ["n_responders", "n_evaluable", "ci_lower", "ci_upper", "chg_n", "chg_mean",
    ...                                 "chg_sd", "rate"], "value": [10, 10, 0.6915, 1.0, 10, -5.4, 1.7764, 1.0],
    ...                       "source": "adeff"})
    >>> rows = melt_to_ard(summarize_inputs(pilot), category="input", analysis_id="PLAN-INPUTS")
    >>> print(describe_inputs(rows, n_fas=11))
    The pilot's MCII rate, 10/10 (100.0%) of the patients assessed at the primary visit, has an exact 95% CI of \
69.2% to 100.0%; with the 1 patient of the full analysis set not assessed counted as a non-responder it is \
10/11 (90.9%). The SD of the ESSDAI change, 1.78, may be up to 2.30 (one-sided upper 80% limit), 1.29 times \
the estimate, or 3.24 (upper limit of the 95% CI), 1.83 times.
    """
    w = _wide(rows, analysis_id)
    rate, sd = w.loc["pilot_mcii"], w.loc["pilot_sd"]
    x, n = (int(rate[k]) for k in ("n_responders", "n"))
    text = (f"The pilot's MCII rate, {x}/{n} ({_pct(rate['estimate'])}) of the patients assessed at the primary visit, "
            f"has an exact {format_number(100 * rate['ci_level'], 0)}% CI of {_pct(rate['ci_lower'])} to "
            f"{_pct(rate['ci_upper'])}")
    if n_fas > n:
        missed = n_fas - n
        text += (f"; with the {missed} patient{'s' if missed > 1 else ''} of the full analysis set not assessed "
                 f"counted as {'non-responders' if missed > 1 else 'a non-responder'} it is {x}/{n_fas} "
                 f"({_pct(x / n_fas)})")
    return (f"{text}. The SD of the ESSDAI change, {format_number(sd['estimate'], 2)}, may be up to "
            f"{format_number(sd['upper_limit'], 2)} (one-sided upper {format_number(100 * sd['upper_level'], 0)}% "
            f"limit), {format_number(sd['upper_limit'] / sd['estimate'], 2)} times the estimate, or "
            f"{format_number(sd['ci_upper'], 2)} (upper limit of the {format_number(100 * sd['ci_level'], 0)}% CI), "
            f"{format_number(sd['ci_upper'] / sd['estimate'], 2)} times.")


def _how_many(n: int, of: int) -> str:
    """``n`` of ``of`` in words: "both", "all", "none", "2 of them".

    >>> [_how_many(2, 2), _how_many(3, 3), _how_many(0, 3), _how_many(2, 3)]
    ['both', 'all', 'none', '2 of them']
    """
    return "both" if n == of == 2 else "all" if n == of else "none" if n == 0 else f"{n} of them"


def describe_planned_power(rows: pd.DataFrame, *, target: float,
                           analysis_id: str = "PLAN-TRIAL-SIMULATION") -> str:
    """The power of the planned trial in words (``simulate_planned_trial_power`` rows in the ARD): in how many
    scenarios its simulated power reaches ``target``, those short of it with their power, and how it compares with
    Fisher's exact power at the same expected numbers evaluable (the test that sizes Table P.2), by the differences
    of the percentages as Table P.3 shows them and against twice the simulation's Monte Carlo SE. A scenario without
    a simulated power is left out; without any, the text is empty.

    >>> rows = pd.DataFrame({"analysis_id": "PLAN-TRIAL-SIMULATION", "category": [c for c in "ab" for _ in range(4)],
    ...     "stat_name": ["n_total", "power_simulated", "power_simulated_se", "power_fisher_exact"] * 2,
    ...     "stat_value": [87, 0.904, 0.0066, 0.873, 87, 0.697, 0.0103, 0.65], "method": "", "label": ""})
    >>> print(describe_planned_power(rows, target=0.8))
    At the protocol's 87 patients the planned analysis reaches 80% power in 1 of the 2 scenarios (90.4%); it \
falls short in the other: b, 69.7%. Its simulated power is above Fisher's exact power at the same expected \
numbers of evaluable patients in both scenarios (by 3.1 to 4.7 points, more than twice the simulation's standard \
error in both): Fisher's sizes are, if anything, larger than the planned analysis needs.
    >>> print(describe_planned_power(rows[rows["stat_name"] != "power_fisher_exact"], target=0.8)[-20:])
    the other: b, 69.7%.
    """
    w = _wide(rows, analysis_id, ("power_simulated", "power_simulated_se", "power_fisher_exact"))
    w = w[w["power_simulated"].notna()]
    if w.empty:
        return ""
    power, n_total, k = w["power_simulated"], format_number(w["n_total"].iloc[0], 0), len(w)
    met, short = power[power >= target], power[power < target]
    listed = "; ".join(f"{name}, {_pct(p)}" for name, p in short.items())
    text = f"At the protocol's {n_total} patients the planned analysis "
    if short.empty:
        every = "the scenario" if k == 1 else "both scenarios" if k == 2 else f"all {k} scenarios"
        reached = _pct(power.min()) if k == 1 else f"{_pct(power.min())} or more"
        text += f"reaches {_pct(target, 0)} power in {every} ({reached})."
    elif met.empty:
        text += f"falls short of {_pct(target, 0)} power in every scenario: {listed}."
    else:
        reached = _pct(met.min()) if len(met) == 1 else f"{_pct(met.min())} to {_pct(met.max())}"
        text += (f"reaches {_pct(target, 0)} power in {len(met)} of the {k} scenarios ({reached}); it falls short in "
                 f"the {'other' if len(short) == 1 else 'others'}: {listed}.")
    shown = {c: w[c].dropna().map(lambda p: float(format_number(100 * p, 1)))  # as Table P.3 shows them
             for c in ("power_simulated", "power_fisher_exact")}
    gain = (shown["power_simulated"] - shown["power_fisher_exact"]).dropna()
    above = gain[gain > 0]
    if len(above):
        def scenarios(n: int) -> str:
            return ("both scenarios" if n == len(gain) == 2 else "every scenario" if n == len(gain)
                    else f"{n} of the {len(gain)} scenarios")
        clear = int((above > 200 * w.loc[above.index, "power_simulated_se"]).sum())
        points = " to ".join(dict.fromkeys(format_number(g, 1) for g in (above.min(), above.max())))
        text += (f" Its simulated power is above Fisher's exact power at the same expected numbers of evaluable "
                 f"patients in {scenarios(len(above))} (by {points} points, more than twice the simulation's "
                 f"standard error in {_how_many(clear, len(above))})"
                 + (": Fisher's sizes are, if anything, larger than the planned analysis needs."
                    if len(above) == len(gain) else "."))
    return text


def describe_sizes_beyond_axis(rows: pd.DataFrame, *, n_max: float, table: str = "Table P.2",
                               analysis_id: str = "PLAN-MCII-SCENARIOS") -> str:
    """Name the scenarios whose size (``size_scenarios`` rows in the ARD: evaluable patients, ``n_total``) lies beyond
    the power curves, which end at ``n_max`` evaluable patients: their curves do not reach the target power within the
    figure. ``""`` when every curve reaches it (a scenario not sized has no size to reach).

    >>> rows = pd.DataFrame({"analysis_id": "PLAN-MCII-SCENARIOS", "category": ["a", "b", "c"], "stat_name": "n_total",
    ...                      "stat_value": [42.0, 846.0, 1236.0], "method": "", "label": ""})
    >>> describe_sizes_beyond_axis(rows, n_max=900)
    "Beyond the figure's curves, which end at 900 evaluable patients, lies Table P.2's size for c, 1236 evaluable \
patients: its curve does not reach the target power within the figure."
    >>> print(describe_sizes_beyond_axis(rows, n_max=480))
    Beyond the figure's curves, which end at 480 evaluable patients, lie Table P.2's sizes for b, 846 evaluable \
patients; c, 1236: their curves do not reach the target power within the figure.
    >>> describe_sizes_beyond_axis(rows, n_max=2000)
    ''
    """
    n_total = _wide(rows, analysis_id, ("n_total",))["n_total"]
    beyond = n_total[n_total > n_max]
    if beyond.empty:
        return ""
    one = len(beyond) == 1
    sizes = "; ".join(f"{name}, {format_number(n, 0)}" + (" evaluable patients" if i == 0 else "")
                      for i, (name, n) in enumerate(beyond.items()))
    return (f"Beyond the figure's curves, which end at {format_number(n_max, 0)} evaluable patients, "
            f"{'lies' if one else 'lie'} {table}'s {'size' if one else 'sizes'} for {sizes}: "
            f"{'its curve does' if one else 'their curves do'} not reach the target power within the figure.")


def describe_pilot_limits(adsl: pd.DataFrame) -> str:
    """What the pilot can and cannot tell the planning, in words: the sizes differ widely between scenarios it cannot
    tell apart, and its rate is of another treatment than the follow-on trial's (``PLANNED_TRIAL``: baricitinib 4 mg
    with HCQ for every patient), that of baricitinib 2 mg (Bai W et al. Ann Rheum Dis 2022;81:1050) with HCQ as the
    patients' own concomitant medication: how many of the full analysis set (ADSL ``FASFL``, every patient without it)
    took it at baseline (ADSL ``HCQFL``, "Y" or "N"; without it, or with none recorded, the text says so).

    >>> adsl = pd.DataFrame({"FASFL": "Y", "HCQFL": ["Y", "N", "Y"]})
    >>> print(describe_pilot_limits(adsl))
    The pilot supports a randomised trial but cannot size it precisely: the number of patients needed differs widely \
between assumptions that the pilot cannot tell apart, above all with the control arm's response rate, and its \
response rate is that of baricitinib 2 mg, with HCQ in only 2 of its 3 patients (at baseline), where the follow-on \
trial gives 4 mg with HCQ to every patient. Plan on a scenario that does not take the pilot's rate at face value, or \
plan an interim sample-size re-estimation.
    >>> [describe_pilot_limits(a).split("that of ")[1].split(", where")[0]
    ...  for a in (adsl.assign(HCQFL="N"), adsl.assign(HCQFL="Y"), adsl.assign(HCQFL=""), adsl.drop(columns="HCQFL"))]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['baricitinib 2 mg without HCQ', 'baricitinib 2 mg with HCQ in all 3 of its patients (at baseline)',
     'baricitinib 2 mg, with or without HCQ (the export does not record it)',
     'baricitinib 2 mg, with or without HCQ (the export does not record it)']
    """
    fas = adsl[adsl["FASFL"] == "Y"] if "FASFL" in adsl.columns else adsl
    hcq = fas["HCQFL"] if "HCQFL" in fas.columns else pd.Series("", index=fas.index)
    n, n_yes, n_known = len(fas), int((hcq == "Y").sum()), int(hcq.isin(["Y", "N"]).sum())
    if n_yes == n_known == n:
        treatment = f"baricitinib 2 mg with HCQ in all {n} of its patients (at baseline)"
    elif n_yes:
        treatment = f"baricitinib 2 mg, with HCQ in only {n_yes} of its {n} patients (at baseline)"
    elif n_known == n:
        treatment = "baricitinib 2 mg without HCQ"
    else:
        treatment = "baricitinib 2 mg, with or without HCQ (the export does not record it)"
    return ("The pilot supports a randomised trial but cannot size it precisely: the number of patients needed differs "
            "widely between assumptions that the pilot cannot tell apart, above all with the control arm's response "
            f"rate, and its response rate is that of {treatment}, where the follow-on trial gives 4 mg with HCQ to "
            "every patient. Plan on a scenario that does not take the pilot's rate at face value, or plan an interim "
            "sample-size re-estimation.")


def format_chg_table(rows: pd.DataFrame, *, analysis_id: str = "PLAN-CHG-N") -> pd.DataFrame:
    """Lay out the ESSDAI-change sample sizes (``size_two_means`` + ``check_t_test_power`` rows) for display."""
    w = _wide(rows, analysis_id)
    return pd.DataFrame({
        "SD used": [f"{k}: {format_number(r['sd'], 2)}" for k, r in w.iterrows()],
        "Difference to detect (ESSDAI points)": [format_number(abs(r["delta"]), 1) for _, r in w.iterrows()],
        "Evaluable patients": [f"{format_number(r['n_treatment'], 0)} + {format_number(r['n_control'], 0)} = "
                               f"{format_number(r['n_total'], 0)}" for _, r in w.iterrows()],
        "To randomise": [f"{format_number(r['n_treatment_inflated'], 0)} + "
                         f"{format_number(r['n_control_inflated'], 0)} = {format_number(r['n_total_inflated'], 0)}"
                         for _, r in w.iterrows()],
        "Power: exact / simulated": [f"{_pct(r['power_exact'])} / {_pct(r['power_simulated'])}"
                                     for _, r in w.iterrows()],
    })


def summarize_design(*, alpha: float, power: float, ratio: float, dropout: float, delta_chg: float) -> pd.DataFrame:
    """Return the design assumptions as a one-row frame (``category`` "design"), for the ARD.

    Examples
    --------
    >>> summarize_design(alpha=0.05, power=0.8, ratio=2.0, dropout=0.1, delta_chg=3.0).columns.tolist()
    ['category', 'alpha', 'power', 'ratio', 'dropout', 'delta_chg']
    """
    _check_design(ratio=ratio, alpha=alpha, power=power, dropout=dropout)
    return pd.DataFrame({"category": ["design"], "alpha": [alpha], "power": [power], "ratio": [ratio],
                         "dropout": [dropout], "delta_chg": [delta_chg]})


def format_design_note(rows: pd.DataFrame, *, analysis_id: str = "PLAN-DESIGN") -> str:
    """Describe the design assumptions in one sentence, from their ARD rows.

    Examples
    --------
    >>> rows = melt_to_ard(summarize_design(alpha=0.05, power=0.8, ratio=2.0, dropout=0.1, delta_chg=3.0),
    ...                    category="category", stats=["alpha", "power", "ratio", "dropout", "delta_chg"],
    ...                    analysis_id="PLAN-DESIGN")
    >>> format_design_note(rows)
    'Two-sided alpha 0.05; power 80%; allocation 2:1 (baricitinib + HCQ : HCQ); dropout allowance 10%.'
    """
    d = _wide(rows, analysis_id).iloc[0]
    return (f"Two-sided alpha {format_number(d['alpha'], 3).rstrip('0')}; power {format_number(100 * d['power'], 0)}%; "
            f"allocation {format_number(d['ratio'], 1).removesuffix('.0')}:1 (baricitinib + HCQ : HCQ); "
            f"dropout allowance {format_number(100 * d['dropout'], 0)}%.")
