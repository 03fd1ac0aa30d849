"""Tests of the Gene Ontology loader (OBO + GAF 2.2 fixtures written in the published formats).

Expected edges are computed by hand from tests/fixtures/gene-ontology (see the comments there and
docs/immune-layer.md): GO:0050870 positively_regulates GO:0042110 (T cell activation), GO:0050868
negatively_regulates it, GO:0050863 regulates it (no sign), GO:0046635 / GO:2001187 sit below GO:0050870 by
is_a and positively regulate alpha-beta / CD8 T cell activation, GO:0001768 is part_of GO:0042110.
"""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest
from record_checks import unique_nodes

from tmekg.errors import LoaderError
from tmekg.kb.immune_effects import load_effects
from tmekg.loaders import gene_ontology as go
from tmekg.model import Edge, LoadReport, Node

TA = "TMEKG:effect.t_cell_activation"
CD8 = "TMEKG:effect.cd8_t_cell_activation"


def run(directory: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("gene-ontology")
    return list(go.load(directory, report)), report


def gene_edges(records: list[Node | Edge]) -> dict[tuple[str, str, str], Edge]:
    return {
        (e.subject.split(":", 1)[1], e.predicate, e.object): e
        for e in records
        if isinstance(e, Edge) and e.subject.startswith("HGNC.SYMBOL:")
    }


def test_read_obo_fixture(fixtures: Path) -> None:
    onto = go.read_obo(fixtures / "gene-ontology" / "go-basic.obo")
    assert len(onto.terms) == 12 and onto.version == "releases/2022-07-01"
    assert onto.terms["GO:0000005"].obsolete
    assert onto.primary("GO:0000004") == "GO:0008150"  # alt_id
    assert onto.primary("GO:9999999") is None
    assert ("positively_regulates", "GO:0036037") in {(r, t) for r, t, _ in onto.terms["GO:2001187"].links}
    assert onto.children(["part_of"])["GO:0042110"] == ["GO:0001768"]


def test_closure_signs(fixtures: Path) -> None:
    onto = go.read_obo(fixtures / "gene-ontology" / "go-basic.obo")
    closure, ambiguous = go.effect_closure(onto, [load_effects().effect(TA), load_effects().effect(CD8)])
    by_term = {t: {(lk.effect, lk.sign, lk.rule) for lk in links} for t, links in closure.items()}
    assert ambiguous == 0
    assert by_term == {
        "GO:0042110": {(TA, 0, "participation")},
        "GO:0046631": {(TA, 0, "participation")},
        "GO:0036037": {(TA, 0, "participation"), (CD8, 0, "participation")},
        "GO:0001768": {(TA, 0, "participation")},  # part_of
        "GO:0050863": {(TA, 0, "regulation")},
        "GO:0050870": {(TA, 1, "positive regulation")},
        "GO:0046635": {(TA, 1, "positive regulation")},  # is_a below GO:0050870
        "GO:2001187": {(TA, 1, "positive regulation"), (CD8, 1, "positive regulation")},
        "GO:0050868": {(TA, -1, "negative regulation")},
    }


def test_fixture_edges(fixtures: Path) -> None:
    records, report = run(fixtures / "gene-ontology")
    edges = gene_edges(records)
    assert set(edges) == {
        ("CD4", "involved_in", TA),  # annotated to the effect's own term: participation, unsigned
        ("PDCD1", "decreases", TA),  # negative regulation of T cell activation
        ("CD28", "increases", TA),  # positive regulation (TAS) and, by is_a, GO:2001187 (IEA)
        ("CD28", "increases", CD8),  # GO:2001187 positively_regulates CD8 T cell activation
        ("CTLA4", "decreases", TA),  # its NOT positive-regulation row and the IEA row below it give nothing
        ("LAG3", "decreases", TA),  # acts_upstream_of_or_within_negative_effect on the effect's term
        ("ZAP70", "involved_in", TA),  # part_of T cell activation
        ("LCK", "involved_in", TA),  # regulation without a direction
    }
    cd28 = edges[("CD28", "increases", TA)]
    assert cd28.prop("go_terms") == ("GO:0050870", "GO:2001187")
    assert cd28.prop("evidence_codes") == ("IEA", "TAS")
    assert sorted(p.score for p in cd28.provenance) == [0.3, 0.7]
    assert {p.record for p in cd28.provenance} == {"goa_human.gaf:6", "goa_human.gaf:7"}
    pd1 = edges[("PDCD1", "decreases", TA)]
    assert pd1.provenance[0].evidence == ("PMID:11015443",) and pd1.provenance[0].score == 1.0
    assert edges[("LCK", "involved_in", TA)].prop("go_rule") == ("regulation",)
    assert edges[("LCK", "involved_in", TA)].provenance[0].score == 0.5
    assert edges[("LAG3", "decreases", TA)].prop("go_rule") == ("participation",)
    assert report.rows == 14
    assert report.skipped["not a biological-process annotation"] == 1
    assert report.skipped["evidence code ND (no biological data)"] == 1
    assert report.skipped["object database ComplexPortal is not a gene (UniProtKB / NCBIGene)"] == 1
    assert report.skipped["GO term not current in go-basic.obo"] == 1
    assert report.skipped["annotation cancelled by a NOT annotation of the same gene"] == 1


def test_fixture_nodes(fixtures: Path) -> None:
    records, _ = run(fixtures / "gene-ontology")
    nodes = unique_nodes(records)
    genes = {n.id: n for n in nodes.values() if n.category == "Gene"}
    assert sorted(genes) == [
        f"HGNC.SYMBOL:{s}" for s in ("CD28", "CD4", "CTLA4", "LAG3", "LCK", "PDCD1", "ZAP70")
    ]
    assert genes["HGNC.SYMBOL:CD28"].xrefs == ("NCBIGENE:940",)
    assert genes["HGNC.SYMBOL:CD4"].xrefs == ("UNIPROT:P01730",)
    assert genes["HGNC.SYMBOL:LCK"].xrefs == ("NCBIGENE:3932",)  # its MF row (UniProtKB) is not used
    assert genes["HGNC.SYMBOL:CD4"].prop("full_name") == "T-cell surface glycoprotein CD4"
    effects = [n for n in nodes.values() if n.category == "ImmuneEffect"]
    assert len(effects) == len(load_effects().effects)
    assert nodes[TA].xrefs == ("GO:0042110",) and nodes[TA].prop("polarity") == "antitumour"
    occurs = {(e.subject, e.object) for e in records if isinstance(e, Edge) and e.predicate == "occurs_in"}
    assert (TA, "CL:0000625") in occurs and (TA, "CL:0000624") in occurs


def test_gzipped_files(fixtures: Path, tmp_path: Path) -> None:
    for name in ("go-basic.obo", "goa_human.gaf"):
        data = (fixtures / "gene-ontology" / name).read_bytes()
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(data))
    records, _ = run(tmp_path)
    assert len(gene_edges(records)) == 8


# -- bad input ---------------------------------------------------------------------------------------------
def copy_fixture(fixtures: Path, tmp_path: Path) -> Path:
    shutil.copytree(fixtures / "gene-ontology", tmp_path / "gene-ontology")
    return tmp_path / "gene-ontology"


def test_truncated_gaf_line(fixtures: Path, tmp_path: Path) -> None:
    folder = copy_fixture(fixtures, tmp_path)
    gaf = folder / "goa_human.gaf"
    lines = gaf.read_text().splitlines(keepends=True)
    lines[5] = "\t".join(lines[5].split("\t")[:8]) + "\n"  # cut after column 8 (With/From)
    gaf.write_text("".join(lines))
    with pytest.raises(
        LoaderError, match=r"goa_human\.gaf:6: field 'Aspect': truncated line: 8 tab-separated"
    ):
        run(folder)


def test_gaf_bad_go_id_and_version(fixtures: Path, tmp_path: Path) -> None:
    folder = copy_fixture(fixtures, tmp_path)
    gaf = folder / "goa_human.gaf"
    gaf.write_text(gaf.read_text().replace("GO:0042110", "GO:42110", 1))
    with pytest.raises(LoaderError, match=r"goa_human\.gaf:4: field 'GO ID': 'GO:42110' is not a GO id"):
        run(folder)
    gaf.write_text("!gaf-version: 1.0\n")
    with pytest.raises(LoaderError, match=r"goa_human\.gaf:1: field 'gaf-version'"):
        run(folder)


def test_obo_dangling_is_a(fixtures: Path, tmp_path: Path) -> None:
    folder = copy_fixture(fixtures, tmp_path)
    obo = folder / "go-basic.obo"
    text = obo.read_text().replace(
        "is_a: GO:0046631 ! alpha-beta T cell activation", "is_a: GO:0046632 ! gone"
    )
    obo.write_text(text)
    line = text.splitlines().index("is_a: GO:0046632 ! gone") + 1
    with pytest.raises(
        LoaderError,
        match=rf"go-basic\.obo:{line}: field 'is_a': GO:0036037 is_a GO:0046632, a term .* \(dangling\)",
    ):
        run(folder)


def test_obo_dangling_relationship_and_missing_file(fixtures: Path, tmp_path: Path) -> None:
    folder = copy_fixture(fixtures, tmp_path)
    obo = folder / "go-basic.obo"
    obo.write_text(
        obo.read_text().replace("regulates GO:0042110 ! T cell activation", "regulates GO:0000001", 1)
    )
    with pytest.raises(LoaderError, match=r"field 'relationship': GO:0050863 regulates GO:0000001"):
        run(folder)
    (folder / "goa_human.gaf").unlink()
    obo.write_text((fixtures / "gene-ontology" / "go-basic.obo").read_text())
    with pytest.raises(LoaderError, match=r"goa_human\.gaf: file not found"):
        run(folder)


# -- the real files -----------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_effect_terms_are_current_in_real_go(shared_data: Path) -> None:
    """Every GO id of the effect table is a current biological-process term of the shipped GO release."""
    onto = go.read_obo(shared_data / "gene-ontology" / go.OBO_FILE)
    table = load_effects()
    for effect in table.effects:
        for term in effect.go:
            assert term in onto.terms, (effect.id, term)
            assert not onto.terms[term].obsolete, (effect.id, term)
            assert onto.terms[term].namespace == "biological_process", (effect.id, term)
    assert sum(1 for e in table.effects if e.go) >= 40


@pytest.mark.shared_data
def test_real_files(shared_data: Path) -> None:
    records, report = run(shared_data / "gene-ontology")
    counts = Counter(r.predicate for r in records if isinstance(r, Edge))
    assert counts["increases"] + counts["decreases"] >= 2000
    assert not any(k.startswith("effect GO term") for k in report.skipped)
    edges = gene_edges(records)
    # the worked examples of docs/immune-layer.md
    adora2a = edges[("ADORA2A", "decreases", "TMEKG:effect.t_cell_activation")]
    assert adora2a.prop("go_terms") == ("GO:0046636",) and adora2a.prop("evidence_codes") == ("IEA",)
    assert not any(k[0] == "ADORA2A" and k[1] == "increases" for k in edges)
    ido1 = edges[("IDO1", "increases", "TMEKG:effect.t_cell_apoptosis")]
    assert ido1.prop("go_terms") == ("GO:0070234",) and ido1.provenance[0].score == 1.0  # IMP
    assert edges[("IDO1", "decreases", "TMEKG:effect.t_cell_proliferation")].prop("go_terms") == (
        "GO:0042130",
    )
    arg1 = edges[("ARG1", "decreases", "TMEKG:effect.t_cell_proliferation")]
    assert arg1.prop("evidence_codes") == ("IDA", "IEA") and max(p.score for p in arg1.provenance) == 1.0


def test_obo_header_only_or_cut(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "gene-ontology" / "go-basic.obo").read_text(encoding="utf-8")
    path = tmp_path / "go-basic.obo"
    path.write_text(text.split("[Term]")[0], encoding="utf-8")
    with pytest.raises(LoaderError, match=r"go-basic\.obo: no \[Term\] stanza"):
        go.read_obo(path)
    cut = text.rstrip("\n")
    path.write_text(cut[: cut.rfind("\n") + 3], encoding="utf-8")  # last line cut to two characters
    with pytest.raises(LoaderError, match=r"go-basic\.obo:\d+: not an OBO 'tag: value' line"):
        go.read_obo(path)
    path.write_text(cut[: cut.rfind(":") + 3], encoding="utf-8")  # cut inside the value of the last line
    with pytest.raises(LoaderError, match=r"go-basic\.obo:\d+: the file ends mid-line"):
        go.read_obo(path)
