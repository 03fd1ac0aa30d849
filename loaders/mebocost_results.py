"""MEBOCOST communication results (``commu_res``) -> ``crosstalk`` edges (supply mode).

Format: the table MEBOCOST returns from ``infer_commu`` / keeps in ``obj.commu_res``, saved with
``to_csv`` (comma or tab; an unnamed index column is ignored). Columns used (MEBOCOST 1.0.x):
``Sender, Receiver, Metabolite`` (HMDB id), ``Metabolite_Name``, ``Sensor`` (gene symbol),
``Commu_Score`` and ``permutation_test_fdr`` (older releases and the unfiltered
``original_result`` have the same names; ``permutation_test_pval`` is used, with a counted
warning, when the FDR column is absent). Other columns (``Annotation``, ``Norm_Commu_Score``,
``metabolite_prop_in_sender``, ``*_stat``, ``ttest_*``, ``ranksum_*``, ``Flux_PASS``...) are ignored.

Rows with FDR <= ``alpha`` become one ``crosstalk`` edge per (sender, receiver, metabolite):
``p_value`` = smallest FDR over sensors, ``receiver_genes`` = the sensors, ``method=MEBOCOST``,
``inferred=true``; one provenance per row (``score=Commu_Score``, ``record=<file>:<line>``,
``study=<Study id>``). Metabolites resolve to the graph's ids (HMDB id, then name) when a graph
index is given, else stay ``HMDB:`` ids (merged with ChEBI nodes by the builder through HMDB).

Examples
--------
>>> records = list(load(Path("mebocost_commu.tsv"), StudyReport("demo"), ctx))   # doctest: +SKIP
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

REQUIRED = ("Sender", "Receiver", "Metabolite", "Sensor", "Commu_Score")
P_COLUMNS = ("permutation_test_fdr", "permutation_test_pval")


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a MEBOCOST ``commu_res`` table."""
    p_column = _p_column(path, report)
    rows = CrosstalkRows("MEBOCOST", f"p_value={p_column} (min over sensors); threshold<={ctx.alpha}")
    used: dict = {}
    nodes: dict[str, Node] = {}
    seen: set[tuple[str, ...]] = set()
    yield ctx.study_node()
    for line, row in read_table(path, delimiter_of(path), required=(*REQUIRED, p_column)):
        report.rows += 1
        where = f"{path.name}:{line}"
        key = tuple(row[c].strip() for c in ("Sender", "Receiver", "Metabolite", "Sensor"))
        if key in seen:
            report.skip("duplicate (sender, receiver, metabolite, sensor) row", where)
            continue
        seen.add(key)
        _row(row, where, p_column, report, ctx, rows, used, nodes)
    require_mapped(report, used, path, ctx)
    yield from celltype_nodes(ctx, used)
    yield from (nodes[k] for k in sorted(nodes))
    yield from rows.edges(ctx)


def _p_column(path: Path, report: StudyReport) -> str:
    header = header_of(path)
    for column in P_COLUMNS:
        if column in header:
            if column != P_COLUMNS[0]:
                report.warn(f"no {P_COLUMNS[0]} column: {column} used as p-value", path.name)
            return column
    raise LoaderError(
        f"missing column {P_COLUMNS[0]} (or {P_COLUMNS[1]}); found {header[:12]}",
        path=path,
        line=1,
        field=P_COLUMNS[0],
    )


def _row(
    row: dict[str, str],
    where: str,
    p_column: str,
    report: StudyReport,
    ctx: StudyContext,
    rows: CrosstalkRows,
    used: dict,
    nodes: dict[str, Node],
) -> None:
    sender = map_label(ctx, report, row["Sender"], where, used)
    receiver = map_label(ctx, report, row["Receiver"], where, used) if sender else None
    if sender is None or receiver is None:
        return
    p_value, score = number(row[p_column]), number(row["Commu_Score"])
    if p_value is None or score is None or not (math.isfinite(p_value) and math.isfinite(score)):
        report.skip("missing, NaN or inf statistic", where)
        return
    if p_value > ctx.alpha:
        report.skip(f"not significant ({p_column} > {ctx.alpha})", where)
        return
    metabolite = ctx.metabolite(row["Metabolite"]) or ctx.metabolite(row.get("Metabolite_Name", ""))
    sensor = ctx.gene(row["Sensor"])
    if metabolite is None or sensor is None:
        what = "metabolite id" if metabolite is None else "sensor gene"
        report.skip(f"unrecognised {what}", f"{row['Metabolite']}/{row['Sensor']} ({where})")
        return
    nodes.setdefault(metabolite, metabolite_node(ctx, metabolite, row.get("Metabolite_Name", "").strip()))
    nodes.setdefault(sensor, gene_node(ctx, sensor, row["Sensor"]))
    rows.add(
        (sender.id, receiver.id, metabolite), ctx.provenance(where, score), p_value, (), (symbol_of(sensor),)
    )
