"""Contested edges in queries: the conflict listing, paths that rest on a contested edge, and shares.

The build records contradictions (:mod:`tmekg.conflicts`): the same (subject, predicate family,
object) stated with opposite signs. Both edges stay in the graph with their own grade weight, so a
contested pair scores as the grade-weighted signed sum of its two sides (docs/evidence-grades.md).
This module says where that matters:

* :func:`conflict_rows` lists the contradictions for ``tmekg conflicts``;
* :func:`path_is_contested` tells whether a scored path uses a contested edge (``tmekg explain``);
* :func:`contested_share` is the ranking's ``contested`` column: the share of a target's absolute
  mechanism contribution (sum of ``|c(P)|`` over its paths, as in ``score_shares``) carried by paths
  that use a contested edge;
* :func:`conflict_moves` ranks contradictions by how much the scores of one immunotherapy class rest
  on them (for each target, the signed sum of the contributions of the paths through either side,
  summed in absolute value over targets).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tmekg.conflicts import contested_nodes, contested_steps, read_conflicts
from tmekg.errors import TmekgError
from tmekg.queries.metapaths import parse
from tmekg.queries.paths import Path

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.scoring import Scorer

CONFLICT_COLUMNS = [
    "subject",
    "family",
    "object",
    "positive",
    "positive_grade",
    "negative",
    "negative_grade",
    "net",
    "sources",
]


def conflicts_of(kg: KnowledgeGraph) -> list[dict[str, Any]]:
    """The store's conflict records; a clear error for a store built before they were recorded."""
    found = read_conflicts(kg)
    if found is None:
        raise TmekgError("this store holds no conflict records (built before issue 16): rebuild it")
    return found


def conflict_rows(kg: KnowledgeGraph, source: str | None = None) -> list[dict[str, Any]]:
    """One row per contradiction: both sides with their predicates, grades and sources, and the net.

    ``source`` keeps the contradictions one of whose sides that source states.
    """
    rows = []
    for conflict in conflicts_of(kg):
        sides = conflict["sides"]
        sources = sorted({p["source"] for s in sides for p in s["provenance"]})
        if source and source not in sources:
            continue
        rows.append(
            {
                "subject": _name(kg, conflict["subject"]),
                "subject_id": conflict["subject"],
                "family": conflict["family"],
                "object": _name(kg, conflict["object"]),
                "object_id": conflict["object"],
                "positive": _side_text([s for s in sides if s["sign"] > 0]),
                "positive_grade": _grades([s for s in sides if s["sign"] > 0]),
                "negative": _side_text([s for s in sides if s["sign"] < 0]),
                "negative_grade": _grades([s for s in sides if s["sign"] < 0]),
                "net": conflict["net"],
                "sources": ";".join(sources),
                "sides": sides,
            }
        )
    return rows


def _name(kg: KnowledgeGraph, node_id: str) -> str:
    return kg.node(node_id).name if node_id in kg else node_id


def _side_text(sides: list[dict[str, Any]]) -> str:
    """``decreases [PMID:1; tmekg-curated]`` per side: predicate (and identity), evidence or sources."""
    out = []
    for side in sides:
        label = side["predicate"] + "".join(
            f" {k}={v}" for k, v in sorted(side.get("properties", {}).items()) if k in ("action", "direction")
        )
        evidence = sorted({e for p in side["provenance"] for e in p.get("evidence", ())})
        sources = sorted({p["source"] for p in side["provenance"]})
        shown = evidence[:3] + ([f"+{len(evidence) - 3}"] if len(evidence) > 3 else [])
        out.append(f"{label} [{'; '.join(shown or sources)}]")
    return " | ".join(out)


def _grades(sides: list[dict[str, Any]]) -> str:
    return ",".join(side["grade"] or "-" for side in sides)


# -- paths ---------------------------------------------------------------------------------------
def path_triples(path: Path, schema: Any) -> list[tuple[str, str, str]]:
    """(subject, predicate, object) of each step of a scored path, in the edge's own direction."""
    out = []
    for k, (predicate, forward) in enumerate(_steps(path.metapath, schema)):
        a, b = path.nodes[k], path.nodes[k + 1]
        out.append((a, predicate, b) if forward else (b, predicate, a))
    return out


_STEPS: dict[tuple[int, str], tuple[tuple[str, bool], ...]] = {}


def _steps(abbrev: str, schema: Any) -> tuple[tuple[str, bool], ...]:
    """(predicate, forward) of each step of a metapath code (parsed once per schema and code)."""
    key = (id(schema), abbrev)
    if key not in _STEPS:
        _STEPS[key] = tuple((e.predicate, e.forward) for e in parse(abbrev, schema).edges)
    return _STEPS[key]


def path_is_contested(kg: KnowledgeGraph, path: Path, schema: Any) -> bool:
    """Whether any step of the path is one side of a recorded contradiction."""
    if contested_nodes(kg).isdisjoint(path.nodes):
        return False
    contested = contested_steps(kg)
    return any(t in contested for t in path_triples(path, schema))


def contested_share(scorer: Scorer, row: int, class_index: int) -> float:
    """Share of the target's absolute mechanism contribution on paths using a contested edge."""
    from tmekg.queries.rank import path_contributions

    if not contested_steps(scorer.kg):
        return 0.0
    total = hit = 0.0
    for path, value in path_contributions(scorer, row, class_index):
        total += abs(value)
        if path_is_contested(scorer.kg, path, scorer.schema):
            hit += abs(value)
    return hit / total if total else 0.0


def conflict_moves(
    scorer: Scorer, class_index: int, rows: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Contradictions by how much the class's scores rest on them, largest first.

    For each target (``rows``: default every candidate), the contributions of the paths through a
    conflict's edges are summed with their signs (what the target's score would lose without the
    pair); ``moves`` is the sum of those amounts' absolute values over targets, ``targets`` the
    targets most affected.
    """
    from tmekg.queries.rank import path_contributions

    side_of = {}
    for i, conflict in enumerate(conflicts_of(scorer.kg)):
        for side in conflict["sides"]:
            side_of[(conflict["subject"], side["predicate"], conflict["object"])] = i
    per: dict[int, dict[str, float]] = {}
    genes = scorer.hetmat.ids["Gene"]
    for row in scorer.targets if rows is None else rows:
        for path, value in path_contributions(scorer, row, class_index):
            for i in {side_of[t] for t in path_triples(path, scorer.schema) if t in side_of}:
                by_target = per.setdefault(i, {})
                by_target[genes[row]] = by_target.get(genes[row], 0.0) + value
    out = []
    conflicts = conflicts_of(scorer.kg)
    for i, by_target in per.items():
        top = sorted(by_target.items(), key=lambda kv: -abs(kv[1]))[:5]
        out.append(
            {
                "conflict": conflicts[i],
                "moves": sum(abs(v) for v in by_target.values()),
                "targets": [(scorer.kg.node(g).name, v) for g, v in top],
            }
        )
    out.sort(key=lambda r: -r["moves"])
    return out
