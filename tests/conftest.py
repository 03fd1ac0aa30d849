"""Shared pytest fixtures.

``shared_data`` points at ``../shared/data`` (override with ``TMEKG_SHARED_DATA``); tests that need it
skip with a clear reason when it is absent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("TMEKG_SHARED_DATA", REPO.parent / "shared" / "data"))
# test-harness settings (where the test data, a Bolt server or Chromium is), kept by the env fixture
HARNESS_ENV = ("TMEKG_SHARED_DATA", "TMEKG_TEST_", "TMEKG_CHROMIUM", "TMEKG_ARCADEDB_")


@pytest.fixture(scope="session", autouse=True)
def _no_tmekg_environment() -> Iterator[None]:
    """Tests never see the caller's ``TMEKG_*`` settings (store, data dir, workers, ...); only the
    variables that configure the test harness itself (:data:`HARNESS_ENV`) stay. Session-scoped and
    autouse, so it runs before the session fixtures that build stores."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("TMEKG_") and not n.startswith(HARNESS_ENV)]:
            patch.delenv(name)
        yield


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data folder; skips the test when it is absent."""
    if not (SHARED / "SOURCES.md").exists():
        pytest.skip(f"shared data folder not found at {SHARED} (set TMEKG_SHARED_DATA)")
    return SHARED


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """Small self-written fixtures in the real formats."""
    return FIXTURES


@pytest.fixture()
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store location, also set as TMEKG_STORE for CLI tests."""
    path = tmp_path / "store"
    monkeypatch.setenv("TMEKG_STORE", str(path))
    return path


@pytest.fixture(scope="session")
def full_build(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """One full build from every source in ``../shared/data``, shared by all tests of a session.

    Yields ``(BuildResult, KnowledgeGraph)``; tests must treat both as read-only.
    """
    from tmekg.graph import KnowledgeGraph
    from tmekg.pipeline import build_store

    store = tmp_path_factory.mktemp("full-build") / "store"
    result = build_store(store=store, data=shared_data, sources=["all"])
    with KnowledgeGraph.open(store) as kg:
        yield result, kg


@pytest.fixture(scope="session")
def scoring_kb_graph(tmp_path_factory: pytest.TempPathFactory):
    """The hand-scored fixture graph ``tests/fixtures/scoring_kb``, built once per session (read-only)."""
    from tmekg.graph import KnowledgeGraph
    from tmekg.pipeline import build_store

    store = tmp_path_factory.mktemp("scoring-kb") / "store"
    build_store(store=store, kb=FIXTURES / "scoring_kb")
    with KnowledgeGraph.open(store) as graph:
        yield graph


@pytest.fixture(scope="session")
def scoring_kb_config() -> dict:
    """The shipped scoring config with damping 0.5 (the scoring_kb expectations assume it) and the base
    model's global context factor (tests/scoring_config.py)."""
    from scoring_config import base_model_config

    return {**base_model_config(), "damping": 0.5}
