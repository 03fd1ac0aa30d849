"""Validation of the target ranking against known immunometabolic targets (issue 13).

Builds two stores in a temporary folder from ``--data-dir`` -- every source found there (``--sources
all``: the public sources plus the curated KB ``tmekg-curated``) and the same sources without the curated
KB -- ranks every candidate target x immunotherapy class on each (``tmekg.queries.rank.rank``, no
permutations) and writes a markdown fragment::

    python benchmarks/validation_ranking.py --data-dir ../shared/data --out /tmp/validation.md

Definitions (docs/validation-ranking.md):

* candidates of a class: the rows ``rank`` returns for it (genes with an enzyme / transporter / receptor /
  sensor role, less the class's own targets);
* rank: 1 + the number of candidates with a strictly higher score (ties share the best rank);
* percentile: 100 x (candidates scoring lower + half the other candidates tied with it) / (N - 1), so
  100 = top, 0 = bottom, and a block of tied candidates sits at its middle;
* "all classes": a target's best score over the classes it is a candidate of, ranked among every
  candidate target the same way;
* AUROC: Mann-Whitney probability that a listed target outscores an unlisted candidate (ties count half),
  equal to the mean percentile of the listed targets when computed against unlisted candidates only;
* baseline: the number of distinct Metabolite nodes a gene is linked to by any edge.

Use ``--store-with`` / ``--store-without`` to score stores built beforehand instead of building, and
``--keep DIR`` to keep the two stores (``DIR/with/store``, ``DIR/without/store``) for ``tmekg explain``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.graph import KnowledgeGraph

HERE = Path(__file__).resolve().parent
TARGETS = HERE / "validation_targets.tsv"
FOCUS_CLASS = "anti-PD-1"
TOP = 30
LABELS = {"with": "with the curated KB", "without": "without the curated KB"}


# -- inputs ---------------------------------------------------------------------------------------
def load_targets(path: str | Path = TARGETS) -> list[dict[str, str]]:
    """The listed targets (``symbol``, ``direction``, ``rationale``, ``citation``, ``status``)."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    missing = {"symbol", "citation", "status"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return rows


def source_sets(data_dir: str | Path) -> dict[str, list[str]]:
    """The two source lists: everything found in ``data_dir`` (with the KB), and the same less the KB."""
    from tmekg.pipeline import CURATED, plan_sources

    found = [name for name, _folder in plan_sources(["all"], data_dir).use]
    return {"with": ["all"], "without": [name for name in found if name != CURATED]}


def build(store: Path, sources: Sequence[str], data_dir: str | Path) -> dict[str, Any]:
    """Build one store; returns its node/edge counts and build seconds."""
    from tmekg.pipeline import build_store

    result = build_store(store=store, sources=list(sources), data=data_dir)
    return {"counts": result.counts, "seconds": result.seconds, "skipped": result.skipped}


# -- scores ---------------------------------------------------------------------------------------
def score_table(kg: KnowledgeGraph, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Every candidate x class with its score and mechanism component (``rank``, no permutations)."""
    from tmekg.queries.rank import make_scorer

    scorer = make_scorer(kg, config=config)
    return scorer.table(scorer.components())[
        ["target_id", "target_symbol", "immunotherapy_class", "score", "mechanism"]
    ]


def top_table(
    kg: KnowledgeGraph, cls: str, top: int, config: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """The first ``top`` rows of ``rank`` for one class (target, score, top path, drugs)."""
    from tmekg.queries.rank import rank

    table = rank(kg, immunotherapy=cls, top=top, permutations=0, config=config)
    return table[["rank", "target_symbol", "target_id", "score", "top_path", "drugs"]]


def best_over_classes(table: pd.DataFrame) -> pd.DataFrame:
    """One row per candidate target: its best score over classes and the class giving it."""
    best = table.sort_values(["score", "immunotherapy_class"], ascending=[False, True])
    best = best.drop_duplicates("target_id").rename(columns={"immunotherapy_class": "best_class"})
    return best[["target_id", "target_symbol", "best_class", "score"]].reset_index(drop=True)


def ranks_and_percentiles(scores: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Competition rank (1 = best) and percentile (module docstring) of every score among all."""
    values = np.asarray(scores, dtype=float)
    n = len(values)
    order = np.sort(values)
    lower = np.searchsorted(order, values, side="left")
    higher = n - np.searchsorted(order, values, side="right")
    tied_others = n - lower - higher - 1
    rank = higher + 1
    percentile = 100.0 * (lower + 0.5 * tied_others) / (n - 1) if n > 1 else np.full(n, 100.0)
    return rank, percentile


def auroc(positives: Iterable[float], negatives: Iterable[float]) -> float:
    """Mann-Whitney AUROC: P(positive > negative) + 0.5 P(tie); NaN when either side is empty."""
    from scipy.stats import rankdata

    pos, neg = np.asarray(list(positives), float), np.asarray(list(negatives), float)
    if not len(pos) or not len(neg):
        return float("nan")
    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def placement(scored: pd.DataFrame, listed: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Rank and percentile of each listed symbol among the rows of ``scored`` (columns target_symbol,
    score); a symbol with several candidate nodes keeps its best. Unlisted symbols are absent."""
    rank, pct = ranks_and_percentiles(scored["score"].to_numpy())
    out: dict[str, dict[str, Any]] = {}
    wanted = set(listed)
    for i, symbol in enumerate(scored["target_symbol"]):
        if symbol in wanted and (symbol not in out or rank[i] < out[symbol]["rank"]):
            row = scored.iloc[i]
            out[symbol] = {
                "rank": int(rank[i]),
                "percentile": float(pct[i]),
                "score": float(row["score"]),
                "n": len(scored),
            }
            if "best_class" in scored.columns:
                out[symbol]["class"] = row["best_class"]
    return out


def listed_auroc(scored: pd.DataFrame, listed: Iterable[str], column: str = "score") -> float:
    """AUROC of the listed symbols' ``column`` against every other row of ``scored``."""
    mask = scored["target_symbol"].isin(set(listed)).to_numpy()
    values = scored[column].to_numpy(dtype=float)
    return auroc(values[mask], values[~mask])


def metabolite_links(kg: KnowledgeGraph, gene_ids: Iterable[str]) -> dict[str, int]:
    """Baseline: the number of distinct Metabolite nodes each gene shares an edge with."""
    return {
        gene: len({nb.other.id for nb in kg.neighbours(gene) if nb.other.category == "Metabolite"})
        for gene in gene_ids
    }


def nonzero_mechanism(table: pd.DataFrame, cls: str | None = None) -> int:
    """Candidate targets with a non-zero mechanism score (in ``cls``, or in at least one class)."""
    rows = table if cls is None else table[table["immunotherapy_class"] == cls]
    return int(rows.loc[rows["mechanism"] != 0, "target_id"].nunique())


# -- one store ------------------------------------------------------------------------------------
def evaluate(kg: KnowledgeGraph, listed: Sequence[str], config: Mapping[str, Any] | None = None) -> dict:
    """Everything the report needs from one store."""
    table = score_table(kg, config)
    classes = sorted(table["immunotherapy_class"].unique())
    focus = table[table["immunotherapy_class"] == FOCUS_CLASS].reset_index(drop=True)
    best = best_over_classes(table)
    links = metabolite_links(kg, best["target_id"])
    best["metabolite_links"] = [links[t] for t in best["target_id"]]
    return {
        "classes": classes,
        "candidates": int(table["target_id"].nunique()),
        "focus_n": len(focus),
        "nonzero_any": nonzero_mechanism(table),
        "nonzero_focus": nonzero_mechanism(table, FOCUS_CLASS),
        "focus": placement(focus, listed),
        "best": placement(best, listed),
        "baseline": placement(best.assign(score=best["metabolite_links"]), listed),
        "auroc_focus": listed_auroc(focus, listed) if len(focus) else float("nan"),
        "auroc_best": listed_auroc(best, listed),
        "auroc_baseline": listed_auroc(best, listed, "metabolite_links"),
        "top": top_table(kg, FOCUS_CLASS, TOP, config) if len(focus) else None,
    }


# -- report ---------------------------------------------------------------------------------------
def _cell(entry: Mapping[str, Any] | None, with_class: bool = False) -> str:
    if not entry:
        return "not a candidate"
    text = f"{entry['rank']} / {entry['n']} ({entry['percentile']:.1f})"
    return f"{text} {entry['class']}" if with_class and "class" in entry else text


def _median(results: Mapping[str, Any], key: str, listed: Sequence[str]) -> str:
    values = [results[key][s]["percentile"] for s in listed if s in results[key]]
    return f"{np.median(values):.1f} (n={len(values)})" if values else "-"


def placement_markdown(results: Mapping[str, dict], listed: Sequence[str]) -> list[str]:
    """The per-target table: rank / N (percentile) per store and view."""
    head = ["target"]
    for key in results:
        head += [f"{FOCUS_CLASS} {LABELS[key]}", f"all classes {LABELS[key]}", f"baseline {LABELS[key]}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for symbol in listed:
        cells = [symbol]
        for res in results.values():
            cells += [_cell(res["focus"].get(symbol)), _cell(res["best"].get(symbol), True)]
            cells.append(_cell(res["baseline"].get(symbol)))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def summary_markdown(results: Mapping[str, dict], listed: Sequence[str]) -> list[str]:
    """Counts, median percentiles and AUROCs per store."""
    lines = ["| measure | " + " | ".join(LABELS[k] for k in results) + " |", "|---|" + "---:|" * len(results)]
    rows = [
        ("immunotherapy classes scored", lambda r: ", ".join(r["classes"])),
        ("candidate targets (any class)", lambda r: str(r["candidates"])),
        (f"candidates of {FOCUS_CLASS}", lambda r: str(r["focus_n"])),
        ("candidates with a non-zero mechanism score (any class)", lambda r: str(r["nonzero_any"])),
        (f"candidates with a non-zero mechanism score ({FOCUS_CLASS})", lambda r: str(r["nonzero_focus"])),
        ("listed targets that are candidates", lambda r: str(len(r["best"]))),
        (f"median percentile of listed targets, {FOCUS_CLASS}", lambda r: _median(r, "focus", listed)),
        ("median percentile of listed targets, all classes", lambda r: _median(r, "best", listed)),
        (
            "median percentile of listed targets, metabolite-link baseline",
            lambda r: _median(r, "baseline", listed),
        ),
        (f"AUROC listed vs other candidates, {FOCUS_CLASS}", lambda r: f"{r['auroc_focus']:.3f}"),
        ("AUROC listed vs other candidates, all classes", lambda r: f"{r['auroc_best']:.3f}"),
        (
            "AUROC listed vs other candidates, metabolite-link baseline",
            lambda r: f"{r['auroc_baseline']:.3f}",
        ),
    ]
    for name, value in rows:
        lines.append(f"| {name} | " + " | ".join(value(r) for r in results.values()) + " |")
    return lines


def top_markdown(top: pd.DataFrame | None) -> list[str]:
    """The top of the focus class as a markdown table."""
    if top is None or not len(top):
        return [f"(no {FOCUS_CLASS} candidates)"]
    lines = ["| rank | target | score | top path | drugs |", "|---:|---|---:|---|---|"]
    for row in top.itertuples():
        drugs = str(row.drugs).replace(";", "; ") or "-"
        lines.append(f"| {row.rank} | {row.target_symbol} | {row.score:.4g} | {row.top_path} | {drugs} |")
    direct = sum(1 for path in top["top_path"] if str(path).count(" -> ") == 1)
    note = f"Top path is a single gene -> effect step (no metabolite) for {direct} of {len(top)}."
    return [*lines, "", note]


def report(
    results: Mapping[str, dict], listed: Sequence[str], builds: Mapping[str, Any], tree: str = ""
) -> str:
    """The markdown fragment (``tree``: the code version that produced it)."""
    out = ["### Stores", ""] + ([f"- code: {tree}"] if tree else [])
    for key, info in builds.items():
        out.append(f"- {LABELS[key]}: {info}")
    out += ["", "### Summary", "", *summary_markdown(results, listed), ""]
    out += ["### Listed targets: rank / N (percentile)", "", *placement_markdown(results, listed), ""]
    if "without" in results:
        out += [
            f"### Top {TOP} {LABELS['without']}, {FOCUS_CLASS}",
            "",
            *top_markdown(results["without"]["top"]),
        ]
    return "\n".join(out) + "\n"


# -- command line ---------------------------------------------------------------------------------
BEGIN, END = "<!-- BEGIN generated by benchmarks/validation_ranking.py -->", "<!-- END generated -->"


def splice(document: str, fragment: str) -> str:
    """``document`` with the text between the BEGIN / END markers replaced by ``fragment``."""
    head, sep, rest = document.partition(BEGIN)
    _old, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"the document has no '{BEGIN}' ... '{END}' block")
    return f"{head}{BEGIN}\n{fragment}{END}{tail}"


def _stores(args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Path], dict[str, Any]]:
    given = {"with": args.store_with, "without": args.store_without}
    sets = source_sets(args.data_dir) if not all(given.values()) else {}
    stores, builds = {}, {}
    for key in ("with", "without"):
        if given[key]:
            stores[key], builds[key] = Path(given[key]), f"prebuilt store {given[key]}"
            continue
        stores[key] = workdir / key / "store"
        info = build(stores[key], sets[key], args.data_dir)
        counts = info["counts"]
        builds[key] = (
            f"`--sources {','.join(sets[key])}`: {counts.get('nodes')} nodes, {counts.get('edges')} edges, "
            f"built in {info['seconds']:.0f} s"
        )
    return stores, builds


def code_version() -> str:
    """The git commit of this work tree, with a note when files differ from it ('' outside git)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"commit {commit}" + (" plus uncommitted changes" if dirty else "") if commit else ""


def main(argv: Sequence[str] | None = None) -> int:
    from tmekg.graph import KnowledgeGraph

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--targets", default=str(TARGETS))
    parser.add_argument("--store-with", help="prebuilt store with the curated KB (skips that build)")
    parser.add_argument("--store-without", help="prebuilt store without the curated KB (skips that build)")
    parser.add_argument("--keep", help="build the stores in this folder and keep them (default: a temp dir)")
    parser.add_argument("--out", help="write the markdown here (default: stdout)")
    parser.add_argument("--doc", help="also replace the generated block of this markdown file")
    parser.add_argument(
        "--base-model",
        action="store_true",
        help="score without cell-resolved weights (the global context factor)",
    )
    args = parser.parse_args(argv)
    config = None
    if args.base_model:
        from tmekg.queries.scoring import default_config

        base = default_config()
        config = {**base, "cell_resolved": {**base["cell_resolved"], "enabled": False}}
    listed = [row["symbol"] for row in load_targets(args.targets)]
    with tempfile.TemporaryDirectory(prefix="tmekg-validation-") as tmp:
        stores, builds = _stores(args, Path(args.keep or tmp))
        results = {}
        for key, store in stores.items():
            with KnowledgeGraph.open(store) as kg:
                results[key] = evaluate(kg, listed, config)
    text = report(results, listed, builds, code_version())
    if args.doc:
        doc = Path(args.doc)
        doc.write_text(splice(doc.read_text(encoding="utf-8"), text), encoding="utf-8")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
