"""Metapaths over the schema: typed paths written Hetionet-style (``GpMdnE``), enumerated not hand-coded.

A metapath is a sequence of metaedges. A metaedge is one predicate between two categories, traversed
along (``forward``) or against the edge direction. Abbreviations come from the schema: categories
upper case, predicates lower case, ``<`` before a predicate marks backward traversal.

Examples
--------
>>> from tmekg.schema import load_schema
>>> mp = parse("GpMdnE", load_schema())
>>> [m.predicate for m in mp.edges], mp.categories
(['produces', 'decreases'], ('Gene', 'Metabolite', 'ImmuneEffect'))
>>> parse("GeC<oE", load_schema()).edges[1].forward
False
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tmekg.errors import TmekgError
from tmekg.schema import Schema

_TOKEN = re.compile(r"([A-Z])|(<?)([a-z]+)")


class MetapathError(TmekgError):
    """A metapath string does not parse against the schema."""


@dataclass(frozen=True)
class MetaEdge:
    """One predicate between two categories, traversed forward (subject -> object) or backward."""

    source: str
    predicate: str
    target: str
    forward: bool = True

    def abbrev(self, schema: Schema) -> str:
        """``p`` + target letter, with ``<`` for backward traversal."""
        mark = "" if self.forward else "<"
        return f"{mark}{schema.predicates[self.predicate].abbrev}{schema.categories[self.target].abbrev}"


@dataclass(frozen=True)
class Metapath:
    """A typed path: its metaedges and its abbreviation."""

    edges: tuple[MetaEdge, ...]
    abbrev: str

    @property
    def categories(self) -> tuple[str, ...]:
        """Node categories along the path (length = number of edges + 1)."""
        return (self.edges[0].source, *(e.target for e in self.edges))

    def __len__(self) -> int:
        return len(self.edges)


def make(edges: Iterable[MetaEdge], schema: Schema) -> Metapath:
    """Build a :class:`Metapath` (and its abbreviation) from metaedges."""
    edges = tuple(edges)
    text = schema.categories[edges[0].source].abbrev + "".join(e.abbrev(schema) for e in edges)
    return Metapath(edges, text)


def metaedges(schema: Schema, predicates: Iterable[str] | None = None, both: bool = False) -> list[MetaEdge]:
    """Every (category, predicate, category) triple the schema allows, forward (and backward if ``both``)."""
    chosen = set(predicates) if predicates is not None else set(schema.predicates)
    out = []
    for name, pred in schema.predicates.items():
        if name not in chosen:
            continue
        for s in pred.subject:
            for o in pred.object:
                out.append(MetaEdge(s, name, o, True))
                if both:
                    out.append(MetaEdge(o, name, s, False))
    return out


def enumerate_metapaths(
    schema: Schema,
    source: str,
    target: str,
    max_length: int,
    allowed: Iterable[MetaEdge],
    last_predicates: Iterable[str] | None = None,
) -> list[Metapath]:
    """All metapaths from ``source`` to ``target`` of length 1..``max_length`` over ``allowed`` metaedges.

    With ``last_predicates``, the final metaedge must use one of them. Sorted by length, then name.
    """
    by_source: dict[str, list[MetaEdge]] = {}
    for edge in allowed:
        by_source.setdefault(edge.source, []).append(edge)
    last = set(last_predicates) if last_predicates is not None else None
    found = [
        make(path, schema)
        for path in _walk(by_source, (source,), (), max_length)
        if path[-1].target == target and (last is None or path[-1].predicate in last)
    ]
    return sorted(found, key=lambda m: (len(m), m.abbrev))


def _walk(
    by_source: dict[str, list[MetaEdge]], cats: tuple[str, ...], path: tuple[MetaEdge, ...], left: int
) -> Iterator[tuple[MetaEdge, ...]]:
    if path:
        yield path
    if left == 0:
        return
    for edge in by_source.get(cats[-1], ()):
        yield from _walk(by_source, (*cats, edge.target), (*path, edge), left - 1)


def parse(text: str, schema: Schema) -> Metapath:
    """Parse an abbreviation such as ``DtgGeC<oE`` into a :class:`Metapath`."""
    cats = {c.abbrev: name for name, c in schema.categories.items()}
    preds = {p.abbrev: name for name, p in schema.predicates.items()}
    tokens = [m for m in _TOKEN.finditer(text)]
    if "".join(m.group(0) for m in tokens) != text or len(tokens) < 3 or len(tokens) % 2 == 0:
        raise MetapathError(f"cannot parse metapath '{text}'")
    try:
        nodes = [cats[m.group(1)] for m in tokens[0::2]]
        steps = [(preds[m.group(3)], m.group(2) != "<") for m in tokens[1::2]]
    except (KeyError, TypeError):
        raise MetapathError(f"unknown category or predicate abbreviation in metapath '{text}'") from None
    edges = []
    for (pred, forward), s, o in zip(steps, nodes, nodes[1:], strict=False):
        subj, obj = (s, o) if forward else (o, s)
        spec = schema.predicates[pred]
        if subj not in spec.subject or obj not in spec.object:
            raise MetapathError(f"metapath '{text}': {pred} does not link {subj} to {obj}")
        edges.append(MetaEdge(s, pred, o, forward))
    return make(edges, schema)
