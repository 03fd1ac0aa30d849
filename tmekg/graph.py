"""The Python API over a built store: nodes, edges, search, neighbourhoods, statistics, networkx.

Examples
--------
>>> import tmekg
>>> kg = tmekg.open()                                # doctest: +SKIP
>>> kg.node("HGNC.SYMBOL:NT5E").name                 # doctest: +SKIP
'NT5E'
>>> [n.id for n in kg.search("lactate")][:3]         # doctest: +SKIP
>>> g = kg.nx                                        # doctest: +SKIP  (networkx MultiDiGraph)
"""

from __future__ import annotations

import mmap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.config import store_path
from tmekg.errors import NotFoundError
from tmekg.model import Edge, Node
from tmekg.store import edge_from_dict, node_from_dict, read_manifest, snapshot_dir
from tmekg.store_check import (
    check_digest,
    check_other_files,
    checked_bytes,
    damaged,
    load_arrays,
    parse_line,
)

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np


@dataclass(frozen=True)
class Neighbour:
    """One edge seen from a node: the edge, its direction and the node at the other end."""

    edge: Edge
    outgoing: bool
    other: Node


class KnowledgeGraph:
    """A read-only view of one store snapshot.

    Nodes are loaded eagerly (a small table); edge endpoints, predicates, signs and scores are
    memory-mapped numpy arrays; full edge records (properties, provenance) are parsed on demand.
    """

    def __init__(self, snapshot: Path) -> None:

        self.path = snapshot
        self.manifest: dict[str, Any] = read_manifest(snapshot)  # checks files and sizes (tmekg.store_check)
        self._nodes: list[Node] = _parse_nodes(snapshot, self.manifest)
        self._row = {n.id: i for i, n in enumerate(self._nodes)}
        self._edges_file = open(snapshot / "edges.jsonl", "rb")  # noqa: SIM115
        size = self._edges_file.seek(0, 2)
        self._edges_map = mmap.mmap(self._edges_file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._edges_checked = False  # edges.jsonl's checksum is checked on first use of a full record
        arrays = load_arrays(snapshot, self.manifest, size)
        check_other_files(snapshot, self.manifest, {"nodes.jsonl", *(f"{name}.npy" for name in arrays)})
        self.edge_index: np.ndarray = arrays["edge_index"]
        self.edge_offsets: np.ndarray = arrays["edge_offsets"]
        self.edge_sign: np.ndarray = arrays["edge_sign"]
        self.edge_score: np.ndarray = arrays["edge_score"]
        self.edge_unverified: np.ndarray = arrays["edge_unverified"]
        self.predicates: list[str] = list(self.manifest["predicates"])

    @cached_property
    def edge_contexts(self) -> dict[int, list[str]]:
        """Edge row -> the Context ids it is restricted to (edges absent here are context-free)."""
        name = "edge_contexts.json"
        raw = parse_line(self.path / name, 1, checked_bytes(self.path, name, self.manifest))
        return {int(k): v for k, v in raw.items()}

    @classmethod
    def open(cls, store: str | Path | None = None) -> KnowledgeGraph:
        """Open the live snapshot of a store (default location unless given)."""
        return cls(snapshot_dir(store_path(store)))

    def close(self) -> None:
        """Release the memory map and file handle."""
        if isinstance(self._edges_map, mmap.mmap):
            self._edges_map.close()
        self._edges_file.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- nodes -------------------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        """All nodes, sorted by id."""
        return self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._row

    def node(self, node_id: str) -> Node:
        """The node with this id (or an alias that merged into it)."""
        row = self._row.get(node_id)
        if row is None:
            row = self._row.get(self._aliases.get(node_id, ""))
        if row is None:
            raise NotFoundError(f"no node with id '{node_id}'")
        return self._nodes[row]

    def row(self, node_id: str) -> int:
        """Row number of a node in the edge arrays."""
        return self._row[self.node(node_id).id]

    @cached_property
    def _aliases(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for node in self._nodes:
            for xref in node.xrefs:
                out.setdefault(xref, node.id)
        return out

    def search(self, text: str, limit: int = 20, category: str | None = None) -> list[Node]:
        """Nodes whose id, xref, name or synonym matches ``text``: id matches first, then exact name or
        synonym matches (one tier: the node backed by most sources first, so ``PGE2`` finds
        prostaglandin E2 before a one-source node named ``PGE2``), then prefix, then substring."""
        query = text.strip().lower()
        scored = []
        for node in self._nodes:
            if category and node.category != category:
                continue
            rank = _match_rank(node, query)
            if rank is not None:
                sources = len({p.source for p in node.provenance})
                scored.append((_TIER[rank], -sources, rank, len(node.name), node.id, node))
        scored.sort(key=lambda t: t[:5])
        return [t[-1] for t in scored[:limit]] if limit else [t[-1] for t in scored]

    def namesakes(self, name: str, node_id: str) -> list[Node]:
        """Other nodes whose name or synonym is exactly ``name`` (case-insensitive), in search order:
        what :meth:`resolve` passed over for ``node_id`` (empty when ``name`` is an id or alias)."""
        if name.strip() in self._row or name.strip() in self._aliases:
            return []
        query = name.strip().lower()
        return [
            n for n in self.search(name, limit=0) if _TIER[_match_rank(n, query)] == 1 and n.id != node_id
        ]

    def resolve(self, id_or_name: str) -> Node:
        """Resolve an id, xref, name or synonym to one node (raises if unknown)."""
        try:
            return self.node(id_or_name)
        except NotFoundError:
            pass
        hits = self.search(id_or_name, limit=0)
        exact = [n for n in hits if (_match_rank(n, id_or_name.strip().lower()) or 0) <= 2]
        if exact:
            return exact[0]
        suggestions = ", ".join(f"{n.id} ({n.name})" for n in hits[:5])
        hint = f"; did you mean: {suggestions}" if suggestions else ""
        raise NotFoundError(f"no node matches '{id_or_name}'{hint}")

    # -- edges -------------------------------------------------------------------------------
    @property
    def edge_count(self) -> int:
        """Number of edges."""
        return int(self.edge_index.shape[0])

    def edge(self, i: int) -> Edge:
        """The full record of edge ``i`` (properties and provenance)."""
        return edge_from_dict(self.edge_record(i))

    def edge_record(self, i: int) -> dict[str, Any]:
        """Edge ``i`` as its stored JSON mapping (see :func:`tmekg.store.edge_to_dict`); no objects built.

        For bulk exports that only flatten records (the Neo4j writer): about twice as fast as
        :meth:`edge`.
        """
        if not self._edges_checked:
            check_digest(self.path / "edges.jsonl", self._edges_map, self.manifest)
            self._edges_checked = True
        start, end = int(self.edge_offsets[i]), int(self.edge_offsets[i + 1])
        return parse_line(self.path / "edges.jsonl", i + 1, self._edges_map[start:end])

    def check_edge_records(self) -> None:
        """Parse every edge record and check it against the edge arrays (``tmekg stats --verify``)."""
        path = self.path / "edges.jsonl"
        for i in range(self.edge_count):
            record = self.edge_record(i)
            s, o, p = (int(x) for x in self.edge_index[i])
            try:
                same = (record["subject"], record["object"], record["predicate"]) == (
                    self._nodes[s].id,
                    self._nodes[o].id,
                    self.predicates[p],
                )
            except (KeyError, TypeError):
                same = False
            if not same:
                raise damaged(path, f"line {i + 1}: the record does not match edge_index.npy row {i}")

    def edges(self, predicate: str | None = None) -> Iterator[Edge]:
        """Iterate over full edge records, optionally of one predicate."""
        if predicate is None:
            for i in range(self.edge_count):
                yield self.edge(i)
            return
        code = self.predicates.index(predicate)
        for i in (self.edge_index[:, 2] == code).nonzero()[0]:
            yield self.edge(int(i))

    def neighbours(self, node_id: str) -> list[Neighbour]:
        """All edges touching a node, as :class:`Neighbour` items (outgoing first)."""
        row = self.row(node_id)
        out, inc = self._incident(row, 0), self._incident(row, 1)
        result = []
        for outgoing, rows, end in ((True, out, 1), (False, inc, 0)):
            for i in rows:
                other = self._nodes[int(self.edge_index[i, end])]
                result.append(Neighbour(self.edge(int(i)), outgoing, other))
        return result

    @cached_property
    def _csr(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """Per end (subject, object): edge order sorted by node row, and row start offsets."""
        import numpy as np

        out = []
        for end in (0, 1):
            column = np.asarray(self.edge_index[:, end])
            order = np.argsort(column, kind="stable")
            starts = np.searchsorted(column[order], np.arange(len(self._nodes) + 1))
            out.append((order, starts))
        return out[0], out[1]

    def _incident(self, row: int, end: int) -> np.ndarray:
        order, starts = self._csr[end]
        return order[starts[row] : starts[row + 1]]

    def neighbourhood(self, node_id: str, depth: int = 1) -> tuple[list[Node], list[Edge]]:
        """Nodes and edges within ``depth`` hops of a node (edges in either direction)."""
        start = self.node(node_id).id
        seen = {start}
        frontier = {start}
        edges: dict[int, Edge] = {}
        for _ in range(max(depth, 0)):
            nxt = set()
            for nid in frontier:
                for nb in self.neighbours(nid):
                    edges[id(nb.edge)] = nb.edge
                    if nb.other.id not in seen:
                        nxt.add(nb.other.id)
            seen |= nxt
            frontier = nxt
        unique = {e.key(): e for e in edges.values() if e.subject in seen and e.object in seen}
        return [self.node(n) for n in sorted(seen)], [unique[k] for k in sorted(unique)]

    # -- summaries ---------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts per category, predicate and source (the ``tmekg stats --json`` document)."""
        counts = self.manifest["counts"]
        sources = {
            name: {
                "nodes": info.get("nodes", 0),
                "edges": info.get("edges", 0),
                "version": info.get("version"),
            }
            for name, info in self.manifest["sources"].items()
        }
        return {
            "total_nodes": counts["nodes"],
            "total_edges": counts["edges"],
            "nodes": dict(counts["categories"]),
            "edges": dict(counts["predicates"]),
            "sources": sources,
        }

    def category_counts(self) -> Counter[str]:
        """Number of nodes per category (computed from the nodes)."""
        return Counter(n.category for n in self._nodes)

    @cached_property
    def nx(self) -> nx.MultiDiGraph:
        """A networkx MultiDiGraph view (built on first use; edge keys are predicates)."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        graph.add_nodes_from((n.id, {"category": n.category, "name": n.name}) for n in self._nodes)
        ids = [n.id for n in self._nodes]
        index = self.edge_index
        graph.add_edges_from(
            (
                ids[s],
                ids[o],
                self.predicates[p],
                {"predicate": self.predicates[p], "sign": int(sg), "edge": i},
            )
            for i, ((s, o, p), sg) in enumerate(zip(index.tolist(), self.edge_sign.tolist(), strict=True))
        )
        return graph


_TIER = {0: 0, 1: 1, 2: 1, 3: 2, 4: 3}  # match rank -> search tier (exact name and synonym are one tier)


def _match_rank(node: Node, query: str) -> int | None:
    """0 id or xref, 1 name, 2 synonym (exact, case-insensitive), 3 name prefix, 4 substring; else None."""
    if not query:
        return None
    ids = [node.id.lower(), *(x.lower() for x in node.xrefs)]
    if query in ids or query in [i.split(":", 1)[1] for i in ids if ":" in i]:
        return 0
    name = node.name.lower()
    if query == name:
        return 1
    synonyms = [s.lower() for s in node.synonyms]
    if query in synonyms:
        return 2
    if name.startswith(query) or any(s.startswith(query) for s in synonyms):
        return 3
    if any(query in t for t in (name, *synonyms, *ids)):
        return 4
    return None


def _parse_nodes(snapshot: Path, manifest: dict[str, Any]) -> list[Node]:
    """The checksummed node table; a record that does not parse is store damage, not a traceback."""
    path = snapshot / "nodes.jsonl"
    nodes = []
    for line_no, line in enumerate(checked_bytes(snapshot, path.name, manifest).splitlines(), 1):
        try:
            nodes.append(node_from_dict(parse_line(path, line_no, line)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise damaged(path, f"line {line_no}: not a node record ({exc})") from None
    return nodes
