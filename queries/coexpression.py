"""Co-expression refinement of the metabolic subtype signatures (Karasinska et al. 2020, docs/profiles.md).

The paper clustered the glycolysis and cholesterol-biosynthesis genes by their co-expression across the
cohort (consensus hierarchical clustering, Spearman) and kept, per pathway, the co-expressed cluster. Here:

1. the measured, non-constant candidate genes of both sets are clustered together;
2. for each of ``resamples`` random subsets holding ``fraction`` of the samples (n of them), an
   average-linkage tree on 1 - Spearman rho (between genes, across the subset's samples) is cut at height
   1 - r with r = max(``min_rho``, ``noise_z`` / sqrt(n - 1)): two groups merge while their average
   correlation is at least r (the second term keeps chance correlations out of small cohorts);
3. the consensus is the fraction of subsets in which two genes share a cluster; an average-linkage tree
   on 1 - consensus is cut at ``1 - min_consensus``;
4. each set keeps its genes in the cluster that holds most of them (ties: the smaller cluster), minus
   genes of the other set. A core of fewer than ``min_core`` genes means no co-expressed core: that set
   keeps its full list.

Parameters come from ``subtypes.refinement`` in ``queries/signatures.yaml``.

Examples
--------
>>> core = refine_signatures(log, sets, spec)         # doctest: +SKIP
>>> core.kept["glycolytic"], core.note                # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class SignatureCore:
    """The genes each subtype signature keeps for a cohort, and how they were chosen.

    Attributes
    ----------
    kept : dict
        Set name -> measured candidate genes used for the subtype call (signature order).
    dropped : dict
        Set name -> measured candidate genes the refinement left out.
    refined : bool
        Whether the co-expression refinement ran (else the full candidate lists are used).
    note : str
        One line saying what was done, for the CLI and the JSON document.
    clusters : list
        The consensus co-expression clusters (empty without refinement).
    """

    kept: dict[str, list[str]]
    dropped: dict[str, list[str]]
    refined: bool
    note: str
    clusters: list[list[str]] = field(default_factory=list)


def spearman_distance(values: np.ndarray) -> np.ndarray:
    """Condensed 1 - Spearman rho between the rows of a genes x samples array (constant rows: rho 0).

    Examples
    --------
    >>> spearman_distance(np.array([[1.0, 2, 3], [2.0, 4, 9], [3.0, 2, 1]])).round(6).tolist()
    [0.0, 2.0, 2.0]
    """
    from scipy.spatial.distance import squareform
    from scipy.stats import rankdata

    ranks = rankdata(values, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.nan_to_num(np.corrcoef(ranks), nan=0.0)
    np.fill_diagonal(rho, 1.0)
    return squareform(np.clip(1.0 - rho, 0.0, 2.0), checks=False)


def cut_tree(distance: np.ndarray, n_items: int, height: float) -> np.ndarray:
    """Flat cluster labels of an average-linkage tree on a condensed distance, cut at ``height``."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if n_items < 2:
        return np.ones(n_items, dtype=int)
    return fcluster(linkage(distance, method="average"), t=height, criterion="distance")


def min_correlation(n_samples: int, spec: dict[str, Any]) -> float:
    """``min_rho``, raised in small cohorts to ``noise_z / sqrt(n - 1)`` (with ``noise_z`` 1.96, the rho
    two independent genes exceed in absolute value with ~5% probability).

    Examples
    --------
    >>> round(min_correlation(16, {"min_rho": 0.3, "noise_z": 1.96}), 3)
    0.506
    >>> min_correlation(400, {"min_rho": 0.3, "noise_z": 1.96})
    0.3
    """
    return max(float(spec["min_rho"]), float(spec["noise_z"]) / float(np.sqrt(max(n_samples - 1, 1))))


def consensus(values: np.ndarray, spec: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Fraction of random sample subsets in which each pair of rows falls in the same cluster (square)."""
    n_genes, n_samples = values.shape
    size = max(3, round(float(spec["fraction"]) * n_samples))
    together = np.zeros((n_genes, n_genes))
    for _ in range(int(spec["resamples"])):
        cols = rng.choice(n_samples, size=size, replace=False)
        labels = cut_tree(spearman_distance(values[:, cols]), n_genes, 1.0 - min_correlation(size, spec))
        together += labels[:, None] == labels[None, :]
    return together / int(spec["resamples"])


def coexpression_clusters(log: pd.DataFrame, genes: list[str], spec: dict[str, Any]) -> list[list[str]]:
    """Consensus co-expression clusters of the measured, non-constant ``genes`` across ``log``'s samples."""
    from scipy.spatial.distance import squareform

    rows = log.loc[[g for g in dict.fromkeys(genes) if g in log.index]]
    rows = rows[rows.std(axis=1) > 0]
    share = consensus(rows.to_numpy(dtype=float), spec, np.random.default_rng(int(spec["seed"])))
    distance = squareform(1.0 - share, checks=False)
    labels = cut_tree(distance, len(rows), 1.0 - float(spec["min_consensus"]))
    return [list(rows.index[labels == k]) for k in np.unique(labels)]


def core_of(name: str, sets: dict[str, list[str]], clusters: list[list[str]]) -> list[str]:
    """Genes of set ``name`` in the cluster holding most of them (ties: smaller cluster), minus other sets.

    Examples
    --------
    >>> core_of("a", {"a": ["A1", "A2", "A3"], "b": ["B1"]}, [["A1", "A2", "B1"], ["A3"]])
    ['A1', 'A2']
    """
    own = set(sets[name])
    others = {g for key, genes in sets.items() if key != name for g in genes}
    best = max(clusters, key=lambda c: (len(own.intersection(c)), -len(c)), default=[])
    return [g for g in sets[name] if g in best and g not in others]


def refine_signatures(log: pd.DataFrame, sets: dict[str, list[str]], spec: dict[str, Any]) -> SignatureCore:
    """Each signature's co-expressed core in this cohort, or the full lists when it has too few samples.

    Parameters
    ----------
    log : pandas.DataFrame
        Genes x samples, log2 expression.
    sets : dict
        Set name -> candidate genes (``subtypes.signatures``).
    spec : dict
        ``subtypes.refinement`` of ``signatures.yaml``.
    """
    measured = {name: [g for g in genes if g in log.index] for name, genes in sets.items()}
    n, floor = log.shape[1], int(spec["min_samples"])
    if n < floor:
        note = f"{n} samples (< {floor}): no co-expression refinement, full candidate lists used"
        return SignatureCore(measured, {name: [] for name in sets}, False, note)
    clusters = coexpression_clusters(log, [g for genes in measured.values() for g in genes], spec)
    kept = {name: core_of(name, measured, clusters) for name in measured}
    small = [name for name, genes in kept.items() if len(genes) < int(spec["min_core"])]
    kept.update({name: measured[name] for name in small})
    dropped = {name: [g for g in measured[name] if g not in kept[name]] for name in measured}
    note = f"co-expression refinement on {n} samples"
    note += f" ({spec['resamples']} resamples of {float(spec['fraction']):.0%})"
    if small:
        note += f"; no co-expressed core for {', '.join(small)}: full list used"
    return SignatureCore(kept, dropped, True, note, clusters)
