"""Load a store into Neo4j 5 over Bolt: constraints, batched idempotent upserts, a final count check.

What the graph looks like in Neo4j (labels, relationship types, keys, properties) is defined in
:mod:`tmekg.sinks.neo4j_model`. Only labels and types that passed its identifier check are put into
Cypher text; every value travels as a ``$parameter``. Nodes are written first, grouped by label set,
then relationships, grouped by type and endpoint categories, each batch in one managed write
transaction (``session.execute_write``). A node batch is two statements: create the missing nodes
with all their labels, then set the properties of all of them, matched on the category's unique
``id`` (see :func:`~tmekg.sinks.neo4j_model.create_missing_query` for why not a multi-label MERGE);
a relationship batch is one ``MERGE (a)-[r:TYPE {key: ...}]->(b)`` between endpoints matched on
their category's ``id``. Parameters are columnar, one list per field (``UNWIND range(0, size($ids)
- 1) AS i MATCH (n:Gene {id: $ids[i]}) SET n.name = $c0[i], ..., n += $common``): ArcadeDB decodes
flat lists about twice as fast as a list of nested maps, and ``$common`` carries the properties
every row shares, sent once. A value a row lacks is ``null``, which removes a stale property on a
rerun. Property names reach Cypher only after the identifier check; any other name travels in a
per-row ``$rest`` map. Edge records are flattened straight from the store's JSON
(:meth:`~tmekg.graph.KnowledgeGraph.edge_record`), and a worker thread builds the next batch's
parameters while the server runs the current one. A failed batch
raises :class:`Neo4jLoadError` saying what was committed; create-if-missing and MERGE make a rerun
complete the load without duplicates. ``replace`` deletes exactly the nodes labelled ``TmekgNode`` first.

Examples
--------
>>> from tmekg.graph import KnowledgeGraph
>>> with KnowledgeGraph.open() as kg:                                     # doctest: +SKIP
...     load_graph(kg, Neo4jConfig.from_env(), replace=True).summary()
'loaded 260 nodes and 534 relationships in 35 batches; counts per label and relationship type match the store'
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tmekg.cypher import Neo4jConfig, Neo4jError, _reason, connect
from tmekg.schema import Schema, load_schema
from tmekg.sinks.neo4j_model import (
    COMMON_LABEL,
    columns,
    create_missing_query,
    expected_counts,
    hoist,
    identifier,
    node_columns_query,
    node_labels,
    node_properties,
    node_query,
    record_properties,
    rel_type,
    relationship_columns_query,
    relationship_query,
)

if TYPE_CHECKING:
    from neo4j import Driver, Session

    from tmekg.graph import KnowledgeGraph

Progress = Callable[[str, int, int], None]


class Neo4jLoadError(Neo4jError):
    """A load stopped part-way; says what was committed. Rerunning completes it (MERGE is idempotent)."""

    def __init__(self, message: str, batches_done: int = 0, nodes: int = 0, relationships: int = 0) -> None:
        self.batches_done, self.nodes, self.relationships = batches_done, nodes, relationships
        super().__init__(message)


class CountMismatchError(Neo4jError):
    """After a load, the database's counts per label / relationship type differ from the store."""


# -- Cypher -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaItem:
    """One constraint or index tmekg wants: its name, kind, label(s), properties and statement."""

    name: str
    kind: str  # "unique", "range" or "fulltext"
    labels: tuple[str, ...]
    properties: tuple[str, ...]
    statement: str


def schema_items(schema: Schema | None = None) -> list[SchemaItem]:
    """Unique ``id`` per category, range indexes on ``name`` per category and ``TmekgNode.id``, full-text."""
    schema = schema or load_schema()
    common = COMMON_LABEL
    out = [
        SchemaItem(
            "tmekg_node_id",
            "range",
            (common,),
            ("id",),
            f"CREATE INDEX tmekg_node_id IF NOT EXISTS FOR (n:{common}) ON (n.id)",
        )
    ]
    for category in schema.categories:
        label = identifier(category)
        name = f"tmekg_{label.lower()}"
        unique = f"CREATE CONSTRAINT {name}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        index = f"CREATE INDEX {name}_name IF NOT EXISTS FOR (n:{label}) ON (n.name)"
        out.append(SchemaItem(f"{name}_id", "unique", (label,), ("id",), unique))
        out.append(SchemaItem(f"{name}_name", "range", (label,), ("name",), index))
    labels = tuple(identifier(c) for c in schema.categories)
    fulltext = (
        f"CREATE FULLTEXT INDEX {SEARCH_INDEX} IF NOT EXISTS FOR (n:{'|'.join(labels)}) "
        f"ON EACH [{', '.join(f'n.{p}' for p in SEARCH_PROPERTIES)}]"
    )
    return [*out, SchemaItem(SEARCH_INDEX, "fulltext", labels, SEARCH_PROPERTIES, fulltext)]


SEARCH_INDEX = "tmekg_search"
SEARCH_PROPERTIES = ("name", "synonyms", "xrefs", "accessions")


def schema_statements(schema: Schema | None = None) -> list[str]:
    """Neo4j 5 constraints (unique ``id`` per category), range indexes on ``name`` and on ``TmekgNode.id``."""
    return [item.statement for item in schema_items(schema) if item.kind != "fulltext"]


def search_index_statement(schema: Schema | None = None) -> str:
    """A full-text index over names, synonyms, xrefs and bare accessions (Neo4j only; optional)."""
    return schema_items(schema)[-1].statement


# -- planning batches -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """One transaction's worth of rows: nodes of one label set or relationships of one type."""

    kind: str
    label: str
    query: str
    members: tuple[int, ...]
    target: tuple[str, ...] = ()  # node labels, or (predicate, subject category, object category)


def plan(kg: KnowledgeGraph, batch_size: int, schema: Schema | None = None) -> list[Batch]:
    """All batches, nodes first (grouped by label set), then relationships (by type and endpoints)."""
    if batch_size < 1:
        raise Neo4jError(f"batch size must be at least 1, got {batch_size}")
    schema = schema or load_schema()
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for row, node in enumerate(kg.nodes):
        groups[node_labels(node, schema)].append(row)
    batches = [
        Batch("nodes", ":".join(labels), node_query(labels), tuple(rows[i : i + batch_size]), labels)
        for labels, rows in sorted(groups.items())
        for i in range(0, len(rows), batch_size)
    ]
    return batches + list(_edge_batches(kg, batch_size))


def _edge_batches(kg: KnowledgeGraph, batch_size: int) -> Iterator[Batch]:
    import numpy as np

    categories = sorted({n.category for n in kg.nodes})
    code = np.array([categories.index(n.category) for n in kg.nodes], dtype=np.int64)
    index = np.asarray(kg.edge_index)
    if not len(index):
        return
    s_cat, o_cat, pred = code[index[:, 0]], code[index[:, 1]], index[:, 2]
    order = np.lexsort((np.arange(len(index)), o_cat, s_cat, pred))
    group = np.stack([pred[order], s_cat[order], o_cat[order]], axis=1)
    starts = np.flatnonzero(np.any(np.diff(group, axis=0) != 0, axis=1)) + 1
    for chunk in np.split(order, starts):
        p, s, o = kg.predicates[pred[chunk[0]]], categories[s_cat[chunk[0]]], categories[o_cat[chunk[0]]]
        query = relationship_query(p, s, o)
        label = f"{rel_type(p)} ({s}->{o})"
        for i in range(0, len(chunk), batch_size):
            members = tuple(int(e) for e in chunk[i : i + batch_size])
            yield Batch("relationships", label, query, members, (p, s, o))


def batch_rows(
    kg: KnowledgeGraph, batch: Batch, schema: Schema | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ``$rows`` and ``$common`` parameters of a batch (see :func:`hoist`)."""
    schema = schema or load_schema()
    rows = []
    if batch.kind == "nodes":
        for row in batch.members:
            props = node_properties(kg.nodes[row], schema)
            rows.append({"id": props.pop("id"), "props": props})
    else:
        for i in batch.members:
            record = kg.edge_record(i)
            props = record_properties(record, schema)
            rows.append(
                {"s": record["subject"], "o": record["object"], "key": props.pop("key"), "props": props}
            )
    return hoist(rows)


Statement = tuple[str, dict[str, Any]]


def batch_statements(
    kg: KnowledgeGraph, batch: Batch, schema: Schema | None = None, columnar: bool = True
) -> list[Statement]:
    """The statements of a batch, run in order in one transaction; the last returns the written count.

    Nodes: create the missing ones (:func:`create_missing_query`), then set properties.
    Relationships: one MERGE. Parameters columnar (default) or as row maps ``$rows``.
    """
    rows, common = batch_rows(kg, batch, schema)
    ids = [r["id"] for r in rows] if batch.kind == "nodes" else []
    first = [(create_missing_query(batch.target), {"ids": ids})] if ids else []
    if not columnar:
        return [*first, (batch.query, {"rows": rows, "common": common})]
    keys, params, rest = columns(rows)
    params["common"] = common
    if rest:
        params["rest"] = [r["props"] for r in rows]
    if batch.kind == "nodes":
        params["ids"] = ids
        return [*first, (node_columns_query(batch.target, keys, rest), params)]
    params |= {"s": [r["s"] for r in rows], "o": [r["o"] for r in rows], "keys": [r["key"] for r in rows]}
    return [(relationship_columns_query(*batch.target, keys, rest), params)]


# -- writing ----------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    """What a load wrote and what it found afterwards."""

    nodes: int
    relationships: int
    batches: int
    deleted: int
    counts: dict[str, dict[str, int]]
    skipped_indexes: list[str]  # notes on constraints / indexes not created (see ensure_schema)

    def summary(self) -> str:
        """One line for the CLI."""
        text = f"loaded {self.nodes} nodes and {self.relationships} relationships in {self.batches} batches"
        if self.deleted:
            text += f" (after deleting {self.deleted} TmekgNode nodes)"
        return text + "; counts per label and relationship type match the store"


def load_graph(
    kg: KnowledgeGraph,
    config: Neo4jConfig | None = None,
    *,
    replace: bool = False,
    batch_size: int = 1000,
    progress: Progress | None = None,
    on_batch: Callable[[int, Batch], None] | None = None,
    driver: Driver | None = None,
    columnar: bool = True,
) -> LoadResult:
    """Write the graph into the server: constraints, optional delete of tmekg data, batches, count check.

    ``progress(kind, done, total)`` is called after each batch; ``on_batch(i, batch)`` after batch ``i``
    is committed (a hook for tests); ``columnar=False`` sends row maps instead (for the benchmark).
    Raises :class:`Neo4jLoadError` when a batch fails (saying what was committed) and
    :class:`CountMismatchError` when the final counts differ from the store.
    """
    from neo4j import exceptions

    config = config or Neo4jConfig.from_env()
    schema = load_schema()
    batches = plan(kg, batch_size, schema)
    own = driver is None
    driver = driver or connect(config)
    try:
        with driver.session(database=config.database) as session:
            skipped = ensure_schema(session, schema)
            deleted = delete_tmekg(session, batch_size) if replace else 0
            written = write_batches(session, kg, batches, schema, progress, on_batch, columnar)
            expected = expected_counts(kg, schema)
            check_counts(session, expected)
    except (exceptions.Neo4jError, exceptions.DriverError) as exc:  # outside the batches
        raise Neo4jError(f"Neo4j load failed at {config.uri}: {_reason(exc)}") from None
    finally:
        if own:
            driver.close()
    return LoadResult(written["nodes"], written["relationships"], len(batches), deleted, expected, skipped)


# Server answers meaning "an equivalent or overlapping index / constraint exists already".
_SCHEMA_EXISTS = {
    f"Neo.ClientError.Schema.{name}"
    for name in (
        "EquivalentSchemaRuleAlreadyExists",
        "IndexAlreadyExists",
        "ConstraintAlreadyExists",
        "IndexWithNameAlreadyExists",
        "ConstraintWithNameAlreadyExists",
    )
}


@dataclass(frozen=True)
class ExistingSchema:
    """What ``SHOW CONSTRAINTS`` / ``SHOW INDEXES`` report: (label, properties) -> names, by kind."""

    unique: dict[tuple[str, tuple[str, ...]], str]
    indexed: dict[tuple[str, tuple[str, ...]], str]  # range indexes, constraint-owned ones included
    fulltext: dict[str, tuple[str, ...]]  # full-text index name -> properties

    @classmethod
    def read(cls, session: Session) -> ExistingSchema:
        """The server's schema; empty where ``SHOW`` is not supported (errors then decide)."""
        unique: dict[tuple[str, tuple[str, ...]], str] = {}
        indexed: dict[tuple[str, tuple[str, ...]], str] = {}
        fulltext: dict[str, tuple[str, ...]] = {}
        for row in _show(session, "SHOW CONSTRAINTS"):
            kind = str(row.get("type") or "").upper()
            if "UNIQUE" in kind or "KEY" in kind:
                for label in row.get("labelsOrTypes") or ():
                    unique[(label, tuple(row.get("properties") or ()))] = str(row.get("name"))
        for row in _show(session, "SHOW INDEXES"):
            props = tuple(row.get("properties") or ())
            kind = str(row.get("type") or "").upper()
            if kind == "FULLTEXT":
                fulltext[str(row.get("name"))] = props
            elif kind in ("RANGE", "BTREE") and str(row.get("entityType") or "NODE").upper() == "NODE":
                for label in row.get("labelsOrTypes") or ():
                    indexed[(label, props)] = str(row.get("name"))
        return cls(unique, indexed, fulltext)

    def covers(self, item: SchemaItem) -> tuple[bool, str]:
        """Whether ``item`` exists already (or in an equivalent form), and a note if it cannot be created."""
        key = (item.labels[0], item.properties)
        if item.kind == "fulltext":
            return self.fulltext.get(item.name) == item.properties, ""
        if item.kind == "range":
            return key in self.indexed or key in self.unique, ""
        if key in self.unique:
            return True, ""
        if key in self.indexed:  # Neo4j refuses a constraint over an existing plain index
            other = self.indexed[key]
            return True, (
                f"{item.name}: not created because index '{other}' on (:{key[0]} {{{key[1][0]}}}) exists; "
                "look-ups use it, but uniqueness is not enforced by the server (drop it to let tmekg "
                "create the constraint)"
            )
        return False, ""


def _show(session: Session, command: str) -> list[dict[str, Any]]:
    from neo4j import exceptions

    try:
        return [record.data() for record in session.run(command)]  # auto-commit, like the CREATEs
    except exceptions.Neo4jError:  # servers without SHOW: rely on the IF NOT EXISTS error codes
        return []


def ensure_schema(session: Session, schema: Schema | None = None) -> list[str]:
    """Create the constraints and indexes the server does not have yet; returns notes on what was not.

    Works whether or not the user already has indexes or constraints on the same properties: what
    ``SHOW CONSTRAINTS`` / ``SHOW INDEXES`` list (under any name) is not created again, and the
    server's "equivalent / overlapping schema exists" errors become notes. An older ``tmekg_search``
    with other properties is dropped and created again (it is tmekg's own).
    """
    existing = ExistingSchema.read(session)
    notes = []
    for item in schema_items(schema):
        covered, note = existing.covers(item)
        note = note or (None if covered else _create(session, item, existing))
        notes += [note] if note else []
    return notes


def _create(session: Session, item: SchemaItem, existing: ExistingSchema) -> str | None:
    """Run one schema statement; a note instead of an error where the failure does not stop a load."""
    from neo4j import exceptions

    try:
        if item.kind == "fulltext" and item.name in existing.fulltext:
            session.run(f"DROP INDEX {item.name} IF EXISTS").consume()
        session.run(item.statement).consume()
    except exceptions.Neo4jError as exc:
        if item.kind == "fulltext":  # optional, e.g. ArcadeDB has no FULLTEXT indexes over Bolt
            return f"{item.name}: {_reason(exc)}"
        if exc.code in _SCHEMA_EXISTS:
            return f"{item.name}: not created, the server has an overlapping one ({_reason(exc)})"
        raise Neo4jError(f"cannot create constraint/index ({_reason(exc)}): {item.statement}") from None
    return None


def delete_tmekg(session: Session, batch_size: int = 1000) -> int:
    """Delete every node labelled :data:`COMMON_LABEL` (and its relationships), in batches."""
    query = f"MATCH (n:{COMMON_LABEL}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
    total = 0
    while True:
        deleted = session.execute_write(lambda tx: tx.run(query, limit=batch_size).single()["deleted"])
        total += deleted
        if deleted < batch_size:
            return total


def write_batches(
    session: Session,
    kg: KnowledgeGraph,
    batches: list[Batch],
    schema: Schema,
    progress: Progress | None = None,
    on_batch: Callable[[int, Batch], None] | None = None,
    columnar: bool = True,
) -> Counter[str]:
    """Run the batches in order, each in its own managed write transaction; counts written per kind."""
    written: Counter[str] = Counter()
    totals = Counter(b.kind for b in batches for _ in b.members)
    with closing(_prepared(kg, batches, schema, columnar)) as prepared:  # joins the worker on errors
        for i, (batch, statements) in enumerate(zip(batches, prepared, strict=False)):
            _write_one(session, i, batches, written, statements)
            if progress:
                progress(batch.kind, written[batch.kind], totals[batch.kind])
            if on_batch:
                on_batch(i, batch)
    return written


def _write_one(
    session: Session, i: int, batches: list[Batch], written: Counter[str], statements: list[Statement]
) -> None:
    from neo4j import exceptions

    batch = batches[i]
    size = len(batch.members)
    try:
        count = session.execute_write(_run_batch, statements)
    except (exceptions.Neo4jError, exceptions.DriverError, OSError) as exc:
        raise _partial(i, batches, written, _reason(exc)) from None
    if count != size:
        reason = f"{size - count} of {size} relationships have an endpoint missing in the database"
        raise _partial(i, batches, written, reason)
    written[batch.kind] += count


def _prepared(
    kg: KnowledgeGraph, batches: list[Batch], schema: Schema, columnar: bool
) -> Iterator[list[Statement]]:
    """Batch statements in order; a worker thread builds the next one while the server runs this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = [pool.submit(batch_statements, kg, b, schema, columnar) for b in batches[:1]]
        for nxt in batches[1:]:
            current = ahead.pop()
            ahead.append(pool.submit(batch_statements, kg, nxt, schema, columnar))
            yield current.result()
        if ahead:
            yield ahead.pop().result()


def _run_batch(tx: Any, statements: list[Statement]) -> int:
    count = 0
    for query, params in statements:
        count = int(tx.run(query, params).single()[0])
    return count


def _partial(i: int, batches: list[Batch], written: Counter[str], reason: str) -> Neo4jLoadError:
    batch = batches[i]
    message = (
        f"Neo4j load stopped at batch {i + 1}/{len(batches)} ({batch.kind} {batch.label}): {reason}. "
        f"Committed before it: {i} batches ({written['nodes']} nodes, {written['relationships']} "
        "relationships). Fix the cause and rerun: batches are idempotent upserts, so a rerun completes "
        "the load without duplicates."
    )
    return Neo4jLoadError(message, i, written["nodes"], written["relationships"])


def observed_counts(session: Session, expected: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Count tmekg nodes per label and relationships per type in the database."""
    common = COMMON_LABEL
    queries = {
        "labels": {
            label: f"MATCH (n:{identifier(label)}) RETURN count(n) AS c"
            if label == common
            else f"MATCH (n:{identifier(label)}:{common}) RETURN count(n) AS c"
            for label in expected["labels"]
        },
        "types": {
            t: f"MATCH (:{common})-[r:{identifier(t)}]->(:{common}) RETURN count(r) AS c"
            for t in expected["types"]
        },
    }
    return {
        kind: {
            name: session.execute_read(lambda tx, q=q: tx.run(q).single()["c"]) for name, q in items.items()
        }
        for kind, items in queries.items()
    }


def check_counts(session: Session, expected: dict[str, dict[str, int]]) -> None:
    """Raise :class:`CountMismatchError` unless the database holds exactly the store's counts."""
    observed = observed_counts(session, expected)
    diffs = [
        f"{name} {observed[kind][name]} (store {count})"
        for kind in ("labels", "types")
        for name, count in expected[kind].items()
        if observed[kind][name] != count
    ]
    total = sum(expected["types"].values())
    query = f"MATCH (:{COMMON_LABEL})-[r]->(:{COMMON_LABEL}) RETURN count(r) AS c"
    found = session.execute_read(lambda tx: tx.run(query).single()["c"])
    if found != total:
        diffs.append(f"all relationships {found} (store {total})")
    if diffs:
        raise CountMismatchError(
            "Neo4j counts differ from the store: " + ", ".join(diffs) + ". If the database holds tmekg "
            "data from another store, rerun with --replace."
        )
