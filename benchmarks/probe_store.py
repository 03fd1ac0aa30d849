"""Probe: the store / concurrency / disk / secrets / hostile-string classes of issue 18, judged.

Runs every probe as a real ``python -m tmekg`` process (or a small Python snippet) against the
source tree given with ``--tree`` (default: this checkout), so that the same script measures the
code before and after a change::

    python benchmarks/probe_store.py                          # this tree
    python benchmarks/probe_store.py --tree /path/to/old/checkout
    python benchmarks/probe_store.py --full-store STORE       # + open / verify cost on a full store

Each probe is judged *well* (exit 1 with one line naming the problem, or success with the right
result), *traceback* (a Python traceback reached the user), *silent* (exit 0 although data were lost,
damaged or doubled) or *badly* (anything else, e.g. a refusal only after all the work, a secret
echoed, raw control bytes on the terminal, a partial file left). A real full disk is a 64 KiB tmpfs
when the script may mount one (root), else the disk probes are skipped.

Prints the table probe class -> tried / well / traceback / silent / badly, and the failures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
FIXTURES = HERE / "tests" / "fixtures"
KB = FIXTURES / "kb_small"
STUDY_KB = FIXTURES / "study" / "kb_crosstalk"
MAP = ["--map", str(FIXTURES / "study" / "celltype_map.yaml"), "--map-name", "demo"]
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")
SECRET = "Pw-s3cret"
HOSTILE = "NT5E\x1b]8;;http://evil\x07click\x1b]8;;\x07\x1b[2J\x9b31m\u202eevil[red]x\rY\x00"


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.out + self.err

    @property
    def one_line_error(self) -> bool:
        return self.code == 1 and self.err.startswith("error: ") and self.err.count("\n") == 1


def overlay(tree: Path, work: Path) -> Path:
    """A ``tmekg`` package of ``tree`` with its ``loaders/``, ``queries/`` and ``schema/`` inside, as
    installed (an editable install of another checkout would otherwise supply those three)."""
    root = work / "overlay"
    if not root.exists():
        package = root / "tmekg"
        package.mkdir(parents=True)
        for entry in (tree / "tmekg").iterdir():
            (package / entry.name).symlink_to(entry)
        for name, target in (("loaders", "loaders"), ("queries", "queries"), ("_schema", "schema")):
            if not (package / name).exists():
                (package / name).symlink_to(tree / target)
    return root


@dataclass
class Probes:
    tree: Path
    work: Path
    results: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    last: Run | None = None

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TMEKG_", "NEO4J_"))}
        path = str(overlay(self.tree, self.work))
        env.update(PYTHONPATH=path, XDG_DATA_HOME=str(self.work / "xdg"), COLUMNS="200", **extra)
        return env

    def tmekg(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
        return self.python(["-m", "tmekg", *args], env=env, timeout=timeout)

    def python(self, args: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> Run:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, *args],
            env=env or self.env(),
            capture_output=True,
            text=True,
            errors="surrogateescape",
            timeout=timeout,
            cwd=self.work,
        )
        self.last = Run(proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)
        return self.last

    def judge(self, cls: str, name: str, verdict: str, run: Run | None = None) -> None:
        detail = ""
        run = run or self.last
        if verdict != "well" and run is not None:
            lines = [line for line in (run.err or run.out).splitlines() if line.strip()]
            detail = f" [exit {run.code}: {lines[-1][:150] if lines else ''}]"
        self.results[cls].append((name + detail, verdict))

    def store(self, name: str, kb: Path = KB) -> Path:
        path = self.work / name
        shutil.rmtree(path, ignore_errors=True)
        run = self.tmekg("build", "--store", str(path), "--kb", str(kb), "--quiet")
        assert run.code == 0, run.err
        return path


def verdict(run: Run, ok: bool, silent: bool = False) -> str:
    if run.traceback:
        return "traceback"
    if silent:
        return "silent"
    return "well" if ok else "badly"


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- concurrency ---------------------------------------------------------------------------------
HOLD = """
import fcntl, sys
handle = open(sys.argv[1] + "/.lock", "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""

BUILD_HELD = """
import sys
from tmekg.pipeline import build_store
said = []
try:
    build_store(store=sys.argv[1], kb=sys.argv[2], progress=said.append)
    print("built", said)
except Exception as exc:
    print(type(exc).__name__, said, str(exc).splitlines()[0])
"""


def probe_concurrency(p: Probes) -> None:
    cls = "concurrency"
    store = p.store("conc")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store)],
        env=p.env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    try:
        before = tree_bytes(store)
        run = p.python(["-c", BUILD_HELD, str(store), str(KB)])
        refused_early = "StoreError [] " in run.out  # refused before "loading ..." was said
        p.judge(cls, "build while locked: refused before loading", verdict(run, refused_early), run)
        run = p.tmekg("build", "--store", str(store), "--kb", str(KB))
        p.judge(
            cls, "cli build while locked", verdict(run, run.one_line_error and tree_bytes(store) == before)
        )
        study = FIXTURES / "study" / "crosstalk_pseudobulk.csv"
        run = p.tmekg(
            "study",
            "load",
            str(study),
            "-f",
            "pseudobulk",
            "--study-id",
            "TMEKG:study.a",
            *MAP,
            "--store",
            str(store),
        )
        registry = (store / "studies.json").exists()
        p.judge(
            cls, "study load while locked", verdict(run, run.one_line_error and not registry, run.code == 0)
        )
    finally:
        holder.stdin.close()
        holder.wait()
    for attempt in range(2):
        _two_study_loads(p, attempt)


def _two_study_loads(p: Probes, attempt: int) -> None:
    store = p.store(f"two{attempt}", STUDY_KB)
    files = {
        "TMEKG:study.one": FIXTURES / "study" / "crosstalk_pseudobulk.csv",
        "TMEKG:study.two": FIXTURES / "study" / "pseudobulk.csv",
    }
    procs = {
        sid: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tmekg",
                "study",
                "load",
                str(path),
                "-f",
                "pseudobulk",
                "--study-id",
                sid,
                *MAP,
                "--store",
                str(store),
            ],
            env=p.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=p.work,
        )
        for sid, path in files.items()
    }
    done = {sid: (proc.wait(), proc.stderr.read()) for sid, proc in procs.items()}
    registry = store / "studies.json"
    registered = (
        {s["study_id"] for s in json.loads(registry.read_text())["studies"]} if registry.exists() else set()
    )
    manifest = json.loads((store / (store / "CURRENT").read_text().strip() / "manifest.json").read_text())
    in_store = {n.removeprefix("study:") for n in manifest["sources"] if n.startswith("study:")}
    for sid, (code, err) in done.items():
        lost = code == 0 and not (sid in registered and sid in in_store)
        ok = (code == 0 and not lost) or (code == 1 and err.startswith("error: ") and err.count("\n") == 1)
        run = Run(code, "", err, 0)
        p.judge("concurrency", f"two study loads #{attempt} {sid}", verdict(run, ok, lost), run)


# -- store damage --------------------------------------------------------------------------------
PICKLED = """
import io, sys, numpy as np
buf = io.BytesIO()
np.save(buf, np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
path = sys.argv[1]
size = len(open(path, "rb").read())
open(path, "wb").write((buf.getvalue() + b"\\0" * size)[:size])
"""


def probe_damage(p: Probes) -> None:
    pristine = p.store("pristine")
    snap_name = (pristine / "CURRENT").read_text().strip()
    names = sorted(f.name for f in (pristine / snap_name).iterdir())
    cases: list[tuple[str, Callable[[Path], None]]] = []
    for name in names:
        cases.append((f"same-size garbage in {name}", lambda s, n=name: _garbage(s / n)))
        cases.append((f"one flipped byte in {name}", lambda s, n=name: _flip(s / n)))
    cases.append(
        (
            "pickled object array in edge_sign.npy",
            lambda s: p.python(["-c", PICKLED, str(s / "edge_sign.npy")]),
        )
    )
    cases.append(
        ("CURRENT names a missing snapshot", lambda s: (s.parent / "CURRENT").write_text("snap-0000\n"))
    )
    cases.append(("CURRENT is binary garbage", lambda s: (s.parent / "CURRENT").write_bytes(b"\xff\xfe\0\n")))
    for label, damage in cases:
        store = p.work / "damaged"
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(pristine, store)
        damage(store / snap_name)
        for command in (["show", "NT5E"], ["export", "kgx", str(p.work / "kgx-out")], ["stats", "--verify"]):
            run = p.tmekg(*command, "--store", str(store))
            not_read = "gene_authority" in label and command[0] != "stats"  # shown data do not use it
            ok = run.one_line_error and ("damaged" in run.err or "store" in run.err)
            silent = run.code == 0 and not not_read
            p.judge(
                "store damage", f"{label}: {' '.join(command[:2])}", verdict(run, ok or not_read, silent), run
            )


def _garbage(path: Path) -> None:
    size = path.stat().st_size
    path.write_bytes((b"{garbage\n" * (size // 9 + 1))[:size])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    if data:
        data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


# -- disk and permissions ------------------------------------------------------------------------
def probe_disk(p: Probes) -> None:
    cls = "disk / permissions"
    store = p.store("disk-src")
    tiny = p.work / "tiny"
    tiny.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(tiny)], capture_output=True
    )
    try:
        if mounted.returncode == 0:
            _full_disk(p, store, tiny, cls)
        else:
            print("(no tmpfs: full-disk probes skipped)", file=sys.stderr)
        for label, target in (
            ("output is a folder", p.work / "adir"),
            ("output under a file", p.work / "afile" / "x"),
        ):
            (p.work / "adir").mkdir(exist_ok=True)
            (p.work / "afile").write_text("x")
            for kind in ("html", "kgx", "neo4j-import"):
                run = p.tmekg("export", kind, str(target), "--store", str(store))
                if kind != "html" and label == "output is a folder":
                    continue  # a folder is the right output for these
                p.judge(cls, f"{label}: export {kind}", verdict(run, run.one_line_error), run)
        run = p.tmekg("build", "--store", str(p.work / "afile" / "store"), "--kb", str(KB))
        p.judge(cls, "store path under a file", verdict(run, run.one_line_error), run)
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", str(tiny)], check=False)


def _full_disk(p: Probes, store: Path, tiny: Path, cls: str) -> None:
    exports = {
        "html": ["export", "html", str(tiny / "out.html")],
        "kgx": ["export", "kgx", str(tiny / "kgx")],
        "neo4j-import": ["export", "neo4j-import", str(tiny / "import")],
        "rdf": ["export", "rdf", str(tiny / "out.ttl")],
        "build --report": ["build", "--kb", str(KB), "--report", str(tiny / "report.json")],
    }
    filler = tiny / "filler"
    for label, args in exports.items():
        for entry in tiny.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        _fill(filler)
        store_arg = (
            ["--store", str(store)] if args[0] == "export" else ["--store", str(p.work / "disk-build")]
        )
        run = p.tmekg(*args, *store_arg)
        left = [e.name for e in tiny.rglob("*") if e.is_file() and e != filler]
        partial = [n for n in left if n.startswith(".") or n.endswith((".tmp", ".part"))] or (
            run.code != 0 and left
        )
        p.judge(
            cls, f"full disk: {label}", verdict(run, run.one_line_error and not partial, run.code == 0), run
        )
    for entry in tiny.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    good = p.store("tiny-src")
    shutil.copytree(good, tiny / "store", dirs_exist_ok=True) if _fits(good, tiny) else None
    _fill(filler)
    target = tiny / "store"
    before = tree_bytes(target) if target.exists() else {}
    run = p.tmekg("build", "--store", str(target), "--kb", str(STUDY_KB))
    p.judge(
        cls,
        "full disk: build into the store",
        verdict(run, run.one_line_error and tree_bytes(target) == before),
    )


def _fits(src: Path, tiny: Path) -> bool:
    return sum(f.stat().st_size for f in src.rglob("*") if f.is_file()) < 40_000


def _fill(filler: Path) -> None:
    try:
        with open(filler, "ab") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
    except OSError:
        pass


# -- secrets and URIs ----------------------------------------------------------------------------
def probe_secrets(p: Probes) -> None:
    cls = "neo4j URI / secrets"
    uris = {
        "password in --uri": f"bolt://neo4j:{SECRET}@localhost:7687",
        "user:password, neo4j+s": f"neo4j+s://u:{SECRET}@db.example.org",
    }
    for label, uri in uris.items():
        for command in (["cypher", "RETURN 1"], ["neo4j", "load"]):
            run = p.tmekg(*command, "--uri", uri)
            leaked = SECRET in run.out + run.err
            p.judge(
                cls, f"{label}: {command[0]} {command[1]}", verdict(run, run.one_line_error and not leaked)
            )
        run = p.tmekg("cypher", "RETURN 1", env=p.env(NEO4J_URI=uri))
        p.judge(
            cls,
            f"{label} via NEO4J_URI",
            verdict(run, run.one_line_error and SECRET not in run.out + run.err),
        )
    for uri in (
        "http://localhost:7474",
        "https://localhost:7473",
        "localhost:7687",
        "bolt://h:99999",
        "ftp://x",
    ):
        run = p.tmekg("cypher", "RETURN 1", "--uri", uri)
        ok = run.one_line_error and "aiohttp" not in run.err
        p.judge(cls, f"--uri {uri}", verdict(run, ok), run)


# -- hostile strings on the terminal -------------------------------------------------------------
HOSTILE_STORE = """
import dataclasses, json, sys
from tmekg.build import BuiltGraph
from tmekg.graph import KnowledgeGraph
from tmekg.store import write_store
name = json.loads(sys.argv[2])
bad = dict(name=name, synonyms=("CD73\\x1b[5m",))
with KnowledgeGraph.open(sys.argv[1]) as kg:
    nodes = tuple(dataclasses.replace(n, **bad) if n.id == "HGNC.SYMBOL:NT5E" else n for n in kg.nodes)
    edges = tuple(kg.edges())
write_store(BuiltGraph(nodes, edges, {}, {}), sys.argv[1])
"""


def probe_hostile(p: Probes) -> None:
    cls = "hostile strings"
    store = p.store("hostile")
    run = p.python(["-c", HOSTILE_STORE, str(store), json.dumps(HOSTILE)])
    assert run.code == 0, run.err
    for command in (["show", "HGNC.SYMBOL:NT5E"], ["search", "NT5E"], ["show", "CHEBI:16335"]):
        for fmt in ("table", "tsv", "json"):
            run = p.tmekg(*command, "--store", str(store), "--format", fmt)
            raw = RAW.findall(run.out + run.err)
            exact = True
            if fmt == "json" and run.code == 0:
                exact = HOSTILE in _strings(json.loads(run.out))
            p.judge(
                cls, f"{command[0]} {command[1]} -f {fmt}", verdict(run, run.code == 0 and not raw and exact)
            )
    run = p.tmekg("show", "nope\x1b]0;owned\x07\x1b[2J", "--store", str(store))
    p.judge(
        cls,
        "error message quoting the argument",
        verdict(run, run.one_line_error and not RAW.findall(run.err)),
    )


def _strings(doc: object) -> set[str]:
    if isinstance(doc, str):
        return {doc}
    if isinstance(doc, dict):
        doc = list(doc.values())
    return set().union(*map(_strings, doc)) if isinstance(doc, list) else set()


# -- study identity ------------------------------------------------------------------------------
def probe_study_identity(p: Probes) -> None:
    cls = "study file identity"
    store = p.store("ident", STUDY_KB)
    folder = p.work / "studyfiles"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "sub").mkdir(parents=True)
    original = folder / "x.csv"
    shutil.copy(FIXTURES / "study" / "crosstalk_pseudobulk.csv", original)
    (folder / "link.csv").symlink_to(original)
    os.link(original, folder / "hard.csv")
    shutil.copy(original, folder / "sub" / "copy.csv")
    args = [
        "study",
        "load",
        "-f",
        "pseudobulk",
        "--study-id",
        "TMEKG:study.demo",
        *MAP,
        "--store",
        str(store),
    ]
    run = p.tmekg(args[0], args[1], str(original), *args[2:])
    assert run.code == 0, run.err
    edges = _study_edges(store)
    for label, path in (
        ("symlink", "studyfiles/link.csv"),
        ("./x vs x", "./studyfiles/x.csv"),
        ("a/../x", "studyfiles/sub/../x.csv"),
        ("hard link", "studyfiles/hard.csv"),
        ("identical copy", "studyfiles/sub/copy.csv"),
    ):
        run = p.tmekg(args[0], args[1], path, *args[2:])
        entries = len(json.loads((store / "studies.json").read_text())["studies"])
        doubled = run.code == 0 and (entries != 1 or _study_edges(store) != edges)
        p.judge(cls, label, verdict(run, run.code == 0 and not doubled, doubled), run)
    other = [*args[:5], "TMEKG:study.other", *args[6:]]
    run = p.tmekg(other[0], other[1], "studyfiles/sub/copy.csv", *other[2:])
    entries = len(json.loads((store / "studies.json").read_text())["studies"])
    p.judge(
        cls,
        "identical copy under another study id",
        verdict(run, run.one_line_error, run.code == 0 and entries > 1),
    )


def _study_edges(store: Path) -> int:
    manifest = json.loads((store / (store / "CURRENT").read_text().strip() / "manifest.json").read_text())
    return manifest["sources"].get("study:TMEKG:study.demo", {}).get("edges", -1)


# -- full-store cost -----------------------------------------------------------------------------
OPEN_COST = """
import sys, time
from tmekg.graph import KnowledgeGraph
cpu, first = [], []
for _ in range(5):
    t = time.process_time()
    kg = KnowledgeGraph.open(sys.argv[1])
    t1 = time.process_time()
    kg.edge(0)
    first.append(time.process_time() - t1)
    cpu.append(t1 - t)
    kg.close()
cpu.sort(); first.sort()
print(round(cpu[2], 3), round(first[2], 3))
"""


def full_store_cost(p: Probes, store: Path) -> None:
    run = p.python(["-c", OPEN_COST, str(store)])
    opened, first = run.out.split() if run.code == 0 else (run.err[-200:], "-")
    print(f"full store open (median of 5, CPU s): open {opened}, first full edge record {first}")
    start = time.process_time()
    run = p.tmekg("stats", "--verify", "--store", str(store))
    if run.code == 0:
        print(f"tmekg stats --verify: {run.seconds:.2f} s wall ({run.err.strip()})")
    del start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE, help="Source tree to probe (default: this one).")
    parser.add_argument("--full-store", type=Path, help="Also time opening / verifying this (full) store.")
    parser.add_argument("--only", nargs="*", help="Probe classes to run (default: all).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tmekg-probe-") as work:
        p = Probes(args.tree.resolve(), Path(work))
        classes = {
            "concurrency": probe_concurrency,
            "damage": probe_damage,
            "disk": probe_disk,
            "secrets": probe_secrets,
            "hostile": probe_hostile,
            "identity": probe_study_identity,
        }
        started = time.perf_counter()
        for name, probe in classes.items():
            if not args.only or name in args.only:
                probe(p)
        report(p)
        print(f"({time.perf_counter() - started:.0f} s, tree {p.tree})")
        if args.full_store:
            full_store_cost(p, args.full_store)


def report(p: Probes) -> None:
    kinds = ("well", "traceback", "silent", "badly")
    print(f"{'probe class':<22} {'tried':>5} " + " ".join(f"{k:>9}" for k in kinds))
    totals = dict.fromkeys(kinds, 0)
    for cls, items in p.results.items():
        counts = {k: sum(v == k for _, v in items) for k in kinds}
        for k in kinds:
            totals[k] += counts[k]
        print(f"{cls:<22} {len(items):>5} " + " ".join(f"{counts[k]:>9}" for k in kinds))
    print(f"{'total':<22} {sum(totals.values()):>5} " + " ".join(f"{totals[k]:>9}" for k in kinds))
    for cls, items in p.results.items():
        for name, v in items:
            if v != "well":
                print(f"  {v:<9} {cls}: {name}")


if __name__ == "__main__":
    main()
