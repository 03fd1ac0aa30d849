"""Reader for spatial co-localisation tables: cell counts per tissue region and cell type.

Format: CSV/TSV (``.gz`` read transparently), first row = labels, first column = labels, every other
cell a non-negative count. One axis is regions (images, ROIs, neighbourhoods), the other cell types
(broad classes). Which is which: ``celltypes="rows"`` or ``"columns"``, or ``"auto"`` (default): the
axis with fewer labels is the cell types (a study has far more regions than broad classes; the shared
``pdac_imc_caf_neighbourhoods/counts_broad.csv`` has 9 classes as rows and 56 regions as columns).

A missing header, a duplicate label, a ragged row or a non-numeric / negative / non-finite count is a
:class:`LoaderError` with file, line and field. A class with no cells at all is kept (its weights are 0).

>>> import io
>>> table = parse(io.StringIO(",r1,r2,r3\\nTumor,5,0,1\\nCAF,1,4,0\\n"), "demo.csv")
>>> table.classes, table.regions, table.counts.tolist()
(['Tumor', 'CAF'], ['r1', 'r2', 'r3'], [[5.0, 0.0, 1.0], [1.0, 4.0, 0.0]])
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from tmekg.errors import LoaderError

LAYOUTS = ("auto", "rows", "columns")


@dataclass(frozen=True)
class RegionCounts:
    """Counts of cell classes (rows of ``counts``) in regions (columns)."""

    classes: list[str]
    regions: list[str]
    counts: np.ndarray
    path: str


def read_counts(path: str | Path, celltypes: str = "auto") -> RegionCounts:
    """Read a region x cell type count table (see module docstring)."""
    from tmekg.io import resolve

    if celltypes not in LAYOUTS:
        raise LoaderError(f"celltypes must be one of {', '.join(LAYOUTS)}, not '{celltypes}'", path=path)
    path = resolve(Path(path))
    opener = _open_gz if path.name.endswith(".gz") else _open_text
    with opener(path) as handle:
        return parse(handle, str(path), celltypes)


def _open_text(path: Path) -> IO[str]:
    return path.open(encoding="utf-8", newline="")


def _open_gz(path: Path) -> IO[str]:
    import gzip

    return gzip.open(path, "rt", encoding="utf-8", newline="")


def parse(handle: IO[str], where: str, celltypes: str = "auto") -> RegionCounts:
    """Parse an open table; ``where`` names it in errors."""
    text = handle.read()
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    lines = [row for row in csv.reader(text.splitlines(), delimiter=delimiter)]
    if len(lines) < 2 or len(lines[0]) < 2:
        raise LoaderError("needs a header row and at least one data row and column", path=where, line=1)
    header = [h.strip() for h in lines[0][1:]]
    _unique(header, where, 1, "header")
    labels, values = [], []
    for n, row in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header) + 1:
            raise LoaderError(f"{len(row)} fields, header has {len(header) + 1}", path=where, line=n)
        labels.append(row[0].strip())
        values.append([_count(cell, where, n, header[j]) for j, cell in enumerate(row[1:])])
    _unique(labels, where, None, "first column")
    counts = np.array(values, dtype=float)
    rows_are_types = celltypes == "rows" or (celltypes == "auto" and len(labels) <= len(header))
    if rows_are_types:
        return RegionCounts(labels, header, counts, where)
    return RegionCounts(header, labels, counts.T, where)


def _count(cell: str, where: str, line: int, field: str) -> float:
    try:
        value = float(cell.strip())
    except ValueError:
        raise LoaderError(f"not a number: '{cell}'", path=where, line=line, field=field) from None
    if not math.isfinite(value) or value < 0:
        raise LoaderError(f"count must be finite and >= 0, got {cell}", path=where, line=line, field=field)
    return value


def _unique(labels: list[str], where: str, line: int | None, what: str) -> None:
    seen: set[str] = set()
    for label in labels:
        if not label:
            raise LoaderError(f"empty label in the {what}", path=where, line=line)
        if label in seen:
            raise LoaderError(f"duplicate label '{label}' in the {what}", path=where, line=line, field=label)
        seen.add(label)
