"""LIANA+ results (``rank_aggregate`` / single-method ``liana_res``) -> metabolite ``crosstalk`` edges.

Format: ``adata.uns['liana_res']`` saved with ``to_csv`` (an unnamed index column is ignored):
``source, target, ligand_complex, receptor_complex`` plus method columns (``lr_means,
cellphone_pvals, expr_prod, scaled_weight, lr_logfc, spec_weight, lrscore, specificity_rank,
magnitude_rank`` for ``rank_aggregate``). LIANA (R) names (``ligand.complex``,
``receptor.complex``, ``aggregate_rank``) are accepted and counted as a warning.

Only metabolite-mediated rows become edges: the ligand must resolve to a metabolite (an HMDB /
ChEBI id, as ligands of the MetalinksDB resource are, or a metabolite name known to the graph
index). Protein ligand-receptor rows (e.g. ``HLA-DRA -> CD4``) are counted under "protein ligand"
and not loaded: tmekg records metabolic crosstalk only (a metabolite *name* that the graph index does
not know is counted under the same reason). The p-value is the first present of
``specificity_rank``, ``aggregate_rank``, ``cellphone_pvals``, ``magnitude_rank``; rows above
``alpha`` are counted. Edges: ``crosstalk`` (supply) sender -> receiver, ``receiver_genes`` = the
receptor complex subunits, ``method=LIANA+``, one provenance per row
(``score = 1 - magnitude_rank`` when present).

Examples
--------
>>> records = list(load(Path("liana_res.csv"), StudyReport("demo"), ctx))   # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import read_table
from tmekg.loaders.study_common import (
    CrosstalkRows,
    StudyContext,
    StudyReport,
    celltype_nodes,
    delimiter_of,
    gene_node,
    header_of,
    map_label,
    metabolite_node,
    number,
    require_mapped,
    symbol_of,
)
from tmekg.model import Edge, Node

COLUMNS = {"source": "source", "target": "target", "ligand": "ligand_complex", "receptor": "receptor_complex"}
R_NAMES = {"ligand": "ligand.complex", "receptor": "receptor.complex"}
P_COLUMNS = ("specificity_rank", "aggregate_rank", "cellphone_pvals", "magnitude_rank")


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a LIANA+ result table."""
    columns, p_column = _columns(path, report)
    rows = CrosstalkRows("LIANA+", f"p_value={p_column}; threshold<={ctx.alpha}")
    used: dict = {}
    nodes: dict[str, Node] = {}
    yield ctx.study_node()
    for line, row in read_table(path, delimiter_of(path), required=(*columns.values(), p_column)):
        report.rows += 1
        _row(row, f"{path.name}:{line}", columns, p_column, report, ctx, rows, used, nodes)
    if rows.groups or report.skipped.keys() - {_PROTEIN}:
        require_mapped(report, used, path, ctx)
    yield from celltype_nodes(ctx, used)
    yield from (nodes[k] for k in sorted(nodes))
    yield from rows.edges(ctx)


_PROTEIN = "ligand is not a known metabolite (protein ligand-receptor pair or unresolved name)"


def _columns(path: Path, report: StudyReport) -> tuple[dict[str, str], str]:
    header = header_of(path)
    columns = dict(COLUMNS)
    for key, r_name in R_NAMES.items():
        if columns[key] not in header and r_name in header:
            columns[key] = r_name
            report.warn("LIANA (R) column names", f"{r_name} ({path.name})")
    missing = [c for c in columns.values() if c not in header]
    if missing:
        raise LoaderError(f"missing column(s) {', '.join(missing)}; found {header[:14]}", path, 1, missing[0])
    p_column = next((c for c in P_COLUMNS if c in header), None)
    if p_column is None:
        raise LoaderError(f"no p-value/rank column (one of {', '.join(P_COLUMNS)})", path, 1, P_COLUMNS[0])
    return columns, p_column


def _row(
    row: dict[str, str],
    where: str,
    columns: dict[str, str],
    p_column: str,
    report: StudyReport,
    ctx: StudyContext,
    rows: CrosstalkRows,
    used: dict,
    nodes: dict[str, Node],
) -> None:
    ligand = row[columns["ligand"]].strip()
    metabolite = ctx.metabolite(ligand)
    if metabolite is None:
        report.skip(_PROTEIN, f"{ligand} -> {row[columns['receptor']]} ({where})")
        return
    sender = map_label(ctx, report, row[columns["source"]], where, used)
    receiver = map_label(ctx, report, row[columns["target"]], where, used) if sender else None
    if sender is None or receiver is None:
        return
    p_value = number(row[p_column])
    if p_value is None or not math.isfinite(p_value):
        report.skip("missing, NaN or inf statistic", where)
        return
    if p_value > ctx.alpha:
        report.skip(f"not significant ({p_column} > {ctx.alpha})", where)
        return
    receptors = [g for g in (ctx.gene(s) for s in row[columns["receptor"]].split("_")) if g]
    magnitude = number(row.get("magnitude_rank"))
    score = 1.0 - magnitude if magnitude is not None and math.isfinite(magnitude) else None
    nodes.setdefault(metabolite, metabolite_node(ctx, metabolite, ligand))
    for gene in receptors:
        nodes.setdefault(gene, gene_node(ctx, gene, symbol_of(gene)))
    genes = tuple(symbol_of(g) for g in receptors)
    rows.add((sender.id, receiver.id, metabolite), ctx.provenance(where, score), p_value, (), genes)
