"""Personalised ranking: one sample's expression (and metabolite abundances) re-weight the graph.

A gene's factor is its fold change in the sample against the cohort median, bounded:
``factor = 2 ** clip(log2(x_sample) - median_cohort(log2 x), -2, 2)``, in [1/4, 4]. With a single-sample
table the reference is the sample's own gene distribution (robust z over genes, clipped the same way).
Factors multiply the weights of every edge touching the node (:class:`tmekg.queries.scoring.Scorer`),
so paths through a gene the tumour over-expresses weigh more. ``docs/profiles.md`` has the details.

Examples
--------
>>> from tmekg.queries.personalise import personalised_rank
>>> table = personalised_rank(kg, "cohort.tsv", "S4", top=10)        # doctest: +SKIP
>>> table[["rank", "target_symbol", "delta_rank", "why"]]            # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tmekg.queries.profile import ProfileError, load_signatures, read_expression, read_metabolites
from tmekg.queries.reaction_groups import label

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.scoring import Scorer

CLIP = 2.0  # |log2 factor| bound: factors lie in [1/4, 4]
WHY_PATHS = 2  # paths named per row in the `why` column
PERSONAL_COLUMNS = ["delta_score", "default_rank", "delta_rank", "why"]


def _log2_ratio(log: pd.DataFrame, sample: str) -> pd.Series:
    """log2 fold change of ``sample`` vs the cohort median (or robust z over genes for one sample)."""
    if log.shape[1] >= 2:
        return log[sample] - log.median(axis=1)
    values = log[sample]
    mad = 1.4826 * float((values - values.median()).abs().median()) or 1.0
    return (values - values.median()) / mad


def _check_sample(path: Path, columns: pd.Index, sample: str) -> None:
    if sample not in columns:
        raise ProfileError(f"{path}: no sample '{sample}' (samples: {', '.join(map(str, columns[:8]))})")


def sample_factors(
    kg: KnowledgeGraph,
    expr_file: str | Path,
    sample: str,
    metabolites: str | Path | None = None,
    scale: str = "auto",
    axes: bool = True,
) -> pd.DataFrame:
    """Node factors of one sample: columns node_id, name, kind (gene/metabolite), log2_ratio, factor.

    Only nodes present in the graph get a factor. Metabolites come from the abundance table if given;
    otherwise (``axes=True``) each pathway axis' key metabolites (``signatures.yaml``) get the median
    log2 ratio of the axis' measured genes (kind ``axis:<name>``): pathway activity as a proxy.

    Examples
    --------
    >>> sample_factors(kg, "cohort.tsv", "S4").query("name == 'NT5E'")   # doctest: +SKIP
    """
    import pandas as pd

    expr = read_expression(expr_file, kg, scale)
    _check_sample(expr.path, expr.log.columns, sample)
    ratio = _log2_ratio(expr.log, sample)
    rows = [
        {"node_id": node_id, "name": symbol, "kind": "gene", "log2_ratio": float(ratio[symbol])}
        for symbol, node_id in sorted(expr.node_ids.items())
        if symbol in ratio.index
    ]
    if metabolites is None and axes:
        rows += _axis_rows(kg, ratio)
    if metabolites is not None:
        table, _ = read_metabolites(metabolites, kg)
        _check_sample(Path(metabolites), table.columns, sample)
        metab_ratio = _log2_ratio(table, sample)
        rows += [
            {"node_id": i, "name": kg.node(i).name, "kind": "metabolite", "log2_ratio": float(v)}
            for i, v in metab_ratio.items()
        ]
    out = pd.DataFrame(rows, columns=["node_id", "name", "kind", "log2_ratio"])
    out["factor"] = np.exp2(np.clip(out["log2_ratio"].to_numpy(dtype=float), -CLIP, CLIP))
    return out


def _axis_rows(kg: KnowledgeGraph, ratio: pd.Series) -> list[dict]:
    """Key metabolites of each axis with the median log2 ratio of the axis' genes."""
    from tmekg.queries.profile import metabolite_lookup

    lookup, rows = metabolite_lookup(kg), {}
    for axis, spec in load_signatures()["axes"].items():
        genes = [g for g in spec["genes"] if g in ratio.index]
        for name in spec.get("metabolites", []) if genes else ():
            node_id = lookup.get(name.upper())
            if node_id and node_id not in rows:
                value = float(np.median(ratio[genes]))
                rows[node_id] = {
                    "node_id": node_id,
                    "name": name,
                    "kind": f"axis:{axis}",
                    "log2_ratio": value,
                }
    return list(rows.values())


def _path_key(scorer: Scorer, row: int, k: int) -> dict[tuple[str, ...], float]:
    from tmekg.queries.rank import path_contributions

    return {path.nodes: value for path, value in path_contributions(scorer, row, k)}


def _why(kg: KnowledgeGraph, default: Scorer, personal: Scorer, row: int, k: int) -> str:
    """The paths whose contribution changed most between the default and the personalised scorer."""
    before, after = _path_key(default, row, k), _path_key(personal, row, k)
    changes = {p: after.get(p, 0.0) - before.get(p, 0.0) for p in set(before) | set(after)}
    top = sorted(changes.items(), key=lambda pc: (-abs(pc[1]), pc[0]))[:WHY_PATHS]
    parts = [f"{d:+.3g} {' -> '.join(label(kg, n) for n in p)}" for p, d in top if abs(d) > 1e-9]
    return "; ".join(parts)


def personalised_rank(
    kg: KnowledgeGraph,
    expr_file: str | Path,
    sample: str,
    metabolites: str | Path | None = None,
    immunotherapy: str | None = None,
    context: str | None = None,
    top: int = 0,
    scale: str = "auto",
    permutations: int = 0,
    seed: int | None = None,
    axes: bool = True,
) -> pd.DataFrame:
    """The ranking for one sample, with how each row moved against the default ranking and why.

    Columns: those of :func:`tmekg.queries.rank.rank`, plus ``delta_score`` (personalised - default),
    ``default_rank``, ``delta_rank`` (default rank - personalised rank: positive = moved up) and
    ``why`` (the paths whose contribution changed most, with the change).

    Examples
    --------
    >>> personalised_rank(kg, "cohort.tsv", "S4", immunotherapy="anti-PD-1", top=5)  # doctest: +SKIP
    """
    from tmekg.queries.rank import COLUMNS, make_scorer, rank

    factors = sample_factors(kg, expr_file, sample, metabolites, scale, axes)
    node_factors = dict(zip(factors["node_id"], factors["factor"], strict=True))
    base = rank(kg, immunotherapy, context, 0, 0, seed)
    mine = rank(kg, immunotherapy, context, 0, permutations, seed, node_factors=node_factors)
    keys = ["target_id", "immunotherapy_class"]
    before = base.set_index(keys)[["rank", "score"]].rename(columns={"rank": "default_rank"})
    mine = mine.join(before.rename(columns={"score": "default_score"}), on=keys)
    mine["delta_score"] = mine["score"] - mine["default_score"]
    mine["delta_rank"] = mine["default_rank"] - mine["rank"]
    if top:
        mine = mine.head(top).copy()
    default, personal = make_scorer(kg, context), make_scorer(kg, context, node_factors=node_factors)
    genes = {g: i for i, g in enumerate(personal.hetmat.ids["Gene"])}
    mine["why"] = [
        _why(kg, default, personal, genes[t], personal.classes.index(c)) if abs(d) > 1e-12 else ""
        for t, c, d in zip(mine["target_id"], mine["immunotherapy_class"], mine["delta_score"], strict=True)
    ]
    return mine[[*COLUMNS, *PERSONAL_COLUMNS, "mechanism", "context", "harm"]].reset_index(drop=True)
