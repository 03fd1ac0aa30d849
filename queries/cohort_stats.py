"""The checks of ``tmekg cohort``: purity adjustment, subtype stability, Fisher's test, survival.

Every function takes plain tables and returns plain numbers; what they compute and why is in
docs/cohort.md ("Checks").

Examples
--------
>>> fisher_2x2([[8, 2], [1, 5]]).odds_ratio
20.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

SUBTYPES = ("glycolytic", "cholesterogenic", "mixed", "quiescent")


# -- purity ---------------------------------------------------------------------------------------------
def purity_adjusted(scores: pd.DataFrame, purity: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores with their linear dependence on tumour purity removed, and the fit per column.

    Per column, over the samples with a purity: least squares ``score = a + b * purity``; the adjusted
    score is ``score - b * (purity - mean purity)`` (the score the sample would have at the cohort's
    mean purity). Samples without purity get NaN. The fit table holds slope ``b``, Pearson ``r`` and
    ``n`` per column.
    """
    import pandas as pd

    have = purity.reindex(scores.index).astype(float)
    ok = have.notna()
    x = have[ok].to_numpy()
    out = pd.DataFrame(np.nan, index=scores.index, columns=scores.columns)
    fits = []
    for column in scores.columns:
        y = scores.loc[ok, column].to_numpy(dtype=float)
        good = np.isfinite(y)
        if good.sum() < 3 or np.ptp(x[good]) == 0:
            fits.append({"column": column, "slope": np.nan, "r": np.nan, "n": int(good.sum())})
            continue
        slope = float(np.polyfit(x[good], y[good], 1)[0])
        r = float(np.corrcoef(x[good], y[good])[0, 1])
        out.loc[ok, column] = y - slope * (x - x[good].mean())
        fits.append({"column": column, "slope": slope, "r": r, "n": int(good.sum())})
    return out, pd.DataFrame(fits).set_index("column")


# -- stability ------------------------------------------------------------------------------------------
def quadrant(glyc: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """Karasinska's split of the two median z-scores at 0 (NaN -> ``unassigned``)."""
    glyc, chol = np.asarray(glyc, dtype=float), np.asarray(chol, dtype=float)
    return np.select(
        [np.isnan(glyc) | np.isnan(chol), (glyc > 0) & (chol > 0), glyc > 0, chol > 0],
        ["unassigned", "mixed", "glycolytic", "cholesterogenic"],
        "quiescent",
    )


@dataclass
class Stability:
    """Bootstrap re-calls: mean agreement with the call, its range, and per-sample stability."""

    agreement: float
    low: float  # 2.5th percentile of the per-bootstrap agreement
    high: float  # 97.5th percentile
    per_sample: pd.Series  # fraction of re-calls equal to the sample's call
    draws: int


def bootstrap_calls(
    z: pd.DataFrame, genes: dict[str, list[str]], calls: pd.Series, draws: int, seed: int
) -> Stability:
    """Re-call subtypes ``draws`` times, each signature's kept genes resampled with replacement.

    ``z`` is the genes x samples table of cohort z-scores the calls were made from; each re-call takes
    the median z over the resampled genes and applies :func:`quadrant`.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    blocks = {name: z.loc[[g for g in kept if g in z.index]].to_numpy() for name, kept in genes.items()}
    same = np.zeros((draws, z.shape[1]), dtype=bool)
    for d in range(draws):
        medians = {}
        for name, block in blocks.items():
            pick = rng.integers(0, len(block), len(block))
            medians[name] = np.median(block[pick], axis=0)
        same[d] = quadrant(medians["glycolytic"], medians["cholesterogenic"]) == calls.to_numpy()
    per_draw = same.mean(axis=1)
    per_sample = pd.Series(same.mean(axis=0), index=z.columns)
    low, high = np.percentile(per_draw, [2.5, 97.5])
    return Stability(float(per_draw.mean()), float(low), float(high), per_sample, draws)


# -- subtype x Moffitt ------------------------------------------------------------------------------------
@dataclass
class Fisher:
    """A 2x2 table [[a, b], [c, d]] with Fisher's exact test (two-sided) and the sample odds ratio."""

    table: list[list[int]]
    odds_ratio: float
    p_value: float
    rows: tuple[str, str] = ("", "")
    columns: tuple[str, str] = ("", "")
    power: float | None = None  # simulated power at the configured odds ratio
    notes: list[str] = field(default_factory=list)


def fisher_2x2(table: list[list[int]]) -> Fisher:
    """Fisher's exact test of a 2x2 table (scipy); odds ratio ``a d / (b c)`` (inf / nan when 0)."""
    from scipy.stats import fisher_exact

    result = fisher_exact(np.asarray(table, dtype=int), alternative="two-sided")
    return Fisher([[int(v) for v in row] for row in table], float(result.statistic), float(result.pvalue))


def contingency(subtype: pd.Series, moffitt: pd.Series) -> pd.DataFrame:
    """Subtype (rows, in :data:`SUBTYPES` order) x Moffitt call (basal, classical) counts."""
    import pandas as pd

    both = pd.DataFrame({"subtype": subtype, "moffitt": moffitt}).dropna()
    table = pd.crosstab(both["subtype"], both["moffitt"])
    return (
        table.reindex(index=list(SUBTYPES), columns=["basal", "classical"], fill_value=0)
        .fillna(0)
        .astype(int)
    )


def subtype_fisher(table: pd.DataFrame, subtype: str, moffitt: str) -> Fisher:
    """The pre-specified 2x2 test: ``subtype`` vs the others x ``moffitt`` vs the other call."""
    other = next(c for c in table.columns if c != moffitt)
    inside = table.loc[subtype]
    outside = table.drop(index=subtype).sum()
    result = fisher_2x2([[inside[moffitt], inside[other]], [outside[moffitt], outside[other]]])
    result.rows, result.columns = (subtype, f"not {subtype}"), (moffitt, other)
    return result


def fisher_power(row_totals: tuple[int, int], column_share: float, odds_ratio: float, alpha: float) -> float:
    """Exact power of the two-sided Fisher test with fixed row totals (e.g. basal / classical counts).

    The second row has ``column_share`` in the first column, the first row the share given by
    ``odds_ratio``; every possible table is enumerated and weighted by its binomial probability. The
    two-sided p-value of a table is the sum of the hypergeometric probabilities (given its margins) no
    larger than its own, as ``scipy.stats.fisher_exact`` computes it.
    """
    from scipy.stats import binom, hypergeom

    p0 = min(max(column_share, 1e-6), 1 - 1e-6)
    odds = odds_ratio * p0 / (1 - p0)
    n1, n2 = row_totals
    weight = np.outer(
        binom.pmf(np.arange(n1 + 1), n1, odds / (1 + odds)), binom.pmf(np.arange(n2 + 1), n2, p0)
    )
    power = 0.0
    for k in range(n1 + n2 + 1):  # tables with k in the first column: x in row 1, k - x in row 2
        x = np.arange(max(0, k - n2), min(n1, k) + 1)
        pmf = hypergeom.pmf(x, n1 + n2, n1, k)
        p = np.array([pmf[pmf <= v * (1 + 1e-7)].sum() for v in pmf])
        power += float(weight[x[p < alpha], k - x[p < alpha]].sum())
    return power


# -- survival -------------------------------------------------------------------------------------------
@dataclass
class Survival:
    """Kaplan-Meier curves per group and the log-rank test across groups."""

    n: int
    events: int
    groups: dict[str, dict[str, Any]]  # name -> {n, events, median_days, times, survival}
    p_value: float
    statistic: float
    dof: int
    events_needed: int  # Schoenfeld: events for 80% power at the configured hazard ratio (two groups)


def survival(
    time: pd.Series, event: pd.Series, group: pd.Series, hazard_ratio: float, alpha: float
) -> Survival:
    """Kaplan-Meier estimates per group and a multivariate log-rank test (``lifelines``)."""
    import pandas as pd
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    data = pd.DataFrame({"time": time, "event": event, "group": group}).dropna()
    groups: dict[str, dict[str, Any]] = {}
    for name in [g for g in SUBTYPES if g in set(data["group"])]:
        part = data[data["group"] == name]
        fit = KaplanMeierFitter().fit(part["time"], part["event"].astype(int), label=name)
        curve = fit.survival_function_[name]
        groups[name] = {
            "n": len(part),
            "events": int(part["event"].sum()),
            "median_days": float(fit.median_survival_time_),
            "times": curve.index.to_numpy(dtype=float).tolist(),
            "survival": curve.to_numpy(dtype=float).tolist(),
        }
    p, stat, dof = float("nan"), float("nan"), 0
    if len(groups) >= 2:
        test = multivariate_logrank_test(data["time"], data["group"], data["event"].astype(int))
        p, stat, dof = float(test.p_value), float(test.test_statistic), len(groups) - 1
    return Survival(
        len(data), int(data["event"].sum()), groups, p, stat, dof, events_needed(hazard_ratio, alpha)
    )


def events_needed(hazard_ratio: float, alpha: float, power: float = 0.8) -> int:
    """Schoenfeld's approximation for a two-group log-rank test with equal allocation:
    ``4 (z_{1-alpha/2} + z_power)^2 / ln(HR)^2`` events."""
    from scipy.stats import norm

    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return int(np.ceil(4 * z**2 / np.log(hazard_ratio) ** 2))
