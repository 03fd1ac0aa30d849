"""tmekg validate refuses hostile values: non-finite or out-of-range numbers, full-width digits in ids,
control bytes in names; each problem names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.errors import LoaderError
from tmekg.validate import validate_file

NODE_HEADER = "id\tcategory\tname\tsynonyms\txrefs\tproperties\tevidence\tstatus\tcomment\n"
EDGE_HEADER = "subject\tpredicate\tobject\tproperties\tevidence\tcontext\tstatus\tcomment\n"
GOOD_NODE = "HGNC.SYMBOL:NT5E\tGene\tNT5E\tCD73\t\t\t\t\t\n"


def _problems(path: Path) -> list[tuple[int | None, str | None, str]]:
    return [(e.line, e.field, str(e)) for e in validate_file(path).errors]


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("fraction=nan", "fraction"),
        ("fraction=inf", "fraction"),
        ("p_value=-1", "p_value"),
        ("p_value=1.5", "p_value"),
        ("value=-inf", "value"),
        ("fraction=０.５", "ASCII digits"),
    ],
)
def test_bad_numbers_on_an_edge(tmp_path: Path, properties: str, message: str) -> None:
    (tmp_path / "x.nodes.tsv").write_text(NODE_HEADER + GOOD_NODE, encoding="utf-8")
    path = tmp_path / "x.edges.tsv"
    row = f"HGNC.SYMBOL:NT5E\texpressed_in\tCL:0001064\t{properties}\tPMID:1\t\tverified\t\n"
    path.write_text(EDGE_HEADER + row, encoding="utf-8")
    [(line, field, text)] = _problems(path)
    assert (line, field) == (2, "properties") and message in text


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("CHEBI:１６３３５\tMetabolite\tadenosine\t\t\t\t\t\t\n", "id", "does not match the CHEBI pattern"),
        ("CHEBI:16335\tMetabolite\taden\x1b[31mosine\t\t\t\t\t\t\n", "name", "control character U+001B"),
        ("CHEBI:16335\tMetabolite\tadenosine\tAdo\x07\t\t\t\t\t\n", "synonyms", "control character U+0007"),
        ("TMEKG:x\x1b]0;t\x07\tMetabolite\tadenosine\t\t\t\t\t\t\n", "id", "control character"),
    ],
)
def test_bad_ids_and_names(tmp_path: Path, row: str, field: str, message: str) -> None:
    path = tmp_path / "x.nodes.tsv"
    path.write_text(NODE_HEADER + row, encoding="utf-8")
    [(line, got_field, text)] = _problems(path)
    assert (line, got_field) == (2, field) and message in text


def test_nul_byte_in_a_name_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "x.nodes.tsv"
    path.write_bytes((NODE_HEADER + "CHEBI:16335\tMetabolite\taden\x00osine\t\t\t\t\t\t\n").encode())
    # 12 + 11 + 4 characters before it: the NUL is column 28 of line 2
    with pytest.raises(LoaderError, match=r"x\.nodes\.tsv:2: NUL byte at column 28"):
        validate_file(path)


def test_id_in_decomposed_unicode_is_nfc_normalised(tmp_path: Path) -> None:
    # a TMEKG local id with a combining accent (NFD) is read in its composed (NFC) form
    path = tmp_path / "x.nodes.tsv"
    path.write_text(NODE_HEADER + "TMEKG:caf\u0065\u0301\tMetabolite\tx\t\t\t\t\t\t\n", encoding="utf-8")
    assert _problems(path)[0][1] == "id"  # not ASCII: refused by the TMEKG pattern (ASCII \\w)


def test_good_file_is_ok(tmp_path: Path) -> None:
    (tmp_path / "x.nodes.tsv").write_text(NODE_HEADER + GOOD_NODE, encoding="utf-8")
    path = tmp_path / "x.edges.tsv"
    row = "HGNC.SYMBOL:NT5E\texpressed_in\tCL:0001064\tfraction=0.5;p_value=0.01\tPMID:1\t\tverified\t\n"
    path.write_text(EDGE_HEADER + row, encoding="utf-8")
    assert validate_file(path).ok
