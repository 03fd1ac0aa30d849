"""Context-specific facts (tmekg/kb/pdac/contexts.*.tsv) and context_diff.

The fixture is tests/fixtures/scoring_kb (hand-scored, see test_scoring.py) plus two Context nodes and
two context-restricted facts, damping w = 0.5:

* ``T2 -decreases-> E2`` holds in liver metastases only. E2 is protumour and T2 has no drug (default
  inhibition m = -1), so the path contributes m * pathsign * polarity = -1 * -1 * -1 = -1 with a
  degree-weighted path product of 1 (T2 and E2 each have one such edge): T2 scores -3 without it, -4 with.
* ``T3 -decreases-> E3`` (a gene and an antitumour effect touching nothing else) holds in PDAC only: T3
  scores -1 * -1 * +1 = +1 in PDAC and 0 in liver metastases; with ``inherit=True`` the liver side keeps it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scoring_config import base_model_config
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import CURATED, build_store
from tmekg.queries.context_diff import context_diff, diff_masks
from tmekg.queries.rank import context_mask, gene_paths, make_scorer, rank
from tmekg.queries.scoring import ScoringError
from tmekg.validate import validate_file

KB = Path(__file__).resolve().parents[1] / "tmekg" / "kb" / "pdac"
CONTEXT_NODES = (
    "MONDO:0005184\tContext\tPDAC\t\t\tkind=tumour_type\t\t\t\n"
    "TMEKG:context.liver-metastasis\tContext\tliver metastasis\t\t\tkind=metastatic_site\t\t\t\n"
    "HGNC.SYMBOL:T3\tGene\tT3\t\t\troles=enzyme\t\t\t\n"
    "TMEKG:effect.e3\tImmuneEffect\tE3\t\t\tpolarity=antitumour\t\t\t\n"
)
CONTEXT_EDGES = (
    "HGNC.SYMBOL:T2\tdecreases\tTMEKG:effect.e2\t\tPMID:2\tTMEKG:context.liver-metastasis\tverified\t\n"
    "HGNC.SYMBOL:T3\tdecreases\tTMEKG:effect.e3\t\tPMID:3\tMONDO:0005184\tverified\t\n"
)


@pytest.fixture(scope="module")
def config() -> dict:
    return {**base_model_config(), "damping": 0.5}


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory, fixtures: Path):
    root = tmp_path_factory.mktemp("contexts")
    kb = root / "kb"
    kb.mkdir()
    for f in (fixtures / "scoring_kb").iterdir():
        (kb / f.name).write_text(f.read_text())
    (kb / "g.nodes.tsv").write_text((kb / "g.nodes.tsv").read_text() + CONTEXT_NODES)
    (kb / "g.edges.tsv").write_text((kb / "g.edges.tsv").read_text() + CONTEXT_EDGES)
    build_store(store=root / "store", sources=[CURATED], kb=kb)
    with KnowledgeGraph.open(root / "store") as graph:
        yield graph


def test_context_only_fact_changes_exactly_its_target(kg, config) -> None:
    def scores(context: str) -> dict[str, float]:
        table = rank(kg, context=context, permutations=0, config=config)
        return table.drop_duplicates("target_symbol").set_index("target_symbol")["score"].to_dict()

    pdac, liver = scores("PDAC"), scores("liver-metastasis")
    changed = {t for t in pdac if not math.isclose(pdac[t], liver[t], abs_tol=1e-9)}
    assert changed == {"T2", "T3"}  # T2: the liver-only fact; T3: its PDAC-only fact is left out
    assert pdac["T2"] == pytest.approx(-3.0) and liver["T2"] == pytest.approx(-4.0)
    assert pdac["T3"] == pytest.approx(1.0) and liver["T3"] == pytest.approx(0.0)


def test_context_diff_names_the_contextual_fact(kg, config) -> None:
    diff = context_diff(kg, "T2", "anti-PD-1", "liver-metastasis", baseline="PDAC", config=config)
    assert diff["context"] == "TMEKG:context.liver-metastasis" and diff["baseline"] == "MONDO:0005184"
    assert diff["delta"] == pytest.approx(-1.0)
    paths = diff["paths"]
    assert len(paths) == 1
    row = paths.iloc[0]
    assert (
        row["path"] == "T2 -> E2" and row["change"] == "gained" and row["cause"] == "contextual edge on path"
    )
    assert row["contribution_baseline"] == 0.0 and row["contribution_context"] == pytest.approx(-1.0)
    (fact,) = diff["contextual_edges"]
    assert fact["edge"] == "T2 -decreases-> E2" and fact["evidence"] == ["PMID:2"]
    assert fact["in_context"] and not fact["in_baseline"]


def test_context_diff_is_empty_where_no_contextual_fact_applies(kg, config) -> None:
    diff = context_diff(kg, "T1", "anti-PD-1", "liver-metastasis", config=config)
    assert diff["delta"] == pytest.approx(0.0, abs=1e-12)
    assert diff["paths"].empty and diff["contextual_edges"] == []


def test_inherit_keeps_baseline_facts(kg, config) -> None:
    lost = context_diff(kg, "T3", "anti-PD-1", "liver-metastasis", config=config)
    assert list(lost["paths"]["change"]) == ["lost"] and lost["delta"] == pytest.approx(-1.0)
    kept = context_diff(kg, "T3", "anti-PD-1", "liver-metastasis", inherit=True, config=config)
    assert kept["paths"].empty and kept["delta"] == pytest.approx(0.0, abs=1e-12)
    t2 = context_diff(kg, "T2", "anti-PD-1", "liver-metastasis", inherit=True, config=config)
    assert t2["delta"] == pytest.approx(-1.0)
    base, ctx = diff_masks(kg, "liver-metastasis", "PDAC", inherit=True)
    assert (ctx >= base).all()


def test_context_diff_errors(kg, config) -> None:
    with pytest.raises(ScoringError, match="a target must be a gene"):
        context_diff(kg, "E2", "anti-PD-1", "liver-metastasis", config=config)
    with pytest.raises(ScoringError, match="unknown immunotherapy class"):
        context_diff(kg, "T1", "CAR-T", "liver-metastasis", config=config)


# -- the curated context facts ----------------------------------------------------------------------
def _edge_rows() -> list[list[str]]:
    lines = (KB / "contexts.edges.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines[1:] if line and not line.startswith("#")]


def test_curated_context_files_validate() -> None:
    for name in ("contexts.nodes.tsv", "contexts.edges.tsv"):
        validate_file(KB / name)
    rows = _edge_rows()
    assert len(rows) >= 25
    for subject, _pred, obj, _props, evidence, context, status, _comment in (r[:8] for r in rows):
        assert evidence and status in ("verified", "unverified")
        assert context or obj.startswith("TMEKG:context."), f"{subject} -> {obj} is not contextual"


@pytest.fixture(scope="module")
def curated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("curated") / "store"
    build_store(store=root, sources=[CURATED])
    return root


@pytest.fixture(scope="module")
def curated(curated_store: Path):
    with KnowledgeGraph.open(curated_store) as graph:
        yield graph


def test_curated_contexts_move_documented_targets(curated) -> None:
    has2 = context_diff(curated, "HAS2", "anti-PD-1", "desmoplastic-stroma", inherit=True)
    assert has2["delta"] > 0
    assert "hyaluronic acid -decreases-> T cell infiltration" in {e["edge"] for e in has2["contextual_edges"]}
    # PGD's liver-metastasis fact is where it is expressed (location): it raises the context factor but
    # adds no mechanism path, and presence without mechanism scores nothing (docs/scoring.md)
    pgd = context_diff(curated, "PGD", "anti-PD-1", "liver-metastasis", inherit=True)
    assert pgd["baseline_components"]["score"] == 0.0 and pgd["delta"] == 0.0
    assert pgd["context_components"]["context"] > pgd["baseline_components"]["context"] == 0.0
    # ENTPD1 -expressed_in-> PDAC neoplastic cell holds in the hypoxic core: location, so it raises the
    # context factor (and through it the score), not the mechanism
    entpd1 = context_diff(curated, "ENTPD1", "anti-PD-1", "hypoxic-core", inherit=True)
    base, core = entpd1["baseline_components"], entpd1["context_components"]
    assert core["mechanism"] == base["mechanism"] > 0 and core["context"] > base["context"] == 0.0
    assert entpd1["delta"] > 0


# -- peritoneal metastasis: the context-only facts move exactly the combinations whose paths they touch --
PERITONEAL_FACTS = {
    "XBP1 -decreases-> IFN-gamma production",
    "XBP1 -decreases-> dendritic cell antigen presentation",
}


def _path_nodes(scorer, gene_id: str) -> set[str]:
    """Every node on any mechanism path of one gene."""
    return {n for path, _effect in gene_paths(scorer, scorer.hetmat.index(gene_id)) for n in path.nodes}


def test_peritoneal_facts_change_the_ranking_where_they_apply(curated) -> None:
    # the base model (global context factor): the +1.8 below is its hand computation
    pdac = make_scorer(curated, "PDAC", base_model_config())
    peri = make_scorer(curated, "peritoneal-metastasis", base_model_config())
    base, ctx = context_mask(curated, "PDAC"), context_mask(curated, "peritoneal-metastasis")
    only_here = np.flatnonzero(ctx & ~base)  # facts valid in peritoneal metastases only
    facts = {
        f"{curated.node(e.subject).name} -{e.predicate}-> {curated.node(e.object).name}"
        for e in map(curated.edge, only_here)
    }
    # the peritoneal context inherits every PDAC fact, so the only difference is its own two facts
    assert facts == PERITONEAL_FACTS and not (base & ~ctx).any()
    touched = {n for row in only_here for n in (curated.edge(row).subject, curated.edge(row).object)}

    s_pdac, s_peri = pdac.components().score, peri.components().score
    genes = pdac.hetmat.ids["Gene"]
    xbp1, acod1 = pdac.hetmat.index("HGNC.SYMBOL:XBP1"), pdac.hetmat.index("HGNC.SYMBOL:ACOD1")
    k = pdac.classes.index("CD40-agonist")
    # XBP1 -| IFN-gamma (Song 2018) and -| DC antigen presentation (Cubillos-Ruiz 2015): +1.8 for CD40-agonist
    assert s_peri[xbp1, k] - s_pdac[xbp1, k] > 1.0
    assert (s_peri[xbp1] > s_pdac[xbp1]).all()
    # ACOD1 (itaconate) has no peritoneal-only fact (the Weiss 2018 TAM itaconate-release row was removed in
    # issue 16: the paper shows itaconate inside macrophages, not its release), so ACOD1 does not move
    np.testing.assert_allclose(s_peri[acod1], s_pdac[acod1], rtol=0, atol=1e-12)

    untouched = 0
    for row in pdac.targets:
        gene = genes[row]
        if touched & (_path_nodes(pdac, gene) | _path_nodes(peri, gene)):
            continue
        untouched += 1
        np.testing.assert_allclose(s_peri[row], s_pdac[row], rtol=0, atol=1e-12, err_msg=gene)
    assert untouched >= 15  # targets that never reach XBP1 or the two effects


def test_explain_lists_the_peritoneal_fact(curated_store: Path) -> None:
    args = ["explain", "XBP1", "CD40-agonist", "--context", "peritoneal-metastasis", "--format", "json"]
    result = CliRunner().invoke(app, [*args, "--store", str(curated_store)])
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)["context_diff"]
    with KnowledgeGraph.open(curated_store) as kg:  # the shipped config (cell-resolved weights)
        pdac, peri = make_scorer(kg, "PDAC"), make_scorer(kg, "peritoneal-metastasis")
        row, k = pdac.hetmat.index("HGNC.SYMBOL:XBP1"), pdac.classes.index("CD40-agonist")
        expected = peri.components().score[row, k] - pdac.components().score[row, k]
    assert expected > 0.5 and diff["delta"] == pytest.approx(expected)
    facts = {f["edge"]: f for f in diff["contextual_edges"]}
    ifng = facts["XBP1 -decreases-> IFN-gamma production"]
    assert ifng["contexts"] == ["TMEKG:context.peritoneal-metastasis"] and ifng["in_context"]
    assert "PMID:30305738" in ifng["evidence"] and ifng["status"] == ["verified"]
    assert facts["XBP1 -decreases-> dendritic cell antigen presentation"]["status"] == ["unverified"]


def test_context_diff_paths_draw_backward_steps_backwards(kg) -> None:
    from tmekg.queries.context_diff import _path_text

    # GeC<oE: the gene is expressed in a cell type, and the effect occurs in that cell type
    nodes = ("HGNC.SYMBOL:T1", "CL:0000625", "TMEKG:effect.e1")
    assert _path_text(kg, "GeC<oE", nodes) == "T1 -> C1 <- E1"
    assert _path_text(kg, "GdnE", ("HGNC.SYMBOL:T2", "TMEKG:effect.e2")) == "T2 -> E2"
