"""Pseudobulk expression (cell type x gene) from CSV/TSV or AnnData ``.h5ad`` -> ``expressed_in``.

Formats:

CSV / TSV (``.tsv``/``.txt`` tab-separated; ``.gz`` read transparently)
    First column = row labels, header = column labels, numeric cells = mean expression (e.g. mean
    log-normalised counts). Rows are cell types and columns genes; the transposed layout (genes x
    cell types) is recognised when more column than row labels map to cell types (counted warning).
AnnData ``.h5ad`` (needs the ``anndata`` package)
    ``obs_names`` are cell types (already aggregated), or pass option ``groupby=<obs column>`` to
    average single cells per group; gene names from ``var_names`` or option ``gene_symbols=<var
    column>``.

Each (cell type, gene) whose mean is above ``min_value`` (default 0) and at least ``rel_min``
(default 0.1) of that gene's highest mean over the file's cell types becomes ``gene -expressed_in->
cell type`` with ``statistic=mean_expression``, ``value`` (the mean) and ``threshold``; provenance
``study=<Study id>``, ``record=<file>:<line>:<column>`` (CSV) or ``<file>:obs=<label>:var=<gene>`` and
``score`` = the mean divided by the gene's highest kept mean (the expression weight crosstalk uses).
With a graph gene index (``tmekg study load`` on an existing store) only genes the graph already
knows are kept (a pseudobulk is dense: 60 x 20k values would add ~1M edges that no query uses);
option ``known_genes_only=false`` keeps every gene. Unmapped labels, malformed or duplicate genes, NaN/inf and
non-numeric cells and below-threshold entries are counted, never dropped silently.

Examples
--------
>>> records = list(load(Path("pseudobulk.csv"), StudyReport("demo"), ctx))   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tmekg.errors import LoaderError
from tmekg.io import resolve
from tmekg.loaders.study_common import (
    CellTypeRef,
    StudyContext,
    StudyReport,
    celltype_nodes,
    delimiter_of,
    expressed,
    gene_node,
    header_of,
    map_label,
    require_mapped,
)
from tmekg.model import Edge, Node

STATISTIC = "mean_expression"
MIN_VALUE, REL_MIN = 0.0, 0.1


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a pseudobulk matrix (CSV/TSV or ``.h5ad``)."""
    path = resolve(path)
    if path.name.endswith(".h5ad"):
        rows, cols, values, locate = _read_h5ad(path, ctx)
    else:
        rows, cols, values, locate = _read_table(path, report, ctx)
    yield from records(rows, cols, values, locate, path, report, ctx)


def _read_table(path: Path, report: StudyReport, ctx: StudyContext) -> tuple[list[str], list[str], Any, Any]:
    import pandas as pd

    header = header_of(path)
    from tmekg.io import read_frame

    sep = delimiter_of(path)
    frame = read_frame(path, "matrix", sep=sep, header=None, skiprows=1, dtype=str, keep_default_na=False)
    if frame.shape[1] != len(header) or frame.shape[1] < 2:
        raise LoaderError(
            f"header has {len(header)} fields but rows have {frame.shape[1]} (wrong delimiter?)",
            path=path,
            line=1,
        )
    rows, cols = frame.iloc[:, 0].str.strip().tolist(), header[1:]
    values = frame.iloc[:, 1:].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    text = frame.iloc[:, 1:].to_numpy()
    bad = np.isnan(values) & ~np.isin(text, ["NaN", "nan", "NA", "na", ""])
    report.skip_many("non-numeric value (matrix entries)", int(bad.sum()), path.name)
    if _transposed(rows, cols, ctx):
        report.warn("genes x cell types layout detected: matrix transposed", path.name)
        return cols, rows, values.T, lambda i, j: f"{path.name}:{j + 2}:{cols[i]}"
    return rows, cols, values, lambda i, j: f"{path.name}:{i + 2}:{cols[j]}"


def _transposed(rows: list[str], cols: list[str], ctx: StudyContext) -> bool:
    mapped_rows = sum(ctx.celltypes.get(r) is not None for r in rows)
    mapped_cols = sum(ctx.celltypes.get(c) is not None for c in cols[:1000])
    return mapped_cols > mapped_rows


def open_h5ad(path: Path, backed: str | None = None) -> Any:
    """An AnnData file (``backed="r"``: on disk, read in chunks); a missing package or an unreadable
    file is a LoaderError naming the file."""
    try:
        import anndata
    except ImportError:
        raise LoaderError(
            "reading .h5ad needs the 'anndata' package (pip install anndata)", path=path
        ) from None
    try:
        return anndata.read_h5ad(path, backed=backed)
    except (OSError, ValueError, KeyError) as exc:
        raise LoaderError(f"unreadable AnnData file ({exc})", path=path) from None


def _read_h5ad(path: Path, ctx: StudyContext) -> tuple[list[str], list[str], Any, Any]:
    adata = open_h5ad(path)
    genes = _gene_names(adata, ctx, path)
    groupby = ctx.options.get("groupby")
    if groupby:
        labels, matrix = _group_means(adata, groupby, path)
    else:
        labels, matrix = [str(x) for x in adata.obs_names], _dense(adata.X)
    return labels, genes, matrix, lambda i, j: f"{path.name}:obs={labels[i]}:var={genes[j]}"


def _gene_names(adata: Any, ctx: StudyContext, path: Path) -> list[str]:
    column = ctx.options.get("gene_symbols")
    if column is None:
        return [str(x) for x in adata.var_names]
    if column not in adata.var.columns:
        raise LoaderError(
            f"no var column '{column}' (found {list(adata.var.columns)[:10]})", path=path, field=column
        )
    return [str(x) for x in adata.var[column]]


def _group_means(adata: Any, groupby: str, path: Path) -> tuple[list[str], np.ndarray]:
    import scipy.sparse as sp

    if groupby not in adata.obs.columns:
        raise LoaderError(
            f"no obs column '{groupby}' (found {list(adata.obs.columns)[:10]})", path=path, field=groupby
        )
    labels = adata.obs[groupby].astype(str).to_numpy()
    groups, codes = np.unique(labels, return_inverse=True)
    indicator = sp.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(groups), len(codes))
    )
    sums = indicator @ adata.X
    means = _dense(sums) / np.bincount(codes)[:, None]
    return [str(g) for g in groups], means


def _dense(matrix: Any) -> np.ndarray:
    return np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix, dtype=float)


def records(
    rows: list[str],
    cols: list[str],
    values: np.ndarray,
    locate: Any,
    path: Path,
    report: StudyReport,
    ctx: StudyContext,
    fractions: np.ndarray | None = None,
) -> Iterator[Node | Edge]:
    """Records of a (cell type x gene) matrix of means; ``fractions`` (same shape) become ``fraction``."""
    yield ctx.study_node()
    report.rows += len(rows)
    used: dict[str, CellTypeRef] = {}
    row_ids = _row_ids(rows, path, report, ctx, used)
    require_mapped(report, used, path, ctx)
    col_ids = _col_ids(cols, path, report, ctx)
    keep_r = [i for i, r in enumerate(row_ids) if r]
    keep_c = [j for j, c in enumerate(col_ids) if c]
    block = values[np.ix_(keep_r, keep_c)]
    mask = _expressed_mask(block, path, report, ctx)
    yield from celltype_nodes(ctx, used)
    genes = sorted({col_ids[keep_c[j]]: cols[keep_c[j]] for j in np.flatnonzero(mask.any(axis=0))}.items())
    yield from (gene_node(ctx, g, s) for g, s in genes)
    threshold = _threshold_text(ctx)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = block / np.nanmax(np.where(mask, block, np.nan), axis=0, initial=0.0)[None, :]
    for i, j in zip(*np.nonzero(mask), strict=True):
        r, c = keep_r[i], keep_c[j]
        value = round(float(block[i, j]), 6)
        w = float(weight[i, j])
        extra = {} if fractions is None else {"fraction": round(float(fractions[r, c]), 6)}
        yield expressed(
            ctx,
            col_ids[c],
            row_ids[r],
            locate(r, c),
            w,
            statistic=STATISTIC,
            value=value,
            threshold=threshold,
            **extra,
        )


def _row_ids(
    rows: list[str], path: Path, report: StudyReport, ctx: StudyContext, used: dict
) -> list[str | None]:
    out: list[str | None] = []
    seen: set[str] = set()
    for i, label in enumerate(rows):
        ref = map_label(ctx, report, label, f"{path.name} row {i + 2}", used)
        if ref and ref.id in seen:
            report.skip(
                "duplicate cell-type row (label repeated or two labels share a cell type): first kept", label
            )
            ref = None
        if ref:
            seen.add(ref.id)
        out.append(ref.id if ref else None)
    return out


def _col_ids(cols: list[str], path: Path, report: StudyReport, ctx: StudyContext) -> list[str | None]:
    known_only = bool(ctx.options.get("known_genes_only", True)) and bool(ctx.genes)
    out: list[str | None] = []
    seen: set[str] = set()
    for name in cols:
        gene_id = ctx.gene(name)
        if gene_id is None:
            report.skip("malformed gene symbol (matrix column)", f"'{name}' ({path.name})")
        elif gene_id in seen:
            report.skip("duplicate gene column: first kept", f"'{name}' ({path.name})")
            gene_id = None
        elif known_only and name not in ctx.genes and name.upper() not in ctx.genes:
            report.skip("gene not in graph (known_genes_only)", f"'{name}' ({path.name})")
            gene_id = None
        if gene_id:
            seen.add(gene_id)
        out.append(gene_id)
    return out


def _expressed_mask(block: np.ndarray, path: Path, report: StudyReport, ctx: StudyContext) -> np.ndarray:
    min_value = float(ctx.options.get("min_value", MIN_VALUE))
    rel_min = float(ctx.options.get("rel_min", REL_MIN))
    finite = np.isfinite(block)
    report.skip_many("NaN or inf value (matrix entries)", int(block.size - finite.sum()), path.name)
    clean = np.where(finite, block, -np.inf)
    peak = clean.max(axis=0, initial=-np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        mask = finite & (clean > min_value) & (clean >= rel_min * peak)
    report.skip_many("below expression threshold (matrix entries)", int(finite.sum() - mask.sum()), path.name)
    return mask


def _threshold_text(ctx: StudyContext) -> str:
    min_value = float(ctx.options.get("min_value", MIN_VALUE))
    rel_min = float(ctx.options.get("rel_min", REL_MIN))
    return f"mean>{min_value:g} and >= {rel_min:g} x the gene's highest cell-type mean"
