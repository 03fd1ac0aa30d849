"""Why a combination scores differently in one context than in a baseline (e.g. liver metastasis vs PDAC).

``context_diff`` scores one target x immunotherapy class twice, on the edges valid in ``baseline`` and on
the edges valid in ``context`` (:func:`tmekg.queries.rank.context_mask`), decomposes both scores into
mechanism paths (:func:`tmekg.queries.rank.path_contributions`) and returns the paths whose contribution
changed, each with the context-restricted edges on it (the contextual facts that drove the change, with
their contexts, evidence and curation status).

With ``inherit=True`` the context is scored on the baseline's edges *plus* the context's own facts, so the
difference isolates what the contextual facts add (facts restricted to the baseline are kept); with
``inherit=False`` (default) both sides are exactly what ``rank(kg, context=...)`` uses.

Examples
--------
>>> from tmekg.queries.context_diff import context_diff
>>> diff = context_diff(kg, "NT5E", "anti-PD-1", "hypoxic-core")        # doctest: +SKIP
>>> diff["delta"], diff["paths"][["path", "delta", "cause"]].head()      # doctest: +SKIP
>>> diff["contextual_edges"]                                             # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.queries.rank import context_mask, path_contributions, resolve_context
from tmekg.queries.reaction_groups import label, reaction_groups
from tmekg.queries.scoring import Scorer, ScoringError

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.paths import Path

PATH_COLUMNS = [
    "metapath",
    "path",
    "contribution_baseline",
    "contribution_context",
    "delta",
    "change",
    "cause",
    "contextual_edges",
    "node_ids",
]
TOLERANCE = 1e-9  # contributions closer than this are "unchanged"


def diff_masks(
    kg: KnowledgeGraph, context: str, baseline: str, inherit: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Edge masks (baseline, context); with ``inherit`` the context side also keeps the baseline's facts.

    >>> base, ctx = diff_masks(kg, "liver-metastasis", "PDAC", inherit=True)   # doctest: +SKIP
    """
    base = context_mask(kg, baseline)
    ctx = context_mask(kg, context)
    if base is None or ctx is None:
        raise ScoringError("context_diff needs both a context and a baseline context")
    return base, (ctx | base) if inherit else ctx


def _contextual_index(kg: KnowledgeGraph) -> dict[tuple[int, int], list[int]]:
    """Unordered node-row pair -> rows of the context-restricted edges between them."""
    index: dict[tuple[int, int], list[int]] = {}
    for row in kg.edge_contexts:
        s, o = int(kg.edge_index[row, 0]), int(kg.edge_index[row, 1])
        index.setdefault((min(s, o), max(s, o)), []).append(row)
    return index


def _edge_record(kg: KnowledgeGraph, row: int, base: np.ndarray, ctx: np.ndarray) -> dict[str, Any]:
    """A context-restricted edge with where it holds and its evidence."""
    edge = kg.edge(row)
    return {
        "edge": f"{kg.node(edge.subject).name} -{edge.predicate}-> {kg.node(edge.object).name}",
        "contexts": list(kg.edge_contexts[row]),
        "in_baseline": bool(base[row]),
        "in_context": bool(ctx[row]),
        "evidence": sorted({e for p in edge.provenance for e in p.evidence}),
        "status": sorted({p.status for p in edge.provenance}),
    }


def _path_edges(
    kg: KnowledgeGraph, nodes: tuple[str, ...], index: dict, base: np.ndarray, ctx: np.ndarray
) -> list[dict[str, Any]]:
    """Context-restricted edges between consecutive nodes of a path that either side uses."""
    groups = reaction_groups(kg)  # a path node may stand for a reaction group: its members' edges
    out = []
    for a, b in itertools.pairwise(nodes):
        for ra, rb in itertools.product(map(kg.row, groups.members(a)), map(kg.row, groups.members(b))):
            for row in index.get((min(ra, rb), max(ra, rb)), []):
                if base[row] or ctx[row]:
                    out.append(_edge_record(kg, row, base, ctx))
    return out


def _contributions(scorer: Scorer, gene: str, k: int) -> dict[tuple[str, tuple[str, ...]], float]:
    """(metapath, nodes) -> contribution of every mechanism path of one gene."""
    row = scorer.hetmat.index(gene)
    out: dict[tuple[str, tuple[str, ...]], float] = {}
    path: Path
    for path, value in path_contributions(scorer, row, k):
        key = (path.metapath, path.nodes)
        out[key] = out.get(key, 0.0) + value
    return out


def _change(before: float, after: float) -> str:
    if abs(before) <= TOLERANCE:
        return "gained"
    if abs(after) <= TOLERANCE:
        return "lost"
    return "reweighted"


def _path_text(kg: KnowledgeGraph, metapath: str, nodes: tuple[str, ...]) -> str:
    """A path in words, ``<-`` for steps against the edge direction (as :meth:`Path.text`)."""
    from tmekg.queries.metapaths import parse
    from tmekg.queries.paths import Path
    from tmekg.schema import load_schema

    forward = tuple(edge.forward for edge in parse(metapath, load_schema()).edges)
    return Path(metapath, nodes, 0.0, forward).text(lambda n: label(kg, n))


def _path_rows(
    kg: KnowledgeGraph, before: dict, after: dict, base: np.ndarray, ctx: np.ndarray
) -> list[dict]:
    """One row per path whose contribution differs between the two sides."""
    index = _contextual_index(kg)
    rows = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key, 0.0), after.get(key, 0.0)
        if abs(a - b) <= TOLERANCE:
            continue
        metapath, nodes = key
        edges = _path_edges(kg, nodes, index, base, ctx)
        differing = [e for e in edges if e["in_baseline"] != e["in_context"]]
        rows.append(
            {
                "metapath": metapath,
                "path": _path_text(kg, metapath, nodes),
                "contribution_baseline": b,
                "contribution_context": a,
                "delta": a - b,
                "change": _change(b, a),
                "cause": "contextual edge on path" if differing else "degree or weight change elsewhere",
                "contextual_edges": differing or edges,
                "node_ids": list(nodes),
            }
        )
    return rows


def _side(scorer: Scorer, row: int, k: int) -> dict[str, float]:
    comp = scorer.components()
    return {
        "score": float(comp.score[row, k]),
        "mechanism": float(comp.mech[row, k]),
        "context": float(comp.ctx[row]),
        "harm": float(comp.harm[row]),
    }


def context_diff(
    kg: KnowledgeGraph,
    target: str,
    immunotherapy: str,
    context: str,
    baseline: str = "PDAC",
    inherit: bool = False,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Score of a combination in ``context`` vs ``baseline`` and the paths and contextual facts behind it.

    Returns a dict with ``target``, ``target_symbol``, ``immunotherapy_class``, ``context``, ``baseline``
    (Context ids), ``inherit``, ``baseline_components`` / ``context_components`` (score, mechanism,
    context, harm), ``delta`` (context score - baseline score), ``paths`` (DataFrame, columns
    :data:`PATH_COLUMNS`, largest |delta| first) and ``contextual_edges`` (the distinct
    context-restricted edges on changed paths that only one side uses).

    >>> context_diff(kg, "PGD", "anti-PD-1", "liver-metastasis")["delta"]   # doctest: +SKIP
    """
    import pandas as pd

    node = kg.resolve(target)
    if node.category != "Gene":
        raise ScoringError(f"'{target}' resolves to {node.id} ({node.category}); a target must be a gene")
    base_mask, ctx_mask = diff_masks(kg, context, baseline, inherit)
    base = Scorer(kg, config, edge_mask=base_mask)
    ctx = Scorer(kg, config, edge_mask=ctx_mask)
    if immunotherapy not in base.classes or immunotherapy not in ctx.classes:
        raise ScoringError(
            f"unknown immunotherapy class '{immunotherapy}' (present: {', '.join(base.classes)})"
        )
    row = base.hetmat.index(node.id)
    before = _contributions(base, node.id, base.classes.index(immunotherapy))
    after = _contributions(ctx, node.id, ctx.classes.index(immunotherapy))
    rows = _path_rows(kg, before, after, base_mask, ctx_mask)
    table = pd.DataFrame(rows, columns=PATH_COLUMNS)
    table = table.sort_values("delta", key=abs, ascending=False, ignore_index=True)
    left = _side(base, row, base.classes.index(immunotherapy))
    right = _side(ctx, row, ctx.classes.index(immunotherapy))
    return {
        "target": node.id,
        "target_symbol": node.name,
        "immunotherapy_class": immunotherapy,
        "context": resolve_context(kg, context),
        "baseline": resolve_context(kg, baseline),
        "inherit": inherit,
        "baseline_components": left,
        "context_components": right,
        "delta": right["score"] - left["score"],
        "paths": table,
        "contextual_edges": _distinct_edges(rows),
    }


def _distinct_edges(rows: list[dict]) -> list[dict[str, Any]]:
    """The contextual edges that differ between the sides, once each, in path order."""
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        for edge in row["contextual_edges"]:
            if edge["in_baseline"] != edge["in_context"]:
                seen.setdefault(edge["edge"], edge)
    return list(seen.values())
