"""The sparse scoring core (queries/scoring.py, queries/cell_weights.py) against a dense reference.

The scorer keeps the benefit as a sparse genes x effects matrix and reads the cell-resolved weights
only at the entries it needs. Here every dense genes x effects array of the former code is rebuilt by
hand with numpy on a small graph (two targets, two receptors, three effects in different cell types,
subtypes, a gene without expression, an effect without expression data) and compared entry by entry:
levels, a(G, E), s(T), W(T, E), rho(R, E), benefit, mechanism and score.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tmekg.build import build_records
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance
from tmekg.queries.cell_weights import weight
from tmekg.queries.rank import path_contributions
from tmekg.queries.scoring import Scorer, default_config, dense_rows_product
from tmekg.store import write_store

P = (Provenance("test", "1"),)
T1, T2, R1, R2 = (f"HGNC.SYMBOL:{s}" for s in ("TT1", "TT2", "RR1", "RR2"))
M1, M2 = "CHEBI:16335", "CHEBI:17234"
E1, E2, E3 = (f"TMEKG:effect.e{i}" for i in (1, 2, 3))
C1, C2, C3, C4, C5 = "CL:0001064", "CL:0000625", "CL:0000913", "CL:0000815", "CL:0000235"


def _gene(curie: str, role: str) -> Node:
    return Node(curie, "Gene", curie.split(":")[1], properties=(("roles", (role,)),), provenance=P)


def _level(gene: str, cell: str, level: float) -> Edge:
    return Edge(gene, "expressed_in", cell, (Provenance("test", "1", score=level),))


def records() -> list[Node | Edge]:
    cells = [(C1, "PDAC neoplastic cell", "neoplastic"), (C2, "CD8 T cell", "immune")]
    cells += [(C3, "effector memory CD8 T cell", "immune"), (C4, "regulatory T cell", "immune")]
    cells += [(C5, "macrophage", "immune")]
    effects = [(E1, "antitumour"), (E2, "protumour"), (E3, "antitumour")]
    return [
        _gene(T1, "enzyme"),
        _gene(T2, "transporter"),
        _gene(R1, "receptor"),
        _gene(R2, "receptor"),
        Node(M1, "Metabolite", "adenosine", provenance=P),
        Node(M2, "Metabolite", "glucose", provenance=P),
        *(Node(e, "ImmuneEffect", e[-2:], properties=(("polarity", p),), provenance=P) for e, p in effects),
        *(Node(c, "CellType", n, properties=(("compartment", k),), provenance=P) for c, n, k in cells),
        Node(
            "CHEMBL.COMPOUND:CHEMBL1",
            "Drug",
            "D1",
            properties=(("immunotherapy_class", "anti-PD-1"),),
            provenance=P,
        ),
        Edge(T1, "produces", M1, P),
        Edge(T2, "produces", M1, P),
        Edge(T2, "produces", M2, P),
        Edge(M1, "activates", R1, P),
        Edge(M1, "activates", R2, P),
        Edge(M2, "activates", R2, P),
        Edge(R1, "decreases", E1, P),
        Edge(R2, "increases", E2, P),
        Edge(R2, "decreases", E3, P),
        Edge(M1, "decreases", E1, P),
        Edge(T1, "increases", E2, P),
        Edge(E1, "occurs_in", C2, P),
        Edge(E2, "occurs_in", C4, P),
        Edge(E3, "occurs_in", C5, P),  # no expression data in C5: rho(R2, E3) = 1
        Edge(C3, "subclass_of", C2, P),
        _level(T1, C1, 0.6),
        _level(T1, C4, 0.9),
        _level(T2, C2, 0.5),
        _level(R1, C3, 0.8),
        _level(R1, C1, 0.2),
        _level(R2, C4, 0.4),
        Edge(
            "CHEMBL.COMPOUND:CHEMBL1", "targets", "HGNC.SYMBOL:PDCD1", P, (("action", "blocking_antibody"),)
        ),
        Node("HGNC.SYMBOL:PDCD1", "Gene", "PDCD1", properties=(("roles", ("checkpoint",)),), provenance=P),
        Edge("HGNC.SYMBOL:PDCD1", "expressed_in", C2, P),
    ]


@pytest.fixture(scope="module")
def scorer(tmp_path_factory: pytest.TempPathFactory):
    store: Path = tmp_path_factory.mktemp("sparse") / "store"
    write_store(build_records([("test", records())]), store)
    base = default_config()
    config = {**base, "damping": 0.5, "grade_weights": None}
    # the fixture measures tumour expression in neoplastic cells only (sender side on for them)
    cells = {**base["cell_resolved"], "enabled": True, "floor": 0.25, "sender_classes": ["neoplastic"]}
    config["cell_resolved"] = cells
    with KnowledgeGraph.open(store) as graph:
        yield Scorer(graph, config)


def dense_acting(levels: np.ndarray, effect_cells: np.ndarray) -> np.ndarray:
    """a(G, E) as the former dense code computed it: a column per effect, max over its cell types."""
    out = np.zeros((levels.shape[0], effect_cells.shape[0]))
    for e, cells in enumerate(effect_cells):
        if cells.any():
            out[:, e] = levels[:, cells].max(axis=1)
    return out


def test_levels_and_acting_match_the_dense_arrays(scorer: Scorer) -> None:
    cells, hm = scorer.cells, scorer.hetmat
    assert cells is not None and sp.issparse(cells.levels) and sp.issparse(cells.acting)
    levels = cells.levels.toarray()
    g, c = hm.index, hm.index
    assert levels[g(T1), c(C4)] == pytest.approx(0.9) and levels[g(R2), c(C4)] == pytest.approx(0.4)
    assert np.count_nonzero(levels[g(R2)]) == 1 and not levels[g(T2), c(C1)]
    acting = dense_acting(levels, cells.effect_cells)
    assert acting[g(R1), hm.index(E1)] == pytest.approx(0.8)  # C3 is a subtype of C2, where E1 occurs
    np.testing.assert_array_equal(cells.acting.toarray(), acting)
    genes, effects = np.indices(acting.shape).reshape(2, -1)
    np.testing.assert_array_equal(cells.acting_at(genes, effects), acting.ravel())
    np.testing.assert_array_equal(cells.supply, levels[:, cells.senders].max(axis=1))


def test_target_weights_and_receptor_factors_match_the_dense_arrays(scorer: Scorer) -> None:
    cells, hm = scorer.cells, scorer.hetmat
    assert cells is not None
    acting = dense_acting(cells.levels.toarray(), cells.effect_cells)
    dense_w = weight(np.maximum(cells.supply[:, None], acting), 0.25)
    for gene in range(hm.size("Gene")):
        np.testing.assert_array_equal(cells.target_weight[gene], dense_w[gene])
    t1, e2 = hm.index(T1), hm.index(E2)  # T1 on E2's own cell type (0.9) rather than in the tumour (0.6)
    assert cells.target_weight[t1, e2] == pytest.approx(0.25 + 0.75 * 0.9)
    factors = cells.receptor_factors()
    assert not cells.measured[hm.index(E3)] and cells.measured[hm.index(E1)]
    kg = scorer.kg
    for row, (s, o, _) in enumerate(np.asarray(kg.edge_index)):
        if kg.nodes[s].category == "Gene" and kg.nodes[o].category == "ImmuneEffect":
            effect = hm.local[o]
            expected = weight(acting[hm.local[s], effect], 0.25) if cells.measured[effect] else 1.0
            assert factors[row] == expected, (kg.nodes[s].id, kg.nodes[o].id)


def test_benefit_and_components_match_the_dense_reference(scorer: Scorer) -> None:
    cells, hm = scorer.cells, scorer.hetmat
    assert cells is not None
    acting = dense_acting(cells.levels.toarray(), cells.effect_cells)
    total = np.zeros((hm.size("Gene"), hm.size("ImmuneEffect")))
    for matrix in scorer.mechanism_matrices.values():
        total += matrix.toarray()
    total *= weight(np.maximum(cells.supply[:, None], acting), 0.25)
    dense = total * scorer.modulation[:, None] * scorer.polarity[None, :]
    benefit = scorer.benefit()
    assert sp.issparse(benefit) and benefit.nnz == np.count_nonzero(total) >= 5
    np.testing.assert_array_equal(benefit.toarray(), dense)
    w = scorer.config["weights"]
    focus = 1.0 + float(w["complementarity"]) * scorer.sphere
    mech = dense @ focus.T
    score = float(w["mechanism"]) * mech - float(w["harm"]) * scorer.harm[:, None]
    comp = scorer.components()
    # the same terms summed by the BLAS in blocks of another height: equal to the last bit or so
    np.testing.assert_allclose(comp.mech, mech, rtol=1e-14, atol=0)
    np.testing.assert_allclose(comp.score, score, rtol=1e-14, atol=1e-300)
    row = hm.index(T1)
    by_paths = sum(v for _p, v in path_contributions(scorer, row, 0))
    assert by_paths == pytest.approx(comp.mech[row, 0] * float(w["mechanism"]))


def test_dense_rows_product_matches_the_dense_product() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=(300, 40)) * (rng.random((300, 40)) < 0.05)
    values[::7] = 0.0  # rows without entries
    right = rng.normal(size=(6, 40)).T
    got = dense_rows_product(sp.csr_matrix(values), right, block=64)
    np.testing.assert_allclose(got, values @ right, rtol=1e-13, atol=1e-15)
    assert not got[::7].any()
