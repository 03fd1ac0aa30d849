"""Benchmark: full build over every source in a data directory (default ../shared/data).

Prints wall time, peak resident memory and nodes/edges per second for the full build, and for a
baseline in the same process: loading the same records without merging or writing (what the
builder and store add on top of parsing). Targets (issue 13, with the gene authority, Gene Ontology,
GtoPdb and HPA sources added): full build <= 90 s and <= 2.5 GB peak on 2 cores (issue 3 had <= 60 s and
<= 2 GB for the smaller source set). Wall time is only meaningful on an otherwise idle machine; the
process CPU time is printed too.

    python benchmarks/bench_build.py [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from tmekg.loaders import get_source
from tmekg.model import LoadReport
from tmekg.pipeline import build_store, plan_sources


def peak_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_only(data: Path) -> tuple[float, int]:
    """Seconds and record count to run every loader without building (the baseline)."""
    start = time.perf_counter()
    count = 0
    for name, folder in plan_sources(["all"], data).use:
        for _ in get_source(name).loader()(folder, LoadReport(name)):
            count += 1
    return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data-dir", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data")
    )
    args = parser.parse_args()
    data = Path(args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = build_store(store=Path(tmp) / "store", data=data, sources=["all"])
        seconds = time.perf_counter() - start
    nodes, edges = result.counts["nodes"], result.counts["edges"]
    print(f"full build: {seconds:.1f} s, peak RSS {peak_mib():.0f} MiB, {nodes} nodes, {edges} edges")
    print(f"  {nodes / seconds:,.0f} nodes/s, {edges / seconds:,.0f} edges/s")
    for name, info in sorted(result.sources.items()):
        if "seconds" in info:
            print(f"  {name:<16} load {info['seconds']:6.2f} s")
    base, records = parse_only(data)
    print(f"baseline (loaders only, {records} records): {base:.1f} s -> build/baseline {seconds / base:.2f}x")
    time_ok = "OK" if seconds <= 90 else "MISSED"
    memory_ok = "OK" if peak_mib() <= 2560 else "MISSED"
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"process CPU (build + baseline): {cpu.ru_utime + cpu.ru_stime:.1f} s")
    print(f"targets: <= 90 s {time_ok}; <= 2560 MiB {memory_ok}")


if __name__ == "__main__":
    main()
