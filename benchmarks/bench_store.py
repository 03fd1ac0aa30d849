"""Benchmark: open a 1M-edge embedded store, against a plain JSON-lines baseline in the same process.

Target (issue 2): a 1M-edge store loads in well under 5 s. Run::

    python benchmarks/bench_store.py [--edges 1000000] [--nodes 50000]

Prints wall times and peak memory for: writing the store, opening it (``KnowledgeGraph.open``),
the baseline (parsing every edge record from JSON lines, as a naive store would), random edge
access, a neighbourhood query, and building the networkx view.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tmekg.build import BuiltGraph, SourceReport
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance, props
from tmekg.store import write_store

T = TypeVar("T")
PREDICATES = [
    ("produces", "Gene", "Metabolite"),
    ("binds", "Metabolite", "Gene"),
    ("expressed_in", "Gene", "CellType"),
    ("degrades", "Gene", "Metabolite"),
]


def synthetic_graph(n_nodes: int, n_edges: int, seed: int = 7) -> BuiltGraph:
    """A graph with the category mix of a full build and ``n_edges`` unique edges."""
    rng = random.Random(seed)
    genes = [f"HGNC.SYMBOL:G{i}" for i in range(n_nodes // 2)]
    mets = [f"CHEBI:{100000 + i}" for i in range(n_nodes // 2 - 100)]
    cells = [f"CL:{1000000 + i:07d}" for i in range(100)]
    nodes = [Node(g, "Gene", g[12:], properties=props(roles=["enzyme"])) for g in genes]
    nodes += [Node(m, "Metabolite", f"metabolite {m}", xrefs=(f"HMDB:HMDB{int(m[6:]):07d}",)) for m in mets]
    nodes += [Node(c, "CellType", f"cell {c}") for c in cells]
    pools = {"Gene": genes, "Metabolite": mets, "CellType": cells}
    seen: set[tuple[str, str, str]] = set()
    edges = []
    while len(edges) < n_edges:
        pred, s_cat, o_cat = PREDICATES[rng.randrange(len(PREDICATES))]
        s, o = rng.choice(pools[s_cat]), rng.choice(pools[o_cat])
        if (s, pred, o) in seen:
            continue
        seen.add((s, pred, o))
        prov = Provenance(
            "bench",
            "1",
            evidence=(f"PMID:{rng.randrange(10**7)}",),
            score=rng.random(),
            record=f"file.tsv:{len(edges) + 2}",
        )
        edges.append(Edge(s, pred, o, (prov,)))
    nodes.sort(key=lambda n: n.id)
    edges.sort(key=lambda e: (e.subject, e.predicate, e.object))
    return BuiltGraph(tuple(nodes), tuple(edges), {"bench": SourceReport()}, {})


def timed(label: str, func: Callable[[], T]) -> tuple[T, float]:
    """Run ``func``; print wall time and the process's peak resident memory so far."""
    start = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<46} {seconds:8.3f} s   process peak RSS {peak:8.1f} MiB")
    return value, seconds


def baseline_load(snapshot: Path) -> int:
    """Naive store: parse every node and edge record from JSON lines."""
    with open(snapshot / "nodes.jsonl", encoding="utf-8") as handle:
        nodes = [json.loads(line) for line in handle]
    with open(snapshot / "edges.jsonl", encoding="utf-8") as handle:
        edges = [json.loads(line) for line in handle]
    return len(nodes) + len(edges)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=50_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    graph = synthetic_graph(args.nodes, args.edges)
    print(
        f"synthetic graph: {len(graph.nodes)} nodes, {len(graph.edges)} edges "
        f"({time.perf_counter() - t0:.1f} s to generate)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        start = time.perf_counter()
        snapshot = write_store(graph, root)
        print(f"{'write store':<46} {time.perf_counter() - start:8.3f} s")
        del graph
        kg, t_open = timed("open store (KnowledgeGraph.open)", lambda: KnowledgeGraph.open(root))
        _, t_base = timed("baseline: parse all JSON lines", lambda: baseline_load(snapshot))
        rng = random.Random(1)
        sample = [rng.randrange(kg.edge_count) for _ in range(1000)]
        timed("1,000 random full edge records", lambda: [kg.edge(i) for i in sample])
        timed("neighbourhood depth 1 (first call builds CSR)", lambda: kg.neighbourhood(kg.nodes[0].id, 1))
        timed("neighbourhood depth 1 (warm)", lambda: kg.neighbourhood(kg.nodes[1].id, 1))
        timed("networkx MultiDiGraph view", lambda: kg.nx)
        kg.close()
    print(
        f"\nopen: {t_open:.3f} s (target < 5 s: {'OK' if t_open < 5 else 'MISSED'}); "
        f"baseline/open ratio: {t_base / t_open:.1f}x"
    )


if __name__ == "__main__":
    main()
