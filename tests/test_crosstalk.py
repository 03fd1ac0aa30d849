"""Crosstalk inference: hand-computed scores, gene sets from the schema, permutation p-values, edges, CLI."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from tmekg.graph import KnowledgeGraph
from tmekg.queries import crosstalk_score as cs
from tmekg.queries.crosstalk import COLUMNS, CrosstalkParams, crosstalk_for, infer_crosstalk, to_edges
from tmekg.queries.crosstalk_evidence import schema_roles
from tmekg.schema import load_schema
from tmekg.studies import StudySpec, load_study

ICAF, NEO, TREG, CD8 = "TMEKG:celltype.iCAF", "CL:0001064", "CL:0000815", "CL:0000625"
LACTATE, ADENOSINE, ARGININE = "CHEBI:16651", "CHEBI:16335", "CHEBI:32682"
STUDY = "TMEKG:study.demo"
# Hand-computed from tests/fixtures/study/crosstalk_pseudobulk.csv and kb_crosstalk (see docs/crosstalk.md):
# receivers are weighted by their resource confidence (curated sensors 1.0, importers 0.8), and rows
# whose only support is the same importer on both sides (SLC7A1 -> SLC7A1, SLC16A1 -> SLC16A1) are
# not crosstalk: Treg <-> CD8 arginine and Neoplastic <-> Treg lactate depletion are gone.
EXPECTED = {
    (ICAF, LACTATE, NEO, "supply"): 1.0,  # S = (LDHA 1 + SLC16A3 1) / 2; R = HCAR1 1 x 1.0
    (ICAF, LACTATE, TREG, "supply"): 0.4,  # R = SLC16A1 0.5 x 0.8
    (NEO, LACTATE, TREG, "supply"): 0.1,  # S = (0.5 + 0) / 2 = 0.25; R = 0.4
    (ICAF, ADENOSINE, CD8, "supply"): 1.0,
    (ICAF, ADENOSINE, TREG, "supply"): 0.5,
    (NEO, ARGININE, CD8, "depletion"): 0.4,  # S = (ARG1 1 + SLC7A1 0) / 2; R = SLC7A1 1 x 0.8
    (NEO, ARGININE, TREG, "depletion"): 0.2,  # R = SLC7A1 0.5 x 0.8
}


@pytest.fixture(scope="module")
def store(fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xt") / "store"
    kb = fixtures / "study" / "kb_crosstalk"
    from tmekg import pipeline

    pipeline.build_store(store=root, kb=kb)
    common = {
        "study_id": STUDY,
        "map_file": str(fixtures / "study" / "celltype_map.yaml"),
        "map_name": "demo",
    }
    load_study(
        StudySpec(path=str(fixtures / "study" / "crosstalk_pseudobulk.csv"), format="pseudobulk", **common),
        root,
        kb=kb,
    )
    load_study(
        StudySpec(path=str(fixtures / "study" / "mebocost_commu.tsv"), format="mebocost", **common),
        root,
        kb=kb,
    )
    return root


def test_schema_roles() -> None:
    roles = schema_roles(load_schema())
    assert roles == {
        "production": ["produces"],
        "consumption": ["degrades"],
        "transport": ["transports"],
        "sensing": ["binds", "activates", "inhibits"],
        "expression": ["expressed_in"],
        "crosstalk": ["crosstalk"],
    }


def test_scores_match_hand_computation(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        rows = infer_crosstalk(kg, CrosstalkParams(permutations=0))
    got = {(r.sender_id, r.metabolite_id, r.receiver_id, r.mode): r.score for r in rows}
    assert got == EXPECTED
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    top = next(r for r in rows if (r.sender_id, r.metabolite_id, r.receiver_id) == (ICAF, LACTATE, NEO))
    assert (top.sender_genes, top.receiver_genes, top.p_value, top.study) == (
        ["LDHA", "SLC16A3"],
        ["HCAR1", "SLC16A1"],
        None,
        STUDY,
    )
    records = {e["record"] for e in top.evidence["sender"] + top.evidence["receiver"]}
    assert records == {
        "crosstalk_pseudobulk.csv:2:LDHA",
        "crosstalk_pseudobulk.csv:2:SLC16A3",
        "crosstalk_pseudobulk.csv:3:HCAR1",
        "crosstalk_pseudobulk.csv:3:SLC16A1",
    }
    assert {(e["predicate"], e["direction"]) for e in top.evidence["resources"]} == {
        ("produces", None),
        ("transports", "export"),
        ("activates", None),
        ("transports", "import"),
    }


def test_filters_and_modes(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        rows = infer_crosstalk(kg, CrosstalkParams(permutations=0, modes=("depletion",)), sender="Treg")
        assert rows == []  # Treg's only depletion support is an importer the receivers share
        rows = infer_crosstalk(kg, CrosstalkParams(permutations=0, modes=("depletion",)), sender="Neoplastic")
        assert {(r.metabolite_id, r.receiver_id) for r in rows} == {(ARGININE, CD8), (ARGININE, TREG)}
        rows = infer_crosstalk(
            kg, CrosstalkParams(permutations=0), metabolite="lactate", receiver="CD8 T cell"
        )
        assert rows == []
        with pytest.raises(Exception, match=r"no expression evidence for study 'TMEKG:study\.other'"):
            infer_crosstalk(kg, CrosstalkParams(study="TMEKG:study.other"))


def test_min_receiver_confidence_keeps_only_strong_receivers(store: Path) -> None:
    # receivers: HCAR1 / ADORA2A curated sensors (1.0), SLC16A1 / SLC7A1 importers (0.8). At 1.0 the
    # importer-only rows go (iCAF / Neoplastic -> lactate -> Treg, both arginine depletion rows) and
    # iCAF -> lactate -> Neoplastic keeps R = HCAR1 1 x 1.0; at 0.8 nothing changes.
    with KnowledgeGraph.open(store) as kg:
        strict = infer_crosstalk(kg, CrosstalkParams(permutations=0, min_receiver_confidence=1.0))
        loose = infer_crosstalk(kg, CrosstalkParams(permutations=0, min_receiver_confidence=0.8))
        with pytest.raises(Exception, match=r"min receiver confidence 1\.5 is not within \[0, 1\]"):
            infer_crosstalk(kg, CrosstalkParams(min_receiver_confidence=1.5))
    got = {(r.sender_id, r.metabolite_id, r.receiver_id, r.mode): r.score for r in strict}
    assert got == {
        (ICAF, LACTATE, NEO, "supply"): 1.0,
        (ICAF, ADENOSINE, CD8, "supply"): 1.0,
        (ICAF, ADENOSINE, TREG, "supply"): 0.5,
    }
    assert next(r for r in strict if r.metabolite_id == LACTATE).receiver_genes == ["HCAR1"]
    assert {(r.sender_id, r.metabolite_id, r.receiver_id, r.mode): r.score for r in loose} == EXPECTED


def test_signalling_only_leaves_out_metabolites_without_a_receptor(store: Path) -> None:
    # lactate (HCAR1, curated activates 1.0) and adenosine (ADORA2A 1.0) are signals and keep their
    # importer receivers (iCAF / Neoplastic -> lactate -> Treg via SLC16A1 stay); arginine meets only
    # the importer SLC7A1: its two depletion rows go
    with KnowledgeGraph.open(store) as kg:
        rows = infer_crosstalk(kg, CrosstalkParams(permutations=0, signalling_only=True))
    got = {(r.sender_id, r.metabolite_id, r.receiver_id, r.mode): r.score for r in rows}
    assert got == {k: v for k, v in EXPECTED.items() if k[1] != ARGININE}


def test_permutation_pvalues_are_seeded_and_bounded(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        a = infer_crosstalk(kg, CrosstalkParams(permutations=200, seed=7))
        b = infer_crosstalk(kg, CrosstalkParams(permutations=200, seed=7))
    assert [r.p_value for r in a] == [r.p_value for r in b]
    assert all(1 / 201 <= r.p_value <= 1.0 for r in a)


def test_permutation_pvalue_matches_exact_enumeration() -> None:
    E = np.array([[0.9, 0.1], [0.2, 0.0], [0.0, 0.7]])  # gene 0 = producer, gene 1 = sensor
    sets = cs.GeneSets.build([[0]], [[]], [[1]], n_genes=2)
    cand = cs.candidates(E, sets)
    p = cs.permutation_pvalues(E, sets, cand, n=20000, seed=1)
    perms = list(itertools.permutations(range(3)))
    for s, r, obs, p_mc in zip(cand[0], cand[1], cand[3], p, strict=True):
        exact = np.mean([E[a[s], 0] * E[b[r], 1] >= obs - 1e-12 for a in perms for b in perms])
        assert p_mc == pytest.approx(exact, abs=0.015), (s, r)


def test_vectorised_scores_equal_the_naive_loop() -> None:
    rng = np.random.default_rng(3)
    E = np.where(rng.random((7, 12)) < 0.4, rng.random((7, 12)), 0.0)
    pos = [[0, 1], [2], [3, 4, 5], [6]]
    neg = [[7], [], [8], []]
    recv = [[9, 10], [11], [9], []]
    sizes = ([len(x) + 1 for x in pos], [len(x) for x in neg])  # one producer without evidence each
    sets = cs.GeneSets.build(pos, neg, recv, 12, sizes)
    s, r, m, x = cs.candidates(E, sets)
    fast = {(int(a), int(b), int(c)): float(v) for a, b, c, v in zip(s, r, m, x, strict=True)}
    naive = cs.naive_scores(E, pos, neg, recv, *sizes)
    assert fast.keys() == naive.keys() and all(fast[k] == pytest.approx(naive[k]) for k in naive)


def test_inferred_edges_are_schema_valid_and_marked(store: Path) -> None:
    params = CrosstalkParams(permutations=50)
    with KnowledgeGraph.open(store) as kg:
        rows = infer_crosstalk(kg, params)
        categories = {n.id: n.category for n in kg.nodes}
    edges = to_edges(rows, params)
    schema = load_schema()
    for edge in edges:
        schema.validate_edge(edge, categories)
    first = edges[0]
    assert first.prop("inferred") is True and first.provenance[0].source == "tmekg-crosstalk"
    assert "permutations=50;seed=0" in first.prop("parameters")
    assert first.provenance[0].study == STUDY and "PMID:1" in first.provenance[0].evidence


def test_crosstalk_for_lists_stored_and_inferred(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        doc = crosstalk_for(kg, "iCAF", CrosstalkParams(permutations=0))
    stored = [r for r in doc["outgoing"] if not r["source"].startswith("tmekg-crosstalk")]
    assert [(r["receiver_id"], r["metabolite_id"], r["source"]) for r in stored] == [
        (NEO, LACTATE, "study:TMEKG:study.demo")  # MEBOCOST row, HMDB id resolved to the graph's ChEBI id
    ]
    inferred = {
        (r["metabolite_id"], r["receiver_id"])
        for r in doc["outgoing"]
        if r["inferred"] and r["source"] == "tmekg-crosstalk"
    }
    assert inferred == {(LACTATE, NEO), (LACTATE, TREG), (ADENOSINE, CD8), (ADENOSINE, TREG)}
    assert doc["incoming"] == []


def _app() -> typer.Typer:
    from tmekg.cli.crosstalk import crosstalk, study_app

    app = typer.Typer()
    app.command("crosstalk")(crosstalk)
    app.add_typer(study_app, name="study")
    return app


def test_cli_tsv_columns_and_errors(store: Path) -> None:
    runner = CliRunner()
    args = ["crosstalk", "--store", str(store), "--top", "3", "--format", "tsv", "--permutations", "0"]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split("\t") == list(COLUMNS) and len(lines) == 4
    # ties (score 1.0) are broken by p-value, then sender and receiver ids: CL:0000625 before CL:0001064
    assert lines[1].split("\t") == [
        ICAF,
        "inflammatory cancer-associated fibroblast",
        ADENOSINE,
        "adenosine",
        CD8,
        "CD8-positive, alpha-beta T cell",
        "supply",
        "1",
        "",
        "NT5E",
        "ADORA2A",
    ]
    result = runner.invoke(_app(), ["crosstalk", "--store", str(store), "--format", "json", "--top", "1"])
    doc = json.loads(result.output)
    assert doc[0]["evidence"]["sender"] and doc[0]["study"] == STUDY
    bad = runner.invoke(_app(), ["crosstalk", "--store", str(store), "--mode", "sideways"])
    assert bad.exit_code == 1 and "unknown mode 'sideways'" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(_app(), ["crosstalk", "--store", str(store), "--sender", "NoSuchCell"])
    assert missing.exit_code == 1 and "no node matches 'NoSuchCell'" in missing.output
    strict = runner.invoke(_app(), [*args, "--min-receiver-confidence", "1"])
    assert strict.exit_code == 0 and len(strict.output.strip().splitlines()) == 4  # header + 3 rows
    out = runner.invoke(_app(), [*args, "--min-receiver-confidence", "-0.5"])
    assert out.exit_code == 1 and "is not within [0, 1]" in out.output and "Traceback" not in out.output


def test_export_html_crosstalk_shows_the_rows_crosstalk_infers(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store with study expression evidence but no stored crosstalk edges (pseudobulk only)."""
    from tmekg import display, pipeline
    from tmekg.cli import app

    monkeypatch.delenv("TMEKG_STORE", raising=False)
    root, kb = tmp_path / "store", fixtures / "study" / "kb_crosstalk"
    pipeline.build_store(store=root, kb=kb)
    spec = StudySpec(
        path=str(fixtures / "study" / "crosstalk_pseudobulk.csv"),
        format="pseudobulk",
        study_id=STUDY,
        map_file=str(fixtures / "study" / "celltype_map.yaml"),
        map_name="demo",
    )
    load_study(spec, root, kb=kb)
    with KnowledgeGraph.open(root) as kg:
        assert not list(kg.edges("crosstalk"))
        rows = infer_crosstalk(kg, CrosstalkParams(permutations=0), sender="iCAF")
        view = display.crosstalk(kg, sender="iCAF")
    # the same four iCAF rows `tmekg crosstalk --sender iCAF` lists, drawn as labelled crosstalk edges
    expected = {(ICAF, r.metabolite_name, r.receiver_id, r.mode) for r in rows}
    assert expected == {
        (ICAF, "(S)-lactate", NEO, "supply"),
        (ICAF, "adenosine", CD8, "supply"),
        (ICAF, "adenosine", TREG, "supply"),
        (ICAF, "(S)-lactate", TREG, "supply"),
    }
    drawn = {(d.edge.subject, d.label, d.edge.object, d.mode) for d in view.edges}
    assert expected <= drawn
    assert {n.id for n in view.nodes} == {ICAF, NEO, CD8, TREG}
    out = tmp_path / "x.html"
    result = CliRunner().invoke(
        app, ["export", "html", str(out), "--crosstalk", "--sender", "iCAF", "--store", str(root)]
    )
    assert result.exit_code == 0, result.output
    assert "4 nodes" in result.output and "adenosine" in out.read_text(encoding="utf-8")


def test_stratified_permutation_keeps_values_within_strata() -> None:
    rng = np.random.default_rng(0)
    batch = np.broadcast_to(np.arange(5.0)[None, :, None], (3, 5, 4))
    out = cs._shuffle(rng, batch, np.array(["a", "a", "b", "b", "b"]))
    assert set(out[:, :2, :].ravel()) == {0.0, 1.0} and set(out[:, 2:, :].ravel()) == {2.0, 3.0, 4.0}
    E = np.array([[0.9, 0.1], [0.2, 0.0], [0.0, 0.7]])
    sets = cs.GeneSets.build([[0]], [[]], [[1]], n_genes=2)
    cand = cs.candidates(E, sets)
    one = cs.permutation_pvalues(E, sets, cand, n=200, seed=3)
    same = cs.permutation_pvalues(E, sets, cand, n=200, seed=3, strata=np.array(["x", "x", "x"]))
    assert one.tolist() == same.tolist()


def test_same_gene_only_compares_support_sets() -> None:
    # genes: 0 = importer A, 1 = importer B, 2 = enzyme; one metabolite; pos = {0, 1, 2}, recv = {0, 1}
    E = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    cand = (np.array([0, 0, 2, 3]), np.array([1, 2, 0, 0]), np.zeros(4, dtype=int), np.ones(4))
    mask = cs.same_gene_only(E, [[0, 1, 2]], [[0, 1]], cand)
    # 0 -> 1: {A, B} both sides (dropped); 0 -> 2: {A, B} vs {A};
    # 2 -> 0: {A, enzyme} vs {A, B}; 3 -> 0: {B} vs {A, B}
    assert mask.tolist() == [True, False, False, False]


def test_sender_confidence_scales_each_gene_share() -> None:
    E = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # genes 0, 1 producers; gene 2 sensor
    plain = cs.GeneSets.build([[0, 1]], [[]], [[2]], n_genes=3)
    weighted = cs.GeneSets.build([[0, 1]], [[]], [[2]], n_genes=3, sender_conf=([[1.0, 0.5]], [[]]))
    assert cs.sender_term(E, plain)[:, 0].tolist() == [1.0, 0.0]
    assert cs.sender_term(E, weighted)[:, 0].tolist() == [0.75, 0.0]  # (1 x 1.0 + 1 x 0.5) / 2
