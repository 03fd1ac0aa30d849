"""Benchmark: load study outputs and infer crosstalk at atlas scale, against a naive loop baseline.

Target (issue "study outputs and crosstalk"): a 100k-row marker table and a 60-cell-type x 20k-gene
pseudobulk each load (``tmekg.studies.load_study``: parse + rebuild the store) and infer
(``infer_crosstalk`` with 1000 permutations for every candidate, evidence assembled for the top 20
rows as ``tmekg crosstalk`` does) within 30 s. Run::

    python benchmarks/bench_crosstalk.py [--cell-types 60] [--genes 20000] [--marker-rows 100000]
                                         [--permutations 1000] [--metabolites 400]

Synthetic inputs (seeded): a resource KB (curated-KB TSV files: producers, consumers, exporters,
importers and sensors for ``--metabolites`` metabolites over ``--resource-genes`` genes), a Seurat
``FindAllMarkers`` CSV and a pseudobulk CSV. The baseline is the naive per-(metabolite, sender,
receiver) Python loop (:func:`tmekg.queries.crosstalk_score.naive_scores`) on the same matrix, for the
scores and, extrapolated from a few permutations, for the p-values.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def write_kb(folder: Path, n_genes: int, n_mets: int, rng: np.random.Generator) -> list[str]:
    """Curated-format resource KB; returns the resource gene symbols."""
    folder.mkdir(parents=True)
    genes = [f"RG{i}" for i in range(n_genes)]
    nodes = ["id\tcategory\tname\tsynonyms\txrefs\tproperties\tevidence\tstatus\tcomment"]
    nodes += [f"HGNC.SYMBOL:{g}\tGene\t{g}\t\t\t\t\tverified\t" for g in genes]
    nodes += [f"CHEBI:{900000 + m}\tMetabolite\tmetabolite {m}\t\t\t\t\tverified\t" for m in range(n_mets)]
    edges = ["subject\tpredicate\tobject\tproperties\tevidence\tcontext\tstatus\tcomment"]
    seen = set()
    for m in range(n_mets):
        met = f"CHEBI:{900000 + m}"
        spec = [("produces", "", 1, 8), ("degrades", "", 0, 4), ("transports", "direction=export", 0, 2)]
        spec += [("transports", "direction=import", 0, 3), ("activates", "", 1, 5)]
        for predicate, prop, lo, hi in spec:
            for g in rng.choice(n_genes, size=int(rng.integers(lo, hi + 1)), replace=False):
                gene = f"HGNC.SYMBOL:{genes[g]}"
                subj, obj = (met, gene) if predicate == "activates" else (gene, met)
                if (subj, predicate, obj, prop) not in seen:
                    seen.add((subj, predicate, obj, prop))
                    edges.append(f"{subj}\t{predicate}\t{obj}\t{prop}\tPMID:1\t\tverified\tsynthetic")
    (folder / "bench.nodes.tsv").write_text("\n".join(nodes) + "\n")
    (folder / "bench.edges.tsv").write_text("\n".join(edges) + "\n")
    return genes


def write_inputs(
    folder: Path, args: argparse.Namespace, resource: list[str], rng: np.random.Generator
) -> None:
    """Cell-type map, marker table and pseudobulk matrix."""
    labels = [f"C{i}" for i in range(args.cell_types)]
    rows = [f"C{i}\tTMEKG:celltype.bench{i}\tbench cell type {i}" for i in range(args.cell_types)]
    (folder / "map.tsv").write_text("label\tid\tname\n" + "\n".join(rows) + "\n")
    universe = resource + [f"G{i}" for i in range(args.genes - len(resource))]
    per_cluster = args.marker_rows // args.cell_types
    lines = ['"","p_val","avg_log2FC","pct.1","pct.2","p_val_adj","cluster","gene"']
    for label in labels:
        for g in rng.choice(len(universe), size=per_cluster, replace=False):
            fc, p1 = rng.normal(0.5, 1.0), rng.uniform(0.05, 0.95)
            p_adj = float(rng.choice([0.0, 1e-20, 0.2]))
            lines.append(
                f'"{universe[g]}",0,{fc:.4f},{p1:.3f},{p1 / 2:.3f},{p_adj},"{label}","{universe[g]}"'
            )
    (folder / "markers.csv").write_text("\n".join(lines) + "\n")
    values = np.where(
        rng.random((args.cell_types, args.genes)) < 0.3, rng.lognormal(0, 1, (args.cell_types, args.genes)), 0
    )
    header = "," + ",".join(universe)
    body = "\n".join(
        f"{label}," + ",".join(f"{v:.3g}" for v in row) for label, row in zip(labels, values, strict=True)
    )
    (folder / "pseudobulk.csv").write_text(header + "\n" + body + "\n")


def timed(label: str, func, *a, **kw):
    start = time.perf_counter()
    out = func(*a, **kw)
    seconds = time.perf_counter() - start
    print(f"  {label:<46} {seconds:8.2f} s")
    return out, seconds


def scenario(name: str, fmt: str, folder: Path, kb: Path, args: argparse.Namespace) -> None:
    from tmekg.graph import KnowledgeGraph
    from tmekg.pipeline import build_store
    from tmekg.queries import crosstalk_score as cs
    from tmekg.queries.crosstalk import CrosstalkParams, _gene_sets, _inputs, infer_crosstalk
    from tmekg.studies import StudySpec, load_study

    store = folder / f"store-{fmt}"
    build_store(store=store, kb=kb)
    print(f"{name}:")
    spec = StudySpec(
        path=str(folder / f"{name}.csv"),
        format=fmt,
        study_id="TMEKG:study.bench",
        map_file=str(folder / "map.tsv"),
    )
    result, t_load = timed("load (parse + rebuild store)", load_study, spec, store, kb=kb)
    print(f"  {'edges in store':<46} {result.build.counts['edges']:8d}")
    params = CrosstalkParams(permutations=args.permutations)
    with KnowledgeGraph.open(store) as kg:
        label = f"infer ({args.permutations} permutations, top 20)"
        _, t_infer = timed(label, infer_crosstalk, kg, params, top=20)
        no_perm = CrosstalkParams(permutations=0)
        rows, _ = timed("all rows with names and evidence (no perms)", infer_crosstalk, kg, no_perm, top=0)
        inputs = _inputs(kg, params)
    print(f"  {'rows (sender, metabolite, receiver, mode)':<46} {len(rows):8d}")
    print(f"  {'TOTAL load + infer (target <= 30 s)':<46} {t_load + t_infer:8.2f} s")
    matrix, _, genes = inputs.matrix
    _, sets, members, _ = _gene_sets(inputs, "supply", genes, params.max_set, None)
    column = {g: j for j, g in enumerate(genes)}
    idx = [[[column[g] for g in part if g in column] for part in m] for m in members]
    pos, neg, recv = ([x[k] for x in idx] for k in range(3))
    sizes = ([len(m[0]) for m in members], [len(m[1]) for m in members])
    _, t_fast = timed("supply scores, vectorised", cs.candidates, matrix, sets)
    _, t_naive = timed(
        "supply scores, naive per-pair loop (baseline)", cs.naive_scores, matrix, pos, neg, recv, *sizes
    )
    k = 3
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    for _ in range(k):
        cs.naive_scores(rng.permuted(matrix, axis=0), pos, neg, recv, *sizes)
    t_naive_perm = (time.perf_counter() - t0) / k * args.permutations
    print(f"  {'naive p-values, extrapolated from 3 perms':<46} {t_naive_perm:8.2f} s")
    print(
        f"  speed-up of the vectorised scores: {t_naive / max(t_fast, 1e-9):.0f}x; whole inference vs naive "
        f"scores + permutations: {(t_naive + t_naive_perm) / max(t_infer, 1e-9):.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cell-types", type=int, default=60)
    parser.add_argument("--genes", type=int, default=20000)
    parser.add_argument("--marker-rows", type=int, default=100000)
    parser.add_argument("--permutations", type=int, default=1000)
    parser.add_argument("--metabolites", type=int, default=400)
    parser.add_argument("--resource-genes", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(11)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        resource = write_kb(folder / "kb", args.resource_genes, args.metabolites, rng)
        write_inputs(folder, args, resource, rng)
        print(
            f"inputs: {args.marker_rows} marker rows, {args.cell_types} x {args.genes} pseudobulk, "
            f"{args.metabolites} metabolites over {args.resource_genes} resource genes"
        )
        scenario("markers", "seurat", folder, folder / "kb", args)
        scenario("pseudobulk", "pseudobulk", folder, folder / "kb", args)


if __name__ == "__main__":
    main()
