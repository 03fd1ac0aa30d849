"""Shared pieces of the study-output loaders: context, report, cell-type map, resolvers, records.

A *study output* is a file a user produced with an analysis tool (Seurat / scanpy markers, a
pseudobulk matrix, MEBOCOST, LIANA+, CellPhoneDB, Compass, scFEA). Unlike a public source, it
needs a :class:`StudyContext`: the Study id every derived edge points to (``provenance.study``),
the cluster-name -> cell-type map (``celltype_map.yaml``, reviewable data) and, optionally,
gene / metabolite resolvers built from an existing graph so that symbols and names land on the
graph's canonical ids.

Every study loader has the signature ``load(path, report, ctx) -> Iterator[Node | Edge]``, yields
the Study node first, and counts every unusable row in ``report`` (:class:`StudyReport`); rows that
are kept but altered (a capped statistic, a duplicate) are counted as *warnings*.

Examples
--------
>>> ctx = StudyContext("TMEKG:study.demo", CellTypeMap({"iCAF": CellTypeRef("TMEKG:celltype.iCAF", "iCAF")}))
>>> ctx.celltypes.get("icaf").id
'TMEKG:celltype.iCAF'
>>> ctx.gene("GZMA")
'HGNC.SYMBOL:GZMA'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError
from tmekg.ids import normalize
from tmekg.loaders.study_celltypes import (  # noqa: F401 - re-exported for the loaders
    CellTypeMap,
    CellTypeRef,
    default_map_path,
    label_key,
    load_celltype_map,
)
from tmekg.model import Edge, LoadReport, Node, Provenance, props
from tmekg.schema import load_schema

_SCHEMA = load_schema()
# Categories and predicates the study loaders emit (checked against the schema at import).
STUDY, CELLTYPE, GENE, METABOLITE, REACTION = (
    _SCHEMA.category(c).name for c in ("Study", "CellType", "Gene", "Metabolite", "Reaction")
)
EXPRESSED_IN, SECRETES, TAKES_UP, ACTIVE_IN, CROSSTALK = (
    _SCHEMA.predicate(p).name for p in ("expressed_in", "secretes", "takes_up", "active_in", "crosstalk")
)
_ENSEMBL = re.compile(r"^ENS[A-Z]*G\d{11}(\.\d+)?$")


class StudyReport(LoadReport):
    """A :class:`LoadReport` that also counts *warnings*: rows kept but altered or suspicious."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.warnings: dict[str, int] = {}
        self.warning_examples: dict[str, list[str]] = {}
        self.unknown_labels: dict[str, int] = {}

    def warn(self, reason: str, example: str, n: int = 1) -> None:
        """Count ``n`` kept-but-flagged rows under ``reason``."""
        self.warnings[reason] = self.warnings.get(reason, 0) + n
        shown = self.warning_examples.setdefault(reason, [])
        if len(shown) < self.max_examples:
            shown.append(example)

    def skip_many(self, reason: str, n: int, example: str) -> None:
        """Count ``n`` unusable values at once (matrix inputs)."""
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + n
            shown = self.examples.setdefault(reason, [])
            if len(shown) < self.max_examples:
                shown.append(example)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form including warnings and the cluster labels the map did not know."""
        out = super().to_dict()
        out["unknown_labels"] = dict(sorted(self.unknown_labels.items()))
        out["warnings"] = dict(sorted(self.warnings.items()))
        out["warning_examples"] = {k: self.warning_examples[k] for k in sorted(self.warning_examples)}
        return out


@dataclass
class StudyContext:
    """What a study loader needs besides the file.

    Parameters
    ----------
    study_id
        ``DOI:``/``PMID:`` id of the study, else ``TMEKG:study.<slug>``.
    celltypes
        Cluster label -> cell type map.
    genes, metabolites
        Optional ``text -> canonical id`` indexes from an existing graph (keys: ids, xrefs, names
        and synonyms; metabolite keys lower-cased).
    alpha
        Significance threshold on adjusted p-values / FDRs.
    options
        Loader-specific options (e.g. ``lfc_cap``, ``z_min``, ``groupby``).
    """

    study_id: str
    celltypes: CellTypeMap
    genes: Mapping[str, str] | None = None
    metabolites: Mapping[str, str] | None = None
    alpha: float = 0.05
    version: str = "user-supplied"
    study_name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    _genes_seen: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        _SCHEMA.check_curie(self.study_id, STUDY)

    @property
    def source(self) -> str:
        """Provenance source name of this study's records."""
        return f"study:{self.study_id}"

    def gene(self, symbol: str) -> str | None:
        """Canonical gene id of a symbol or Ensembl id (graph index first), ``None`` if malformed."""
        text = str(symbol).strip()
        if text not in self._genes_seen:
            self._genes_seen[text] = self._gene(text)
        return self._genes_seen[text]

    def _gene(self, text: str) -> str | None:
        if self.genes:
            hit = self.genes.get(text) or self.genes.get(text.upper())
            if hit:
                return hit
        curie = f"ENSEMBL:{text}" if _ENSEMBL.match(text) else f"HGNC.SYMBOL:{text}"
        curie = normalize(curie) or ""
        return curie if _valid(curie, GENE) else None

    def metabolite(self, text: str) -> str | None:
        """Canonical metabolite id of an id (HMDB/CHEBI/KEGG) or a name known to the graph index."""
        value = str(text).strip()
        index = self.metabolites or {}
        curie = _metabolite_curie(value)
        for key in (curie, value.lower()):
            if key and key in index:
                return index[key]
        return curie if curie and _valid(curie, METABOLITE) else None

    def provenance(self, record: str, score: float | None = None) -> Provenance:
        """Provenance of one derived fact: study, source row, publication if the id is one."""
        evidence = (self.study_id,) if self.study_id.split(":", 1)[0] in _SCHEMA.evidence_prefixes else ()
        return Provenance(self.source, self.version, evidence, score, record=record, study=self.study_id)

    def study_node(self) -> Node:
        """The Study node (merges with a curated one of the same id)."""
        name = self.study_name or self.study_id
        return Node(self.study_id, STUDY, name, provenance=(self.provenance(self.study_id),))


def _metabolite_curie(value: str) -> str | None:
    if re.match(r"^HMDB\d+$", value, re.I):
        return normalize(value, default_prefix="HMDB")
    if re.match(r"^[CDG]\d{5}$", value):
        return f"KEGG.COMPOUND:{value}"
    return normalize(value) if ":" in value else None


def _valid(curie: str, category: str) -> bool:
    try:
        _SCHEMA.check_curie(curie, category)
    except Exception:
        return False
    return True


def number(text: Any) -> float | None:
    """A float from a cell, ``None`` for empty / NA; NaN and inf are returned as such."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    value = str(text).strip()
    if value.lower() in ("", "na", "nan", "null", "none"):
        return None if value.lower() in ("", "null", "none", "na") else math.nan
    try:
        return float(value)
    except ValueError:
        return None


def delimiter_of(path: Path) -> str:
    """Tab if the header line has a tab, else comma (``.gz`` read transparently)."""
    from tmekg.io import open_text

    with open_text(path) as handle:
        first = handle.readline()
    return "\t" if "\t" in first else ","


def header_of(path: Path) -> list[str]:
    """The header fields of a delimited file (quotes stripped)."""
    from tmekg.io import open_text

    with open_text(path) as handle:
        first = handle.readline()
    return [h.strip().strip('"') for h in first.rstrip("\r\n").split(delimiter_of(path))]


def celltype_nodes(ctx: StudyContext, used: Mapping[str, CellTypeRef]) -> Iterator[Node]:
    """Minimal CellType nodes for the mapped cell types a file used (merging makes them harmless)."""
    for ref in sorted(used.values(), key=lambda r: r.id):
        yield Node(ref.id, CELLTYPE, ref.name, provenance=(ctx.provenance(ctx.celltypes.origin),))


def gene_node(ctx: StudyContext, gene_id: str, symbol: str) -> Node:
    """A minimal Gene node for a gene a study mentions."""
    return Node(gene_id, GENE, str(symbol).strip(), provenance=(ctx.provenance(ctx.study_id),))


def metabolite_node(ctx: StudyContext, metabolite_id: str, name: str) -> Node:
    """A minimal Metabolite node for a metabolite a study mentions."""
    return Node(metabolite_id, METABOLITE, name or metabolite_id, provenance=(ctx.provenance(ctx.study_id),))


def crosstalk(
    ctx: StudyContext,
    sender: str,
    receiver: str,
    metabolite: str,
    provenance: tuple[Provenance, ...],
    **values: Any,
) -> Edge:
    """A reported (tool-inferred) ``crosstalk`` edge; ``mode`` defaults to supply."""
    values = {"mode": "supply", "inferred": True, **values, "metabolite": metabolite}
    return Edge(sender, CROSSTALK, receiver, provenance, props(values))


def expressed(
    ctx: StudyContext, gene_id: str, celltype_id: str, record: str, weight: float, **values: Any
) -> Edge:
    """An ``expressed_in`` edge with its statistic, value, threshold, p-value and fraction.

    ``weight`` (in ``[0, 1]``) is stored as the provenance score: the expression weight crosstalk
    inference uses for this study (kept per study even when edges of several studies merge).
    """
    weight = round(min(max(float(weight), 0.0), 1.0), 6)
    return Edge(gene_id, EXPRESSED_IN, celltype_id, (ctx.provenance(record, weight),), props(values))


def map_label(
    ctx: StudyContext, report: StudyReport, label: str, where: str, used: dict
) -> CellTypeRef | None:
    """Map a cluster label, counting labels the map does not know (never a silent drop)."""
    ref = ctx.celltypes.get(label)
    if ref is None:
        reason = f"cluster not in cell-type map {ctx.celltypes.origin}"
        if label in report.unknown_labels:
            report.skipped[reason] += 1
        else:
            report.skip(reason, f"'{label}' ({where})")
        report.unknown_labels[label] = report.unknown_labels.get(label, 0) + 1
        return None
    used[ref.id] = ref
    return ref


def require_mapped(
    report: StudyReport, used: Mapping[str, CellTypeRef], path: Path, ctx: StudyContext
) -> None:
    """Raise when no cluster of a file maps to a cell type: the wrong map was almost surely chosen."""
    if used or not report.rows:
        return
    labels = ", ".join(f"'{k}'" for k in list(report.unknown_labels)[:5])
    raise LoaderError(
        f"no cluster label maps to a cell type with {ctx.celltypes.origin} (labels: {labels});"
        " pass --map with a map for this study",
        path=path,
    )


@dataclass
class _Group:
    provenance: list[Provenance] = field(default_factory=list)
    p_values: list[float] = field(default_factory=list)
    sender_genes: set[str] = field(default_factory=set)
    receiver_genes: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


class CrosstalkRows:
    """Collects tool-reported communication rows and emits one ``crosstalk`` edge per
    (sender, receiver, metabolite): smallest p-value, union of genes, one provenance per row.

    >>> rows = CrosstalkRows("MEBOCOST", "p_value=permutation_test_fdr")
    """

    def __init__(self, method: str, parameters: str) -> None:
        self.method = method
        self.parameters = parameters
        self.groups: dict[tuple[str, str, str], _Group] = {}

    def add(
        self,
        key: tuple[str, str, str],
        provenance: Provenance,
        p_value: float | None = None,
        sender_genes: tuple[str, ...] = (),
        receiver_genes: tuple[str, ...] = (),
    ) -> None:
        """Add one row for ``(sender id, receiver id, metabolite id)``."""
        group = self.groups.setdefault(key, _Group())
        group.provenance.append(provenance)
        if p_value is not None:
            group.p_values.append(p_value)
        group.sender_genes.update(sender_genes)
        group.receiver_genes.update(receiver_genes)

    def edges(self, ctx: StudyContext) -> Iterator[Edge]:
        """The merged edges, sorted by key."""
        for (sender, receiver, metabolite), group in sorted(self.groups.items()):
            yield crosstalk(
                ctx,
                sender,
                receiver,
                metabolite,
                tuple(group.provenance),
                p_value=min(group.p_values) if group.p_values else None,
                sender_genes=tuple(sorted(group.sender_genes)),
                receiver_genes=tuple(sorted(group.receiver_genes)),
                method=self.method,
                parameters=self.parameters,
            )


def symbol_of(gene_id: str) -> str:
    """The symbol part of an ``HGNC.SYMBOL:`` id (other ids unchanged)."""
    return gene_id.split(":", 1)[1] if gene_id.startswith("HGNC.SYMBOL:") else gene_id
