"""``tmekg crosstalk --figure FILE.png|svg``: sender x receiver heatmap and a dot plot of the top rows.

Left panel: heatmap of the summed score of all rows per (sender, receiver) (or one metabolite's
scores when the rows were filtered to one metabolite), senders as rows, receivers as columns, cell
types ordered by their total. Right panel: dot plot of the ``dots`` best rows (y = "sender ->
receiver", x = metabolite; dot size = -log10 p, colour = score), as LIANA+ / MEBOCOST users know.
matplotlib is imported here only (Agg backend, no display needed).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from tmekg.errors import TmekgError

SUFFIXES = (".png", ".svg")


def heatmap_matrix(rows: list[Any]) -> tuple[list[str], list[str], np.ndarray]:
    """(senders, receivers, summed scores) ordered by total score, descending."""
    total: dict[tuple[str, str], float] = defaultdict(float)
    for r in rows:
        total[(r.sender_name, r.receiver_name)] += r.score
    senders = _ordered({s for s, _ in total}, total, 0)
    receivers = _ordered({r for _, r in total}, total, 1)
    M = np.zeros((len(senders), len(receivers)))
    si, ri = {s: i for i, s in enumerate(senders)}, {r: j for j, r in enumerate(receivers)}
    for (s, r), x in total.items():
        M[si[s], ri[r]] = x
    return senders, receivers, M


def _ordered(names: set[str], total: dict, side: int) -> list[str]:
    sums: dict[str, float] = defaultdict(float)
    for key, x in total.items():
        sums[key[side]] += x
    return sorted(names, key=lambda n: (-sums[n], n))


def draw(rows: list[Any], path: str | Path, dots: int = 30, max_types: int = 40) -> Path:
    """Write the figure; the format comes from the suffix (``.png`` or ``.svg``). Atomic write."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise TmekgError(f"figure must end in .png or .svg, not '{path.name}'")
    if not rows:
        raise TmekgError("no crosstalk rows to draw")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(18, 9), gridspec_kw={"width_ratios": [1.1, 1]})
    _heatmap(fig, left, rows, max_types)
    _dotplot(fig, right, rows[:dots])
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=150)
    plt.close(fig)
    tmp.replace(path)
    return path


def _heatmap(fig: Any, ax: Any, rows: list[Any], max_types: int) -> None:
    senders, receivers, M = heatmap_matrix(rows)
    senders, receivers = senders[:max_types], receivers[:max_types]
    M = M[: len(senders), : len(receivers)]
    image = ax.imshow(M, aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(receivers)), [_short(r) for r in receivers], rotation=90, fontsize=7)
    ax.set_yticks(range(len(senders)), [_short(s) for s in senders], fontsize=7)
    metabolites = {r.metabolite_name for r in rows}
    what = next(iter(metabolites)) if len(metabolites) == 1 else f"summed over {len(metabolites)} metabolites"
    ax.set_title(f"sender x receiver score ({what})", fontsize=9)
    ax.set_xlabel("receiver")
    ax.set_ylabel("sender")
    fig.colorbar(image, ax=ax, shrink=0.6, label="score")


def _dotplot(fig: Any, ax: Any, rows: list[Any]) -> None:
    pairs = list(dict.fromkeys(f"{_short(r.sender_name)} -> {_short(r.receiver_name)}" for r in rows))
    mets = list(dict.fromkeys(_short(r.metabolite_name) for r in rows))
    y = [pairs.index(f"{_short(r.sender_name)} -> {_short(r.receiver_name)}") for r in rows]
    x = [mets.index(_short(r.metabolite_name)) for r in rows]
    p = np.array([r.p_value if r.p_value is not None else 1.0 for r in rows])
    sizes = 20 + 40 * -np.log10(np.clip(p, 1e-4, 1.0))
    points = ax.scatter(x, y, s=sizes, c=[r.score for r in rows], cmap="magma_r", edgecolors="grey")
    ax.set_xticks(range(len(mets)), mets, rotation=90, fontsize=7)
    ax.set_yticks(range(len(pairs)), pairs, fontsize=7)
    ax.invert_yaxis()
    ax.set_title(f"top {len(rows)} interactions (size = -log10 p, colour = score)", fontsize=9)
    fig.colorbar(points, ax=ax, shrink=0.6, label="score")


def _short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
