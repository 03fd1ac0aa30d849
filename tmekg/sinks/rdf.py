"""RDF export (N-Triples, Turtle, JSON-LD), streamed from the store, and SPARQL over it.

Nodes become resources whose IRIs are expanded from their CURIEs by the schema prefix map through
``curies`` (:func:`tmekg.ids.converter`; OBO PURLs for CHEBI, CL, MONDO, UBERON, GO), typed with their
Biolink class, with ``rdfs:label``, ``skos:altLabel`` synonyms, ``biolink:xref`` cross-references,
``biolink:id`` (the CURIE), ``tmekg:category`` and the node properties as ``tmekg:`` literals.

Each edge is one direct triple with its Biolink predicate, plus a reified ``rdf:Statement`` (IRI: the
edge's stable ``urn:uuid``, as in KGX) carrying ``rdf:subject`` / ``rdf:predicate`` / ``rdf:object``,
the Biolink qualifiers, ``biolink:primary_knowledge_source``, ``biolink:knowledge_level``,
``biolink:agent_type``, ``biolink:publications`` (PubMed / DOI IRIs), and tmekg-local
``tmekg:predicate``, ``tmekg:sign``, ``tmekg:context``, ``tmekg:source``, ``tmekg:status``,
``tmekg:score`` and the edge properties. Standard reification rather than RDF-star: every SPARQL 1.1
engine and serialisation reads it, and rdflib does not yet parse RDF-star. Several tmekg predicates
share one Biolink predicate (produces / degrades / transports are all ``biolink:affects``), so
``tmekg:predicate`` is what tells them apart.

The triples are made once, in :mod:`tmekg.sinks.rdf_stream`, as subject blocks of plain terms; every
file format is streamed from them (never a whole graph in memory), and :func:`to_graph` turns the same
blocks into an rdflib graph for notebooks and small stores. SPARQL runs in :mod:`tmekg.sparql`.

Examples
--------
>>> export_rdf("tmekg.ttl")                                             # doctest: +SKIP
>>> run_sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", rdf="tmekg.ttl")  # doctest: +SKIP
(['n'], [{'n': 10313}])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.sinks.rdf_stream import (
    BIOLINK,
    INFORES_IRI,
    NAMESPACES,
    TMEKG_VOCAB,
    Block,
    Lit,
    RdfError,
    Term,
    Terms,
    blocks,
    write_file,
)

if TYPE_CHECKING:
    import rdflib

    from tmekg.graph import KnowledgeGraph

__all__ = ["BIOLINK", "INFORES_IRI", "TMEKG_VOCAB", "RdfError", "RdfResult", "export_rdf", "run_sparql"]
FORMATS = {"turtle": "turtle", "ttl": "turtle", "json-ld": "json-ld", "jsonld": "json-ld", "nt": "nt"}
_SUFFIX = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt"}


@dataclass(frozen=True)
class RdfResult:
    """What was written."""

    path: Path
    format: str
    nodes: int
    edges: int
    triples: int

    def summary(self) -> str:
        """One line for the CLI."""
        counts = f"{self.nodes} nodes, {self.edges} edges, {self.triples} triples"
        return f"wrote {self.path} ({self.format}): {counts}"


def namespaces() -> dict[str, str]:
    """Prefixes bound in exports and pre-declared in SPARQL queries."""
    return dict(NAMESPACES)


def iri(curie: str) -> rdflib.URIRef:
    """The IRI of a CURIE by the schema prefix map (``infores:`` and ``biolink:`` included).

    >>> str(iri("CHEBI:16335"))
    'http://purl.obolibrary.org/obo/CHEBI_16335'
    """
    from rdflib import URIRef

    return URIRef(Terms().iri(curie))


def rdflib_term(term: Term) -> Any:
    """An rdflib ``URIRef`` / ``Literal`` for a streamed term."""
    from rdflib import Literal, URIRef

    if isinstance(term, Lit):
        return Literal(term.lex, datatype=URIRef(term.datatype) if term.datatype else None)
    return URIRef(term)


def block_triples(block: Block) -> Iterator[tuple[Any, Any, Any]]:
    """The rdflib triples of one block."""
    from rdflib import URIRef

    subject = URIRef(block[0])
    for predicate, obj in block[1]:
        yield subject, URIRef(predicate), rdflib_term(obj)


def triples(kg: KnowledgeGraph) -> Iterator[tuple[Any, Any, Any]]:
    """Every triple of the export as rdflib terms, each once: nodes first, then edges."""
    for block in blocks(kg):
        yield from block_triples(block)


def to_graph(kg: KnowledgeGraph) -> rdflib.Graph:
    """An in-memory rdflib graph of the whole export (small stores; the full one needs ~3 GB)."""
    import rdflib

    graph = rdflib.Graph()
    for prefix, base in namespaces().items():
        graph.bind(prefix, base)
    for triple in triples(kg):
        graph.add(triple)
    return graph


def export_rdf(out: str | Path, fmt: str = "turtle", store: str | Path | None = None) -> RdfResult:
    """``tmekg export rdf``: stream the store as N-Triples, Turtle or JSON-LD into ``out`` (atomically)."""
    from tmekg.graph import KnowledgeGraph

    rdf_format = _format(fmt)
    path = Path(out)
    with KnowledgeGraph.open(store) as kg:
        count = write_file(path, rdf_format, blocks(kg))
        return RdfResult(path, rdf_format, len(kg), kg.edge_count, count)


def _format(fmt: str) -> str:
    try:
        return FORMATS[fmt.lower()]
    except KeyError:
        raise RdfError(f"unknown RDF format '{fmt}' (use turtle, json-ld or nt)") from None


def rdf_format_of(path: str | Path, fmt: str | None = None) -> str:
    """The RDF format named by ``fmt`` or, without it, by the file suffix (default Turtle)."""
    return _format(fmt) if fmt else _SUFFIX.get(Path(path).suffix.lower(), "turtle")


def load_rdf(path: str | Path, fmt: str | None = None) -> rdflib.Graph:
    """Parse an export with rdflib (format from ``fmt`` or the file suffix)."""
    import rdflib

    source = Path(path)
    if not source.exists():
        raise RdfError(f"no RDF file at {source}")
    rdf_format = rdf_format_of(source, fmt)
    graph = rdflib.Graph()
    try:
        with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            graph.parse(str(source), format=rdf_format)
    except Exception as exc:  # rdflib raises many parser-specific types
        raise RdfError(f"cannot parse {source} as {rdf_format}: {exc}") from exc
    return graph


def run_sparql(
    query: str, rdf: str | Path | None = None, rdf_format: str | None = None, store: str | Path | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a SPARQL SELECT / ASK over an RDF file or the store (see :func:`tmekg.sparql.run_sparql`)."""
    from tmekg.sparql import run_sparql as run

    return run(query, rdf=rdf, rdf_format=rdf_format, store=store)
