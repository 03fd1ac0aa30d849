"""Benchmark: `tmekg --help` start-up time against a bare Python start in the same run.

Target (issue 14): `tmekg --help` <= 0.25 s (issue 7: 0.3 s). Heavy libraries (pandas, numpy, scipy,
neo4j, rdflib, pyvis, networkx) are imported only inside commands, and the help is click's plain help
(typer's rich help imports rich and markdown-it first); tests/test_clidoc.py checks both. The "rich
help" line runs the same help with typer's rich formatting switched back on, for the ratio in the
same run.

    python benchmarks/bench_cli.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def best_of(cmd: list[str], repeat: int) -> float:
    """Median wall time of ``repeat`` runs of a command (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


RICH_HELP = (
    "import sys; sys.argv = ['tmekg', '--help']; import tmekg.cli as c; "
    "c.app.rich_markup_mode = 'rich'; c.main()"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    bare = best_of([sys.executable, "-c", "pass"], args.repeat)
    helped = best_of([sys.executable, "-m", "tmekg", "--help"], args.repeat)
    sub = best_of([sys.executable, "-m", "tmekg", "rank", "--help"], args.repeat)
    rich = best_of([sys.executable, "-c", RICH_HELP], args.repeat)
    print(f"python -c pass:          {bare:.3f} s")
    print(f"tmekg --help:            {helped:.3f} s  ({helped / bare:.1f}x bare python)")
    print(f"  with rich help:        {rich:.3f} s  (plain help {rich / helped:.2f}x faster)")
    print(f"tmekg rank --help:       {sub:.3f} s")
    print(f"target <= 0.25 s: {'OK' if helped <= 0.25 else 'MISSED'}")


if __name__ == "__main__":
    main()
