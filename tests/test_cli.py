"""CLI via typer's CliRunner: build, stats, show, search, validate, sources, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmekg.cli import app

runner = CliRunner()


@pytest.fixture()
def built(store_dir: Path, fixtures: Path) -> Path:
    result = runner.invoke(app, ["build", "--kb", str(fixtures / "kb_small"), "--quiet"])
    assert result.exit_code == 0, result.output
    return store_dir


def test_help_and_version() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "build" in result.output and "Example" in result.output
    assert runner.invoke(app, ["--version"]).output.startswith("tmekg ")


def test_stats_json_document(built: Path) -> None:
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["total_nodes"] == 6 and doc["total_edges"] == 5
    assert doc["nodes"] == {"CellType": 1, "Drug": 1, "Gene": 2, "ImmuneEffect": 1, "Metabolite": 1}
    assert doc["edges"]["targets"] == 1
    assert doc["sources"]["tmekg-curated"] == {"nodes": 6, "edges": 5, "version": "2026.11"}


def test_show_by_synonym_with_evidence(built: Path) -> None:
    result = runner.invoke(app, ["show", "CD73", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["node"]["id"] == "HGNC.SYMBOL:NT5E"
    preds = {(e["subject_name"], e["predicate"], e["object_name"]): e["evidence"] for e in doc["edges"]}
    assert preds[("oleclumab", "targets", "NT5E")] == ["PMID:4"]
    assert preds[("NT5E", "produces", "adenosine")] == ["PMID:1"]
    deeper = json.loads(runner.invoke(app, ["show", "CD73", "--depth", "2", "--format", "json"]).output)
    assert len(deeper["edges"]) == 4  # adds adenosine -> ADORA2A and adenosine -| CD8 function


def test_search(built: Path) -> None:
    result = runner.invoke(app, ["search", "adeno", "--format", "tsv"])
    lines = result.output.strip().splitlines()
    assert lines[0] == "id\tcategory\tname\tsynonyms"
    assert lines[1].startswith("CHEBI:16335\tMetabolite\tadenosine")
    assert runner.invoke(app, ["search", "x", "--category", "Molecule"]).exit_code == 1


def test_unknown_node_is_one_clear_line(built: Path) -> None:
    result = runner.invoke(app, ["show", "NOPE1"])
    assert result.exit_code == 1
    assert "no node matches 'NOPE1'" in result.output
    assert "Traceback" not in result.output


def test_no_store_yet(store_dir: Path) -> None:
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 1 and "run `tmekg build` first" in result.output


def test_corrupt_kb_names_file_row_field_and_keeps_store(built: Path, fixtures: Path, tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(fixtures / "kb_small", kb)
    nodes = kb / "a.nodes.tsv"
    nodes.write_text(nodes.read_text().replace("max_phase=2", "max_phase=two"))
    result = runner.invoke(app, ["build", "--kb", str(kb), "--quiet"])
    assert result.exit_code == 1
    assert "a.nodes.tsv:8: field 'properties'" in result.output and "max_phase" in result.output
    assert "Traceback" not in result.output
    assert json.loads(runner.invoke(app, ["stats", "--json"]).output)["total_edges"] == 5


def test_validate_lists_every_problem(fixtures: Path, tmp_path: Path) -> None:
    good = runner.invoke(app, ["validate", str(fixtures / "kb_small" / "a.edges.tsv")])
    assert good.exit_code == 0 and "5 edges; ok" in good.output
    shutil.copy(fixtures / "kb_small" / "a.nodes.tsv", tmp_path)  # endpoints resolve against sibling nodes
    bad = tmp_path / "bad.edges.tsv"
    text = (fixtures / "kb_small" / "a.edges.tsv").read_text()
    text = text.replace("\tPMID:3\t", "\t\t").replace("CHEBI:16335\tactivates", "CHEBI:99999999\tactivates")
    bad.write_text(text)
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "bad.edges.tsv:4: field 'evidence'" in result.output
    assert "bad.edges.tsv:3: field 'subject/object'" in result.output and "CHEBI:99999999" in result.output
    assert "2 problem(s)" in result.output


def test_config_file_and_unknown_source(store_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "tmekg.yaml"
    config.write_text("sources: [nonesuch]\n")
    result = runner.invoke(app, ["build", "--config", str(config), "--quiet"])
    assert result.exit_code == 1 and "unknown source 'nonesuch'" in result.output


def test_sources_lists_registry(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sources", "--data-dir", str(tmp_path), "--format", "json"])
    rows = {r["source"]: r for r in json.loads(result.output)}
    assert rows["tmekg-curated"]["status"] == "built in"
    assert rows["human-gem"]["status"].startswith("missing")
    assert rows["human-gem"]["licence"] == "CC-BY-4.0"


def test_rank_with_a_named_store_that_holds_none_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMEKG_STORE", raising=False)
    typo = tmp_path / "stroe"
    result = runner.invoke(app, ["rank", "--store", str(typo), "--permutations", "0", "--quiet"])
    assert result.exit_code == 1
    assert f"no tmekg store at {typo}" in result.output
    assert not typo.exists()  # nothing was built there
    monkeypatch.setenv("TMEKG_STORE", str(typo))  # the same holds for the environment variable
    result = runner.invoke(app, ["explain", "NT5E", "anti-PD-1"])
    assert result.exit_code == 1 and str(typo) in result.output and not typo.exists()


def test_rank_on_a_fresh_machine_builds_the_default_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("TMEKG_STORE", "TMEKG_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("tmekg.config._user_dir", lambda: tmp_path / "user")
    result = runner.invoke(app, ["rank", "--permutations", "0", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "user" / "store").is_dir()
    assert "HGNC.SYMBOL:NT5E" in result.output  # the curated KB's CD73 is ranked


def test_rank_table_drops_target_id_and_fits_80_columns(tmp_path: Path, fixtures: Path) -> None:
    store = str(tmp_path / "store")
    built = runner.invoke(app, ["build", "--kb", str(fixtures / "scoring_kb"), "--store", store, "-q"])
    assert built.exit_code == 0, built.output
    args = ["rank", "--permutations", "0", "--quiet", "--store", store]
    result = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.rstrip("\n").splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) == 3 + 3  # title, header, rule, then one line for each of the 3 rows
    assert lines[3].split()[:3] == ["1", "T1", "anti-PD-1"]  # the symbol, not the id
    assert "HGNC.SYMBOL:" not in result.output
    tsv = runner.invoke(app, [*args, "--format", "tsv"])
    assert tsv.output.splitlines()[1].split("\t")[:3] == ["1", "HGNC.SYMBOL:T1", "T1"]


def test_paths_draw_steps_against_the_edge_direction_backwards(built: Path) -> None:
    # kb_small: adenosine -decreases-> CD8 effector function, adenosine -activates-> ADORA2A
    result = runner.invoke(app, ["paths", "CD8 T cell effector function", "ADORA2A", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    row = dict(zip(*(line.split("\t") for line in result.output.splitlines()[:2]), strict=True))
    assert row["metapath"] == "E<dnMaG"
    assert row["path"] == "CD8 T cell effector function <- adenosine -> ADORA2A"
    result = runner.invoke(app, ["paths", "ADORA2A", "oleclumab", "--format", "tsv"])
    assert result.output.splitlines()[1].split("\t")[4] == "ADORA2A <- adenosine <- NT5E <- oleclumab"
