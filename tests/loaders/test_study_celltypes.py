"""Cell-type map files: unreadable or malformed maps are one located LoaderError."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.errors import LoaderError
from tmekg.loaders.study_celltypes import load_celltype_map


def test_latin1_map_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(b"maps:\n  demo:\n    clusters: {caf\xe9: CL:0000057}\n")
    with pytest.raises(LoaderError, match=r"m\.yaml: cannot read cell-type map .*0xe9"):
        load_celltype_map("demo", path)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n"])
def test_map_file_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoaderError, match=r"m\.yaml: a cell-type map file must be a mapping"):
        load_celltype_map("demo", path)


def test_map_path_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").mkdir()
    with pytest.raises(LoaderError, match=r"m\.yaml: cannot read cell-type map"):
        load_celltype_map("demo", tmp_path / "m.yaml")
