"""Benchmark: a synthetic graph N times the full build (default 10x), against 1x in the same run.

The synthetic graph keeps the full build's category and predicate mix and its degree distribution:
every node is copied N times (copy 0 keeps the real id, copies 1..N-1 get minted ids that pass the
schema's id patterns), and every edge is copied N times, copy k joining copy k of its subject to copy k
of its object, except that a fixed 10% of the original edges (chosen once, by a seeded hash) join copy k
of the subject to copy k+1 (mod N) of the object, so that the N copies form one connected graph while
each node copy keeps exactly its original's degree. Provenance, properties and names are shared with
the original record; cross-references are kept only on copy 0 (copies must not merge back).

Both the 1x and the Nx graph go through the same path, each phase in its own process (so peak RSS is
the phase's own): records -> ``GraphBuilder`` (validation, merging) -> ``write_store``; then
``rank`` without p-values, ``rank`` with the default permutation null built (cold) and read from the
store's cache (warm), and ``explain`` for one combination. The 1x "build" here starts from the full
store's records, not from the source files (``bench_build.py`` times that: parsing is per source and
grows with the input files, not with this synthetic copy).

Targets (issue 14, on this 2-core machine, 10x): build <= 10 min, rank with the cached null <= 20 s,
peak RSS <= 8 GB. The growth exponent is the slope of log(time) against log(edges) between 1x and Nx.

    tmekg build --data-dir ../shared/data --sources all --store /tmp/full
    python benchmarks/bench_scale.py --store /tmp/full [--scale 10] [--work /tmp/scale]
    python benchmarks/bench_scale.py --work /tmp/scale --reuse   # rank phases again, same stores
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from tmekg.model import Edge, Node
from tmekg.schema import load_schema

REWIRED = 0.10  # share of edges whose copies join neighbouring copies
TARGETS = {"build_s": 600.0, "rank_cached_s": 20.0, "peak_mib": 8 * 1024.0}


def peak_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class IdMinter:
    """Valid, unused ids for copies of a node (same prefix, local part that passes the prefix pattern)."""

    def __init__(self, used: set[str]) -> None:
        schema = load_schema()
        self.patterns = dict(schema.patterns)
        self.used = used
        self.counters: dict[str, int] = {}

    def mint(self, curie: str, copy: int) -> str:
        """Id of copy ``copy`` of ``curie``."""
        prefix, local = curie.split(":", 1)
        pattern = self.patterns.get(prefix)
        for candidate in self._candidates(local, copy):
            new = f"{prefix}:{candidate}"
            if (pattern is None or pattern.match(candidate)) and new not in self.used:
                self.used.add(new)
                return new
        return self._counter(prefix, local, pattern)

    @staticmethod
    def _candidates(local: str, copy: int) -> Iterator[str]:
        yield f"{local}-S{copy}"  # symbols, TMEKG ids
        yield f"{local}.s{copy}"
        yield f"{local}-{90 + copy}"  # UniProt isoform-style
        yield f"{local}.{90 + copy}"  # Ensembl version-style
        yield f"{local}9{copy}9"  # unbounded digit ids (CHEBI, NCBIGENE, PMID, REACT ...)

    def _counter(self, prefix: str, local: str, pattern: re.Pattern[str] | None) -> str:
        """Fixed-width ids (GO, CL, HMDB, KEGG ...): the trailing digits counted down from all 9s."""
        digits = re.search(r"\d+$", local)
        if digits is None:
            raise ValueError(f"cannot mint a copy of {prefix}:{local}")
        width = len(digits.group())
        while True:
            n = self.counters.get(prefix, 10**width - 1)
            if n < 0:
                raise ValueError(f"{prefix}: no unused {width}-digit ids left")
            self.counters[prefix] = n - 1
            candidate = local[: digits.start()] + str(n).zfill(width)
            new = f"{prefix}:{candidate}"
            if (pattern is None or pattern.match(candidate)) and new not in self.used:
                self.used.add(new)
                return new


def read_store(store: Path) -> tuple[list[Node], list[Edge]]:
    """The live snapshot's nodes and edges as records."""
    from tmekg.store import edge_from_dict, node_from_dict, snapshot_dir

    snap = snapshot_dir(store)
    with (snap / "nodes.jsonl").open(encoding="utf-8") as handle:
        nodes = [node_from_dict(json.loads(line)) for line in handle]
    with (snap / "edges.jsonl").open(encoding="utf-8") as handle:
        edges = [edge_from_dict(json.loads(line)) for line in handle]
    return nodes, edges


def scaled_records(nodes: list[Node], edges: list[Edge], scale: int) -> Iterator[Node | Edge]:
    """The N-fold synthetic graph (see the module docstring), generated lazily."""
    minter = IdMinter({n.id for n in nodes})
    ids = {n.id: [n.id] + [minter.mint(n.id, k) for k in range(1, scale)] for n in nodes}
    yield from nodes
    for node in nodes:
        for k in range(1, scale):
            yield replace(node, id=ids[node.id][k], xrefs=())
    for edge in edges:
        shift = _rewired(edge)
        subjects, objects = ids[edge.subject], ids[edge.object]
        for k in range(scale):
            yield (
                edge
                if k == 0 and not shift
                else replace(edge, subject=subjects[k], object=objects[(k + shift) % scale])
            )


def _rewired(edge: Edge) -> int:
    """1 for a fixed, seeded 10% of edges (by a hash of the edge), else 0."""
    key = f"{edge.subject}|{edge.predicate}|{edge.object}".encode()
    return int(zlib.crc32(key) % 1000 < REWIRED * 1000)


def phase_build(store: Path, out: Path, scale: int) -> dict[str, float]:
    """Build the scaled graph from the full store's records and write it as a store."""
    from tmekg.build import GraphBuilder
    from tmekg.store import read_manifest, snapshot_dir, write_store

    nodes, edges = read_store(store)
    manifest = read_manifest(snapshot_dir(store))
    start = time.perf_counter()
    builder = GraphBuilder(strict=False)
    builder.add_all(scaled_records(nodes, edges, scale), "synthetic")
    graph = builder.build()
    snap = write_store(graph, out, manifest.get("sources", {}))
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in snap.iterdir()) / 2**20
    return {"build_s": seconds, "nodes": len(graph.nodes), "edges": len(graph.edges), "store_mib": size}


def phase_rank(store: Path) -> dict[str, float]:
    """Rank without p-values, with the null built (cold) and read from the cache (warm), then explain.

    Each step records wall seconds (``*_s``) and CPU seconds of this process plus its finished children
    (``*_cpu``: the null's worker processes), so a loaded machine can still be compared.
    """
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.rank import explain, rank

    out: dict[str, float] = {}
    clock = _Clock(out)
    with clock("open"):
        kg = KnowledgeGraph.open(store)
    with kg:
        out["nodes"], out["edges"] = len(kg), kg.edge_count
        for label, permutations in (("rank_no_null", 0), ("rank_cold_null", None), ("rank_cached", None)):
            with clock(label):
                table = rank(kg, "anti-PD-1", None, 20, permutations)
        with clock("explain"):
            explain(kg, str(table["target_id"].iloc[0]), "anti-PD-1")
    return out


class _Clock:
    """Context manager factory recording wall and CPU (self + children) seconds of a step."""

    def __init__(self, out: dict[str, float]) -> None:
        self.out = out

    @staticmethod
    def _cpu() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    @contextmanager
    def __call__(self, label: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), self._cpu()
        yield
        self.out[f"{label}_s"] = time.perf_counter() - wall
        self.out[f"{label}_cpu"] = self._cpu() - cpu


def run_phase(args: list[str]) -> dict[str, float]:
    """Run one phase in a child process; its own peak RSS is added to the result."""
    proc = subprocess.run(
        [sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def exponent(small: float, large: float, e_small: float, e_large: float) -> float:
    """Slope of log(time) against log(edges) between two sizes."""
    return math.log(large / small) / math.log(e_large / e_small)


ROWS = (
    "nodes", "edges", "store_mib", "build_s", "build_cpu_s", "build_peak_mib", "open_s", "open_cpu",
    "rank_no_null_s", "rank_no_null_cpu", "rank_cold_null_s", "rank_cold_null_cpu", "rank_cached_s",
    "rank_cached_cpu", "explain_s", "explain_cpu", "rank_peak_mib",
)  # fmt: skip


def report(one: dict[str, float], big: dict[str, float], scale: int) -> None:
    """Print the 1x vs Nx table with ratios, growth exponents (for times) and the targets."""
    print(f"{'':<20}{'1x':>12}{f'{scale}x':>12}{'ratio':>9}{'exponent':>10}")
    for key in ROWS:
        a, b = one.get(key, float("nan")), big.get(key, float("nan"))
        timed = key.endswith(("_s", "_cpu")) and a > 0
        slope = exponent(a, b, one["edges"], big["edges"]) if timed else float("nan")
        print(f"{key:<20}{a:>12,.1f}{b:>12,.1f}{b / a if a else float('nan'):>9.2f}{slope:>10.2f}")
    peak = max(big.get("build_peak_mib", 0.0), big["rank_peak_mib"])
    for key, limit, value in (
        ("build_s", TARGETS["build_s"], big.get("build_s", float("nan"))),
        ("rank_cached_s", TARGETS["rank_cached_s"], big["rank_cached_s"]),
        ("rank_cached_cpu", TARGETS["rank_cached_s"], big["rank_cached_cpu"]),
        ("peak_mib", TARGETS["peak_mib"], peak),
    ):
        verdict = "not measured" if value != value else ("OK" if value <= limit else "MISSED")
        print(f"target {key} <= {limit:,.0f}: {value:,.1f} {verdict}")


def measure(store: Path, work: Path, scale: int, reuse: bool = False) -> dict[str, float]:
    """Build and rank at one scale; both phases in child processes.

    With ``reuse`` an ``x{scale}`` store already built in ``work`` is ranked again without building
    (build rows: nan); its cached nulls and derived tables are removed first, so the rank phase
    starts from the same state as after a build.
    """
    from tmekg.store import snapshot_dir

    out = work / f"x{scale}"
    if reuse and (out / "CURRENT").exists():
        built: dict[str, float] = {}
        snap = snapshot_dir(out)
        for cache in ("nulls", "derived"):
            shutil.rmtree(snap / cache, ignore_errors=True)
    else:
        shutil.rmtree(out, ignore_errors=True)
        built = run_phase(["build", str(store), str(out), str(scale)])
        built["build_peak_mib"] = built.pop("peak_mib")
        built["build_cpu_s"] = built.pop("cpu_s")
    ranked = run_phase(["rank", str(out)])
    ranked["rank_peak_mib"] = ranked.pop("peak_mib")
    ranked["rank_cpu_s"] = ranked.pop("cpu_s")
    return {**built, **ranked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--store", type=Path, help="a full build (tmekg build --sources all)")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--work", type=Path, help="where the synthetic stores go (default: a temp dir)")
    parser.add_argument(
        "--reuse", action="store_true", help="rank the x1/xN stores already in --work again, without building"
    )
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        result = (
            phase_build(Path(rest[0]), Path(rest[1]), int(rest[2]))
            if name == "build"
            else (phase_rank(Path(rest[0])))
        )
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({**result, "peak_mib": peak_mib(), "cpu_s": usage.ru_utime + usage.ru_stime}))
        return
    if args.store is None and not args.reuse:
        parser.error("--store is required")
    if args.reuse and args.work is None:
        parser.error("--reuse needs --work (the folder holding x1 and x{scale})")
    work = args.work or Path(tempfile.mkdtemp(prefix="tmekg-scale-"))
    one = measure(args.store, work, 1, args.reuse)
    big = measure(args.store, work, args.scale, args.reuse)
    report(one, big, args.scale)


if __name__ == "__main__":
    main()
