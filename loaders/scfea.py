"""scFEA outputs (module flux and metabolite balance per cell) aggregated to cell types -> flux edges.

Files (``path`` is a folder; options ``flux``, ``balance``, ``cells``, ``modules`` pin file paths):

flux (``*flux*.csv``, required)
    ``pandas.to_csv`` of scFEA's ``setF``: first column = cell ids, header = module ids
    (``M_1`` ... ``M_171``), values = predicted module flux.
balance (``*balance*.csv``, optional)
    Same layout with compound names as header (``Glucose``, ``Lactate``, ... from ``cName_*.csv``).
cell types (``*celltype*`` / ``*cell_type*`` / ``*cells*`` ``.csv``/``.tsv``, required)
    Two columns with a header: cell id, cell-type label (cluster names mapped with the cell-type map).
module info (``*information*.csv`` / ``*module_info*.csv``, optional)
    scFEA's ``Human_M168_information.symbols.csv``: ``Module_id, Compound_IN_name, Compound_IN_ID,
    Compound_OUT_name, Compound_OUT_ID`` (KEGG ids); names the modules and finds transport modules.

Aggregation: the mean per cell type of each module's flux and each compound's balance, then a z-score
across cell types per module / compound (population sd). ``z >= z_min`` (option, default 1.0) gives:
``active_in`` (module as a Reaction ``TMEKG:scfea.M_<n>`` -> cell type, ``statistic=scfea_flux_z``);
for transport modules with a positive mean flux, ``takes_up`` (``X_in -> X``) or ``secretes``
(``X -> X_out``/``X-OUT``) of the compound; for compounds with a positive mean balance (net
accumulation, MEBOCOST's scFEA-balance notion of metabolite presence), ``secretes``
(``statistic=scfea_balance_z``; the builder merges it with a transport-module ``secretes`` edge of
the same pair, the flux statistic coming first). Cells without a
cell type, cell types absent from the map, NaN values and unmappable compounds are counted.

Examples
--------
>>> records = list(load(Path("scfea_out/"), StudyReport("demo"), ctx))   # doctest: +SKIP
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tmekg.errors import LoaderError
from tmekg.io import read_frame
from tmekg.loaders.study_common import (
    ACTIVE_IN,
    REACTION,
    SECRETES,
    TAKES_UP,
    StudyContext,
    StudyReport,
    celltype_nodes,
    delimiter_of,
    map_label,
    metabolite_node,
    require_mapped,
)
from tmekg.model import Edge, Node, props

PATTERNS = {
    "flux": ("*flux*.csv*",),
    "balance": ("*balance*.csv*",),
    "cells": ("*celltype*", "*cell_type*", "*cells*"),
    "modules": ("*information*.csv*", "*module_info*.csv*"),
}
Z_MIN = 1.0
_IN, _OUT = re.compile(r"_in$", re.I), re.compile(r"(_out|-OUT)$", re.I)


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load an scFEA output folder."""
    files = {kind: _file(path, kind, ctx) for kind in PATTERNS}
    for kind in ("flux", "cells"):
        if files[kind] is None:
            raise LoaderError(f"no scFEA {kind} file (patterns {', '.join(PATTERNS[kind])})", path=path)
    labels = _cell_types(files["cells"], report)
    modules = _modules(files["modules"])
    yield ctx.study_node()
    used: dict = {}
    flux = _aggregate(files["flux"], labels, report, ctx, used)
    balance = _aggregate(files["balance"], labels, report, ctx, used) if files["balance"] else None
    yield from celltype_nodes(ctx, used)
    yield from _flux_records(flux, modules, files["flux"].name, report, ctx)
    if balance is not None:
        yield from _balance_records(balance, modules, files["balance"].name, report, ctx)


def _file(folder: Path, kind: str, ctx: StudyContext) -> Path | None:
    if ctx.options.get(kind):
        return Path(ctx.options[kind])
    found = {p for pattern in PATTERNS[kind] for p in folder.glob(pattern)}
    folders = sorted(p for p in found if p.is_dir())
    if folders:
        raise LoaderError(f"is a directory, expected the scFEA {kind} file", path=folders[0])
    hits = sorted(p for p in found if p.is_file())
    if len(hits) > 1:
        raise LoaderError(
            f"several scFEA {kind} files {[p.name for p in hits]}; pass option {kind}=FILE", path=folder
        )
    return hits[0] if hits else None


def _cell_types(path: Path, report: StudyReport) -> dict[str, str]:

    frame = read_frame(path, "cell table", sep=delimiter_of(path), dtype=str)
    if frame.empty:
        raise LoaderError("no cells (empty or header-only cell table)", path=path, line=2)
    if frame.shape[1] < 2:
        raise LoaderError("the cell table needs two columns: cell id, cell type", path=path, line=1)
    cells, labels = frame.iloc[:, 0].str.strip(), frame.iloc[:, 1].str.strip()
    dup = int(cells.duplicated().sum())
    if dup:
        report.warn("cell listed twice in the cell table: first kept", path.name, dup)
    return dict(zip(cells[::-1], labels[::-1], strict=True))


def _modules(path: Path | None) -> dict[str, dict[str, str]]:
    if path is None:
        return {}

    frame = read_frame(path, "scFEA module table", dtype=str, index_col=0)
    needed = ("Compound_IN_name", "Compound_IN_ID", "Compound_OUT_name", "Compound_OUT_ID")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise LoaderError(f"missing column(s) {', '.join(missing)}", path=path, line=1, field=missing[0])
    return frame.fillna("").to_dict("index")


def _aggregate(path: Path, labels: dict[str, str], report: StudyReport, ctx: StudyContext, used: dict) -> Any:
    """Mean per mapped cell type (rows) of each column, as a DataFrame indexed by cell-type id."""
    import pandas as pd

    frame = read_frame(path, "scFEA table", index_col=0).apply(pd.to_numeric, errors="coerce")
    report.rows += frame.shape[0]
    cell_label = np.array([labels.get(str(c).strip()) for c in frame.index], dtype=object)
    known = np.array([label is not None for label in cell_label], dtype=bool)
    report.skip_many(
        f"cell without a cell type in the cell table ({path.name})", int((~known).sum()), path.name
    )
    report.skip_many(
        f"NaN value (matrix entries, {path.name})", int(frame.isna().to_numpy().sum()), path.name
    )
    groups = frame[known].groupby(cell_label[known]).mean()
    ids = [map_label(ctx, report, label, f"{path.name} cell type", used) for label in groups.index]
    require_mapped(report, used, path, ctx)
    keep = [i for i, ref in enumerate(ids) if ref is not None]
    out = groups.iloc[keep]
    out.index = [ids[i].id for i in keep]
    return out.groupby(level=0).mean()


def _zscore(frame: Any, name: str, report: StudyReport) -> np.ndarray:
    values = frame.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: counted just below
        sd = np.nanstd(values, axis=0)
        z = (values - np.nanmean(values, axis=0)) / sd
    flat = ~(sd > 1e-12)
    report.skip_many(f"no variation across cell types (columns, {name})", int(flat.sum()), name)
    z[:, flat] = np.nan
    return z


def _values(statistic: str, z: float, z_min: float) -> tuple[tuple[str, Any], ...]:
    threshold = f"z>={z_min:g} of the cell-type mean across cell types"
    return props(statistic=statistic, value=round(float(z), 4), threshold=threshold)


def _flux_records(
    flux: Any, modules: dict, name: str, report: StudyReport, ctx: StudyContext
) -> Iterator[Node | Edge]:
    z_min = float(ctx.options.get("z_min", Z_MIN))
    z = _zscore(flux, name, report)
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    for i, j in zip(*np.nonzero(np.nan_to_num(z, nan=-np.inf) >= z_min), strict=True):
        module, celltype = str(flux.columns[j]), flux.index[i]
        rxn = _module_node(module, modules.get(module, {}), nodes, ctx)
        prov = (ctx.provenance(f"{name}:{module}:{celltype}", float(z[i, j])),)
        edges.append(Edge(rxn, ACTIVE_IN, celltype, prov, _values("scfea_flux_z", z[i, j], z_min)))
        transport = _transport(modules.get(module, {}), ctx)
        if transport and flux.iloc[i, j] > 0:
            predicate, met_id, met_name = transport
            nodes.setdefault(met_id, metabolite_node(ctx, met_id, met_name))
            edges.append(Edge(celltype, predicate, met_id, prov, _values("scfea_flux_z", z[i, j], z_min)))
    yield from (nodes[k] for k in sorted(nodes))
    yield from edges


def _module_node(module: str, info: dict[str, str], nodes: dict[str, Node], ctx: StudyContext) -> str:
    rxn_id = f"TMEKG:scfea.{module}"
    if rxn_id not in nodes:
        equation = (
            f"{info.get('Compound_IN_name', '?')} -> {info.get('Compound_OUT_name', '?')}" if info else None
        )
        name = f"scFEA module {module}" + (f": {equation}" if equation else "")
        values = props(equation=equation)
        nodes[rxn_id] = Node(rxn_id, REACTION, name, properties=values, provenance=(ctx.provenance(module),))
    return rxn_id


def _transport(info: dict[str, str], ctx: StudyContext) -> tuple[str, str, str] | None:
    if not info:
        return None
    if _IN.search(info["Compound_IN_name"].strip()):
        predicate, name, kegg = TAKES_UP, info["Compound_OUT_name"], info["Compound_OUT_ID"]
    elif _OUT.search(info["Compound_OUT_name"].strip()):
        predicate, name, kegg = SECRETES, info["Compound_IN_name"], info["Compound_IN_ID"]
    else:
        return None
    met_id = ctx.metabolite(kegg.strip()) if kegg.strip() != "C00000" else None
    return (predicate, met_id, name.strip()) if met_id else None


def _balance_records(
    balance: Any, modules: dict, name: str, report: StudyReport, ctx: StudyContext
) -> Iterator[Node | Edge]:
    z_min = float(ctx.options.get("z_min", Z_MIN))
    kegg = _compound_ids(modules)
    z = _zscore(balance, name, report)
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    for j, compound in enumerate(balance.columns):
        met_id = ctx.metabolite(kegg.get(str(compound).strip().lower(), "")) or ctx.metabolite(str(compound))
        if met_id is None:
            report.skip("balance compound without a KEGG id or graph name (columns)", f"{compound} ({name})")
            continue
        for i in np.flatnonzero(np.nan_to_num(z[:, j], nan=-np.inf) >= z_min):
            if balance.iloc[i, j] <= 0:
                continue
            nodes.setdefault(met_id, metabolite_node(ctx, met_id, str(compound)))
            prov = (ctx.provenance(f"{name}:{compound}:{balance.index[i]}", float(z[i, j])),)
            edges.append(
                Edge(balance.index[i], SECRETES, met_id, prov, _values("scfea_balance_z", z[i, j], z_min))
            )
    yield from (nodes[k] for k in sorted(nodes))
    yield from edges


def _compound_ids(modules: dict[str, dict[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for info in modules.values():
        for side in ("IN", "OUT"):
            names, ids = info[f"Compound_{side}_name"].split("+"), info[f"Compound_{side}_ID"].split("+")
            if len(names) == len(ids):
                for n, k in zip(names, ids, strict=True):
                    out.setdefault(n.strip().lower(), k.strip())
    return out
