"""Personalised combination rankings for every patient of a cohort, against one shared baseline.

The default (unpersonalised) ranking and its permutation null are computed once (the null read from the
cache of :mod:`tmekg.queries.significance`); each patient then costs one scoring pass with its node
factors (the same factors as ``tmekg rank --sample``, :mod:`tmekg.queries.personalise`), run in forked
worker processes. p-values are the graph's (default score against the shared null): a personalised score
has no null of its own here (docs/cohort.md, "Combinations per patient").

Examples
--------
>>> base = baseline(kg)                                           # doctest: +SKIP
>>> ranks = patient_rankings(kg, base, factors_by_sample, top=5)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.scoring import Scorer


@dataclass
class Baseline:
    """The default ranking of every candidate x class (``table``, in default rank order) and its scorer."""

    scorer: Scorer
    table: pd.DataFrame  # target_id, target_symbol, immunotherapy_class, _row, _class, default_score,
    # default_rank, p_value (graph-level; NaN when no permutations), drugs
    context: str | None
    permutations: int


def baseline(
    kg: KnowledgeGraph, context: str | None = None, permutations: int | None = None, seed: int | None = None
) -> Baseline:
    """Score the default graph once and attach p-values from the cached null (built on first use)."""
    from tmekg.queries.rank import make_scorer
    from tmekg.queries.significance import cached_null, null_p_values, null_spec

    scorer = make_scorer(kg, context)
    comp = scorer.components()
    table = scorer.table(comp).rename(columns={"score": "default_score"})
    table = table.sort_values(
        ["default_score", "target_id", "immunotherapy_class"], ascending=[False, True, True]
    )
    table = table.reset_index(drop=True)
    table["default_rank"] = np.arange(1, len(table) + 1)
    spec = null_spec(scorer, permutations, seed)
    table["p_value"] = np.nan
    if spec.count:
        p = null_p_values(scorer, comp.score, cached_null(scorer, spec))
        position = {t: i for i, t in enumerate(scorer.targets)}
        table["p_value"] = p[[position[r] for r in table["_row"]], table["_class"].to_numpy(dtype=int)]
    return Baseline(scorer, table, context, spec.count)


def sample_factors(
    kg: KnowledgeGraph, log: pd.DataFrame, node_ids: dict[str, str]
) -> dict[str, dict[str, float]]:
    """Node factors of every sample (column of ``log``): 2^clip(log2 x - cohort median), as
    :func:`tmekg.queries.personalise.sample_factors` computes them for one sample of a cohort table."""
    from tmekg.queries.personalise import CLIP, _axis_rows

    ratios = log.sub(log.median(axis=1), axis=0)
    genes = [(symbol, node) for symbol, node in sorted(node_ids.items()) if symbol in log.index]
    symbols, nodes = [s for s, _ in genes], [n for _, n in genes]
    out = {}
    for sample in log.columns:
        ratio = ratios[sample]
        values = dict(zip(nodes, ratio.loc[symbols].to_numpy(dtype=float), strict=True))
        values.update({row["node_id"]: row["log2_ratio"] for row in _axis_rows(kg, ratio)})
        out[sample] = {k: float(np.exp2(np.clip(v, -CLIP, CLIP))) for k, v in values.items()}
    return out


@dataclass
class PatientRanking:
    """One patient's personalised rank of every baseline row, and the top rows with what moved them."""

    sample: str
    rank: np.ndarray  # personalised rank of each row of Baseline.table
    score: np.ndarray
    top: list[dict[str, Any]]  # rank, target_symbol, immunotherapy_class, default_rank, delta_rank, why, ...


_JOB: tuple[Any, ...] | None = None  # (kg, baseline, factors, top) inherited by forked workers


def patient_rankings(
    kg: KnowledgeGraph,
    base: Baseline,
    factors: dict[str, dict[str, float]],
    top: int = 5,
    workers: int | None = None,
) -> list[PatientRanking]:
    """Each sample's personalised ranking (in the order of ``factors``), in forked worker processes.

    ``workers`` defaults to :func:`tmekg.queries.significance.null_workers` (``$TMEKG_WORKERS``, else the
    usable cores, at most 8).
    """
    import multiprocessing

    from tmekg.queries.significance import null_workers

    global _JOB
    samples = list(factors)
    workers = null_workers(len(samples)) if workers is None else max(1, min(workers, len(samples)))
    _JOB = (kg, base, factors, top)
    try:
        if workers <= 1:
            return [_one_patient(s) for s in samples]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_one_patient, samples, chunksize=1)
    finally:
        _JOB = None


def _one_patient(sample: str) -> PatientRanking:
    """Score one sample's personalised graph and rank the baseline rows by it."""
    from tmekg.queries.rank import make_scorer

    assert _JOB is not None
    kg, base, factors, top = _JOB
    scorer = make_scorer(kg, base.context, node_factors=factors[sample])  # exactly what rank --sample scores
    table = base.table
    score = scorer.components().score[table["_row"].to_numpy(dtype=int), table["_class"].to_numpy(dtype=int)]
    order = np.lexsort((table["immunotherapy_class"].to_numpy(), table["target_id"].to_numpy(), -score))
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    return PatientRanking(
        sample, rank, score, [_top_row(kg, base, scorer, i, rank, score) for i in order[:top]]
    )


def _top_row(
    kg: KnowledgeGraph, base: Baseline, personal: Scorer, i: int, rank: np.ndarray, score: np.ndarray
) -> dict:
    """One of a patient's top combinations: its ranks, score change and the paths that moved it."""
    from tmekg.queries.personalise import _why

    row = base.table.iloc[i]
    delta = float(score[i] - row["default_score"])
    why = _why(kg, base.scorer, personal, int(row["_row"]), int(row["_class"])) if abs(delta) > 1e-12 else ""
    return {
        "rank": int(rank[i]),
        "target_symbol": row["target_symbol"],
        "immunotherapy_class": row["immunotherapy_class"],
        "score": float(score[i]),
        "default_rank": int(row["default_rank"]),
        "delta_rank": int(row["default_rank"] - rank[i]),
        "delta_score": delta,
        "p_value_graph": float(row["p_value"]),
        "why": why,
    }


def subtype_movers(
    base: Baseline, rankings: list[PatientRanking], subtype: pd.Series, pool: int, shown: int, top: int = 5
) -> dict[str, dict[str, list[dict]]]:
    """Per subtype, the combinations that rise and fall most (mean rank change over its patients).

    Only combinations in the top ``pool`` of the default ranking or of one of the subtype's patients are
    considered (moving from rank 30,000 to 20,000 changes nothing a clinician would see). Each row says
    in how many of the subtype's patients the combination is in the top ``top``.
    """
    table = base.table
    out: dict[str, dict[str, list[dict]]] = {}
    for name in sorted(set(subtype)):
        mine = [r for r in rankings if subtype.get(r.sample) == name]
        if not mine:
            continue
        ranks = np.vstack([r.rank for r in mine])
        delta = table["default_rank"].to_numpy()[None, :] - ranks
        eligible = (table["default_rank"].to_numpy() <= pool) | (ranks <= pool).any(axis=0)
        mean = np.where(eligible, delta.mean(axis=0), np.nan)
        out[name] = {
            "rise": _movers(
                table, mean, ranks, np.argsort(-np.nan_to_num(mean, nan=-np.inf))[:shown], 1, top
            ),
            "fall": _movers(table, mean, ranks, np.argsort(np.nan_to_num(mean, nan=np.inf))[:shown], -1, top),
        }
    return out


def _movers(
    table: pd.DataFrame, mean: np.ndarray, ranks: np.ndarray, idx: np.ndarray, sign: int, top: int
) -> list[dict]:
    rows = []
    for i in idx:
        if not np.isfinite(mean[i]) or sign * mean[i] <= 0:
            continue
        rows.append(
            {
                "combination": f"{table['target_symbol'].iat[i]} + {table['immunotherapy_class'].iat[i]}",
                "default_rank": int(table["default_rank"].iat[i]),
                "median_rank": round(float(np.median(ranks[:, i]))),
                "mean_rank_change": round(float(mean[i])),
                f"patients_top{top}": f"{int((ranks[:, i] <= top).sum())}/{len(ranks)}",
            }
        )
    return rows
