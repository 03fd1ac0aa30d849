"""Full build: no endogenous metabolite or imaging agent in any ``drugs`` cell of the full ranking.

The endogenous metabolites are re-derived here from the graph (Metabolite nodes that are inputs or
outputs of Human-GEM reactions outside drug / xenobiotic / bookkeeping subsystems), independently of
the ``kind`` the build stored, and every drug named in the ranking (all classes, all targets, all
drugs) must be a Drug node that is none of them, is not an imaging agent and whose ``targets`` edge
to that gene is therapeutic.
"""

from __future__ import annotations

import re
from collections import defaultdict

from tmekg.graph import KnowledgeGraph
from tmekg.loaders.drug_kinds import config
from tmekg.queries.rank import rank
from tmekg.queries.scoring import Scorer

IMAGING = re.compile(r"contrast|radiopaque", re.I)
REASONS = ("substrate_or_product", "endogenous_metabolite", "imaging_agent", "no_action")


def key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def endogenous_keys(kg: KnowledgeGraph) -> set[str]:
    """Structure ids and name keys of the metabolites of endogenous Human-GEM reactions."""
    cfg = config()
    excluded = set(cfg["not_endogenous_pathways"])
    subsystems: dict[str, set[str]] = defaultdict(set)
    for e in kg.edges("in_pathway"):
        subsystems[e.subject].add(e.object)
    metabolites = set()
    for predicate in ("has_input", "has_output"):
        for e in kg.edges(predicate):
            if e.subject.startswith("METATLAS:") and subsystems[e.subject] - excluded:
                metabolites.add(e.object)
    prefixes = tuple(f"{p}:" for p in cfg["same_compound_prefixes"])
    keys = set()
    for met in map(kg.node, metabolites):
        keys |= {x for x in (met.id, *met.xrefs) if x.startswith(prefixes)}
        keys |= {key(met.name)} | {key(s) for s in met.synonyms if len(key(s)) >= cfg["min_synonym_length"]}
    return keys


def test_drugs_cells_hold_real_drugs_only(full_build) -> None:
    _, kg = full_build
    table = rank(kg, permutations=0, all_drugs=True)
    assert set(table["immunotherapy_class"]) == set(Scorer(kg).classes)
    endogenous = endogenous_keys(kg)
    assert {"CHEBI:16199", "urea", "ltryptophan"} <= endogenous  # the rule finds what it must
    edges = defaultdict(list)  # (gene, drug name) -> [(drug, edge)]
    for e in kg.edges("targets"):
        edges[(e.object, kg.node(e.subject).name)].append((kg.node(e.subject), e))
    offenders, listed = [], 0
    for gene, cell in set(zip(table["target_id"], table["drugs"], strict=True)):
        for name in filter(None, cell.split(";")):
            listed += 1
            real = [
                d
                for d, e in edges[(gene, name)]
                if e.prop("therapeutic") is True
                and d.prop("kind") == "drug"
                and not IMAGING.search(d.prop("mechanism") or "")
                and not ({d.id, *d.xrefs, key(d.name), *map(key, d.synonyms)} & endogenous)
            ]
            if not real:
                offenders.append(f"{kg.node(gene).name}: {name}")
    assert listed > 1000
    assert offenders == []


def test_the_reported_artefacts_are_gone(full_build) -> None:
    _, kg = full_build
    table = rank(kg, immunotherapy="anti-PD-1", permutations=0, all_drugs=True)
    cells = {
        kg.node(t).name: set(filter(None, c.split(";")))
        for t, c in zip(table.target_id, table.drugs, strict=True)
    }
    for gene, names in {
        "ARG1": {"urea"},
        "IDO1": {"tryptophan"},
        "GLS": {"L-glutamic-acid"},
        "LDHA": {"coenzyme-I", "nicotinamide"},
        "PGD": {"gadopentetic-acid"},
        "NOS2": {"L-arginine", "L-citrulline"},
    }.items():
        assert not (cells.get(gene, set()) & names), gene
    assert "epacadostat" in cells["IDO1"]  # inhibitors stay
    assert "celecoxib" in cells["PTGS2"]
    short = rank(kg, immunotherapy="anti-PD-1", permutations=0).set_index("target_symbol")
    assert len(short.loc["PTGS2", "drugs"].split(";")) == 5


def test_every_reason_is_used(full_build) -> None:
    _, kg = full_build
    reasons = defaultdict(int)
    for e in kg.edges("targets"):
        reasons[e.prop("nontherapeutic_reason", "therapeutic")] += 1
    for reason in ("therapeutic", *REASONS):
        assert reasons[reason] > 0, reason
    assert reasons["therapeutic"] > sum(reasons.values()) / 2
