"""Benchmark: batched Bolt writer vs a per-record MERGE baseline, on a real ArcadeDB server (Bolt).

Loads a graph (by default the full graph built from ``--data-dir``, ../shared/data, with every source
found there; the curated graph replicated to ``--edges`` when that folder is absent or with
``--replicated``) into a throwaway ArcadeDB (started like the tests do, on free loopback ports) and
prints relationships/second for ``tmekg.sinks.neo4j.load_graph`` at a few batch sizes, for both
parameter layouts side by side (``columns``: one list per field, the default; ``rows``: a list of
row maps, the earlier form), and for the baseline (one MERGE per relationship, one transaction each)
on a sample, measured in the same run, with the ratio (target >= 50x) and the best batch size. Run::

    python benchmarks/bench_neo4j.py                       # full graph from ../shared/data
    python benchmarks/bench_neo4j.py --replicated          # curated graph replicated to ~50k edges
    python benchmarks/bench_neo4j.py --store ~/.local/share/tmekg/store --batch-sizes 1000,5000

Needs ``pip install arcadedb-embedded`` (it bundles its own JRE).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tmekg.build import BuiltGraph, SourceReport
from tmekg.cypher import Neo4jConfig, connect
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node
from tmekg.pipeline import build_store
from tmekg.schema import load_schema
from tmekg.sinks.neo4j import delete_tmekg, ensure_schema, load_graph, plan, relationship_query, write_batches
from tmekg.sinks.neo4j_model import edge_properties
from tmekg.store import write_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from neo4j_server import ArcadeDBProcess  # test helper: starts ArcadeDB with Bolt

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def replicated_store(root: Path, target_edges: int) -> Path:
    """The curated graph copied ``k`` times with suffixed ids (copy 0 keeps the real ids)."""
    curated = root / "curated"
    build_store(store=curated)
    with KnowledgeGraph.open(curated) as kg:
        nodes, edges = list(kg.nodes), list(kg.edges())
    copies = max(1, round(target_edges / max(len(edges), 1)))

    def rid(node_id: str, k: int) -> str:
        return node_id if k == 0 else f"{node_id}.r{k}"

    all_nodes = [Node(rid(n.id, k), n.category, n.name, n.synonyms, n.xrefs, n.properties, n.provenance)
                 for k in range(copies) for n in nodes]  # fmt: skip
    all_edges = [Edge(rid(e.subject, k), e.predicate, rid(e.object, k), e.provenance, e.properties)
                 for k in range(copies) for e in edges]  # fmt: skip
    all_nodes.sort(key=lambda n: n.id)
    all_edges.sort(key=lambda e: (e.subject, e.predicate, e.object, e.properties))
    graph = BuiltGraph(tuple(all_nodes), tuple(all_edges), {"bench": SourceReport()}, {})
    write_store(graph, root / "replicated")
    return root / "replicated"


def bench_store(root: Path, args: argparse.Namespace) -> Path:
    """The full graph from ``args.data_dir`` when it exists (and not ``--replicated``), else replicated."""
    if args.replicated or not args.data_dir.is_dir():
        return replicated_store(root, args.edges)
    build_store(store=root / "full", sources=["all"], data=args.data_dir)
    return root / "full"


def driver_codec() -> str:
    """Which packstream the driver uses: the Rust extension (``neo4j-rust-ext``) or pure Python."""
    import importlib.util

    return "Rust (neo4j-rust-ext)" if importlib.util.find_spec("neo4j._rust") else "pure Python"


def baseline(kg: KnowledgeGraph, config: Neo4jConfig, sample: int) -> float:
    """Relationships/second for one MERGE per relationship, each in its own transaction (nodes first)."""
    schema = load_schema()
    driver = connect(config)
    with driver, driver.session(database=config.database) as session:
        ensure_schema(session, schema)
        delete_tmekg(session, 5000)
        write_batches(session, kg, [b for b in plan(kg, 1000, schema) if b.kind == "nodes"], schema)
        n = min(sample, kg.edge_count)
        start = time.perf_counter()
        for i in range(n):
            edge = kg.edge(i)
            props = edge_properties(edge, schema)
            key = props.pop("key")
            s_cat, o_cat = kg.node(edge.subject).category, kg.node(edge.object).category
            row = {"s": edge.subject, "o": edge.object, "key": key, "props": props}
            query = relationship_query(edge.predicate, s_cat, o_cat)
            session.execute_write(lambda tx, q=query, r=row: tx.run(q, rows=[r], common={}).consume())
        return n / (time.perf_counter() - start)


def batched(
    kg: KnowledgeGraph, config: Neo4jConfig, batch_size: int, columnar: bool = True
) -> tuple[float, float]:
    """(relationships/second in the relationship phase, total load seconds) for one full load."""
    marks: dict[str, float] = {}

    def progress(kind: str, done: int, total: int) -> None:
        if done == total:
            marks[kind] = time.perf_counter()

    start = time.perf_counter()
    load_graph(kg, config, replace=True, batch_size=batch_size, progress=progress, columnar=columnar)
    total = time.perf_counter() - start
    return kg.edge_count / (marks["relationships"] - marks.get("nodes", start)), total


def measure(kg: KnowledgeGraph, config: Neo4jConfig, sizes: list[int], sample: int, repeat: int) -> None:
    """Warm the server's JIT with one load, then time the baseline and each batch size (best of runs)."""
    _, warm = batched(kg, config, 1000)
    print(f"warm-up load (batch size 1000, not counted): {warm:.1f} s")
    base = max(baseline(kg, config, sample) for _ in range(repeat))
    print(f"{'per-record MERGE baseline':<26} {base:9.0f} rel/s  (sample of {sample}, best of {repeat})")
    results: dict[tuple[str, int], float] = {}
    for size in sizes:
        for layout in ("rows", "columns"):
            runs = [batched(kg, config, size, layout == "columns") for _ in range(repeat)]
            results[layout, size] = rate = max(r for r, _ in runs)
            load = min(total for _, total in runs)
            name = f"batched {layout}, size {size}"
            print(f"{name:<26} {rate:9.0f} rel/s  {rate / base:5.1f}x  (full load {load:.1f} s)")
    for layout in ("rows", "columns"):
        size = max(sizes, key=lambda s: results[layout, s])
        ratio = results[layout, size] / base
        print(f"{layout}: best batch size {size}; batched / per-record: {ratio:.1f}x (target >= 50x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="A built store (default: full graph from --data-dir).")
    parser.add_argument("--data-dir", type=Path, default=DATA, help="Source files for the full graph.")
    parser.add_argument("--replicated", action="store_true", help="Use the replicated curated graph.")
    parser.add_argument("--edges", type=int, default=50_000, help="Edges of the replicated graph.")
    parser.add_argument("--sample", type=int, default=500, help="Relationships for the per-record baseline.")
    parser.add_argument("--batch-sizes", default="500,2000,5000,10000", help="Comma-separated batch sizes.")
    parser.add_argument("--repeat", type=int, default=2, help="Runs per measurement (best is kept).")
    args = parser.parse_args()
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="tmekg-bench-neo4j-") as tmp:
        store = args.store or bench_store(Path(tmp), args)
        server = ArcadeDBProcess(Path(tmp) / "arcadedb")
        server.start()
        try:
            with KnowledgeGraph.open(store) as kg:
                uri = server.config().uri
                print(f"graph: {len(kg)} nodes, {kg.edge_count} relationships; ArcadeDB at {uri}")
                print(f"driver packstream: {driver_codec()}")
                measure(kg, server.config(), sizes, args.sample, args.repeat)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
