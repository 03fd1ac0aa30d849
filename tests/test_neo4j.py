"""Neo4j: mapping, Cypher parameters, and loading / querying a real Bolt server.

Server tests (marked ``neo4j``) use the fixtures of ``conftest_neo4j.py`` (ArcadeDB on loopback, or
a real Neo4j 5 given by ``TMEKG_TEST_NEO4J_URI``). The query library is checked against expectations
computed in Python from the KnowledgeGraph, never hard-coded rows.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import typer
from neo4j_server import Server, db_counts, free_port, store_counts
from typer.testing import CliRunner

from tmekg.cli.neo4j import cypher, neo4j_app
from tmekg.cypher import (
    NOTIFICATION_LOGGER,
    CypherError,
    Neo4jConfig,
    Neo4jConnectionError,
    Neo4jError,
    ReadOnlyError,
    library_queries,
    one_line_notifications,
    parse_literal,
    parse_params,
    run_cypher,
    split_query,
    summarise_notification,
)
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance
from tmekg.schema import load_schema
from tmekg.sinks.neo4j import (
    Neo4jLoadError,
    batch_rows,
    batch_statements,
    load_graph,
    node_query,
    plan,
    relationship_query,
)
from tmekg.sinks.neo4j_model import (
    accessions,
    columns,
    create_missing_query,
    edge_key,
    edge_properties,
    identifier,
    node_labels,
    node_properties,
)

pytest_plugins = ["conftest_neo4j"]

# -- no server needed ---------------------------------------------------------------------------------


def test_labels_and_properties_are_neo4j_typed() -> None:
    roles = (("roles", ("transporter", "other", "enzyme")),)
    gene = Node("HGNC.SYMBOL:SLC16A3", "Gene", "SLC16A3", ("MCT4",), ("UNIPROT:O15427",), roles)
    assert node_labels(gene) == ("Gene", "Transporter", "Enzyme", "TmekgNode")
    props = node_properties(gene)
    assert props["roles"] == ["transporter", "other", "enzyme"] and props["xrefs"] == ["UNIPROT:O15427"]
    provs = (
        Provenance("a", "1", ("PMID:1",), 0.5, ("MONDO:0005184",), record="f:1"),
        Provenance("b", "2", ("PMID:2", "PMID:1")),
    )
    out = Edge("HGNC.SYMBOL:SLC16A3", "transports", "CHEBI:422", provs, (("direction", "export"),))
    into = replace(out, properties=(("direction", "import"),))
    assert edge_key(out) != edge_key(into) and edge_key(out).endswith("|direction=export")
    rel = edge_properties(out)
    assert rel["sign"] == 1 and edge_properties(into)["sign"] == -1
    assert rel["sources"] == ["a", "b"] and rel["versions"] == ["1", "2"] and rel["records"] == ["f:1", ""]
    assert rel["evidence"] == ["PMID:1", "PMID:2"]
    assert rel["provenance_evidence"] == ["PMID:1", "PMID:2|PMID:1"]
    assert rel["score"] == 0.5 and len(rel["scores"]) == 2 and "studies" not in rel
    assert rel["biolink_predicate"] == load_schema().predicates["transports"].biolink
    for value in (*props.values(), *rel.values()):  # no maps; lists hold one scalar type
        assert not isinstance(value, dict)
        if isinstance(value, list):
            assert len({type(v) for v in value}) <= 1


def test_only_validated_identifiers_reach_cypher() -> None:
    labels = ("Gene", "Enzyme", "TmekgNode")
    assert "CREATE (n:Gene:Enzyme:TmekgNode {id: id})" in create_missing_query(labels)
    assert "MATCH (n:Gene {id: row.id})" in node_query(labels)
    query = relationship_query("expressed_in", "Gene", "CellType")
    assert "MERGE (a)-[r:EXPRESSED_IN {key: row.key}]->(b)" in query and "$rows" in query
    for bad in ("Gene`) DETACH DELETE n //", "a b", "", "1abc"):
        with pytest.raises(Neo4jError, match="not a plain identifier"):
            identifier(bad)


def test_cypher_literals_and_params() -> None:
    assert parse_literal("'Crohn\\'s disease'") == "Crohn's disease"
    expected = ["5'-nucleotidase", 1, -2500.0, True, None]
    assert parse_literal('["5\'-nucleotidase", 1, -2.5e3, true, null]') == expected
    with pytest.raises(CypherError, match="cannot parse"):
        parse_literal("[1, 2")
    body, params = split_query(":param a => 'x';\n:param k: 3\n// comment\nMATCH (n) RETURN n;\n")
    assert body == "// comment\nMATCH (n) RETURN n" and params == {"a": "x", "k": 3}
    assert split_query(":use neo4j\n:params {a: 1}\nMATCH (n\n:Gene) RETURN n") == (
        "MATCH (n\n:Gene) RETURN n",
        {},
    )
    assert parse_params(["a=CHEBI:1", "k=4", "s='5'"], params) == {"a": "CHEBI:1", "k": 4, "s": "5"}
    with pytest.raises(CypherError, match="bad --param"):
        parse_params(["novalue"])
    assert "secret" not in repr(Neo4jConfig(password="secret"))


def test_library_files_start_with_params_and_a_description() -> None:
    files = library_queries()
    assert set(files) == set(EXPECTED)  # every query has a Python-computed expectation below
    for path in files.values():
        lines = path.read_text(encoding="utf-8").splitlines()
        n = next(i for i, line in enumerate(lines) if not line.startswith(":param"))
        assert n >= 1 and lines[n].startswith("// ") and len(lines[n]) > 20
        text = path.read_text(encoding="utf-8")
        assert "CREATE INDEX ON" not in text and "size((" not in text


def test_accessions_are_the_local_parts_of_id_and_xrefs() -> None:
    node = Node("HGNC.SYMBOL:NT5E", "Gene", "NT5E", xrefs=("UNIPROT:P21589", "NCBIGENE:4907", "odd"))
    assert accessions(node) == ["4907", "NT5E", "P21589"]
    assert node_properties(node)["accessions"] == ["4907", "NT5E", "P21589"]


def test_library_uses_the_scope_clause_not_importing_with() -> None:
    for name, path in library_queries().items():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"CALL\s*\{", text), f"{name}: CALL {{ WITH ... }} is deprecated in Neo4j 5.26"


def test_driver_notifications_are_logged_in_one_line_without_the_query(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from neo4j._debug import NotificationPrinter
    from neo4j._work.summary import GqlStatusObject

    status = GqlStatusObject._from_notification_metadata(  # what the driver builds from a server notice
        {
            "neo4j_code": "Neo.ClientNotification.Statement.FeatureDeprecationWarning",
            "title": "This feature is deprecated and will be removed in future versions.",
            "description": "CALL subquery without a variable scope clause is now deprecated.\n "
            "Use CALL (s) { ... }",
            "severity": "WARNING",
            "category": "DEPRECATION",
        }
    )
    query = "MATCH (s:CellType {id: $sender}) CALL { WITH s RETURN s.id AS x } RETURN x" + " " * 20000
    one_line_notifications()
    one_line_notifications()  # idempotent: one filter
    with caplog.at_level(logging.INFO, NOTIFICATION_LOGGER):  # the driver's own call
        logging.getLogger(NOTIFICATION_LOGGER).warning(
            "Received notification from DBMS server: %s", NotificationPrinter(status, query, one_line=True)
        )
    (record,) = caplog.records
    assert record.getMessage() == (
        "Neo4j notification: 01N42 Neo.ClientNotification.Statement.FeatureDeprecationWarning "
        "(WARNING DEPRECATION): CALL subquery without a variable scope clause is now deprecated. "
        "Use CALL (s) { ... }"
    )
    long = GqlStatusObject._from_notification_metadata({"description": "x " * 500, "severity": "WARNING"})
    assert summarise_notification(long).endswith("...") and len(summarise_notification(long)) < 220


def test_plan_writes_nodes_before_relationships(curated: Path) -> None:
    with KnowledgeGraph.open(curated) as kg:
        batches = plan(kg, 50)
        kinds = [b.kind for b in batches]
        assert kinds == sorted(kinds, key=["nodes", "relationships"].index)
        assert sum(len(b.members) for b in batches if b.kind == "nodes") == len(kg)
        edges = sorted(i for b in batches if b.kind == "relationships" for i in b.members)
        assert edges == list(range(kg.edge_count))


def test_columnar_parameters_carry_the_same_rows(curated: Path) -> None:
    with KnowledgeGraph.open(curated) as kg:
        for batch in plan(kg, 40):
            rows, common = batch_rows(kg, batch)
            statements = batch_statements(kg, batch)
            assert len(statements) == (2 if batch.kind == "nodes" else 1)
            query, params = statements[-1]
            if batch.kind == "nodes":
                assert statements[0][1] == {"ids": params["ids"]}
            ids = params["ids"] if batch.kind == "nodes" else params["keys"]
            assert "$rows" not in query and "rest" not in params and len(ids) == len(rows)
            names = [k for k in query.split() if k.startswith(("n.", "r."))]
            for i, row in enumerate(rows):
                got = {name[2:]: params[f"c{j}"][i] for j, name in enumerate(names)}
                assert {k: v for k, v in got.items() if v is not None} | common == row["props"] | common
                assert ids[i] == (row["id"] if batch.kind == "nodes" else row["key"])
    rows = [{"props": {"a": 1, "bad key": 2}}, {"props": {"b": [1.0]}}]
    assert columns(rows) == (("a", "b"), {"c0": [1, None], "c1": [None, [1.0]]}, True)
    assert rows == [{"props": {"bad key": 2}}, {"props": {}}]


def test_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(Neo4jConnectionError, match=r"cannot reach a Bolt server at bolt://127\.0\.0\.1"):
        run_cypher("RETURN 1", config=Neo4jConfig(f"bolt://127.0.0.1:{free_port()}", password="x"))


@pytest.mark.neo4j
def test_load_counts_match_store_and_twice_is_idempotent(db: Neo4jConfig, curated: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    with KnowledgeGraph.open(curated) as kg:
        result = load_graph(kg, db, batch_size=100, progress=lambda *a: seen.append(a))
        expected = store_counts(kg)
        assert result.nodes == len(kg) and result.relationships == kg.edge_count
        assert seen[-1] == ("relationships", kg.edge_count, kg.edge_count)
        assert db_counts(db) == expected and expected["TmekgNode"] == len(kg)
        load_graph(kg, db, batch_size=1000)
    assert db_counts(db) == expected
    keys = run_cypher("MATCH ()-[r]->() WHERE r.key IS NOT NULL RETURN count(DISTINCT r.key) AS k", config=db)
    assert keys.rows == [{"k": result.relationships}]


@pytest.mark.neo4j
def test_loaded_relationship_properties_equal_the_mapping(db: Neo4jConfig, curated: Path) -> None:
    def norm(props: dict[str, Any]) -> str:
        return json.dumps(props, sort_keys=True)  # NaN scores compare as text

    with KnowledgeGraph.open(curated) as kg:
        for columnar in (False, True):
            load_graph(kg, db, batch_size=100, columnar=columnar)
            rows = run_cypher("MATCH (:TmekgNode)-[r]->() RETURN properties(r) AS p", config=db).rows
            assert sorted(norm(r["p"]) for r in rows) == sorted(norm(edge_properties(e)) for e in kg.edges())
            node = kg.nodes[0]
            found = run_cypher("MATCH (n:TmekgNode {id: $id}) RETURN properties(n) AS p", {"id": node.id}, db)
            assert norm(found.rows[0]["p"]) == norm(node_properties(node))


@pytest.mark.neo4j
def test_replace_deletes_only_tmekg_nodes(db: Neo4jConfig, curated: Path) -> None:
    run_cypher(
        "CREATE (a:TmekgTestUnrelated {id: 'x', name: 'mine'})-[:NOTES]->(:TmekgTestUnrelated {id: 'y'})",
        config=db,
        write=True,
    )
    env = _env(db) | {"TMEKG_STORE": str(curated)}
    app = typer.Typer()
    app.add_typer(neo4j_app, name="neo4j")
    for _ in range(2):
        result = CliRunner().invoke(app, ["neo4j", "load", "--replace", "--quiet"], env=env)
        assert result.exit_code == 0, result.output
        assert "loaded" in result.output and not (db.password and db.password in result.output)
    with KnowledgeGraph.open(curated) as kg:
        assert db_counts(db) == store_counts(kg)
    mine = run_cypher(
        "MATCH (a:TmekgTestUnrelated)-[r:NOTES]->(b) RETURN a.name AS name, b.id AS b", config=db
    )
    assert mine.rows == [{"name": "mine", "b": "y"}]


@pytest.mark.neo4j
def test_read_only_cypher_refuses_writes(db: Neo4jConfig) -> None:
    with pytest.raises(ReadOnlyError, match="--write"):
        run_cypher("CREATE (n:TmekgTestWrite {id: 1}) RETURN n.id AS id", config=db)
    assert run_cypher("MATCH (n:TmekgTestWrite) RETURN count(n) AS c", config=db).rows == [{"c": 0}]
    app = _cypher_app()
    env = _env(db)
    refused = CliRunner().invoke(app, ["cypher", "CREATE (n:TmekgTestWrite {id: 2})"], env=env)
    assert refused.exit_code == 1 and "read-only" in refused.output
    allowed = CliRunner().invoke(app, ["cypher", "CREATE (n:TmekgTestWrite {id: 3})", "--write"], env=env)
    assert allowed.exit_code == 0, allowed.output
    ids = run_cypher("MATCH (n:TmekgTestWrite) RETURN collect(n.id) AS ids", config=db).rows
    assert ids == [{"ids": [3]}]


@pytest.mark.neo4j
def test_cli_cypher_file_params_and_formats(db: Neo4jConfig, curated: Path) -> None:
    with KnowledgeGraph.open(curated) as kg:
        load_graph(kg, db)
        n_adenosine, n_nodes = len(kg.neighbours("CHEBI:16335")), len(kg)
    app, env = _cypher_app(), _env(db)
    args = ["cypher", "--file", "node_neighbourhood", "--param", "id=CHEBI:16335", "--format", "json"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == n_adenosine
    tsv = CliRunner().invoke(
        app, ["cypher", "MATCH (n:TmekgNode) RETURN count(n) AS c", "-f", "tsv"], env=env
    )
    assert tsv.stdout.splitlines() == ["c", str(n_nodes)]
    bad = CliRunner().invoke(app, ["cypher", "MATCH (n RETURN n"], env=env)
    assert bad.exit_code == 1 and "error: query failed" in bad.output


def _cypher_app() -> typer.Typer:
    app = typer.Typer()
    app.command("cypher")(cypher)
    app.command("noop")(lambda: None)
    return app


def _env(config: Neo4jConfig) -> dict[str, str]:
    env = {"NEO4J_URI": config.uri, "NEO4J_USERNAME": config.user, "NEO4J_PASSWORD": config.password or ""}
    return env | ({"NEO4J_DATABASE": config.database} if config.database else {})


@pytest.mark.neo4j
def test_server_stopping_midway_then_rerun_completes(server: Server, db: Neo4jConfig, curated: Path) -> None:
    if server.process is None:
        pytest.skip("needs the ArcadeDB fixture: an external Neo4j cannot be stopped by the test")
    process = server.process

    def stop_after_first(i: int, batch: Any) -> None:
        if i == 0:
            process.stop()

    with KnowledgeGraph.open(curated) as kg:
        try:
            with pytest.raises(Neo4jLoadError, match=r"batch 2/\d+ .*Committed before it: 1 batches") as info:
                load_graph(kg, replace(db, retry_seconds=1.0), batch_size=100, on_batch=stop_after_first)
        finally:
            process.start()
        assert info.value.batches_done == 1 and info.value.nodes > 0 and "rerun" in str(info.value)
        load_graph(kg, db, batch_size=100)
        assert db_counts(db) == store_counts(kg)


@pytest.mark.neo4j
def test_constraint_violation_midway_then_rerun_completes(db: Neo4jConfig, curated: Path) -> None:
    setup = [  # Neo4j refuses a constraint over an existing index: drop tmekg's, the load then keeps it out
        "DROP INDEX tmekg_metabolite_name IF EXISTS",
        "CREATE CONSTRAINT tmekg_test_metabolite_name IF NOT EXISTS "
        "FOR (n:Metabolite) REQUIRE n.name IS UNIQUE",
        "CREATE (:Metabolite:TmekgTestUnrelated {id: 'TEST:clash', name: 'adenosine'})",
    ]
    for statement in setup:
        run_cypher(statement, config=db, write=True)
    try:
        with KnowledgeGraph.open(curated) as kg:
            with pytest.raises(Neo4jLoadError, match=r"nodes Metabolite:TmekgNode") as info:
                load_graph(kg, db, batch_size=1000)
            assert info.value.batches_done >= 1 and info.value.relationships == 0
            run_cypher("MATCH (n:TmekgTestUnrelated) DETACH DELETE n", config=db, write=True)
            load_graph(kg, db, batch_size=1000)
            assert db_counts(db) == store_counts(kg)
    finally:
        run_cypher("DROP CONSTRAINT tmekg_test_metabolite_name IF EXISTS", config=db, write=True)


@pytest.mark.neo4j
def test_load_works_with_the_users_own_indexes_and_constraints(db: Neo4jConfig, curated: Path) -> None:
    user = [  # tmekg's own ones dropped first, the user's on the same properties under other names
        "DROP CONSTRAINT tmekg_gene_id IF EXISTS",
        "DROP CONSTRAINT tmekg_celltype_id IF EXISTS",
        "DROP INDEX tmekg_metabolite_name IF EXISTS",
        "CREATE CONSTRAINT tmekg_test_user_gene_id IF NOT EXISTS FOR (n:Gene) REQUIRE n.id IS UNIQUE",
        "CREATE INDEX tmekg_test_user_celltype_id IF NOT EXISTS FOR (n:CellType) ON (n.id)",
        "CREATE INDEX tmekg_test_user_metabolite_name IF NOT EXISTS FOR (n:Metabolite) ON (n.name)",
    ]
    for statement in user:
        run_cypher(statement, config=db, write=True)
    try:
        with KnowledgeGraph.open(curated) as kg:
            for _ in range(2):
                result = load_graph(kg, db, batch_size=1000)
                assert db_counts(db) == store_counts(kg)
                notes = [n for n in result.skipped_indexes if not n.startswith("tmekg_search")]
                assert len(notes) == 1 and notes[0].startswith("tmekg_celltype_id: not created because index")
        indexes = run_cypher("SHOW INDEXES", config=db).rows
        constraints = run_cypher("SHOW CONSTRAINTS", config=db).rows

        def on(rows: list[dict[str, Any]], label: str, prop: str, kind: str = "") -> list[str]:
            return [
                r["name"]
                for r in rows
                if r["labelsOrTypes"] == [label] and r["properties"] == [prop] and kind in str(r["type"])
            ]

        assert len(on(constraints, "Gene", "id", "UNIQUENESS")) == 1
        assert len(on(indexes, "Metabolite", "name")) == 1 and not on(constraints, "CellType", "id", "UNIQUE")
    finally:
        for name in ("tmekg_test_user_gene_id",):
            run_cypher(f"DROP CONSTRAINT {name} IF EXISTS", config=db, write=True)
        for name in ("tmekg_test_user_celltype_id", "tmekg_test_user_metabolite_name"):
            run_cypher(f"DROP INDEX {name} IF EXISTS", config=db, write=True)
    with KnowledgeGraph.open(curated) as kg:  # tmekg's schema comes back
        assert not [n for n in load_graph(kg, db).skipped_indexes if not n.startswith("tmekg_search")]


def _add_ties(db: Neo4jConfig, ids: tuple[str, ...]) -> None:
    """Target paths of equal length through new metabolites (``ids``, created in this order)."""
    query, params = split_query(library_queries()["combination_explanation"].read_text(encoding="utf-8"))
    effect = run_cypher(query, params, db).rows[0]["effect"]
    tie = (
        "MATCH (g:Gene {id: $target}), (e:ImmuneEffect {id: $effect}) "
        "CREATE (g)-[:PRODUCES {sign: 1, key: $id + '|p'}]->(m:Metabolite:TmekgNode {id: $id, name: 'tie'}) "
        "CREATE (m)-[:DECREASES {sign: -1, key: $id + '|d'}]->(e)"
    )
    for node in ids:
        run_cypher(tie, {"target": params["target"], "effect": effect, "id": node}, db, write=True)


@pytest.mark.neo4j
def test_library_query_order_is_the_same_after_a_reload(db: Neo4jConfig, curated: Path) -> None:
    def run_all() -> dict[str, list[dict[str, Any]]]:
        out = {}
        for name, path in library_queries().items():
            query, params = split_query(path.read_text(encoding="utf-8"))
            out[name] = run_cypher(query, params, db).rows
        return out

    ties = ("TEST:tie.b", "TEST:tie.c", "TEST:tie.a")
    with KnowledgeGraph.open(curated) as kg:
        load_graph(kg, db)
        _add_ties(db, ties)
        first = run_all()
        node_batches = [b for b in plan(kg, 10**6) if b.kind == "nodes"]
        run_cypher("MATCH (n:TmekgNode) DETACH DELETE n", config=db, write=True)
        for batch in reversed(node_batches):  # the second load creates everything in the reverse order
            ids = [kg.nodes[i].id for i in reversed(batch.members)]
            run_cypher(create_missing_query(batch.target), {"ids": ids}, db, write=True)
        load_graph(kg, db)
        _add_ties(db, ties[::-1])
        second = run_all()
    assert first == second
    rows = first["combination_explanation"]
    names = ("therapy_path_names", "therapy_path", "target_inhibition_sign", "therapy_sign", "evidence")
    key = [
        (r["effect_name"], r["effect"], len(r["target_path"]), r["target_path"], *(r[n] for n in names))
        for r in rows
    ]
    assert key == sorted(key) and sum("TEST:tie.a" in r["target_path"] for r in rows) > 1


# -- the query library against Python expectations ------------------------------------------------------


def _edges(kg: KnowledgeGraph) -> dict[str, list[Edge]]:
    out: dict[str, list[Edge]] = defaultdict(list)
    for edge in kg.edges():
        out[edge.predicate].append(edge)
    return out


def _routes(kg: KnowledgeGraph) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """(cell type, metabolite, route) for cells that make and cells that use a metabolite."""
    edges, name = _edges(kg), {n.id: n.name for n in kg.nodes}
    cells: dict[str, set[str]] = defaultdict(set)
    for e in edges["expressed_in"]:
        cells[e.subject].add(e.object)
    makers = {(e.subject, e.object, "secretes") for e in edges["secretes"]}
    users = {(e.subject, e.object, "takes up") for e in edges["takes_up"]}
    makers |= {
        (c, e.object, f"{name[e.subject]} produces") for e in edges["produces"] for c in cells[e.subject]
    }
    for e in edges["transports"]:
        verb, target = {"export": ("exports", makers), "import": ("imports", users)}.get(
            e.prop("direction"), ("", None)
        )
        if target is not None:
            target |= {(c, e.object, f"{name[e.subject]} {verb}") for c in cells[e.subject]}
    for pred in ("activates", "inhibits", "binds"):
        users |= {(c, e.subject, f"{pred} {name[e.object]}") for e in edges[pred] for c in cells[e.object]}
    return makers, users


def _crosstalk(kg: KnowledgeGraph, p: dict[str, Any]) -> Counter:
    makers, users = _routes(kg)
    rows = {
        (m, r1, r2)
        for c, m, r1 in makers
        if c == p["sender"]
        for c2, m2, r2 in users
        if c2 == p["receiver"] and m2 == m
    }
    for e in _edges(kg)["crosstalk"]:
        if (e.subject, e.object) == (p["sender"], p["receiver"]):
            route = f"CROSSTALK {e.prop('mode', '')}"
            rows.add((e.prop("metabolite"), route, route))
    return Counter(rows)


def _cell_types(kg: KnowledgeGraph, p: dict[str, Any]) -> Counter:
    makers, users = _routes(kg)
    rows = {(c, "produces", r) for c, m, r in makers if m == p["metabolite"]}
    return Counter(rows | {(c, "senses", r) for c, m, r in users if m == p["metabolite"]})


MECHANISTIC = (
    "produces",
    "degrades",
    "transports",
    "activates",
    "inhibits",
    "binds",
    "increases",
    "decreases",
)


def _paths(
    kg: KnowledgeGraph, start: str, preds: tuple[str, ...], max_hops: int, end: str
) -> list[tuple[tuple[str, ...], int]]:
    """Simple directed paths start -> node of category ``end``: (node ids, sign product)."""
    out: dict[str, list[Edge]] = defaultdict(list)
    edges = _edges(kg)
    for pred in preds:
        for e in edges[pred]:
            out[e.subject].append(e)
    schema, found = load_schema(), []

    def walk(path: tuple[str, ...], sign: int) -> None:
        if len(path) > 1 and kg.node(path[-1]).category == end:
            found.append((path, sign))
        if len(path) > max_hops:
            return
        for e in out[path[-1]]:
            if e.object not in path:
                walk((*path, e.object), sign * schema.edge_sign(e))

    walk((start,), 1)
    return found


def _target_paths(kg: KnowledgeGraph, p: dict[str, Any]) -> Counter:
    return Counter(_paths(kg, p["gene"], MECHANISTIC, p["max_hops"], "ImmuneEffect"))


def _drugs(kg: KnowledgeGraph, p: dict[str, Any]) -> Counter:
    edges, polarity = _edges(kg), {n.id: n.prop("polarity") for n in kg.nodes}
    bad = {e.subject for e in edges["decreases"] if polarity[e.object] == "antitumour"}
    bad |= {e.subject for e in edges["increases"] if polarity[e.object] == "protumour"}
    metabolites = {p["metabolite"]} & bad if p["metabolite"] else bad
    producers = {(e.subject, e.object, "produces") for e in edges["produces"]}
    producers |= {
        (e.subject, e.object, "transports") for e in edges["transports"] if e.prop("direction") == "export"
    }
    sign = load_schema().edge_sign
    return Counter(
        (m, g, route, t.subject, sign(t))
        for g, m, route in producers
        if m in metabolites
        for t in edges["targets"]
        if t.object == g
    )


def _combination(kg: KnowledgeGraph, p: dict[str, Any]) -> Counter:
    target = _paths(kg, p["target"], MECHANISTIC, p["max_hops"], "ImmuneEffect")
    drugs = [n.id for n in kg.nodes if n.prop("immunotherapy_class") == p["immunotherapy_class"]]
    therapy = [
        t for d in drugs for t in _paths(kg, d, ("targets", "increases", "decreases"), 2, "ImmuneEffect")
    ]
    return Counter((a[-1], a, -s, b, t) for a, s in target for b, t in therapy if b[-1] == a[-1])


def _neighbourhood(kg: KnowledgeGraph, p: dict[str, Any]) -> Counter:
    return Counter(
        (nb.edge.predicate.upper(), "out" if nb.outgoing else "in", nb.other.id)
        for nb in kg.neighbours(p["id"])
    )


def _lookup(kg: KnowledgeGraph, p: dict[str, Any]) -> Counter:
    term, found = p["term"].upper(), []
    for n in kg.nodes:
        fields = [[n.id], n.xrefs, accessions(n), [n.name], n.synonyms]
        rank = next((i for i, values in enumerate(fields) if term in {v.upper() for v in values}), None)
        if rank is not None:
            found.append((rank, n.category, n.id))
    names = ["id", "xref", "accession", "name", "synonym"]
    return Counter((node, names[rank]) for rank, _, node in sorted(found)[: p["limit"]])


EXPECTED = {
    "node_lookup": (_lookup, lambda r: (r["id"], r["match"])),
    "celltype_crosstalk": (_crosstalk, lambda r: (r["metabolite"], r["sender_route"], r["receiver_route"])),
    "metabolite_cell_types": (_cell_types, lambda r: (r["cell_type"], r["role"], r["route"])),
    "target_to_immune_effect": (_target_paths, lambda r: (tuple(r["path"]), r["sign"])),
    "drugs_on_immunosuppressive_producers": (
        _drugs,
        lambda r: (r["metabolite"], r["producer"], r["producer_route"], r["drug"], r["action_sign"]),
    ),
    "combination_explanation": (
        _combination,
        lambda r: (
            r["effect"],
            tuple(r["target_path"]),
            r["target_inhibition_sign"],
            tuple(r["therapy_path"]),
            r["therapy_sign"],
        ),
    ),
    "node_neighbourhood": (_neighbourhood, lambda r: (r["relationship"], r["direction"], r["other"])),
}


@pytest.mark.neo4j
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_library_query_returns_expected_rows(name: str, loaded: Neo4jConfig, curated: Path) -> None:
    query, params = split_query(library_queries()[name].read_text(encoding="utf-8"))
    expect, key = EXPECTED[name]
    with KnowledgeGraph.open(curated) as kg:
        expected = expect(kg, params)
    assert expected, f"{name}: the default parameters should give rows on the curated graph"
    result = run_cypher(query, params, loaded)
    assert Counter(key(row) for row in result.rows) == expected
    if "evidence" in result.columns:
        assert all(row["evidence"] is not None for row in result.rows)
        assert any(row["evidence"] for row in result.rows)


# -- after the library tests: these use the module-scoped loaded data too


@pytest.mark.neo4j
def test_bare_accession_finds_the_gene(loaded: Neo4jConfig) -> None:
    query, params = split_query(library_queries()["node_lookup"].read_text(encoding="utf-8"))
    for term, match in (("P21589", "accession"), ("uniprot:p21589", "xref"), ("HGNC.SYMBOL:NT5E", "id")):
        rows = run_cypher(query, params | {"term": term}, loaded).rows
        assert (rows[0]["id"], rows[0]["match"]) == ("HGNC.SYMBOL:NT5E", match)
    indexes = run_cypher("SHOW INDEXES", config=loaded).rows
    if any(r["name"] == "tmekg_search" for r in indexes):  # a real Neo4j: full-text finds it too
        run_cypher("CALL db.awaitIndexes(120)", config=loaded)
        search = "CALL db.index.fulltext.queryNodes('tmekg_search', 'P21589') YIELD node RETURN node.id AS id"
        assert {"id": "HGNC.SYMBOL:NT5E"} in run_cypher(search, config=loaded).rows


@pytest.mark.neo4j
def test_library_queries_log_no_query_text(
    loaded: Neo4jConfig, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    texts = []
    with caplog.at_level(logging.DEBUG, NOTIFICATION_LOGGER):
        for path in library_queries().values():
            query, params = split_query(path.read_text(encoding="utf-8"))
            texts += [line.strip() for line in query.splitlines() if len(line.strip()) > 30]
            result = run_cypher(query, params, loaded)
            assert all(re.fullmatch(r"[^\n]{1,300}", note) for note in result.notifications)
            assert not [n for n in result.notifications if "CALL subquery without a variable scope" in n]
    logged = [record.getMessage() for record in caplog.records] + [capfd.readouterr().err]
    for message in logged[:-1]:
        assert re.fullmatch(r"Neo4j notification: [^\n]{1,300}", message)
    assert not [line for line in texts if any(line in message for message in logged)]
