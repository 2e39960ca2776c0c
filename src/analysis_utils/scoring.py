"""Clinical scores of primary Sjögren's syndrome: ESSDAI, ESSPRI, PGA and responses.

Sources (see ../shared/domain.md §1-§4, §9):

- ESSDAI: Seror R et al. Ann Rheum Dis 2010;69:1103-9, Table 3 (domains, weights, levels);
  Seror R et al. RMD Open 2015;1:e000022 (user guide).
- Activity states and MCII: Seror R et al. Ann Rheum Dis 2016;75:382-9.
"""

from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils.vocabulary import ESSDAI_DOMAINS

#: ESSDAI domain weights (Seror et al. 2010, Table 3). Domain score = weight x activity level.
ESSDAI_WEIGHTS = MappingProxyType({
    "constitutional": 3, "lymphadenopathy": 4, "glandular": 2, "articular": 2,
    "cutaneous": 3, "pulmonary": 5, "renal": 5, "muscular": 6, "pns": 5, "cns": 5,
    "haematological": 2, "biological": 1,
})

#: Activity levels each domain allows (Seror et al. 2010, Table 3): no level 3 ("high") for
#: constitutional, glandular and biological; no level 1 ("low") for CNS.
ESSDAI_ALLOWED_LEVELS = MappingProxyType({
    d: frozenset({0, 1, 2}) if d in ("constitutional", "glandular", "biological")
    else frozenset({0, 2, 3}) if d == "cns"
    else frozenset({0, 1, 2, 3})
    for d in ESSDAI_DOMAINS
})

#: Highest possible ESSDAI total, the sum of weight x highest allowed level (= 123).
ESSDAI_MAX = sum(ESSDAI_WEIGHTS[d] * max(ESSDAI_ALLOWED_LEVELS[d]) for d in ESSDAI_DOMAINS)


def essdai_domain_scores(levels: pd.DataFrame) -> pd.DataFrame:
    """Compute the 12 ESSDAI domain scores (weight x level) from activity levels.

    Parameters
    ----------
    levels : DataFrame
        One integer activity-level column per domain, named as in
        ``vocabulary.ESSDAI_DOMAINS``. Missing values stay missing.

    Returns
    -------
    DataFrame
        The domain scores, same index and columns as ``levels[ESSDAI_DOMAINS]``, float.

    Raises
    ------
    ValueError
        A level the domain does not allow; the message names the domain, the row index and the value.

    Examples
    --------
    >>> lv = pd.DataFrame({d: [0] for d in ESSDAI_DOMAINS}).assign(articular=2)
    >>> int(essdai_domain_scores(lv)["articular"].iloc[0])
    4
    """
    missing = [d for d in ESSDAI_DOMAINS if d not in levels.columns]
    if missing:
        raise ValueError(f"ESSDAI levels: missing domain column(s) {missing}")
    values = levels[list(ESSDAI_DOMAINS)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    raw = levels[list(ESSDAI_DOMAINS)]
    for j, domain in enumerate(ESSDAI_DOMAINS):
        col = values[:, j]
        bad = np.isnan(col) & raw.iloc[:, j].notna().to_numpy()
        allowed = np.array(sorted(ESSDAI_ALLOWED_LEVELS[domain]), dtype=float)
        bad |= ~np.isnan(col) & ~np.isin(col, allowed)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"ESSDAI domain '{domain}': level {raw.iloc[i, j]!r} at row {levels.index[i]!r} "
                f"is not allowed (allowed levels: {sorted(ESSDAI_ALLOWED_LEVELS[domain])})"
            )
    weights = np.array([ESSDAI_WEIGHTS[d] for d in ESSDAI_DOMAINS], dtype=float)
    return pd.DataFrame(values * weights, index=levels.index, columns=list(ESSDAI_DOMAINS))


def compute_essdai(levels: pd.DataFrame) -> pd.Series:
    """Compute the ESSDAI total (0-123) from the 12 domain activity levels.

    A row with any missing domain gets a missing total: ESSDAI is defined on all 12 domains.

    Examples
    --------
    >>> compute_essdai(pd.DataFrame({d: [0, 0] for d in ESSDAI_DOMAINS}).assign(renal=[1, None])).tolist()
    [5.0, nan]
    """
    scores = essdai_domain_scores(levels)
    return scores.sum(axis=1, min_count=len(ESSDAI_DOMAINS)).where(scores.notna().all(axis=1)).rename("ESSDAI")
