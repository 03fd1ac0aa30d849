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
) -> list[Crosstalk]:
    """Infer crosstalk for every study with expression evidence (or ``params.study``), best first.

    Filters take ids, names or synonyms (resolved with ``kg.resolve``).
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
    rows = []
    for study in studies:
        if study not in evidence.expression:
            raise TmekgError(
                f"no expression evidence for study '{study}' (known: {', '.join(evidence.expression)})"
            )
        for mode in params.modes:
            rows += _infer(kg, evidence, study, mode, params, wanted)
    rows.sort(
        key=lambda x: (-x.score, x.p_value if x.p_value is not None else 2.0, x.sender_id, x.receiver_id)
    )
    return rows


def _infer(
    kg: Any, ev: Evidence, study: str, mode: str, params: CrosstalkParams, wanted: dict[str, str]
) -> list[Crosstalk]:
    matrix, celltypes, genes = ev.matrix(study)
    metabolites, sets, members = _gene_sets(ev, mode, genes, params.max_set, wanted.get("m"))
    if not metabolites:
        return []
    cand = cs.candidates(matrix, sets, params.autocrine)
    keep = np.ones(len(cand[0]), dtype=bool)
    if "s" in wanted:
        keep &= np.array([celltypes[i] == wanted["s"] for i in cand[0]], dtype=bool)
    if "r" in wanted:
        keep &= np.array([celltypes[i] == wanted["r"] for i in cand[1]], dtype=bool)
    cand = tuple(a[keep] for a in cand)
    p_values = cs.permutation_pvalues(matrix, sets, cand, params.permutations, params.seed)
    out = []
    for s, r, m, score, p in zip(*cand, p_values, strict=True):
        row = _row(
            kg, ev, study, mode, celltypes[s], celltypes[r], metabolites[m], float(score), p, members[m]
        )
        out.append(row)
    return out


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
        if not p_set or not r_set or max(len(p_set), len(r_set)) > max_set:
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


def _row(
    kg: Any,
    ev: Evidence,
    study: str,
    mode: str,
    sender: str,
    receiver: str,
    metabolite: str,
    score: float,
    p_value: float,
    members: tuple[list[str], list[str], list[str]],
) -> Crosstalk:
    pos, _, recv = members
    sender_genes = ev.supporting(study, sender, pos)
    receiver_genes = ev.supporting(study, receiver, recv)
    return Crosstalk(
        sender_id=sender,
        sender_name=kg.node(sender).name,
        metabolite_id=metabolite,
        metabolite_name=kg.node(metabolite).name,
        receiver_id=receiver,
        receiver_name=kg.node(receiver).name,
        mode=mode,
        score=round(score, 6),
        p_value=None if np.isnan(p_value) else round(float(p_value), 6),
        sender_genes=[symbol(kg, g) for g in sender_genes],
        receiver_genes=[symbol(kg, g) for g in receiver_genes],
        study=study,
        evidence=ev.rows(study, mode, sender, receiver, metabolite, sender_genes, receiver_genes),
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
        rows = infer_crosstalk(kg, params, sender, receiver, metabolite)
    return rows[:top] if top else rows


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
