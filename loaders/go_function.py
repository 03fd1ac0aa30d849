"""GO molecular-function classes of genes (receptor, channel, transporter, ...), read from the GAF's aspect F.

Part of the ``gene-ontology`` source: :func:`tmekg.loaders.gene_ontology.load` passes its one pass over the
GAF through a :class:`FunctionTap`, which keeps each gene's molecular-function (aspect ``F``) annotations
on the side and yields ``Gene`` nodes with the property ``function_class`` (values in
``schema/tmekg.yaml``). The classes and their GO root terms are data (``loaders/go_function_classes.yaml``):
a gene gets a class when one of its annotations is the class's term or an ``is_a`` / ``part_of``
descendant of it, ``other`` when it has usable annotations but none below a class term, and no property
(unknown) when it has none. ``NOT`` rows and rows with an excluded evidence code (``ND``) are not used.
The crosstalk receiver rule reads the property (``docs/crosstalk.md``, "Receiver location").

Examples
--------
>>> spec = function_spec()
>>> sorted(spec.classes)[:2], spec.other
(['cargo_receptor', 'channel'], 'other')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from tmekg.errors import LoaderError
from tmekg.loaders.gene_ontology import (
    _SYMBOL,
    GENE_CATEGORY,
    GENE_DB,
    HIERARCHY,
    HUMAN,
    SOURCE,
    Annotation,
    Ontology,
    _descendants,
)
from tmekg.model import LoadReport, Node, Provenance, props

CONFIG = "go_function_classes.yaml"
PROPERTY = "function_class"
FUNCTION = "F"


@dataclass(frozen=True)
class FunctionSpec:
    """Class name -> GO root terms, the name of the "annotated, no class" value and excluded codes."""

    classes: Mapping[str, tuple[str, ...]]
    other: str
    excluded_evidence: frozenset[str]


@cache
def function_spec() -> FunctionSpec:
    """The shipped class table, checked against the schema's ``function_class`` values.

    Raises
    ------
    LoaderError
        When a class name is not a value of the Gene property ``function_class`` in the schema.
    """
    from tmekg.io import packaged_yaml
    from tmekg.schema import load_schema

    raw = packaged_yaml("tmekg.loaders", CONFIG)
    spec = FunctionSpec(
        {name: tuple(terms) for name, terms in raw["classes"].items()},
        str(raw["other"]),
        frozenset(raw.get("excluded_evidence", ())),
    )
    allowed = set(load_schema().categories[GENE_CATEGORY].properties[PROPERTY].values)
    unknown = sorted({*spec.classes, spec.other} - allowed)
    if unknown:
        raise LoaderError(
            f"classes {unknown} are not values of Gene.{PROPERTY} in schema/tmekg.yaml", path=CONFIG
        )
    return spec


def term_classes(ontology: Ontology, spec: FunctionSpec) -> dict[str, frozenset[str]]:
    """Every GO term at or below a class's root terms (``is_a`` / ``part_of``) -> its classes."""
    down = ontology.children(HIERARCHY)
    memo: dict[str, frozenset[str]] = {}
    out: dict[str, set[str]] = defaultdict(set)
    for name, roots in spec.classes.items():
        starts = [t for t in (ontology.primary(r) for r in roots) if t]
        for term in _descendants(starts, down, memo):
            out[term].add(name)
    return {term: frozenset(names) for term, names in out.items()}


@dataclass
class _FunctionGene:
    classes: set[str] = field(default_factory=set)
    xrefs: set[str] = field(default_factory=set)


class FunctionTap:
    """Pass GAF rows through unchanged, keeping each gene's molecular-function classes on the side.

    >>> tap = FunctionTap(Ontology("x.obo", "", {}, {}), function_spec(), LoadReport("gene-ontology"))
    >>> list(tap([]))
    []
    """

    def __init__(self, ontology: Ontology, spec: FunctionSpec, report: LoadReport) -> None:
        self.ontology, self.spec, self.report = ontology, spec, report
        self.closure = term_classes(ontology, spec)
        self.genes: dict[str, _FunctionGene] = {}

    def __call__(self, rows: Iterable[Annotation]) -> Iterator[Annotation]:
        for row in rows:
            if row.aspect == FUNCTION:
                self._see(row)
            yield row

    def _see(self, row: Annotation) -> None:
        if (
            row.negated
            or row.db not in GENE_DB
            or row.taxon != HUMAN
            or row.evidence in self.spec.excluded_evidence
            or not _SYMBOL.match(row.symbol)
        ):
            return
        term = self.ontology.primary(row.go)
        if term is None or self.ontology.terms[term].obsolete:
            return
        gene = self.genes.setdefault(row.symbol, _FunctionGene())
        gene.classes |= self.closure.get(term, frozenset())
        gene.xrefs.add(f"{GENE_DB[row.db]}:{row.object_id}")

    def records(self, version: str, record: str) -> Iterator[Node]:
        """One ``Gene`` node per gene with usable molecular-function annotations, ``function_class`` set."""
        prov = (Provenance(SOURCE, version, record=record),)
        for symbol in sorted(self.genes):
            gene = self.genes[symbol]
            yield Node(
                f"HGNC.SYMBOL:{symbol}",
                GENE_CATEGORY,
                symbol,
                xrefs=tuple(sorted(gene.xrefs)),
                properties=props(**{PROPERTY: sorted(gene.classes) or [self.spec.other]}),
                provenance=prov,
            )
