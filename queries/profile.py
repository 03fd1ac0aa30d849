"""Sample profiles: read an expression table, detect its scale, score signatures, assign subtypes.

The rules (scale detection, singscore, the Karasinska et al. 2020 subtype split with its co-expression
refinement, :mod:`tmekg.queries.coexpression`) are documented in ``docs/profiles.md``; the gene sets are
data in ``queries/signatures.yaml``.

Examples
--------
>>> from tmekg.queries.profile import profile
>>> result = profile("cohort.tsv", kg=tmekg.open())        # doctest: +SKIP
>>> result.table[["sample", "subtype", "glycolysis"]]      # doctest: +SKIP
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.errors import LoaderError, TmekgError
from tmekg.io import packaged_yaml
from tmekg.queries.coexpression import SignatureCore, refine_signatures

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.genes import GeneAuthority
    from tmekg.graph import KnowledgeGraph

SCALES = ("auto", "counts", "tpm", "log")
LOG_MAX = 25.0  # a table whose largest value is below this is taken to be log-scaled
VALUE_MAX = 1e12  # no count, TPM, FPKM or abundance comes near this: a larger value is a corrupt cell
ENSEMBL = re.compile(r"^(ENS[A-Z]*G\d+)(\.\d+)?$", re.IGNORECASE)


class ProfileError(TmekgError):
    """An expression or metabolite table that cannot be profiled (names the file and the problem)."""


@functools.cache
def load_signatures() -> dict[str, Any]:
    """The shipped ``queries/signatures.yaml``."""
    return packaged_yaml("tmekg.queries", "signatures.yaml")


@dataclass
class Expression:
    """A genes x samples table on log2 scale, with how its row names were mapped.

    ``unmapped`` rows name no known gene (Ensembl ids among them are dropped, symbols kept as they are);
    ``ambiguous`` rows are aliases of several genes (kept under their own name, never linked to a gene);
    ``collapsed`` maps a gene to the rows dropped because another row of the table names the same gene.
    ``mapping`` says what mapped the names: the NCBI gene authority or the graph's Gene nodes.
    """

    path: Path
    log: pd.DataFrame  # index: gene symbols, columns: samples
    scale: str
    node_ids: dict[str, str] = field(default_factory=dict)  # symbol -> Gene node id
    unmapped: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # row -> candidate approved symbols
    collapsed: dict[str, list[str]] = field(default_factory=dict)  # approved symbol -> dropped rows
    mapping: str = "graph"
    raw: pd.DataFrame | None = None  # the mapped table before the log transformation (tmekg cohort)


@dataclass
class _RowMap:
    """Per row of an expression table: the symbol it becomes (``None``: dropped) and what was found."""

    symbols: list[str | None] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)  # the row names its gene by symbol or GeneID
    node_ids: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Profile:
    """Per-sample signature scores and subtypes, plus what was missing.

    ``subtype_genes`` holds the genes each subtype signature kept for this cohort (its co-expressed
    core, or the full candidate list without refinement) and the note saying which.
    """

    table: pd.DataFrame
    expression: Expression
    missing: dict[str, list[str]]
    metabolites: pd.DataFrame | None = None
    unmapped_metabolites: list[str] = field(default_factory=list)
    subtype_genes: SignatureCore | None = None


# -- reading -------------------------------------------------------------------------------------------
def _read_table(path: Path) -> pd.DataFrame:
    """A numeric table with the first column as index; errors name the file."""
    import pandas as pd

    from tmekg.io import read_frame

    if not path.exists():
        raise ProfileError(f"{path}: no such file")
    sep = "," if ".csv" in path.suffixes else "\t"
    try:
        frame = read_frame(path, f"{'CSV' if sep == ',' else 'TSV'} table", sep=sep, index_col=0)
    except LoaderError as exc:
        raise ProfileError(str(exc)) from None
    if frame.empty or frame.shape[1] == 0:
        raise ProfileError(f"{path}: no data (expected features as rows and samples as columns)")
    frame.index = frame.index.astype(str).str.strip()
    frame.columns = frame.columns.astype(str).str.strip()
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ProfileError(f"{path}: non-numeric values in column(s) {', '.join(bad[:5])}")
    return frame.astype(float)


def _looks_like_gene(name: str, known: set[str]) -> bool:
    return bool(ENSEMBL.match(name)) or name.upper() in known


def _check_values(path: Path, frame: pd.DataFrame, what: str, known: set[str]) -> None:
    """Raise on tables that are not expression: wrong orientation, NaN, negatives, zeros, duplicates."""
    cols = sum(_looks_like_gene(c, known) for c in frame.columns)
    rows = sum(_looks_like_gene(r, known) for r in frame.index)
    if cols >= 3 and cols > rows:
        raise ProfileError(
            f"{path}: {cols} column names but only {rows} row names look like {what} identifiers: the "
            f"table seems to have samples as rows; expected {what}s as rows, samples as columns (transpose)"
        )
    if frame.isna().any().any():
        raise ProfileError(f"{path}: {int(frame.isna().sum().sum())} missing value(s); fill or drop them")
    _check_range(path, frame)
    if (frame.to_numpy() < 0).any():
        first = frame.index[(frame < 0).any(axis=1)][0]
        raise ProfileError(
            f"{path}: negative values (first in row '{first}'); expected non-negative counts, TPM or "
            "log(x+1) values (centred log ratios are not supported)"
        )
    if not frame.to_numpy().any():
        raise ProfileError(f"{path}: every value is zero")
    empty = [c for c in frame.columns if not frame[c].any()]
    if empty:
        raise ProfileError(f"{path}: sample(s) with only zeros: {', '.join(empty[:5])}")


def _check_range(path: Path, frame: pd.DataFrame) -> None:
    """Raise at the first non-finite value or one above :data:`VALUE_MAX` (row, column and value named):
    one such cell would otherwise decide the scale of the whole table."""
    values = frame.to_numpy()
    bad = ~np.isfinite(values) | (np.abs(np.nan_to_num(values)) > VALUE_MAX)
    if bad.any():
        i, j = (int(k[0]) for k in np.nonzero(bad))
        raise ProfileError(
            f"{path}:{i + 2}: row '{frame.index[i]}', column '{frame.columns[j]}': value {values[i, j]:g} is "
            f"{'not finite' if not np.isfinite(values[i, j]) else f'above {VALUE_MAX:g}'} "
            f"({int(bad.sum())} such value(s)); fix or drop them"
        )


def detect_scale(values: np.ndarray) -> str:
    """``log`` if the maximum is below 25, else ``counts`` if all values are integers, else ``tpm`` when
    every sample sums to 1e6 (within 10%) and ``fpkm`` otherwise (both then get log2(x + 1)).

    Examples
    --------
    >>> detect_scale(np.array([[0.0, 5.5], [12.1, 3.0]]))
    'log'
    >>> detect_scale(np.array([[0.0, 50.0], [1200.0, 3.0]]))
    'counts'
    """
    if not np.isfinite(values).all():
        raise ProfileError("scale detection needs finite values (see _check_range)")
    if values.max() < LOG_MAX:
        return "log"
    if np.allclose(values, np.round(values)):
        return "counts"
    sums = values.sum(axis=0)
    return "tpm" if np.all(np.abs(sums - 1e6) <= 1e5) else "fpkm"


def to_log2(frame: pd.DataFrame, scale: str) -> pd.DataFrame:
    """log2(CPM + 1) for counts, log2(x + 1) for TPM / FPKM, unchanged for log values."""
    if scale == "counts":
        return np.log2(frame / frame.sum(axis=0) * 1e6 + 1.0)
    if scale in ("tpm", "fpkm"):
        return np.log2(frame + 1.0)
    return frame


def _gene_lookup(kg: KnowledgeGraph | None) -> dict[str, tuple[str, str]]:
    """Upper-cased id / xref / accession / name, then synonym -> (Gene node id, symbol); a synonym never
    overrides another gene's id or name."""
    out: dict[str, tuple[str, str]] = {}
    genes = [n for n in (kg.nodes if kg is not None else ()) if n.category == "Gene"]
    for node in genes:
        keys = [node.id, node.name, *node.xrefs, *(x.split(":", 1)[1] for x in node.xrefs if ":" in x)]
        for key in keys:
            out.setdefault(key.upper(), (node.id, node.name))
    for node in genes:
        for key in node.synonyms:
            out.setdefault(key.upper(), (node.id, node.name))
    return out


def _map_by_graph(names: list[str], kg: KnowledgeGraph | None) -> _RowMap:
    """Row names -> symbols through the graph's Gene nodes; Ensembl ids it does not know are dropped."""
    lookup, rows = _gene_lookup(kg), _RowMap()
    for name in names:
        match = ENSEMBL.match(name)
        key = match.group(1).upper() if match else name.upper()
        hit = lookup.get(key) or lookup.get(f"ENSEMBL:{key}")
        if hit:
            rows.node_ids[hit[1]] = hit[0]
        elif match:
            rows.unmapped.append(name)
        rows.symbols.append(hit[1] if hit else (None if match else name))
        rows.exact.append(bool(hit) and name.upper() == hit[1].upper())
    return rows


def _map_by_authority(names: list[str], kg: KnowledgeGraph | None, authority: GeneAuthority) -> _RowMap:
    """Row names -> approved symbols: approved symbol, Ensembl gene (version dropped), GeneID, then an
    alias of exactly one gene. Unknown Ensembl ids are dropped; unknown and ambiguous symbols stay."""
    in_graph = {n.id for n in (kg.nodes if kg is not None else ()) if n.category == "Gene"}
    rows = _RowMap()
    for name in names:
        match = authority.match_name(name)
        gene_id = match.unique
        if gene_id is None:
            rows.symbols.append(None if ENSEMBL.match(name) else name)
            rows.exact.append(False)
            if match.ambiguous:
                rows.ambiguous[name] = [authority.genes[g].symbol for g in match.genes]
            else:
                rows.unmapped.append(name)
            continue
        symbol = authority.genes[gene_id].symbol
        rows.symbols.append(symbol)
        rows.exact.append(match.how in ("symbol", "ncbigene"))
        if authority.node_id(gene_id) in in_graph:
            rows.node_ids[symbol] = authority.node_id(gene_id)
    return rows


def _collapse(frame: pd.DataFrame, rows: _RowMap) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """One row per symbol: the row naming the gene by its approved symbol (or GeneID) wins, else the row
    with the largest total; returns the table and, per symbol, the rows dropped."""
    order = frame.sum(axis=1).to_numpy()
    best: dict[str, int] = {}
    for i, symbol in enumerate(rows.symbols):
        if symbol is None:
            continue
        j = best.get(symbol)
        if j is None or (rows.exact[i], order[i]) > (rows.exact[j], order[j]):
            best[symbol] = i
    keep = sorted(best.values())
    collapsed: dict[str, list[str]] = {}
    for i, symbol in enumerate(rows.symbols):
        if symbol is not None and best[symbol] != i:
            collapsed.setdefault(symbol, []).append(str(frame.index[i]))
    out = frame.iloc[keep].copy()
    out.index = [rows.symbols[i] for i in keep]
    return out, collapsed


def _known_genes(kg: KnowledgeGraph | None) -> set[str]:
    sigs = load_signatures()
    known = {g.upper() for axis in sigs["axes"].values() for g in axis["genes"]}
    known |= {g.upper() for genes in sigs["subtypes"]["signatures"].values() for g in genes}
    return known | {n.name.upper() for n in (kg.nodes if kg is not None else ()) if n.category == "Gene"}


def read_expression(
    path: str | Path,
    kg: KnowledgeGraph | None = None,
    scale: str = "auto",
    authority: GeneAuthority | None = None,
) -> Expression:
    """Read a genes x samples table (TSV/CSV, symbols or Ensembl ids), check it and put it on log2 scale.

    Row names are mapped through the NCBI gene authority (``authority``, else the one stored with the
    graph; see :func:`gene_authority`), or else through the graph's Gene nodes. Rows that end on one
    gene are collapsed (:func:`_collapse`) and reported, never an error.

    Examples
    --------
    >>> expr = read_expression("cohort.tsv", kg)             # doctest: +SKIP
    >>> expr.scale, expr.log.shape                           # doctest: +SKIP
    ('counts', (20000, 12))
    """
    path = Path(path)
    if scale not in SCALES:
        raise ProfileError(f"unknown scale '{scale}' (use one of: {', '.join(SCALES)})")
    frame = _read_table(path)
    dups = sorted(set(frame.index[frame.index.duplicated()]))
    if dups:
        raise ProfileError(f"{path}: duplicated row name(s): {', '.join(dups[:5])}")
    _check_values(path, frame, "gene", _known_genes(kg))
    authority = authority or gene_authority(kg)
    names = [str(n) for n in frame.index]
    rows = _map_by_authority(names, kg, authority) if authority else _map_by_graph(names, kg)
    mapped, collapsed = _collapse(frame, rows)
    chosen = detect_scale(frame.to_numpy()) if scale == "auto" else scale
    if chosen == "log" and frame.to_numpy().max() >= LOG_MAX * 2:
        raise ProfileError(f"{path}: --scale log but values reach {frame.to_numpy().max():.3g}")
    how = "NCBI gene authority" if authority else "graph"
    log = to_log2(mapped, chosen)
    return Expression(
        path, log, chosen, rows.node_ids, rows.unmapped, rows.ambiguous, collapsed, how, raw=mapped
    )


def gene_authority(kg: KnowledgeGraph | None, data: str | Path | None = None) -> GeneAuthority | None:
    """The gene authority stored with the graph, else (when ``data`` is given) the one in the data
    directory's ``ncbi-gene`` folder, else ``None``."""
    from tmekg.genes import AUTHORITY, load_authority, stored_authority
    from tmekg.loaders import get_source

    found = stored_authority(kg.path) if kg is not None and hasattr(kg, "path") else None
    if found is None and data is not None:
        folder = Path(data) / str(get_source(AUTHORITY).folder)
        if not get_source(AUTHORITY).missing(folder):
            found = load_authority(folder)
    return found


def read_metabolites(path: str | Path, kg: KnowledgeGraph) -> tuple[pd.DataFrame, list[str]]:
    """Metabolites x samples abundances mapped to Metabolite nodes (log2 scale), and the unmapped rows."""
    path = Path(path)
    frame = _read_table(path)
    lookup = metabolite_lookup(kg)
    _check_values(path, frame, "metabolite", set(lookup))
    ids = [lookup.get(name.strip().upper()) for name in frame.index]
    unmapped = [name for name, i in zip(frame.index, ids, strict=True) if i is None]
    keep = [i is not None for i in ids]
    out = frame[keep].groupby([i for i in ids if i is not None]).sum()
    return (np.log2(out + 1.0) if out.to_numpy().max() >= LOG_MAX else out), unmapped


def metabolite_lookup(kg: KnowledgeGraph) -> dict[str, str]:
    """Upper-cased id / xref / name / synonym -> Metabolite node id (ids and names win over synonyms)."""
    out: dict[str, str] = {}
    metabolites = [n for n in kg.nodes if n.category == "Metabolite"]
    for keys in (lambda n: (n.id, *n.xrefs, n.name), lambda n: n.synonyms):
        for node in metabolites:
            for key in keys(node):
                out.setdefault(key.upper(), node.id)
    return out


# -- scoring -------------------------------------------------------------------------------------------
def gene_ranks(log: pd.DataFrame) -> np.ndarray:
    """Ranks of the genes within each sample (1 = lowest, ties averaged): genes x samples."""
    from scipy.stats import rankdata

    return rankdata(log.to_numpy(), axis=0, method="average")


def singscore(log: pd.DataFrame, genes: list[str], ranks: np.ndarray | None = None) -> np.ndarray:
    """Foroutan et al. (2018) singscore of one up-set, per sample, centred to [-0.5, 0.5].

    Genes are ranked within each sample (ties averaged); the mean rank of the set's measured genes
    is scaled between its smallest and largest possible values and 0.5 subtracted. Pass ``ranks``
    (:func:`gene_ranks`) to score many sets without re-ranking.
    """
    present = log.index.isin(genes)
    n, total = int(present.sum()), len(log.index)
    if n == 0:
        return np.full(log.shape[1], np.nan)
    ranks = gene_ranks(log) if ranks is None else ranks
    mean = ranks[present].mean(axis=0)
    low, high = (n + 1) / 2, (2 * total - n + 1) / 2
    return (mean - low) / (high - low) - 0.5 if high > low else np.zeros(log.shape[1])


def _coverage(log: pd.DataFrame, genes: list[str]) -> tuple[list[str], float]:
    missing = [g for g in genes if g not in log.index]
    return missing, 1 - len(missing) / len(genes)


def axis_scores(
    log: pd.DataFrame, ranks: np.ndarray | None = None
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """singscore of every axis in ``signatures.yaml`` (samples x axes) and the missing genes per axis."""
    import pandas as pd

    sigs = load_signatures()
    floor = float(sigs["scoring"]["min_coverage"])
    scores, missing = {}, {}
    ranks = gene_ranks(log) if ranks is None else ranks
    for axis, spec in sigs["axes"].items():
        miss, cov = _coverage(log, spec["genes"])
        missing[axis] = miss
        scores[axis] = singscore(log, spec["genes"], ranks) if cov >= floor else np.full(log.shape[1], np.nan)
    return pd.DataFrame(scores, index=log.columns), missing


def subtype_genes(log: pd.DataFrame) -> SignatureCore:
    """The genes each subtype signature keeps for this cohort (co-expression refinement, see
    :func:`tmekg.queries.coexpression.refine_signatures`; full candidate lists below
    ``subtypes.refinement.min_samples`` samples).

    Examples
    --------
    >>> subtype_genes(expr.log).kept["glycolytic"]          # doctest: +SKIP
    ['ALDOA', 'ENO1', 'GAPDH', 'PGK1', 'PKM', 'TPI1']
    """
    spec = load_signatures()["subtypes"]
    return refine_signatures(log, spec["signatures"], spec["refinement"])


def assign_subtypes(log: pd.DataFrame, genes: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Karasinska et al. (2020) metabolic subtypes from median cohort z-scores of the two signatures.

    ``genes`` are the genes used per signature (default: :func:`subtype_genes`). Columns:
    ``glycolytic_median_z``, ``cholesterogenic_median_z``, ``subtype`` (``unassigned`` with fewer than
    ``min_samples`` samples or fewer than ``min_coverage`` of a signature's candidate genes measured).
    """
    import pandas as pd

    spec = load_signatures()["subtypes"]
    floor = float(load_signatures()["scoring"]["min_coverage"])
    genes = subtype_genes(log).kept if genes is None else genes
    z = log.sub(log.mean(axis=1), axis=0).div(log.std(axis=1, ddof=1).replace(0, np.nan), axis=0)
    out = pd.DataFrame(index=log.columns)
    ok = log.shape[1] >= int(spec["min_samples"])
    for name, candidates in spec["signatures"].items():
        _, cov = _coverage(log, candidates)
        rows = z.loc[z.index.isin(genes[name])].fillna(0.0)
        out[f"{name}_median_z"] = rows.median(axis=0) if ok and cov >= floor else np.nan
    glyc, chol = out["glycolytic_median_z"], out["cholesterogenic_median_z"]
    labels = np.select(
        [glyc.isna() | chol.isna(), (glyc > 0) & (chol > 0), glyc > 0, chol > 0],
        ["unassigned", "mixed", "glycolytic", "cholesterogenic"],
        "quiescent",
    )
    out["subtype"] = labels
    return out


def _subtype_columns(
    log: pd.DataFrame, ranks: np.ndarray, missing: dict[str, list[str]]
) -> tuple[pd.DataFrame, SignatureCore]:
    """Subtype calls plus the singscores of the kept subtype genes; adds missing candidates to ``missing``."""
    core = subtype_genes(log)
    subtypes = assign_subtypes(log, core.kept)
    for name, genes in load_signatures()["subtypes"]["signatures"].items():
        missing[f"subtype:{name}"] = _coverage(log, genes)[0]
        subtypes[f"{name}_singscore"] = singscore(log, core.kept[name], ranks)
    return subtypes, core


def profile(
    expr_file: str | Path,
    kg: KnowledgeGraph | None = None,
    sample: str | None = None,
    metabolites: str | Path | None = None,
    scale: str = "auto",
    authority: GeneAuthority | None = None,
) -> Profile:
    """Subtype and pathway activity scores of every sample (or one) of an expression table.

    ``authority`` maps gene names (default: the one stored with ``kg``, see :func:`read_expression`).

    Examples
    --------
    >>> result = profile("cohort.tsv", kg, sample="S2")      # doctest: +SKIP
    >>> result.table.loc[0, "subtype"]                       # doctest: +SKIP
    'glycolytic'
    """
    expr = read_expression(expr_file, kg, scale, authority)
    if sample is not None and sample not in expr.log.columns:
        raise ProfileError(f"{expr.path}: no sample '{sample}' (samples: {', '.join(expr.log.columns[:8])})")
    ranks = gene_ranks(expr.log)
    scores, missing = axis_scores(expr.log, ranks)
    subtypes, core = _subtype_columns(expr.log, ranks, missing)
    table = subtypes.join(scores)
    table.insert(0, "subtype", table.pop("subtype"))
    table.insert(0, "sample", table.index)
    metab, lost = None, []
    if metabolites is not None:
        if kg is None:
            raise ProfileError("--metabolites needs a graph (a store) to map metabolite names and ids")
        metab, lost = read_metabolites(metabolites, kg)
    if sample is not None:
        table = table.loc[[sample]]
        metab = metab[[sample]] if metab is not None and sample in metab.columns else metab
    return Profile(table.reset_index(drop=True), expr, missing, metab, lost, core)


def plot_profile(result: Profile, out: str | Path, max_samples: int = 60) -> Path:
    """A heatmap of axis scores (samples x axes, subtype in the row labels) as PNG or SVG.

    Examples
    --------
    >>> plot_profile(profile("cohort.tsv", kg), "profile.png")   # doctest: +SKIP
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    if out.suffix.lower() not in (".png", ".svg"):
        raise ProfileError(f"{out}: the figure must be .png or .svg")
    axes = list(load_signatures()["axes"])
    table = result.table.head(max_samples)
    values = table[axes].to_numpy(dtype=float)
    labels = [f"{s}  ({t})" for s, t in zip(table["sample"], table["subtype"], strict=True)]
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(axes), max(3.2, 1.6 + 0.38 * len(table))))
    limit = max(0.1, float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.1)
    image = ax.imshow(np.ma.masked_invalid(values), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(axes)), [a.replace("_", " ") for a in axes], rotation=40, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    if len(table) <= 25:
        for (i, j), v in np.ndenumerate(values):
            text = "n/a" if np.isnan(v) else f"{v:+.2f}"
            ax.text(
                j, i, text, ha="center", va="center", fontsize=8, color="w" if abs(v) > 0.6 * limit else "k"
            )
    fig.colorbar(image, ax=ax, shrink=0.8, label="singscore (centred)")
    ax.set_title(f"Metabolic pathway activity: {result.expression.path.name}", fontsize=10)
    fig.tight_layout()
    from tmekg.atomic import atomic_open

    try:
        with atomic_open(out, "wb") as handle:  # temporary file + rename: never a half-written figure
            fig.savefig(handle, dpi=150, format=Path(out).suffix.lstrip(".") or "png")
    finally:
        plt.close(fig)
    return out
