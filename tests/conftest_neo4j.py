"""Fixtures for the neo4j tests: a curated store and one Bolt server per session.

The server is ArcadeDB (PyPI ``arcadedb-embedded``: Bolt + Neo4j-5 Cypher) on free loopback ports,
started once per session by :mod:`neo4j_server`, or a real Neo4j 5 when ``TMEKG_TEST_NEO4J_URI``
(+ ``TMEKG_TEST_NEO4J_USER`` / ``_PASSWORD`` / ``_DATABASE``) is set; there the tests delete only
``TmekgNode`` data and their own test labels. Tests skip, with the reason, only when the server
cannot start; with ``CI=true`` that is a failure instead. Loaded by ``tests/test_neo4j.py`` through
``pytest_plugins``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j_server import ArcadeDBProcess, Server, clean

from tmekg.cypher import Neo4jConfig
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.sinks.neo4j import load_graph


@pytest.fixture(scope="session")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("neo4j-curated") / "store"
    build_store(store=store)
    return store


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    uri = os.environ.get("TMEKG_TEST_NEO4J_URI")
    if uri:
        env = os.environ.get
        config = Neo4jConfig(
            uri,
            env("TMEKG_TEST_NEO4J_USER", "neo4j"),
            env("TMEKG_TEST_NEO4J_PASSWORD"),
            env("TMEKG_TEST_NEO4J_DATABASE"),
        )
        yield Server(config, None)
        return
    process = ArcadeDBProcess(tmp_path_factory.mktemp("arcadedb"))
    try:
        process.start()
    except RuntimeError as exc:
        reason = f"cannot start the ArcadeDB Bolt server for the neo4j tests: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    yield Server(process.config(), process)
    process.stop()


@pytest.fixture()
def db(server: Server) -> Iterator[Neo4jConfig]:
    """The server's settings, with tmekg and test data removed before and after the test."""
    clean(server.config)
    yield server.config
    clean(server.config)


@pytest.fixture(scope="module")
def loaded(server: Server, curated: Path) -> Iterator[Neo4jConfig]:
    clean(server.config)
    with KnowledgeGraph.open(curated) as kg:
        load_graph(kg, server.config)
    yield server.config
    clean(server.config)
