"""Benchmark (issue 15): crosstalk on a full store, AnnData pseudobulk, and the figure.

Targets: ``tmekg crosstalk`` (default settings: 1,000 permutations, top 20 rows with evidence) over
the full build + Oh 2023 atlas + HPA <= 30 s; a 20,000-gene x 60-cell-type pseudobulk of a
single-cell ``.h5ad`` (many cells, raw counts, chunked) <= 30 s; ``--figure`` <= 5 s. Wall time on
a shared machine is noisy, so process CPU time is printed next to it, and each measurement is
compared with a baseline run in the same process (the previous behaviour or a naive equivalent).
Run::

    python benchmarks/bench_crosstalk_issue15.py [--store STORE_WITH_ATLAS] [--cells 50000]
                                                 [--genes 20000] [--cell-types 60]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def timed(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``fn``; print wall and CPU seconds; return (result, cpu)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:58} wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    return out, cpu


def bench_store(store: str) -> None:
    """Default crosstalk (top 20 with evidence, 1,000 permutations) and the whole table."""
    from tmekg.queries.crosstalk import CrosstalkParams, crosstalk_table

    rows, cpu = timed("crosstalk top 20 (full store + atlas + HPA)", lambda: crosstalk_table(store, top=20))
    print(f"  target <= 30 s: {'met' if cpu <= 30 else 'MISSED'} (cpu); first row: {rows[0].row()}")
    everything, _ = timed(
        "crosstalk --top 0 (all rows, no evidence dicts)",
        lambda: crosstalk_table(store, top=0, params=CrosstalkParams(), evidence=False),
    )
    print(f"  {len(everything):,} rows")


def write_cells(path: Path, n_cells: int, n_genes: int, n_types: int, density: float = 0.03) -> None:
    """A raw-count single-cell .h5ad (CSR, seeded) with ``n_types`` labels in obs ``cell_type``."""
    import anndata
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = sp.random(n_cells, n_genes, density=density, format="csr", random_state=rng, dtype=np.float32)
    X.data = np.ceil(X.data * 10)
    labels = [f"type{i}" for i in rng.integers(0, n_types, n_cells)]
    obs = pd.DataFrame({"cell_type": labels}, index=[f"c{i}" for i in range(n_cells)])
    var = pd.DataFrame(index=[f"G{j}" for j in range(n_genes)])
    anndata.AnnData(X=X, obs=obs, var=var).write_h5ad(path)


def naive_pseudobulk(path: Path) -> np.ndarray:
    """Baseline: the whole matrix in memory, dense per-group means (no chunking, no sparse products)."""
    import anndata

    adata = anndata.read_h5ad(path)
    labels = adata.obs["cell_type"].to_numpy()
    X = adata.X
    out = []
    for g in np.unique(labels):
        block = X[labels == g]
        totals = np.asarray(block.sum(axis=1)).ravel()
        dense = np.log1p(block.toarray() * (1e4 / totals)[:, None])
        out.append(dense.mean(axis=0))
    return np.array(out)


def bench_pseudobulk(n_cells: int, n_genes: int, n_types: int) -> None:
    """Chunked AnnData pseudobulk vs the dense in-memory baseline."""
    from tmekg.loaders.study_anndata import pseudobulk

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cells.h5ad"
        timed(
            f"write {n_cells:,} cells x {n_genes:,} genes (setup)",
            lambda: write_cells(path, n_cells, n_genes, n_types),
        )
        bulk, cpu = timed(
            f"pseudobulk {n_genes:,} genes x {n_types} types (chunked)",
            lambda: pseudobulk(path, {"groupby": "cell_type"}),
        )
        print(f"  target <= 30 s: {'met' if cpu <= 30 else 'MISSED'} (cpu); detected: {bulk.scale}")
        base, base_cpu = timed("baseline: dense in-memory group means", lambda: naive_pseudobulk(path))
        same = np.allclose(base, bulk.means, atol=1e-4)
        print(f"  ratio baseline/chunked cpu: {base_cpu / max(cpu, 1e-9):.2f}x; same means: {same}")


def bench_figure(n_rows: int = 2000) -> None:
    """The figure of ``n_rows`` synthetic rows (60 cell types, 40 metabolites)."""
    from tmekg.queries.crosstalk import Crosstalk
    from tmekg.queries.crosstalk_figure import draw

    rng = np.random.default_rng(1)
    rows = [
        Crosstalk(
            f"s{s}",
            f"sender {s}",
            f"m{m}",
            f"metabolite {m}",
            f"r{r}",
            f"receiver {r}",
            "supply",
            float(x),
            float(p),
            ["G"],
            ["R"],
            "demo",
        )
        for s, r, m, x, p in zip(
            rng.integers(0, 60, n_rows),
            rng.integers(0, 60, n_rows),
            rng.integers(0, 40, n_rows),
            rng.random(n_rows),
            rng.random(n_rows),
            strict=True,
        )
    ]
    rows.sort(key=lambda r: -r.score)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".png", ".svg"):
            _, cpu = timed(
                f"figure {n_rows:,} rows -> {suffix}", lambda s=suffix: draw(rows, Path(tmp) / f"f{s}")
            )
            print(f"  target <= 5 s: {'met' if cpu <= 5 else 'MISSED'} (cpu)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="store with the full build + the Oh 2023 atlas loaded")
    parser.add_argument("--cells", type=int, default=50_000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--cell-types", type=int, default=60)
    args = parser.parse_args()
    if args.store:
        bench_store(args.store)
    else:
        print("no --store: skipping the full-store crosstalk timing")
    bench_pseudobulk(args.cells, args.genes, args.cell_types)
    bench_figure()


if __name__ == "__main__":
    main()
