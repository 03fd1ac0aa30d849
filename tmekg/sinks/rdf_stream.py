"""Streaming RDF writers: N-Triples, Turtle and JSON-LD of a whole store without an in-memory graph.

The export is produced as a sequence of *blocks*, one subject and its predicate-object pairs: one per
node, one per reified edge statement and one per direct edge triple. Terms are plain Python values, not
rdflib objects: an IRI is a ``str`` (already expanded and percent-quoted like :func:`tmekg.sinks.rdf.iri`)
and a literal is a :class:`Lit` (lexical form and datatype IRI, ``""`` for a plain string). Lexical
forms follow rdflib's (``repr`` of a float, ``true``/``false``), so a streamed export parsed back is
isomorphic to :func:`tmekg.sinks.rdf.to_graph` of the same store (tested), and SPARQL written against
either finds the same answers.

Memory is bounded by one block plus two look-up tables: the CURIE -> IRI cache and the set of direct
triples already written (parallel edges whose tmekg predicates share one Biolink predicate share one
direct triple). Files are written to a temporary name beside the target and renamed when complete.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from tmekg.errors import TmekgError
from tmekg.model import Edge, Node, evidence_of
from tmekg.schema import Schema, load_schema
from tmekg.sinks.kgx import edge_id, infores, knowledge_level

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph

BIOLINK = "https://w3id.org/biolink/vocab/"
TMEKG_VOCAB = "https://w3id.org/tmekg/vocab#"
INFORES_IRI = "https://w3id.org/information-resource-registry/"  # bioregistry's infores URI prefix
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
NAMESPACES = {
    "biolink": BIOLINK,
    "tmekg": TMEKG_VOCAB,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "xsd": XSD,
    "obo": "http://purl.obolibrary.org/obo/",
    "infores": INFORES_IRI,
}
IRI_SAFE = ":/?#[]@!$&'()*+,;=%~.-_"
STREAM_FORMATS = ("nt", "turtle", "json-ld")
_TYPE = RDF + "type"
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # a Turtle local name we may write unescaped
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r]')


class Lit(NamedTuple):
    """An RDF literal: lexical form and datatype IRI (``""``: a plain string)."""

    lex: str
    datatype: str = ""


Term = str | Lit
Block = tuple[str, list[tuple[str, Term]]]


class RdfError(TmekgError):
    """An RDF export, parse or SPARQL query failed."""


def literal(value: Any) -> Lit:
    """The literal rdflib's ``Literal(value)`` gives, as lexical form and datatype.

    >>> literal(True), literal(-1), literal(0.5)[0], literal("a")
    (Lit(lex='true', datatype='http://www.w3.org/2001/XMLSchema#boolean'), \
Lit(lex='-1', datatype='http://www.w3.org/2001/XMLSchema#integer'), '0.5', Lit(lex='a', datatype=''))
    """
    if isinstance(value, str):
        return Lit(value)
    if isinstance(value, bool):
        return Lit("true" if value else "false", XSD + "boolean")
    if isinstance(value, int):
        return Lit(str(value), XSD + "integer")
    if isinstance(value, float):
        if math.isnan(value):
            return Lit("NaN", XSD + "double")
        if math.isinf(value):
            return Lit("INF" if value > 0 else "-INF", XSD + "double")
        return Lit(repr(value), XSD + "double")
    raise RdfError(f"cannot write {type(value).__name__} value {value!r} as an RDF literal")


class Terms:
    """CURIE -> IRI expansion with a cache (one per export; the prefix map is the schema's)."""

    def __init__(self) -> None:
        from tmekg.ids import converter

        self._converter = converter()
        self._bases = {**self._converter.prefix_map, "infores": INFORES_IRI, "biolink": BIOLINK}
        self._cache: dict[str, str | None] = {}

    def iri(self, curie: str) -> str:
        """The IRI of a CURIE, or :class:`RdfError` when its prefix is unknown."""
        expanded = self.expand(curie)
        if expanded is None:
            prefix = curie.partition(":")[0]
            raise RdfError(
                f"cannot expand '{curie}' to an IRI: prefix '{prefix}' is not in the schema prefix map"
            )
        return expanded

    def iri_or_literal(self, curie: str) -> Term:
        """The IRI of a CURIE, or the CURIE as a plain literal when its prefix is unknown."""
        expanded = self.expand(curie)
        return Lit(curie) if expanded is None else expanded

    def expand(self, curie: str) -> str | None:
        """The IRI of a CURIE or ``None``."""
        try:
            return self._cache[curie]
        except KeyError:
            pass
        prefix, _, local = curie.partition(":")
        base = self._bases.get(prefix)
        expanded = base + local if base is not None else self._converter.expand(curie)
        result = None if expanded is None else quote(expanded, safe=IRI_SAFE)
        self._cache[curie] = result
        return result


def node_block(node: Node, schema: Schema, terms: Terms) -> Block:
    """The subject block of one node."""
    pairs: list[tuple[str, Term]] = [
        (_TYPE, terms.iri(schema.category(node.category).biolink)),
        (RDFS + "label", Lit(node.name)),
        (BIOLINK + "id", Lit(node.id)),
        (TMEKG_VOCAB + "category", Lit(node.category)),
    ]
    pairs += [(SKOS + "altLabel", Lit(s)) for s in node.synonyms]
    pairs += [(BIOLINK + "xref", terms.iri_or_literal(x)) for x in node.xrefs]
    sources = dict.fromkeys(p.source for p in node.provenance)
    pairs += [(BIOLINK + "provided_by", terms.iri(infores(s))) for s in sources]
    pairs += _properties(node.properties)
    return terms.iri(node.id), list(dict.fromkeys(pairs))


def statement_block(edge: Edge, schema: Schema, terms: Terms) -> tuple[tuple[str, str, str], Block]:
    """The direct triple of an edge and the block of its reified statement with provenance."""
    predicate = schema.predicate(edge.predicate)
    subject, obj, verb = terms.iri(edge.subject), terms.iri(edge.object), terms.iri(predicate.biolink)
    level, agent = knowledge_level(edge)
    sources = list(dict.fromkeys(p.source for p in edge.provenance))
    pairs: list[tuple[str, Term]] = [
        (_TYPE, RDF + "Statement"),
        (RDF + "subject", subject),
        (RDF + "predicate", verb),
        (RDF + "object", obj),
        (TMEKG_VOCAB + "predicate", Lit(edge.predicate)),
        (TMEKG_VOCAB + "sign", literal(schema.edge_sign(edge))),
    ]
    pairs += [(BIOLINK + k, literal(v)) for k, v in predicate.biolink_qualifiers.items()]
    pairs += [(BIOLINK + "knowledge_level", Lit(level)), (BIOLINK + "agent_type", Lit(agent))]
    pairs.append((BIOLINK + "primary_knowledge_source", terms.iri(infores(sources[0]))))
    pairs += [(TMEKG_VOCAB + "source", terms.iri(infores(s))) for s in sources]
    pairs += [(BIOLINK + "publications", terms.iri_or_literal(e)) for e in evidence_of(edge.provenance)]
    pairs += [(TMEKG_VOCAB + "status", Lit(s)) for s in sorted({p.status for p in edge.provenance})]
    contexts = sorted({c for p in edge.provenance for c in p.context})
    pairs += [(TMEKG_VOCAB + "context", terms.iri(c)) for c in contexts]
    scores = [p.score for p in edge.provenance if p.score is not None]
    if scores:
        pairs.append((TMEKG_VOCAB + "score", literal(max(scores))))
    pairs += _properties(edge.properties)
    return (subject, verb, obj), (edge_id(edge, schema), list(dict.fromkeys(pairs)))


def _properties(properties: tuple[tuple[str, Any], ...]) -> list[tuple[str, Term]]:
    return [
        (TMEKG_VOCAB + key, literal(item))
        for key, value in properties
        for item in (value if isinstance(value, tuple) else (value,))
    ]


def blocks(kg: KnowledgeGraph, max_edges: int | None = None) -> Iterator[Block]:
    """Every block of the export: nodes first, then per edge its direct triple (once) and statement.

    ``max_edges`` keeps only the first edges (benchmarks on a subset); ``None``: all.
    """
    schema, terms = load_schema(), Terms()
    for node in kg.nodes:
        yield node_block(node, schema, terms)
    seen: set[tuple[str, str, str]] = set()
    for edge in itertools.islice(kg.edges(), max_edges):
        direct, statement = statement_block(edge, schema, terms)
        if direct not in seen:
            seen.add(direct)
            yield direct[0], [(direct[1], direct[2])]
        yield statement


# -- serialisers --------------------------------------------------------------------------------
def _escape(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


def nt_term(term: Term) -> str:
    """A term in N-Triples syntax (also valid Turtle).

    >>> nt_term("http://x/a"), nt_term(Lit('say "hi"')), nt_term(literal(2))
    ('<http://x/a>', '"say \\\\"hi\\\\""', '"2"^^<http://www.w3.org/2001/XMLSchema#integer>')
    """
    if isinstance(term, str):
        return f"<{term}>"
    if term.datatype:
        return f'"{_escape(term.lex)}"^^<{term.datatype}>'
    return f'"{_escape(term.lex)}"'


def write_nt(stream: Iterator[Block], handle: IO[str]) -> int:
    """Write blocks as N-Triples; returns the number of triples."""
    count = 0
    for subject, pairs in stream:
        s = f"<{subject}> "
        handle.write("".join(f"{s}<{p}> {nt_term(o)} .\n" for p, o in pairs))
        count += len(pairs)
    return count


class _Turtle:
    """Prefixed names where the local part is a plain name, full IRIs elsewhere."""

    def __init__(self) -> None:
        self._bases = sorted(NAMESPACES.items(), key=lambda kv: -len(kv[1]))
        self._cache: dict[str, str] = {}

    def name(self, iri: str) -> str:
        cached = self._cache.get(iri)
        if cached is not None:
            return cached
        text = f"<{iri}>"
        for prefix, base in self._bases:
            if iri.startswith(base) and _LOCAL.fullmatch(iri[len(base) :]):
                text = f"{prefix}:{iri[len(base) :]}"
                break
        if len(self._cache) < 200_000:
            self._cache[iri] = text
        return text

    def term(self, term: Term) -> str:
        if isinstance(term, str):
            return self.name(term)
        if term.datatype:
            return f'"{_escape(term.lex)}"^^{self.name(term.datatype)}'
        return f'"{_escape(term.lex)}"'


def write_turtle(stream: Iterator[Block], handle: IO[str]) -> int:
    """Write blocks as Turtle, one subject per paragraph; returns the number of triples."""
    ttl = _Turtle()
    handle.write("".join(f"@prefix {p}: <{base}> .\n" for p, base in NAMESPACES.items()) + "\n")
    count = 0
    for subject, pairs in stream:
        lines = ";\n    ".join(f"{'a' if p == _TYPE else ttl.name(p)} {ttl.term(o)}" for p, o in pairs)
        handle.write(f"{ttl.name(subject)} {lines} .\n\n")
        count += len(pairs)
    return count


def _jsonld_value(term: Term) -> Any:
    if isinstance(term, str):
        return {"@id": term}
    if term.datatype:
        return {"@value": term.lex, "@type": term.datatype}
    return term.lex


def write_jsonld(stream: Iterator[Block], handle: IO[str]) -> int:
    """Write blocks as expanded JSON-LD (one object per block in ``@graph``); returns the triple count."""
    handle.write('{\n"@context": ' + json.dumps(NAMESPACES) + ',\n"@graph": [\n')
    count, first = 0, True
    for subject, pairs in stream:
        obj: dict[str, Any] = {"@id": subject}
        for p, o in pairs:
            if p == _TYPE and isinstance(o, str):
                obj.setdefault("@type", []).append(o)
            else:
                obj.setdefault(p, []).append(_jsonld_value(o))
        handle.write(("" if first else ",\n") + json.dumps(obj, ensure_ascii=False))
        count, first = count + len(pairs), False
    handle.write("\n]\n}\n")
    return count


WRITERS: dict[str, Callable[[Iterator[Block], IO[str]], int]] = {
    "nt": write_nt,
    "turtle": write_turtle,
    "json-ld": write_jsonld,
}


def write_file(path: Path, fmt: str, stream: Iterator[Block]) -> int:
    """Write ``stream`` to ``path`` in ``fmt`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as handle:
            count = WRITERS[fmt](stream, handle)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
