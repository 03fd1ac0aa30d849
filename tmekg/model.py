"""Typed, immutable graph records: what loaders yield and the builder merges.

Records are frozen dataclasses. Free-form properties are stored as a sorted tuple of
``(key, value)`` pairs (values are str, int, float, bool or tuples of str) so that records stay
hashable and comparable; :func:`props` builds that tuple from a mapping.

Examples
--------
>>> p = Provenance(source="tmekg-curated", version="1", evidence=("PMID:1",))
>>> e = Edge("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335", (p,))
>>> e.key()
('HGNC.SYMBOL:NT5E', 'produces', 'CHEBI:16335', ())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Scalar = str | int | float | bool
Value = Scalar | tuple[str, ...]
Props = tuple[tuple[str, Value], ...]
EdgeKey = tuple[str, str, str, Props]


def props(mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> Props:
    """Return a canonical, hashable property tuple, dropping ``None`` and empty values.

    >>> props({"b": 1, "a": ["x", "y"], "c": None})
    (('a', ('x', 'y')), ('b', 1))
    """
    merged = {**(mapping or {}), **kwargs}
    out = []
    for key, value in merged.items():
        if value is None or value == "" or value == () or value == []:
            continue
        if isinstance(value, (list, set, frozenset, tuple)):
            value = tuple(str(v) for v in value)
        out.append((key, value))
    return tuple(sorted(out))


#: Optional provenance fields :meth:`Provenance.to_dict` writes when set.
_OPTIONAL_FIELDS = (
    "evidence",
    "score",
    "context",
    "record",
    "study",
    "species",
    "system",
    "tumour",
    "evidence_class",
    "quote",
)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a fact comes from.

    Attributes
    ----------
    source
        Source name, e.g. ``tmekg-curated``, ``human-gem``.
    version
        Source release or version string.
    evidence
        Publication CURIEs (``PMID:``, ``DOI:``) supporting the fact.
    score
        Optional confidence or statistic, larger = stronger.
    context
        Context node ids where the fact holds; empty = context-free.
    status
        ``verified`` or ``unverified`` (a curated fact whose citation could not be checked).
    record
        Locator of the source row (``file:line``) so users can trace a fact back.
    study
        Study node id the fact was derived from, if any.
    species, system, tumour
        Evidence grade: ``human``/``mouse``/``other``/``none``; ``clinical``/``in_vivo``/``ex_vivo``/
        ``in_vitro``/``computational``/``database``; ``PDAC``/``other_cancer``/``none``.
    evidence_class
        For database edges, the source's own evidence class (GO evidence code, score band ...).
    quote
        Verbatim sentence of the cited source that states the fact.
    """

    source: str
    version: str
    evidence: tuple[str, ...] = ()
    score: float | None = None
    context: tuple[str, ...] = ()
    status: str = "verified"
    record: str | None = None
    study: str | None = None
    species: str | None = None
    system: str | None = None
    tumour: str | None = None
    evidence_class: str | None = None
    quote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form with empty fields left out (used by the store and sinks)."""
        out: dict[str, Any] = {"source": self.source, "version": self.version}
        for name in _OPTIONAL_FIELDS:
            value = getattr(self, name)
            if value not in (None, ()):
                out[name] = list(value) if isinstance(value, tuple) else value
        if self.status != "verified":
            out["status"] = self.status
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        """Inverse of :meth:`to_dict`."""
        return cls(
            source=data["source"],
            version=data["version"],
            evidence=tuple(data.get("evidence", ())),
            score=data.get("score"),
            context=tuple(data.get("context", ())),
            status=data.get("status", "verified"),
            record=data.get("record"),
            study=data.get("study"),
            species=data.get("species"),
            system=data.get("system"),
            tumour=data.get("tumour"),
            evidence_class=data.get("evidence_class"),
            quote=data.get("quote"),
        )


@dataclass(frozen=True, slots=True)
class Node:
    """A graph node with a CURIE id and a schema category."""

    id: str
    category: str
    name: str
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    properties: Props = ()
    provenance: tuple[Provenance, ...] = ()

    def prop(self, key: str, default: Any = None) -> Any:
        """Return one property value."""
        return dict(self.properties).get(key, default)


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed, typed edge; ``provenance`` is never empty once built."""

    subject: str
    predicate: str
    object: str
    provenance: tuple[Provenance, ...] = ()
    properties: Props = ()

    def key(self, identity: Iterable[str] = ()) -> EdgeKey:
        """Merge key: endpoints, predicate and the values of the given identity properties."""
        values = dict(self.properties)
        ident = tuple((k, values[k]) for k in identity if k in values)
        return (self.subject, self.predicate, self.object, ident)

    def prop(self, key: str, default: Any = None) -> Any:
        """Return one property value."""
        return dict(self.properties).get(key, default)


def evidence_of(provenance: Iterable[Provenance]) -> tuple[str, ...]:
    """All distinct evidence CURIEs across provenance entries, sorted."""
    return tuple(sorted({e for p in provenance for e in p.evidence}))


@dataclass
class LoadReport:
    """Counts of what a loader read, and of what it could not use (with a few examples per reason).

    Loaders call :meth:`skip` instead of silently dropping a row, so users see coverage at a glance.

    >>> r = LoadReport("demo")
    >>> r.skip("unknown HMDB id", "HMDB9999999 (row 7)")
    >>> r.skipped["unknown HMDB id"]
    1
    """

    source: str
    rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    max_examples: int = 5

    def skip(self, reason: str, example: str) -> None:
        """Count one unusable input row under ``reason``, keeping a few examples."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < self.max_examples:
            shown.append(example)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for reports."""
        return {
            "rows": self.rows,
            "skipped": dict(sorted(self.skipped.items())),
            "examples": {k: self.examples[k] for k in sorted(self.examples)},
        }
