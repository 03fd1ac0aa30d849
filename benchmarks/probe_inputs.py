"""Probe the input side of tmekg with corrupted files: does every bad input end as one located line?

Reproduces the input probe classes of issue 18 on small copies of the test fixtures (each source's files,
each study format, the validator, profile tables, unreadable paths, hostile strings). Every probe runs the
CLI in process (``typer.testing.CliRunner``) against whichever ``tmekg`` is importable, so the same script
measures an older checkout too::

    python benchmarks/probe_inputs.py                              # the installed code
    PYTHONPATH=/path/to/shadow python benchmarks/probe_inputs.py   # e.g. a checkout of the base commit

Each outcome is judged:

* ``well``: exit 1 with a one-line error naming the file (or exit 0 where the input is acceptable),
  and, for builds, the store left byte-identical;
* ``traceback``: any exception other than a clean exit (the user sees a traceback);
* ``silent``: exit 0 on input that must be refused (corrupt data accepted without a word);
* ``unlocated``: an error that does not name the file; ``store changed``: a failed build altered the store.

Prints the table probe class -> tried / well / badly (by kind), the badly handled probes, and the memory
and time of reading one over-long line; ``--json FILE`` writes it all.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SOURCES = [  # (source name, fixture folder = data folder name)
    ("ncbi-gene", "ncbi-gene"),
    ("human-gem", "human-gem"),
    ("metalinksdb", "metalinksdb"),
    ("mebocost", "mebocost"),
    ("cellphonedb", "cellphonedb"),
    ("wikipathways", "wikipathways"),
    ("reactome", "reactome"),
    ("kegg", "kegg"),
    ("gtopdb", "gtopdb"),
    ("drugcentral", "drugcentral"),
    ("repurposing-hub", "repurposing-hub"),
    ("chembl-mechanism", "chembl"),
    ("dgidb", "dgidb"),
    ("gene-ontology", "gene-ontology"),
    ("hpa-blood", "hpa-blood"),
]
STUDIES = [  # (format, fixture file or folder under tests/fixtures/study)
    ("seurat", "seurat_markers.csv"),
    ("scanpy", "scanpy_markers.csv"),
    ("pseudobulk", "pseudobulk.csv"),
    ("mebocost", "mebocost_commu.tsv"),
    ("liana", "liana_metabolites.csv"),
    ("cellphonedb", "cellphonedb"),
    ("compass", "compass"),
    ("scfea", "scfea"),
]
ERROR, EITHER = "error", "either"  # what a probe expects: a clean error, or success / clean error
NOT_READ = {"cellphonedb/protein_input.csv", "dgidb/v5/interactions.tsv"}  # fixture files no loader reads
# files whose header is only comment lines ('#' / '!'), or that have none: "header only" keeps just those
NO_HEADER_LINE = {
    "HUMAN_9606_idmapping.dat",
    "Homo_sapiens.gene_info",
    "ReactomePathways.txt",
    "ReactomePathwaysRelation.txt",
    "ChEBI2Reactome_All_Levels.txt",
    "UniProt2Reactome_All_Levels.txt",
    "goa_human.gaf",
    "chembl_uniprot_mapping.txt",
}


@dataclass
class Outcome:
    cls: str
    name: str
    verdict: str
    detail: str


# -- corruptions: bytes -> bytes (None: not applicable to this file) -------------------------------------
def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _middle(data: bytes) -> int:
    return max(1, len(_lines(data)) // 2)


def latin1(data: bytes) -> bytes | None:
    lines = _lines(data)
    if len(lines) < 2:
        return None
    i = _middle(data)
    lines[i] = lines[i][:1] + b"\xe9" + lines[i][1:]
    return b"".join(lines)


def utf16(data: bytes) -> bytes | None:
    try:
        return data.decode("utf-8").encode("utf-16")
    except UnicodeDecodeError:
        return None


def empty(_data: bytes) -> bytes:
    return b""


def header_only(data: bytes, name: str = "") -> bytes | None:
    """The header of a file without its data: leading comment lines, plus the header line if it has one
    (an OBO file: everything before its first stanza)."""
    lines = _lines(data)
    if data.lstrip().startswith(b"<") or len(lines) < 2:
        return None
    if name.endswith(".obo"):
        return b"".join(lines[: next((i for i, ln in enumerate(lines) if ln.startswith(b"[")), len(lines))])
    k = next((i for i, ln in enumerate(lines) if not ln.startswith((b"#", b"!"))), len(lines))
    return b"".join(lines[: k if name.removesuffix(".gz") in NO_HEADER_LINE else k + 1])


def cut_mid_line(data: bytes) -> bytes | None:
    """Cut the last line inside its first field: it has one field where the file has several."""
    body = data.rstrip(b"\r\n")
    last = body.rfind(b"\n") + 1
    first = min((k for k in (body.find(b"\t", last), body.find(b",", last)) if k > 0), default=len(body))
    cut = body[: last + max(1, (first - last) // 2)]
    return cut if cut != body else None  # a one-character last line ("}") cannot be cut


def open_quote(data: bytes) -> bytes | None:
    """A CSV whose last line opens a quoted field that never closes."""
    body = data.rstrip(b"\r\n")
    last = body.rfind(b"\n") + 1
    k = body.find(b",", last)
    return body[: k + 1] + b'"' + body[k + 1 :].replace(b'"', b"") + b"\n" if k > 0 else None


def nul_byte(data: bytes) -> bytes | None:
    lines = _lines(data)
    if len(lines) < 2:
        return None
    i = _middle(data)
    lines[i] = lines[i][:2] + b"\x00" + lines[i][2:]
    return b"".join(lines)


def huge_field(data: bytes) -> bytes | None:
    """200 KiB appended to the last field of the first data line (over the old 128 KiB csv limit)."""
    lines = _lines(data)
    if len(lines) < 2 or data.lstrip().startswith(b"<"):
        return None
    i = next((k for k, ln in enumerate(lines) if k and not ln.startswith((b"#", b"!"))), 1)
    end = lines[i].rstrip(b"\r\n")
    lines[i] = end + b"x" * 200_000 + lines[i][len(end) :]
    return b"".join(lines)


def long_line(data: bytes) -> bytes | None:
    """One 20 MiB line appended (no line end): over the 16 MiB line limit."""
    return data + b"y" * (20 << 20)


def drop_column(data: bytes) -> bytes | None:
    out = []
    for ln in _lines(data):
        sep = b"\t" if b"\t" in ln else b","
        parts = ln.split(sep)
        out.append(sep.join(parts[:1] + parts[2:]) if len(parts) > 2 else ln)
    return b"".join(out) if not data.lstrip().startswith(b"<") else None


def nonfinite(data: bytes) -> bytes | None:
    """Every field of the data lines that is a plain number becomes ``inf``."""
    out, changed = [], False
    for k, ln in enumerate(_lines(data)):
        sep = b"\t" if b"\t" in ln else b","
        parts = ln.rstrip(b"\r\n").split(sep)
        if k:
            for j, part in enumerate(parts):
                try:
                    float(part)
                except ValueError:
                    continue
                if j and b"." in part:
                    parts[j], changed = b"inf", True
        out.append(sep.join(parts) + ln[len(ln.rstrip(b"\r\n")) :])
    return b"".join(out) if changed else None


def gz_truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


TEXT_CORRUPTIONS: dict[str, tuple[Callable[[bytes], bytes | None], str]] = {
    "latin1 byte": (latin1, ERROR),
    "UTF-16 file": (utf16, ERROR),
    "empty file": (empty, ERROR),
    "header only": (header_only, ERROR),
    "cut mid-line": (cut_mid_line, ERROR),
    "open quote at EOF (csv)": (open_quote, ERROR),
    "NUL byte": (nul_byte, ERROR),
    "field over 128 KiB": (huge_field, EITHER),
    "20 MiB line": (long_line, EITHER),
    "dropped column": (drop_column, EITHER),
    "non-finite numbers": (nonfinite, EITHER),
}


# -- running and judging -------------------------------------------------------------------------------
def _invoke(args: list[str]) -> tuple[int, str, BaseException | None]:
    from typer.testing import CliRunner

    from tmekg.cli import app

    result = CliRunner().invoke(app, args)
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, exc


def _judge(
    code: int, output: str, exc: BaseException | None, expect: str, names: list[str]
) -> tuple[str, str]:
    text = output.strip().splitlines()
    first = text[0] if text else ""
    if exc is not None or "Traceback" in output:
        return (
            "traceback",
            f"{type(exc).__name__ if exc else 'Traceback'}: {str(exc)[:120] if exc else first}",
        )
    if code == 0:
        return (
            ("silent", "exit 0: " + (text[-1][:120] if text else "")) if expect == ERROR else ("well", "ok")
        )
    errors = [ln for ln in text if ln.startswith("error") or "rror" in ln[:12]]
    if names and not any(n in output for n in names):
        return "unlocated", first[:160]
    return ("well", first[:160]) if len(errors) <= 2 else ("badly", first[:160])


def _tree(path: Path) -> dict[str, bytes]:
    return (
        {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
        if path.exists()
        else {}
    )


def _store_files(store: Path) -> dict[str, bytes]:
    return {k: v for k, v in _tree(store).items() if not k.endswith(".lock")}


def _write(path: Path, data: bytes) -> None:
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)


def _read(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def _inputs(folder: Path) -> list[Path]:
    skip = (".py", ".md", ".yaml")
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith("_")]
    read = [p for p in files if f"{folder.name}/{p.relative_to(folder).as_posix()}" not in NOT_READ]
    return [p for p in read if not p.name.endswith(skip)]


def _file_probes(target: Path, work: Path) -> list[tuple[str, str, Callable[[], None]]]:
    """(corruption, expectation, apply) for one input file (work = the copy inside the probe folder)."""
    rel = target
    probes = []
    original = _read(rel)
    binary = rel.suffix in (".xlsx", ".h5ad")
    xml = original.lstrip().startswith(b"<")
    for name, (corrupt, expect) in TEXT_CORRUPTIONS.items():
        if binary and name not in ("empty file",):
            continue
        if name.startswith("open quote") and ".csv" not in rel.name:
            continue
        data = header_only(original, rel.name) if corrupt is header_only else corrupt(original)
        if data is None:
            continue
        if xml and name == "UTF-16 file":  # XML declares its encoding: a UTF-16 document is valid XML
            expect = EITHER
        probes.append((name, expect, lambda data=data: _write(work, data)))
    probes.append(("directory instead of file", ERROR, lambda: (work.unlink(), work.mkdir())))
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        probes.append(("unreadable (chmod 000)", ERROR, lambda: work.chmod(0)))
    if rel.suffix == ".gz":
        probes.append(("truncated gzip", ERROR, lambda: work.write_bytes(gz_truncated(rel.read_bytes()))))
    if binary:
        probes.append(
            ("truncated binary", ERROR, lambda: work.write_bytes(rel.read_bytes()[: rel.stat().st_size // 2]))
        )
    return probes


def _restore(work: Path, source: Path) -> None:
    if work.is_dir():
        shutil.rmtree(work)
    elif work.exists():
        work.chmod(0o644)
        work.unlink()
    shutil.copy2(source, work)


def probe_sources(tmp: Path, out: list[Outcome]) -> None:
    data, store = tmp / "data", tmp / "src-store"
    for source, folder in SOURCES:
        src = FIXTURES / folder
        if not src.is_dir():
            continue
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(src, data / folder)
        args = ["build", "--sources", source, "--data-dir", str(data), "--store", str(store), "-q"]
        code, output, exc = _invoke(args)
        clean = "well" if code == 0 and exc is None else f"clean build fails: {output.strip()[:100]}"
        if clean != "well":
            out.append(Outcome("source files", f"{source} (clean copy)", "badly", clean))
            continue
        before = _store_files(store)
        for target in _inputs(src):
            work = data / folder / target.relative_to(src)
            for name, expect, apply in _file_probes(target, work):
                apply()
                code, output, exc = _invoke(args)
                verdict, detail = _judge(code, output, exc, expect, [target.name])
                if code != 0 and _store_files(store) != before:
                    verdict, detail = "store changed", detail
                out.append(Outcome("source files", f"{source} {target.name}: {name}", verdict, detail))
                _restore(work, target)
                if code == 0:  # the probe built: back to the clean store before the next one
                    _invoke(args)
                    before = _store_files(store)


def _load_study(work: Path, fmt: str, store: Path, kb: Path) -> tuple[int, str, BaseException | None]:
    """Rebuild ``store`` with one study file through the library (what ``tmekg study load`` runs after
    registering the file); a TmekgError is the CLI's one-line exit 1, anything else a traceback."""
    from tmekg.errors import TmekgError
    from tmekg.pipeline import build_store
    from tmekg.studies import StudySpec, study_records

    try:
        map_file = str(FIXTURES / "study" / "celltype_map.yaml")
        spec = StudySpec(path=str(work), format=fmt, study_id="TMEKG:study.probe", map_file=map_file)
        source, records, _report = study_records(spec)
        build_store(store=store, kb=kb, extra=[(source, records)])
    except TmekgError as exc:
        return 1, f"error: {exc}", None
    except Exception as exc:  # the probe classifies every other exception as a traceback
        return 1, "", exc
    return 0, "", None


def probe_studies(tmp: Path, out: list[Outcome]) -> None:
    store, kb = tmp / "study-store", FIXTURES / "kb_small"
    _invoke(["build", "--kb", str(kb), "--store", str(store), "-q"])
    before = _store_files(store)
    for fmt, name in STUDIES:
        src = FIXTURES / "study" / name
        work = tmp / "study" / name
        shutil.rmtree(tmp / "study", ignore_errors=True)
        (tmp / "study").mkdir()
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, work)
        code, output, exc = _load_study(work, fmt, store, kb)
        if code or exc:
            out.append(
                Outcome("study formats", f"{fmt} (clean copy)", "badly", f"clean load fails: {output}")
            )
            continue
        _invoke(["build", "--kb", str(kb), "--store", str(store), "-q"])
        before = _store_files(store)
        for target in _inputs(src) if src.is_dir() else [src]:
            wfile = work / target.relative_to(src) if src.is_dir() else work
            for cname, expect, apply in _file_probes(target, wfile):
                apply()
                code, output, exc = _load_study(work, fmt, store, kb)
                verdict, detail = _judge(code, output, exc, expect, [target.name])
                if code != 0 and _store_files(store) != before:
                    verdict = "store changed"
                out.append(Outcome("study formats", f"{fmt} {target.name}: {cname}", verdict, detail))
                _restore(wfile, target)
                if code == 0:  # a probe that loaded: back to the base store for the next one
                    _invoke(["build", "--kb", str(kb), "--store", str(store), "-q"])
                    before = _store_files(store)


NODE_HEADER = "id\tcategory\tname\tsynonyms\txrefs\tproperties\tevidence\tstatus\tcomment\n"
EDGE_HEADER = "subject\tpredicate\tobject\tproperties\tevidence\tcontext\tstatus\tcomment\n"
GOOD_NODE = "HGNC.SYMBOL:NT5E\tGene\tNT5E\tCD73\t\t\t\t\t\n"


def _edge(props: str) -> str:
    return f"HGNC.SYMBOL:NT5E\texpressed_in\tCL:0001064\t{props}\tPMID:1\t\tverified\t\n"


VALIDATOR = {  # name -> (file name, content, expectation)
    "fraction=nan": ("v.edges.tsv", EDGE_HEADER + _edge("fraction=nan"), ERROR),
    "fraction=inf": ("v.edges.tsv", EDGE_HEADER + _edge("fraction=inf"), ERROR),
    "p_value=-1": ("v.edges.tsv", EDGE_HEADER + _edge("p_value=-1"), ERROR),
    "p_value=7": ("v.edges.tsv", EDGE_HEADER + _edge("p_value=7"), ERROR),
    "full-width digits in a number": ("v.edges.tsv", EDGE_HEADER + _edge("fraction=０.５"), ERROR),
    "full-width digits in an id": (
        "v.nodes.tsv",
        NODE_HEADER + "CHEBI:１６３３５\tMetabolite\tado\t\t\t\t\t\t\n",
        ERROR,
    ),
    "NUL byte in a name": (
        "v.nodes.tsv",
        NODE_HEADER + "CHEBI:16335\tMetabolite\ta\x00do\t\t\t\t\t\t\n",
        ERROR,
    ),
    "ANSI escape in a name": (
        "v.nodes.tsv",
        NODE_HEADER + "CHEBI:16335\tMetabolite\t\x1b[2J\x1b[31mado\t\t\t\t\t\t\n",
        ERROR,
    ),
    "OSC/BEL in a synonym": (
        "v.nodes.tsv",
        NODE_HEADER + "CHEBI:16335\tMetabolite\tado\t\x1b]0;x\x07\t\t\t\t\t\n",
        ERROR,
    ),
    "ESC in an id": ("v.nodes.tsv", NODE_HEADER + "TMEKG:a\x1b[0m\tMetabolite\tado\t\t\t\t\t\t\n", ERROR),
    "latin1 byte": ("v.nodes.tsv", None, ERROR),
    "UTF-16 file": ("v.nodes.tsv", None, ERROR),
    "empty file": ("v.nodes.tsv", "", ERROR),
    "field over 128 KiB": (
        "v.nodes.tsv",
        NODE_HEADER + "CHEBI:16335\tMetabolite\tado\t\t\t\t\t\t" + "c" * 200_000 + "\n",
        EITHER,
    ),
}


def probe_validator(tmp: Path, out: list[Outcome]) -> None:
    folder = tmp / "validate"
    for name, (file, text, expect) in VALIDATOR.items():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / "n.nodes.tsv").write_text(NODE_HEADER + GOOD_NODE, encoding="utf-8")
        path = folder / file
        good = (NODE_HEADER + "CHEBI:16335\tMetabolite\tadénosine\t\t\t\t\t\t\n").encode()
        data = {
            "latin1 byte": good.replace("é".encode(), b"\xe9"),
            "UTF-16 file": good.decode().encode("utf-16"),
        }
        path.write_bytes(data.get(name) or text.encode("utf-8"))
        code, output, exc = _invoke(["validate", str(path)])
        verdict, detail = _judge(code, output, exc, expect, [file])
        out.append(Outcome("validator", name, verdict, detail))
    path = folder / "dir.nodes.tsv"
    path.mkdir()
    code, output, exc = _invoke(["validate", str(path)])
    out.append(
        Outcome("unreadable paths", "validate: directory", *_judge(code, output, exc, ERROR, [path.name]))
    )


def probe_profiles(tmp: Path, out: list[Outcome]) -> None:
    store = tmp / "profile-store"
    _invoke(["build", "--kb", str(FIXTURES / "kb_small"), "--store", str(store), "-q"])
    cohort = FIXTURES / "profile" / "cohort.tsv"
    base = cohort.read_bytes()
    lines = _lines(base)

    def cell(value: bytes) -> bytes:
        row = lines[5].split(b"\t")
        row[2] = value
        return b"".join([*lines[:5], b"\t".join(row), *lines[6:]])

    cases = {
        "one inf": cell(b"inf"),
        "one -inf": cell(b"-inf"),
        "one 1e308": cell(b"1e308"),
        "one NaN": cell(b"nan"),
        **{
            name: fn(base)
            for name, (fn, _) in TEXT_CORRUPTIONS.items()
            if name not in ("non-finite numbers",)
        },
    }
    expect = {"field over 128 KiB": EITHER, "20 MiB line": ERROR, "dropped column": EITHER}
    for name, data in cases.items():
        if data is None:
            continue
        path = tmp / "expr.tsv"
        path.write_bytes(data)
        code, output, exc = _invoke(["profile", str(path), "--store", str(store), "--format", "tsv"])
        out.append(
            Outcome("profile tables", name, *_judge(code, output, exc, expect.get(name, ERROR), ["expr.tsv"]))
        )
    path = tmp / "dir.tsv"
    path.mkdir()
    code, output, exc = _invoke(["profile", str(path), "--store", str(store)])
    out.append(
        Outcome("unreadable paths", "profile: directory", *_judge(code, output, exc, ERROR, ["dir.tsv"]))
    )


def probe_hostile(tmp: Path, out: list[Outcome]) -> None:
    """A DrugCentral id with a space: a counted skip with file:line, or an error naming file and line."""
    data, store = tmp / "hostile", tmp / "hostile-store"
    shutil.copytree(FIXTURES / "drugcentral", data / "drugcentral")
    target = data / "drugcentral" / "drug_target.tsv"
    rows = target.read_text(encoding="utf-8").splitlines(keepends=True)
    rows[1] = "43 99" + rows[1][rows[1].index("\t") :]
    target.write_text("".join(rows), encoding="utf-8")
    report = tmp / "hostile.json"
    args = ["build", "--sources", "drugcentral", "--data-dir", str(data), "--store", str(store), "-q"]
    code, output, exc = _invoke([*args, "--report", str(report)])
    verdict, detail = _judge(code, output, exc, EITHER, ["drug_target.tsv"])
    if code == 0:
        text = report.read_text(encoding="utf-8") if report.exists() else ""
        verdict = "well" if "drug_target.tsv:2" in text else "silent"
        detail = (
            "counted skip naming drug_target.tsv:2" if verdict == "well" else "row dropped without a count"
        )
    out.append(Outcome("hostile strings", "DrugCentral DRUG_ID with a space", verdict, detail))


def long_line_memory(tmp: Path, megabytes: int) -> dict[str, float | str]:
    """Peak Python memory and seconds to reject (or read) one ``megabytes`` MiB line of a KB file."""
    path = tmp / "long.nodes.tsv"
    with path.open("wb") as handle:
        handle.write(NODE_HEADER.encode() + b"CHEBI:1\tMetabolite\t")
        for _ in range(megabytes):
            handle.write(b"z" * (1 << 20))
    tracemalloc.start()
    t0 = time.perf_counter()
    code, output, exc = _invoke(["validate", str(path)])
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    path.unlink()
    verdict, detail = _judge(code, output, exc, ERROR, [path.name])
    return {
        "line_mib": megabytes,
        "peak_mib": round(peak, 1),
        "seconds": round(seconds, 2),
        "verdict": verdict,
        "detail": detail,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write outcomes and the summary here")
    parser.add_argument("--long-line-mib", type=int, default=256, help="size of the over-long line probe")
    opts = parser.parse_args()
    import tmekg

    for name in [n for n in os.environ if n.startswith("TMEKG_")]:
        del os.environ[name]
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tmekg-probe-") as tmp:
        for step in (probe_sources, probe_studies, probe_validator, probe_profiles, probe_hostile):
            folder = Path(tmp) / step.__name__
            folder.mkdir()
            step(folder, outcomes)
        memory = long_line_memory(Path(tmp), opts.long_line_mib)
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        table[o.cls][o.verdict] += 1
    kinds = ["traceback", "silent", "unlocated", "store changed", "badly"]
    print(
        f"tmekg from {Path(tmekg.__file__).parent}; {len(outcomes)} probes"
        f" in {time.perf_counter() - started:.0f} s"
    )
    print(f"{'probe class':<18} {'tried':>5} {'well':>5} " + " ".join(f"{k:>13}" for k in kinds))
    for cls, counts in [*table.items(), ("TOTAL", sum(table.values(), Counter()))]:
        print(
            f"{cls:<18} {sum(counts.values()):>5} {counts['well']:>5} "
            + " ".join(f"{counts[k]:>13}" for k in kinds)
        )
    print(
        f"\nover-long line ({memory['line_mib']} MiB): peak {memory['peak_mib']} MiB traced, "
        f"{memory['seconds']} s, {memory['verdict']}: {memory['detail']}"
    )
    print("\nbadly handled:")
    for o in outcomes:
        if o.verdict != "well":
            print(f"  [{o.verdict}] {o.cls}: {o.name} -> {o.detail}")
    if opts.json:
        doc = {
            "outcomes": [o.__dict__ for o in outcomes],
            "summary": {k: dict(v) for k, v in table.items()},
            "long_line": memory,
        }
        opts.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
