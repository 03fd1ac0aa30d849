"""`tmekg study load --format bulk-purity`: a user's bulk cohort, purity regression, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tmekg.errors import LoaderError
from tmekg.graph import KnowledgeGraph
from tmekg.loaders import study_bulk_purity as sbp

runner = CliRunner()
STUDY = "TMEKG:study.my_cohort"
# (sample, purity, leukocyte fraction); the rest is 1 - both. Same design as tests/loaders/test_tcga_purity.py
SAMPLES = [("P1", 0.2, 0.3), ("P2", 0.6, 0.1), ("P3", 0.4, 0.4), ("P4", 0.1, 0.2), ("P5", 0.5, 0.2)]
SAMPLES += [("P6", 0.3, 0.1), ("P7", 0.7, 0.1), ("P8", 0.2, 0.6), ("P9", 0.1, 0.1), ("P10", 0.5, 0.4)]
SAMPLES += [("P11", 0.3, 0.5), ("P12", 0.4, 0.1)]
# CPM per compartment (malignant, leukocyte, rest); columns sum to 1e6, so counts = the mixture's CPM
PROFILES = {
    "KRT19": (30, 0, 10),
    "PTPRC": (0, 70, 0),
    "COL1A1": (10, 10, 80),
    "ACTB": (999_960, 999_920, 999_910),
}


def write_cohort(folder: Path, samples=SAMPLES, sample_rows: list[str] | None = None) -> Path:
    """A comma-separated genes x samples count table and a sample table, as a user would export them."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [",".join(["symbol", *(s for s, _, _ in samples)])]
    for gene, (t, i, o) in PROFILES.items():
        rows.append(
            ",".join([gene, *(str(round(p * t + lf * i + (1 - p - lf) * o)) for _, p, lf in samples)])
        )
    (folder / "counts.csv").write_text("\n".join(rows) + "\n")
    table = ["sample,purity,LF", *(f"{s},{p},{lf}" for s, p, lf in samples), *(sample_rows or [])]
    (folder / "samples.csv").write_text("\n".join(table) + "\n")
    return folder / "counts.csv"


@pytest.fixture()
def app() -> typer.Typer:
    from tmekg.cli.crosstalk import study_app

    cli = typer.Typer()
    cli.add_typer(study_app, name="study")
    cli.command("noop")(lambda: None)
    return cli


def _load(app: typer.Typer, counts: Path, store: Path, *options: str):
    args = ["study", "load", str(counts), "-f", "bulk-purity", "--study-id", STUDY, "--store", str(store)]
    for option in options:
        args += ["-o", option]
    return runner.invoke(app, args)


def test_cohort_gives_the_malignant_profile(app: typer.Typer, tmp_path: Path) -> None:
    counts = write_cohort(tmp_path / "cohort")
    result = _load(
        app, counts, tmp_path / "store", "samples=samples.csv", "purity=purity", "fractions=leukocyte:LF"
    )
    assert result.exit_code == 0, result.output
    with KnowledgeGraph.open(tmp_path / "store") as kg:
        edges = {
            e.subject: e for e in kg.edges("expressed_in") if any(p.study == STUDY for p in e.provenance)
        }
        # PTPRC is leukocyte-only (malignant fit 0): not expressed in malignant cells
        assert sorted(edges) == ["HGNC.SYMBOL:ACTB", "HGNC.SYMBOL:COL1A1", "HGNC.SYMBOL:KRT19"]
        krt19 = edges["HGNC.SYMBOL:KRT19"]
        assert krt19.object == "CL:0001064" and krt19.prop("value") == pytest.approx(30.0, abs=1e-3)
        assert edges["HGNC.SYMBOL:COL1A1"].prop("value") == pytest.approx(10.0, abs=1e-3)
        prov = next(p for p in krt19.provenance if p.study == STUDY)
        # level = log2(1 + 30) / log2(101) = 0.7441, the study's expression weight
        assert (prov.source, prov.study, prov.score) == (
            f"study:{STUDY}",
            STUDY,
            pytest.approx(0.7441, abs=1e-4),
        )
        assert prov.record == "counts.csv:2"
        assert kg.node("CL:0001064").prop("compartment") == "neoplastic"


def test_defaults_and_purity_alone(tmp_path: Path) -> None:
    # without other fractions the model is malignant + rest; the gene column defaults to the first
    cfg = sbp.settings(write_cohort(tmp_path), {"samples": "samples.csv", "purity": "purity"})
    assert cfg.compartments == ["malignant", "rest"] and cfg.gene_column == "symbol"
    assert cfg.id_column == "sample" and cfg.cell_id == "CL:0001064"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"purity": "purity"}, "field 'samples': option 'samples' is required"),
        ({"samples": "samples.csv"}, "field 'purity': option 'purity' is required"),
        ({"samples": "s", "purity": "p", "colour": "red"}, "unknown option(s) colour"),
        (
            {"samples": "s", "purity": "p", "fractions": "leukocyte"},
            "fraction 'leukocyte' is not name:column",
        ),
        ({"samples": "s", "purity": "p", "fractions": "rest:X"}, "'rest' is implicit"),
        ({"samples": "s", "purity": "p", "cell_type": "tumour"}, "'tumour' is not a cell-type CURIE"),
        ({"samples": "s", "purity": "p", "min_samples": "many"}, "bad option value"),
        ({"samples": "s", "purity": "p", "min_samples": 2}, "min_samples 2 must exceed the 2 compartments"),
    ],
)
def test_bad_options_name_the_field(tmp_path: Path, options: dict, message: str) -> None:
    counts = write_cohort(tmp_path)
    with pytest.raises(LoaderError) as info:
        sbp.settings(counts, options)
    assert message in str(info.value) and "counts.csv" in str(info.value)


def test_bad_fraction_is_located_and_nothing_is_written(app: typer.Typer, tmp_path: Path) -> None:
    counts = write_cohort(tmp_path / "cohort", sample_rows=["P13,1.5,0.1"])
    store = tmp_path / "store"
    result = _load(app, counts, store, "samples=samples.csv", "purity=purity", "fractions=leukocyte:LF")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "samples.csv:14: field 'purity': not a fraction in [0, 1]: '1.5'" in result.output
    assert not (store / "studies.json").exists()


def test_tcga_cohort_as_a_study_equals_the_source(shared_data: Path) -> None:
    """The shared TCGA-PAAD tables loaded as a user's study give the fits of the tcga-paad source."""
    from tmekg.loaders import tcga_purity
    from tmekg.model import Edge, LoadReport
    from tmekg.studies import StudySpec, study_records

    cfg = tcga_purity.settings()
    folder = shared_data / "tcga-paad"
    options = {
        "samples": cfg.samples_file,
        "purity": cfg.fractions["malignant"],
        "fractions": f"leukocyte:{cfg.fractions['leukocyte']}",
        "id_column": cfg.id_column,
    }
    spec = StudySpec(
        path=str(folder / f"{cfg.counts_file}.gz"), format="bulk-purity", study_id=STUDY, options=options
    )
    _, records, report = study_records(spec)
    study = {e.subject: e.prop("value") for e in records if isinstance(e, Edge)}
    source = {
        e.subject: e.prop("value")
        for e in tcga_purity.load(folder, LoadReport("tcga-paad"))
        if isinstance(e, Edge)
    }
    assert report.skipped["sample without every compartment fraction"] == 6
    shared = set(study) & set(source)
    assert len(shared) >= 0.99 * len(source) and len(source) > 13_000
    assert all(study[g] == source[g] for g in shared)
