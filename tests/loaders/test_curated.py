"""Curated KB reader: optional grade/quote columns on edge files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.errors import LoaderError
from tmekg.loaders import curated

HEADER = "subject\tpredicate\tobject\tproperties\tevidence\tcontext\tstatus\tcomment"
ROW = "HGNC.SYMBOL:NT5E\tproduces\tCHEBI:16335\t\tPMID:1\t\tverified\tCD73 makes adenosine"


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "x.edges.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_file_without_grade_columns_loads_ungraded(tmp_path: Path) -> None:
    (edge,) = curated.read_file(_write(tmp_path, [HEADER, ROW]))
    prov = edge.provenance[0]
    assert (prov.species, prov.system, prov.tumour, prov.quote) == (None, None, None, None)
    assert "species" not in prov.to_dict()


def test_grade_columns_are_read_by_header(tmp_path: Path) -> None:
    header = HEADER + "\ttumour\tquote\tspecies\tsystem"
    row = ROW + "\tPDAC\tCD73 converts AMP to adenosine.\tmouse\tin_vivo"
    (edge,) = curated.read_file(_write(tmp_path, [header, row]))
    prov = edge.provenance[0]
    assert (prov.species, prov.system, prov.tumour) == ("mouse", "in_vivo", "PDAC")
    assert prov.quote == "CD73 converts AMP to adenosine."
    assert prov.to_dict()["system"] == "in_vivo"


def test_empty_grade_cell_is_none(tmp_path: Path) -> None:
    header = HEADER + "\tquote\tspecies\tsystem\ttumour"
    (edge,) = curated.read_file(_write(tmp_path, [header, ROW + "\t\thuman\t\t"]))
    prov = edge.provenance[0]
    assert (prov.species, prov.system, prov.tumour, prov.quote) == ("human", None, None, None)


@pytest.mark.parametrize(("column", "value"), [("species", "rat"), ("system", "in vivo"), ("tumour", "pdac")])
def test_bad_grade_value_names_file_line_and_field(tmp_path: Path, column: str, value: str) -> None:
    header = HEADER + f"\t{column}"
    path = _write(tmp_path, ["# a comment line", header, ROW + f"\t{value}"])
    with pytest.raises(LoaderError) as err:
        list(curated.read_file(path))
    assert (err.value.line, err.value.field) == (3, column)
    assert value in str(err.value) and "x.edges.tsv" in str(err.value)
