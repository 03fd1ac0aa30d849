"""Sample profiles: reading, scale detection, singscore, Karasinska subtypes (Reactome gene sets,
co-expression refinement), robustness, CLI, figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from tmekg.cli.profile import parse_sample_spec
from tmekg.cli.profile import profile as profile_command
from tmekg.errors import TmekgError
from tmekg.queries.coexpression import core_of
from tmekg.queries.profile import (
    ProfileError,
    assign_subtypes,
    detect_scale,
    load_signatures,
    plot_profile,
    profile,
    read_expression,
    singscore,
    subtype_genes,
)

# Reactome "Glycolysis" genes that Human-GEM (a metabolic model) does not list: the PP2A subunits.
# Symbols as in the "Glycolysis" reactome line of dhimmel/pathways 1bd2c68
# "download/Pathway Commons.7.All.GSEA.hgnc.gmt".
PP2A = {"5515": "PPP2CA", "5516": "PPP2CB", "5518": "PPP2R1A", "5519": "PPP2R1B", "5528": "PPP2R5D"}
# planted co-expressed glycolytic block, and Reactome glycolysis genes that are pure noise in that cohort
BLOCK = ["ALDOA", "ENO1", "GAPDH", "GPI", "PFKL", "PFKP", "PGAM1", "PGK1", "PKM", "TPI1"]
NOISE = ["ALDOB", "GAPDHS", "PFKFB1", "PKLR", "PPP2CA"]


@pytest.fixture()
def cohort(fixtures: Path) -> Path:
    return fixtures / "profile" / "cohort.tsv"


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "expr.tsv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, sep="," if name.endswith(".csv") else "\t")
    return path


def test_planted_subtypes_are_recovered(cohort: Path) -> None:
    table = profile(cohort).table.set_index("sample")
    # planted in make_fixtures.py: S2 glycolytic, S5 cholesterogenic, S3 both, the rest neither
    assert table["subtype"].to_dict() == {
        "S1": "quiescent",
        "S2": "glycolytic",
        "S3": "mixed",
        "S4": "quiescent",
        "S5": "cholesterogenic",
        "S6": "quiescent",
    }
    assert table.loc["S2", "glycolysis"] == table["glycolysis"].max()
    assert table.loc["S5", "cholesterol"] == table["cholesterol"].max()


def test_singscore_matches_hand_computation() -> None:
    # 4 genes, one sample; set {C, D} holds the two highest ranks: normalised score 1, centred 0.5
    log = pd.DataFrame({"s": [1.0, 2.0, 3.0, 4.0]}, index=["A", "B", "C", "D"])
    assert singscore(log, ["C", "D"])[0] == pytest.approx(0.5)
    assert singscore(log, ["A", "B"])[0] == pytest.approx(-0.5)
    # {B, C}: mean rank 2.5, bounds 1.5 and 3.5 -> 0.5 - 0.5 = 0
    assert singscore(log, ["B", "C"])[0] == pytest.approx(0.0)
    assert np.isnan(singscore(log, ["Z"])[0])


def test_subtypes_need_three_samples() -> None:
    genes = load_signatures()["subtypes"]["signatures"]["glycolytic"]
    log = pd.DataFrame({"a": np.arange(len(genes), dtype=float), "b": 1.0}, index=genes)
    assert set(assign_subtypes(log)["subtype"]) == {"unassigned"}


@pytest.mark.parametrize(
    ("values", "scale"),
    [
        ([[0.0, 5.5], [12.1, 3.0]], "log"),
        ([[0.0, 50.0], [1200.0, 3.0]], "counts"),
        ([[0.0, 50.5], [999949.5, 999950.0]], "tpm"),
        ([[0.0, 50.5], [1200.5, 3.0]], "fpkm"),
    ],
)
def test_detect_scale(values: list, scale: str) -> None:
    assert detect_scale(np.array(values)) == scale


def test_counts_and_log_give_the_same_subtypes(cohort: Path, tmp_path: Path) -> None:
    log = pd.read_csv(cohort, sep="\t", index_col=0)
    counts = np.round(np.exp2(log) * 20).astype(int)
    expr = read_expression(_write(tmp_path, counts, "counts.csv"))
    assert expr.scale == "counts"
    assert list(profile(tmp_path / "counts.csv").table["subtype"]) == list(profile(cohort).table["subtype"])


def test_missing_genes_still_score_and_are_reported(cohort: Path, tmp_path: Path) -> None:
    log = pd.read_csv(cohort, sep="\t", index_col=0)
    sigs = load_signatures()
    signature_genes = sorted({g for a in sigs["axes"].values() for g in a["genes"]})
    dropped = signature_genes[:: len(signature_genes) // 4][:4]  # about 5% of the signature genes
    assert 0.04 <= len(dropped) / len(signature_genes) <= 0.06
    result = profile(_write(tmp_path, log.drop(index=dropped)))
    reported = {g for genes in result.missing.values() for g in genes}
    assert set(dropped) <= reported
    axes = list(sigs["axes"])
    assert not result.table[axes].isna().any().any()
    assert result.table.set_index("sample").loc["S2", "subtype"] == "glycolytic"


def test_ensembl_ids_map_through_the_graph(tmp_path: Path) -> None:
    class _Node:  # the two attributes the mapping reads, as on tmekg.model.Node
        def __init__(self, symbol: str, ensg: str) -> None:
            self.id, self.name, self.category = f"HGNC.SYMBOL:{symbol}", symbol, "Gene"
            self.synonyms, self.xrefs = (), (f"ENSEMBL:{ensg}",)

    class _Graph:
        nodes: ClassVar[list[_Node]] = [_Node("NT5E", "ENSG00000135318"), _Node("ADA", "ENSG00000196839")]

    frame = pd.DataFrame(
        {"S1": [5.0, 6.0, 7.0], "S2": [5.5, 6.5, 7.5]},
        index=["ENSG00000135318.12", "ENSG00000196839", "ENSG00000000001"],
    )
    expr = read_expression(_write(tmp_path, frame), _Graph())  # type: ignore[arg-type]
    assert list(expr.log.index) == ["NT5E", "ADA"]
    assert expr.node_ids == {"NT5E": "HGNC.SYMBOL:NT5E", "ADA": "HGNC.SYMBOL:ADA"}
    assert expr.unmapped == ["ENSG00000000001"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f * 0, "every value is zero"),
        (lambda f: f.T, "samples as rows"),
        (lambda f: f.rename(index={"GPI": "HK2"}), "duplicated row name(s): HK2"),
        (lambda f: f.assign(S3=-f["S3"]), "negative values"),
        (lambda f: f.assign(S3=0.0), "sample(s) with only zeros: S3"),
        (lambda f: f.assign(S3="x"), "non-numeric values in column(s) S3"),
    ],
)
def test_tables_that_are_not_expression_raise(cohort: Path, tmp_path: Path, mutate, message: str) -> None:
    path = _write(tmp_path, mutate(pd.read_csv(cohort, sep="\t", index_col=0)))
    with pytest.raises(ProfileError, match=r"expr\.tsv: ") as info:
        read_expression(path)
    assert message in str(info.value)
    assert isinstance(info.value, TmekgError)


def test_wrong_orientation_with_mostly_unknown_genes(tmp_path: Path) -> None:
    genes = [f"LINC{i:05d}" for i in range(300)] + ["NT5E", "HK2", "PKM", "LDHA"]
    frame = pd.DataFrame(np.ones((3, len(genes))), index=["P1", "P2", "P3"], columns=genes)
    with pytest.raises(ProfileError, match="4 column names but only 0 row names look like gene"):
        read_expression(_write(tmp_path, frame))


def test_unknown_sample_and_scale_raise(cohort: Path) -> None:
    with pytest.raises(ProfileError, match="no sample 'S9'"):
        profile(cohort, sample="S9")
    with pytest.raises(ProfileError, match="unknown scale"):
        read_expression(cohort, scale="zscore")


def test_figure_png_and_svg(cohort: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = profile(cohort)
    png = plot_profile(result, tmp_path / "p.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in plot_profile(result, tmp_path / "p.svg").read_text()
    with pytest.raises(ProfileError, match=r"png or \.svg"):
        plot_profile(result, tmp_path / "p.pdf")


def test_parse_sample_spec() -> None:
    assert parse_sample_spec("data/c.tsv:S4") == (Path("data/c.tsv"), "S4")
    assert parse_sample_spec("C:/x/c.tsv:S4") == (Path("C:/x/c.tsv"), "S4")
    with pytest.raises(TmekgError, match="FILE:SAMPLE"):
        parse_sample_spec("cohort.tsv")


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("profile")(profile_command)
    app.command("other")(lambda: None)  # two commands, so "profile" stays a sub-command
    return app


def test_cli_profile_tsv_and_errors(cohort: Path, store_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(_app(), ["profile", str(cohort), "--sample", "S2", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    header, row = result.stdout.strip().splitlines()[-2:]
    assert header.startswith("sample\tsubtype") and row.startswith("S2\tglycolytic")
    bad = runner.invoke(_app(), ["profile", str(tmp_path / "none.tsv")])
    assert bad.exit_code == 1 and "no such file" in bad.output


def _coexpressed_cohort(n_samples: int, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """log2 expression (genes x samples) and the two latent activities behind it.

    BLOCK genes follow one latent glycolytic activity, every Reactome cholesterogenic gene another
    (independent) one, both with loading 0.8 and gene noise sd 0.4; NOISE genes and 20 filler genes are
    independent noise (sd 0.8). The other Reactome glycolysis genes are not measured.
    """
    rng = np.random.default_rng(seed)
    glyc, chol = rng.normal(size=n_samples), rng.normal(size=n_samples)
    cholesterogenic = load_signatures()["subtypes"]["signatures"]["cholesterogenic"]
    latents = {**dict.fromkeys(BLOCK, glyc), **dict.fromkeys(cholesterogenic, chol)}
    genes = [*BLOCK, *NOISE, *cholesterogenic, *(f"FILLER{i}" for i in range(20))]
    rows = []
    for gene in genes:
        latent = latents.get(gene)
        noise = rng.normal(0, 0.8 if latent is None else 0.4, n_samples)
        rows.append(7 + rng.uniform(-2, 2) + noise + (0.0 if latent is None else 0.8 * latent))
    log = pd.DataFrame(rows, index=genes, columns=[f"P{i:02d}" for i in range(n_samples)])
    return log, glyc, chol


def test_refinement_keeps_the_coexpressed_block_and_drops_noise_genes() -> None:
    log, glyc, chol = _coexpressed_cohort(60)
    core = subtype_genes(log)
    assert core.refined and "60 samples" in core.note
    glycolytic_core = ["ALDOA", "ENO1", "GAPDH", "GPI", "PFKL", "PFKP", "PGAM1", "PGK1", "PKM", "TPI1"]
    assert core.kept["glycolytic"] == glycolytic_core
    assert core.dropped["glycolytic"] == ["ALDOB", "GAPDHS", "PFKFB1", "PKLR", "PPP2CA"]
    assert core.kept["cholesterogenic"] == load_signatures()["subtypes"]["signatures"]["cholesterogenic"]
    assert core.dropped["cholesterogenic"] == []
    # the subtype split uses the core: clear-cut samples fall in the quadrant of their latent activities
    table = assign_subtypes(log, core.kept)
    clear = (np.abs(glyc) > 0.5) & (np.abs(chol) > 0.5)
    quadrants = [(glyc > 0) & (chol > 0), glyc > 0, chol > 0]
    expected = np.select(quadrants, ["mixed", "glycolytic", "cholesterogenic"], "quiescent")
    assert list(table["subtype"][clear]) == list(expected[clear])


def test_few_samples_fall_back_to_the_full_candidate_lists() -> None:
    log, _, _ = _coexpressed_cohort(60)
    core = subtype_genes(log.iloc[:, :12])  # below subtypes.refinement.min_samples (20)
    assert not core.refined and core.note.startswith("12 samples (< 20)")
    assert core.kept["glycolytic"] == sorted(BLOCK + NOISE)  # every measured candidate, noise included
    assert core.dropped == {"glycolytic": [], "cholesterogenic": []}


def test_core_is_the_cluster_holding_most_of_the_set() -> None:
    sets = {"a": ["A1", "A2", "A3", "A4"], "b": ["B1", "B2"]}
    clusters = [["A1", "B1", "B2"], ["A2", "A3", "X"], ["A4"]]
    assert core_of("a", sets, clusters) == ["A2", "A3"]
    assert core_of("b", sets, clusters) == ["B1", "B2"]  # the other set's genes in that cluster are not kept
    assert core_of("a", sets, [["A1", "A2", "X", "Y"], ["A3", "A4"]]) == ["A3", "A4"]  # tie: smaller cluster


def test_profile_and_cli_report_the_kept_genes(tmp_path: Path, store_dir: Path) -> None:
    log, _, _ = _coexpressed_cohort(60)
    path = _write(tmp_path, log)
    result = profile(path)
    assert result.subtype_genes is not None and result.subtype_genes.kept["glycolytic"] == BLOCK
    runner = CliRunner()
    out = runner.invoke(_app(), ["profile", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["subtype_genes"]["refined"] and doc["subtype_genes"]["kept"]["glycolytic"] == BLOCK
    assert doc["subtype_genes"]["dropped"]["glycolytic"] == sorted(NOISE)
    table = runner.invoke(_app(), ["profile", str(path), "--format", "tsv"])
    assert "glycolytic genes kept (10): ALDOA, ENO1" in table.output
    assert "dropped: ALDOB, GAPDHS, PFKFB1, PKLR, PPP2CA" in table.output


def _reactome_symbols(shared: Path, identifier: str, name: str) -> list[str]:
    """The HGNC symbols of one Reactome row of dhimmel/pathways (Entrez ids mapped with Human-GEM)."""
    pathways = pd.read_csv(shared / "pathway_genesets_dhimmel" / "pathways.tsv.gz", sep="\t", dtype=str)
    row = pathways.set_index("identifier").loc[identifier]
    assert (row["name"], row["source"], row["license"]) == (name, "reactome", "CC BY 4.0")
    genes = pd.read_csv(shared / "human-gem" / "genes.tsv.gz", sep="\t", dtype=str)
    genes = genes.dropna(subset=["geneEntrezID"])
    genes = genes.assign(entrez=genes["geneEntrezID"].str.split(";")).explode("entrez")
    symbols = genes.groupby("entrez")["geneSymbols"].agg(set).to_dict()
    assert not set(PP2A) & set(symbols)  # the supplement only fills ids Human-GEM lacks
    ids = row["genes"].split("|")
    assert len(ids) == int(row["n_genes"])
    assert all(len(symbols.get(i, {PP2A.get(i)})) == 1 for i in ids)  # one symbol per id
    return sorted(next(iter(symbols[i])) if i in symbols else PP2A[i] for i in ids)


def test_subtype_signatures_are_the_reactome_sets(shared_data: Path) -> None:
    shipped = load_signatures()["subtypes"]["signatures"]
    assert shipped["glycolytic"] == _reactome_symbols(shared_data, "PC7_4269", "Glycolysis")
    cholesterol = _reactome_symbols(shared_data, "PC7_2565", "Cholesterol biosynthesis")
    assert shipped["cholesterogenic"] == cholesterol


def test_gene_names_map_through_the_authority_in_order(fixtures: Path, tmp_path: Path) -> None:
    from tmekg.genes import load_authority

    authority = load_authority(fixtures / "ncbi-gene")
    rows = {  # row name: (S1, S2)
        "GPI": (10, 20),  # approved symbol of GPI, although also an alias of GNPDA1
        "P53": (5, 6),  # alias of TP53 only
        "LDH": (7, 8),  # alias of LDHA and LDHB: kept under its own name, reported
        "ENSG00000134333.5": (90, 80),  # LDHA (version dropped)
        "ENSG00000288299": (3, 4),  # LDHA's second Ensembl gene: collapsed, smaller total
        "PDGFRA": (1, 2),  # approved symbol: wins over the alias row below despite the smaller total
        "CD140A": (50, 60),
        "ND5": (30, 40),  # NCBI's symbol of MT-ND5
        "NOTAGENE1": (9, 9),  # unknown symbol: kept, reported
        "ENSG00000999999": (2, 2),  # unknown Ensembl id: dropped, reported
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["S1", "S2"]).astype(float)
    expr = read_expression(_write(tmp_path, frame), None, authority=authority)
    assert list(expr.log.index) == ["GPI", "TP53", "LDH", "LDHA", "PDGFRA", "MT-ND5", "NOTAGENE1"]
    assert expr.unmapped == ["NOTAGENE1", "ENSG00000999999"]
    assert expr.ambiguous == {"LDH": ["LDHA", "LDHB"]}
    assert expr.collapsed == {"LDHA": ["ENSG00000288299"], "PDGFRA": ["CD140A"]}
    assert expr.mapping == "NCBI gene authority"
    # counts: log2(CPM + 1) over the kept rows, e.g. GPI in S1: 10 / (10+5+7+90+1+30+9 = 152) * 1e6
    assert expr.log.loc["GPI", "S1"] == pytest.approx(np.log2(10 / 152 * 1e6 + 1))


def test_graph_mapping_never_lets_a_synonym_override_a_gene_name(tmp_path: Path) -> None:
    class _Node:
        def __init__(self, symbol: str, synonyms: tuple[str, ...]) -> None:
            self.id, self.name, self.category = f"HGNC.SYMBOL:{symbol}", symbol, "Gene"
            self.synonyms, self.xrefs = synonyms, ()

    class _Graph:  # GNPDA1 comes first and lists GPI as a synonym
        nodes: ClassVar[list[_Node]] = [_Node("GNPDA1", ("GPI",)), _Node("GPI", ("AMF",))]

    frame = pd.DataFrame({"S1": [5.0, 6.0, 7.0], "S2": [5.5, 6.5, 7.5]}, index=["GPI", "AMF", "GNPDA1"])
    expr = read_expression(_write(tmp_path, frame), _Graph())  # type: ignore[arg-type]
    assert list(expr.log.index) == ["GPI", "GNPDA1"]  # AMF (GPI's synonym) collapsed onto the GPI row
    assert expr.collapsed == {"GPI": ["AMF"]}
    assert expr.node_ids == {"GPI": "HGNC.SYMBOL:GPI", "GNPDA1": "HGNC.SYMBOL:GNPDA1"}
