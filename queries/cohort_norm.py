"""Normalisation of a cohort's raw counts: TMM factors and log2-CPM, as edgeR computes them.

Robinson MD, Oshlack A. *A scaling normalization method for differential expression analysis of RNA-seq
data.* Genome Biology 11:R25 (2010) (TMM); the arithmetic follows edgeR's ``calcNormFactors(method =
"TMM")`` and ``cpm(log = TRUE, prior.count = 2)`` (docs/cohort.md, "Normalisation").

Examples
--------
>>> import numpy as np
>>> counts = np.array([[10, 20], [20, 40], [30, 60], [40, 80], [50, 2000]], dtype=float)
>>> np.round(tmm_factors(counts, trim_log_ratio=0.3, trim_abundance=0.05), 3).tolist()
[2.708, 0.369]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def upper_quartiles(counts: np.ndarray) -> np.ndarray:
    """The 75th percentile of each sample's counts divided by its library size (R's quantile type 7)."""
    return np.quantile(counts / counts.sum(axis=0), 0.75, axis=0)


def reference_sample(counts: np.ndarray) -> int:
    """edgeR's TMM reference: the sample whose upper quartile is closest to the mean upper quartile
    (the sample with the largest sum of square-root counts when upper quartiles are all zero)."""
    quartiles = upper_quartiles(counts)
    if np.median(quartiles) < 1e-20:
        return int(np.argmax(np.sqrt(counts).sum(axis=0)))
    return int(np.argmin(np.abs(quartiles - quartiles.mean())))


def _trimmed_log_ratio(obs: np.ndarray, ref: np.ndarray, trim_m: float, trim_a: float) -> float:
    """Weighted trimmed mean of the log2 ratios of ``obs`` against ``ref`` (edgeR ``.calcFactorTMM``)."""
    from scipy.stats import rankdata

    n_obs, n_ref = obs.sum(), ref.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log2((obs / n_obs) / (ref / n_ref))
        abundance = (np.log2(obs / n_obs) + np.log2(ref / n_ref)) / 2
        variance = (n_obs - obs) / n_obs / obs + (n_ref - ref) / n_ref / ref
    ok = np.isfinite(log_ratio) & np.isfinite(abundance)
    log_ratio, abundance, variance = log_ratio[ok], abundance[ok], variance[ok]
    n = len(log_ratio)
    if n == 0:
        return 0.0
    lo_m, lo_a = np.floor(n * trim_m) + 1, np.floor(n * trim_a) + 1
    rank_m, rank_a = rankdata(log_ratio), rankdata(abundance)
    keep = (rank_m >= lo_m) & (rank_m <= n + 1 - lo_m) & (rank_a >= lo_a) & (rank_a <= n + 1 - lo_a)
    if not keep.any():
        return 0.0
    return float(np.sum(log_ratio[keep] / variance[keep]) / np.sum(1 / variance[keep]))


def tmm_factors(counts: np.ndarray, trim_log_ratio: float = 0.3, trim_abundance: float = 0.05) -> np.ndarray:
    """TMM normalisation factors of a genes x samples count matrix, scaled to a geometric mean of 1.

    Rows that are zero in every sample are ignored; each sample is compared with the reference sample
    (:func:`reference_sample`) on the genes counted in both.
    """
    counts = np.asarray(counts, dtype=float)
    counts = counts[counts.sum(axis=1) > 0]
    ref = counts[:, reference_sample(counts)]
    logs = [
        _trimmed_log_ratio(counts[:, j], ref, trim_log_ratio, trim_abundance) for j in range(counts.shape[1])
    ]
    factors = np.exp2(np.array(logs))
    return factors / np.exp(np.mean(np.log(factors)))


def log_cpm(counts: pd.DataFrame, factors: np.ndarray, prior_count: float = 2.0) -> pd.DataFrame:
    """log2 counts per million on effective library sizes (library size x factor), edgeR style.

    The prior count is scaled by each sample's library size relative to the mean, and twice the scaled
    prior is added to the library size: ``log2((x + p_j) / (N_j f_j + 2 p_j) * 1e6)``,
    ``p_j = prior_count * N_j f_j / mean(N f)``.
    """
    lib = counts.sum(axis=0).to_numpy(dtype=float) * np.asarray(factors, dtype=float)
    prior = prior_count * lib / lib.mean()
    return np.log2((counts + prior) / (lib + 2 * prior) * 1e6)
