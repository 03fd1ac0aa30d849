"""CellPhoneDB v5 ``statistical_analysis`` outputs -> small-molecule ``crosstalk`` edges.

Files (tab-separated ``.txt``; ``path`` is the output folder or the significant-means file):

``statistical_analysis_significant_means_<suffix>.txt`` (required)
    Meta columns ``id_cp_interaction, interacting_pair, partner_a, partner_b, gene_a, gene_b,
    secreted, receptor_a, receptor_b, annotation_strategy, is_integrin, directionality,
    classification, rank`` then one column per cell-type pair ``A|B`` (cell type A expresses
    partner A, B expresses partner B); a cell holds the mean when the interaction is significant
    and is empty otherwise. CellPhoneDB 4 files (no ``directionality``/``classification``) are read
    with a counted warning.
``statistical_analysis_pvalues_<suffix>.txt``, ``statistical_analysis_interaction_scores_<suffix>.txt``
    (optional, same layout): the p-value and the v5 interaction score (0-100) of each cell.

Small-molecule ligands are coded as complexes ``complex:<Ligand>_by<ENZYME>[_and_<TRANSPORTER>]``
(enzyme/transporter = abundance proxies). For each significant cell of such an interaction the
loader emits ``crosstalk`` (supply) from the proxy's cell type to the receptor's, with
``sender_genes`` = proxy enzyme(+transporter), ``receiver_genes`` = receptor gene,
``p_value`` (pvalues file), ``method=CellPhoneDB``, provenance ``record=<file>:<line>:<A|B>`` and
``score`` = interaction score (else the mean). The ligand is resolved through the graph index (the
CellPhoneDB resource loader keeps proxy names and readable names as synonyms); ligands that do not
resolve, protein-protein rows and pair columns with unmapped cell types are counted.

Examples
--------
>>> records = list(load(Path("cpdb_out/"), StudyReport("demo"), ctx))   # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import read_table, resolve
from tmekg.loaders.study_common import (
    CellTypeRef,
    CrosstalkRows,
    StudyContext,
    StudyReport,
    celltype_nodes,
    gene_node,
    header_of,
    map_label,
    number,
    require_mapped,
    symbol_of,
)
from tmekg.model import Edge, Node

META = ("id_cp_interaction", "interacting_pair", "partner_a", "partner_b", "gene_a", "gene_b")
V5_ONLY = ("directionality", "classification")
PROXY = re.compile(r"^(?P<ligand>.+?)_by(?P<enzyme>[A-Za-z0-9]+)(?:_and_(?P<transporter>[A-Za-z0-9]+))?$")
SIGNIFICANT, PVALUES, SCORES = "significant_means", "pvalues", "interaction_scores"


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a CellPhoneDB statistical-analysis output (folder or significant-means file)."""
    means_path = _find(path)
    header = header_of(means_path)
    _check_header(header, means_path, report)
    pairs = _pair_columns(header, means_path, report, ctx)
    extra = {name: _side_table(means_path, name, report) for name in (PVALUES, SCORES)}
    rows = CrosstalkRows("CellPhoneDB", f"p_value=pvalues file; significant cells of {means_path.name}")
    genes: dict[str, str] = {}
    yield ctx.study_node()
    for line, row in read_table(means_path, "\t", required=META):
        report.rows += 1
        _interaction(row, line, means_path.name, pairs, extra, report, ctx, rows, genes)
    used = {ref.id: ref for pair in pairs.values() for ref in pair}
    require_mapped(report, used, means_path, ctx)
    yield from celltype_nodes(ctx, used)
    yield from (gene_node(ctx, g, s) for g, s in sorted(genes.items()))
    yield from rows.edges(ctx)


def _find(path: Path) -> Path:
    if not path.is_dir():
        return resolve(path)
    hits = sorted(p for p in path.iterdir() if SIGNIFICANT in p.name)
    if len(hits) != 1:
        raise LoaderError(f"expected one *{SIGNIFICANT}*.txt file, found {[p.name for p in hits]}", path=path)
    return hits[0]


def _check_header(header: list[str], path: Path, report: StudyReport) -> None:
    missing = [c for c in META if c not in header]
    if missing:
        raise LoaderError(f"missing column(s) {', '.join(missing)}; found {header[:14]}", path, 1, missing[0])
    if not all(c in header for c in V5_ONLY):
        report.warn("CellPhoneDB < 5 layout (no directionality/classification columns)", path.name)


def _pair_columns(
    header: list[str], path: Path, report: StudyReport, ctx: StudyContext
) -> dict[str, tuple[CellTypeRef, CellTypeRef]]:
    pairs = {}
    for column in (h for h in header if "|" in h):
        used: dict = {}
        refs = [
            map_label(ctx, report, label, f"{path.name} column {column}", used)
            for label in column.split("|", 1)
        ]
        if all(refs):
            pairs[column] = (refs[0], refs[1])
    if not any("|" in h for h in header):
        raise LoaderError("no cell-type pair columns ('A|B') found", path=path, line=1)
    return pairs


def _side_table(means_path: Path, name: str, report: StudyReport) -> dict[tuple[str, str], float]:
    """``(id_cp_interaction, pair column) -> value`` from a sibling pvalues / scores file."""
    candidates = sorted(means_path.parent.glob(means_path.name.replace(SIGNIFICANT, name)))
    if not candidates:
        report.warn(f"no {name} file next to {means_path.name}", means_path.name)
        return {}
    out = {}
    for _, row in read_table(candidates[0], "\t", required=("id_cp_interaction",)):
        for column, text in row.items():
            value = number(text) if "|" in column else None
            if value is not None and math.isfinite(value):
                out[(row["id_cp_interaction"], column)] = value
    return out


def _interaction(
    row: dict[str, str],
    line: int,
    name: str,
    pairs: dict[str, tuple[CellTypeRef, CellTypeRef]],
    extra: dict[str, dict],
    report: StudyReport,
    ctx: StudyContext,
    rows: CrosstalkRows,
    genes: dict[str, str],
) -> None:
    where = f"{name}:{line}"
    side = _metabolite_side(row)
    if side is None:
        report.skip(
            "protein-protein interaction (not metabolite-mediated)", f"{row['interacting_pair']} ({where})"
        )
        return
    proxy = PROXY.match(row[f"partner_{side}"].split(":", 1)[1])
    metabolite = _resolve_ligand(proxy, row[f"partner_{side}"], ctx)
    if metabolite is None:
        report.skip("small-molecule ligand not resolvable (load the cellphonedb resource first)", where)
        return
    other = "b" if side == "a" else "a"
    sender_genes = _genes([proxy["enzyme"], proxy["transporter"]], ctx, genes)
    receiver_genes = _genes(_receptor_symbols(row, other, proxy.group(0)), ctx, genes)
    key = row["id_cp_interaction"]
    for column, (ref_a, ref_b) in pairs.items():
        mean = number(row.get(column))
        if mean is None or not math.isfinite(mean):
            continue
        sender, receiver = (ref_a, ref_b) if side == "a" else (ref_b, ref_a)
        score = extra[SCORES].get((key, column), mean)
        prov = ctx.provenance(f"{where}:{column}", score)
        rows.add(
            (sender.id, receiver.id, metabolite),
            prov,
            extra[PVALUES].get((key, column)),
            sender_genes,
            receiver_genes,
        )


def _metabolite_side(row: dict[str, str]) -> str | None:
    for side in ("a", "b"):
        partner = row[f"partner_{side}"].strip()
        if partner.startswith("complex:") and PROXY.match(partner.split(":", 1)[1]):
            return side
    return None


def _resolve_ligand(proxy: re.Match[str], partner: str, ctx: StudyContext) -> str | None:
    try:
        from tmekg.loaders.cellphonedb import ligand_names
    except ImportError:  # the resource loader is optional here
        names: tuple[str, ...] = (proxy["ligand"],)
    else:
        names = (proxy["ligand"], *ligand_names(proxy["ligand"]))
    index = ctx.metabolites or {}
    for text in (partner.split(":", 1)[1], *names):
        hit = index.get(text.lower()) or index.get(text)
        if hit:
            return hit
    return None


def _receptor_symbols(row: dict[str, str], side: str, proxy_name: str) -> list[str]:
    gene = row.get(f"gene_{side}", "").strip()
    if gene:
        return [gene]
    rest = row["interacting_pair"].replace(proxy_name, "", 1).strip("_|")
    return [rest] if rest else []


def _genes(symbols: list[str | None], ctx: StudyContext, genes: dict[str, str]) -> tuple[str, ...]:
    out = []
    for symbol in (s for s in symbols if s):
        gene_id = ctx.gene(symbol)
        if gene_id:
            genes.setdefault(gene_id, symbol)
            out.append(symbol_of(gene_id))
    return tuple(out)
