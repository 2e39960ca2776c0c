"""Efficacy endpoints: one import for the efficacy analyses, which live in one module per concern.

Where to find a method (each module's docstring states its methods and sources):

- ``visits``: the analysis visits of a trial, from its data (``AVISIT`` by planned week ``AVISITN``), their
  codes in analysis identifiers, and the visits due at the data cut.
- ``summaries``: n, mean, SD, median, quartiles (Hyndman-Fan type 2), range by visit; category counts.
- ``paired_tests``: change from baseline within patients: Wilcoxon signed-rank (exact), Hodges-Lehmann,
  paired t-test, effect sizes; the Friedman test across visits.
- ``responders``: responder rates n/N (%) with the exact Clopper-Pearson CI; the ESSDAI MCII threshold.
- ``imputation``: missing post-baseline visits filled by LOCF or BOCF.
- ``mixed_model``: the random-intercept mixed model of the change at every visit, t-based intervals with
  containment degrees of freedom.
- ``efficacy_ard``: ``summarize_efficacy`` and its parts: every efficacy number as ARD rows (identifiers listed
  in its docstring).
- ``efficacy_tables``: the efficacy tables (``format_*``) and sentences (``describe_*``) laid out from the ARD.

``from analysis_utils import endpoints`` gives every name of these modules that notebooks and other modules
use (``endpoints.summarize_efficacy``, ``endpoints.format_paired_table``...).
"""

from analysis_utils.efficacy_ard import (  # noqa: F401
    EFFICACY_LAB_PARAMCDS, ENDPOINT_PARAMCDS, DUE_METHOD, POOLED_GROUP, POPULATIONS, REMISSION_PARAMCDS, _ard, _stack,
    pooled_group, select_fas,
    summarize_activity, summarize_course, summarize_efficacy, summarize_endpoint, summarize_primary,
    summarize_remission, summarize_response, summarize_visits_and_model, summarize_visits_due,
)
from analysis_utils.efficacy_tables import (  # noqa: F401
    DISPLAY_DECIMALS, METHOD_WORDS, NO_DATA_TEXT, PAIRED_COLUMNS, VARIABLE_LABELS, _cell, _Cells, _p_text,
    analysis_visits, describe_categories, describe_change, describe_course, describe_domains,
    describe_friedman,
    describe_labs, describe_no_data, describe_population, describe_remission, describe_responders,
    describe_sensitivity, format_category_table, format_friedman_table, format_methods_note, format_paired_table,
    format_responder_table, format_sensitivity_table, format_summary_table, paired_analysis_ids,
    SENSITIVITY_MCII_NOTE, SENSITIVITY_NOTE, sensitivity_analysis_ids,
)
from analysis_utils.imputation import CHANGE_CRITERIA, _observed, impute_bocf, impute_locf  # noqa: F401
from analysis_utils.mixed_model import (  # noqa: F401
    MIXED_MODEL_STATSMODELS_MAX_SUBJECTS, _fit_random_intercept_reml, compute_t_interval, compute_within_subject_df,
    fit_mixed_model, fit_mixed_model_due,
)
from analysis_utils.paired_tests import (  # noqa: F401
    DIFF_DECIMALS, EXACT_MAX_N, WILCOXON_ZERO_METHOD, compare_paired, compare_visits_friedman, compute_effect_sizes,
    compute_hodges_lehmann, compute_paired_t, compute_wilcoxon, friedman_method, signed_rank_null_counts,
)
from analysis_utils.responders import ESSDAI_MCII_CHANGE, compute_clopper_pearson, summarize_responders  # noqa: F401
from analysis_utils.summaries import (  # noqa: F401
    ACTIVITY_CATEGORIES, CONF_LEVEL, QUANTILE_METHOD, SUMMARY_STATS, compute_quantile, summarize_by_visit,
    summarize_categories,
)
from analysis_utils.tables import count_words, join_words  # noqa: F401
from analysis_utils.visits import analysis_weeks, visit_code, visit_weeks, visits_due  # noqa: F401
