"""Loader for the Human Protein Atlas blood-cell RNA table (``rna_blood_cell.tsv``, HPA 21 long layout).

File (tab-separated, one row per gene x blood cell type; HPA's own download also carries ``TPM`` and
``pTPM`` columns, which are ignored)::

    Gene             Gene name  Blood cell          nTPM
    ENSG00000000003  TSPAN6     basophil            0.5

``rna_blood_cell.tsv``, its ``.gz`` or HPA's ``rna_blood_cell.tsv.zip`` is read. The 18 cell types and
total PBMC map to Cell Ontology terms through ``hpa_celltypes.yaml`` (data, reviewed in tests against
the CL release of cellxgene-ontology-guide); a label missing from that map is an error, because a new
HPA release with renamed cell types must not silently drop expression.

Records:

* CellType nodes for every mapped HPA type (CL id, CL label, HPA label as synonym, compartment
  ``immune``), their parent / child CL terms and ``subclass_of`` edges to them, so HPA expression
  hangs off the CellType nodes the curated KB and the atlas use (memory CD8 T cell ``subclass_of``
  CD8-positive, alpha-beta T cell);
* Gene nodes keyed by the symbol (``HGNC.SYMBOL:<Gene name>``, ``ENSEMBL`` xref); a gene without a
  symbol keeps its ``ENSEMBL`` id;
* ``expressed_in`` Gene -> CellType edges where ``nTPM`` passes the detection rule of the map file
  (HPA's "detected", nTPM >= 1), with ``statistic=nTPM``, ``value`` and ``threshold``. A symbol shared
  by two Ensembl genes keeps the higher value per cell type. The provenance score is
  :func:`detection_weight` of the value (log-scaled, in (0, 1]) so that a barely detected transcript
  weighs less than a highly expressed one wherever edge weights are used.

A missing column, a non-numeric or negative ``nTPM`` or an unmapped cell type raises
:class:`LoaderError` with file, line and field; ``total PBMC`` (a mixture) is counted as skipped.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError
from tmekg.io import packaged_yaml
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "hpa-blood"
FILE = "rna_blood_cell.tsv"
COLUMNS = ("Gene", "Gene name", "Blood cell", "nTPM")
EVIDENCE = ("PMID:31857451",)  # Uhlen et al. 2019 Science: the HPA blood atlas
COMPARTMENT = "immune"
SATURATION = 100.0  # nTPM at which detection_weight reaches 1


@dataclass(frozen=True)
class CellTypeMap:
    """HPA label -> CL term, the detection rule and the CL hierarchy around the HPA types."""

    ids: dict[str, str]
    names: dict[str, str]
    mixtures: frozenset[str]
    parents: dict[str, str]
    children: dict[str, tuple[str, ...]]
    statistic: str
    min_value: float

    @property
    def threshold(self) -> str:
        """The detection rule as text, e.g. ``nTPM >= 1``."""
        return f"{self.statistic} >= {self.min_value:g}"


@functools.cache
def cell_type_map() -> CellTypeMap:
    """The shipped ``hpa_celltypes.yaml``."""
    return parse_map(packaged_yaml("tmekg.loaders", "hpa_celltypes.yaml"))


def parse_map(raw: dict[str, Any]) -> CellTypeMap:
    """Validate and read the mapping document (see ``hpa_celltypes.yaml``)."""
    where = "hpa_celltypes.yaml"
    types = raw.get("cell_types") or {}
    detection = raw.get("detection") or {}
    if not types or "min_value" not in detection:
        raise LoaderError("needs 'cell_types' and 'detection.min_value'", path=where)
    names = {str(k): str(v) for k, v in (raw.get("terms") or {}).items()}
    for label, spec in types.items():
        if not str(spec.get("id", "")).startswith("CL:"):
            raise LoaderError(f"cell type '{label}' has no CL id", path=where, field="id")
        names[spec["id"]] = str(spec.get("name") or label)
    return CellTypeMap(
        ids={str(k): v["id"] for k, v in types.items()},
        names=names,
        mixtures=frozenset(str(k) for k, v in types.items() if v.get("mixture")),
        parents={v["id"]: v["parent"] for v in types.values() if v.get("parent")},
        children={v["id"]: tuple(v["children"]) for v in types.values() if v.get("children")},
        statistic=str(detection.get("statistic", "nTPM")),
        min_value=float(detection["min_value"]),
    )


def detection_weight(value: float) -> float:
    """Confidence of an expression call: ``log2(1 + nTPM) / log2(1 + 100)``, capped at 1.

    >>> detection_weight(1.0), detection_weight(100.0), detection_weight(1000.0)
    (0.1502, 1.0, 1.0)
    """
    return round(min(1.0, math.log2(1.0 + value) / math.log2(1.0 + SATURATION)), 4)


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield cell types and their hierarchy, genes, then ``expressed_in`` edges."""
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    mapping = cell_type_map()
    path = table_path(directory)
    detected, ensembl = read_expression(path, mapping, report)
    yield from cell_type_records(mapping, version)
    yield from gene_nodes(ensembl, version)
    yield from expression_edges(detected, path, mapping, version)


def table_path(directory: Path) -> Path:
    """``rna_blood_cell.tsv`` or its ``.gz`` / ``.zip`` (HPA's download) in ``directory``."""
    for name in (FILE, f"{FILE}.gz", f"{FILE}.zip"):
        if (directory / name).is_file():
            return directory / name
    raise LoaderError(f"file not found (also looked for {FILE}.gz and {FILE}.zip)", path=directory / FILE)


def read_expression(path: Path, mapping: CellTypeMap, report: LoadReport) -> tuple[Any, dict[str, list[str]]]:
    """Detected values (columns ``gene``, ``cell``, ``value``, ``line``; one row per gene and cell type,
    the highest value when two Ensembl genes share a symbol) and the Ensembl ids of each gene id."""
    frame = _frame(path)
    report.rows += len(frame)
    frame["cell"] = _cell_types(frame, mapping, path, report)
    frame["value"] = _values(frame, path)
    ensembl: dict[str, list[str]] = {}
    genes: dict[tuple[str, str], str] = {}
    pairs = zip(frame["Gene"].to_numpy(), frame["Gene name"].to_numpy(), strict=True)
    lines = frame["line"].to_numpy()
    for i, pair in enumerate(pairs):  # one look-up per gene, not per row
        if pair not in genes:
            genes[pair] = _gene(*pair, path, int(lines[i]), ensembl)
    frame["gene"] = [
        genes[p] for p in zip(frame["Gene"].to_numpy(), frame["Gene name"].to_numpy(), strict=True)
    ]
    detected = frame[frame["cell"].notna() & (frame["value"] >= mapping.min_value)]
    detected = detected.sort_values("value", ascending=False, kind="stable")
    detected = detected.drop_duplicates(["gene", "cell"]).sort_values("line")
    return detected[["gene", "cell", "value", "line"]], ensembl


def _frame(path: Path) -> Any:
    """The table as strings, with each row's physical line number (header = line 1)."""
    from tmekg.io import read_frame

    options = {"sep": "\t", "dtype": str, "keep_default_na": False, "quoting": 3, "skip_blank_lines": False}
    frame = read_frame(path, "HPA blood table", COLUMNS, **options)
    frame = frame[list(COLUMNS)].fillna("")
    frame["line"] = frame.index + 2
    blank = (frame[list(COLUMNS)] == "").all(axis=1)
    return frame[~blank].reset_index(drop=True)


def _cell_types(frame: Any, mapping: CellTypeMap, path: Path, report: LoadReport) -> Any:
    """CL id per row (``None`` for mixtures); an unmapped label is an error at its first line."""
    labels = frame["Blood cell"].str.strip()
    unknown = ~labels.isin(list(mapping.ids))
    if unknown.any():
        i = int(unknown.to_numpy().argmax())
        raise LoaderError(
            f"blood cell type '{labels[i]}' is not in hpa_celltypes.yaml (known: {', '.join(mapping.ids)})",
            path=path,
            line=int(frame["line"][i]),
            field="Blood cell",
        )
    mixture = labels.isin(list(mapping.mixtures))
    for label, line in zip(labels[mixture], frame["line"][mixture], strict=True):
        report.skip("mixture of cell types, not a cell type", f"{label} (line {line})")
    return labels.map(lambda label: None if label in mapping.mixtures else mapping.ids[label])


def _gene(ens: str, symbol: str, path: Path, line: int, ensembl: dict[str, list[str]]) -> str:
    """``HGNC.SYMBOL:<symbol>`` (or ``ENSEMBL:<id>`` without a symbol); records the Ensembl xref."""
    from tmekg.ids import is_valid

    ens, symbol = ens.strip(), symbol.strip()
    if not is_valid(f"ENSEMBL:{ens}", "Gene"):
        raise LoaderError(f"not an Ensembl gene id: '{ens}'", path=path, line=line, field="Gene")
    gene = (
        f"HGNC.SYMBOL:{symbol}" if symbol and is_valid(f"HGNC.SYMBOL:{symbol}", "Gene") else f"ENSEMBL:{ens}"
    )
    known = ensembl.setdefault(gene, [])
    if f"ENSEMBL:{ens}" not in known:
        known.append(f"ENSEMBL:{ens}")
    return gene


def _values(frame: Any, path: Path) -> Any:
    """``nTPM`` as floats; a non-numeric, negative or non-finite value is an error at its line."""
    import numpy as np
    import pandas as pd

    value = pd.to_numeric(frame["nTPM"].str.strip(), errors="coerce")
    bad = ~np.isfinite(value.to_numpy(dtype=float)) | (value.to_numpy(dtype=float) < 0)
    if bad.any():
        i = int(bad.argmax())
        raise LoaderError(
            f"not a finite non-negative number: '{frame['nTPM'][i]}'",
            path=path,
            line=int(frame["line"][i]),
            field="nTPM",
        )
    return value


def cell_type_records(mapping: CellTypeMap, version: str) -> Iterator[Node | Edge]:
    """CellType nodes of the HPA types and their CL parents / children, and the ``subclass_of`` edges."""
    prov = (Provenance(SOURCE, version),)
    labels = {cl: label for label, cl in mapping.ids.items() if label not in mapping.mixtures}
    hierarchy = {*mapping.parents.values(), *(c for cs in mapping.children.values() for c in cs)}
    for cl in sorted({*labels, *hierarchy}):
        synonyms = (labels[cl],) if cl in labels and labels[cl] != mapping.names[cl] else ()
        yield Node(
            cl,
            "CellType",
            mapping.names[cl],
            synonyms,
            properties=props(compartment=COMPARTMENT),
            provenance=prov,
        )
    for child, parent in sorted(mapping.parents.items()):
        yield Edge(child, "subclass_of", parent, prov)
    for parent, children in sorted(mapping.children.items()):
        yield from (Edge(child, "subclass_of", parent, prov) for child in children)


def gene_nodes(ensembl: dict[str, list[str]], version: str) -> Iterator[Node]:
    """One Gene node per symbol (or Ensembl id), with the Ensembl ids as xrefs."""
    prov = (Provenance(SOURCE, version),)
    for gene, xrefs in ensembl.items():
        symbol = gene.split(":", 1)[1]
        yield Node(gene, "Gene", symbol, xrefs=tuple(x for x in xrefs if x != gene), provenance=prov)


def expression_edges(detected: Any, path: Path, mapping: CellTypeMap, version: str) -> Iterator[Edge]:
    """``expressed_in`` edges with the value, the rule and a log-scaled provenance score."""
    import numpy as np

    values = detected["value"].to_numpy(dtype=float)
    weights = np.round(np.minimum(1.0, np.log2(1.0 + values) / np.log2(1.0 + SATURATION)), 4)
    threshold = mapping.threshold
    columns = (detected["gene"], detected["cell"], values.tolist(), weights.tolist(), detected["line"])
    for gene, cell, value, weight, line in zip(*columns, strict=True):
        prov = Provenance(SOURCE, version, evidence=EVIDENCE, score=weight, record=f"{path.name}:{line}")
        properties = (("statistic", mapping.statistic), ("threshold", threshold), ("value", value))
        yield Edge(gene, "expressed_in", cell, (prov,), properties)  # == props(...), already sorted
