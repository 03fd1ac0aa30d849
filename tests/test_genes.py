"""Gene identity authority (tmekg.genes, loaders/ncbi_gene): parsing, lookups, build-time resolution,
the no-authority merge guard, the stored table. Fixture: tests/fixtures/ncbi-gene (11 genes, hand-written
in the NCBI gene_info / UniProt idmapping layouts; LDH is an alias of LDHA and LDHB there)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tmekg.build import GraphBuilder
from tmekg.errors import LoaderError, StoreError
from tmekg.genes import GeneAuthority, GeneCanon, IdentityReport, load_authority
from tmekg.loaders.ncbi_gene import read_genes, read_idmapping
from tmekg.model import Edge, LoadReport, Node, Provenance

P = (Provenance("src", "1"),)


@pytest.fixture(scope="module")
def authority(fixtures: Path) -> GeneAuthority:
    return load_authority(fixtures / "ncbi-gene")


def gene(curie: str, *xrefs: str, name: str | None = None) -> Node:
    return Node(curie, "Gene", name or curie.split(":", 1)[1], xrefs=xrefs, provenance=P)


# -- parsing -------------------------------------------------------------------------------------------
def test_parser_reads_every_gene_and_the_uniprot_pairs(fixtures: Path) -> None:
    report = LoadReport("ncbi-gene")
    authority = load_authority(fixtures / "ncbi-gene", report)
    assert report.rows == 11 and len(authority) == 11
    assert authority.genes["3939"].ensembl == ("ENSG00000134333", "ENSG00000288299")
    assert authority.genes["3939"].uniprot == ("P00338",)
    assert len(read_idmapping(fixtures / "ncbi-gene")) == 9  # 8 accessions, P0DP23 on two genes


def test_mitochondrial_genes_get_their_hgnc_symbol(authority: GeneAuthority) -> None:
    # NCBI's Symbol column says ND5 (alias MTND5); HGNC's approved symbol is MT-ND5
    assert authority.genes["4540"].symbol == "MT-ND5"
    assert authority.match("HGNC.SYMBOL:MT-ND5").genes == ("4540",)
    assert authority.match("HGNC.SYMBOL:ND5") == authority.match("HGNC.SYMBOL:MTND5")


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda lines: [*lines[:3], lines[3].rsplit("\t", 2)[0] + "\n"], "Homo_sapiens.gene_info:4: field"),
        (lambda lines: [*lines[:3], lines[3].replace("\t2821\t", "\tGPI1\t")], ":4: field 'GeneID'"),
        (lambda lines: [*lines[:3], lines[3].replace("\tGPI\t", "\t-\t", 1)], ":4: field 'Symbol'"),
        (lambda lines: [lines[0].replace("Synonyms", "Aliases"), *lines[1:]], ":1: field 'Synonyms'"),
        (lambda lines: [*lines, lines[1]], ":13: field 'GeneID': GeneID 801 appears twice"),
    ],
)
def test_malformed_gene_info_names_file_line_and_field(fixtures: Path, tmp_path: Path, edit, where) -> None:
    lines = (fixtures / "ncbi-gene" / "Homo_sapiens.gene_info").read_text().splitlines(keepends=True)
    path = tmp_path / "Homo_sapiens.gene_info"
    path.write_text("".join(edit(lines)))
    with pytest.raises(LoaderError, match=where):
        read_genes(path)


def test_truncated_short_line_names_the_missing_column(fixtures: Path, tmp_path: Path) -> None:
    lines = (fixtures / "ncbi-gene" / "Homo_sapiens.gene_info").read_text().splitlines(keepends=True)
    (tmp_path / "Homo_sapiens.gene_info").write_text("".join(lines[:5]) + "9606\t3945\tLDHB\t-\tLDH")
    with pytest.raises(LoaderError, match=r"gene_info:6: field 'dbXrefs': 5 fields, expected 16"):
        read_genes(tmp_path / "Homo_sapiens.gene_info")


def test_malformed_idmapping_and_gzip_input(fixtures: Path, tmp_path: Path) -> None:
    source = fixtures / "ncbi-gene"
    (tmp_path / "HUMAN_9606_idmapping.dat").write_text("P00338\tGene_Name\tLDHA\nP00338\tGeneID\tLDHA\n")
    with pytest.raises(LoaderError, match=r"HUMAN_9606_idmapping.dat:2: field 'id'"):
        read_idmapping(tmp_path)
    gz = tmp_path / "gz"
    gz.mkdir()
    (gz / "Homo_sapiens.gene_info.gz").write_bytes(
        gzip.compress((source / "Homo_sapiens.gene_info").read_bytes())
    )
    assert len(load_authority(gz)) == 11  # gzipped gene_info, no idmapping: still every gene


# -- lookups -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("curie", "genes", "how"),
    [
        ("NCBIGENE:5159", ("5159",), "ncbigene"),
        ("HGNC.SYMBOL:GPI", ("2821",), "symbol"),  # approved symbol wins over GNPDA1's alias GPI
        ("HGNC.SYMBOL:gpi", ("2821",), "symbol"),
        ("HGNC.SYMBOL:P53", ("7157",), "alias"),  # an alias of one gene resolves
        ("HGNC.SYMBOL:LDH", ("3939", "3945"), "alias"),  # an alias of two genes does not
        ("ENSEMBL:ENSG00000288299.2", ("3939",), "ensembl"),  # version dropped
        ("UNIPROT:P07195-2", ("3945",), "uniprot"),  # isoform dropped
        ("UNIPROT:P0DP23", ("801", "805"), "uniprot"),  # one protein, two genes: ambiguous
        ("HGNC.SYMBOL:NOTAGENE", (), ""),
        ("HGNC:6535", (), ""),  # no HGNC ids in the authority: neutral
    ],
)
def test_match(authority: GeneAuthority, curie: str, genes: tuple[str, ...], how: str) -> None:
    match = authority.match(curie)
    assert (match.genes, match.how) == (genes, how)


def test_node_ids_and_xrefs_come_from_the_authority(authority: GeneAuthority) -> None:
    assert authority.node_id("3945") == "HGNC.SYMBOL:LDHB"
    assert authority.xrefs("3945") == ("NCBIGENE:3945", "ENSEMBL:ENSG00000111716", "UNIPROT:P07195")


def test_symbol_of_two_ncbi_genes_goes_to_the_one_with_ensembl() -> None:
    from tmekg.genes import Gene

    authority = GeneAuthority([Gene("3045", "HBD", ("ENSG00000223609",)), Gene("100187828", "HBD")])
    assert authority.match("HGNC.SYMBOL:HBD").genes == ("3045",)
    assert authority.node_id("3045") == "HGNC.SYMBOL:HBD"
    assert authority.node_id("100187828") == "NCBIGENE:100187828"  # never the same node id


def test_stored_table_round_trips_and_damage_is_reported(authority: GeneAuthority) -> None:
    data = authority.to_bytes()
    assert data == authority.to_bytes()  # deterministic (gzip mtime 0)
    again = GeneAuthority.from_bytes(data)
    assert again.genes == authority.genes
    with pytest.raises(StoreError, match="unreadable gene table"):
        GeneAuthority.from_bytes(data[:20])
    with pytest.raises(StoreError, match="bad header"):
        GeneAuthority.from_bytes(gzip.compress(b"x\ty\n"))


# -- build-time resolution -----------------------------------------------------------------------------
def canonical(authority: GeneAuthority, records: list[Node | Edge]) -> tuple[list, IdentityReport]:
    canon = GeneCanon(authority)
    out = list(canon.records(records, "src"))
    return out, canon.reports["src"]


def test_contradicting_uniprot_is_dropped_not_merged(authority: GeneAuthority) -> None:
    # a drug-target table listing PDGFRA with PDGFRB's accession P09619 too
    (node,), report = canonical(authority, [gene("HGNC.SYMBOL:PDGFRA", "UNIPROT:P16234", "UNIPROT:P09619")])
    assert node.id == "HGNC.SYMBOL:PDGFRA"
    assert node.xrefs == ("ENSEMBL:ENSG00000134853", "NCBIGENE:5156", "UNIPROT:P16234")
    assert report.xrefs_dropped == 1
    assert report.examples["contradicting id dropped"] == [
        "UNIPROT:P09619 on HGNC.SYMBOL:PDGFRA (names PDGFRB)"
    ]


def test_ambiguous_alias_is_refused_with_its_edges(authority: GeneAuthority) -> None:
    records = [
        gene("HGNC.SYMBOL:LDH"),
        Node("CHEBI:422", "Metabolite", "lactic acid", provenance=P),
        Edge("HGNC.SYMBOL:LDH", "produces", "CHEBI:422", P),
    ]
    out, report = canonical(authority, records)
    assert [r.id for r in out] == ["CHEBI:422"]
    assert (report.ambiguous_dropped, len(report.refused_aliases), report.edges_dropped) == (1, 1, 1)
    assert report.examples["ambiguous alias refused"] == ["HGNC.SYMBOL:LDH (alias of LDHA, LDHB)"]


def test_record_whose_ids_name_two_genes_is_a_family_and_dropped(authority: GeneAuthority) -> None:
    # a pathway box labelled LDH2 (unknown) with LDHA's GeneID and LDHB's accession
    out, report = canonical(authority, [gene("HGNC.SYMBOL:LDH2", "NCBIGENE:3939", "UNIPROT:P07195")])
    assert out == [] and report.ambiguous_dropped == 1 and not report.refused_aliases


def test_unique_alias_and_accessions_resolve_to_the_approved_symbol(authority: GeneAuthority) -> None:
    records = [
        gene("HGNC.SYMBOL:P53"),
        gene("UNIPROT:P07195", name="L-lactate dehydrogenase B chain"),
        gene("ENSEMBL:ENSG00000134333", "HGNC.SYMBOL:LDH"),  # ambiguous alias as an xref: a name only
        Edge("CHEMBL.COMPOUND:CHEMBL1", "targets", "UNIPROT:P00338", P, (("action", "inhibitor"),)),
    ]
    out, report = canonical(authority, records)
    p53, ldhb, ldha, edge = out
    assert (p53.id, p53.name, p53.synonyms) == ("HGNC.SYMBOL:TP53", "TP53", ("P53",))
    assert (ldhb.id, ldhb.synonyms) == ("HGNC.SYMBOL:LDHB", ("L-lactate dehydrogenase B chain",))
    assert (ldha.id, ldha.synonyms) == ("HGNC.SYMBOL:LDHA", ("ENSG00000134333", "LDH"))
    assert edge.object == "HGNC.SYMBOL:LDHA"  # an endpoint without a node of the source resolves too
    assert report.resolved == 3 and report.xrefs_dropped == 0


def test_unknown_gene_keeps_its_source_identity(authority: GeneAuthority) -> None:
    node = gene("HGNC.SYMBOL:ORF99", "UNIPROT:Q00000")
    (out,), report = canonical(authority, [node])
    assert out == node and report.unknown == 1


def test_merging_is_only_on_the_resolved_gene(authority: GeneAuthority) -> None:
    canon = GeneCanon(authority)
    builder = GraphBuilder(merge_on=canon.merge_on)
    sources = {
        "a": [gene("HGNC.SYMBOL:LDHA", "HGNC.SYMBOL:LDH"), gene("HGNC.SYMBOL:CALM1", "UNIPROT:P0DP23")],
        "b": [gene("NCBIGENE:3945", "HGNC.SYMBOL:LDH"), gene("HGNC.SYMBOL:CALM2", "UNIPROT:P0DP23")],
        "c": [gene("UNIPROT:P00338"), gene("HGNC.SYMBOL:LDH")],
    }
    for name, records in sources.items():
        builder.add_all(canon.records(records, name), name)
    graph = builder.build()
    by_id = {n.id: n for n in graph.nodes}
    assert sorted(by_id) == ["HGNC.SYMBOL:CALM1", "HGNC.SYMBOL:CALM2", "HGNC.SYMBOL:LDHA", "HGNC.SYMBOL:LDHB"]
    assert "NCBIGENE:3945" not in by_id["HGNC.SYMBOL:LDHA"].xrefs
    assert by_id["HGNC.SYMBOL:LDHA"].provenance == P  # source c's UNIPROT:P00338 joined LDHA
    assert sum(r.merges_refused for r in graph.sources.values()) == 0  # nothing even tried


def test_without_authority_no_merge_joins_two_approved_symbols() -> None:
    # no ncbi-gene source: the schema's distinct_on guard keeps PDGFRA and PDGFRB apart, while ChEMBL's
    # accession-only node still joins the gene that lists it
    builder = GraphBuilder()
    builder.add_all([gene("HGNC.SYMBOL:PDGFRA", "UNIPROT:P16234", "UNIPROT:P09619")], "drugs")
    builder.add_all([gene("HGNC.SYMBOL:PDGFRB", "UNIPROT:P09619")], "other")
    builder.add_all([gene("UNIPROT:P16234"), gene("HGNC.SYMBOL:LDHA", "HGNC.SYMBOL:LDH")], "chembl")
    builder.add_all([gene("HGNC.SYMBOL:LDHB", "HGNC.SYMBOL:LDH")], "wp")
    graph = builder.build()
    assert sorted(n.id for n in graph.nodes) == [
        "HGNC.SYMBOL:LDHA",
        "HGNC.SYMBOL:LDHB",
        "HGNC.SYMBOL:PDGFRA",
        "HGNC.SYMBOL:PDGFRB",
    ]
    assert graph.sources["other"].merges_refused == 1
    assert graph.sources["other"].refused_examples == ["HGNC.SYMBOL:PDGFRB via UNIPROT:P09619"]


def test_idmapping_cut_mid_line(tmp_path: Path) -> None:
    rows = "P00338\tGene_Name\tLDHA\nP00338\tGeneID\t3939\nP0"  # the last row cut after two characters
    (tmp_path / "HUMAN_9606_idmapping.dat").write_text(rows, "utf-8")
    with pytest.raises(LoaderError, match=r"HUMAN_9606_idmapping.dat:3: expected 3 tab-separated fields"):
        read_idmapping(tmp_path)
