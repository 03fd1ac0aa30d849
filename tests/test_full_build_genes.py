"""Gene identity on the full build (issue 12): one NCBI gene per Gene node, checked through the authority
stored with the graph; formerly merged genes are distinct; profiles of a real cohort map and report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.genes import AUTHORITY, GeneAuthority, stored_authority

pytestmark = pytest.mark.shared_data

PAIRS = [("LDHA", "LDHB"), ("PDGFRA", "PDGFRB"), ("JAK1", "JAK2"), ("HDAC1", "HDAC2"), ("MT-ND5", "NDUFS1")]


@pytest.fixture(scope="module")
def full(full_build):
    return full_build


@pytest.fixture(scope="module")
def authority(full) -> GeneAuthority:
    _, kg = full
    found = stored_authority(kg.path)
    assert found is not None, "the full build must store the ncbi-gene authority table"
    return found


def _genes_named(node, authority: GeneAuthority) -> tuple[set[str], set[str]]:
    """GeneIDs and approved symbols a node's id and cross-references name (aliases do not count)."""
    curies = [node.id, *node.xrefs]
    gene_ids = {c.split(":", 1)[1] for c in curies if c.startswith("NCBIGENE:")}
    symbols = {c.split(":", 1)[1] for c in curies if authority.match(c).how == "symbol"}
    return gene_ids, symbols


def test_no_gene_node_holds_two_genes(full, authority: GeneAuthority) -> None:
    _, kg = full
    bad = []
    for node in kg.nodes:
        if node.category == "Gene":
            gene_ids, symbols = _genes_named(node, authority)
            if len(gene_ids) > 1 or len(symbols) > 1:
                bad.append(f"{node.id}: {sorted(gene_ids)} {sorted(symbols)}")
    assert bad == []


def test_gene_node_ids_are_approved_symbols_never_aliases(full, authority: GeneAuthority) -> None:
    _, kg = full
    aliases = [
        n.id
        for n in kg.nodes
        if n.category == "Gene" and n.id.startswith("HGNC.SYMBOL:") and authority.match(n.id).how == "alias"
    ]
    assert aliases == []


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_formerly_merged_genes_are_distinct(full, authority: GeneAuthority, first: str, second: str) -> None:
    _, kg = full
    a, b = kg.resolve(first), kg.resolve(second)
    assert (a.id, b.id) == (f"HGNC.SYMBOL:{first}", f"HGNC.SYMBOL:{second}")
    for node, symbol in ((a, first), (b, second)):
        (gene_id,) = authority.match(f"HGNC.SYMBOL:{symbol}").genes
        assert _genes_named(node, authority) == ({gene_id}, {symbol})


def test_build_report_counts_gene_identity_decisions(full) -> None:
    result, _ = full
    total = result.sources[AUTHORITY]["build"]["loader"]["gene_identity"]
    per_source = [
        info["build"]["loader"]["gene_identity"]
        for name, info in result.sources.items()
        if name != AUTHORITY and "gene_identity" in info.get("build", {}).get("loader", {})
    ]
    for key in ("genes_resolved", "genes_unknown_kept", "contradicting_xrefs_dropped"):
        assert total[key] == sum(r[key] for r in per_source)
    # MEBOCOST names glycyl-tRNA synthetase by its former symbol GARS, now an alias of GARS1 and GART
    refused = total["examples"]["ambiguous alias refused"]
    assert "HGNC.SYMBOL:GARS (alias of GARS1, GART)" in refused
    assert total["ambiguous_aliases_refused"] >= len(refused)


def test_profile_of_tcga_maps_through_the_authority_and_reports(full, shared_data: Path) -> None:
    from tmekg.queries.profile import profile

    _, kg = full
    result = profile(shared_data / "tcga-paad" / "TCGA-PAAD.star_counts.50.tsv.gz", kg)
    expr = result.expression
    assert expr.mapping == "NCBI gene authority" and expr.log.shape[1] == 50
    collapsed = sum(len(rows) for rows in expr.collapsed.values())
    dropped = sum(1 for name in expr.unmapped if name.startswith("ENSG"))
    assert len(expr.log) + collapsed + dropped == 59427  # every row kept, collapsed or reported
    assert 0 < len(expr.unmapped) < 59427 // 2 and expr.ambiguous
    assert {"GPI", "NDUFB8", "NDUFS1", "MT-ND5", "CAD", "AR"} <= set(expr.log.index)
    assert expr.node_ids["NDUFB8"] == "HGNC.SYMBOL:NDUFB8"
