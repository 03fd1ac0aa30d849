"""Benchmark: RDF export and SPARQL, the in-memory rdflib path against the streamed / indexed one.

Issue 14 targets on the full build: ``tmekg export rdf`` (N-Triples and Turtle) <= 60 s and <= 1 GB peak
RSS; ``tmekg sparql`` answers the README / docs example query in <= 10 s. Run::

    python benchmarks/bench_rdf.py --store STORE [--old-edges 50000] [--out DIR]

Every step runs in its own Python process, so each peak RSS is that step's alone (``ru_maxrss`` of the
child) and CPU time is reported beside wall time (the machine is shared). Steps:

* **old export**: the whole graph in an rdflib ``Graph``, then rdflib's serialiser (what
  ``export rdf --format turtle`` did before streaming). It takes minutes and GBs on the full build, so
  by default it runs on a subset: all nodes and the first ``--old-edges`` edges (``0``: all); the new
  export is timed on the same subset for the ratio, and on the full graph for the targets.
* **new export**: :func:`tmekg.sinks.rdf.export_rdf` (streamed, atomic) as N-Triples and Turtle.
* **SPARQL over a file** (``sparql --rdf``): all nodes and the first ``--sparql-edges`` edges as
  Turtle, loaded once and queried three times, by rdflib (before) and by Oxigraph in memory (now).
* **SPARQL over the store**: a copy of the store; cold (the Oxigraph index is built, then the docs'
  query) and warm (index reused), each a fresh process as a user's ``tmekg sparql`` is; for the docs'
  example query (reified statements with a Biolink qualifier), a provenance query (publications and
  sources of reified ``produces`` statements) and ``sparql --help``'s example.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

QUERIES = {
    "docs example (reified, qualifier)": """SELECT DISTINCT ?metabolite WHERE {
  ?st rdf:subject ?metabolite ; rdf:predicate biolink:affects ; rdf:object ?effect ;
      biolink:object_direction_qualifier "decreased" .
  ?metabolite a biolink:SmallMolecule .
  ?effect a biolink:BiologicalProcess ; tmekg:category "ImmuneEffect" .
}""",
    "provenance (publications, sources)": """SELECT ?gene ?metabolite ?pub ?source WHERE {
  ?st a rdf:Statement ; tmekg:predicate "produces" ; rdf:subject ?gene ; rdf:object ?metabolite ;
      biolink:publications ?pub ; tmekg:source ?source .
  ?gene tmekg:category "Gene" .
}""",
    "help example": 'SELECT ?m WHERE { ?m tmekg:category "Metabolite" } LIMIT 5',
}


# -- steps (each runs in a child process) --------------------------------------------------------
def old_export(store: str, out: str, max_edges: int | None) -> dict[str, Any]:
    """The pre-streaming path: an rdflib Graph of everything, then rdflib's Turtle serialiser."""
    import rdflib

    from tmekg.graph import KnowledgeGraph
    from tmekg.sinks.rdf import block_triples, namespaces
    from tmekg.sinks.rdf_stream import blocks

    graph = rdflib.Graph()
    for prefix, base in namespaces().items():
        graph.bind(prefix, base)
    with KnowledgeGraph.open(store) as kg:
        for block in blocks(kg, max_edges):
            for triple in block_triples(block):
                graph.add(triple)
    graph.serialize(destination=out, format="turtle", encoding="utf-8")
    return {"triples": len(graph)}


def new_export(store: str, out: str, fmt: str, max_edges: int | None) -> dict[str, Any]:
    """The streamed export (the subset variant writes the same blocks as :func:`old_export`)."""
    from tmekg.graph import KnowledgeGraph
    from tmekg.sinks.rdf import export_rdf
    from tmekg.sinks.rdf_stream import blocks, write_file

    if max_edges is None:
        return {"triples": export_rdf(out, fmt, store).triples}
    with KnowledgeGraph.open(store) as kg:
        return {"triples": write_file(Path(out), fmt, blocks(kg, max_edges))}


def old_sparql(rdf: str, queries: list[str]) -> dict[str, Any]:
    """rdflib: parse the file once, run each query."""
    from tmekg.sinks.rdf import load_rdf, namespaces

    start = time.perf_counter()
    graph = load_rdf(rdf)
    out: dict[str, Any] = {"load_s": time.perf_counter() - start, "rows": [], "query_s": []}
    for query in queries:
        start = time.perf_counter()
        out["rows"].append(len(list(graph.query(query, initNs=namespaces()))))
        out["query_s"].append(time.perf_counter() - start)
    return out


def file_sparql(rdf: str, queries: list[str]) -> dict[str, Any]:
    """Oxigraph: bulk-load the file into memory once (as ``sparql --rdf``), run each query."""
    from tmekg.sparql import load_file, query_store

    start = time.perf_counter()
    graph = load_file(rdf)
    out: dict[str, Any] = {"load_s": time.perf_counter() - start, "rows": [], "query_s": []}
    for query in queries:
        start = time.perf_counter()
        out["rows"].append(len(query_store(graph, query)[1]))
        out["query_s"].append(time.perf_counter() - start)
    return out


def new_sparql(store: str | None, query: str, rdf: str | None = None) -> dict[str, Any]:
    """``tmekg sparql`` over the store's index (built when missing) or, with ``rdf``, over a file."""
    from tmekg.sparql import ensure_index, run_sparql

    start = time.perf_counter()
    if rdf is None:
        ensure_index(store)
    ready = time.perf_counter()
    _, rows = run_sparql(query, rdf=rdf, store=store)
    return {"rows": len(rows), "index_s": ready - start, "query_s": time.perf_counter() - ready}


STEPS = {
    "old_export": old_export,
    "new_export": new_export,
    "old_sparql": old_sparql,
    "file_sparql": file_sparql,
    "new_sparql": new_sparql,
}


def child(name: str, kwargs: dict[str, Any]) -> None:
    """Run one step and print its result with wall / CPU time and peak RSS as JSON."""
    start, cpu = time.perf_counter(), time.process_time()
    result = STEPS[name](**kwargs)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.update(
        wall_s=time.perf_counter() - start,
        cpu_s=time.process_time() - cpu,
        rss_mb=usage.ru_maxrss / 1024,
    )
    print(json.dumps(result))


def run(name: str, **kwargs: Any) -> dict[str, Any]:
    """Run a step in a fresh Python process (whole-process wall time included)."""
    start = time.perf_counter()
    code = "import json, sys; import bench_rdf; bench_rdf.child(sys.argv[1], json.loads(sys.argv[2]))"
    done = subprocess.run(
        [sys.executable, "-c", code, name, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.splitlines()[-1])
    result["process_s"] = time.perf_counter() - start
    return result


def line(label: str, r: dict[str, Any], extra: str = "") -> None:
    times = f"{r['process_s']:7.1f} s wall {r['cpu_s']:7.1f} s CPU {r['rss_mb']:6.0f} MiB peak"
    print(f"{label:<58} {times}  {extra}")


# -- the report ----------------------------------------------------------------------------------
def exports(store: Path, out: Path, old_edges: int | None) -> None:
    subset = "all edges" if old_edges is None else f"first {old_edges} edges"
    print(f"== export, subset: all nodes + {subset}")
    old = run("old_export", store=str(store), out=str(out / "old.ttl"), max_edges=old_edges)
    line("old: rdflib Graph + serialize (turtle)", old, f"{old['triples']} triples")
    for fmt in ("turtle", "nt"):
        new = run("new_export", store=str(store), out=str(out / f"sub.{fmt}"), fmt=fmt, max_edges=old_edges)
        ratio = (
            f"x{old['process_s'] / new['process_s']:.1f} faster, x{old['rss_mb'] / new['rss_mb']:.1f} less"
        )
        line(f"new: streamed ({fmt})", new, f"{new['triples']} triples; {ratio}")
    print("== export, full graph (targets: <= 60 s, <= 1024 MiB)")
    for fmt, suffix in (("nt", ".nt"), ("turtle", ".ttl")):
        path = out / f"full{suffix}"
        new = run("new_export", store=str(store), out=str(path), fmt=fmt, max_edges=None)
        size = path.stat().st_size / 1e6
        line(f"new: tmekg export rdf --format {fmt}", new, f"{new['triples']} triples, {size:.0f} MB")


def sparql(store: Path, scratch: Path, sparql_edges: int) -> None:
    sub = scratch / "sparql-subset.ttl"
    run("new_export", store=str(store), out=str(sub), fmt="turtle", max_edges=sparql_edges)
    print(
        f"== SPARQL over a file: all nodes + first {sparql_edges} edges as Turtle (one load, then each query)"
    )
    queries = list(QUERIES.values())
    for step, label in (("old_sparql", "old: rdflib"), ("file_sparql", "new: oxigraph (--rdf)")):
        r = run(step, rdf=str(sub), queries=queries)
        per_query = ", ".join(f"{q:.2f} s ({n} rows)" for q, n in zip(r["query_s"], r["rows"], strict=True))
        line(f"{label}: load + 3 queries", r, f"load {r['load_s']:.1f} s; queries {per_query}")
    copy = scratch / "store"
    shutil.copytree(store, copy, ignore=shutil.ignore_patterns("rdf.oxigraph", ".rdf.oxigraph.tmp-*"))
    print("== SPARQL over the store (target: the docs / README example <= 10 s)")
    first = next(iter(QUERIES))
    cold = run("new_sparql", store=str(copy), query=QUERIES[first])
    line(f"cold (index build + query): {first}", cold, f"index {cold['index_s']:.1f} s, {cold['rows']} rows")
    for label, query in QUERIES.items():
        warm = run("new_sparql", store=str(copy), query=query)
        line(f"warm: {label}", warm, f"query {warm['query_s']:.2f} s in process, {warm['rows']} rows")
    folder = next(copy.glob("snap-*")) / "rdf.oxigraph"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    print(f"index size on disk: {size:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a built store (the full build)")
    parser.add_argument("--old-edges", type=int, default=50000, help="edges in the old-path subset (0: all)")
    parser.add_argument("--sparql-edges", type=int, default=10000, help="edges in the SPARQL file subset")
    parser.add_argument("--out", type=Path, help="folder for the exports (default: a temporary one)")
    parser.add_argument("--skip", choices=["export", "sparql"], action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rdf-") as tmp:
        out = args.out or Path(tmp) / "out"
        out.mkdir(parents=True, exist_ok=True)
        if "export" not in args.skip:
            exports(args.store, out, args.old_edges or None)
        if "sparql" not in args.skip:
            sparql(args.store, Path(tmp), args.sparql_edges)


if __name__ == "__main__":
    main()
