"""GtoPdb loader: fixture in the publisher's layout, action table, PubChem join, bad input, real data."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from record_checks import counts, validated
from typer.testing import CliRunner

from tmekg.build import GraphBuilder
from tmekg.errors import LoaderError
from tmekg.loaders.gtopdb import classify, ligand_genes, load, name_links, pubchem_links
from tmekg.model import Edge, LoadReport, Node, Provenance

runner = CliRunner()
ADENOSINE, SEROTONIN, AMP = "CHEBI:16335", "CHEBI:28790", "CHEBI:16027"
ADRENALINE = "TMEKG:metabolite.adrenaline"  # "(-)-adrenaline": no ChEBI label matches
ISTRADEFYLLINE, CINACALCET = "PUBCHEM.COMPOUND:5311037", "PUBCHEM.COMPOUND:156419"


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("gtopdb")
    return validated(list(load(folder, report))), report


def edges(records: list[Node | Edge]) -> dict[tuple[str, str, str], Edge]:
    return {(r.subject, r.predicate, r.object): r for r in records if isinstance(r, Edge)}


@pytest.mark.parametrize(
    ("kind", "action", "expected"),
    [
        ("Agonist", "Full agonist", ("activates", "agonist")),
        ("Agonist", "Inverse agonist", ("inhibits", "antagonist")),
        ("Antagonist", "Non-competitive", ("inhibits", "antagonist")),
        ("Inhibitor", "Binding", ("inhibits", "inhibitor")),
        ("Channel blocker", "Pore blocker", ("inhibits", "inhibitor")),
        ("Activator", "Potentiation", ("activates", "positive_modulator")),
        ("Allosteric modulator", "Positive", ("activates", "positive_modulator")),
        ("Allosteric modulator", "Negative", ("inhibits", "negative_modulator")),
        ("Allosteric modulator", "Neutral", ("binds", "binder")),
        ("Gating inhibitor", "Slows inactivation", ("binds", "other")),
        ("Antibody", "Binding", ("binds", "binder")),
        ("", "Binding", ("binds", "binder")),
    ],
)
def test_action_table(kind: str, action: str, expected: tuple[str, str]) -> None:
    assert classify(kind, action) == expected


def test_fixture_records(fixtures: Path) -> None:
    records, report = run(fixtures / "gtopdb")
    assert counts(records) == {
        "Metabolite": 4,
        "Drug": 4,
        "Gene": 9 + 12,  # + CCL19 CCR7 CXCL10 CXCR3 CCL7 IL12A IL12B IL12RB1 IL12RB2 VIP VIPR1 CD274
        "activates": 4,
        "inhibits": 1,
        "targets": 5,
        "ligand_activates": 7,
        "ligand_inhibits": 1,
        "ligand_binds": 1,
    }
    assert report.rows == 16 + 21
    assert report.skipped == {
        "non-human target": 1,
        "endogenous peptide/protein ligand without a human gene symbol (rodent-only or unnamed)": 1,
        "research compound (not approved, no INN)": 1,
        "target without a valid gene symbol (complex or family)": 1,
        "endogenous ligand without a ChEBI name match (local id; joins by PubChem CID at build)": 1,
        "drug without PubChem CID (joins other drugs by name)": 2,
    }
    found = edges(records)
    metabolite = ("activates", "inhibits")
    assert {k: (e.prop("mode"), e.provenance[0].score) for k, e in found.items() if k[1] in metabolite} == {
        (ADENOSINE, "activates", "HGNC.SYMBOL:ADORA2A"): ("Agonist: Agonist", 0.651),
        (ADRENALINE, "activates", "HGNC.SYMBOL:ADRA1A"): ("Agonist: Full agonist", 0.64),  # (6.3 + 6.5) / 2
        (SEROTONIN, "activates", "HGNC.SYMBOL:HTR3B"): ("Agonist: Agonist", 0.6),
        (SEROTONIN, "activates", "HGNC.SYMBOL:HTR3A"): ("Agonist: Agonist", 0.6),
        (AMP, "inhibits", "HGNC.SYMBOL:TRPM4"): ("Gating inhibitor: Antagonist", 0.47),
    }
    assert {k: (e.prop("action"), e.provenance[0].score) for k, e in found.items() if k[1] == "targets"} == {
        (ISTRADEFYLLINE, "targets", "HGNC.SYMBOL:ADORA2A"): ("antagonist", 0.774),  # median(7.48, 8.0)
        (ISTRADEFYLLINE, "targets", "HGNC.SYMBOL:ADORA1"): ("antagonist", 0.608),
        ("TMEKG:drug.nivolumab", "targets", "HGNC.SYMBOL:PDCD1"): ("binder", 0.914),
        ("TMEKG:drug.canakinumab", "targets", "HGNC.SYMBOL:IL1B"): ("binder", 1.0),  # pKd 10.46, capped
        (CINACALCET, "targets", "HGNC.SYMBOL:CASR"): ("positive_modulator", 0.73),
    }


def test_fixture_peptide_ligand_edges(fixtures: Path) -> None:
    records, _ = run(fixtures / "gtopdb")
    found = {k: e for k, e in edges(records).items() if k[1].startswith("ligand_")}
    il12 = ("ligand_activates", "Agonist: Agonist", None, ("IL-12",))
    assert {
        k: (k[1], e.prop("mode"), e.provenance[0].score, e.prop("ligands")) for k, e in found.items()
    } == {
        ("HGNC.SYMBOL:CCL19", "ligand_activates", "HGNC.SYMBOL:CCR7"): (
            "ligand_activates",
            "Agonist: Agonist",
            1.0,
            ("CCL19",),  # pKd 10
        ),
        ("HGNC.SYMBOL:CXCL10", "ligand_activates", "HGNC.SYMBOL:CXCR3"): (
            "ligand_activates",
            "Agonist: Full agonist",
            0.88,
            ("CXCL10",),  # pKi 7.8..9.8
        ),
        ("HGNC.SYMBOL:CCL7", "ligand_inhibits", "HGNC.SYMBOL:CXCR3"): (
            "ligand_inhibits",
            "Antagonist: Antagonist",
            0.66,
            ("CCL7",),
        ),
        # heterodimer (IL12B|IL12A) on a two-subunit receptor: one edge per subunit pair, no affinity
        ("HGNC.SYMBOL:IL12B", "ligand_activates", "HGNC.SYMBOL:IL12RB1"): il12,
        ("HGNC.SYMBOL:IL12B", "ligand_activates", "HGNC.SYMBOL:IL12RB2"): il12,
        ("HGNC.SYMBOL:IL12A", "ligand_activates", "HGNC.SYMBOL:IL12RB1"): il12,
        ("HGNC.SYMBOL:IL12A", "ligand_activates", "HGNC.SYMBOL:IL12RB2"): il12,
        # VIP|Vip|Vip: the human gene only; two rows merged, median(9.3, 8.9) / 10
        ("HGNC.SYMBOL:VIP", "ligand_activates", "HGNC.SYMBOL:VIPR1"): (
            "ligand_activates",
            "Agonist: Agonist",
            0.91,
            ("VIP",),
        ),
        # type "None", action Binding: no direction
        ("HGNC.SYMBOL:CD274", "ligand_binds", "HGNC.SYMBOL:PDCD1"): (
            "ligand_binds",
            "Binding",
            None,
            ("programmed cell death 1 ligand 1",),
        ),
    }
    vip = found[("HGNC.SYMBOL:VIP", "ligand_activates", "HGNC.SYMBOL:VIPR1")].provenance[0]
    assert (vip.record, vip.evidence) == ("interactions.csv:19,20", ("PMID:10570056", "PMID:9454823"))
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    assert (
        nodes["HGNC.SYMBOL:CCL19"].prop("roles") == ("ligand",)
        and nodes["HGNC.SYMBOL:CCR7"].prop("roles") is None
    )
    assert "HGNC.SYMBOL:SSTR1" not in nodes  # cortistatin-14 (Cort|Cort, mouse and rat genes): skipped


def test_ligand_genes_keep_human_symbols() -> None:
    assert ligand_genes({"ligand_gene_symbol": "Tac2|Tac3|TAC3|TAC3"}) == ["HGNC.SYMBOL:TAC3"]
    assert ligand_genes({"ligand_gene_symbol": "C1orf112|Gm123"}) == ["HGNC.SYMBOL:C1orf112"]
    assert ligand_genes({"ligand_gene_symbol": ""}) == []


def test_fixture_provenance_and_nodes(fixtures: Path) -> None:
    records, _ = run(fixtures / "gtopdb")
    found = edges(records)
    adenosine = found[(ADENOSINE, "activates", "HGNC.SYMBOL:ADORA2A")].provenance[0]
    assert adenosine.evidence == ("PMID:15822182", "PMID:7746802", "PMID:14662005")
    assert adenosine.record == "interactions.csv:2"
    istradefylline = found[(ISTRADEFYLLINE, "targets", "HGNC.SYMBOL:ADORA2A")].provenance[0]
    assert istradefylline.evidence == ("PMID:17300165", "PMID:21303899")
    assert istradefylline.record == "interactions.csv:5,6"
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    drug = nodes[ISTRADEFYLLINE]
    assert drug.xrefs == ("INCHIKEY:IQVRBWUUXZMOPW-PKNBQFBNSA-N", "IUPHAR.LIGAND:5608")
    assert dict(drug.properties) == {"max_phase": 4, "modality": "small_molecule"}
    assert nodes["TMEKG:drug.nivolumab"].prop("modality") == "antibody"
    adrenaline = nodes[ADRENALINE]
    assert adrenaline.xrefs == (
        "PUBCHEM.COMPOUND:5816",
        "INCHIKEY:UCTWMZQNUQWSLP-VIFPVBQESA-N",
        "IUPHAR.LIGAND:479",
    )
    assert "epinephrine" in adrenaline.synonyms
    assert nodes["HGNC.SYMBOL:ADORA2A"].xrefs == ("UNIPROT:P29274", "ENSEMBL:ENSG00000128271")
    assert nodes["HGNC.SYMBOL:HTR3A"].xrefs == ()  # multi-subunit target: accession order unreliable
    assert nodes["HGNC.SYMBOL:IL1B"].xrefs == ("UNIPROT:P01584", "ENSEMBL:ENSG00000125538")
    assert "HGNC.SYMBOL:ALOX15" not in nodes


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "gtopdb")[0] == run(fixtures / "gtopdb")[0]


def test_local_metabolite_joins_by_pubchem(fixtures: Path) -> None:
    records, _ = run(fixtures / "gtopdb")
    builder = GraphBuilder()
    hmdb = Node("HMDB:HMDB0000068", "Metabolite", "Epinephrine", xrefs=("PUBCHEM.COMPOUND:5816",))
    builder.add(hmdb, "other")
    builder.add_all(records, "gtopdb")
    graph = builder.build(links=pubchem_links(builder.identifiers("Metabolite")))
    nodes = {n.id: n for n in graph.nodes}
    assert ADRENALINE not in nodes and ADRENALINE in nodes["HMDB:HMDB0000068"].xrefs
    assert any(e.subject == "HMDB:HMDB0000068" and e.object == "HGNC.SYMBOL:ADRA1A" for e in graph.edges)


def test_antibody_without_cid_joins_by_name(fixtures: Path) -> None:
    records, _ = run(fixtures / "gtopdb")
    builder = GraphBuilder()
    chembl = Node("CHEMBL.COMPOUND:CHEMBL2108738", "Drug", "nivolumab", xrefs=("DRUGCENTRAL:4923",))
    builder.add(chembl, "drugcentral")
    builder.add_all(records, "gtopdb")
    graph = builder.build(links=name_links(builder.identifiers("Drug"), builder.node_names("Drug")))
    nivolumab = [n for n in graph.nodes if n.name == "nivolumab"]
    assert [n.id for n in nivolumab] == ["CHEMBL.COMPOUND:CHEMBL2108738"]
    assert "IUPHAR.LIGAND:7335" in nivolumab[0].xrefs
    pdcd1 = [e for e in graph.edges if e.object == "HGNC.SYMBOL:PDCD1" and e.predicate == "targets"]
    assert [(e.subject, e.prop("action")) for e in pdcd1] == [("CHEMBL.COMPOUND:CHEMBL2108738", "binder")]


def test_pubchem_links_need_one_anchored_match() -> None:
    cid = "PUBCHEM.COMPOUND:1"
    two = {"CHEBI:1": {"CHEBI:1", cid}, "HMDB:HMDB0000001": {"HMDB:HMDB0000001", cid}, "TMEKG:x": {cid}}
    assert pubchem_links(two) == []  # ambiguous: stays apart
    assert pubchem_links({"TMEKG:x": {cid}, "TMEKG:y": {cid}}) == []  # no anchored node
    named = {"CHEBI:2", "IUPHAR.LIGAND:5", cid}  # a GtoPdb node whose ChEBI term (by name) no one else uses
    assert pubchem_links({"HMDB:HMDB0000001": {"HMDB:HMDB0000001", cid}, "CHEBI:2": named}) == [
        ("HMDB:HMDB0000001", "CHEBI:2")
    ]
    shared = {
        "CHEBI:1": {"CHEBI:1", cid},
        "CHEBI:2": named,
        "HMDB:HMDB0000002": {"HMDB:HMDB0000002", "CHEBI:2"},
    }
    assert pubchem_links(shared) == []  # its ChEBI id already joins another node: not isolated
    assert pubchem_links({"CHEBI:1": {"CHEBI:1", cid}, "CHEBI:3": {"CHEBI:3", cid}}) == []  # not from GtoPdb


def _broken(fixtures: Path, tmp_path: Path, name: str, old: str, new: str) -> Path:
    for file in ("interactions.csv", "ligands.csv"):
        shutil.copy(fixtures / "gtopdb" / file, tmp_path)
    path = tmp_path / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "old", "new", "line", "field"),
    [
        ("interactions.csv", ",endogenous,", ",is_endogenous,", 1, "endogenous"),
        ("ligands.csv", '"InChIKey"', '"InChI Key"', 1, "InChIKey"),
        ("interactions.csv", "Antagonist,Antagonist,,,f,", "Antagonist,Antagonist,,,no,", 5, "endogenous"),
        ("interactions.csv", "pKi,,6.08,", "pKi,,six,", 7, "affinity_median"),
        ("interactions.csv", "14593085", "14593085|PMC123", 15, "pubmed_id"),
        ("ligands.csv", '"5608"', '"L5608"', 6, "Ligand id"),
    ],
)
def test_bad_input_is_located(
    fixtures: Path, tmp_path: Path, name: str, old: str, new: str, line: int, field: str
) -> None:
    folder = _broken(fixtures, tmp_path, name, old, new)
    with pytest.raises(LoaderError) as info:
        run(folder)
    assert info.value.path.endswith(name)
    assert (info.value.line, info.value.field) == (line, field)


def test_bad_input_cli_exits_1_and_keeps_store(
    fixtures: Path, tmp_path: Path, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tmekg.cli import app

    for var in ("TMEKG_DATA", "TMEKG_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    data = tmp_path / "data"
    shutil.copytree(fixtures / "gtopdb", data / "gtopdb")
    good = runner.invoke(app, ["build", "--data-dir", str(data), "--sources", "gtopdb", "--quiet"])
    assert good.exit_code == 0, good.output
    snapshot = (store_dir / "CURRENT").read_text()
    path = data / "gtopdb" / "interactions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",endogenous,", ",endo,", 1), encoding="utf-8")
    bad = runner.invoke(app, ["build", "--data-dir", str(data), "--sources", "gtopdb", "--quiet"])
    assert bad.exit_code == 1 and "interactions.csv:1: field 'endogenous'" in bad.output
    assert "Traceback" not in bad.output and len(bad.output.strip().splitlines()) == 1
    assert (store_dir / "CURRENT").read_text() == snapshot


@pytest.mark.shared_data
def test_full_data(shared_data: Path) -> None:
    records, report = run(shared_data / "gtopdb")
    found = counts(records)
    assert found["activates"] + found["inhibits"] + found["binds"] >= 500
    assert found["targets"] >= 4000
    ligand = sum(found[p] for p in ("ligand_activates", "ligand_inhibits", "ligand_binds"))
    assert ligand >= 600  # 574 + 23 + 69 measured on 2020.5
    assert (
        report.skipped[
            "endogenous peptide/protein ligand without a human gene symbol (rodent-only or unnamed)"
        ]
        < 30
    )
    assert by_key_has(records, ("HGNC.SYMBOL:CXCL9", "ligand_activates", "HGNC.SYMBOL:CXCR3"))
    assert by_key_has(records, ("HGNC.SYMBOL:CCL2", "ligand_activates", "HGNC.SYMBOL:CCR2"))
    actions = Counter(r.prop("action") for r in records if isinstance(r, Edge) and r.predicate == "targets")
    assert actions["other"] < 10 and actions["inhibitor"] > 1000
    by_key = edges(records)
    assert (ADENOSINE, "activates", "HGNC.SYMBOL:ADORA2A") in by_key
    assert ("PUBCHEM.COMPOUND:5311037", "targets", "HGNC.SYMBOL:ADORA2A") in by_key  # istradefylline
    assert by_key[("TMEKG:drug.nivolumab", "targets", "HGNC.SYMBOL:PDCD1")].prop("action") == "binder"


def by_key_has(records: list[Node | Edge], key: tuple[str, str, str]) -> bool:
    return key in edges(records)


def test_provenance_type_is_plain() -> None:
    assert Provenance("gtopdb", "2020.5").score is None
