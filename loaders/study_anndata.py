"""Single-cell AnnData (``.h5ad``) -> pseudobulk per cell type -> ``expressed_in`` (``--format anndata``).

``tmekg study load cells.h5ad --format anndata --groupby cell_type --study-id ID`` reads the cells in
row chunks (``backed="r"``: the matrix is never loaded whole), sums expression and counts expressing
cells per group with sparse indicator products, and hands the group means to the pseudobulk records
(:mod:`tmekg.loaders.pseudobulk`: thresholds, weights, gene and cell-type resolution), adding the
**detection** (fraction of the group's cells with a non-zero value) as the edge's ``fraction``.

Options (``-o key=value``): ``groupby`` (obs column, required; ``--groupby``), ``layer`` (a layer
instead of ``X``), ``use_raw=true`` (``adata.raw.X``), ``gene_symbols`` (var column with symbols),
``min_cells`` (groups with fewer cells are skipped and counted; default 10), ``chunk_size`` (cells
per chunk, default 20,000), plus the pseudobulk thresholds ``min_value`` / ``rel_min``.

Input scale is detected from the stored values and reported as a warning of the load: **raw counts**
(every sampled non-zero value an integer) are library-size normalised to 10,000 per cell and
``log1p``-transformed before averaging (scanpy's ``normalize_total`` + ``log1p``); non-integer values
are taken as **log-normalised** and averaged as they are (values above 50 suggest normalised but not
logged data: they are ``log1p``-transformed, and the report says so).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tmekg.errors import LoaderError
from tmekg.io import resolve
from tmekg.loaders.pseudobulk import open_h5ad
from tmekg.loaders.pseudobulk import records as pseudobulk_records
from tmekg.loaders.study_common import StudyContext, StudyReport
from tmekg.model import Edge, Node

TARGET_SUM = 1e4
MIN_CELLS, CHUNK = 10, 20_000
LOG_MAX = 50.0  # non-integer data above this are taken as normalised but not logged
RAW, LOGNORM, LINEAR = "raw counts", "log-normalised", "normalised, not logged"


@dataclass
class Pseudobulk:
    """Group means and detection fractions of a single-cell matrix."""

    groups: list[str]
    genes: list[str]
    means: np.ndarray
    fractions: np.ndarray
    cells: np.ndarray
    scale: str


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Pseudobulk an AnnData file per ``groupby`` group and yield the study records."""
    path = resolve(path)
    bulk = pseudobulk(path, ctx.options)
    report.warn(f"input detected as {bulk.scale}{_scale_note(bulk.scale)}", path.name, int(bulk.cells.sum()))
    keep = bulk.cells >= int(ctx.options.get("min_cells", MIN_CELLS))
    for g in np.flatnonzero(~keep):
        report.skip(f"group with fewer than {ctx.options.get('min_cells', MIN_CELLS)} cells", bulk.groups[g])
    groups = [g for g, k in zip(bulk.groups, keep, strict=True) if k]

    def locate(i: int, j: int) -> str:
        return f"{path.name}:obs={groups[i]}:var={bulk.genes[j]}"

    yield from pseudobulk_records(
        groups, bulk.genes, bulk.means[keep], locate, path, report, ctx, bulk.fractions[keep]
    )


def _scale_note(scale: str) -> str:
    return {
        RAW: " (normalised to 10,000 per cell and log1p before averaging)",
        LOGNORM: " (averaged as stored)",
        LINEAR: " (log1p before averaging)",
    }[scale]


def pseudobulk(path: Path, options: dict[str, Any]) -> Pseudobulk:
    """Group means / fractions of ``path`` (see module docstring for the options)."""
    adata = open_h5ad(path, backed="r")
    try:
        return _aggregate(adata, path, options)
    finally:
        if getattr(adata, "file", None) is not None:
            adata.file.close()


def _aggregate(adata: Any, path: Path, options: dict[str, Any]) -> Pseudobulk:
    import scipy.sparse as sp

    groupby = options.get("groupby")
    if not groupby:
        raise LoaderError("--format anndata needs --groupby <obs column> (cell-type labels)", path=path)
    if groupby not in adata.obs.columns:
        found = list(adata.obs.columns)[:10]
        raise LoaderError(f"no obs column '{groupby}' (found {found})", path=path, field=groupby)
    labels = adata.obs[groupby].astype(str).to_numpy()
    groups, codes = np.unique(labels, return_inverse=True)
    matrix, genes = _matrix(adata, path, options)
    scale = _detect_scale(matrix, path)
    chunk = int(options.get("chunk_size", CHUNK))
    sums = np.zeros((len(groups), len(genes)))
    nnz = np.zeros((len(groups), len(genes)))
    for start in range(0, len(codes), chunk):
        block = sp.csr_matrix(matrix[start : start + chunk], dtype=np.float64)
        block = _transform(block, scale)
        part = codes[start : start + chunk]
        indicator = sp.csr_matrix(
            (np.ones(len(part)), (part, np.arange(len(part)))), shape=(len(groups), len(part))
        )
        sums += np.asarray((indicator @ block).todense())
        block.data = np.ones_like(block.data)
        nnz += np.asarray((indicator @ block).todense())
    cells = np.bincount(codes, minlength=len(groups))
    with np.errstate(invalid="ignore", divide="ignore"):
        means, fractions = sums / cells[:, None], nnz / cells[:, None]
    return Pseudobulk([str(g) for g in groups], genes, means, fractions, cells, scale)


def _matrix(adata: Any, path: Path, options: dict[str, Any]) -> tuple[Any, list[str]]:
    layer, use_raw = options.get("layer"), bool(options.get("use_raw", False))
    if layer:
        if layer not in adata.layers:
            raise LoaderError(f"no layer '{layer}' (found {list(adata.layers)})", path=path, field=layer)
        return adata.layers[layer], _genes(adata.var, adata.var_names, options, path)
    if use_raw:
        if adata.raw is None:
            raise LoaderError("use_raw=true but the file has no .raw", path=path)
        return adata.raw.X, _genes(adata.raw.var, adata.raw.var_names, options, path)
    return adata.X, _genes(adata.var, adata.var_names, options, path)


def _genes(var: Any, names: Any, options: dict[str, Any], path: Path) -> list[str]:
    column = options.get("gene_symbols")
    if column is None:
        return [str(x) for x in names]
    if column not in var.columns:
        raise LoaderError(
            f"no var column '{column}' (found {list(var.columns)[:10]})", path=path, field=column
        )
    return [str(x) for x in var[column]]


def _detect_scale(matrix: Any, path: Path, sample_rows: int = 2000) -> str:
    """raw counts (integers), log-normalised, or normalised-not-logged, from the first rows."""
    import scipy.sparse as sp

    block = sp.csr_matrix(matrix[:sample_rows], dtype=np.float64)
    values = block.data
    if values.size == 0:
        raise LoaderError(
            "the first cells have no non-zero value: cannot tell raw from normalised", path=path
        )
    if not np.all(np.isfinite(values)) or values.min() < 0:
        raise LoaderError("matrix has negative or non-finite values (scaled data?): use counts", path=path)
    if np.all(values == np.round(values)):
        return RAW
    return LINEAR if values.max() > LOG_MAX else LOGNORM


def _transform(block: Any, scale: str) -> Any:
    """Apply the scale's transformation to a CSR block (cells x genes)."""
    if scale == RAW:
        totals = np.asarray(block.sum(axis=1)).ravel()
        factors = np.divide(TARGET_SUM, totals, out=np.zeros_like(totals), where=totals > 0)
        block = block.multiply(factors[:, None]).tocsr()
    if scale in (RAW, LINEAR):
        block.data = np.log1p(block.data)
    return block
