"""Model claims (queries/model_claims.py): the ranking leaves out what the genome-scale model contradicts.

Fixture ``tests/fixtures/sender_direction`` (see tests/test_crosstalk_direction.py): curated claims
DHCR24 / APRT / HPRT1 / SLC29A3 / DHCR7 / MTAP / PNP "produce" desmosterol or adenine, PTGS2 "degrades"
PGH2; Human-GEM reactions: DHCR24 uses desmosterol, DHCR7 makes it, APRT uses adenine, MTAP makes it,
PNP reversible, PTGS2 makes PGH2, SLC29A3 moves adenine between compartments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from study_helpers import kb_source_pseudobulk_store

from tmekg.errors import TmekgError
from tmekg.graph import KnowledgeGraph
from tmekg.queries.model_claims import claims_mask
from tmekg.queries.scoring import Scorer, default_config

DES, ADE, PGH2 = "CHEBI:17737", "CHEBI:16708", "CHEBI:15554"


@pytest.fixture(scope="module")
def store(fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("model-claims") / "store"
    return kb_source_pseudobulk_store(fixtures, root, "sender_direction", "human-gem")


def _dropped(kg: KnowledgeGraph, mask: np.ndarray) -> set[tuple[str, str, str]]:
    sym = lambda i: kg.nodes[i].id.split(":", 1)[1] if kg.nodes[i].category == "Gene" else kg.nodes[i].id  # noqa: E731
    return {(sym(s), kg.predicates[p], sym(o)) for s, o, p in kg.edge_index[~mask]}


def test_contradicted_claims_and_transport_sides_are_left_out(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        mask = claims_mask(kg)
        dropped = _dropped(kg, mask)
        transport = {(s, p, o) for s, p, o in dropped if p in ("has_input", "has_output")}
        assert claims_mask(kg, "off") is None
        with pytest.raises(TmekgError, match="unknown model-claims rule 'maybe'"):
            claims_mask(kg, "maybe")
    assert dropped - transport == {
        ("DHCR24", "produces", DES),  # the model: DHCR24 only uses desmosterol
        ("APRT", "produces", ADE),  # APRT salvages adenine into AMP
        ("PTGS2", "degrades", PGH2),  # PTGS2 makes PGH2
        ("SLC29A3", "produces", ADE),  # the model only moves adenine with SLC29A3
    }
    # SLC29A3's reaction has adenine on both sides: its input and output edges to adenine go
    assert {(p, o) for _, p, o in transport} == {("has_input", ADE), ("has_output", ADE)} and len(
        transport
    ) == 2
    # kept: DHCR7 / MTAP / PNP (confirmed), HPRT1 (no reaction in the model: the claim stands)


@pytest.mark.shared_data
@pytest.mark.slow
def test_scorer_leaves_model_contradicted_claims_out_on_the_full_build(full_build) -> None:
    """MetalinksDB's "HDLBP produces cholesterol" (HDLBP: a lipid-binding protein, in Human-GEM only
    in cholesterol transport reactions) was a top-20 path of ``tmekg rank``; DHCR7's synthesis stays."""
    from tmekg.queries.rank import make_scorer

    _result, kg = full_build
    produces = kg.predicates.index("produces")
    cholesterol = kg.row(kg.resolve("cholesterol").id)

    def row(gene: str) -> int:
        hits = (kg.edge_index[:, 0] == kg.row(kg.resolve(gene).id)) & (kg.edge_index[:, 1] == cholesterol)
        return int(np.flatnonzero(hits & (kg.edge_index[:, 2] == produces))[0])

    on = make_scorer(kg).hetmat.edge_mask
    off = Scorer(kg, {**default_config(), "model_claims": "off"}).hetmat.edge_mask
    assert default_config()["model_claims"] == "gem"
    assert [bool(on[row(g)]) for g in ("HDLBP", "NPC1", "STARD3", "DHCR7")] == [False, False, False, True]
    assert off[row("HDLBP")] and 10_000 < int((~on).sum()) < 30_000
