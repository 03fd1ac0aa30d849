"""Evidence grades of edges: per-source defaults, grade rules, grade weights, per-row grades of a store.

Each provenance entry carries ``species``, ``system``, ``tumour`` and ``evidence_class``
(:class:`tmekg.model.Provenance`). The builder fills the ones a loader left empty from the entry's
source in ``loaders/source_grades.yaml`` (:func:`fill_grades`); ``queries/grades.yaml`` turns the
fields into a grade A (best) ... E (:func:`grade_of`) and gives each grade the weight the DWPC uses.
An edge's grade is the best grade of its provenance entries (:func:`edge_grade`); the build stores it
per edge row (``edge_grade.npy`` + ``edge_grade.json``, :func:`grade_files`) and the scorer reads it
(:func:`edge_grade_codes`). Rationale and worked numbers: ``docs/evidence-grades.md``.

Examples
--------
>>> from tmekg.model import Provenance
>>> p = fill_grades_provenance(Provenance("human-gem", "1"))
>>> p.species, p.system, grade_of(p)
('human', 'database', 'C')
>>> grade_of(Provenance("x", "1", species="human", system="ex_vivo", tumour="PDAC"))
'A'
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.errors import TmekgError
from tmekg.io import packaged_yaml
from tmekg.model import Edge, Provenance

if TYPE_CHECKING:
    import numpy as np

FIELDS = ("species", "system", "tumour", "evidence_class")
VALUES = {
    "species": ("human", "mouse", "other", "none"),
    "system": ("clinical", "in_vivo", "ex_vivo", "in_vitro", "computational", "database"),
    "tumour": ("PDAC", "other_cancer", "none"),
}
GRADE_FILE, GRADE_NAMES_FILE = "edge_grade.npy", "edge_grade.json"
UNGRADED = -1


class GradeError(TmekgError):
    """The grade tables are malformed, or a grade name is unknown."""


# -- tables ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One grade rule: the grade, and per field the values it accepts (evidence_class: patterns)."""

    grade: str
    when: Mapping[str, tuple[str, ...]]

    def matches(self, prov: Provenance) -> bool:
        """Every field the rule names holds one of its values."""
        for name, allowed in self.when.items():
            value = getattr(prov, name)
            if value is None:
                return False
            if name == "evidence_class":
                if not any(fnmatch.fnmatchcase(value, pattern) for pattern in allowed):
                    return False
            elif value not in allowed:
                return False
        return True


@dataclass(frozen=True)
class GradeTable:
    """The grade ladder (best first) with weights, the rules, and the weight of ungraded edges."""

    names: tuple[str, ...]
    weights: Mapping[str, float]
    labels: Mapping[str, str]
    rules: tuple[Rule, ...]
    ungraded_weight: float

    def rank(self, grade: str) -> int:
        """Position of a grade on the ladder (0 = best); :class:`GradeError` for an unknown name."""
        if grade not in self.weights:
            raise GradeError(f"unknown grade '{grade}' (grades: {', '.join(self.names)})")
        return self.names.index(grade)


@functools.cache
def grade_table() -> GradeTable:
    """The shipped ``queries/grades.yaml``, checked (errors name the field)."""
    return parse_grade_table(packaged_yaml("tmekg.queries", "grades.yaml"), "queries/grades.yaml")


def parse_grade_table(data: Mapping[str, Any], where: str = "grades") -> GradeTable:
    """Check and read a grade table mapping (the layout of ``queries/grades.yaml``)."""
    grades = data.get("grades")
    if not isinstance(grades, Mapping) or not grades:
        raise GradeError(f"{where}: grades: a non-empty mapping of grade name -> weight is required")
    weights = {}
    for name, spec in grades.items():
        weight = spec.get("weight") if isinstance(spec, Mapping) else None
        if not isinstance(weight, (int, float)) or not 0 < weight <= 1:
            raise GradeError(f"{where}: grades.{name}.weight: a number in (0, 1] is required")
        weights[str(name)] = float(weight)
    rules = tuple(_rule(r, f"{where}: rules[{i}]", weights) for i, r in enumerate(data.get("rules") or []))
    return GradeTable(
        names=tuple(weights),
        weights=weights,
        labels={str(n): str(s.get("label", "")) for n, s in grades.items()},
        rules=rules,
        ungraded_weight=float(data.get("ungraded_weight", 1.0)),
    )


def _rule(raw: Any, where: str, weights: Mapping[str, float]) -> Rule:
    if (
        not isinstance(raw, Mapping)
        or raw.get("grade") not in weights
        or not isinstance(raw.get("when"), Mapping)
    ):
        raise GradeError(f"{where}: needs a known grade and a 'when' mapping")
    when = {}
    for name, values in raw["when"].items():
        if name not in FIELDS:
            raise GradeError(f"{where}.when.{name}: unknown field (fields: {', '.join(FIELDS)})")
        values = tuple(str(v) for v in (values if isinstance(values, list) else [values]))
        bad = [v for v in values if name in VALUES and v not in VALUES[name]]
        if bad:
            raise GradeError(f"{where}.when.{name}: unknown value '{bad[0]}' ({', '.join(VALUES[name])})")
        when[name] = values
    return Rule(str(raw["grade"]), when)


@functools.cache
def source_defaults() -> dict[str, dict[str, Any]]:
    """Per-source default grade fields (``loaders/source_grades.yaml``), checked."""
    data = packaged_yaml("tmekg.loaders", "source_grades.yaml") or {}
    out = {}
    for source, spec in (data.get("sources") or {}).items():
        where = f"loaders/source_grades.yaml: sources.{source}"
        if not isinstance(spec, Mapping):
            raise GradeError(f"{where}: a mapping of grade fields is required")
        for name, value in spec.items():
            if name in VALUES and value not in VALUES[name]:
                raise GradeError(f"{where}.{name}: unknown value '{value}' ({', '.join(VALUES[name])})")
            if name not in (*FIELDS, "cited_class", "score_bands"):
                raise GradeError(f"{where}.{name}: unknown key")
        out[str(source)] = dict(spec)
    return out


def _defaults_for(source: str) -> dict[str, Any] | None:
    table = source_defaults()
    if source in table:
        return table[source]
    return next(
        (spec for name, spec in table.items() if name.endswith(":*") and source.startswith(name[:-1])), None
    )


# -- filling and grading -------------------------------------------------------------------------
@functools.lru_cache(maxsize=65536)
def fill_grades_provenance(prov: Provenance) -> Provenance:
    """The entry with its empty grade fields filled from its source's defaults (unchanged if none)."""
    spec = _defaults_for(prov.source)
    if spec is None:
        return prov
    values = {name: spec[name] for name in FIELDS if getattr(prov, name) is None and name in spec}
    if prov.evidence_class is None:
        derived = _derived_class(prov, spec)
        if derived:
            values["evidence_class"] = derived
    return replace(prov, **values) if values else prov


def _derived_class(prov: Provenance, spec: Mapping[str, Any]) -> str | None:
    """Evidence class from the score band or from a cited publication, when the source defines them."""
    if prov.score is not None and spec.get("score_bands"):
        for minimum, name in spec["score_bands"]:
            if prov.score >= float(minimum):
                return str(name)
    if prov.evidence and spec.get("cited_class"):
        return str(spec["cited_class"])
    return None


def fill_grades(edge: Edge) -> Edge:
    """The edge with every provenance entry's empty grade fields filled (:func:`fill_grades_provenance`)."""
    filled = tuple(fill_grades_provenance(p) for p in edge.provenance)
    if all(a is b for a, b in zip(filled, edge.provenance, strict=True)):
        return edge
    return replace(edge, provenance=filled)


def grade_of(prov: Provenance, table: GradeTable | None = None) -> str | None:
    """Grade of one provenance entry (first matching rule), ``None`` when no rule matches."""
    table = table or grade_table()
    return next((rule.grade for rule in table.rules if rule.matches(prov)), None)


def edge_grade(edge: Edge | Iterable[Provenance], table: GradeTable | None = None) -> str | None:
    """Best grade over an edge's provenance entries (or over the given entries)."""
    table = table or grade_table()
    provenance = edge.provenance if isinstance(edge, Edge) else edge
    found = [g for g in (grade_of(p, table) for p in provenance) if g is not None]
    return min(found, key=table.rank) if found else None


def grade_text(grade: str | None) -> str:
    """A grade with its label, e.g. ``C (reference database, or in vivo model)``; ``-`` if ungraded."""
    if grade is None:
        return "-"
    label = grade_table().labels.get(grade, "")
    return f"{grade} ({label})" if label else grade


# -- the store -------------------------------------------------------------------------------------
def grade_files(edges: Sequence[Edge]) -> dict[str, bytes]:
    """``edge_grade.npy`` (int8 per edge row: ladder position, -1 ungraded) and ``edge_grade.json``
    (the ladder names the codes point into), for :func:`tmekg.store.write_store`'s ``files``."""
    import io

    import numpy as np

    table = grade_table()
    codes = np.full(len(edges), UNGRADED, dtype=np.int8)
    for i, edge in enumerate(edges):
        grade = edge_grade(edge, table)
        if grade is not None:
            codes[i] = table.rank(grade)
    buffer = io.BytesIO()
    np.save(buffer, codes, allow_pickle=False)
    names = json.dumps({"grades": list(table.names)}, separators=(",", ":")) + "\n"
    return {GRADE_FILE: buffer.getvalue(), GRADE_NAMES_FILE: names.encode()}


def edge_grade_codes(kg: Any) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """(int8 code per edge row, ladder names) of a store's graph; ``None`` for a store without grades.

    Cached on the graph.
    """
    cache = kg.__dict__
    if "_edge_grades" not in cache:
        cache["_edge_grades"] = _read_codes(getattr(kg, "path", None), kg.edge_count)
    return cache["_edge_grades"]


def _read_codes(snapshot: Path | None, count: int) -> tuple[np.ndarray, tuple[str, ...]] | None:

    from tmekg.store_check import array_from_bytes, parse_line, snapshot_file

    data = snapshot_file(Path(snapshot), GRADE_FILE) if snapshot is not None else None
    if data is None:
        return None
    codes = array_from_bytes(Path(snapshot) / GRADE_FILE, data)  # checksummed (tmekg.store_check)
    names_path = Path(snapshot) / GRADE_NAMES_FILE
    names_doc = parse_line(names_path, 1, snapshot_file(Path(snapshot), GRADE_NAMES_FILE) or b"{}")
    names = tuple(names_doc["grades"])
    if len(codes) != count:
        raise GradeError(f"{snapshot / GRADE_FILE}: {len(codes)} grades for {count} edges; rebuild the store")
    return codes, names


def grade_weight_array(kg: Any, weights: Mapping[str, float], ungraded: float) -> np.ndarray | None:
    """Per edge row, the weight of its grade (``None`` when the store holds no grades)."""
    import numpy as np

    found = edge_grade_codes(kg)
    if found is None:
        return None
    codes, names = found
    missing = [n for n in names if n not in weights]
    if missing:
        raise GradeError(f"the store grades edges '{missing[0]}', which the grade weights do not name")
    lookup = np.array([*(weights[n] for n in names), ungraded], dtype=np.float64)
    return lookup[np.where(codes < 0, len(names), codes)]


def min_grade_mask(kg: Any, min_grade: str | None) -> np.ndarray | None:
    """Edges graded ``min_grade`` or better (ungraded edges are left out); ``None`` without a minimum."""
    if not min_grade:
        return None
    table = grade_table()
    wanted = table.rank(min_grade)
    found = edge_grade_codes(kg)
    if found is None:
        raise GradeError(
            "this store holds no edge grades (built before grading): rebuild it to use --min-grade"
        )
    codes, names = found
    keep = [i for i, n in enumerate(names) if n in table.weights and table.rank(n) <= wanted]
    import numpy as np

    return np.isin(codes, keep)


def grade_labels(kg: Any) -> list[str | None]:
    """Grade name per edge row (``None`` ungraded), for reports and tests."""
    found = edge_grade_codes(kg)
    if found is None:
        return [None] * kg.edge_count
    codes, names = found
    return [names[c] if c >= 0 else None for c in codes.tolist()]
