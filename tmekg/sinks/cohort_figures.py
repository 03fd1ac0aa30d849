"""Figures of the cohort report as inline SVG text (matplotlib, Agg): heatmap, quadrant plot, KM curves.

Each function takes plain tables and returns an ``<svg>`` string with text kept as text, to be written
into the self-contained HTML page of :mod:`tmekg.sinks.cohort_report`.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

COLOURS = {  # subtype colours of the Karasinska et al. figures' public reproduction
    "glycolytic": "#62A2AA",
    "cholesterogenic": "#99B15B",
    "mixed": "#895430",
    "quiescent": "#E6B73C",
    "unassigned": "#BBBBBB",
}
MOFFITT = {"basal": "#B2182B", "classical": "#2166AC"}
ORDER = ("quiescent", "glycolytic", "cholesterogenic", "mixed", "unassigned")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text stays text: small, searchable, sharp
    return plt


def to_svg(fig: Any) -> str:
    """The figure as an ``<svg>`` element (XML prolog and DOCTYPE dropped); closes the figure."""
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)  # creator/date RDF block
    return text[text.index("<svg") :]


def subtype_order(table: pd.DataFrame) -> pd.DataFrame:
    """Patients sorted by subtype (figure order), then by glycolytic - cholesterogenic median z."""
    key = table["subtype"].map({s: i for i, s in enumerate(ORDER)}).fillna(len(ORDER))
    spread = table["glycolytic_median_z"] - table["cholesterogenic_median_z"]
    return table.assign(_k=key, _s=-spread).sort_values(["_k", "_s"]).drop(columns=["_k", "_s"])


def heatmap_svg(z: pd.DataFrame, genes: dict[str, list[str]], table: pd.DataFrame) -> str:
    """Kept glycolytic and cholesterogenic genes (rows, z-scores clipped at +-2) x patients (columns,
    grouped by subtype), with subtype and Moffitt strips on top."""
    plt = _pyplot()
    ordered = subtype_order(table)
    rows = [g for name in ("glycolytic", "cholesterogenic") for g in genes.get(name, []) if g in z.index]
    values = np.clip(z.loc[rows, ordered["patient"]].to_numpy(dtype=float), -2, 2)
    fig, (strip, ax) = plt.subplots(
        2,
        1,
        figsize=(max(6.0, 0.16 * len(ordered) + 2.5), 1.4 + 0.16 * len(rows)),
        gridspec_kw={"height_ratios": [1, max(4, len(rows) // 2)]},
        sharex=True,
    )
    from matplotlib.colors import to_rgb

    subtype_row = [to_rgb(COLOURS.get(s, COLOURS["unassigned"])) for s in ordered["subtype"]]
    moffitt_row = [
        to_rgb(MOFFITT.get(m, "#EEEEEE")) if isinstance(m, str) else to_rgb("#EEEEEE")
        for m in ordered["moffitt"]
    ]
    strip.imshow(np.array([moffitt_row, subtype_row]), aspect="auto", interpolation="nearest")
    strip.set_yticks([0, 1], ["Moffitt", "subtype"])
    image = ax.imshow(values, cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.set_xticks(range(len(ordered)), list(ordered["patient"]), rotation=90, fontsize=6)
    fig.colorbar(image, ax=[strip, ax], shrink=0.6, label="z-score (clipped at 2)")
    strip.set_title("Glycolytic and cholesterogenic genes by metabolic subtype", fontsize=10)
    return to_svg(fig)


def quadrant_svg(table: pd.DataFrame) -> str:
    """Median glycolytic z (x) vs median cholesterogenic z (y) per patient, split at 0; colour =
    subtype, marker = Moffitt call (circle basal, square classical, cross unknown)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    markers = {"basal": "o", "classical": "s"}
    for (sub, mof), part in table.groupby([table["subtype"], table["moffitt"].fillna("unknown")]):
        ax.scatter(
            part["glycolytic_median_z"],
            part["cholesterogenic_median_z"],
            c=COLOURS.get(sub, "#BBBBBB"),
            marker=markers.get(mof, "x"),
            s=34,
            edgecolors="k" if mof in markers else None,
            linewidths=0.4 if mof in markers else 1.2,
            label=f"{sub}, {mof}",
        )
    ax.axhline(0, ls="--", c="k", lw=1)
    ax.axvline(0, ls="--", c="k", lw=1)
    ax.set_xlabel("median glycolytic gene expression (z)")
    ax.set_ylabel("median cholesterogenic gene expression (z)")
    ax.legend(fontsize=6, loc="best", frameon=False)
    ax.set_title("Karasinska quadrants (split at 0)", fontsize=10)
    return to_svg(fig)


def km_svg(groups: dict[str, dict[str, Any]], p_value: float, censored: dict[str, list[float]]) -> str:
    """Kaplan-Meier step curves per subtype (months on x), censoring ticks, log-rank p in the title."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.4))
    for name, g in groups.items():
        months = np.asarray(g["times"]) / 30.44
        ax.step(
            months,
            g["survival"],
            where="post",
            c=COLOURS.get(name, "k"),
            lw=1.8,
            label=f"{name} (n={g['n']}, {g['events']} deaths)",
        )
        ticks = np.asarray(censored.get(name, [])) / 30.44
        if len(ticks):
            surv = np.asarray(g["survival"])[np.maximum(np.searchsorted(months, ticks, side="right") - 1, 0)]
            ax.plot(ticks, surv, "|", c=COLOURS.get(name, "k"), ms=8)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("months from diagnosis")
    ax.set_ylabel("overall survival")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(f"Overall survival by metabolic subtype (log-rank p = {p_value:.3g})", fontsize=10)
    return to_svg(fig)
