"""RDF export (Turtle, JSON-LD, N-Triples) and SPARQL over an export or a store.

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
``tmekg:predicate`` is what tells them apart. N-Triples are streamed line by line; Turtle and
JSON-LD build an rdflib graph in memory first.

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
from urllib.parse import quote

from tmekg.errors import TmekgError
from tmekg.model import Edge, Node, evidence_of
from tmekg.schema import Schema, load_schema
from tmekg.sinks.kgx import edge_id, infores, knowledge_level

if TYPE_CHECKING:
    import rdflib

    from tmekg.graph import KnowledgeGraph

BIOLINK = "https://w3id.org/biolink/vocab/"
TMEKG_VOCAB = "https://w3id.org/tmekg/vocab#"
INFORES_IRI = "https://w3id.org/information-resource-registry/"  # bioregistry's infores URI prefix
FORMATS = {"turtle": "turtle", "ttl": "turtle", "json-ld": "json-ld", "jsonld": "json-ld", "nt": "nt"}
_SUFFIX = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt"}
_IRI_SAFE = ":/?#[]@!$&'()*+,;=%~.-_"


class RdfError(TmekgError):
    """An RDF export, parse or SPARQL query failed."""


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
    return {
        "biolink": BIOLINK,
        "tmekg": TMEKG_VOCAB,
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "obo": "http://purl.obolibrary.org/obo/",
        "infores": INFORES_IRI,
    }


def iri(curie: str) -> rdflib.URIRef:
    """The IRI of a CURIE by the schema prefix map (``infores:`` and ``biolink:`` included).

    >>> str(iri("CHEBI:16335"))
    'http://purl.obolibrary.org/obo/CHEBI_16335'
    """
    from rdflib import URIRef

    from tmekg.ids import converter

    prefix, _, local = curie.partition(":")
    extra = {"infores": INFORES_IRI, "biolink": BIOLINK}
    expanded = extra[prefix] + local if prefix in extra else converter().expand(curie)
    if expanded is None:
        raise RdfError(
            f"cannot expand '{curie}' to an IRI: prefix '{prefix}' is not in the schema prefix map"
        )
    return URIRef(quote(expanded, safe=_IRI_SAFE))


def node_triples(node: Node, schema: Schema) -> Iterator[tuple[Any, Any, Any]]:
    """Triples describing one node."""
    from rdflib import Literal
    from rdflib.namespace import RDF, RDFS, SKOS

    me, bl, tk = iri(node.id), _ns(BIOLINK), _ns(TMEKG_VOCAB)
    yield me, RDF.type, iri(schema.category(node.category).biolink)
    yield me, RDFS.label, Literal(node.name)
    yield me, bl["id"], Literal(node.id)
    yield me, tk["category"], Literal(node.category)
    for synonym in node.synonyms:
        yield me, SKOS.altLabel, Literal(synonym)
    for xref in node.xrefs:
        yield me, bl["xref"], _iri_or_literal(xref)
    for source in dict.fromkeys(p.source for p in node.provenance):
        yield me, bl["provided_by"], iri(infores(source))
    yield from _properties(me, node.properties)


def edge_triples(edge: Edge, schema: Schema) -> Iterator[tuple[Any, Any, Any]]:
    """The direct triple of an edge and its reified statement with provenance."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF

    predicate = schema.predicate(edge.predicate)
    subject, obj, verb = iri(edge.subject), iri(edge.object), iri(predicate.biolink)
    bl, tk = _ns(BIOLINK), _ns(TMEKG_VOCAB)
    yield subject, verb, obj
    st = URIRef(edge_id(edge, schema))
    yield from ((st, RDF.type, RDF.Statement), (st, RDF.subject, subject))
    yield from ((st, RDF.predicate, verb), (st, RDF.object, obj))
    yield st, tk["predicate"], Literal(edge.predicate)
    yield st, tk["sign"], Literal(schema.edge_sign(edge))
    for key, value in predicate.biolink_qualifiers.items():
        yield st, bl[key], Literal(value)
    level, agent = knowledge_level(edge)
    yield from ((st, bl["knowledge_level"], Literal(level)), (st, bl["agent_type"], Literal(agent)))
    sources = list(dict.fromkeys(p.source for p in edge.provenance))
    yield st, bl["primary_knowledge_source"], iri(infores(sources[0]))
    for source in sources:
        yield st, tk["source"], iri(infores(source))
    for item in evidence_of(edge.provenance):
        yield st, bl["publications"], _iri_or_literal(item)
    for status in sorted({p.status for p in edge.provenance}):
        yield st, tk["status"], Literal(status)
    for context in sorted({c for p in edge.provenance for c in p.context}):
        yield st, tk["context"], iri(context)
    scores = [p.score for p in edge.provenance if p.score is not None]
    if scores:
        yield st, tk["score"], Literal(max(scores))
    yield from _properties(st, edge.properties)


def _properties(resource: Any, properties: tuple[tuple[str, Any], ...]) -> Iterator[tuple[Any, Any, Any]]:
    from rdflib import Literal

    tk = _ns(TMEKG_VOCAB)
    for key, value in properties:
        for item in value if isinstance(value, tuple) else (value,):
            yield resource, tk[key], Literal(item)


def _iri_or_literal(curie: str) -> Any:
    from rdflib import Literal

    try:
        return iri(curie)
    except RdfError:
        return Literal(curie)


def _ns(base: str) -> Any:
    from rdflib import Namespace

    return Namespace(base)


def triples(kg: KnowledgeGraph) -> Iterator[tuple[Any, Any, Any]]:
    """Every triple of the export, each once: nodes first, then edges."""
    schema = load_schema()
    for node in kg.nodes:
        yield from node_triples(node, schema)
    seen: set[tuple[str, str, str]] = set()  # one direct triple for parallel edges of one Biolink predicate
    for edge in kg.edges():
        direct, *reified = edge_triples(edge, schema)
        key = (str(direct[0]), str(direct[1]), str(direct[2]))
        if key not in seen:
            seen.add(key)
            yield direct
        yield from reified


def to_graph(kg: KnowledgeGraph) -> rdflib.Graph:
    """An in-memory rdflib graph of the whole export."""
    import rdflib

    graph = rdflib.Graph()
    for prefix, base in namespaces().items():
        graph.bind(prefix, base)
    for triple in triples(kg):
        graph.add(triple)
    return graph


def export_rdf(out: str | Path, fmt: str = "turtle", store: str | Path | None = None) -> RdfResult:
    """``tmekg export rdf``: write the store as Turtle, JSON-LD or N-Triples."""
    from tmekg.graph import KnowledgeGraph

    rdf_format = _format(fmt)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with KnowledgeGraph.open(store) as kg:
        if rdf_format == "nt":
            count = _write_nt(kg, path)
        else:
            graph = to_graph(kg)
            graph.serialize(destination=str(path), format=rdf_format, encoding="utf-8")
            count = len(graph)
        return RdfResult(path, rdf_format, len(kg), kg.edge_count, count)


def _write_nt(kg: KnowledgeGraph, path: Path) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for s, p, o in triples(kg):
            handle.write(f"{s.n3()} {p.n3()} {o.n3()} .\n")
            count += 1
    return count


def _format(fmt: str) -> str:
    try:
        return FORMATS[fmt.lower()]
    except KeyError:
        raise RdfError(f"unknown RDF format '{fmt}' (use turtle, json-ld or nt)") from None


def load_rdf(path: str | Path, fmt: str | None = None) -> rdflib.Graph:
    """Parse an export (format from ``fmt`` or the file suffix)."""
    import rdflib

    source = Path(path)
    if not source.exists():
        raise RdfError(f"no RDF file at {source}")
    rdf_format = _format(fmt) if fmt else _SUFFIX.get(source.suffix.lower(), "turtle")
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
    """Run a SPARQL SELECT / ASK over an RDF file, or over a store converted in memory.

    The prefixes of :func:`namespaces` are pre-declared. Returns the column names and one dict per
    row, values as strings (IRIs of known prefixes shortened to CURIEs).
    """
    from tmekg.graph import KnowledgeGraph

    if rdf is not None:
        graph = load_rdf(rdf, rdf_format)
    else:
        with KnowledgeGraph.open(store) as kg:
            graph = to_graph(kg)
    try:
        result = graph.query(query, initNs=namespaces())
    except Exception as exc:  # pyparsing / rdflib errors for malformed queries
        raise RdfError(f"SPARQL query failed: {' '.join(str(exc).split())}") from exc
    if result.type == "ASK":
        return ["ask"], [{"ask": bool(result.askAnswer)}]
    if result.type != "SELECT":
        raise RdfError(f"only SELECT and ASK queries print a table (got {result.type})")
    columns = [str(v) for v in result.vars]
    rows = [{c: _show(row[c]) for c in columns} for row in result]
    return columns, rows


def _show(term: Any) -> Any:
    from rdflib import Literal, URIRef

    if term is None:
        return None
    if isinstance(term, Literal):
        return term.toPython() if not isinstance(term.toPython(), Literal) else str(term)
    if isinstance(term, URIRef):
        return _curie(str(term))
    return str(term)


def _curie(text: str) -> str:
    from tmekg.ids import converter

    compressed = converter().compress(text)
    if compressed:
        return compressed
    for prefix, base in namespaces().items():
        if text.startswith(base):
            return f"{prefix}:{text[len(base) :]}"
    return text
