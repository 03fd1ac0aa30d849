"""GO molecular-function classes on Gene nodes (fixture: tests/fixtures/receiver_location/gene-ontology)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.errors import LoaderError
from tmekg.loaders import go_function
from tmekg.loaders.gene_ontology import OBO_FILE, load, read_obo
from tmekg.model import LoadReport, Node


@pytest.fixture()
def folder(fixtures: Path) -> Path:
    return fixtures / "receiver_location" / "gene-ontology"


def test_term_classes_follow_is_a(folder: Path) -> None:
    closure = go_function.term_classes(read_obo(folder / OBO_FILE), go_function.function_spec())
    assert closure["GO:0004930"] == {"signaling_receptor"}  # GPCR -> transmembrane signaling receptor
    assert closure["GO:0004879"] == {"signaling_receptor", "ligand_activated_tf"}  # nuclear receptor
    assert closure["GO:0015267"] == {"channel", "transmembrane_transporter"}
    assert closure["GO:0005041"] == {"cargo_receptor"}  # LDL receptor -> lipoprotein particle receptor
    assert "GO:0004743" not in closure and "GO:0003700" not in closure  # pyruvate kinase, DNA-binding TF


def test_gene_nodes_get_function_class(folder: Path) -> None:
    records = list(load(folder, LoadReport("gene-ontology")))
    got = {r.name: r.prop("function_class") for r in records if isinstance(r, Node) and r.category == "Gene"}
    assert got == {
        "PKM": ("other",),  # the NOT row to a GPCR term is not used
        "HCAR1": ("signaling_receptor",),
        "AHR": ("ligand_activated_tf", "signaling_receptor"),
        "HIF1A": ("other",),
        "SLC16A1": ("transmembrane_transporter",),
        "LDLR": ("cargo_receptor",),
        "PIEZO1": ("channel", "transmembrane_transporter"),
    }  # ALDOA (only an ND row) and the mouse Mmp2 row give no node: unknown


def test_class_outside_the_schema_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import tmekg.io

    table = {"classes": {"plasma_membrane": ["GO:0005886"]}, "other": "other"}
    monkeypatch.setattr(tmekg.io, "packaged_yaml", lambda package, name: table)
    go_function.function_spec.cache_clear()
    try:
        with pytest.raises(LoaderError, match=r"\['plasma_membrane'\] are not values of Gene.function_class"):
            go_function.function_spec()
    finally:
        monkeypatch.undo()
        go_function.function_spec.cache_clear()
