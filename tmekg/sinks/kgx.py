"""KGX TSV export: ``nodes.tsv`` and ``edges.tsv`` in the Biolink / KGX conventions.

Nodes: ``id``, ``category`` (the Biolink class), ``name``, ``xref``, ``synonym``, ``provided_by``, then
``tmekg_category`` and the schema's node properties. Edges: ``id`` (a stable ``urn:uuid``),
``subject``, ``predicate`` (Biolink), ``object``, ``primary_knowledge_source`` (``infores:``),
``aggregator_knowledge_source``, ``knowledge_level``, ``agent_type``, ``publications``, the Biolink
qualifier columns the schema uses (``object_aspect_qualifier``, ``object_direction_qualifier``), then
tmekg columns (``tmekg_predicate``, ``sign``, ``tmekg_sources``, ``tmekg_status``, ``tmekg_context``,
``tmekg_score``) and the schema's edge properties. Multi-valued cells are ``|``-separated; tabs,
newlines and ``|`` inside values become spaces / ``/``. Columns come from the schema, so every export
has the same header. Edge ids and the ``infores`` / knowledge-level rules are shared with the RDF sink.

Examples
--------
>>> export_kgx("kgx-out")                                       # doctest: +SKIP
KgxResult(folder=PosixPath('kgx-out'), nodes=260, edges=534)
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.atomic import atomic_open
from tmekg.model import Edge, Node, evidence_of
from tmekg.schema import Schema, load_schema

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph

#: Source names whose Information Resource Registry id differs from ``infores:<source>`` (others: the
#: source name itself; an ``infores`` field in loaders/sources.yaml would be the better home).
INFORES = {"chembl-mechanism": "chembl"}
AGGREGATOR = "infores:tmekg"
_EDGE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/tmekg/edge")
_STATISTICAL = {"statistic", "p_value", "value", "fraction"}


@dataclass(frozen=True)
class KgxResult:
    """Where the two files were written and how many rows each has."""

    folder: Path
    nodes: int
    edges: int

    def summary(self) -> str:
        """One line for the CLI."""
        return f"wrote {self.folder}/nodes.tsv ({self.nodes} nodes) and edges.tsv ({self.edges} edges)"


def infores(source: str) -> str:
    """The ``infores:`` CURIE of a tmekg source name.

    >>> infores("chembl-mechanism"), infores("reactome")
    ('infores:chembl', 'infores:reactome')
    """
    return "infores:" + INFORES.get(source, source)


def edge_id(edge: Edge, schema: Schema | None = None) -> str:
    """A stable ``urn:uuid`` for an edge: UUID5 of its merge key (endpoints, predicate, identity)."""
    schema = schema or load_schema()
    key = edge.key(schema.predicate(edge.predicate).identity)
    return uuid.uuid5(_EDGE_NAMESPACE, json.dumps(key, default=list)).urn


def knowledge_level(edge: Edge) -> tuple[str, str]:
    """Biolink ``(knowledge_level, agent_type)`` of an edge.

    Inferred edges are predictions of a computational model; edges carrying a statistic come from a
    data-analysis pipeline; facts only from the curated KB are manual assertions; database facts
    are assertions by an agent the source does not state.
    """
    from tmekg.pipeline import CURATED

    properties = dict(edge.properties)
    if properties.get("inferred") is True:
        return "prediction", "computational_model"
    if _STATISTICAL & set(properties):
        return "statistical_association", "data_analysis_pipeline"
    if all(p.source == CURATED for p in edge.provenance):
        return "knowledge_assertion", "manual_agent"
    return "knowledge_assertion", "not_provided"


def node_columns(schema: Schema) -> list[str]:
    """Header of ``nodes.tsv``."""
    extra = sorted({p for c in schema.categories.values() for p in c.properties})
    return ["id", "category", "name", "xref", "synonym", "provided_by", "tmekg_category", *extra]


def edge_columns(schema: Schema) -> list[str]:
    """Header of ``edges.tsv``."""
    qualifiers = sorted({q for p in schema.predicates.values() for q in p.biolink_qualifiers})
    extra = sorted({k for p in schema.predicates.values() for k in p.properties})
    core = ["id", "subject", "predicate", "object", "primary_knowledge_source", "aggregator_knowledge_source"]
    core += ["knowledge_level", "agent_type", "publications", *qualifiers]
    tmekg = ["tmekg_predicate", "sign", "tmekg_sources", "tmekg_status", "tmekg_context", "tmekg_score"]
    return [*core, *tmekg, *extra]


def node_row(node: Node, schema: Schema) -> dict[str, Any]:
    """One ``nodes.tsv`` row."""
    return {
        "id": node.id,
        "category": schema.category(node.category).biolink,
        "name": node.name,
        "xref": list(node.xrefs),
        "synonym": list(node.synonyms),
        "provided_by": _unique(infores(p.source) for p in node.provenance),
        "tmekg_category": node.category,
        **dict(node.properties),
    }


def edge_row(edge: Edge, schema: Schema) -> dict[str, Any]:
    """One ``edges.tsv`` row."""
    predicate = schema.predicate(edge.predicate)
    level, agent = knowledge_level(edge)
    sources = _unique(infores(p.source) for p in edge.provenance)
    scores = [p.score for p in edge.provenance if p.score is not None]
    return {
        "id": edge_id(edge, schema),
        "subject": edge.subject,
        "predicate": predicate.biolink,
        "object": edge.object,
        "primary_knowledge_source": sources[0],
        "aggregator_knowledge_source": AGGREGATOR,
        "knowledge_level": level,
        "agent_type": agent,
        "publications": list(evidence_of(edge.provenance)),
        **dict(predicate.biolink_qualifiers),
        "tmekg_predicate": edge.predicate,
        "sign": schema.edge_sign(edge),
        "tmekg_sources": sources,
        "tmekg_status": _unique(p.status for p in edge.provenance),
        "tmekg_context": _unique(c for p in edge.provenance for c in p.context),
        "tmekg_score": max(scores) if scores else None,
        **dict(edge.properties),
    }


def export_kgx(folder: str | Path, store: str | Path | None = None) -> KgxResult:
    """``tmekg export kgx``: write ``nodes.tsv`` and ``edges.tsv`` of a store into ``folder``."""
    from tmekg.graph import KnowledgeGraph

    with KnowledgeGraph.open(store) as kg:
        return write_kgx(kg, folder)


def write_kgx(kg: KnowledgeGraph, folder: str | Path) -> KgxResult:
    """Write the KGX TSV pair for an open graph (streams edges; memory stays small)."""
    schema = load_schema()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    nodes = _write(out / "nodes.tsv", node_columns(schema), (node_row(n, schema) for n in kg.nodes))
    edges = _write(out / "edges.tsv", edge_columns(schema), (edge_row(e, schema) for e in kg.edges()))
    return KgxResult(out, nodes, edges)


def _write(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with atomic_open(path, newline="") as handle:  # temporary file + rename: never half-written
        handle.write("\t".join(columns) + "\n")
        for row in rows:
            handle.write("\t".join(cell(row.get(c)) for c in columns) + "\n")
            count += 1
    return count


def cell(value: Any) -> str:
    """A TSV cell: lists ``|``-joined, booleans lower-case, no tabs or newlines.

    >>> cell(["PMID:1", "DOI:10.1/x|y"]), cell(True), cell(None)
    ('PMID:1|DOI:10.1/x/y', 'true', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return "|".join(_clean(str(v)).replace("|", "/") for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return _clean(str(value))


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines())


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def iter_rows(path: str | Path) -> Iterator[dict[str, str]]:
    """Read a KGX TSV back as dicts (for checks and round trips)."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
