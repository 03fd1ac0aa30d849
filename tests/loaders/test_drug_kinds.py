"""Real drugs only: Drug kinds and therapeutic ``targets`` edges on a hand-written fixture.

Fixture (tests/fixtures/drug_kinds, Repurposing Hub and DrugCentral layouts) plus Human-GEM-shaped
metabolism records written here:

* urea (CID 1176) is an output of arginase (ARG1, urea cycle) -> endogenous; urea -> ARG1 is the
  target's product (``substrate_or_product``), not therapy.
* tryptophan (CID 6305, name = L-tryptophan's synonym "Tryptophan") is IDO1's substrate, though the
  Hub's moa calls it a (serotonin receptor) agonist.
* omeprazole is only in a drug-metabolism reaction (CYP2C19) -> a drug; the Hub calls it an
  inhibitor, so omeprazole -> CYP2C19 stays therapeutic (as allopurinol -> XDH).
* gadopentetic acid (Hub moa "contrast agent") and gadopentetate dimeglumine (DrugCentral class
  "Paramagnetic Contrast Agent") are imaging agents; dacarbazine -> PGD has no action ("DNA
  alkylating agent").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.graph import KnowledgeGraph
from tmekg.loaders import drug_kinds
from tmekg.model import Edge, Node, Provenance, props
from tmekg.pipeline import build_store
from tmekg.queries.scoring import drugs_by_gene

P = (Provenance("hgem-test", "1"),)


def metabolism() -> list[Node | Edge]:
    """Arginase, IDO1 and a CYP2C19 drug-metabolism reaction, Human-GEM style."""
    nodes = [
        Node("CHEBI:16199", "Metabolite", "urea", xrefs=("PUBCHEM.COMPOUND:1176",), provenance=P),
        Node("CHEBI:32682", "Metabolite", "L-arginine", provenance=P),
        Node("CHEBI:57912", "Metabolite", "L-tryptophan", synonyms=("Tryptophan", "Trp"), provenance=P),
        Node("METATLAS:MAM02653", "Metabolite", "omeprazole", xrefs=("PUBCHEM.COMPOUND:4594",), provenance=P),
        Node("METATLAS:MAM09999", "Metabolite", "5-hydroxyomeprazole", provenance=P),
        Node("METATLAS:MAR03802", "Reaction", "arginase", provenance=P),
        Node("METATLAS:MAR03000", "Reaction", "tryptophan 2,3-dioxygenase", provenance=P),
        Node("METATLAS:MAR09000", "Reaction", "omeprazole hydroxylation", provenance=P),
        Node("TMEKG:pathway.hgem.urea_cycle", "Pathway", "Urea cycle", provenance=P),
        Node("TMEKG:pathway.hgem.tryptophan_metabolism", "Pathway", "Tryptophan metabolism", provenance=P),
        Node("TMEKG:pathway.hgem.drug_metabolism", "Pathway", "Drug metabolism", provenance=P),
    ]
    triples = [
        ("METATLAS:MAR03802", "has_input", "CHEBI:32682"),
        ("METATLAS:MAR03802", "has_output", "CHEBI:16199"),
        ("METATLAS:MAR03802", "in_pathway", "TMEKG:pathway.hgem.urea_cycle"),
        ("HGNC.SYMBOL:ARG1", "catalyzes", "METATLAS:MAR03802"),
        ("METATLAS:MAR03000", "has_input", "CHEBI:57912"),
        ("METATLAS:MAR03000", "in_pathway", "TMEKG:pathway.hgem.tryptophan_metabolism"),
        ("HGNC.SYMBOL:IDO1", "catalyzes", "METATLAS:MAR03000"),
        ("METATLAS:MAR09000", "has_input", "METATLAS:MAM02653"),
        ("METATLAS:MAR09000", "has_output", "METATLAS:MAM09999"),
        ("METATLAS:MAR09000", "in_pathway", "TMEKG:pathway.hgem.drug_metabolism"),
        ("HGNC.SYMBOL:CYP2C19", "catalyzes", "METATLAS:MAR09000"),
    ]
    genes = [Node(f"HGNC.SYMBOL:{g}", "Gene", g, provenance=P) for g in ("ARG1", "IDO1", "CYP2C19")]
    return [*nodes, *genes, *(Edge(s, p, o, P) for s, p, o in triples)]


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory, fixtures: Path):
    store = tmp_path_factory.mktemp("drug-kinds") / "store"
    build_store(
        store=store,
        sources=["drugcentral", "repurposing-hub"],
        data=fixtures / "drug_kinds",
        extra=[("hgem-test", metabolism())],
    )
    with KnowledgeGraph.open(store) as graph:
        yield graph


def verdicts(kg: KnowledgeGraph) -> dict[tuple[str, str], object]:
    """(drug name, gene symbol) -> nontherapeutic_reason, or True when therapeutic."""
    out = {}
    for e in kg.edges("targets"):
        key = (kg.node(e.subject).name, kg.node(e.object).name)
        out[key] = True if e.prop("therapeutic") else e.prop("nontherapeutic_reason")
    return out


def test_drug_kinds(kg: KnowledgeGraph) -> None:
    kinds = {n.name: n.prop("kind") for n in kg.nodes if n.category == "Drug"}
    assert kinds["urea"] == kinds["tryptophan"] == "endogenous_metabolite"
    assert kinds["gadopentetic-acid"] == kinds["gadopentetate dimeglumine"] == "imaging_agent"
    assert kinds["omeprazole"] == kinds["epacadostat"] == kinds["celecoxib"] == "drug"
    urea = next(n for n in kg.nodes if n.name == "urea" and n.category == "Drug")
    assert "urea (CHEBI:16199)" in urea.prop("kind_evidence")
    assert "METATLAS:MAR03802" in urea.prop("kind_evidence")
    gado = next(n for n in kg.nodes if n.name == "gadopentetate dimeglumine")
    evidence = "DrugCentral pharmacologic class 'Magnetic Resonance Contrast Activity'"
    assert gado.prop("kind_evidence") == evidence  # the first matching class in file order


def test_targets_edges(kg: KnowledgeGraph) -> None:
    v = verdicts(kg)
    assert v[("urea", "ARG1")] == "substrate_or_product"
    assert v[("tryptophan", "IDO1")] == "substrate_or_product"
    assert v[("gadopentetic-acid", "PGD")] == v[("gadopentetate dimeglumine", "PGD")] == "imaging_agent"
    assert v[("dacarbazine", "PGD")] == "no_action"
    assert v[("epacadostat", "IDO1")] is True
    assert v[("celecoxib", "PTGS2")] is True
    assert v[("omeprazole", "CYP2C19")] is True  # a drug turned over by its target, called an inhibitor
    assert v[("omeprazole", "ATP4A")] is True
    assert len(v) == 14
    assert sum(r is True for r in v.values()) == 9  # 6 IDO1 inhibitors, celecoxib, omeprazole x 2
    edge = next(e for e in kg.edges("targets") if kg.node(e.subject).name == "urea")
    assert edge.prop("nontherapeutic_evidence") == "urea (CHEBI:16199) via METATLAS:MAR03802"


def test_drugs_listed_by_phase(kg: KnowledgeGraph) -> None:
    drugs = drugs_by_gene(kg)
    # phase 3: epacadostat, linrodostat; 2: indoximod; 1: NLG919; 0: IDO5L, tryptanthrin; no tryptophan
    assert list(drugs["HGNC.SYMBOL:IDO1"]) == [
        "epacadostat",
        "linrodostat",
        "indoximod",
        "NLG919",
        "IDO5L",
        "tryptanthrin",
    ]
    assert "HGNC.SYMBOL:ARG1" not in drugs and "HGNC.SYMBOL:PGD" not in drugs


def test_max_phase_is_the_highest_over_sources() -> None:
    versions = {
        "TMEKG:drug.x": [Node("TMEKG:drug.x", "Drug", "x", properties=props(max_phase=2))],
        "PUBCHEM.COMPOUND:1": [
            Node("PUBCHEM.COMPOUND:1", "Drug", "x", properties=props(max_phase=3)),
            Node("PUBCHEM.COMPOUND:1", "Drug", "x"),
        ],
        "TMEKG:drug.y": [Node("TMEKG:drug.y", "Drug", "y", properties=props(max_phase=0))],
    }
    aliases = {"TMEKG:drug.x": "PUBCHEM.COMPOUND:1", "PUBCHEM.COMPOUND:1": "PUBCHEM.COMPOUND:1"}
    assert drug_kinds.max_phases(versions, aliases) == {"PUBCHEM.COMPOUND:1": 3, "TMEKG:drug.y": 0}


def test_name_key() -> None:
    assert drug_kinds.norm_name("L-glutamic-acid") == drug_kinds.norm_name("L-Glutamic acid")


def test_imaging_rules_come_from_the_config() -> None:
    assert drug_kinds.drugcentral_imaging([("has role", "diagnostic agent")]) == {}  # desmopressin has it too
    assert drug_kinds.drugcentral_imaging([("EPC", "Radiographic Contrast Agent")])["kind"] == "imaging_agent"
    assert drug_kinds.imaging_evidence("repurposing_hub_moa", ["glutamate receptor agonist"]) is None
