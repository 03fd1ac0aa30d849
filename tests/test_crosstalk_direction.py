"""Sender-direction rule: where Human-GEM knows a gene-metabolite pair, its reactions decide the direction.

Fixture (``tests/fixtures/sender_direction``): a hand-made KB whose production / consumption claims are
partly wrong (DHCR24 "produces" desmosterol, APRT "produces" adenine, PTGS2 "degrades" prostaglandin
H2), seven Human-GEM reactions in the real spreadsheet layout (``human-gem/_make_xlsx.py``: DHCR24 uses
desmosterol, DHCR7 makes it, APRT uses adenine, MTAP makes it, PNP reversible, PTGS2 makes PGH2,
SLC29A3 moves adenine between compartments) and a 4 x 10 pseudobulk. Levels are mean / gene maximum:
DHCR24 Neoplastic 1; DHCR7 iCAF 1, Neoplastic 0.5; APRT Neoplastic 1; MTAP, PNP, PTGS2 iCAF 1;
HPRT1 Neoplastic 1, iCAF 0.5; NR1H2 T.Reg 1, CD8 0.5; SLC29A3 T.Reg 1; TBXA2R CD8 1. Curated edges
have sender confidence 1.0; receivers: curated sensors 1.0, the importer SLC29A3 0.8. Supply mode.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from study_helpers import kb_source_pseudobulk_store
from typer.testing import CliRunner

from tmekg.graph import KnowledgeGraph
from tmekg.queries.crosstalk import CrosstalkParams, infer_crosstalk, roles_summary
from tmekg.queries.crosstalk_direction import BOTH, MAKES, MOVES, SENDER_DIRECTIONS, USES, gem_directions
from tmekg.queries.crosstalk_evidence import resource_roles

ICAF, NEO, TREG, CD8 = "TMEKG:celltype.iCAF", "CL:0001064", "CL:0000815", "CL:0000625"
DES, ADE, PGH2 = "CHEBI:17737", "CHEBI:16708", "CHEBI:15554"
# Hand-computed, S = max(0, mean pos - mean neg), R = max receiver level x confidence.
# off: desmosterol pos {DHCR24, DHCR7}: S[Neo] = (1 + 0.5)/2 = 0.75, S[iCAF] = (0 + 1)/2 = 0.5;
#      R[T.Reg] = NR1H2 1, R[CD8] = 0.5.
#      adenine pos {APRT, MTAP, PNP, HPRT1} (SLC29A3 imports: not supply): S[Neo] = (1 + 1)/4 = 0.5,
#      S[iCAF] = (1 + 1 + 0.5)/4 = 0.625; R[T.Reg] = SLC29A3 1 x 0.8.
#      PGH2 has no producer: no row.
OFF = {
    (NEO, DES, TREG): 0.75,
    (NEO, DES, CD8): 0.375,
    (ICAF, DES, TREG): 0.5,
    (ICAF, DES, CD8): 0.25,
    (NEO, ADE, TREG): 0.4,
    (ICAF, ADE, TREG): 0.5,
}
# gem: DHCR24 -> consumer: S[Neo] = max(0, 0.5 - 1) = 0, S[iCAF] = 1 - 0 = 1.
#      APRT -> consumer: S[Neo] = max(0, 1/3 - 1) = 0, S[iCAF] = (1 + 1 + 0.5)/3 - 0 = 5/6; x 0.8 = 2/3.
#      PTGS2 -> producer: S[iCAF] = 1, R[CD8] = TBXA2R 1.
GEM = {
    (ICAF, DES, TREG): 1.0,
    (ICAF, DES, CD8): 0.5,
    (ICAF, ADE, TREG): pytest.approx(2 / 3),
    (ICAF, PGH2, CD8): 1.0,
}


@pytest.fixture(scope="module")
def store(fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xt-direction") / "store"
    return kb_source_pseudobulk_store(fixtures, root, "sender_direction", "human-gem")


def _scores(kg: KnowledgeGraph, direction: str) -> dict[tuple[str, str, str], float]:
    params = CrosstalkParams(permutations=0, modes=("supply",), sender_direction=direction)
    return {(r.sender_id, r.metabolite_id, r.receiver_id): r.score for r in infer_crosstalk(kg, params)}


def test_directions_from_the_model(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        bits = gem_directions(kg)
    assert bits[("HGNC.SYMBOL:DHCR24", DES)] == USES
    assert bits[("HGNC.SYMBOL:DHCR7", DES)] == MAKES
    assert bits[("HGNC.SYMBOL:APRT", ADE)] == USES
    assert bits[("HGNC.SYMBOL:MTAP", ADE)] == MAKES
    assert bits[("HGNC.SYMBOL:PNP", ADE)] == BOTH  # reversible reaction
    assert bits[("HGNC.SYMBOL:PTGS2", PGH2)] == MAKES
    assert bits[("HGNC.SYMBOL:SLC29A3", ADE)] == MOVES  # adenine on both sides: a transport
    assert ("HGNC.SYMBOL:HPRT1", ADE) not in bits  # no HPRT1 reaction in the model


def test_claims_moved_and_counted(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        roles, off = resource_roles(kg), resource_roles(kg, direction="off")
        summary, summary_off = roles_summary(kg), roles_summary(kg, sender_direction="off")
    sym = lambda genes: {g.split(":", 1)[1] for g in genes}  # noqa: E731
    assert sym(off.production[DES]) == {"DHCR24", "DHCR7"} and not off.consumption[DES]
    assert sym(roles.production[DES]) == {"DHCR7"} and sym(roles.consumption[DES]) == {"DHCR24"}
    # SLC29A3's "production" claim: the model only moves adenine with it (a transport, removed)
    assert sym(off.production[ADE]) == {"APRT", "MTAP", "PNP", "HPRT1", "SLC29A3"}
    assert sym(roles.production[ADE]) == {"MTAP", "PNP", "HPRT1"}
    assert roles.direction[("HGNC.SYMBOL:SLC29A3", ADE)] == "transport"
    moved = [e for e in roles.edges[("HGNC.SYMBOL:SLC29A3", ADE)] if "sender_direction" in e]
    assert [(e["predicate"], e["sender_direction"]) for e in moved] == [
        ("produces", "transport: genome-scale model moves it only")
    ]
    assert sym(roles.consumption[ADE]) == {"APRT"}
    assert sym(roles.production[PGH2]) == {"PTGS2"} and not roles.consumption[PGH2]
    assert roles.direction[("HGNC.SYMBOL:HPRT1", ADE)] == "unknown"
    assert roles.direction[("HGNC.SYMBOL:PNP", ADE)] == "confirmed"
    marked = [e for e in roles.edges[("HGNC.SYMBOL:DHCR24", DES)] if "sender_direction" in e]
    assert [(e["predicate"], e["sender_direction"]) for e in marked] == [
        ("produces", "reversed: genome-scale model uses only")
    ]
    common = {"metabolites": 3, "receivers_unknown": 3, "depletion_evaluable": 1}  # no GO data
    assert summary == {
        **common,
        "supply_evaluable": 3,
        "producers_demoted": 2,  # DHCR24 / desmosterol, APRT / adenine
        "consumers_demoted": 1,  # PTGS2 / PGH2
        "producers_promoted": 1,  # PTGS2
        "consumers_promoted": 2,  # DHCR24, APRT
        "producers_transport": 1,  # SLC29A3 / adenine
        "consumers_transport": 0,
        "senders_confirmed": 3,  # DHCR7, MTAP, PNP
        "senders_reversed": 3,
        "senders_transport": 1,  # SLC29A3 (a transport reaction only)
        "senders_unknown": 1,  # HPRT1
    }
    assert summary_off == {**common, "supply_evaluable": 2}


def test_scores_before_and_after(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        assert _scores(kg, "off") == OFF
        assert _scores(kg, "gem") == GEM
        default = infer_crosstalk(kg, CrosstalkParams(permutations=0, modes=("supply",)))
    assert {(r.sender_id, r.metabolite_id, r.receiver_id) for r in default} == set(GEM)
    row = next(r for r in default if r.metabolite_id == DES and r.receiver_id == TREG)
    assert row.sender_genes == ["DHCR7"]


def test_unknown_rule_is_an_error(store: Path) -> None:
    from tmekg.errors import TmekgError

    with KnowledgeGraph.open(store) as kg, pytest.raises(TmekgError, match="sender direction 'reverse'"):
        resource_roles(kg, direction="reverse")


def test_cli_option(store: Path) -> None:
    from tmekg.cli import app
    from tmekg.cli.crosstalk import SENDER_DIRECTIONS as CLI_CHOICES

    assert CLI_CHOICES == SENDER_DIRECTIONS
    runner = CliRunner()
    args = ["crosstalk", "--store", str(store), "--permutations", "0", "--format", "tsv", "--top", "0"]
    default = runner.invoke(app, [*args, "--mode", "supply"])
    off = runner.invoke(app, [*args, "--mode", "supply", "--sender-direction", "off"])
    assert default.exit_code == 0 and off.exit_code == 0, default.output + off.output
    assert "DHCR24" not in default.output and "DHCR24" in off.output
    bad = runner.invoke(app, [*args, "--sender-direction", "sideways"])
    assert bad.exit_code == 1 and "unknown sender direction 'sideways'" in bad.output


# -- real data: the full build (Human-GEM reactions against MEBOCOST / MetalinksDB / CellPhoneDB claims) ----
def _genes(table: dict, m: str) -> set[str]:
    return {g.split(":", 1)[1] for g in table.get(m, set())}


def test_full_build_directions(full_build: tuple) -> None:
    _, kg = full_build
    roles, off = resource_roles(kg), resource_roles(kg, direction="off")
    # desmosterol: MEBOCOST's HMDB table lists DHCR24 (desmosterol -> cholesterol, MAR01526) as a producer
    assert "DHCR24" in _genes(off.production, DES)
    assert "DHCR24" not in _genes(roles.production, DES) and "DHCR24" in _genes(roles.consumption, DES)
    assert "DHCR7" in _genes(roles.production, DES)  # 7-dehydrodesmosterol -> desmosterol (MAR01519)
    assert roles.direction[("HGNC.SYMBOL:DHCR24", DES)] == "reversed"
    # adenine: APRT salvages it (adenine + PRPP -> AMP); MTAP releases it from methylthioadenosine
    assert "APRT" in _genes(off.production, ADE) and "APRT" not in _genes(roles.production, ADE)
    assert "APRT" in _genes(roles.consumption, ADE) and "MTAP" in _genes(roles.production, ADE)
    # prostaglandin H2: MEBOCOST lists the cyclooxygenases as degraders too; Human-GEM: they make it
    assert {"PTGS1", "PTGS2"} <= _genes(off.consumption, PGH2)
    assert not {"PTGS1", "PTGS2"} & _genes(roles.consumption, PGH2)
    assert {"PTGS1", "PTGS2"} <= _genes(roles.production, PGH2)
    nicotinate = "CHEBI:15940"  # NAPRT turns nicotinate into its mononucleotide: a consumer
    assert "NAPRT" in _genes(off.production, nicotinate) and "NAPRT" in _genes(roles.consumption, nicotinate)
    adenosine, kynurenine = "CHEBI:16335", "CHEBI:16946"
    assert roles.direction[("HGNC.SYMBOL:NT5E", adenosine)] == "confirmed"
    assert roles.direction[("HGNC.SYMBOL:IDO1", kynurenine)] == "unknown"  # model: IDO1 -> formylkynurenine
    assert "IDO1" in _genes(roles.production, kynurenine)  # unknown pairs keep the resource's claim
    counts = roles.direction_counts
    known = counts["senders_confirmed"] + counts["senders_reversed"]
    assert 100 < counts["producers_demoted"] < 1000 and 100 < counts["consumers_demoted"] < 1000
    assert counts["senders_reversed"] < 0.1 * known  # the model mostly agrees with the resources
    # MetalinksDB's "producers" that Human-GEM only uses to move the metabolite: transports, removed
    cholesterol, lactate = "CHEBI:16113", "CHEBI:422"
    assert {"HDLBP", "NPC1", "STARD3"} <= _genes(off.production, cholesterol)
    assert not {"HDLBP", "NPC1", "STARD3"} & _genes(roles.production, cholesterol)
    assert {"DHCR7", "DHCR24"} <= _genes(roles.production, cholesterol)  # the synthesis enzymes stay
    assert roles.direction[("HGNC.SYMBOL:SLC5A8", lactate)] == "transport"
    assert 1000 < counts["producers_transport"] < 5000
