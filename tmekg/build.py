"""The builder: merge records from any number of sources into one schema-valid graph.

Merge rules (documented in ``docs/identifiers.md``):

1. Nodes with the same id merge. The same id in two categories is a :class:`BuildError`.
2. Nodes of one category that share an id or cross-reference whose prefix is in the category's
   ``merge_on`` list (schema) merge into one node (union-find over shared identifiers), except that a
   merged node never holds two different ids of a prefix in the category's ``distinct_on`` list (e.g.
   two approved gene symbols): such a merge is refused and counted in the source's report.
   2b. Coarser ids in the category's ``bridge_on`` list (Metabolite: KEGG, LIPID MAPS) join the nodes
   that carry one when that is unambiguous: no two of the nodes (as merged so far) have ids of one
   prefix (a KEGG compound listed on two ChEBI entries joins nothing).
3. The merged node's id is the member id with the most preferred prefix (order of the category's
   ``id_prefixes``); ties go to the id from the earliest source, then to the smallest id.
   Every other member id becomes a cross-reference; names from later sources become synonyms.
4. Edges are re-pointed to canonical ids and merged on (subject, predicate, object, identity
   properties). All provenance entries are kept; nothing is silently dropped.
5. Output is sorted, so the same inputs give the same graph.

Examples
--------
>>> from tmekg.model import Node, Provenance
>>> p = Provenance("a", "1")
>>> b = GraphBuilder()
>>> b.add(Node("CHEBI:16651", "Metabolite", "(S)-lactate", xrefs=("HMDB:HMDB0000190",), provenance=(p,)), "a")
>>> b.add(Node("HMDB:HMDB0000190", "Metabolite", "L-Lactic acid", provenance=(p,)), "b")
>>> g = b.build()
>>> [n.id for n in g.nodes], g.nodes[0].synonyms
(['CHEBI:16651'], ('L-Lactic acid',))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tmekg.conflicts import find_conflicts
from tmekg.errors import BuildError, SchemaError
from tmekg.grades import FIELDS as GRADE_FIELDS
from tmekg.grades import fill_grades
from tmekg.model import Edge, EdgeKey, Node, Provenance
from tmekg.schema import Schema, load_schema
from tmekg.unionfind import UnionFind


@dataclass
class SourceReport:
    """What the builder did with one source's records."""

    nodes_in: int = 0
    edges_in: int = 0
    nodes_merged: int = 0
    edges_merged: int = 0
    edges_dangling: int = 0
    dangling_examples: list[str] = field(default_factory=list)
    merges_refused: int = 0
    refused_examples: list[str] = field(default_factory=list)
    loader: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for the build report."""
        return {k: v for k, v in self.__dict__.items() if v not in ({}, [])}


@dataclass(frozen=True)
class BuiltGraph:
    """The merged graph: nodes sorted by id, edges sorted by key, plus the per-source report."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    sources: dict[str, SourceReport]
    aliases: dict[str, str]


class GraphBuilder:
    """Collects records from sources (in priority order) and merges them.

    Parameters
    ----------
    schema
        The schema to validate against (default: the shipped schema).
    strict
        If true, an edge whose endpoint is not a node raises; otherwise it is counted as dangling
        in the source's report (loaders of large databases reference ids outside the graph).
        :meth:`add_all` can make single sources strict (the curated KB is).
    merge_on
        Per-category replacement of the schema's ``merge_on`` (with the gene authority, Gene nodes
        merge only on the resolved NCBI GeneID: :mod:`tmekg.genes`).
    """

    def __init__(
        self,
        schema: Schema | None = None,
        strict: bool = False,
        merge_on: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.schema = schema or load_schema()
        self.strict = strict
        self.merge_on = {
            n: merge_on.get(n, c.merge_on) if merge_on else c.merge_on
            for n, c in self.schema.categories.items()
        }
        self.strict_sources: set[str] = set()
        self._nodes: dict[str, list[tuple[int, Node]]] = defaultdict(list)
        self._edges: list[tuple[int, Edge]] = []
        self._sources: dict[str, int] = {}
        self.reports: dict[str, SourceReport] = {}
        self.conflicts: list[dict[str, Any]] = []  # set by build(): tmekg.conflicts.find_conflicts

    def _rank(self, source: str) -> int:
        if source not in self._sources:
            self._sources[source] = len(self._sources)
            self.reports[source] = SourceReport()
        return self._sources[source]

    def add(self, record: Node | Edge, source: str) -> None:
        """Add one record from ``source``; nodes are validated now, edges once nodes are known."""
        rank = self._rank(source)
        try:
            (self.schema.validate_node if isinstance(record, Node) else self.schema.validate_edge)(record)
        except SchemaError as exc:  # say which source and input row made the bad record
            row = next((p.record for p in record.provenance if p.record), None)
            raise SchemaError(f"source {source}{f' ({row})' if row else ''}: {exc}") from None
        if isinstance(record, Node):
            self._nodes[record.id].append((rank, record))
            self.reports[source].nodes_in += 1
        else:
            self._edges.append((rank, fill_grades(record)))  # source defaults of the grade fields
            self.reports[source].edges_in += 1

    def add_all(self, records: Iterable[Node | Edge], source: str, strict: bool = False) -> None:
        """Add every record of an iterable; ``strict`` makes this source's dangling edges errors."""
        if strict:
            self.strict_sources.add(source)
        for record in records:
            self.add(record, source)

    def identifiers(self, category: str) -> dict[str, set[str]]:
        """Each added node id of ``category`` with all its ids and cross-references."""
        out: dict[str, set[str]] = {}
        for node_id, versions in self._nodes.items():
            if versions[0][1].category == category:
                out[node_id] = {node_id, *(x for _, n in versions for x in n.xrefs)}
        return out

    def versions(self, category: str) -> dict[str, list[Node]]:
        """Each added node id of ``category`` with every source's version of it, in load order."""
        return {i: [n for _, n in v] for i, v in self._nodes.items() if v[0][1].category == category}

    def node_names(self, category: str) -> dict[str, tuple[str, ...]]:
        """Each added node id of ``category`` with the names and synonyms of all its versions."""
        return {
            i: tuple(dict.fromkeys(s for _, n in v for s in (n.name, *n.synonyms) if s))
            for i, v in self._nodes.items()
            if v[0][1].category == category
        }

    def edge_counts(self) -> dict[str, int]:
        """How many added edges name each id as subject or object (before merging)."""
        counts: dict[str, int] = defaultdict(int)
        for _, edge in self._edges:
            counts[edge.subject] += 1
            counts[edge.object] += 1
        return dict(counts)

    def build(self, links: Iterable[tuple[str, str]] = ()) -> BuiltGraph:
        """Merge everything added so far into a :class:`BuiltGraph`.

        ``links`` are extra pairs of node ids (same category) known to be one entity, e.g. the acid and
        base forms of a metabolite (:mod:`tmekg.normalize`).
        """
        self._links = list(links)
        aliases, nodes = self._merge_nodes()
        categories = {n.id: n.category for n in nodes}
        edges = self._merge_edges(aliases, categories)
        names = {v: k for k, v in self._sources.items()}
        return BuiltGraph(
            nodes=tuple(sorted(nodes, key=lambda n: n.id)),
            edges=tuple(edges),
            sources={names[i]: self.reports[names[i]] for i in sorted(names)},
            aliases=dict(sorted(aliases.items())),
        )

    # -- nodes -------------------------------------------------------------------------------
    def _merge_nodes(self) -> tuple[dict[str, str], list[Node]]:
        categories = self._categories_by_id()
        uf = UnionFind()
        for node_id, versions in self._nodes.items():
            self._mark_distinct(
                uf, categories[node_id], [node_id, *(x for _, n in versions for x in n.xrefs)]
            )
        for node_id, versions in self._nodes.items():
            category = categories[node_id]
            merge_on = self.merge_on[category]
            for rank, node in versions:
                for xref in node.xrefs:
                    if xref.split(":", 1)[0] in merge_on and not uf.union(
                        f"{category}|{node_id}", f"{category}|{xref}"
                    ):
                        self._refused(rank, f"{node_id} via {xref}")
        for a, b in getattr(self, "_links", ()):
            if a in categories and categories.get(b) == categories[a]:
                uf.union(f"{categories[a]}|{a}", f"{categories[a]}|{b}")
        self._bridge(uf, categories)
        groups: dict[str, list[str]] = defaultdict(list)
        for node_id in self._nodes:
            groups[uf.find(f"{categories[node_id]}|{node_id}")].append(node_id)
        merged = [self._merge_group(sorted(members)) for members in groups.values()]
        return self._aliases(groups, merged), merged

    def _bridge(self, uf: UnionFind, categories: dict[str, str]) -> None:
        """Rule 2b: join the nodes carrying one ``bridge_on`` id when no two of their groups (as merged
        so far) hold node ids of one prefix; ids are tried in sorted order, so the result is stable."""
        carriers: dict[tuple[str, str], set[str]] = defaultdict(set)
        for node_id, versions in self._nodes.items():
            category = categories[node_id]
            bridge = self.schema.categories[category].bridge_on
            for curie in {node_id, *(x for _, n in versions for x in n.xrefs)}:
                if curie.split(":", 1)[0] in bridge:
                    carriers[(category, curie)].add(node_id)
        if not carriers:
            return
        prefixes: dict[str, set[str]] = defaultdict(set)  # union-find root -> prefixes of its node ids
        for node_id in self._nodes:
            prefixes[uf.find(f"{categories[node_id]}|{node_id}")].add(node_id.split(":", 1)[0])
        for (category, _), ids in sorted(carriers.items()):
            roots = sorted({uf.find(f"{category}|{i}") for i in ids})
            seen = [p for r in roots for p in prefixes[r]]
            if len(roots) < 2 or len(seen) != len(set(seen)):
                continue
            for root in roots[1:]:
                a, b = uf.find(roots[0]), uf.find(root)
                if uf.union(a, b):
                    prefixes[uf.find(a)] = prefixes.pop(a, set()) | prefixes.pop(b, set())

    def _mark_distinct(self, uf: UnionFind, category: str, curies: list[str]) -> None:
        """Mark node ids and merge-key xrefs whose prefix is in the category's ``distinct_on``."""
        spec = self.schema.categories[category]
        for curie in curies:
            prefix = curie.split(":", 1)[0]
            if prefix in spec.distinct_on and (curie == curies[0] or prefix in self.merge_on[category]):
                uf.mark(f"{category}|{curie}", prefix, curie)

    def _refused(self, rank: int, example: str) -> None:
        """Count a merge refused because it would join two distinct entities (``distinct_on``)."""
        report = self.reports[self._source_name(rank)]
        report.merges_refused += 1
        if len(report.refused_examples) < 5:
            report.refused_examples.append(example)

    def _aliases(self, groups: dict[str, list[str]], merged: list[Node]) -> dict[str, str]:
        """Map member ids, and cross-references that point to exactly one node, to canonical ids."""
        aliases = {m: node.id for members, node in zip(groups.values(), merged, strict=True) for m in members}
        by_xref: dict[str, set[str]] = defaultdict(set)
        for node in merged:
            for xref in node.xrefs:
                if xref not in aliases:
                    by_xref[xref].add(node.id)
        aliases.update({x: next(iter(ids)) for x, ids in by_xref.items() if len(ids) == 1})
        return aliases

    def _categories_by_id(self) -> dict[str, str]:
        out = {}
        for node_id, versions in self._nodes.items():
            cats = sorted({n.category for _, n in versions})
            if len(cats) > 1:
                who = sorted({f"{n.category} by {self._source_name(r)}" for r, n in versions})
                raise BuildError(f"node {node_id} is declared with different categories: {'; '.join(who)}")
            out[node_id] = cats[0]
        return out

    def _merge_group(self, members: list[str]) -> Node:
        versions = sorted(
            ((rank, node) for m in members for rank, node in self._nodes[m]), key=lambda rn: rn[0]
        )
        category = self.schema.categories[versions[0][1].category]
        first_rank = {m: min(r for r, _ in self._nodes[m]) for m in members}
        canonical = min(members, key=lambda m: (category.preference(m), first_rank[m], m))
        ordered = [n for _, n in versions]
        primary = next(n for n in ordered if n.id == canonical)
        for rank, node in versions:
            if node.id != canonical and len(members) > 1:
                self.reports[self._source_name(rank)].nodes_merged += 1
        names = [n.name for n in (primary, *ordered) if not _looks_like_id(n.name, members)] or [primary.name]
        synonyms = _unique(s for n in [primary, *ordered] for s in (n.name, *n.synonyms))
        xrefs = _unique(x for n in ordered for x in (n.id, *n.xrefs))
        return Node(
            id=canonical,
            category=primary.category,
            name=names[0],
            synonyms=tuple(s for s in synonyms if s != names[0]),
            xrefs=tuple(sorted(x for x in xrefs if x != canonical)),
            properties=merge_properties([primary, *ordered]),
            provenance=_merge_provenance(p for n in ordered for p in n.provenance),
        )

    def _source_name(self, rank: int) -> str:
        return next(name for name, r in self._sources.items() if r == rank)

    # -- edges -------------------------------------------------------------------------------
    def _merge_edges(self, aliases: dict[str, str], categories: dict[str, str]) -> list[Edge]:
        grouped: dict[EdgeKey, list[tuple[int, Edge]]] = {}
        for rank, edge in self._edges:
            resolved = self._resolve(edge, aliases, rank)
            if resolved is None:
                continue
            try:
                self.schema.validate_edge(resolved, categories)
            except SchemaError as exc:
                raise BuildError(f"source {self._source_name(rank)}: {exc}") from None
            key = resolved.key(self.schema.predicates[resolved.predicate].identity)
            bucket = grouped.setdefault(key, [])
            if bucket:
                self.reports[self._source_name(rank)].edges_merged += 1
            bucket.append((rank, resolved))
        self.conflicts = find_conflicts(grouped, self.schema)  # opposite signs, before rows merge
        return [self._merge_edge_group(key, grouped[key]) for key in sorted(grouped, key=_edge_sort_key)]

    def _resolve(self, edge: Edge, aliases: dict[str, str], rank: int) -> Edge | None:
        subject, obj = aliases.get(edge.subject), aliases.get(edge.object)
        if subject is None or obj is None:
            missing = edge.subject if subject is None else edge.object
            text = f"{edge.subject} -{edge.predicate}-> {edge.object} (unknown node {missing})"
            source = self._source_name(rank)
            if self.strict or source in self.strict_sources:
                where = f" ({edge.provenance[0].record})" if edge.provenance[0].record else ""
                raise BuildError(f"source {source}{where}: edge {text}")
            report = self.reports[self._source_name(rank)]
            report.edges_dangling += 1
            if len(report.dangling_examples) < 5:
                report.dangling_examples.append(text)
            return None
        if (subject, obj) == (edge.subject, edge.object):
            return edge
        return Edge(subject, edge.predicate, obj, edge.provenance, edge.properties)

    def _merge_edge_group(self, key: EdgeKey, versions: list[tuple[int, Edge]]) -> Edge:
        ordered = [e for _, e in sorted(versions, key=lambda re: re[0])]
        return Edge(
            subject=key[0],
            predicate=key[1],
            object=key[2],
            provenance=_merge_provenance(p for e in ordered for p in e.provenance),
            properties=merge_properties(ordered),
        )


def merge_properties(records: Iterable[Node | Edge]) -> tuple[tuple[str, Any], ...]:
    """Merge property tuples: list values are unioned, the first scalar value wins."""
    out: dict[str, Any] = {}
    for record in records:
        for key, value in record.properties:
            if key not in out:
                out[key] = value
            elif isinstance(value, tuple) and isinstance(out[key], tuple):
                out[key] = tuple(sorted(set(out[key]) | set(value)))
    return tuple(sorted(out.items()))


def _merge_provenance(items: Iterable[Provenance]) -> tuple[Provenance, ...]:
    unique = {}
    for prov in items:
        unique.setdefault(_prov_key(prov), prov)
    return tuple(unique[k] for k in sorted(unique))


def _prov_key(p: Provenance) -> tuple[Any, ...]:
    grades = tuple(getattr(p, name) or "" for name in (*GRADE_FIELDS, "quote"))
    where = (p.source, p.version, p.record or "", p.evidence, p.context, p.status, p.study or "")
    return (*where, p.score or 0, grades)


def _edge_sort_key(key: EdgeKey) -> tuple[Any, ...]:
    return (key[0], key[1], key[2], tuple((k, str(v)) for k, v in key[3]))


def _looks_like_id(name: str, ids: Iterable[str]) -> bool:
    """A 'name' that is only an identifier (e.g. HMDB0000002) is not a display name (symbols are)."""
    return any(name in (i, i.split(":", 1)[-1]) for i in ids if not i.startswith("HGNC.SYMBOL:"))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def build_records(
    sources: Iterable[tuple[str, Iterable[Node | Edge]]],
    schema: Schema | None = None,
    strict: bool = False,
) -> BuiltGraph:
    """Build a graph from ``(source_name, records)`` pairs given in priority order."""
    builder = GraphBuilder(schema, strict=strict)
    for name, records in sources:
        builder.add_all(records, name)
    return builder.build()


def iter_records(graph: BuiltGraph) -> Iterator[Node | Edge]:
    """Nodes then edges of a built graph."""
    yield from graph.nodes
    yield from graph.edges
