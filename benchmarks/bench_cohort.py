"""Benchmark: ``tmekg cohort`` on the 50 TCGA-PAAD tumours with a cached null (issue 17 target <= 30 s).

Run after a full build, e.g.::

    tmekg build --data-dir ../shared/data --sources all --store /tmp/tmekg-full
    python benchmarks/bench_cohort.py --store /tmp/tmekg-full --data-dir ../shared/data

Prints, measured in the same process:

* the cohort run (read, normalise, subtypes and checks, combinations for every patient) with the
  default null read from the cache (the first call builds it and is timed separately), as wall time and
  as CPU time of this process plus its worker processes (wall time is meaningless on a busy machine);
* the per-patient cost against the way it was done before: one ``personalised_rank`` call per patient
  (re-reads the table, scores the default and the personalised graph, ranks every row), timed on
  ``--baseline-patients`` patients and extrapolated to the cohort, with the ratio.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from tmekg.graph import KnowledgeGraph
from tmekg.queries.cohort import cohort
from tmekg.queries.profile import gene_authority


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, func, *args, **kwargs):
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = func(*args, **kwargs)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU (process + workers)")
    return out, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--baseline-patients", type=int, default=2)
    args = parser.parse_args()
    folder = args.data_dir / "tcga-paad"
    counts, clinical = folder / "TCGA-PAAD.star_counts.50.tsv.gz", folder / "TCGA-PAAD.clinical.50.tsv"
    with KnowledgeGraph.open(args.store) as kg:
        authority = gene_authority(kg, args.data_dir)
        timed("first call (builds the null if not cached)", cohort, counts, clinical, kg, authority=authority)
        result, wall, cpu = timed(
            "tmekg cohort, cached null", cohort, counts, clinical, kg, authority=authority
        )
        print(f"  steps (wall s): {result.seconds}; patients {len(result.table)}")
        print(f"  target <= 30 s: {'met' if wall <= 30 else 'NOT met'} on this machine (wall {wall:.1f} s)")
        print(f"  CPU {cpu:.1f} s: at least {cpu / max(1, _cores()):.1f} s wall on {_cores()} idle core(s)")
        per_patient = _baseline(kg, counts, result, args.baseline_patients)
        ours = result.seconds.get("combinations", 0.0) / len(result.table)
        print(f"  combinations per patient: {ours:.2f} s (cohort) vs {per_patient:.2f} s (personalised_rank)")
        print(f"  ratio: {per_patient / ours:.1f}x; 50 patients the old way ~ {50 * per_patient:.0f} s")


def _cores() -> int:
    from tmekg.queries.significance import null_workers

    return null_workers(50)


def _baseline(kg: KnowledgeGraph, counts: Path, result, patients: int) -> float:
    """Seconds per patient of one ``personalised_rank`` call (top 5, no permutations)."""
    from tmekg.queries.personalise import personalised_rank

    samples = list(result.matching.samples.values())[:patients]
    start = time.perf_counter()
    for sample in samples:
        personalised_rank(kg, counts, sample, top=5)
    return (time.perf_counter() - start) / len(samples)


if __name__ == "__main__":
    main()
