"""Source completeness: header-only / empty / truncated files fail the build (``--allow-partial``
overrides), the build report lists rows read vs expected, a failed build leaves the store as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.completeness import PartialInputError, check_files, manifest_sizes, warnings_of
from tmekg.errors import LoaderError
from tmekg.pipeline import build_store

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _data(tmp_path: Path, source: str = "drugcentral") -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / source, data / source)
    return data


def _store_bytes(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()}


def test_check_files_reports_rows_read_vs_expected(tmp_path: Path) -> None:
    ledger = {str(tmp_path / "a.tsv"): 10, str(tmp_path / "b.tsv.gz"): 3}
    expect = {"a.tsv": {"rows": 10}, "b.tsv": {"rows": 5}}
    report = check_files("demo", expect, ledger, tmp_path)
    assert report["a.tsv"] == {"rows": 10, "min_rows": 1, "expected": 10, "status": "ok"}
    assert report["b.tsv.gz"]["status"] == "fewer rows than the pinned release"


def test_check_files_min_rows_and_allow_partial(tmp_path: Path) -> None:
    ledger = {str(tmp_path / "a.tsv"): 4}
    with pytest.raises(PartialInputError, match=r"a\.tsv: source demo: 4 data row\(s\), .* at least 100"):
        check_files("demo", {"a.tsv": {"min_rows": 100}}, ledger, tmp_path)
    report = check_files("demo", {"a.tsv": {"min_rows": 100}}, ledger, tmp_path, allow_partial=True)
    assert report["a.tsv"]["status"] == "partial"
    sources = {"demo": {"build": {"loader": {"files": report}}}}
    assert warnings_of(sources) == [f"demo a.tsv: 4 rows read: {report['a.tsv']['problem']}"]


def test_manifest_sizes_from_the_data_root(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "MANIFEST.tsv").write_text("file\tbytes\tsha256\nsrc/a.tsv\t12\tx\nother/b\t3\ty\n")
    assert manifest_sizes(tmp_path / "src") == {"a.tsv": 12}


def test_header_only_required_file_fails_and_keeps_the_store(tmp_path: Path) -> None:
    data, store = _data(tmp_path), tmp_path / "store"
    build_store(store=store, sources=["drugcentral"], data=data)
    before = _store_bytes(store)
    target = data / "drugcentral" / "drug_target.tsv"
    target.write_text(target.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(PartialInputError, match=r"drug_target\.tsv: source drugcentral: no data rows"):
        build_store(store=store, sources=["drugcentral"], data=data)
    assert _store_bytes(store) == before
    result = build_store(store=store, sources=["drugcentral"], data=data, allow_partial=True)
    files = result.sources["drugcentral"]["build"]["loader"]["files"]
    assert files["drug_target.tsv"]["status"] == "partial" and files["drug_target.tsv"]["rows"] == 0
    assert files["drug_target.tsv"]["expected"] == 2373  # the pinned release (loaders/sources.yaml)


def test_size_differing_from_the_download_manifest(tmp_path: Path) -> None:
    data = _data(tmp_path)
    target = data / "drugcentral" / "drug_target.tsv"
    size = target.stat().st_size
    (data / "MANIFEST.tsv").write_text(f"file\tbytes\tsha256\ndrugcentral/drug_target.tsv\t{size + 100}\tx\n")
    with pytest.raises(PartialInputError, match=rf"{size} bytes, the download manifest says {size + 100}"):
        build_store(store=tmp_path / "store", sources=["drugcentral"], data=data)


def test_human_gem_metabolites_cut_mid_line(tmp_path: Path) -> None:
    data = _data(tmp_path, "human-gem")
    path = data / "human-gem" / "metabolites.tsv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rstrip("\n").rfind("\t")], encoding="utf-8")  # drop the last field + newline
    with pytest.raises(
        LoaderError, match=r"metabolites\.tsv:\d+: expected \d+ fields, found \d+ \(the file ends mid-line"
    ):
        build_store(store=tmp_path / "store", sources=["human-gem"], data=data)


def test_cli_refuses_then_allows_partial(tmp_path: Path) -> None:
    data, store = _data(tmp_path), tmp_path / "store"
    (data / "drugcentral" / "drug_target.tsv").write_text("", encoding="utf-8")
    args = ["build", "--sources", "drugcentral", "--data-dir", str(data), "--store", str(store), "-q"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "drug_target.tsv:1: empty file (no header line)" in refused.output
    header = (FIXTURES / "drugcentral" / "drug_target.tsv").read_text(encoding="utf-8").splitlines()[0]
    (data / "drugcentral" / "drug_target.tsv").write_text(header + "\n", encoding="utf-8")
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "no data rows (empty or header-only file)" in refused.output
    assert f"error: {data}/drugcentral/drug_target.tsv: source drugcentral: no data" in refused.output
    allowed = CliRunner().invoke(app, [*args[:-1], "--allow-partial"])
    assert allowed.exit_code == 0, allowed.output
    assert "warning: drugcentral drug_target.tsv: 0 rows read (pinned release: 2373)" in allowed.output
