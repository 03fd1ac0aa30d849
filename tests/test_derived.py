"""Derived per-snapshot tables cached in the store (queries/derived.py): the therapeutic mask, the drugs
of each gene and the reaction groups read back equal to freshly computed ones, and a rebuild or a
mismatching file never serves a stale table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.queries import derived, reaction_groups, scoring
from tmekg.queries.reaction_groups import compute_groups, default_spec


@pytest.fixture()
def kb(tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("TMEKG_STORE", "TMEKG_CACHE_DIR", "TMEKG_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the fallback cache stays inside the test
    shutil.copytree(fixtures / "scoring_kb", tmp_path / "kb")
    return tmp_path / "kb"


def _tables(folder: Path) -> list[str]:
    return sorted(p.name.split("-", 1)[0] for p in (folder / "derived").glob("*.json"))


def _fresh(store: Path) -> KnowledgeGraph:
    return KnowledgeGraph.open(store)  # a new graph object: nothing cached in memory


def test_tables_are_saved_in_the_snapshot_and_read_back_equal(kb: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=kb)
    with _fresh(store) as kg:
        drugs = scoring.drugs_by_gene(kg)
        reaction_groups.reaction_groups(kg)
        folder = kg.path
    assert drugs == {"HGNC.SYMBOL:PD1": {"D1": -1}, "HGNC.SYMBOL:T1": {"D2": -1}}  # blocking, inhibitor
    assert _tables(folder) == ["drugs_by_gene", "non_therapeutic_rows", "reaction_groups"]
    with _fresh(store) as kg:
        kg.edge_record = None  # the cached path never parses an edge record
        assert scoring.drugs_by_gene(kg) == drugs
        assert list(scoring.drugs_by_gene(kg)) == list(drugs)  # the order (phase, sources, name) too
        assert scoring.therapeutic_mask(kg).all()


def test_a_rebuild_with_other_facts_gets_new_tables(kb: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=kb)
    with _fresh(store) as kg:
        assert scoring.drugs_by_gene(kg)["HGNC.SYMBOL:T1"] == {"D2": -1}
        old = kg.path
    edges = kb / "g.edges.tsv"
    edges.write_text(edges.read_text().replace("action=inhibitor", "action=agonist"))
    build_store(store=store, kb=kb)
    with _fresh(store) as kg:
        assert kg.path != old  # a new snapshot folder: its key differs, the old table is not read
        assert scoring.drugs_by_gene(kg)["HGNC.SYMBOL:T1"] == {"D2": 1}
        assert _tables(kg.path) == ["drugs_by_gene", "non_therapeutic_rows"]


def test_a_mismatching_or_broken_file_is_recomputed(kb: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=kb)
    with _fresh(store) as kg:
        scoring.drugs_by_gene(kg)
        (path,) = (kg.path / "derived").glob("drugs_by_gene-*.json")
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({"key": "another key", "value": {"HGNC.SYMBOL:T1": {"stale": 1}}}))
    with _fresh(store) as kg:
        assert scoring.drugs_by_gene(kg)["HGNC.SYMBOL:T1"] == {"D2": -1}
    assert json.loads(path.read_text()) == doc  # rewritten under the right key
    path.write_text('{"key": "trunc')
    with _fresh(store) as kg:
        assert scoring.drugs_by_gene(kg)["HGNC.SYMBOL:T1"] == {"D2": -1}


def test_a_read_only_snapshot_falls_back_to_the_user_cache(kb: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=kb)
    with _fresh(store) as kg:
        (kg.path / "derived").write_text("a file where the folder would be")
        scoring.drugs_by_gene(kg)
        saved = list((tmp_path / "home" / ".cache" / "tmekg" / "derived" / kg.path.name).glob("*.json"))
    assert sorted(p.name.split("-", 1)[0] for p in saved) == ["drugs_by_gene", "non_therapeutic_rows"]


def test_the_key_changes_with_the_code(kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=kb)
    with _fresh(store) as kg:
        before = derived.table_key(kg, "drugs_by_gene", {}, [scoring])
        monkeypatch.setattr(derived, "_source_hash", lambda m: "edited")
        assert derived.table_key(kg, "drugs_by_gene", {}, [scoring]) != before
        assert derived.table_key(kg, "drugs_by_gene", {"x": 1}, [scoring]) != before


def test_full_build_cached_tables_equal_fresh_ones(full_build) -> None:
    _, graph = full_build
    with _fresh(graph.path.parent) as kg:  # computes (or reads) and saves the tables
        mask, drugs = scoring.therapeutic_mask(kg), scoring.drugs_by_gene(kg)
        groups = reaction_groups.reaction_groups(kg)
    with _fresh(graph.path.parent) as kg:  # reads them back from derived/
        assert np.array_equal(scoring.therapeutic_mask(kg), mask)
        assert (~mask).sum() > 0  # the build classified some targets edges non-therapeutic
        assert json.dumps(scoring.drugs_by_gene(kg)) == json.dumps(drugs)
        read = reaction_groups.reaction_groups(kg)
        fresh_mask = np.ones(kg.edge_count, dtype=bool)
        fresh_mask[scoring._non_therapeutic_rows(kg)] = False
        assert np.array_equal(fresh_mask, mask)
        assert json.dumps(scoring._drugs_by_gene(kg)) == json.dumps(drugs)
        computed = compute_groups(kg, default_spec())
        assert read.category == computed.category == groups.category
        assert read.groups == computed.groups == groups.groups
