"""How tmekg records look in Neo4j: labels, relationship types, keys and Neo4j-typed properties.

Shared by the Bolt writer (:mod:`tmekg.sinks.neo4j`) and the bulk-import CSV export
(:mod:`tmekg.sinks.neo4j_import`), so both write the same graph. Labels and relationship types come
from the schema and must match a strict identifier pattern before they may be put into Cypher.

A node gets its category label, secondary labels from its enumerated list properties (a Gene's
``roles``: ``Gene:Enzyme:Transporter``; ``other`` is skipped) and the common label ``TmekgNode``.
Relationship types are the predicates in upper case (``expressed_in`` -> ``EXPRESSED_IN``). Each
relationship has a deterministic ``key`` (``subject|predicate|object`` plus the schema's identity
properties), so parallel edges such as a transporter's import and export stay apart. Properties are
strings, numbers, booleans or lists of strings / floats (never maps): provenance is flattened onto
relationships as parallel lists, one entry per provenance record (``sources``, ``versions``,
``records``, ``statuses``, ``studies``, ``provenance_evidence``, ``provenance_contexts``, ``scores``),
plus the unions ``evidence`` and ``contexts`` for ``'PMID:1' IN r.evidence`` filters. The Bolt
writer sends a batch's properties once when all rows share them (:func:`hoist`) and the rest as one
list per property (:func:`columns`); the batched MERGE statements are built here too.

Examples
--------
>>> from tmekg.model import Node
>>> node_labels(Node("HGNC.SYMBOL:SLC16A3", "Gene", "SLC16A3", properties=(("roles", ("transporter",)),)))
('Gene', 'Transporter', 'TmekgNode')
>>> rel_type("expressed_in")
'EXPRESSED_IN'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tmekg.cypher import Neo4jError
from tmekg.model import Edge, Node, evidence_of
from tmekg.schema import Schema, load_schema
from tmekg.store import edge_to_dict

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph

COMMON_LABEL = "TmekgNode"
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
NODE_FIELDS = ("id", "name", "category", "biolink_category", "synonyms", "xrefs", "accessions")
PROVENANCE_LISTS = ("sources", "versions", "records", "statuses", "studies")
EDGE_FIELDS = ("key", "predicate", "biolink_predicate", "sign", "score", "scores", "evidence", "contexts")
EDGE_FIELDS += (*PROVENANCE_LISTS, "provenance_evidence", "provenance_contexts")


def identifier(name: str, what: str = "label") -> str:
    """Return ``name`` if it is safe to put into Cypher as a label or type, else raise."""
    if not IDENTIFIER.match(name):
        raise Neo4jError(f"{what} {name!r} is not a plain identifier ([A-Za-z][A-Za-z0-9_]*)")
    return name


def rel_type(predicate: str) -> str:
    """The relationship type of a predicate: ``expressed_in`` -> ``EXPRESSED_IN``."""
    return identifier(predicate.upper(), "relationship type")


def role_label(value: str) -> str:
    """``nuclear_receptor`` -> ``NuclearReceptor``."""
    return identifier("".join(part.capitalize() for part in value.split("_")))


def secondary_labels(node: Node, schema: Schema | None = None) -> tuple[str, ...]:
    """Labels from the node's enumerated list properties (Gene roles), except ``other``."""
    schema = schema or load_schema()
    specs = schema.category(node.category).properties
    out = []
    for key, value in node.properties:
        spec = specs.get(key)
        if spec is not None and spec.type == "list" and spec.values:
            out += [role_label(v) for v in value if v != "other"]
    return tuple(dict.fromkeys(label for label in out if label not in schema.categories))


def node_labels(node: Node, schema: Schema | None = None) -> tuple[str, ...]:
    """Category label, secondary labels, then :data:`COMMON_LABEL`."""
    return (identifier(node.category), *secondary_labels(node, schema), COMMON_LABEL)


def _value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def accessions(node: Node) -> list[str]:
    """The local parts of the node's id and xrefs, for look-ups by a bare accession.

    Neo4j's full-text analyser keeps ``UNIPROT:P21589`` as one token, so ``P21589`` alone found nothing.

    >>> accessions(Node("HGNC.SYMBOL:NT5E", "Gene", "NT5E", xrefs=("UNIPROT:P21589", "NCBIGENE:4907")))
    ['4907', 'NT5E', 'P21589']
    """
    return sorted({curie.partition(":")[2] for curie in (node.id, *node.xrefs) if ":" in curie} - {""})


def node_properties(node: Node, schema: Schema | None = None) -> dict[str, Any]:
    """Neo4j properties of a node (``id`` included; ``accessions`` added; empty values left out)."""
    schema = schema or load_schema()
    prov = node.provenance
    out: dict[str, Any] = {
        "id": node.id,
        "name": node.name,
        "category": node.category,
        "biolink_category": schema.category(node.category).biolink,
        "synonyms": list(node.synonyms),
        "xrefs": list(node.xrefs),
        "accessions": accessions(node),
        "sources": sorted({p.source for p in prov}),
        "evidence": list(evidence_of(prov)),
    }
    for key, value in node.properties:
        out[key if key not in out else f"property_{key}"] = _value(value)
    return {k: v for k, v in out.items() if v not in (None, "", [])}


def edge_key(edge: Edge, schema: Schema | None = None) -> str:
    """Deterministic relationship key: ``subject|predicate|object`` plus identity ``name=value`` parts."""
    return record_key(edge_to_dict(edge), schema or load_schema())


def record_key(record: Mapping[str, Any], schema: Schema) -> str:
    """:func:`edge_key` of a stored edge record (``tmekg.store.edge_to_dict`` form)."""
    props = record.get("properties", {})
    parts = [record["subject"], record["predicate"], record["object"]]
    for name in schema.predicate(record["predicate"]).identity:
        if name in props:
            value = props[name]
            parts.append(f"{name}={';'.join(value) if isinstance(value, list) else value}")
    return "|".join(parts)


def edge_properties(edge: Edge, schema: Schema | None = None) -> dict[str, Any]:
    """Neo4j properties of a relationship: key, predicate, sign, scores, flattened provenance."""
    return record_properties(edge_to_dict(edge), schema or load_schema())


def record_properties(record: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """:func:`edge_properties` of a stored edge record, without building objects (the bulk path)."""
    predicate = schema.predicate(record["predicate"])
    extra = record.get("properties", {})
    out: dict[str, Any] = {
        "key": record_key(record, schema),
        "predicate": record["predicate"],
        "biolink_predicate": predicate.biolink,
        "sign": predicate.sign_of(extra),
        **_provenance_lists(record["provenance"]),
    }
    for key in sorted(extra):
        out[key if key not in out else f"property_{key}"] = extra[key]
    return {k: v for k, v in out.items() if v not in (None, "", [])}


def _provenance_lists(prov: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Provenance flattened to parallel lists (one entry per record) plus evidence/context unions."""
    scores = [p.get("score") for p in prov]
    known = [s for s in scores if s is not None]
    out: dict[str, Any] = {
        "score": max(known) if known else None,
        "scores": [math.nan if s is None else float(s) for s in scores] if known else None,
        "evidence": sorted({e for p in prov for e in p.get("evidence", ())}),
        "contexts": sorted({c for p in prov for c in p.get("context", ())}),
        "sources": [p["source"] for p in prov],
        "versions": [p["version"] for p in prov],
        "records": [p.get("record") or "" for p in prov],
        "statuses": [p.get("status", "verified") for p in prov],
        "studies": [p.get("study") or "" for p in prov],
        "provenance_evidence": ["|".join(p.get("evidence", ())) for p in prov],
        "provenance_contexts": ["|".join(p.get("context", ())) for p in prov],
    }
    for key in (*PROVENANCE_LISTS, "provenance_evidence", "provenance_contexts"):
        if not any(out[key]):  # e.g. no record has a study: leave the property out
            out[key] = None
    return out


def expected_counts(kg: KnowledgeGraph, schema: Schema | None = None) -> dict[str, dict[str, int]]:
    """Nodes per label and relationships per type that a complete load leaves in the database."""
    schema = schema or load_schema()
    labels: Counter[str] = Counter()
    for node in kg.nodes:
        labels.update(node_labels(node, schema))
    types: Counter[str] = Counter()
    import numpy as np

    for code, count in enumerate(np.bincount(np.asarray(kg.edge_index[:, 2]), minlength=len(kg.predicates))):
        if count:
            types[rel_type(kg.predicates[code])] += int(count)
    return {"labels": dict(sorted(labels.items())), "types": dict(sorted(types.items()))}


def hoist(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Move properties every row shares (same type and value) into one ``$common`` map.

    Less to send and decode per row (the predicate, Biolink class, often the source and version).

    >>> hoist([{"props": {"a": 1, "b": 2}}, {"props": {"a": 1, "b": 3}}])
    ([{'props': {'b': 2}}, {'props': {'b': 3}}], {'a': 1})
    """
    if len(rows) < 2:
        return rows, {}
    first = rows[0]["props"]
    common = {
        key: value
        for key, value in first.items()
        if all(type(r["props"].get(key)) is type(value) and r["props"][key] == value for r in rows[1:])
    }
    for row in rows:
        row["props"] = {k: v for k, v in row["props"].items() if k not in common}
    return rows, common


def columns(rows: list[dict[str, Any]]) -> tuple[tuple[str, ...], dict[str, list[Any]], bool]:
    """Turn the rows' ``props`` into one list per plain-identifier key (``None`` where a row lacks it).

    Returns the keys, the ``$c<j>`` parameters and whether other keys are left in each row's
    ``props`` (then sent as the ``$rest`` list of maps).

    >>> rows = [{"props": {"a": 1}}, {"props": {"a": 2, "b": "x"}}]
    >>> columns(rows)
    (('a', 'b'), {'c0': [1, 2], 'c1': [None, 'x']}, False)
    """
    keys = tuple(sorted({k for r in rows for k in r["props"] if IDENTIFIER.match(k)}))
    params = {f"c{j}": [r["props"].pop(k, None) for r in rows] for j, k in enumerate(keys)}
    return keys, params, any(r["props"] for r in rows)


def create_missing_query(labels: tuple[str, ...]) -> str:
    """Create the nodes of ``$ids`` that do not exist yet, with all their labels (first = category).

    A node upsert is two statements in one transaction: this one, then :func:`node_query` /
    :func:`node_columns_query`, which set the properties. Not ``MERGE (n:Gene:Enzyme {id})``:
    ArcadeDB does not use the category's unique index for a MERGE with more than one label and scans
    every node of the type per row (measured: 1.5k nodes/s at 12k nodes, against 50-110k/s for this
    form); ``MERGE (n:Gene {id}) SET n:Enzyme`` fails the uniqueness constraint there (it re-types the
    vertex). A node whose label set changed since an earlier load keeps its old labels, so the final
    count check fails and asks for ``--replace``.

    >>> create_missing_query(("Gene", "TmekgNode"))
    'UNWIND $ids AS id OPTIONAL MATCH (m:Gene {id: id}) WITH id, m WHERE m IS NULL \
CREATE (n:Gene:TmekgNode {id: id}) RETURN count(n) AS created'
    """
    pattern = ":".join(identifier(label) for label in labels)
    return (
        f"UNWIND $ids AS id OPTIONAL MATCH (m:{identifier(labels[0])} {{id: id}}) WITH id, m WHERE m IS NULL "
        f"CREATE (n:{pattern} {{id: id}}) RETURN count(n) AS created"
    )


def node_query(labels: tuple[str, ...]) -> str:
    """Set the properties of existing nodes of one category from ``$rows`` (row maps) and ``$common``."""
    match = f"MATCH (n:{identifier(labels[0])} {{id: row.id}})"
    return f"UNWIND $rows AS row {match} SET n += row.props, n += $common RETURN count(n) AS written"


def relationship_query(predicate: str, subject: str, object_: str) -> str:
    """Batched MERGE of relationships of one type between two categories, keyed by ``key`` (row maps)."""
    return (
        f"UNWIND $rows AS row MATCH (a:{identifier(subject)} {{id: row.s}}) "
        f"MATCH (b:{identifier(object_)} {{id: row.o}}) "
        f"MERGE (a)-[r:{rel_type(predicate)} {{key: row.key}}]->(b) SET r += row.props, r += $common "
        "RETURN count(r) AS written"
    )


def _sets(var: str, keys: tuple[str, ...], rest: bool) -> str:
    sets = [f"{var}.{identifier(k, 'property')} = $c{j}[i]" for j, k in enumerate(keys)]
    return ", ".join([*sets, *([f"{var} += $rest[i]"] if rest else []), f"{var} += $common"])


def node_columns_query(labels: tuple[str, ...], keys: tuple[str, ...], rest: bool = False) -> str:
    """Columnar form of :func:`node_query`: ``$ids``, one list ``$c<j>`` per property in ``keys``.

    >>> node_columns_query(("Gene", "TmekgNode"), ("name",))
    'UNWIND range(0, size($ids) - 1) AS i MATCH (n:Gene {id: $ids[i]}) SET n.name = $c0[i], \
n += $common RETURN count(n) AS written'
    """
    return (
        f"UNWIND range(0, size($ids) - 1) AS i MATCH (n:{identifier(labels[0])} {{id: $ids[i]}}) "
        f"SET {_sets('n', keys, rest)} RETURN count(n) AS written"
    )


def relationship_columns_query(
    predicate: str, subject: str, object_: str, keys: tuple[str, ...], rest: bool = False
) -> str:
    """Columnar form of :func:`relationship_query`: ``$s``, ``$o``, ``$keys`` and ``$c<j>`` lists."""
    return (
        f"UNWIND range(0, size($keys) - 1) AS i MATCH (a:{identifier(subject)} {{id: $s[i]}}) "
        f"MATCH (b:{identifier(object_)} {{id: $o[i]}}) "
        f"MERGE (a)-[r:{rel_type(predicate)} {{key: $keys[i]}}]->(b) SET {_sets('r', keys, rest)} "
        "RETURN count(r) AS written"
    )
