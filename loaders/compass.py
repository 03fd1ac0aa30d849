"""Compass outputs (reaction / uptake / secretion penalties per cell group) -> flux edges.

Files (tab-separated, ``.gz`` read transparently; ``path`` is the Compass output folder):

``reactions.tsv``
    Rows ``<Recon2 reaction>_pos`` / ``_neg`` (forward / reverse direction), one column per cell
    group, values = Compass penalties.
``uptake.tsv``, ``secretions.tsv``
    Rows ``<metabolite>[<compartment>]`` (e.g. ``lac_L[e]``), same columns.
``met_md.csv``, ``rxn_md.csv`` (Compass ``Resources/Recon2_export``; looked up in the folder, then
its parent, or option ``metadata_dir``)
    ``met, metName, hmdbID`` and ``rxn_code_nodirection, rxn_name_long, rxn_EC_number,
    genes_associated_with_rxn, rxn_formula``.

Transform. A Compass penalty is the cost of carrying flux: *lower = more active*. tmekg uses the
activity ``a = -log1p(penalty)`` (the transform of the Compass paper) and, per row, its z-score
across the file's mapped cell groups, ``z = (a - mean(a)) / sd(a)`` (population sd). A cell group whose
``z >= z_min`` (option, default 1.0) gets an edge carrying ``statistic=compass_activity_z``,
``value=z`` and ``threshold``: ``active_in`` (Reaction -> CellType; reverse-direction rows use the
reaction id with suffix ``.reverse``; characters a local id cannot hold become ``_``, the Recon2 code
stays a synonym), ``takes_up`` (uptake) and ``secretes`` (secretions) for
extracellular ``[e]`` metabolites. Rows without variation across groups, non-extracellular
metabolites, metabolites without an HMDB id, NaN / negative penalties and unmapped groups are
counted. Columns must be cell groups (map labels), not single cells.

Examples
--------
>>> records = list(load(Path("compass_out/"), StudyReport("demo"), ctx))   # doctest: +SKIP
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tmekg.errors import LoaderError
from tmekg.io import read_frame, resolve
from tmekg.loaders.study_common import (
    ACTIVE_IN,
    REACTION,
    SECRETES,
    TAKES_UP,
    StudyContext,
    StudyReport,
    celltype_nodes,
    map_label,
    metabolite_node,
    require_mapped,
)
from tmekg.model import Edge, Node, props

FILES = {"reactions": "reactions.tsv", "uptake": "uptake.tsv", "secretions": "secretions.tsv"}
STATISTIC, Z_MIN = "compass_activity_z", 1.0
_UNSAFE = re.compile(r"[^\w.\-+/]")  # characters a TMEKG local id cannot hold, e.g. DM_x(n)


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a Compass output folder."""
    tables = {kind: _find(path, name) for kind, name in FILES.items()}
    tables = {k: v for k, v in tables.items() if v is not None}
    if not tables:
        raise LoaderError(f"no Compass output ({', '.join(FILES.values())}) found", path=path)
    yield ctx.study_node()
    used: dict = {}
    out: list[Node | Edge] = []
    for kind, table in tables.items():
        frame = _read(table)
        report.rows += frame.shape[0]
        refs = [map_label(ctx, report, label, f"{table.name} column", used) for label in frame.columns]
        require_mapped(report, used, table, ctx)
        frame = frame.loc[:, [r is not None for r in refs]]
        refs = [r for r in refs if r is not None]
        z = _zscores(frame, table, report)
        handler = _reactions if kind == "reactions" else _exchange
        out.extend(handler(kind, frame, z, refs, table, report, ctx, path))
    yield from celltype_nodes(ctx, used)
    yield from out


def _find(folder: Path, name: str) -> Path | None:
    try:
        return resolve(folder / name)
    except LoaderError:
        return None


def _read(path: Path) -> Any:
    import pandas as pd

    frame = read_frame(path, "Compass table", sep="\t", index_col=0)
    if frame.shape[1] == 0:
        raise LoaderError("no cell-group columns (wrong delimiter?)", path=path, line=1)
    return frame.apply(pd.to_numeric, errors="coerce")


def _zscores(frame: Any, path: Path, report: StudyReport) -> np.ndarray:
    penalty = frame.to_numpy(dtype=float)
    bad = ~np.isfinite(penalty) | (penalty < 0)
    report.skip_many("NaN, inf or negative penalty (matrix entries)", int(bad.sum()), path.name)
    activity = -np.log1p(np.where(bad, np.nan, penalty))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: counted just below
        sd = np.nanstd(activity, axis=1)
        z = (activity - np.nanmean(activity, axis=1, keepdims=True)) / sd[:, None]
    flat = ~(sd > 1e-12)
    report.skip_many("no variation across cell groups (rows)", int(flat.sum()), path.name)
    z[flat] = np.nan
    return z


def _hits(z: np.ndarray, refs: list, z_min: float) -> Iterator[tuple[int, int]]:
    with np.errstate(invalid="ignore"):
        mask = np.nan_to_num(z, nan=-np.inf) >= z_min
    yield from zip(*np.nonzero(mask), strict=True)


def _edge_values(z: float, z_min: float) -> tuple[tuple[str, Any], ...]:
    threshold = f"z>={z_min:g} of -log1p(penalty) across cell groups"
    return props(statistic=STATISTIC, value=round(float(z), 4), threshold=threshold)


def _reactions(
    kind: str,
    frame: Any,
    z: np.ndarray,
    refs: list,
    table: Path,
    report: StudyReport,
    ctx: StudyContext,
    root: Path,
) -> Iterator[Node | Edge]:
    metadata = _rxn_metadata(root, ctx)
    z_min = float(ctx.options.get("z_min", Z_MIN))
    nodes: dict[str, Node] = {}
    edges = []
    for i, j in _hits(z, refs, z_min):
        rxn_id = _reaction_node(str(frame.index[i]), metadata, nodes, ctx)
        record = f"{table.name}:{i + 2}:{frame.columns[j]}"
        edges.append(
            Edge(
                rxn_id,
                ACTIVE_IN,
                refs[j].id,
                (ctx.provenance(record, float(z[i, j])),),
                _edge_values(z[i, j], z_min),
            )
        )
    yield from (nodes[k] for k in sorted(nodes))
    yield from edges


def _reaction_node(row: str, metadata: dict[str, dict], nodes: dict[str, Node], ctx: StudyContext) -> str:
    code, _, direction = row.rpartition("_")
    code = code if direction in ("pos", "neg") else row
    rxn_id = f"TMEKG:recon2.{_UNSAFE.sub('_', code)}" + (".reverse" if direction == "neg" else "")
    if rxn_id not in nodes:
        meta = metadata.get(code, {})
        name = str(meta.get("rxn_name_long") or code) + (" (reverse)" if direction == "neg" else "")
        values = {
            "equation": _text(meta.get("rxn_formula")).split("\n")[0] or None,
            "ec": tuple(
                e.strip() for e in _text(meta.get("rxn_EC_number")).split(";") if e.strip() not in ("", "N/A")
            ),
            "gene_rule": _text(meta.get("genes_associated_with_rxn")) or None,
        }
        nodes[rxn_id] = Node(
            rxn_id, REACTION, name, properties=props(values), provenance=(ctx.provenance(code),)
        )
    return rxn_id


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def _exchange(
    kind: str,
    frame: Any,
    z: np.ndarray,
    refs: list,
    table: Path,
    report: StudyReport,
    ctx: StudyContext,
    root: Path,
) -> Iterator[Node | Edge]:
    metadata = _met_metadata(root, ctx)
    z_min = float(ctx.options.get("z_min", Z_MIN))
    predicate = TAKES_UP if kind == "uptake" else SECRETES
    ids = [_metabolite_id(str(m), metadata, table, report, ctx) for m in frame.index]
    nodes: dict[str, Node] = {}
    edges = []
    for i, j in _hits(z, refs, z_min):
        if ids[i] is None:
            continue
        met_id, name = ids[i]
        nodes.setdefault(met_id, metabolite_node(ctx, met_id, name))
        record = f"{table.name}:{i + 2}:{frame.columns[j]}"
        edges.append(
            Edge(
                refs[j].id,
                predicate,
                met_id,
                (ctx.provenance(record, float(z[i, j])),),
                _edge_values(z[i, j], z_min),
            )
        )
    yield from (nodes[k] for k in sorted(nodes))
    yield from edges


def _metabolite_id(
    met: str, metadata: dict[str, dict], table: Path, report: StudyReport, ctx: StudyContext
) -> tuple[str, str] | None:
    if not met.endswith("[e]"):
        report.skip("not an extracellular [e] metabolite (rows)", f"{met} ({table.name})")
        return None
    meta = metadata.get(met, {})
    name = _text(meta.get("metName")) or met
    met_id = ctx.metabolite(_text(meta.get("hmdbID"))) if _text(meta.get("hmdbID")) else ctx.metabolite(name)
    if met_id is None:
        report.skip("metabolite without HMDB id in met_md.csv (rows)", f"{met} ({table.name})")
        return None
    return met_id, name


def _metadata_file(root: Path, ctx: StudyContext, name: str) -> Path:
    folders = [Path(ctx.options["metadata_dir"])] if ctx.options.get("metadata_dir") else [root, root.parent]
    for folder in folders:
        try:
            return resolve(folder / name)
        except LoaderError:
            continue
    raise LoaderError(f"Compass metadata {name} not found in {', '.join(map(str, folders))}", path=root)


def _met_metadata(root: Path, ctx: StudyContext) -> dict[str, dict]:

    frame = read_frame(_metadata_file(root, ctx, "met_md.csv"), "Compass metadata", dtype=str)
    _require(frame, ("met", "metName", "hmdbID"), "met_md.csv", root)
    return frame.drop_duplicates("met").set_index("met").to_dict("index")


def _rxn_metadata(root: Path, ctx: StudyContext) -> dict[str, dict]:

    frame = read_frame(_metadata_file(root, ctx, "rxn_md.csv"), "Compass metadata", dtype=str)
    _require(frame, ("rxn_code_nodirection", "rxn_name_long", "rxn_formula"), "rxn_md.csv", root)
    return frame.drop_duplicates("rxn_code_nodirection").set_index("rxn_code_nodirection").to_dict("index")


def _require(frame: Any, columns: tuple[str, ...], name: str, root: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LoaderError(f"{name}: missing column(s) {', '.join(missing)}", path=root, field=missing[0])
