"""Embedded store: round trip, determinism, atomicity, damage detection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tmekg import store as store_mod
from tmekg.errors import LoaderError, StoreError
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_round_trip(tmp_path: Path, fixtures: Path) -> None:
    result = build_store(store=tmp_path / "s", kb=fixtures / "kb_small")
    assert result.counts["nodes"] == 6 and result.counts["edges"] == 5
    with KnowledgeGraph.open(tmp_path / "s") as kg:
        edge = next(kg.edges("decreases"))
        assert edge.provenance[0].evidence == ("PMID:2", "DOI:10.1000/xyz")
        assert edge.provenance[0].status == "unverified"
        assert edge.provenance[0].record == "a.edges.tsv:5"
        assert kg.node("UNIPROT:P21589").id == "HGNC.SYMBOL:NT5E"  # xref alias
        assert kg.resolve("CD73").id == "HGNC.SYMBOL:NT5E"
        assert kg.stats()["nodes"]["Metabolite"] == 1
        signs = {
            kg.predicates[p]: int(s)
            for (_, _, p), s in zip(kg.edge_index.tolist(), kg.edge_sign, strict=True)
        }
        assert signs == {"produces": 1, "activates": 1, "expressed_in": 0, "decreases": -1, "targets": -1}
        assert kg.nx.number_of_edges() == 5
        assert kg.nx.nodes["CHEBI:16335"]["category"] == "Metabolite"


def test_two_builds_are_byte_identical(tmp_path: Path, fixtures: Path) -> None:
    build_store(store=tmp_path / "a", kb=fixtures / "kb_small")
    build_store(store=tmp_path / "b", kb=fixtures / "kb_small")
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")


def test_failed_build_leaves_previous_store_readable(tmp_path: Path, fixtures: Path) -> None:
    build_store(store=tmp_path / "s", kb=fixtures / "kb_small")
    before = tree_bytes(tmp_path / "s")
    broken = tmp_path / "kb"
    shutil.copytree(fixtures / "kb_small", broken)
    edges = broken / "a.edges.tsv"
    edges.write_text(edges.read_text().replace("\tactivates\t", "\tactivatez\t"))
    with pytest.raises(LoaderError) as info:
        build_store(store=tmp_path / "s", kb=broken)
    assert "a.edges.tsv:3" in str(info.value) and "predicate" in str(info.value)
    assert tree_bytes(tmp_path / "s") == before
    with KnowledgeGraph.open(tmp_path / "s") as kg:
        assert kg.edge_count == 5


def test_crash_while_writing_keeps_old_snapshot(tmp_path: Path, fixtures: Path, monkeypatch) -> None:
    build_store(store=tmp_path / "s", kb=fixtures / "kb_small")
    before = tree_bytes(tmp_path / "s")

    def explode(*args, **kwargs):
        raise KeyboardInterrupt("interrupted while writing")

    monkeypatch.setattr(store_mod, "content_hash", explode)
    with pytest.raises(KeyboardInterrupt):
        build_store(store=tmp_path / "s", kb=fixtures / "kb_small")
    assert tree_bytes(tmp_path / "s") == before  # no temp dir left, CURRENT unchanged


def test_missing_and_damaged_stores(tmp_path: Path, fixtures: Path) -> None:
    with pytest.raises(StoreError, match="run `tmekg build`"):
        KnowledgeGraph.open(tmp_path / "nothing")
    snap = build_store(store=tmp_path / "s", kb=fixtures / "kb_small").snapshot
    store_mod.verify(snap)
    with open(snap / "edges.jsonl", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(StoreError, match=r"store damaged: .*edges\.jsonl"):
        KnowledgeGraph.open(tmp_path / "s")


def test_edge_score_unscored_provenance_keeps_the_default() -> None:
    """A curated (unscored) fact merged with a weak scored row keeps the default weight (NaN)."""
    import math

    from tmekg.model import Edge, Provenance
    from tmekg.store import _edge_score

    curated = Provenance("tmekg-curated", "1", evidence=("PMID:1",))
    weak = Provenance("gene-ontology", "1", score=0.3)
    strong = Provenance("gtopdb", "1", score=0.8)
    assert math.isnan(_edge_score(Edge("a", "increases", "b", (curated, weak))))
    assert _edge_score(Edge("a", "increases", "b", (weak, strong))) == pytest.approx(0.8)
    assert math.isnan(_edge_score(Edge("a", "increases", "b", (curated,))))
