"""Tumour-cell expression from a user's own bulk RNA-seq cohort, by purity regression (study format
``bulk-purity``).

The model is the one the ``tcga-paad`` source uses (:mod:`tmekg.loaders.tcga_purity`,
docs/tcga-purity.md): each sample is a mixture of malignant cells (fraction = the sample's purity,
measured from DNA: ABSOLUTE, ESTIMATE, pathology) and other compartments; per gene,
``CPM = sum_k f_k x_k`` is fitted over the samples and the malignant profile ``x_malignant`` is
emitted as ``expressed_in`` edges (fitted CPM >= ``min_cpm`` and a one-sided 95 % lower bound above 0).

Input: a genes x samples **raw count** table (the file given to ``tmekg study load``; CSV or TSV,
``.gz`` allowed; gene symbols or Ensembl ids in the first column or in ``gene_column``) and a sample
table with one row per sample (``-o samples=FILE``, relative to the counts file's folder).

Options (``-o key=value``):

=============== ==========================================================================
``samples``      sample table (required)
``purity``       column of the malignant fraction in [0, 1] (required)
``fractions``    other measured compartments, ``name:column,name:column`` (e.g.
                 ``leukocyte:LF``); the rest (1 - all fractions) is always a compartment
``id_column``    sample-id column of the sample table (default ``sample``); its values are the
                 count table's column names
``gene_column``  gene column of the count table (default: its first column)
``cell_type``    CURIE of the malignant cell type (default ``CL:0001064``, malignant cell; use the
                 id your marker study maps its tumour cluster to, so the two combine)
``cell_name``    its name (default ``malignant cell``)
``min_samples``, ``min_cpm``, ``z``  as in ``loaders/tcga_purity.yaml``
=============== ==========================================================================

>>> _pairs("leukocyte:LF, stroma:SF")
{'leukocyte': 'LF', 'stroma': 'SF'}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError
from tmekg.ids import is_valid
from tmekg.io import resolve
from tmekg.loaders import tcga_purity as tp
from tmekg.loaders.study_common import StudyContext, StudyReport, expressed, gene_node, header_of
from tmekg.model import Edge, Node

MALIGNANT = "malignant"
DEFAULT_CELL = "CL:0001064"
_KNOWN = {
    "samples",
    "purity",
    "fractions",
    "id_column",
    "gene_column",
    "cell_type",
    "cell_name",
    "min_samples",
    "min_cpm",
    "z",
}


def load(path: Path, report: StudyReport, ctx: StudyContext) -> Iterator[Node | Edge]:
    """Load a bulk count table and its sample fractions; yield the malignant-cell expression."""
    path = resolve(path)
    cfg = settings(path, ctx.options)
    samples = resolve(_sample_path(path, ctx.options))
    table, fit, se = tp.emitted_fit(samples, path, cfg, report)
    yield ctx.study_node()
    yield tp.cell_node(cfg, ctx.provenance(samples.name))
    for gene_id, (symbol, i) in tp.detected(table, fit, se, cfg, report, ctx.gene).items():
        yield gene_node(ctx, gene_id, symbol)
        value = round(float(fit[i]), 4)
        record = f"{path.name}:{table.lines[i]}"
        weight = tp.detection_weight(value, cfg.saturation)
        yield expressed(
            ctx,
            gene_id,
            cfg.cell_id,
            record,
            weight,
            statistic=cfg.statistic,
            value=value,
            threshold=cfg.threshold,
        )


def settings(path: Path, options: dict[str, Any]) -> tp.Settings:
    """The purity-regression settings for this study: ``tcga_purity.yaml``'s, with the options.

    Raises
    ------
    LoaderError
        For an unknown option, a missing ``samples`` / ``purity`` option, a malformed value, or fewer
        ``min_samples`` than the fit needs (more samples than compartments).
    """
    _check_options(path, options)
    fractions = {MALIGNANT: str(options["purity"]).strip(), **_pairs(str(options.get("fractions", "")), path)}
    if tp.REST in fractions:
        raise LoaderError(f"'{tp.REST}' is implicit (1 - the other fractions)", path=path, field="fractions")
    base = tp.settings()
    try:
        cfg = dataclasses.replace(
            base,
            counts_file=path.name,
            gene_column=str(options.get("gene_column") or header_of(path)[0]),
            samples_file=str(options["samples"]),
            id_column=str(options.get("id_column", "sample")),
            fractions=fractions,
            emit=MALIGNANT,
            cell_id=_cell_type(path, options),
            cell_name=str(options.get("cell_name", "malignant cell")),
            min_samples=int(options.get("min_samples", base.min_samples)),
            min_cpm=float(options.get("min_cpm", base.min_cpm)),
            z=float(options.get("z", base.z)),
            evidence=(),
        )
    except ValueError as exc:
        raise LoaderError(f"bad option value ({exc})", path=path) from None
    if cfg.min_samples <= len(cfg.compartments):
        raise LoaderError(
            f"min_samples {cfg.min_samples} must exceed the {len(cfg.compartments)} compartments",
            path=path,
            field="min_samples",
        )
    return cfg


def _check_options(path: Path, options: dict[str, Any]) -> None:
    """Unknown options and missing required ones are errors naming the option."""
    unknown = sorted(set(options) - _KNOWN)
    if unknown:
        raise LoaderError(
            f"unknown option(s) {', '.join(unknown)} (use: {', '.join(sorted(_KNOWN))})", path=path
        )
    for key in ("samples", "purity"):
        if not str(options.get(key, "")).strip():
            raise LoaderError(f"option '{key}' is required (-o {key}=...)", path=path, field=key)


def _cell_type(path: Path, options: dict[str, Any]) -> str:
    cell = str(options.get("cell_type", DEFAULT_CELL)).strip()
    if not is_valid(cell, "CellType"):
        raise LoaderError(
            f"'{cell}' is not a cell-type CURIE (e.g. CL:0001064)", path=path, field="cell_type"
        )
    return cell


def _pairs(text: str, path: Path | None = None) -> dict[str, str]:
    """``name:column,name:column`` -> {name: column}."""
    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, sep, column = item.partition(":")
        if not sep or not name.strip() or not column.strip():
            raise LoaderError(f"fraction '{item}' is not name:column", path=path, field="fractions")
        if name.strip() in out or name.strip() == MALIGNANT:
            raise LoaderError(f"compartment '{name.strip()}' given twice", path=path, field="fractions")
        out[name.strip()] = column.strip()
    return out


def _sample_path(path: Path, options: dict[str, Any]) -> Path:
    given = Path(str(options["samples"])).expanduser()
    return given if given.is_absolute() else path.parent / given
