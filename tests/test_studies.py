"""tmekg.studies: a study load rebuilds the store from the inputs the store was built with."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store

runner = CliRunner()


def _sources(store: Path) -> dict[str, dict]:
    with KnowledgeGraph.open(store) as kg:
        return kg.manifest["sources"]


def test_study_load_reuses_the_data_dir_and_kb_the_store_was_built_with(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("TMEKG_STORE", "TMEKG_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("tmekg.config._user_dir", lambda: tmp_path / "user")  # no default sources
    store, data, kb = tmp_path / "store", fixtures / "drug_kinds", fixtures / "study" / "kb_crosstalk"
    build_store(store=store, sources=["tmekg-curated", "drugcentral"], data=data, kb=kb)
    before = _sources(store)
    with KnowledgeGraph.open(store) as kg:
        assert kg.manifest["build"]["data_dir"] == str(data.resolve())
    args = ["study", "load", str(fixtures / "study" / "crosstalk_pseudobulk.csv"), "--format", "pseudobulk"]
    args += ["--study-id", "TMEKG:study.demo", "--map", str(fixtures / "study" / "celltype_map.yaml")]
    result = runner.invoke(app, [*args, "--map-name", "demo", "--store", str(store)])
    assert result.exit_code == 0, result.output
    after = _sources(store)
    for name in ("tmekg-curated", "drugcentral"):  # same files read again: same counts
        assert (after[name]["nodes"], after[name]["edges"]) == (before[name]["nodes"], before[name]["edges"])
    assert "study:TMEKG:study.demo" in after
    # an explicit --data-dir still wins: here one without drugcentral, so the rebuild says so
    result = runner.invoke(
        app, [*args, "--map-name", "demo", "--store", str(store), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 1 and f"not found in {tmp_path / 'drugcentral'}" in result.output
