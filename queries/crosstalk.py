"""Cell-cell metabolic crosstalk inferred from the graph (never from raw files), MEBOCOST-style.

Evidence read from a :class:`~tmekg.graph.KnowledgeGraph` (see ``docs/crosstalk.md``):

* expression: gene -> cell type edges (``expressed_in``) whose provenance names a study; the
  provenance score is the expression weight in [0, 1] the study loaders store;
* resources: gene -> metabolite edges with a fixed sign (``produces`` +1, ``degrades`` -1) or a
  direction (``transports``), and metabolite -> gene sensing edges (``binds``/``activates``/
  ``inhibits``). Predicates are found by their endpoints and signs in the schema.

Two modes per (sender, metabolite, receiver): **supply** (sender makes/exports minus degrades,
receiver senses or imports) and **depletion** (sender degrades/imports minus makes, receiver
imports: competition). Each row has a score, the genes behind it on both sides, the evidence rows
and a permutation p-value (:mod:`tmekg.queries.crosstalk_score`). Inferred rows become ``crosstalk``
edges with ``inferred=true`` and source ``tmekg-crosstalk``, apart from curated facts.

Examples
--------
>>> import tmekg
>>> kg = tmekg.open()                                               # doctest: +SKIP
>>> rows = infer_crosstalk(kg, CrosstalkParams(permutations=200))   # doctest: +SKIP
>>> rows[0].sender_name, rows[0].metabolite_name, rows[0].receiver_name   # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tmekg.errors import TmekgError
from tmekg.model import Edge, Provenance, props
from tmekg.queries import crosstalk_score as cs
from tmekg.queries.crosstalk_evidence import Evidence, collect, crosstalk_predicate, resource_roles, symbol

SOURCE = "tmekg-crosstalk"
METHOD = (
    "tmekg-crosstalk (MEBOCOST-like: sender enzyme balance x receiver sensor, gene-wise label permutation)"
)
MODES = ("supply", "depletion")
COLUMNS = (
    "sender_id",
    "sender_name",
    "metabolite_id",
    "metabolite_name",
    "receiver_id",
    "receiver_name",
    "mode",
    "score",
    "p_value",
    "sender_genes",
    "receiver_genes",
)


@dataclass(frozen=True)
class CrosstalkParams:
    """Inference parameters (all written into the ``parameters`` property of inferred edges)."""

    study: str | None = None
    modes: tuple[str, ...] = MODES
    permutations: int = 1000
    seed: int = 0
    max_set: int = 250
    autocrine: bool = False

    def text(self) -> str:
        """``key=value;...`` form for edge properties."""
        modes = "|".join(self.modes)
        return (
            f"permutations={self.permutations};seed={self.seed};max_set={self.max_set};"
            f"autocrine={str(self.autocrine).lower()};modes={modes}"
        )


@dataclass
class Crosstalk:
    """One inferred sender -> metabolite -> receiver row."""

    sender_id: str
    sender_name: str
    metabolite_id: str
    metabolite_name: str
    receiver_id: str
    receiver_name: str
    mode: str
    score: float
    p_value: float | None
    sender_genes: list[str]
    receiver_genes: list[str]
    study: str
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The TSV/table row (exactly :data:`COLUMNS`)."""
        return {c: getattr(self, c) for c in COLUMNS}

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the row plus study and evidence."""
        return {**self.row(), "study": self.study, "evidence": self.evidence}


def infer_crosstalk(
    kg: Any,
    params: CrosstalkParams | None = None,
    sender: str | None = None,
    receiver: str | None = None,
    metabolite: str | None = None,
    top: int = 0,
) -> list[Crosstalk]:
    """Infer crosstalk for every study with expression evidence (or ``params.study``), best first.

    Filters take ids, names or synonyms (resolved with ``kg.resolve``). Every candidate is scored and
    tested; names, supporting genes and evidence are assembled for the ``top`` rows only (0 = all).
    """
    params = params or CrosstalkParams()
    unknown = set(params.modes) - set(MODES)
    if unknown:
        raise TmekgError(f"unknown crosstalk mode(s) {sorted(unknown)} (use supply, depletion)")
    evidence = collect(kg)
    studies = [params.study] if params.study else sorted(evidence.expression)
    if not studies:
        raise TmekgError(
            "no study expression evidence in the store: load markers or a pseudobulk first "
            "(tmekg study load FILE --format seurat|scanpy|pseudobulk --study-id ID)"
        )
    wanted = {k: kg.resolve(v).id for k, v in (("s", sender), ("r", receiver), ("m", metabolite)) if v}
    parts = []
    for study in studies:
        if study not in evidence.expression:
            known = ", ".join(evidence.expression)
            raise TmekgError(f"no expression evidence for study '{study}' (known: {known})")
        for mode in params.modes:
            parts.append(_infer(evidence, study, mode, params, wanted))
    return [_row(kg, evidence, h) for h in _best(parts, top)]


@dataclass(frozen=True)
class _Hit:
    """A scored candidate before names and evidence are looked up."""

    score: float
    p_value: float | None
    sender: str
    receiver: str
    metabolite: str
    mode: str
    study: str
    members: tuple[list[str], list[str], list[str]]


@dataclass
class _Scored:
    """All scored candidates of one (study, mode): index arrays plus what they index."""

    study: str
    mode: str
    celltypes: list[str]
    metabolites: list[str]
    members: list[tuple[list[str], list[str], list[str]]]
    cand: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    p_values: np.ndarray


def _infer(ev: Evidence, study: str, mode: str, params: CrosstalkParams, wanted: dict[str, str]) -> _Scored:
    matrix, celltypes, genes = ev.matrix(study)
    metabolites, sets, members = _gene_sets(ev, mode, genes, params.max_set, wanted.get("m"))
    cand = cs.candidates(matrix, sets, params.autocrine) if metabolites else _empty()
    keep = np.ones(len(cand[0]), dtype=bool)
    index = {c: i for i, c in enumerate(celltypes)}
    for key, column in (("s", 0), ("r", 1)):
        if key in wanted:
            keep &= cand[column] == index.get(wanted[key], -1)
    cand = tuple(a[keep] for a in cand)
    p_values = cs.permutation_pvalues(matrix, sets, cand, params.permutations, params.seed)
    return _Scored(study, mode, celltypes, metabolites, members, cand, p_values)


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    none = np.zeros(0, dtype=np.int64)
    return none, none, none, np.zeros(0)


def _best(parts: list[_Scored], top: int) -> list[_Hit]:
    """The ``top`` candidates over all parts (0 = all): score desc, p asc, then sender and receiver ids."""
    part = np.concatenate([np.full(len(x.cand[0]), i) for i, x in enumerate(parts)] or [np.zeros(0, int)])
    row = np.concatenate([np.arange(len(x.cand[0])) for x in parts] or [np.zeros(0, int)])
    score = np.round(np.concatenate([x.cand[3] for x in parts] or [np.zeros(0)]), 6)
    p = np.concatenate([x.p_values for x in parts] or [np.zeros(0)])
    sender = np.array(
        [parts[i].celltypes[parts[i].cand[0][j]] for i, j in zip(part, row, strict=True)] or [""]
    )
    receiver = np.array(
        [parts[i].celltypes[parts[i].cand[1][j]] for i, j in zip(part, row, strict=True)] or [""]
    )
    order = np.lexsort((receiver[: len(p)], sender[: len(p)], np.nan_to_num(p, nan=2.0), -score))
    hits = []
    for k in order[:top] if top else order:
        x, j = parts[part[k]], row[k]
        m = x.cand[2][j]
        p_value = None if np.isnan(p[k]) else round(float(p[k]), 6)
        hits.append(
            _Hit(
                float(score[k]),
                p_value,
                str(sender[k]),
                str(receiver[k]),
                x.metabolites[m],
                x.mode,
                x.study,
                x.members[m],
            )
        )
    return hits


def _gene_sets(
    ev: Evidence, mode: str, genes: list[str], max_set: int, only: str | None
) -> tuple[list[str], cs.GeneSets, list[tuple[list[str], list[str], list[str]]]]:
    """Per metabolite: (positive, negative, receiver) gene lists for ``mode``; oversized sets skipped."""
    column = {g: j for j, g in enumerate(genes)}
    roles = ev.roles
    metabolites, pos, neg, recv, sizes_p, sizes_n, members = [], [], [], [], [], [], []
    for m in sorted(roles.metabolites()):
        if only and m != only:
            continue
        p_set, n_set, r_set = roles.sets(m, mode)
        if not p_set or not r_set or max(len(p_set), len(n_set), len(r_set)) > max_set:
            continue
        metabolites.append(m)
        members.append((sorted(p_set), sorted(n_set), sorted(r_set)))
        pos.append([column[g] for g in p_set if g in column])
        neg.append([column[g] for g in n_set if g in column])
        recv.append([column[g] for g in r_set if g in column])
        sizes_p.append(len(p_set))
        sizes_n.append(len(n_set))
    sets = cs.GeneSets.build(pos, neg, recv, len(genes), (sizes_p, sizes_n))
    return metabolites, sets, members


def _row(kg: Any, ev: Evidence, hit: _Hit) -> Crosstalk:
    pos, _, recv = hit.members
    sender_genes = ev.supporting(hit.study, hit.sender, pos)
    receiver_genes = ev.supporting(hit.study, hit.receiver, recv)
    return Crosstalk(
        sender_id=hit.sender,
        sender_name=kg.node(hit.sender).name,
        metabolite_id=hit.metabolite,
        metabolite_name=kg.node(hit.metabolite).name,
        receiver_id=hit.receiver,
        receiver_name=kg.node(hit.receiver).name,
        mode=hit.mode,
        score=hit.score,
        p_value=hit.p_value,
        sender_genes=[symbol(kg, g) for g in sender_genes],
        receiver_genes=[symbol(kg, g) for g in receiver_genes],
        study=hit.study,
        evidence=ev.rows(hit.study, hit.sender, hit.receiver, hit.metabolite, sender_genes, receiver_genes),
    )


def to_edges(rows: Iterable[Crosstalk], params: CrosstalkParams | None = None) -> list[Edge]:
    """Inferred rows as ``crosstalk`` edges (``inferred=true``, source ``tmekg-crosstalk``)."""
    from tmekg import __version__

    params = params or CrosstalkParams()
    out = []
    for row in rows:
        pmids = sorted({e for item in row.evidence.get("resources", []) for e in item.get("evidence", [])})
        prov = Provenance(SOURCE, __version__, tuple(pmids), row.score, study=row.study)
        values = {
            "metabolite": row.metabolite_id,
            "mode": row.mode,
            "p_value": row.p_value,
            "sender_genes": tuple(row.sender_genes),
            "receiver_genes": tuple(row.receiver_genes),
            "method": METHOD,
            "parameters": params.text(),
            "inferred": True,
        }
        out.append(Edge(row.sender_id, crosstalk_predicate(), row.receiver_id, (prov,), props(values)))
    return out


def crosstalk_table(
    store: str | Path | None = None,
    sender: str | None = None,
    receiver: str | None = None,
    metabolite: str | None = None,
    top: int = 20,
    params: CrosstalkParams | None = None,
) -> list[Crosstalk]:
    """``tmekg crosstalk``: open the store, infer, keep the ``top`` rows (0 = all)."""
    from tmekg.graph import KnowledgeGraph

    with KnowledgeGraph.open(store) as kg:
        return infer_crosstalk(kg, params, sender, receiver, metabolite, top)


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def crosstalk_for(kg: Any, celltype_id: str, params: CrosstalkParams | None = None) -> dict[str, list[dict]]:
    """Incoming and outgoing crosstalk of a cell type, for ``tmekg show``.

    Returns ``{"outgoing": [...], "incoming": [...]}``; each item is a row of :data:`COLUMNS` plus
    ``source`` (``tmekg-crosstalk`` for inferred rows, else the sources of a stored edge),
    ``inferred`` and ``study``. Stored ``crosstalk`` edges (curated or reported by MEBOCOST, LIANA+,
    CellPhoneDB...) come first, then inferred rows (computed once per graph and cached).
    """
    node = kg.resolve(celltype_id)
    out: dict[str, list[dict]] = {"outgoing": [], "incoming": []}
    for nb in kg.neighbours(node.id):
        if nb.edge.predicate == crosstalk_predicate():
            out["outgoing" if nb.outgoing else "incoming"].append(_stored_row(kg, nb.edge))
    key = params or CrosstalkParams()
    cached = _CACHE.setdefault(kg, {})
    if key not in cached:
        try:
            cached[key] = infer_crosstalk(kg, key)
        except TmekgError:
            cached[key] = []
    for row in cached[key]:
        for side, end in (("outgoing", row.sender_id), ("incoming", row.receiver_id)):
            if end == node.id:
                out[side].append({**row.row(), "source": SOURCE, "inferred": True, "study": row.study})
    return out


def _stored_row(kg: Any, edge: Edge) -> dict[str, Any]:
    metabolite = edge.prop("metabolite")
    try:
        met_name = kg.node(metabolite).name
    except TmekgError:
        met_name = metabolite
    scores = [p.score for p in edge.provenance if p.score is not None]
    return {
        "sender_id": edge.subject,
        "sender_name": kg.node(edge.subject).name,
        "metabolite_id": metabolite,
        "metabolite_name": met_name,
        "receiver_id": edge.object,
        "receiver_name": kg.node(edge.object).name,
        "mode": edge.prop("mode"),
        "score": max(scores) if scores else None,
        "p_value": edge.prop("p_value"),
        "sender_genes": list(edge.prop("sender_genes", ())),
        "receiver_genes": list(edge.prop("receiver_genes", ())),
        "source": ";".join(sorted({p.source for p in edge.provenance})),
        "inferred": bool(edge.prop("inferred", False)),
        "study": ";".join(sorted({p.study for p in edge.provenance if p.study})),
    }


def roles_summary(kg: Any) -> dict[str, Any]:
    """How many metabolites / genes each resource role has (diagnostics for docs and tests)."""
    roles = resource_roles(kg)
    counts: dict[str, int] = defaultdict(int)
    for m in roles.metabolites():
        for mode in MODES:
            p_set, _, r_set = roles.sets(m, mode)
            counts[f"{mode}_evaluable"] += bool(p_set and r_set)
    return {"metabolites": len(roles.metabolites()), **counts}
