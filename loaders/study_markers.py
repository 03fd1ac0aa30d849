"""Marker tables from Seurat ``FindAllMarkers`` and scanpy ``rank_genes_groups`` -> ``expressed_in``.

Formats (CSV, or TSV for ``.tsv``/``.txt``; ``.gz`` read transparently):

Seurat ``FindAllMarkers`` (``write.csv``)
    ``[""], p_val, avg_log2FC, pct.1, pct.2, p_val_adj, cluster, gene``. Seurat < 4 names the fold
    change ``avg_logFC`` (natural log): it is converted to log2 and counted as a warning.
scanpy ``sc.get.rank_genes_groups_df(adata, group=None)``
    ``group, names, scores, logfoldchanges, pvals, pvals_adj[, pct_nz_group, pct_nz_reference]``.
    The "wide" export (one column block per group) is refused with a hint.

Each significant, up-regulated row becomes ``gene -expressed_in-> cell type`` with
``statistic`` (``avg_log2FC`` / ``logfoldchanges``), ``value``, ``threshold``, ``p_value`` (adjusted)
and ``fraction`` (pct.1 / pct_nz_group); provenance ``study=<Study id>``, ``record=<file>:<line>`` and
``score`` = the expression weight crosstalk inference uses (the fraction, 1.0 when absent).

Artefact fold changes. Fold changes computed with a pseudocount against near-zero expression can
be absurd: the Oh et al. 2023 pan-TME table has 7,197 of 24,660 rows with ``|avg_log2FC| > 20``,
116 of them infinite (e.g. -109, 712), and their sign agrees with the sign of ``pct.1 - pct.2``
in only 52 % of rows (87 % for ``|x| < 1``). Rows with a non-finite fold change or
``|x| > lfc_cap`` (default 20) are kept but *flagged*: the direction and value come from the
detection-rate difference (statistic ``pct_diff`` = pct.1 - pct.2) when both fractions exist, else
the value is capped at ``+-lfc_cap`` (statistic ``<name>_capped``); the original value is quoted in
``threshold`` and the row is counted under a warning.

Sign check. In the same table the fold-change sign is unreliable well below 20 (agreement with the
sign of ``pct.1 - pct.2``: 87 % for ``|x| < 1``, 62 % for 2-3, 49-53 % for 5-20; 94-100 % for
``|x| > 1`` in the atlas's own compartment tables). So a row whose fold change has the opposite sign
of a detection-rate difference of at least ``sign_check`` (option, default 0.1; 0 disables) is
flagged the same way (``pct_diff``, counted warning). In consistent tables this touches few rows
(3-10 per compartment table, plus two clusters - Myeloid and the stroma ``IL11.CAF`` - whose genes
are detected in more cells but at lower mean levels, where detection is the better evidence that the
gene is expressed). Rows are never dropped silently: missing /
NaN statistics, non-significant rows, down-regulated rows, unknown clusters, malformed genes and
duplicates are counted in the report.

Examples
--------
>>> from tmekg.loaders.study_common import StudyContext, StudyReport, load_celltype_map
>>> ctx = StudyContext("DOI:10.1038/s41467-023-40895-6", load_celltype_map("oh2023"))
>>> records = list(load(Path("markers.csv"), StudyReport("demo"), ctx))   # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import read_table
from tmekg.loaders.study_common import (
    StudyContext,
    StudyReport,
    celltype_nodes,
    delimiter_of,
    expressed,
    gene_node,
    header_of,
    map_label,
    number,
    require_mapped,
)
from tmekg.model import Edge, Node

LFC_CAP = 20.0
SIGN_CHECK = 0.1
SEURAT = {
    "label": "cluster",
    "gene": "gene",
    "lfc": "avg_log2FC",
    "p": "p_val_adj",
    "pct1": "pct.1",
    "pct2": "pct.2",
}
SCANPY = {
    "label": "group",
    "gene": "names",
    "lfc": "logfoldchanges",
    "p": "pvals_adj",
    "pct1": "pct_nz_group",
    "pct2": "pct_nz_reference",
}
FLAVOURS = {"seurat": SEURAT, "scanpy": SCANPY}


@dataclass(frozen=True)
class Marker:
    """One parsed marker row."""

    line: int
    label: str
    gene: str
    lfc: float | None
    p_adj: float | None
    pct1: float | None
    pct2: float | None


def detect(path: Path) -> str:
    """``seurat`` or ``scanpy`` from the header; :class:`LoaderError` for anything else."""
    header = set(header_of(path))
    if {"cluster", "gene"} <= header or "avg_log2FC" in header or "avg_logFC" in header:
        return "seurat"
    if {"names", "logfoldchanges"} <= header:
        return "scanpy"
    if any(h.endswith(("_n", "_names", "_l", "_logfoldchanges")) for h in header):
        raise LoaderError(
            "looks like a wide scanpy rank_genes_groups export (one column block per group); export the "
            "long table with sc.get.rank_genes_groups_df(adata, group=None)",
            path=path,
            line=1,
        )
    raise LoaderError(
        f"not a Seurat FindAllMarkers or scanpy rank_genes_groups table; found columns {sorted(header)[:12]}",
        path=path,
        line=1,
    )


def load(
    path: Path, report: StudyReport, ctx: StudyContext, flavour: str | None = None
) -> Iterator[Node | Edge]:
    """Load a marker table of either flavour (detected from the header unless given)."""
    flavour = flavour or detect(path)
    if flavour not in FLAVOURS:
        raise LoaderError(f"unknown marker flavour '{flavour}' (use seurat or scanpy)", path=path)
    columns = dict(FLAVOURS[flavour])
    scale = _fold_change_column(path, columns, report) if flavour == "seurat" else 1.0
    markers = _read(path, columns, report, scale)
    yield from _records(markers, columns["lfc"], path, report, ctx)


def load_seurat(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a Seurat ``FindAllMarkers`` table."""
    return load(path, report, ctx, "seurat")


def load_scanpy(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a scanpy ``rank_genes_groups_df`` table."""
    return load(path, report, ctx, "scanpy")


def _fold_change_column(path: Path, columns: dict[str, str], report: StudyReport) -> float:
    """Accept Seurat < 4's natural-log ``avg_logFC`` (converted to log2, counted)."""
    header = header_of(path)
    if "avg_log2FC" not in header and "avg_logFC" in header:
        columns["lfc"] = "avg_logFC"
        report.warn("Seurat < 4 column avg_logFC (natural log) converted to log2", path.name)
        return 1.0 / math.log(2.0)
    return 1.0


def _read(path: Path, columns: dict[str, str], report: StudyReport, scale: float) -> Iterator[Marker]:
    required = tuple(columns[k] for k in ("label", "gene", "lfc", "p"))
    pct1, pct2 = columns["pct1"], columns["pct2"]
    for line, row in read_table(path, delimiter_of(path), required=required):
        report.rows += 1
        lfc = number(row[columns["lfc"]])
        yield Marker(
            line,
            row[columns["label"]].strip(),
            row[columns["gene"]].strip(),
            None if lfc is None else lfc * scale,
            number(row[columns["p"]]),
            number(row[pct1]) if pct1 in row else None,
            number(row[pct2]) if pct2 in row else None,
        )


def _records(
    markers: Iterator[Marker], statistic: str, path: Path, report: StudyReport, ctx: StudyContext
) -> Iterator[Node | Edge]:
    yield ctx.study_node()
    used: dict = {}
    genes: dict[str, str] = {}
    seen_rows: set[tuple[str, str]] = set()
    seen_edges: set[tuple[str, str]] = set()
    edges: list[Edge] = []
    cap = float(ctx.options.get("lfc_cap", LFC_CAP))
    sign_check = float(ctx.options.get("sign_check", SIGN_CHECK) or 0.0)
    for m in markers:
        where = f"{path.name}:{m.line}"
        if (m.label, m.gene) in seen_rows:
            report.skip("duplicate (cluster, gene) row", where)
            continue
        seen_rows.add((m.label, m.gene))
        ref = map_label(ctx, report, m.label, where, used)
        gene_id = ctx.gene(m.gene) if ref else None
        if ref and gene_id is None:
            report.skip("malformed gene symbol", f"'{m.gene}' ({where})")
        if ref is None or gene_id is None:
            continue
        values = _values(m, statistic, cap, sign_check, ctx.alpha, report, where)
        if values is None:
            continue
        if (gene_id, ref.id) in seen_edges:
            report.skip(
                "second row for one (cell type, gene) (clusters share a cell type): first kept", where
            )
            continue
        seen_edges.add((gene_id, ref.id))
        genes.setdefault(gene_id, m.gene)
        weight = values["fraction"] if values["fraction"] is not None else 1.0
        edges.append(expressed(ctx, gene_id, ref.id, where, weight, **values))
    require_mapped(report, used, path, ctx)
    yield from celltype_nodes(ctx, used)
    yield from (gene_node(ctx, g, s) for g, s in sorted(genes.items()))
    yield from edges


def _values(
    m: Marker, statistic: str, cap: float, sign_check: float, alpha: float, report: StudyReport, where: str
) -> dict | None:
    """The edge properties of a usable marker row, or ``None`` (counted) when it is not evidence."""
    if m.lfc is None or m.p_adj is None or math.isnan(m.lfc) or math.isnan(m.p_adj):
        report.skip("missing or NaN statistic", where)
        return None
    fractions = [f for f in (m.pct1, m.pct2) if f is not None]
    if any(math.isnan(f) or not 0.0 <= f <= 1.0 for f in fractions):
        report.skip("detection fraction missing or outside [0, 1]", where)
        return None
    if m.p_adj > alpha:
        report.skip(f"not significant (adjusted p > {alpha})", where)
        return None
    threshold = f"adjusted p<={alpha}"
    value, name = m.lfc, statistic
    if not math.isfinite(m.lfc) or abs(m.lfc) > cap:
        name, value, note = _flagged(m, statistic, f"flagged as artefact (non-finite or |x|>{cap:g})", cap)
        threshold += f"; {note}"
        report.warn(f"{statistic} artefact (non-finite or |x|>{cap:g}): flagged, see threshold", where)
    elif _contradicts(m, sign_check):
        name, value, note = _flagged(
            m, statistic, f"sign contradicts pct.1-pct.2 (|diff|>={sign_check:g})", cap
        )
        threshold += f"; {note}"
        report.warn(f"{statistic} sign contradicts detection rates: pct.1-pct.2 used, see threshold", where)
    if value <= 0:
        report.skip("down-regulated marker (not evidence of expression)", where)
        return None
    return {"statistic": name, "value": value, "threshold": threshold, "p_value": m.p_adj, "fraction": m.pct1}


def _contradicts(m: Marker, sign_check: float) -> bool:
    """True when the fractions differ by >= ``sign_check`` in the direction opposite to the fold change."""
    if not sign_check or m.pct1 is None or m.pct2 is None or m.lfc is None:
        return False
    diff = m.pct1 - m.pct2
    return abs(diff) >= sign_check and (diff > 0) != (m.lfc > 0)


def _flagged(m: Marker, statistic: str, why: str, cap: float) -> tuple[str, float, str]:
    original = f"{statistic}={m.lfc:.6g} {why}"
    if m.pct1 is not None and m.pct2 is not None:
        return "pct_diff", round(m.pct1 - m.pct2, 6), original + "; value = pct.1 - pct.2"
    return f"{statistic}_capped", math.copysign(cap, m.lfc or 0.0), original + f"; value capped at {cap:g}"
