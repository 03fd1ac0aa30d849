"""Malignant-cell expression of every gene from bulk tumour RNA-seq, by purity regression.

Single-cell marker tables list a state's top markers only, so a tumour cell's lactate exporter or
CD73 is "absent" when it is not among them. Bulk tumour RNA-seq measures every gene, mixed across
compartments; with each sample's compartment fractions measured independently of expression (ABSOLUTE
purity from DNA, a leukocyte fraction from DNA methylation), the per-gene linear mixture model

    CPM[s, g] = sum_k  f[s, k] * x[k, g]        (k: malignant, leukocyte, rest = 1 - the others)

is fitted by least squares over the samples (non-negative least squares where the plain fit has a
negative coefficient). ``x[malignant, g]`` is the gene's expression in malignant cells. The settings
(files, columns, the emitted compartment, the detection rule) are data: ``tcga_purity.yaml``;
docs/tcga-purity.md describes the model and its check against the Oh 2023 atlas's tumour markers.

Records: the malignant-cell CellType node (CL:0001064), one Gene node per detected gene
(``HGNC.SYMBOL:<symbol>``), and ``expressed_in`` edges with ``statistic`` (CPM), ``value`` (fitted CPM),
``threshold`` and a provenance score = the log-scaled level (same scale as the HPA blood atlas).

>>> import numpy as np
>>> f = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3], [0.4, 0.4, 0.2], [0.1, 0.2, 0.7]])
>>> truth = np.array([[100.0, 0.0], [0.0, 50.0], [10.0, 10.0]])   # 3 compartments x 2 genes
>>> fit, se = regress(f @ truth, f)
>>> np.round(fit, 6).tolist()
[[100.0, 0.0], [0.0, 50.0], [10.0, 10.0]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError
from tmekg.io import packaged_yaml, resolve
from tmekg.loaders.study_common import delimiter_of
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "tcga-paad"
CONFIG = "tcga_purity.yaml"
REST = "rest"


@dataclass(frozen=True)
class Settings:
    """The validated ``tcga_purity.yaml``."""

    counts_file: str
    gene_column: str
    samples_file: str
    id_column: str
    fractions: dict[str, str]
    emit: str
    cell_id: str
    cell_name: str
    compartment: str
    statistic: str
    min_cpm: float
    z: float
    min_samples: int
    saturation: float
    evidence: tuple[str, ...]

    @property
    def compartments(self) -> list[str]:
        """Fitted compartments: the configured ones, then the implicit rest."""
        return [*self.fractions, REST]

    @property
    def threshold(self) -> str:
        """The detection rule as text."""
        return f"{self.statistic} >= {self.min_cpm:g} and fit - {self.z:g} SE > 0"


@functools.cache
def settings() -> Settings:
    """The shipped ``tcga_purity.yaml``."""
    return parse_settings(packaged_yaml("tmekg.loaders", CONFIG))


def parse_settings(raw: dict[str, Any]) -> Settings:
    """Validate the settings document; a missing key raises :class:`LoaderError` naming it."""
    try:
        counts, samples, cell, det = raw["counts"], raw["samples"], raw["cell_type"], raw["detection"]
        fractions = {str(k): str(v) for k, v in samples["fractions"].items()}
        out = Settings(
            str(counts["file"]),
            str(counts["gene_column"]),
            str(samples["file"]),
            str(samples["id_column"]),
            fractions,
            str(samples["emit"]),
            str(cell["id"]),
            str(cell["name"]),
            str(cell["compartment"]),
            str(det["statistic"]),
            float(det["min_cpm"]),
            float(det["z"]),
            int(raw["min_samples"]),
            float(raw["saturation"]),
            tuple(raw.get("evidence") or ()),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LoaderError(f"bad or missing setting ({exc})", path=CONFIG) from None
    if out.emit not in fractions:
        raise LoaderError(f"emit '{out.emit}' is not one of the fractions", path=CONFIG, field="emit")
    return out


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield the malignant-cell CellType node, the detected genes and their ``expressed_in`` edges."""
    from tmekg.loaders import get_source

    cfg = settings()
    version = get_source(SOURCE).version
    table, fit, se = emitted_fit(
        resolve(directory / cfg.samples_file), resolve(directory / cfg.counts_file), cfg, report
    )
    yield cell_node(cfg, Provenance(SOURCE, version))
    yield from expression_records(table, fit, se, cfg, version, report)


def emitted_fit(samples: Path, counts: Path, cfg: Settings, report: LoadReport) -> tuple[Counts, Any, Any]:
    """The count table and the emitted compartment's fit and standard errors, per gene row."""
    fractions = read_fractions(samples, cfg, report)
    table = read_counts(counts, cfg, list(fractions.index), report)
    fit, se = regress(cpm(table.counts), fractions.to_numpy())
    k = cfg.compartments.index(cfg.emit)
    return table, fit[k], se[k]


def cell_node(cfg: Settings, provenance: Provenance) -> Node:
    """The emitted compartment's CellType node."""
    return Node(
        cfg.cell_id,
        "CellType",
        cfg.cell_name,
        properties=props(compartment=cfg.compartment),
        provenance=(provenance,),
    )


def read_fractions(path: Path, cfg: Settings, report: LoadReport) -> Any:
    """Samples x compartments fractions (``rest`` = 1 - the others), samples with every fraction only.

    A non-numeric fraction, one outside [0, 1] or fractions summing above 1 raise
    :class:`LoaderError` at the sample's line; a sample missing a fraction is counted as skipped.
    """
    import pandas as pd

    from tmekg.io import read_frame

    required = [cfg.id_column, *cfg.fractions.values()]
    frame = read_frame(
        path, "sample table", required, sep=delimiter_of(path), dtype=str, keep_default_na=False, quoting=3
    )
    frame.index = frame.index + 2  # physical line numbers (header = 1)
    out = pd.DataFrame(index=frame[cfg.id_column].str.strip())
    for name, column in cfg.fractions.items():
        out[name] = _fraction_column(frame, column, path)
    missing = out.isna().any(axis=1).to_numpy()
    for sample in out.index[missing]:
        report.skip("sample without every compartment fraction", str(sample))
    out = out[~missing]
    _check_sum(out, frame.index[~missing], cfg, path)
    out[REST] = 1.0 - out.sum(axis=1)
    return out


def _fraction_column(frame: Any, column: str, path: Path) -> Any:
    """The column as floats (blank, NA, NaN -> missing); non-numeric or outside [0, 1] is an error."""
    import pandas as pd

    text = frame[column].str.strip()
    blank = text.isin(["", "NA", "NaN", "nan"])
    value = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = (value.isna() & ~blank) | (value < 0) | (value > 1)
    if bad.any():
        line = int(bad.idxmax())
        raise LoaderError(f"not a fraction in [0, 1]: '{text[line]}'", path=path, line=line, field=column)
    return value.to_numpy(dtype=float)


def _check_sum(fractions: Any, lines: Any, cfg: Settings, path: Path) -> None:
    over = fractions.sum(axis=1).to_numpy() > 1.0 + 1e-9
    if over.any():
        i = int(over.argmax())
        raise LoaderError(
            f"compartment fractions sum to {fractions.sum(axis=1).iloc[i]:.3f} > 1",
            path=path,
            line=int(lines[i]),
            field=", ".join(cfg.fractions.values()),
        )


@dataclass(frozen=True)
class Counts:
    """Genes x samples raw counts, the gene symbols, their lines and the file."""

    genes: list[str]
    lines: list[int]
    counts: Any  # numpy array, genes x samples
    path: Path


def read_counts(path: Path, cfg: Settings, samples: list[str], report: LoadReport) -> Counts:
    """The counts of ``samples`` (columns of the counts table), every gene row.

    A sample of the sample table absent from the counts is skipped (counted); fewer than
    ``min_samples`` left, a non-numeric, negative or non-finite count raise :class:`LoaderError`.
    """
    from tmekg.io import read_frame

    frame = read_frame(path, "counts table", [cfg.gene_column], sep=delimiter_of(path), quoting=3)
    present = [s for s in samples if s in frame.columns]
    for sample in sorted(set(samples) - set(present)):
        report.skip("sample not in the counts table", sample)
    if len(present) < cfg.min_samples:
        raise LoaderError(
            f"{len(present)} samples have counts and every fraction; the fit needs {cfg.min_samples}",
            path=path,
        )
    report.rows += len(frame)
    values = _count_matrix(frame, present, path)
    genes = frame[cfg.gene_column].astype(str).str.strip().tolist()
    return Counts(genes, (frame.index + 2).tolist(), values, path)


def _count_matrix(frame: Any, samples: list[str], path: Path) -> Any:
    import numpy as np
    import pandas as pd

    out = np.empty((len(frame), len(samples)))
    for j, sample in enumerate(samples):
        column = frame[sample]
        value = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(value) | (value < 0)
        if bad.any():
            i = int(bad.argmax())
            raise LoaderError(f"not a count: '{column.iloc[i]}'", path=path, line=i + 2, field=sample)
        if not value.sum():
            raise LoaderError("the sample has no counts at all", path=path, line=1, field=sample)
        out[:, j] = value
    return out


def cpm(counts: Any) -> Any:
    """Samples x genes counts per million of each sample's total (:func:`read_counts` has already
    named the file and column of a sample without counts; this guard is for direct callers).

    >>> import numpy as np
    >>> cpm(np.array([[1.0, 3.0], [3.0, 1.0]])).tolist()
    [[250000.0, 750000.0], [750000.0, 250000.0]]
    """
    import numpy as np

    totals = counts.sum(axis=0)
    if (totals <= 0).any():
        raise LoaderError("a sample has no counts at all")
    return (counts / totals * 1e6).T.astype(np.float64)


def regress(y: Any, f: Any) -> tuple[Any, Any]:
    """Least-squares compartment profiles of ``y`` (samples x genes) on fractions ``f`` (samples x k).

    Returns ``(fit, se)``, each k x genes: the fit (NNLS for genes whose plain fit has a negative
    coefficient) and the standard error of the plain least-squares fit (residual variance x
    diag((F'F)^-1)).
    """
    import numpy as np
    from scipy.optimize import nnls

    n, k = f.shape
    fit = np.linalg.lstsq(f, y, rcond=None)[0]
    residual = y - f @ fit
    variance = (residual**2).sum(axis=0) / max(n - k, 1)
    se = np.sqrt(np.outer(np.diag(np.linalg.pinv(f.T @ f)), variance))
    for g in np.flatnonzero((fit < 0).any(axis=0)):
        fit[:, g] = nnls(f, y[:, g])[0]
    return fit, se


def detection_weight(value: float, saturation: float) -> float:
    """``log2(1 + CPM) / log2(1 + saturation)``, capped at 1.

    >>> detection_weight(1.0, 100.0), detection_weight(500.0, 100.0)
    (0.1502, 1.0)
    """
    return round(min(1.0, math.log2(1.0 + value) / math.log2(1.0 + saturation)), 4)


def detected(
    table: Counts, fit: Any, se: Any, cfg: Settings, report: LoadReport, gene_id: Any
) -> dict[str, tuple[str, int]]:
    """Gene id -> (symbol, row) of the rows passing the detection rule. ``gene_id(symbol)`` gives the
    canonical id or ``None`` (counted as skipped); a gene on two rows keeps its higher fit."""
    ok = (fit >= cfg.min_cpm) & (fit - cfg.z * se > 0)
    best: dict[str, tuple[str, int]] = {}
    for i in ok.nonzero()[0]:
        symbol = table.genes[i]
        gid = gene_id(symbol)
        if gid is None:
            report.skip("not a gene symbol", f"{symbol} (line {table.lines[i]})")
        elif gid not in best or fit[i] > fit[best[gid][1]]:
            best[gid] = (symbol, int(i))
    return best


def _hgnc_symbol(symbol: str) -> str | None:
    from tmekg.ids import is_valid

    gid = f"HGNC.SYMBOL:{symbol}"
    return gid if is_valid(gid, "Gene") else None


def expression_records(
    table: Counts, fit: Any, se: Any, cfg: Settings, version: str, report: LoadReport
) -> Iterator[Node | Edge]:
    """Gene nodes and ``expressed_in`` edges of the genes passing the detection rule (a symbol on
    two rows keeps its higher fit; a value that is not a gene symbol is counted as skipped)."""
    node_prov = (Provenance(SOURCE, version),)
    for gene_id, (gene, i) in detected(table, fit, se, cfg, report, _hgnc_symbol).items():
        yield Node(gene_id, "Gene", gene, provenance=node_prov)
        value = round(float(fit[i]), 4)
        prov = Provenance(
            SOURCE,
            version,
            evidence=cfg.evidence,
            score=detection_weight(value, cfg.saturation),
            record=f"{table.path.name}:{table.lines[i]}",
        )
        properties = props(statistic=cfg.statistic, threshold=cfg.threshold, value=value)
        yield Edge(gene_id, "expressed_in", cfg.cell_id, (prov,), properties)
