"""The permutation null of the combination score, computed once and cached on disk.

A null is the score of every candidate x immunotherapy class on ``count`` XSwap-permuted graphs
(:mod:`tmekg.queries.permutation`). It depends only on the graph snapshot, the scoring configuration,
the edge mask (``--context``), the node factors (``--sample``) and the permutation settings, so it is
stored under a content hash of exactly those::

    STORE/snap-<sha>/nulls/<sha256 of key>.npz   (fallback: $TMEKG_CACHE_DIR or ~/.cache/tmekg/nulls)

and every later ``rank`` call with the same inputs (any ``-i``, ``--top``) reads it instead of
permuting again. Files are written to a temporary name and moved into place with ``os.replace``, so a
concurrent reader sees a complete file or none; an unreadable, partial or mismatching file is ignored
and rebuilt. A new snapshot (``tmekg build``) has a new folder, so its nulls start empty.

Examples
--------
>>> null = permutation_null(scorer, count=20, seed=0)   # doctest: +SKIP
>>> p = null_p_values(scorer, observed, null)            # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.queries.permutation import degree_groups, edge_type_groups, permute_edges, pooled_p_values

if TYPE_CHECKING:
    from tmekg.queries.scoring import Scorer

Progress = Callable[[int, int], None]
NULL_FORMAT = (
    "tmekg-null-3"  # bump when the null's computation changes (3: XSwap rounds, seed per permutation)
)
NOT_COMPUTED = "not computed"


@dataclass(frozen=True)
class NullSpec:
    """What a permutation null depends on besides the graph: permutation count and seed."""

    count: int
    seed: int


def null_key(scorer: Scorer, spec: NullSpec) -> str:
    """Content hash of everything the null depends on (snapshot, config, mask, factors, settings)."""
    from tmekg import __version__

    hm = scorer.hetmat
    mask = "all" if hm.edge_mask is None else hashlib.sha256(np.packbits(hm.edge_mask).tobytes()).hexdigest()
    parts = {
        "format": NULL_FORMAT,
        "tmekg": __version__,
        "snapshot": snapshot_id(scorer),
        "config": scorer.config,
        "edge_mask": mask,
        "node_factors": sorted(scorer.node_factors.items()),
        "count": spec.count,
        "seed": spec.seed,
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot_id(scorer: Scorer) -> str | None:
    """The snapshot folder name (``snap-<content hash>``) of the scored graph, None if not a store."""
    path = getattr(scorer.kg, "path", None)
    return Path(path).name if path is not None else None


def cache_dirs(scorer: Scorer) -> list[Path]:
    """Where nulls of this graph are kept: the snapshot's ``nulls/`` folder, then a user cache."""
    path = getattr(scorer.kg, "path", None)
    if path is None:
        return []
    home = os.environ.get("TMEKG_CACHE_DIR") or Path.home() / ".cache" / "tmekg"
    return [Path(path) / "nulls", Path(home) / "nulls" / Path(path).name]


def load_null(path: Path, key: str, shape: tuple[int, int, int]) -> np.ndarray | None:
    """The cached null at ``path`` if it is complete and was made for ``key``; else None."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            null = np.array(data["null"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if null.shape != shape or not np.isfinite(null).all():
        return None
    return null


def save_null(folder: Path, key: str, null: np.ndarray) -> Path:
    """Write the null atomically (temporary file, fsync, ``os.replace``) as ``folder/<key>.npz``."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", suffix=".npz", delete=False)  # noqa: SIM115
    try:
        with handle:
            np.savez(handle, key=np.array(key), null=null)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)  # readable like the snapshot's other files
        final = folder / f"{key}.npz"
        os.replace(handle.name, final)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return final


def cached_null(scorer: Scorer, spec: NullSpec, progress: Progress | None = None) -> np.ndarray:
    """The null scores (permutations x candidates x classes), read from the cache or computed and saved."""
    key = null_key(scorer, spec)
    shape = (spec.count, len(scorer.targets), len(scorer.classes))
    folders = cache_dirs(scorer) if snapshot_id(scorer) else []
    for folder in folders:
        found = load_null(folder / f"{key}.npz", key, shape)
        if found is not None:
            return found
    null = compute_null(scorer, spec, progress)
    for folder in folders:  # the snapshot folder first; a read-only store falls back to the user cache
        try:
            save_null(folder, key, null)
            break
        except OSError:
            continue
    return null


def compute_null(
    scorer: Scorer, spec: NullSpec, progress: Progress | None = None, workers: int | None = None
) -> np.ndarray:
    """Score every candidate on ``spec.count`` XSwap-permuted graphs (the uncached computation).

    Permutation ``i`` draws from its own generator (``SeedSequence(seed).spawn``), so the null is the
    same whatever the number of ``workers`` (default :func:`null_workers`; forked processes sharing the
    open graph, one permutation per task).
    """
    hm = scorer.hetmat
    codes = [scorer.kg.predicates.index(e.predicate) for mp in scorer.metapaths for e in mp.edges]
    job = (scorer, edge_type_groups(hm.edge_index, hm.category_of, codes))
    seeds = list(enumerate(np.random.SeedSequence(spec.seed).spawn(spec.count)))
    null = np.zeros((spec.count, len(scorer.targets), len(scorer.classes)))
    workers = null_workers(spec.count) if workers is None else min(workers, spec.count)
    for done, (i, scores) in enumerate(_run_permutations(job, seeds, workers), 1):
        null[i] = scores
        if progress:
            progress(done, spec.count)
    return null


def null_workers(count: int) -> int:
    """Processes for the null: ``$TMEKG_WORKERS``, else the usable cores (at most 8 and ``count``)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = os.environ.get("TMEKG_WORKERS")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(int(wanted) if wanted else min(cores, 8), count))


_JOB: tuple[Any, Any] | None = None  # (scorer, edge type groups) inherited by forked workers


def _run_permutations(job: tuple[Any, Any], seeds: list, workers: int):
    """Yield (index, null scores) of each permutation, in a pool of forked processes if ``workers > 1``."""
    global _JOB
    if workers <= 1:
        yield from (_one_permutation(job, task) for task in seeds)
        return
    import multiprocessing

    _JOB = job
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap_unordered(_forked_permutation, seeds)
    finally:
        _JOB = None


def _forked_permutation(task: tuple[int, np.random.SeedSequence]) -> tuple[int, np.ndarray]:
    assert _JOB is not None
    return _one_permutation(_JOB, task)


def _one_permutation(
    job: tuple[Any, Any], task: tuple[int, np.random.SeedSequence]
) -> tuple[int, np.ndarray]:
    """Candidate scores on one permuted graph."""
    from tmekg.queries.scoring import Scorer

    (scorer, groups), (i, seed) = job, task
    hm, swaps = scorer.hetmat, float(scorer.config["permutations"]["swaps_per_edge"])
    permuted = permute_edges(hm.edge_index, groups, swaps, np.random.default_rng(seed))
    null_scorer = Scorer(
        scorer.kg,
        scorer.config,
        edge_index=permuted,
        edge_mask=hm.edge_mask,
        node_factors=scorer.node_factors,
    )
    return i, null_scorer.components().score[scorer.targets]


def null_p_values(scorer: Scorer, observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """P-values of the candidate rows (targets x classes), nulls pooled by log-binned degree."""
    hm = scorer.hetmat
    first_hop = {mp.edges[0] for mp in scorer.metapaths}
    degree = sum(np.asarray(hm.matrices(e)[0].sum(axis=1)).ravel() for e in first_hop)
    bins = degree_groups(
        np.asarray(degree)[scorer.targets], float(scorer.config["permutations"]["degree_bins"])
    )
    return pooled_p_values(observed[scorer.targets], null, bins)


def null_spec(scorer: Scorer, permutations: int | None, seed: int | None) -> NullSpec:
    """The permutation count and seed of a call, defaults from the ``permutations`` config section."""
    cfg: dict[str, Any] = scorer.config["permutations"]
    return NullSpec(
        count=int(cfg["count"] if permutations is None else permutations),
        seed=int(cfg["seed"] if seed is None else seed),
    )


def rich_progress(description: str = "permutation null") -> tuple[Progress, Callable[[], None]]:
    """A rich progress bar on stderr (callback, close); shown only once the first step is reported."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    bar = Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True))
    task: list[Any] = []

    def update(done: int, total: int) -> None:
        if not task:
            bar.start()
            task.append(bar.add_task(description, total=total))
        bar.update(task[0], completed=done, total=total)

    return update, bar.stop


def null_progress(done: int, total: int, width: int = 24) -> str:
    """A one-line text progress bar for a status line while the null is built (first call only)."""
    filled = round(width * done / total) if total else width
    return f"permutation null (cached for later calls) {'━' * filled}{'╺' * (width - filled)} {done}/{total}"


def p_value_note(table: Any, sample: str | None, permutations: int | None) -> str:
    """Why a ranking's p_value column says "not computed" ("" when p-values were computed)."""
    values = list(table["p_value"]) if "p_value" in table else []
    if not values or not all(isinstance(v, str) or v is None or v != v for v in values):
        return ""
    if sample and permutations is None:
        return (
            f"p_value {NOT_COMPUTED}: --sample reweights every edge, so its null is its own (not the "
            "graph's cached one); add --permutations 20 to build it once for this sample (then cached)"
        )
    return f"p_value {NOT_COMPUTED}: --permutations 0 (drop it for p-values from the cached null)"
