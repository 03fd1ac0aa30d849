"""Helpers shared by the loader tests: schema-check yielded records, count them."""

from __future__ import annotations

from collections import Counter

from tmekg.model import Edge, Node
from tmekg.schema import load_schema


def validated(records: list[Node | Edge]) -> list[Node | Edge]:
    """Check every record against the schema; edge endpoints must be among the yielded nodes."""
    schema = load_schema()
    categories = {r.id: r.category for r in records if isinstance(r, Node)}
    for record in records:
        if isinstance(record, Node):
            schema.validate_node(record)
        else:
            schema.validate_edge(record, categories)
    return records


def counts(records: list[Node | Edge]) -> Counter:
    """Records per category (nodes) and predicate (edges)."""
    return Counter(r.category if isinstance(r, Node) else r.predicate for r in records)


def unique_nodes(records: list[Node | Edge]) -> dict[str, Node]:
    """:func:`validated`, also asserting that no node id is yielded twice; returns the nodes by id."""
    validated(records)
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    assert len(nodes) == sum(isinstance(r, Node) for r in records), "duplicate node ids"
    return nodes
