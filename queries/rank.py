"""The ranking API: ``rank``, ``explain`` and ``paths``, each returning pandas DataFrames / dicts.

Examples
--------
>>> import tmekg
>>> from tmekg.queries.rank import rank, explain
>>> kg = tmekg.open()                                           # doctest: +SKIP
>>> rank(kg, immunotherapy="anti-PD-1", top=10)                 # doctest: +SKIP
>>> explain(kg, "NT5E", "anti-PD-1")["metapaths"]               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.conflicts import contested_steps
from tmekg.errors import TmekgError
from tmekg.grades import edge_grade, min_grade_mask
from tmekg.graph import KnowledgeGraph
from tmekg.queries.conflicts import contested_share, path_is_contested
from tmekg.queries.metapaths import Wording, describe, parse, wording
from tmekg.queries.paths import Path, enumerate_paths
from tmekg.queries.reaction_groups import edges_between, label, path_steps
from tmekg.queries.scoring import Scorer, ScoringError, default_config
from tmekg.queries.significance import NOT_COMPUTED, cached_null, null_p_values, null_spec, rich_progress
from tmekg.schema import load_schema

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.model import Edge

Progress = Callable[[int, int], None]
COLUMNS = [
    "rank",
    "target_id",
    "target_symbol",
    "immunotherapy_class",
    "score",
    "p_value",
    "contested",
    "drugs",
    "top_path",
]


def context_mask(kg: KnowledgeGraph, context: str | None) -> np.ndarray | None:
    """Edges valid in ``context``: context-free edges, and edges restricted to the context or to one of
    the contexts it belongs to (``subclass_of``: a liver metastasis of PDAC inherits PDAC facts).
    ``None`` keeps every edge."""
    if not context:
        return None
    wanted = context_lineage(kg, resolve_context(kg, context))
    mask = np.ones(kg.edge_count, dtype=bool)
    for row, contexts in kg.edge_contexts.items():
        mask[row] = bool(wanted.intersection(contexts))
    return mask


def context_lineage(kg: KnowledgeGraph, context_id: str) -> set[str]:
    """A Context id with every Context it is (transitively) ``subclass_of``."""
    seen, frontier = {context_id}, [context_id]
    while frontier:
        current = frontier.pop()
        for nb in kg.neighbours(current):
            if nb.edge.predicate == "subclass_of" and nb.outgoing and nb.other.id not in seen:
                seen.add(nb.other.id)
                frontier.append(nb.other.id)
    return seen


def resolve_context(kg: KnowledgeGraph, text: str) -> str:
    """A Context node id from an id, a short name (``liver-metastasis``) or a name/synonym (``PDAC``)."""
    contexts = [n for n in kg.nodes if n.category == "Context"]
    needle = text.strip().lower()
    for node in contexts:
        names = {node.id.lower(), node.id.split(":", 1)[-1].lower(), node.name.lower()}
        names |= {s.lower() for s in node.synonyms} | {node.id.rsplit(".", 1)[-1].lower()}
        if needle in names:
            return node.id
    known = ", ".join(sorted(n.id.rsplit(".", 1)[-1] for n in contexts))
    raise TmekgError(f"unknown context '{text}' (known: {known})")


def make_scorer(
    kg: KnowledgeGraph,
    context: str | None = None,
    config: Mapping[str, Any] | None = None,
    node_factors: Mapping[str, float] | None = None,
    min_grade: str | None = None,
) -> Scorer:
    """A :class:`Scorer` over the edges valid in ``context`` and graded ``min_grade`` or better
    (docs/evidence-grades.md), optionally personalised by node factors."""
    mask, graded = context_mask(kg, context), min_grade_mask(kg, min_grade)
    if graded is not None:
        mask = graded if mask is None else mask & graded
    return Scorer(kg, config, edge_mask=mask, node_factors=node_factors)


def rank(
    kg: KnowledgeGraph,
    immunotherapy: str | None = None,
    context: str | None = None,
    top: int = 0,
    permutations: int | None = None,
    seed: int | None = None,
    config: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    node_factors: Mapping[str, float] | None = None,
    all_drugs: bool = False,
    min_grade: str | None = None,
) -> pd.DataFrame:
    """Rank every candidate target x immunotherapy class (columns :data:`COLUMNS` plus components).

    ``node_factors`` personalise the ranking ({node id: factor} scaling the edges of a node, e.g. a
    sample's relative gene expression); see :class:`tmekg.queries.scoring.Scorer`. The ``drugs``
    column lists a target's therapeutic drugs, most advanced clinical phase first: the first
    ``drugs_shown`` (config, 5), or all of them with ``all_drugs``. ``min_grade`` leaves out edges
    graded below it (a context of its own, with its own cached null); ``contested`` is the share of a
    row's mechanism carried by paths over a contested edge (:func:`tmekg.queries.conflicts.contested_share`).
    """
    config = dict(config or default_config())
    scorer = make_scorer(kg, context, config, node_factors, min_grade)
    if immunotherapy and immunotherapy not in scorer.classes:
        raise ScoringError(
            f"unknown immunotherapy class '{immunotherapy}' (present: {', '.join(scorer.classes)})"
        )
    comp = scorer.components()
    table = scorer.table(comp)
    perm = config["permutations"]
    count = int(perm["count"] if permutations is None else permutations)
    table["p_value"] = _p_value_column(scorer, table, comp.score, count, seed, progress)
    if immunotherapy:
        table = table[table["immunotherapy_class"] == immunotherapy]
    table = table.sort_values(["score", "target_id", "immunotherapy_class"], ascending=[False, True, True])
    table = table.reset_index(drop=True)
    if top:
        table = table.head(top)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["drugs"] = [";".join(scorer.drugs_of(t, all_drugs)) for t in table["target_id"]]
    table["top_path"] = [
        _top_path_text(scorer, r, c) for r, c in zip(table["_row"], table["_class"], strict=True)
    ]
    table["contested"] = [
        round(contested_share(scorer, r, c), 4) for r, c in zip(table["_row"], table["_class"], strict=True)
    ]
    extra = ["mechanism", "context", "harm"]
    table = table[[*COLUMNS, *extra]]
    if not count:  # why the p_value column says "not computed" (the CLI prints it)
        table.attrs["p_value_note"] = f"p_value {NOT_COMPUTED}: 0 permutations requested"
    return table


def _p_value_column(
    scorer: Scorer, table: pd.DataFrame, observed: np.ndarray, count: int, seed: int | None, progress
) -> np.ndarray | str:
    """The p-value of each table row (rows are a subset of targets x classes), from the cached null
    (:mod:`tmekg.queries.significance`); ``"not computed"`` without permutations."""
    if not count:
        return NOT_COMPUTED
    spec = null_spec(scorer, count, seed)
    close = None
    if progress is None:  # the notebook call: a progress bar while the null is built (first call only)
        progress, close = rich_progress()
    try:
        null = cached_null(scorer, spec, progress)
    finally:
        if close:
            close()
    p = null_p_values(scorer, observed, null)
    position = {t: i for i, t in enumerate(scorer.targets)}
    rows = np.array([position[r] for r in table["_row"]], dtype=int)
    return p[rows, table["_class"].to_numpy(dtype=int)]


# -- explanations ---------------------------------------------------------------------------------
def path_contributions(scorer: Scorer, row: int, class_index: int) -> list[tuple[Path, float]]:
    """Every mechanism path from a target with its contribution to S(T, I), largest first."""
    w = scorer.config["weights"]
    focus = 1.0 + float(w["complementarity"]) * scorer.sphere[class_index]
    scale = float(w["mechanism"]) * scorer.context_factor[row] * scorer.modulation[row]
    cell = scorer.cells.target_weight[row] if scorer.cells is not None else np.ones(len(focus))
    out = [
        (path, scale * scorer.polarity[e] * path.weight * focus[e] * cell[e])
        for path, e in gene_paths(scorer, row)
    ]
    out.sort(key=lambda pc: (-pc[1], pc[0].nodes))
    return out


def score_shares(
    scorer: Scorer, row: int, class_index: int, location: Collection[str] | None = None
) -> dict[str, float]:
    """How S(T, I) splits into mechanism paths, location paths, the context factor and harm.

    Absolute shares summing to 1 (docs/scoring.md, "Mechanism share"): each scored path P adds
    ``|c(P)| / (1 + w_ctx ctx(T))`` to *mechanism* or, if its metapath is in ``location`` (default: the
    metapaths the ``mechanism.exclude`` rules leave out, then never scored), to *location*; the context
    multiplier adds ``w_ctx ctx(T)`` times their sum, harm adds ``w_harm harm(T)``.
    """
    w = scorer.config["weights"]
    located = set(scorer.excluded if location is None else location)
    factor = float(scorer.context_factor[row])
    parts = {"mechanism": 0.0, "location": 0.0}
    for path, value in path_contributions(scorer, row, class_index):
        parts["location" if path.metapath in located else "mechanism"] += abs(value) / factor
    parts["context"] = (parts["mechanism"] + parts["location"]) * (factor - 1.0)
    parts["harm"] = float(w["harm"]) * float(scorer.harm[row])
    total = sum(parts.values())
    return {name: (value / total if total else 0.0) for name, value in parts.items()}


def _rows_with_paths(scorer: Scorer, abbrev: str) -> frozenset[int]:
    """Genes with a non-zero DWPC along a mechanism metapath (cached)."""
    cache: dict[str, frozenset[int]] = scorer.__dict__.setdefault("_rows_with_paths", {})
    if abbrev not in cache:
        matrix = scorer.mechanism_matrices.get(abbrev)
        cache[abbrev] = (
            frozenset(np.flatnonzero(np.diff(matrix.indptr)).tolist()) if matrix is not None else frozenset()
        )
    return cache[abbrev]


def gene_paths(scorer: Scorer, row: int) -> list[tuple[Path, int]]:
    """All mechanism paths from one gene with the index of the effect they end in (cached)."""
    cache: dict[int, list[tuple[Path, int]]] = scorer.__dict__.setdefault("_gene_paths", {})
    if row not in cache:
        gene = scorer.hetmat.ids["Gene"][row]
        effects = {e: i for i, e in enumerate(scorer.hetmat.ids["ImmuneEffect"])}
        found = []
        for mp in scorer.metapaths:
            if row not in _rows_with_paths(scorer, mp.abbrev):
                continue
            for path in enumerate_paths(scorer.hetmat, mp, gene, None, scorer.damping, signed=True):
                found.append((path, effects[path.nodes[-1]]))
        cache[row] = found
    return cache[row]


def _top_path_text(scorer: Scorer, row: int, class_index: int) -> str:
    contributions = path_contributions(scorer, row, class_index)
    if not contributions:
        return ""
    best = max(contributions, key=lambda pc: abs(pc[1]))[0]
    return best.text(scorer.hetmat.label)


def explain(
    kg: KnowledgeGraph,
    target: str,
    immunotherapy: str,
    paths: int = 10,
    context: str | None = None,
    config: Mapping[str, Any] | None = None,
    node_factors: Mapping[str, float] | None = None,
    min_grade: str | None = None,
) -> dict[str, Any]:
    """Score of one combination, its decomposition by metapath, and its top paths with evidence.

    Each path step carries its evidence grade; a path over a contested edge has ``contested`` true.
    """
    import pandas as pd

    scorer = make_scorer(kg, context, config, node_factors, min_grade)
    node = kg.resolve(target)
    if node.category != "Gene":
        raise ScoringError(f"'{target}' resolves to {node.id} ({node.category}); a target must be a gene")
    if immunotherapy not in scorer.classes:
        raise ScoringError(
            f"unknown immunotherapy class '{immunotherapy}' (present: {', '.join(scorer.classes)})"
        )
    row, k = scorer.hetmat.index(node.id), scorer.classes.index(immunotherapy)
    comp = scorer.components()
    contributions = path_contributions(scorer, row, k)
    by_mp: dict[str, float] = {}
    for path, value in contributions:
        by_mp[path.metapath] = by_mp.get(path.metapath, 0.0) + value
    mech_total = sum(by_mp.values()) or 1.0
    words = wording(scorer.schema)
    metapaths = pd.DataFrame(
        [
            {"metapath": m, "meaning": _meaning(scorer, m, words), "contribution": v, "share": v / mech_total}
            for m, v in by_mp.items()
        ],
        columns=["metapath", "meaning", "contribution", "share"],
    ).sort_values("contribution", key=abs, ascending=False, ignore_index=True)
    top = sorted(contributions, key=lambda pc: -abs(pc[1]))[:paths]
    return {
        "target": node.id,
        "target_symbol": node.name,
        "immunotherapy_class": immunotherapy,
        "score": float(comp.score[row, k]),
        "components": {
            "mechanism": float(comp.mech[row, k]),
            "context": float(comp.ctx[row]),
            "harm": float(comp.harm[row]),
            "modulation": float(scorer.modulation[row]),
        },
        "drugs": scorer.drugs_of(node.id),
        "shares": score_shares(scorer, row, k),
        "own_target": bool(scorer.own_targets[row, k]),
        "location": _location(kg, scorer, row),
        "metapaths": metapaths,
        "contested": contested_share(scorer, row, k),
        "paths": [
            {
                **_path_record(kg, p, v, mech_total),
                "meaning": _meaning(scorer, p.metapath, words),
                "contested": path_is_contested(kg, p, scorer.schema),
                **path_cells(scorer, row, p),
            }
            for p, v in top
        ],
    }


def path_cells(scorer: Scorer, row: int, path: Path) -> dict[str, str | None]:
    """The sender and receiver cell types of a path under cell-resolved weights (names; None where no
    expression evidence names one, or without cell-resolved weights).

    Sender: the cell type of the tumour where the target is expressed highest. Receiver: the cell type
    (where the path's immune effect occurs, or a subtype) where the gene acting on the effect (the
    path's last gene; the target itself when it is the only one) is expressed highest.
    """
    cells = scorer.cells
    if cells is None:
        return {"sender": None, "receiver": None}
    hm, kg = scorer.hetmat, scorer.kg
    effect = hm.index(path.nodes[-1])
    genes = [n for n in path.nodes[:-1] if n in kg and kg.node(n).category == "Gene"]
    sender = cells.sender_cell(row)
    receiver = cells.receiver_cell(hm.index(genes[-1]) if genes else row, effect)
    return {
        "sender": kg.node(sender).name if sender else None,
        "receiver": kg.node(receiver).name if receiver else None,
    }


def _location(kg: KnowledgeGraph, scorer: Scorer, row: int) -> list[dict[str, Any]]:
    """The tumour/stromal cell types expressing the target (context, not mechanism)."""
    return [{"cell_type": kg.node(c).name, "id": c, "dwpc": v} for c, v in scorer.context_cells(row)]


def _meaning(scorer: Scorer, code: str, words: Wording) -> str:
    """A metapath code in words (cached per scorer)."""
    cache: dict[str, str] = scorer.__dict__.setdefault("_meanings", {})
    if code not in cache:
        cache[code] = describe(parse(code, scorer.schema), scorer.schema, words)
    return cache[code]


def _path_record(kg: KnowledgeGraph, path: Path, value: float, total: float) -> dict[str, Any]:
    """A path with its share and the evidence (and grade, contested flag) of each of its edges."""
    contested = contested_steps(kg)
    steps, grades = [], []
    predicates = [step.predicate for step in parse(path.metapath, load_schema()).edges]
    for a, b, predicate in zip(path.nodes, path.nodes[1:], predicates, strict=False):
        own = []  # provenance of the edges this path step walks (the metapath's predicate)
        for text, edges in path_steps(kg, a, b):  # a reaction group's member edges as one step
            provenance = [p for edge in edges for p in edge.provenance]
            own += provenance if edges[0].predicate == predicate else []
            steps.append(
                {
                    "edge": text,
                    "grade": edge_grade(provenance),
                    "contested": any((e.subject, e.predicate, e.object) in contested for e in edges),
                    "evidence": sorted({e for p in provenance for e in p.evidence}),
                    "annotations": _annotations(edges),
                    "sources": sorted({p.source for p in provenance}),
                    "records": sorted({p.record for p in provenance if p.record})[:5],
                }
            )
        grades.append(edge_grade(own))
    return {
        "metapath": path.metapath,
        "path": path.text(lambda n: label(kg, n)),
        "node_ids": list(path.nodes),
        "contribution": value,
        "share": value / total,
        "grades": grades,
        "steps": steps,
    }


def _annotations(edges: list[Edge]) -> list[str]:
    """GO annotations the step's edges rest on, e.g. ``GO:0070234 (IMP)`` (docs/immune-layer.md)."""
    out = set()
    for edge in edges:
        terms, codes = edge.prop("go_terms"), edge.prop("evidence_codes")
        if terms:
            out.add(f"{','.join(terms)} ({','.join(codes or ())})")
    return sorted(out)


PATH_COLUMNS = ["kind", "metapath", "contribution", "dwpc", "path", "path_weight", "node_ids"]
KIND_ORDER = {"mechanism": 0, "location": 1, "association": 2}


def paths(
    kg: KnowledgeGraph,
    source: str,
    target: str,
    max_length: int = 3,
    damping: float | None = None,
    limit: int = 200,
) -> pd.DataFrame:
    """Paths between two nodes over any predicates (either direction), mechanism paths first.

    Columns :data:`PATH_COLUMNS`. From a gene to an immune effect, ``kind`` is ``mechanism`` for the
    paths the score uses (signed ``dwpc`` and ``path_weight``; ``contribution`` = m(T) x polarity(E) x
    path weight, the path's part of benefit(T, E)), ordered by |contribution|; ``location`` for paths
    along metapaths the ``mechanism.exclude`` rules leave out, ``association`` for every other path
    (unsigned, all predicates, no contribution), ordered by path weight.
    """
    import pandas as pd

    if not 1 <= max_length <= 4:
        raise TmekgError("--max-length must be between 1 and 4")
    config = default_config()
    damping = float(config["damping"] if damping is None else damping)
    a, b = kg.resolve(source), kg.resolve(target)
    mechanism, located = _mechanism_rows(kg, a.id, b.id, max_length, damping)
    seen = {(r["metapath"], r["node_ids"]) for r in mechanism}
    others = [
        {**r, "kind": "location" if r["metapath"] in located else "association"}
        for r in _association_rows(kg, a, b, max_length, damping, limit)
        if (r["metapath"], r["node_ids"]) not in seen
    ]
    table = pd.DataFrame([*mechanism, *others], columns=PATH_COLUMNS)
    order = table["kind"].map(KIND_ORDER)
    magnitude = table["contribution"].abs().fillna(table["path_weight"].abs())
    keys = pd.DataFrame({"order": order, "magnitude": -magnitude, "path": table["path"]})
    table = table.loc[keys.sort_values(["order", "magnitude", "path"]).index].reset_index(drop=True)
    return table.head(limit)


def _mechanism_rows(
    kg: KnowledgeGraph, source: str, target: str, max_length: int, damping: float
) -> tuple[list[dict[str, Any]], set[str]]:
    """The scored paths from a candidate gene to an immune effect (signed), and the excluded codes."""
    config = {**default_config(), "damping": damping}
    mech = config["mechanism"]
    if (kg.node(source).category, kg.node(target).category) != (mech["source"], mech["target"]):
        return [], set()
    try:
        scorer = Scorer(kg, config)
    except ScoringError:
        return [], set()
    row, effect = scorer.hetmat.index(source), scorer.hetmat.index(target)
    sign = scorer.modulation[row] * scorer.polarity[effect]
    rows = []
    for mp in scorer.metapaths:
        if len(mp) > max_length:
            continue
        found = enumerate_paths(scorer.hetmat, mp, source, target, damping, signed=True)
        total = sum(p.weight for p in found)
        scored = [p for p in found if p.weight]
        rows += [{**_path_row(kg, mp.abbrev, total, p, sign * p.weight), "kind": "mechanism"} for p in scored]
    return rows, set(scorer.excluded)


def _association_rows(
    kg: KnowledgeGraph, a: Any, b: Any, max_length: int, damping: float, limit: int
) -> list[dict[str, Any]]:
    """Every path between two nodes over any predicate in either direction (unsigned)."""
    from tmekg.queries.hetmat import EdgeWeights, HetMat
    from tmekg.queries.metapaths import enumerate_metapaths, metaedges
    from tmekg.schema import load_schema

    schema = load_schema()
    everything = list(schema.predicates)
    hetmat = HetMat(kg, EdgeWeights(signed=frozenset(), carrier=frozenset(everything)))
    rows = []
    for mp in enumerate_metapaths(
        schema, a.category, b.category, max_length, metaedges(schema, everything, True)
    ):
        found = enumerate_paths(hetmat, mp, a.id, b.id, damping, signed=False, limit=limit)
        found = [p for p in found if p.nodes[-1] == b.id]
        total = sum(p.weight for p in found)
        rows += [_path_row(kg, mp.abbrev, total, p, float("nan")) for p in found]
    return rows


def _path_row(kg: KnowledgeGraph, code: str, dwpc_value: float, path: Path, contribution: float) -> dict:
    return {
        "metapath": code,
        "contribution": contribution,
        "dwpc": dwpc_value,
        "path": path.text(lambda n: label(kg, n)),
        "path_weight": path.weight,
        "node_ids": ";".join(path.nodes),
    }


def combination_subgraph(
    kg: KnowledgeGraph, target: str, immunotherapy: str, paths: int = 15, context: str | None = None
) -> dict[str, Any]:
    """The explanation subgraph of a combination: the top paths' nodes and edges, weighted by share.

    Also includes the immunotherapy class's drugs and their target edges, so the picture shows both
    halves of the combination.
    """
    doc = explain(kg, target, immunotherapy, paths, context)
    weights: dict[tuple[str, str, str], float] = {}
    for record in doc["paths"]:
        for a, b in zip(record["node_ids"], record["node_ids"][1:], strict=False):
            for edge in edges_between(kg, a, b):
                key = (edge.subject, edge.predicate, edge.object)
                weights[key] = weights.get(key, 0.0) + abs(record["share"])
    drugs = [
        n.id for n in kg.nodes if n.category == "Drug" and n.prop("immunotherapy_class") == immunotherapy
    ]
    effects = {n for key in weights for n in (key[0], key[2]) if kg.node(n).category == "ImmuneEffect"}
    for drug in drugs:  # the immunotherapy half: drug -> target -> cell type <- effect in the picture
        for nb in kg.neighbours(drug):
            if nb.edge.predicate == "targets":
                weights.setdefault((nb.edge.subject, nb.edge.predicate, nb.edge.object), 0.0)
                _link_cells(kg, nb.other.id, effects, weights)
    nodes = sorted({n for key in weights for n in (key[0], key[2])} | {doc["target"]})
    edges = sorted(weights)
    caption = (
        f"score {doc['score']:.3g}; the {len(doc['paths'])} highest-contributing mechanism paths "
        f"(edge width = share of the score) and the {immunotherapy} drugs' targets"
    )
    return {
        "node_ids": nodes,
        "edges": edges,
        "weights": [weights[e] for e in edges],
        "title": f"Why {doc['target_symbol']} + {immunotherapy}?",
        "caption": caption,
        "focus": [doc["target"], *drugs],
    }


def _link_cells(kg: KnowledgeGraph, gene: str, effects: set[str], weights: dict) -> None:
    """Add gene -expressed_in-> cell type edges whose cell type hosts an effect already shown."""
    for nb in kg.neighbours(gene):
        if nb.edge.predicate != "expressed_in" or not nb.outgoing:
            continue
        hosted = [
            e for e in kg.neighbours(nb.other.id) if e.edge.predicate == "occurs_in" and e.other.id in effects
        ]
        if hosted:
            weights.setdefault((nb.edge.subject, nb.edge.predicate, nb.edge.object), 0.0)
            for e in hosted:
                weights.setdefault((e.edge.subject, e.edge.predicate, e.edge.object), 0.0)
