"""Library functions behind ``tmekg show`` and ``tmekg search``."""

from __future__ import annotations

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
    id_or_name: str, depth: int = 1, store: str | Path | None = None, crosstalk_rows: int = 10
) -> dict[str, Any]:
    """A node, its neighbourhood up to ``depth`` hops, and the evidence of every edge.

    For a cell type, also its strongest incoming and outgoing metabolic crosstalk.
    """
    with KnowledgeGraph.open(store) as kg:
        node = kg.resolve(id_or_name)
        nodes, edges = kg.neighbourhood(node.id, depth)
        doc = {
            "node": node_summary(node),
            "depth": depth,
            "neighbours": [node_summary(n) for n in nodes if n.id != node.id],
            "edges": [edge_summary(e, kg) for e in edges],
        }
        if node.category == "CellType":  # incoming and outgoing metabolic crosstalk
            from tmekg.queries.crosstalk import crosstalk_for

            doc["crosstalk"] = {k: rows[:crosstalk_rows] for k, rows in crosstalk_for(kg, node.id).items()}
        return doc


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
