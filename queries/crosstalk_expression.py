"""Per-cell-type expression evidence combined across studies and reference atlases, with provenance.

Two kinds of ``expressed_in`` (Gene -> CellType) evidence are read from the graph:

* **study** evidence: edges whose provenance names a study (markers, pseudobulk, AnnData), each
  provenance keeping the study's own weight as its score;
* **reference** atlases: edges of a source listed in ``queries/crosstalk.yaml``
  ``expression.reference_sources`` (``hpa-blood``: nTPM of every gene in 18 blood immune types).

Each evidence row has a *level* in [0, 1] (pseudobulk: mean / the gene's highest mean; markers:
detection fraction ``pct.1``; HPA: ``log2(1 + nTPM) / log2(101)``, see docs/hpa.md) and a
*detection* in [0, 1] (the fraction of cells with the transcript where known, else 1.0 for a row that
passed its source's own detection rule). A row counts when ``detection >= min_detection``.

A study cell type can take a reference profile (``expression.reference_profiles``: e.g. the atlas's
cytotoxic CD8 state <- HPA memory CD8 T cell): the reference rows are copied to the study cell type
with ``via`` naming the reference type, so a receptor a marker table did not list is still judged on
its measured level. Combined weight of (cell type, gene) = the highest counting level over its rows.

>>> rows = [Row("CL:1", "G", 0.4, 1.0, "hpa-blood"), Row("CL:1", "G", 0.9, 0.05, "study:X")]
>>> combine(rows, min_detection=0.1)[("G", "CL:1")].level
0.4
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from tmekg.errors import TmekgError
from tmekg.io import packaged_yaml

CONFIG_FILE = "crosstalk.yaml"
STUDY_PREFIX = "study:"
COLUMNS = (
    "cell_type",
    "gene",
    "level",
    "detection",
    "source",
    "study",
    "statistic",
    "value",
    "record",
    "via",
)


@cache
def config() -> dict[str, Any]:
    """The shipped ``queries/crosstalk.yaml``."""
    return packaged_yaml("tmekg.queries", CONFIG_FILE)


@dataclass(frozen=True)
class Row:
    """One expression evidence row (see module docstring); ``source`` is ``study:<id>`` or a source name."""

    cell_type: str
    gene: str
    level: float
    detection: float
    source: str
    study: str | None = None
    statistic: str | None = None
    value: float | None = None
    record: str | None = None
    via: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict with :data:`COLUMNS`."""
        return {c: getattr(self, c) for c in COLUMNS}


def read_rows(kg: Any, reference_sources: tuple[str, ...] | None = None) -> list[Row]:
    """Every study / reference expression row of the graph (reference profiles not yet applied)."""
    from tmekg.queries.crosstalk_evidence import schema_roles
    from tmekg.schema import load_schema

    refs = set(
        config()["expression"]["reference_sources"] if reference_sources is None else reference_sources
    )
    out = []
    for predicate in schema_roles(load_schema()).get("expression", []):
        for edge in kg.edges(predicate):
            for prov in edge.provenance:
                row = _row(edge, prov, refs)
                if row is not None:
                    out.append(row)
    return out


def _row(edge: Any, prov: Any, refs: set[str]) -> Row | None:
    if prov.study:
        source = STUDY_PREFIX + prov.study
    elif prov.source in refs:
        source = prov.source
    else:
        return None
    level = 1.0 if prov.score is None else float(prov.score)
    fraction = edge.prop("fraction")
    detection = 1.0 if fraction is None or prov.study is None else float(fraction)
    value = edge.prop("value")
    return Row(
        edge.object,
        edge.subject,
        round(level, 6),
        round(detection, 6),
        source,
        prov.study,
        edge.prop("statistic"),
        None if value is None else float(value),
        prov.record,
    )


def with_profiles(rows: list[Row], profiles: dict[str, str] | None = None) -> tuple[list[Row], set[str]]:
    """Add reference-profile rows to study cell types; returns the rows and the reference types used.

    A profile applies only to a cell type that has study evidence and a reference type that has
    reference evidence; the copies keep the reference's level, detection, source and record and name
    the reference type in ``via``.
    """
    profiles = config()["expression"]["reference_profiles"] if profiles is None else profiles
    studied = {r.cell_type for r in rows if r.study}
    by_type: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.study is None:
            by_type[r.cell_type].append(r)
    added, used = [], set()
    for target, ref in sorted(profiles.items()):
        if target in studied and by_type.get(ref):
            used.add(ref)
            added.extend(
                Row(target, r.gene, r.level, r.detection, r.source, None, r.statistic, r.value, r.record, ref)
                for r in by_type[ref]
            )
    return rows + added, used


def combine(rows: list[Row], min_detection: float | None = None) -> dict[tuple[str, str], Row]:
    """``(gene, cell type) -> the counting row with the highest level`` (ties: first seen)."""
    if min_detection is None:
        min_detection = float(config()["expression"]["min_detection"])
    best: dict[tuple[str, str], Row] = {}
    for r in rows:
        if r.detection < min_detection or r.level <= 0:
            continue
        key = (r.gene, r.cell_type)
        if key not in best or r.level > best[key].level:
            best[key] = r
    return best


@dataclass
class Combined:
    """Combined evidence: the winning row per (gene, cell type), all rows, and the cell types listed."""

    best: dict[tuple[str, str], Row]
    rows: list[Row]
    celltypes: list[str]
    sources: list[str]

    def strata(self) -> np.ndarray | None:
        """Permutation strata of the listed cell types: ``study`` (study evidence only),
        ``profiled`` (a study type that took a reference profile) and ``reference`` (reference types
        listed on their own); None when there is one kind only."""
        studied = {r.cell_type for r in self.rows if r.study}
        referenced = {r.cell_type for r in self.rows if not r.study}  # own or via a profile
        labels = np.array(
            [
                ("profiled" if c in referenced else "study") if c in studied else "reference"
                for c in self.celltypes
            ]
        )
        return labels if len(set(labels)) > 1 else None

    def matrix(self, genes: set[str]) -> tuple[np.ndarray, list[str], list[str]]:
        """``(E, cell types, genes)`` over ``genes`` that have evidence in a listed cell type."""
        index = {c: i for i, c in enumerate(self.celltypes)}
        cols = sorted({g for g, c in self.best if g in genes and c in index})
        col = {g: j for j, g in enumerate(cols)}
        E = np.zeros((len(self.celltypes), len(cols)))
        for (g, c), r in self.best.items():
            if g in col and c in index:
                E[index[c], col[g]] = r.level
        return E, list(self.celltypes), cols


REFERENCE_MODES = ("profiles", "all", "none")


def combined(
    kg: Any,
    study: str | None = None,
    reference: str | bool = "all",
    min_detection: float | None = None,
) -> Combined:
    """Evidence of all studies (or one ``study``) combined with the reference atlases.

    ``reference``: ``"all"`` (or True) lists every cell type with counting evidence, except reference
    types whose profile was copied into a study cell type (they would duplicate it); ``"profiles"``
    uses reference rows only through the profiles of study cell types and lists reference types on
    their own only when no study evidence is loaded (the study says which cell types are in the
    tissue; a blood atlas fills in genes, it is not a census of the tumour); ``"none"`` (or False)
    reads study evidence only.
    """
    mode = (
        {True: "all", False: "none"}.get(reference, reference) if isinstance(reference, bool) else reference
    )
    if mode not in REFERENCE_MODES:
        raise TmekgError(f"unknown reference mode '{reference}' (use one of: {', '.join(REFERENCE_MODES)})")
    rows = read_rows(kg, () if mode == "none" else None)
    if study:
        rows = [r for r in rows if r.study in (None, study)]
    rows, used = with_profiles(rows)
    best = combine(rows, min_detection)
    listed = {c for _, c in best} - used
    studied = {r.cell_type for r in rows if r.study}
    if mode == "profiles" and studied:
        listed &= studied
    sources = sorted({r.source for r in best.values()})
    return Combined(best, rows, sorted(listed), sources)
