"""Crosstalk options: co-localisation table and prior, currency list, figure, CLI flags."""

from __future__ import annotations

import io
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from test_crosstalk import ICAF, LACTATE, NEO, TREG, store  # noqa: F401 - the module-scoped store fixture

from tmekg.errors import LoaderError, TmekgError
from tmekg.graph import KnowledgeGraph
from tmekg.loaders.colocalisation import parse, read_counts
from tmekg.queries.crosstalk import CrosstalkParams, infer_crosstalk
from tmekg.queries.crosstalk_coloc import Colocalisation, cooccurrence, load
from tmekg.queries.crosstalk_currency import Currency, currency_ids, shipped


def test_counts_table_layouts_and_errors(tmp_path: Path) -> None:
    text = ",r1,r2,r3\nTumor,5,0,1\nCAF,1,4,0\n"
    table = parse(io.StringIO(text), "t.csv")
    assert (table.classes, table.regions) == (["Tumor", "CAF"], ["r1", "r2", "r3"])
    # regions as rows (more rows than columns): transposed to classes x regions
    tall = parse(io.StringIO("region\tTumor\tCAF\nr1\t5\t1\nr2\t0\t4\nr3\t1\t0\n"), "t.tsv")
    assert tall.classes == ["Tumor", "CAF"] and tall.counts.tolist() == table.counts.tolist()
    forced = parse(io.StringIO(text), "t.csv", celltypes="columns")
    assert forced.classes == ["r1", "r2", "r3"]
    with pytest.raises(LoaderError, match=r"t.csv:3: field 'r2': count must be finite and >= 0, got -4"):
        parse(io.StringIO(",r1,r2\nTumor,5,0\nCAF,1,-4\n"), "t.csv")
    with pytest.raises(LoaderError, match=r"t.csv:2: field 'r2': not a number: 'x'"):
        parse(io.StringIO(",r1,r2\nTumor,5,x\n"), "t.csv")
    with pytest.raises(LoaderError, match=r"t.csv:2: 2 fields, header has 3"):
        parse(io.StringIO(",r1,r2\nTumor,5\n"), "t.csv")
    with pytest.raises(LoaderError, match="duplicate label 'Tumor'"):
        parse(io.StringIO(",r1\nTumor,5\nTumor,1\n"), "t.csv")


def test_cooccurrence_is_the_cosine_of_region_profiles() -> None:
    # Tumor in r1 only; CAF half r1 half r2; Treg in r2 only
    prior = cooccurrence(np.array([[4.0, 0.0], [1.0, 1.0], [0.0, 3.0]]))
    s = 1 / np.sqrt(2)
    assert np.allclose(prior, [[1, s, 0], [s, 1, s], [0, s, 1]])
    assert cooccurrence(np.array([[0.0, 0.0], [1.0, 0.0]])).tolist() == [[0.0, 0.0], [0.0, 1.0]]


def test_weights_and_unmapped_types() -> None:
    coloc = Colocalisation(
        ["Tumor", "Treg"], np.array([[1.0, 0.0], [0.0, 1.0]]), {NEO: "Tumor", TREG: "Treg"}, 0.5, "x"
    )
    assert coloc.weight(NEO, TREG) == 0.5  # never in the same region: floor
    assert coloc.weight(NEO, NEO) == 1.0
    assert coloc.weight(ICAF, TREG) == 1.0  # iCAF has no class here: neutral
    assert coloc.unmapped([NEO, ICAF]) == [ICAF]


def test_shared_imc_table(shared_data: Path) -> None:
    coloc = load(str(shared_data / "pdac_imc_caf_neighbourhoods" / "counts_broad.csv"))
    assert len(coloc.classes) == 9 and "Tumor" in coloc.classes and "CAF" in coloc.classes
    assert read_counts(shared_data / "pdac_imc_caf_neighbourhoods" / "counts_broad.csv").counts.shape == (
        9,
        56,
    )
    assert coloc.prior.shape == (9, 9) and np.allclose(np.diag(coloc.prior), 1.0)
    assert coloc.prior.min() >= 0.0 and coloc.prior.max() <= 1.0 + 1e-9
    assert coloc.weight(NEO, ICAF) > coloc.weight(NEO, TREG)


def test_colocalisation_weights_scores(store: Path, tmp_path: Path) -> None:  # noqa: F811
    table = tmp_path / "counts.csv"
    # Tumor and CAF share region r1; Treg sits alone in r2: iCAF -> Neoplastic keeps 1.0, -> Treg halves
    table.write_text(",r1,r2,r3,r4\nTumor,10,0,5,0\nCAF,10,0,5,0\nTreg,0,10,0,5\n", encoding="utf-8")
    with KnowledgeGraph.open(store) as kg:
        plain = {
            (r.sender_id, r.receiver_id, r.metabolite_id): r.score
            for r in infer_crosstalk(kg, CrosstalkParams(permutations=0))
        }
        rows = infer_crosstalk(kg, CrosstalkParams(permutations=0, colocalisation=str(table)))
    got = {(r.sender_id, r.receiver_id, r.metabolite_id): (r.score, r.colocalisation) for r in rows}
    assert got[(ICAF, NEO, LACTATE)] == (1.0, 1.0)
    assert got[(ICAF, TREG, LACTATE)] == (round(plain[(ICAF, TREG, LACTATE)] * 0.5, 6), 0.5)


def test_currency_list() -> None:
    listed = shipped()
    assert {"CHEBI:15377", "CHEBI:29101", "CHEBI:15422"} <= listed.ids
    assert {"water", "na+", "k+", "nadph", "coa"} <= listed.names

    class Node:
        def __init__(self, id: str, name: str, synonyms: tuple = ()) -> None:
            self.id, self.name, self.synonyms = id, name, synonyms

    class Graph:
        nodes: ClassVar[dict] = {
            "HMDB:1": Node("HMDB:1", "Sodium", ("Na+",)),
            "CHEBI:16651": Node("CHEBI:16651", "(S)-lactate"),
        }

        def node(self, m: str) -> Node:
            return self.nodes[m]

    assert currency_ids(Graph(), ["HMDB:1", "CHEBI:16651"]) == {"HMDB:1"}
    with pytest.raises(TmekgError, match="entry 1 needs a 'name'"):
        Currency.from_entries([{"ids": ["X:1"]}])


def test_figure_png_and_svg(store: Path, tmp_path: Path) -> None:  # noqa: F811
    from tmekg.queries.crosstalk_figure import draw, heatmap_matrix

    with KnowledgeGraph.open(store) as kg:
        rows = infer_crosstalk(kg, CrosstalkParams(permutations=0))
    senders, receivers, M = heatmap_matrix(rows)
    assert senders[0] == "inflammatory cancer-associated fibroblast"
    i, j = senders.index("inflammatory cancer-associated fibroblast"), receivers.index("regulatory T cell")
    assert M[i, j] == pytest.approx(0.4 + 0.5)  # lactate 0.4 + adenosine 0.5
    png = draw(rows, tmp_path / "x.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = draw(rows, tmp_path / "x.svg")
    assert b"<svg" in svg.read_bytes()[:2000]
    with pytest.raises(TmekgError, match=r"must end in \.png or \.svg"):
        draw(rows, tmp_path / "x.pdf")
    assert not list(tmp_path.glob(".*tmp*"))


def test_cli_flags(store: Path, tmp_path: Path) -> None:  # noqa: F811
    from test_crosstalk import _app
    from typer.testing import CliRunner

    runner = CliRunner()
    table = tmp_path / "counts.csv"
    table.write_text(",r1,r2,r3,r4\nTumor,10,0,5,0\nCAF,10,0,5,0\nTreg,0,10,0,5\n", encoding="utf-8")
    figure = tmp_path / "xt.svg"
    args = ["crosstalk", "--store", str(store), "--permutations", "0", "--format", "tsv"]
    result = runner.invoke(_app(), [*args, "--colocalisation", str(table), "--figure", str(figure)])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.strip().splitlines()[1:]]
    got = {(r[0], r[4]): float(r[7]) for r in lines if r[2] == LACTATE}
    assert got[(ICAF, TREG)] == 0.2 and got[(ICAF, NEO)] == 1.0  # 0.4 x weight 0.5; 1.0 x 1.0
    assert b"<svg" in figure.read_bytes()[:2000]
    bad = runner.invoke(_app(), [*args, "--reference", "blood"])
    assert bad.exit_code == 1 and "unknown reference mode 'blood'" in bad.output
    missing = runner.invoke(_app(), [*args, "--colocalisation", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1 and "none.csv" in missing.output and "Traceback" not in missing.output
