"""Mechanism paths only, own targets left out: a hand-scored fixture (tests/fixtures/mechanism_kb), w = 0.5.

The fixture (every degree 1 unless said otherwise):

* mechanism path  G1 -produces-> M1 -decreases-> E1   (GpMdnE)
* location path   G1 -expressed_in-> C1 -secretes-> M2 -decreases-> E1   (GeCsMdnE, excluded)
* PD1 -decreases-> E1; the anti-PD-1 drug D1 blocks PD1; the anti-CTLA-4 drug D3 blocks CT4 (checkpoint)

E1 has in-degree 2 on Metabolite -decreases-> ImmuneEffect (M1, M2), so each metabolite path is
``(1*1)^-0.5 * (1*2)^-0.5 = 1/sqrt2`` with sign (+1)(-1) = -1 (G1's location path the same, through
C1 and M2). m(G1) = -1 (no drug: default inhibition), polarity(E1) = +1, so benefit(G1, E1) counts only
the mechanism path: -1 * +1 * -1/sqrt2 = 1/sqrt2 (2/sqrt2 if the location path counted).

* anti-PD-1 sphere: D1 -tg-> PD1 -dn-> E1 (DtgGdnE) = 1, so r(E1) = 1 and the focus is 1 + 2 * 1 = 3;
  anti-CTLA-4: D3 reaches no effect, r = 0, focus 1.
* ctx(G1) = 1 (the only gene expressed in a neoplastic cell type), harm(G1) = 0.
* S(G1, anti-PD-1)   = 3/sqrt2 * (1 + 0.25) = 3.75/sqrt2
* S(G1, anti-CTLA-4) = 1/sqrt2 * 1.25       = 1.25/sqrt2
* PD1: GdnE = -1, m = -1 (blocking antibody): benefit 1; S(PD1, anti-CTLA-4) = 1; (PD1, anti-PD-1) is
  left out (PD1 is what anti-PD-1 drugs target).
* shares of S(G1, anti-PD-1): mechanism (3/sqrt2) / (3.75/sqrt2) = 0.8, context 0.2, location 0, harm 0;
  with the exclusion rule removed, the location path is scored too: mechanism 0.4, location 0.4,
  context 0.2.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scoring_config import base_model_config

from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.queries.rank import explain, paths, rank, score_shares
from tmekg.queries.scoring import Scorer, ScoringError, check_mechanism_config, default_config
from tmekg.schema import load_schema

ROOT2 = math.sqrt(2)


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory, fixtures: Path):
    store = tmp_path_factory.mktemp("mechanism") / "store"
    build_store(store=store, kb=fixtures / "mechanism_kb")
    with KnowledgeGraph.open(store) as graph:
        yield graph


@pytest.fixture(scope="module")
def config() -> dict:
    return {**base_model_config(), "damping": 0.5}


def _without_exclusion(config: dict) -> dict:
    return {**config, "mechanism": {**config["mechanism"], "exclude": []}}


def test_score_counts_only_the_mechanism_path(kg, config) -> None:
    table = rank(kg, permutations=0, config=config)
    scores = {(r.target_symbol, r.immunotherapy_class): r.score for r in table.itertuples()}
    assert scores[("G1", "anti-PD-1")] == pytest.approx(3.75 / ROOT2)
    assert scores[("G1", "anti-CTLA-4")] == pytest.approx(1.25 / ROOT2)
    old = rank(kg, permutations=0, config=_without_exclusion(config)).set_index(
        ["target_symbol", "immunotherapy_class"]
    )
    assert old.loc[("G1", "anti-PD-1"), "score"] == pytest.approx(7.5 / ROOT2)  # location path counted


def test_a_class_does_not_partner_its_own_targets(kg, config) -> None:
    table = rank(kg, permutations=0, config=config)
    pairs = set(zip(table["target_symbol"], table["immunotherapy_class"], strict=True))
    assert ("PD1", "anti-PD-1") not in pairs
    scores = table.set_index(["target_symbol", "immunotherapy_class"])["score"]
    assert scores[("PD1", "anti-CTLA-4")] == pytest.approx(1.0)
    scorer = Scorer(kg, config)
    own = {scorer.hetmat.ids["Gene"][g] for g, k in zip(*scorer.own_targets.nonzero(), strict=True)}
    assert own == {"HGNC.SYMBOL:PD1", "HGNC.SYMBOL:CT4"}
    doc = explain(kg, "PD1", "anti-PD-1", config=config)
    assert doc["own_target"] is True and doc["score"] == pytest.approx(3.0)  # still explained, not ranked


def test_p_values_follow_their_rows_when_pairs_are_left_out(kg, config) -> None:
    table = rank(kg, permutations=4, seed=1, config=config)
    assert len(table) == 2 * 2 - 1  # G1, PD1 (CT4 is a checkpoint) x 2 classes, less (PD1, anti-PD-1)
    every = rank(kg, permutations=4, seed=1, config={**config, "own_targets": None})
    assert len(every) == 4
    key = ["target_symbol", "immunotherapy_class"]
    merged = table.merge(every, on=key, suffixes=("", "_all"))
    assert len(merged) == 3 and (merged["p_value"] == merged["p_value_all"]).all()


def test_excluded_metapaths_are_listed_with_their_reason(kg, config) -> None:
    scorer = Scorer(kg, config)
    assert len(scorer.metapaths) + len(scorer.excluded) == 112
    assert "GeCsMdnE" in scorer.excluded and "GeCsMdnE" not in {m.abbrev for m in scorer.metapaths}
    assert scorer.excluded["GeCsMdnE"].startswith("location, not mechanism")
    assert all("CellType" not in m.categories for m in scorer.metapaths)


def test_shares_of_the_score(kg, config) -> None:
    scorer = Scorer(kg, config)
    g1, k = scorer.hetmat.index("HGNC.SYMBOL:G1"), scorer.classes.index("anti-PD-1")
    shares = score_shares(scorer, g1, k)
    assert shares == pytest.approx({"mechanism": 0.8, "location": 0.0, "context": 0.2, "harm": 0.0})
    old = Scorer(kg, _without_exclusion(config))
    shares = score_shares(old, g1, k, location={"GeCsMdnE"})
    assert shares == pytest.approx({"mechanism": 0.4, "location": 0.4, "context": 0.2, "harm": 0.0})


def test_explain_spells_out_each_metapath(kg, config) -> None:
    doc = explain(kg, "G1", "anti-PD-1", config=config)
    assert doc["metapaths"].to_dict("records") == [
        {
            "metapath": "GpMdnE",
            "meaning": "gene produces a metabolite that decreases an immune effect",
            "contribution": pytest.approx(3.75 / ROOT2),
            "share": pytest.approx(1.0),
        }
    ]
    assert doc["paths"][0]["meaning"] == "gene produces a metabolite that decreases an immune effect"
    # where G1 is (C1) is reported as context, not as a path
    assert [(c["id"], c["dwpc"]) for c in doc["location"]] == [("CL:0001064", pytest.approx(1.0))]


def test_paths_lists_mechanism_first_by_contribution(kg) -> None:
    table = paths(kg, "G1", "E1", max_length=3)
    first = table.iloc[0]
    assert (first["kind"], first["metapath"], first["node_ids"]) == (
        "mechanism",
        "GpMdnE",
        "HGNC.SYMBOL:G1;CHEBI:16335;TMEKG:effect.e1",
    )
    # damping 0.4: (1*2)^-0.4 on the second step; m = -1, polarity +1, sign -1 -> contribution > 0
    assert first["contribution"] == pytest.approx(2**-0.4)
    kinds = dict(zip(table["node_ids"], table["kind"], strict=True))
    assert kinds["HGNC.SYMBOL:G1;CL:0001064;CHEBI:17234;TMEKG:effect.e1"] == "location"
    assert list(table["kind"]) == sorted(table["kind"], key=["mechanism", "location", "association"].index)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories": ["Cell"], "reason": "x"}, "mechanism.exclude[0].categories: unknown category 'Cell'"),
        ({"predicates": ["secrete"], "reason": "x"}, "mechanism.exclude[0].predicates: unknown predicate"),
        ({"categories": ["CellType"]}, "mechanism.exclude[0].reason: say why"),
        ({"categories": ["CellType"], "reason": "x", "why": 1}, "keys are categories, predicates and reason"),
        ({"reason": "x"}, "names no category and no predicate"),
    ],
)
def test_exclusion_rules_are_checked_against_the_schema(config, change, message) -> None:
    bad = {**config, "mechanism": {**config["mechanism"], "exclude": [change]}}
    with pytest.raises(ScoringError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_mechanism_config(bad, load_schema())


def test_with_the_gene_authority_only_identified_genes_are_candidates(tmp_path: Path, fixtures: Path) -> None:
    """G9 carries an NCBIGENE id (as the gene authority gives every human gene); the microbial fldB that
    WikiPathways draws (UniProt only) is then no candidate, although both are enzymes."""
    from tmekg.model import Node, Provenance, props

    p = (Provenance("candidates-test", "1"),)
    extra = [
        Node(
            "HGNC.SYMBOL:G9",
            "Gene",
            "G9",
            xrefs=("NCBIGENE:9",),
            properties=props(roles=("enzyme",)),
            provenance=p,
        ),
        Node("UNIPROT:Q93AL9", "Gene", "fldB", properties=props(roles=("enzyme",)), provenance=p),
    ]
    build_store(store=tmp_path / "s", kb=fixtures / "mechanism_kb", extra=[("candidates-test", extra)])
    with KnowledgeGraph.open(tmp_path / "s") as kg:
        scorer = Scorer(kg, default_config())
        names = {kg.node(scorer.hetmat.ids["Gene"][t]).name for t in scorer.targets}
        assert names == {"G9"}
        unrestricted = Scorer(kg, {**default_config(), "candidates": {}})
        assert {"G9", "fldB", "G1"} <= {
            kg.node(unrestricted.hetmat.ids["Gene"][t]).name for t in unrestricted.targets
        }


def test_candidates_prefix_is_checked_against_the_schema(config) -> None:
    with pytest.raises(ScoringError, match=r"candidates\.identified_by: unknown id prefix 'NCBI'"):
        check_mechanism_config({**config, "candidates": {"identified_by": "NCBI"}}, load_schema())
