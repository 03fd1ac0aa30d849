"""Real drugs only: which Drug nodes are drugs, and which ``targets`` edges are therapeutic modulators.

A post-merge step of ``tmekg build`` (:func:`classify`, called from :mod:`tmekg.pipeline`); the
rules are data in ``drug_kinds.yaml`` and documented in ``docs/drugs.md``.

Drug ``kind`` (with ``kind_evidence`` saying why):

``imaging_agent``
    a source classifies it as a contrast or diagnostic imaging agent (DrugCentral pharmacologic class,
    Repurposing Hub ``moa``); set by those loaders through :func:`imaging_evidence`.
``endogenous_metabolite``
    it is the same compound as an endogenous Metabolite node: they share a structure identifier
    (PubChem CID, ChEBI, HMDB, InChIKey, KEGG) or the drug's name equals the metabolite's name or a
    synonym, and that metabolite is an input or output of a Human-GEM reaction outside the drug /
    xenobiotic / bookkeeping subsystems (urea, L-tryptophan, NAD+, nicotinamide, L-arginine).
``drug``
    everything else.

A ``targets`` edge gets ``therapeutic`` (bool) and, when false, ``nontherapeutic_reason``, checked
in this order: ``imaging_agent``; ``substrate_or_product`` (an endogenous drug, or one whose edge
states no action, is a metabolite the target works on: an input/output of a reaction it catalyses,
or a metabolite it produces, degrades or transports: urea -> ARG1, tryptophan -> IDO1; a synthetic
drug the source calls an inhibitor stays therapeutic even when the target turns it over, as
allopurinol -> XDH); ``endogenous_metabolite``; ``no_action`` (the source states no modulating
action: ``other``). Non-therapeutic edges stay in the graph as evidence; the ``drugs``
column and the modulation votes of the score leave them out.

The step also stores each Drug's highest clinical phase over all sources (``max_phase``; the
builder's merge keeps the first source's value).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from tmekg.model import Edge, Node, props

DRUG, ENDOGENOUS, IMAGING = "drug", "endogenous_metabolite", "imaging_agent"
SUBSTRATE, NO_ACTION = "substrate_or_product", "no_action"
EDGE_PROPERTIES = ("therapeutic", "nontherapeutic_reason", "nontherapeutic_evidence")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.cache
def config() -> dict[str, Any]:
    """The shipped ``drug_kinds.yaml``."""
    from tmekg.io import packaged_yaml

    return packaged_yaml("tmekg.loaders", "drug_kinds.yaml")


def imaging_evidence(source: str, texts: Iterable[str]) -> str | None:
    """The first class / mechanism text of ``source`` that marks an imaging agent, else ``None``.

    ``source`` is a key of the config's ``imaging_agent`` block (``drugcentral_classes``,
    ``repurposing_hub_moa``).

    >>> imaging_evidence("repurposing_hub_moa", ["radiopaque medium"])
    'radiopaque medium'
    >>> imaging_evidence("drugcentral_classes", ["Cyclooxygenase Inhibitors"]) is None
    True
    """
    patterns = [re.compile(p, re.I) for p in config()["imaging_agent"][source]]
    return next((t.strip() for t in texts if any(p.search(t) for p in patterns)), None)


def imaging_properties(source: str, texts: Iterable[str], label: str) -> dict[str, str]:
    """``kind`` / ``kind_evidence`` Drug properties when ``texts`` mark an imaging agent, else ``{}``.

    >>> imaging_properties("repurposing_hub_moa", ["contrast agent"], "Repurposing Hub moa")["kind"]
    'imaging_agent'
    """
    found = imaging_evidence(source, texts)
    return {"kind": IMAGING, "kind_evidence": f"{label} '{found}'"} if found else {}


def drugcentral_imaging(classes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """:func:`imaging_properties` from DrugCentral (class type, class) pairs of the configured types."""
    types = set(config()["imaging_agent"]["drugcentral_class_types"])
    texts = [c for t, c in classes if t in types]
    return imaging_properties("drugcentral_classes", texts, "DrugCentral pharmacologic class")


def norm_name(text: str) -> str:
    """Name key: lower case, non-alphanumerics removed (``L-glutamic-acid`` == ``L-glutamic acid``).

    >>> norm_name("L-glutamic-acid"), norm_name("Coenzyme I")
    ('lglutamicacid', 'coenzymei')
    """
    return _NON_ALNUM.sub("", text.lower())


@dataclasses.dataclass
class _Index:
    """Look-ups over the merged graph that the rules need."""

    nodes: dict[str, Node]
    gene_metabolites: dict[str, dict[str, str]]  # gene -> metabolite -> what links them
    endogenous: dict[str, str]  # metabolite -> the reaction that makes it endogenous
    by_id: dict[str, set[str]]  # identifier -> endogenous-or-worked-on metabolites
    by_name: dict[str, set[str]]


def classify(
    nodes: Iterable[Node], edges: Iterable[Edge], phases: Mapping[str, int] | None = None
) -> tuple[list[Node], list[Edge], dict[str, Any]]:
    """Classify Drug nodes and ``targets`` edges of a merged graph (order preserved).

    ``phases`` is each Drug id's highest clinical phase over all sources (replaces ``max_phase``).
    Returns the new nodes, the new edges and a report (counts per reason, with examples).
    """
    nodes, edges = list(nodes), list(edges)
    index = _index(nodes, edges)
    same = {n.id: _same_compound(n, index) for n in nodes if n.category == "Drug"}
    new_nodes = [
        _drug_node(n, same.get(n.id), phases or {}, index) if n.category == "Drug" else n for n in nodes
    ]
    kinds = {n.id: n for n in new_nodes if n.category == "Drug"}
    report: dict[str, Any] = {"drugs": defaultdict(int), "targets": defaultdict(int), "examples": {}}
    for node in kinds.values():
        report["drugs"][node.prop("kind")] += 1
    new_edges = [
        _targets_edge(e, kinds[e.subject], same[e.subject], index, report) if e.predicate == "targets" else e
        for e in edges
    ]
    report["drugs"], report["targets"] = dict(report["drugs"]), dict(report["targets"])
    return new_nodes, new_edges, report


def _index(nodes: list[Node], edges: list[Edge]) -> _Index:
    cfg = config()
    by_node = {n.id: n for n in nodes}
    produced: dict[str, set[str]] = defaultdict(set)  # reaction -> metabolites in/out
    pathways: dict[str, set[str]] = defaultdict(set)
    catalysed: dict[str, set[str]] = defaultdict(set)  # gene -> reactions
    direct: dict[str, dict[str, str]] = defaultdict(dict)
    for e in edges:
        if e.predicate in cfg["reaction_predicates"]:
            produced[e.subject].add(e.object)
        elif e.predicate == cfg["pathway_predicate"]:
            pathways[e.subject].add(e.object)
        elif e.predicate == cfg["catalysis_predicate"]:
            catalysed[e.subject].add(e.object)
        elif e.predicate in cfg["gene_metabolite_predicates"]:
            direct[e.subject][e.object] = e.predicate
    endogenous = _endogenous(produced, pathways)
    gene_metabolites = {g: dict(m) for g, m in direct.items()}
    for gene, reactions in catalysed.items():
        for reaction in sorted(reactions):
            for met in produced.get(reaction, ()):
                gene_metabolites.setdefault(gene, {}).setdefault(met, reaction)
    relevant = set(endogenous) | {m for ms in gene_metabolites.values() for m in ms}
    by_id, by_name = _metabolite_keys([by_node[m] for m in sorted(relevant) if m in by_node])
    return _Index(by_node, gene_metabolites, endogenous, by_id, by_name)


def _endogenous(produced: dict[str, set[str]], pathways: dict[str, set[str]]) -> dict[str, str]:
    """Metabolite -> a Human-GEM reaction of an endogenous-metabolism subsystem it takes part in."""
    cfg = config()
    excluded = set(cfg["not_endogenous_pathways"])
    out: dict[str, str] = {}
    for reaction in sorted(produced):
        if reaction.startswith(cfg["reaction_prefix"]) and pathways.get(reaction, set()) - excluded:
            for met in produced[reaction]:
                out.setdefault(met, reaction)
    return out


def _metabolite_keys(metabolites: list[Node]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Identifier -> metabolites and name key -> metabolites."""
    cfg = config()
    prefixes, shortest = tuple(f"{p}:" for p in cfg["same_compound_prefixes"]), cfg["min_synonym_length"]
    by_id: dict[str, set[str]] = defaultdict(set)
    by_name: dict[str, set[str]] = defaultdict(set)
    for met in metabolites:
        for curie in (met.id, *met.xrefs):
            if curie.startswith(prefixes):
                by_id[curie].add(met.id)
        by_name[norm_name(met.name)].add(met.id)
        for synonym in met.synonyms:
            key = norm_name(synonym)
            if len(key) >= shortest:
                by_name[key].add(met.id)
    return by_id, by_name


def _same_compound(drug: Node, index: _Index) -> set[str]:
    """Metabolites (endogenous or worked on by a gene) that are the same compound as ``drug``."""
    found = {m for curie in (drug.id, *drug.xrefs) for m in index.by_id.get(curie, ())}
    for name in (drug.name, *drug.synonyms):
        found |= index.by_name.get(norm_name(name), set())
    return found


def _drug_node(node: Node, same: set[str] | None, phases: Mapping[str, int], index: _Index) -> Node:
    """The Drug node with its highest phase and its kind (an imaging agent set by a loader stays)."""
    values = dict(node.properties)
    if node.id in phases:
        values["max_phase"] = phases[node.id]
    if values.get("kind") != IMAGING:
        endogenous = sorted(m for m in same or () if m in index.endogenous)
        values["kind"] = ENDOGENOUS if endogenous else DRUG
        values.pop("kind_evidence", None)
        if endogenous:
            met = index.nodes[endogenous[0]]
            values["kind_evidence"] = (
                f"same compound as the metabolite {met.name} ({met.id}), "
                f"in human metabolism ({index.endogenous[met.id]})"
            )
    return dataclasses.replace(node, properties=props(values))


def _targets_edge(edge: Edge, drug: Node, same: set[str], index: _Index, report: dict[str, Any]) -> Edge:
    """The edge with ``therapeutic`` and, when false, the reason and its evidence."""
    reason, evidence = _edge_verdict(edge, drug, same, index)
    values = {k: v for k, v in edge.properties if k not in EDGE_PROPERTIES}
    values["therapeutic"] = reason is None
    if reason is not None:
        values["nontherapeutic_reason"] = reason
        values["nontherapeutic_evidence"] = evidence or None
        report["targets"][reason] += 1
        shown = report["examples"].setdefault(reason, [])
        if len(shown) < 5:
            shown.append(f"{drug.name} -> {index.nodes[edge.object].name}: {evidence}")
    else:
        report["targets"]["therapeutic"] += 1
    return dataclasses.replace(edge, properties=props(values))


def _edge_verdict(edge: Edge, drug: Node, same: set[str], index: _Index) -> tuple[str | None, str]:
    """(reason, evidence) for a non-therapeutic edge, ``(None, "")`` for a therapeutic one."""
    kind = drug.prop("kind")
    if kind == IMAGING:
        return IMAGING, drug.prop("kind_evidence", "")
    no_action = edge.prop("action") in config()["no_action"]
    worked_on = index.gene_metabolites.get(edge.object, {})
    hit = sorted(m for m in same if m in worked_on) if kind == ENDOGENOUS or no_action else []
    if hit:
        met = index.nodes[hit[0]]
        return SUBSTRATE, f"{met.name} ({met.id}) via {worked_on[met.id]}"
    if kind == ENDOGENOUS:
        return ENDOGENOUS, drug.prop("kind_evidence", "")
    if no_action:
        return NO_ACTION, f"action '{edge.prop('action')}'"
    return None, ""


def max_phases(versions: Mapping[str, Iterable[Node]], aliases: Mapping[str, str]) -> dict[str, int]:
    """Canonical Drug id -> highest ``max_phase`` over every source's version of the drug."""
    out: dict[str, int] = {}
    for node_id, nodes in versions.items():
        canonical = aliases.get(node_id, node_id)
        for node in nodes:
            phase = node.prop("max_phase")
            if phase is not None and phase > out.get(canonical, -1):
                out[canonical] = phase
    return out
