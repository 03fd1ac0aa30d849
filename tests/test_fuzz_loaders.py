"""Fuzz every loader's small fixture: a corrupted input either builds or raises a TmekgError, never
another exception, and a failed build leaves the store byte-identical (issue 18).

Corruptions: truncation, dropped / duplicated columns, wrong encoding (UTF-16, Latin-1), non-finite
numbers, huge fields, control bytes, an empty file, a directory in place of the file. Bounded
(``MAX_EXAMPLES`` per test, no deadline) so the suite stays within a minute.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tmekg.errors import TmekgError  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MAX_EXAMPLES = 60
SOURCES = {  # source -> fixture folder (= its folder in a data directory)
    "ncbi-gene": "ncbi-gene",
    "human-gem": "human-gem",
    "metalinksdb": "metalinksdb",
    "mebocost": "mebocost",
    "cellphonedb": "cellphonedb",
    "wikipathways": "wikipathways",
    "reactome": "reactome",
    "kegg": "kegg",
    "gtopdb": "gtopdb",
    "drugcentral": "drugcentral",
    "repurposing-hub": "repurposing-hub",
    "chembl-mechanism": "chembl",
    "dgidb": "dgidb",
    "gene-ontology": "gene-ontology",
    "hpa-blood": "hpa-blood",
    "tcga-paad": "tcga-paad",
}
STUDIES = {  # study format -> fixture file or folder under fixtures/study
    "seurat": "seurat_markers.csv",
    "scanpy": "scanpy_markers.csv",
    "pseudobulk": "pseudobulk.csv",
    "mebocost": "mebocost_commu.tsv",
    "liana": "liana_metabolites.csv",
    "cellphonedb": "cellphonedb",
    "compass": "compass",
    "scfea": "scfea",
    "bulk-purity": "bulk_purity",
}
# formats whose input is one file of a fixture folder, read with these options
STUDY_ENTRY = {"bulk-purity": "counts.csv"}
STUDY_OPTIONS = {"bulk-purity": {"samples": "samples.csv", "purity": "purity", "fractions": "leukocyte:LF"}}
CONTROL = [b"\x00", b"\x1b[31m", b"\x07", b"\xc2\x9b", b"\r", b"\x1b]0;x\x07"]
KINDS = ["truncate", "drop column", "duplicate column", "utf-16", "latin-1", "non-finite", "huge field"]
KINDS += ["control byte", "empty", "directory"]
NON_FINITE = [b"inf", b"-inf", b"nan", b"1e308", b"-1e400", b"Infinity"]


def _inputs(folder: Path) -> list[Path]:
    skip = (".py", ".md", ".yaml")
    files = folder.rglob("*") if folder.is_dir() else [folder]
    return sorted(
        p for p in files if p.is_file() and not p.name.startswith(("_", ".")) and not p.name.endswith(skip)
    )


def _split(data: bytes, at: float) -> int:
    return int(len(data) * at)


def _columns(data: bytes, k: int, duplicate: bool) -> bytes:
    out = []
    for line in data.splitlines(keepends=True):
        body = line.rstrip(b"\r\n")
        sep = b"\t" if b"\t" in body else b","
        parts = body.split(sep)
        j = k % len(parts)
        parts = [*parts[: j + 1], parts[j], *parts[j + 1 :]] if duplicate else parts[:j] + parts[j + 1 :]
        out.append(sep.join(parts) + line[len(body) :])
    return b"".join(out)


def _non_finite(data: bytes, token: bytes, at: float) -> bytes:
    """Replace the first number at or after position ``at`` with ``token``."""
    import re

    found = re.compile(rb"(?<![\w.])\d+\.\d+(?![\w.])").search(data, _split(data, at)) or re.search(
        rb"(?<![\w.])\d+\.\d+(?![\w.])", data
    )
    return data[: found.start()] + token + data[found.end() :] if found else data + token


Corruption = Callable[[bytes], bytes]


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, Corruption | None]:
    """A named corruption: bytes -> bytes, or ``None`` for 'replace the file with a directory'."""
    at = draw(st.floats(0, 1, allow_nan=False, exclude_max=True))
    kind = draw(st.sampled_from(KINDS))
    k = draw(st.integers(0, 12))
    token = draw(st.sampled_from(NON_FINITE))
    control = draw(st.sampled_from(CONTROL))
    size = draw(st.integers(130_000, 400_000))
    table: dict[str, Corruption | None] = {
        "truncate": lambda d: d[: _split(d, at)],
        "drop column": lambda d: _columns(d, k, duplicate=False),
        "duplicate column": lambda d: _columns(d, k, duplicate=True),
        "utf-16": lambda d: d.decode("utf-8", "replace").encode("utf-16"),
        "latin-1": lambda d: d[: _split(d, at)] + b"\xe9" + d[_split(d, at) :],
        "non-finite": lambda d: _non_finite(d, token, at),
        "huge field": lambda d: d[: _split(d, at)] + b"x" * size + d[_split(d, at) :],
        "control byte": lambda d: d[: _split(d, at)] + control + d[_split(d, at) :],
        "empty": lambda d: b"",
        "directory": None,
    }
    return f"{kind} (at={at:.3f}, k={k}, token={token!r}, control={control!r}, size={size})", table[kind]


def _corrupt(path: Path, corruption: Corruption | None) -> None:
    if corruption is None:
        path.unlink()
        path.mkdir()
        return
    gz = path.suffix == ".gz"
    data = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
    data = corruption(data)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)


def _snapshot(store: Path) -> dict[str, bytes]:
    files = sorted(p for p in store.rglob("*") if p.is_file() and not p.name.endswith(".lock"))
    return {str(p.relative_to(store)): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store (the kb_small fixture) every fuzzed build starts from."""
    from tmekg.pipeline import build_store

    store = tmp_path_factory.mktemp("fuzz-base") / "store"
    build_store(store=store, kb=FIXTURES / "kb_small")
    return store


def _expect_clean(run: Callable[[], object], store: Path, what: str) -> None:
    before = _snapshot(store)
    try:
        run()
    except TmekgError:
        assert _snapshot(store) == before, f"{what}: a failed build changed the store"
    # any other exception propagates: hypothesis reports it with the corruption that caused it


SOURCE_FILES = [(s, f) for s, folder in SOURCES.items() for f in _inputs(FIXTURES / folder)]
STUDY_FILES = [(fmt, f) for fmt, name in STUDIES.items() for f in _inputs(FIXTURES / "study" / name)]


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(target=st.sampled_from(SOURCE_FILES), corruption=corruptions())
def test_corrupted_source_file(base_store: Path, target: tuple[str, Path], corruption: tuple) -> None:
    from tmekg.pipeline import build_store

    source, original = target
    name, corrupt = corruption
    with tempfile.TemporaryDirectory() as tmp:
        data, store = Path(tmp) / "data", Path(tmp) / "store"
        folder = FIXTURES / SOURCES[source]
        shutil.copytree(folder, data / SOURCES[source])
        shutil.copytree(base_store, store)
        _corrupt(data / SOURCES[source] / original.relative_to(folder), corrupt)
        what = f"{source} {original.name}: {name}"
        _expect_clean(lambda: build_store(store=store, sources=[source], data=data), store, what)


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(target=st.sampled_from(STUDY_FILES), corruption=corruptions())
def test_corrupted_study_file(base_store: Path, target: tuple[str, Path], corruption: tuple) -> None:
    from tmekg.pipeline import build_store
    from tmekg.studies import StudySpec, study_records

    fmt, original = target
    name, corrupt = corruption
    src = FIXTURES / "study" / STUDIES[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        work, store = Path(tmp) / src.name, Path(tmp) / "store"
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, work)
        shutil.copytree(base_store, store)
        _corrupt(work / original.relative_to(src) if src.is_dir() else work, corrupt)
        spec = StudySpec(
            path=str(work / STUDY_ENTRY[fmt] if fmt in STUDY_ENTRY else work),
            format=fmt,
            study_id="TMEKG:study.fuzz",
            map_file=str(FIXTURES / "study" / "celltype_map.yaml"),
            options=dict(STUDY_OPTIONS.get(fmt, {})),
        )

        def rebuild() -> None:  # what `tmekg study load` runs once the file is registered
            source, records, _report = study_records(spec)
            build_store(store=store, kb=FIXTURES / "kb_small", extra=[(source, records)])

        _expect_clean(rebuild, store, f"{fmt} {original.name}: {name}")
