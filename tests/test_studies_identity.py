"""tmekg.studies: one study file is registered once, whatever path or copy it is loaded from."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tmekg.errors import TmekgError
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.studies import StudySpec, list_studies, load_study


def _spec(path: Path | str, fixtures: Path, study_id: str = "TMEKG:study.demo") -> StudySpec:
    return StudySpec(
        path=str(path),
        format="pseudobulk",
        study_id=study_id,
        map_name="demo",
        map_file=str(fixtures / "study" / "celltype_map.yaml"),
    )


def _study_edges(store: Path) -> int:
    with KnowledgeGraph.open(store) as kg:
        return kg.manifest["sources"]["study:TMEKG:study.demo"]["edges"]


def test_same_file_under_other_paths_is_registered_once(
    tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=fixtures / "study" / "kb_crosstalk")
    original = tmp_path / "x.csv"
    shutil.copy(fixtures / "study" / "crosstalk_pseudobulk.csv", original)
    load_study(_spec(original, fixtures), store=store)
    edges = _study_edges(store)
    assert edges > 0
    link = tmp_path / "link.csv"
    link.symlink_to(original)
    hard = tmp_path / "hard.csv"
    os.link(original, hard)
    copy = tmp_path / "sub" / "copy.csv"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    monkeypatch.chdir(tmp_path)
    for path in (link, hard, "./x.csv", "sub/../x.csv", copy):
        load_study(_spec(path, fixtures), store=store)
        studies = list_studies(store)
        assert len(studies) == 1, path
        assert _study_edges(store) == edges  # provenance not doubled
    assert studies[0].path == str(copy) and studies[0].sha256 is not None


def test_same_data_under_another_study_id_is_refused(tmp_path: Path, fixtures: Path) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=fixtures / "study" / "kb_crosstalk")
    original = fixtures / "study" / "crosstalk_pseudobulk.csv"
    load_study(_spec(original, fixtures), store=store)
    registry = (store / "studies.json").read_bytes()
    copy = tmp_path / "copy.csv"
    shutil.copy(original, copy)
    with pytest.raises(TmekgError, match=r"same data as .*TMEKG:study.demo.*tmekg study remove"):
        load_study(_spec(copy, fixtures, "TMEKG:study.other"), store=store)
    assert (store / "studies.json").read_bytes() == registry


def test_changed_content_at_the_same_path_replaces_the_entry(tmp_path: Path, fixtures: Path) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=fixtures / "study" / "kb_crosstalk")
    path = tmp_path / "x.csv"
    shutil.copy(fixtures / "study" / "crosstalk_pseudobulk.csv", path)
    load_study(_spec(path, fixtures), store=store)
    first = list_studies(store)[0].sha256
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # one cell type fewer
    load_study(_spec(path, fixtures), store=store)
    studies = list_studies(store)
    assert len(studies) == 1 and studies[0].sha256 != first


def test_a_registry_that_cannot_be_written_changes_nothing(
    tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import errno

    store = tmp_path / "store"
    build_store(store=store, kb=fixtures / "study" / "kb_crosstalk")
    before = {p: p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()}

    def full_disk(file, mode="r", *args, **kwargs):
        if "w" in mode:
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr("tmekg.studies.open", full_disk, raising=False)
    with pytest.raises(TmekgError, match=r"cannot write .*studies\.json: No space left on device"):
        load_study(_spec(fixtures / "study" / "crosstalk_pseudobulk.csv", fixtures), store=store)
    assert {p: p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()} == before


def test_a_folder_study_is_hashed_by_its_files(tmp_path: Path, fixtures: Path) -> None:
    """Compass / scFEA / CellPhoneDB outputs are folders: their key hashes every file with its name
    (opening the folder as a file failed every folder-format `study load`)."""
    from tmekg.studies import file_sha256

    copy = tmp_path / "compass"
    shutil.copytree(fixtures / "study" / "compass", copy)
    assert file_sha256(copy) == file_sha256(fixtures / "study" / "compass")
    first = sorted(p for p in copy.iterdir() if p.is_file())[0]
    first.rename(first.with_name("renamed" + first.suffix))
    assert file_sha256(copy) != file_sha256(fixtures / "study" / "compass")


def test_a_folder_study_loads(tmp_path: Path, fixtures: Path) -> None:
    store = tmp_path / "store"
    build_store(store=store, kb=fixtures / "study" / "kb_crosstalk")
    spec = StudySpec(
        path=str(fixtures / "study" / "compass"),
        format="compass",
        study_id="TMEKG:study.flux",
        map_name="demo",
        map_file=str(fixtures / "study" / "celltype_map.yaml"),
    )
    load_study(spec, store=store)
    assert [s.study_id for s in list_studies(store)] == ["TMEKG:study.flux"]
