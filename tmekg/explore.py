"""Library functions behind ``tmekg show`` and ``tmekg search``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, evidence_of
from tmekg.schema import load_schema


def node_summary(node: Node) -> dict[str, Any]:
    """A JSON-ready summary of one node."""
    return {
        "id": node.id,
        "category": node.category,
        "name": node.name,
        "synonyms": list(node.synonyms),
        "xrefs": list(node.xrefs),
        "properties": {k: list(v) if isinstance(v, tuple) else v for k, v in node.properties},
        "sources": sorted({p.source for p in node.provenance}),
        "evidence": list(evidence_of(node.provenance)),
    }


def edge_summary(edge: Edge, kg: KnowledgeGraph) -> dict[str, Any]:
    """A JSON-ready summary of one edge with names, sign and provenance."""
    return {
        "subject": edge.subject,
        "subject_name": kg.node(edge.subject).name,
        "predicate": edge.predicate,
        "object": edge.object,
        "object_name": kg.node(edge.object).name,
        "sign": load_schema().edge_sign(edge),
        "properties": {k: list(v) if isinstance(v, tuple) else v for k, v in edge.properties},
        "sources": sorted({p.source for p in edge.provenance}),
        "evidence": list(evidence_of(edge.provenance)),
        "context": sorted({c for p in edge.provenance for c in p.context}),
        "status": sorted({p.status for p in edge.provenance}),
        "records": sorted({p.record for p in edge.provenance if p.record}),
    }


def show(
    id_or_name: str,
    depth: int = 1,
    store: str | Path | None = None,
    crosstalk_rows: int = 10,
    also_named: int = 5,
) -> dict[str, Any]:
    """A node, its neighbourhood up to ``depth`` hops, and the evidence of every edge.

    ``also_named`` lists (up to that many) other nodes with the same exact name or synonym, which a
    name look-up passed over (:meth:`KnowledgeGraph.namesakes`).

    For a cell type, also its strongest incoming and outgoing metabolic crosstalk.
    """
    with KnowledgeGraph.open(store) as kg:
        node = kg.resolve(id_or_name)
        nodes, edges = kg.neighbourhood(node.id, depth)
        doc = {
            "node": node_summary(node),
            "also_named": [
                {"id": n.id, "name": n.name, "category": n.category}
                for n in kg.namesakes(id_or_name, node.id)[:also_named]
            ],
            "depth": depth,
            "neighbours": _neighbour_summaries(kg, [n for n in nodes if n.id != node.id]),
            "edges": reaction_rows(kg, edges),
        }
        if node.category == "CellType":  # incoming and outgoing metabolic crosstalk
            from tmekg.queries.crosstalk import crosstalk_for

            doc["crosstalk"] = {k: rows[:crosstalk_rows] for k, rows in crosstalk_for(kg, node.id).items()}
        return doc


def reaction_rows(kg: KnowledgeGraph, edges: list[Edge]) -> list[dict[str, Any]]:
    """Edge summaries with the copies of one reaction step as one row (docs/scoring.md).

    Edges that differ only in which member of a reaction group they touch (a gene catalysing the
    cytosolic, extracellular, lysosomal and mitochondrial copies of one step) become one row named
    ``name (4 reactions; c, e, l, m)``, with the member ``reactions`` and their ``compartments``.
    """
    from tmekg.queries.reaction_groups import reaction_groups

    groups = reaction_groups(kg)
    rows: dict[tuple[str, str, str], list[Edge]] = {}
    for edge in edges:
        rows.setdefault((groups.key(edge.subject), edge.predicate, groups.key(edge.object)), []).append(edge)
    return [
        _merged_summary(kg, same) if len(same) > 1 else edge_summary(same[0], kg) for same in rows.values()
    ]


def _merged_summary(kg: KnowledgeGraph, edges: list[Edge]) -> dict[str, Any]:
    """One row for parallel edges into (or out of) the members of one reaction group."""
    from tmekg.queries.reaction_groups import compartments, reaction_groups

    groups = reaction_groups(kg)
    first = edge_summary(edges[0], kg)
    for end in ("subject", "object"):
        members = sorted({getattr(e, end) for e in edges})
        group = groups.group(members[0])
        if len(members) > 1 and group is not None:
            where = compartments(kg, members)
            first[f"{end}_name"] = f"{group.name} ({len(members)} reactions; {', '.join(where)})"
            first["reactions"], first["compartments"] = members, where
    others = [edge_summary(e, kg) for e in edges[1:]]
    for key in ("sources", "evidence", "context", "status", "records"):
        first[key] = sorted({v for row in (first, *others) for v in row[key]})
    first["properties"] = _merged_properties([first, *others])
    return first


def _merged_properties(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Property values of parallel edges: the value when they agree, else the sorted distinct values."""
    out: dict[str, Any] = {}
    for key in dict.fromkeys(k for row in rows for k in row["properties"]):
        values = sorted({json.dumps(row["properties"].get(key)) for row in rows if key in row["properties"]})
        decoded = [json.loads(v) for v in values]
        out[key] = decoded[0] if len(decoded) == 1 else decoded
    return out


def _neighbour_summaries(kg: KnowledgeGraph, nodes: list[Node]) -> list[dict[str, Any]]:
    """Node summaries with the members of one reaction group as one entry (named by the group)."""
    from tmekg.queries.reaction_groups import reaction_groups

    groups = reaction_groups(kg)
    by_key: dict[str, list[Node]] = {}
    for node in nodes:
        by_key.setdefault(groups.key(node.id), []).append(node)
    out = []
    for same in by_key.values():
        summary = node_summary(same[0])
        group = groups.group(same[0].id)
        if len(same) > 1 and group is not None:
            summary["name"] = f"{group.name} ({len(same)} reactions)"
            summary["reactions"] = [n.id for n in same]
        out.append(summary)
    return out


def search(
    text: str, limit: int = 20, category: str | None = None, store: str | Path | None = None
) -> list[dict[str, Any]]:
    """Nodes matching ``text`` by id, cross-reference, name or synonym."""
    if category:
        load_schema().category(category)
    with KnowledgeGraph.open(store) as kg:
        return [node_summary(n) for n in kg.search(text, limit=limit, category=category)]


def stats(store: str | Path | None = None) -> dict[str, Any]:
    """The ``tmekg stats`` document."""
    with KnowledgeGraph.open(store) as kg:
        return kg.stats()
