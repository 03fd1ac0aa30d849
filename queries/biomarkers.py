"""Candidate plasma biomarkers: metabolites that could report a target's inhibition or a subtype's programme.

For a target gene (or every gene of a metabolic subtype's signature, ``queries/signatures.yaml``) the
metabolites it acts on are found along two routes of the graph:

* one hop: the gene *produces*, *degrades* or *transports* the metabolite (predicates with a Gene subject
  and a Metabolite object in the schema);
* two hops: the gene *catalyzes* a reaction (Human-GEM) that *has_input* / *has_output* the metabolite.

The sign of the route (schema signs: produces +1, degrades -1, export +1, import -1, has_output +1,
has_input -1) times the modulation (inhibition -1 for a target; +1 for a subtype whose programme is
raised) gives the expected change of the metabolite. Metabolites touching more than ``max_degree`` edges
(currency metabolites: H+, water, ATP ...) are left out.

Each metabolite gets, when available:

* ``blood_uM``: the reference blood concentration (micromolar) from MEBOCOST's HMDB table
  (``hmdb_blood_metabolite_concentration.tsv``), read at query time from ``blood_table`` or the data
  directory's ``mebocost`` folder; the table is never shipped with tmekg;
* ``plasma_evidence``: citations of ``observed_in`` edges to a plasma Context (a Context node with the
  xref ``UBERON:0001969`` blood plasma), e.g. plasma BCAAs rising before PDAC diagnosis.

Examples
--------
>>> from tmekg.queries.biomarkers import biomarkers
>>> biomarkers(kg, target="IDO1")                                   # doctest: +SKIP
>>> biomarkers(kg, subtype="glycolytic", blood_table="blood.tsv")   # doctest: +SKIP
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.errors import TmekgError
from tmekg.schema import load_schema

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.graph import KnowledgeGraph, Neighbour

GENE, METABOLITE, REACTION, CONTEXT, DRUG = "Gene", "Metabolite", "Reaction", "Context", "Drug"
PLASMA_XREF = "UBERON:0001969"  # blood plasma
BLOOD_FILE = "hmdb_blood_metabolite_concentration.tsv"
HMDB_FILE = "metabolite_annotation_HMDB_summary.tsv.gz"
# Edges above which a metabolite counts as a currency/hub compound. On the full build (2026-12) proton,
# water, ATP, ADP, CoA, Na+, NAD(P)(H), O2, Pi, PPi, AMP, HCO3- and UDP all have 600-5100 edges, while
# the amino acids a target moves (L-leucine 300, L-valine 248, L-isoleucine 243, glutamate 411) stay
# below 500; the old default of 200 hid them (BCAT1 showed no branched-chain amino acid).
MAX_DEGREE = 500
COLUMNS = [
    "metabolite_id",
    "metabolite",
    "expected_change",
    "paths",
    "genes",
    "example_path",
    "blood_uM",
    "plasma_evidence",
]


class BiomarkerError(TmekgError):
    """A biomarker query that cannot be answered (no target/subtype, unreadable blood table)."""


# -- blood reference table ------------------------------------------------------------------------
def find_blood_table(explicit: str | Path | None = None, data: str | Path | None = None) -> Path | None:
    """The blood concentration table: ``explicit`` if given, else ``<data dir>/mebocost/<file>`` if present.

    >>> find_blood_table("missing.tsv")   # doctest: +SKIP
    BiomarkerError: ...
    """
    from tmekg.config import data_dir

    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise BiomarkerError(f"blood table not found: {path}")
        return path
    candidate = data_dir(data) / "mebocost" / BLOOD_FILE
    return candidate if candidate.is_file() else None


def read_blood_table(path: Path) -> dict[str, float]:
    """Metabolite name (lower case) -> blood concentration (uM) from a two-column, header-less TSV.

    >>> read_blood_table(Path("hmdb_blood_metabolite_concentration.tsv"))["l-lactic acid"]   # doctest: +SKIP
    1726.284
    """
    out: dict[str, float] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        try:
            out[parts[0].strip().lower()] = float(parts[1])
        except (IndexError, ValueError):
            raise BiomarkerError(f"{path}:{number}: expected 'name<TAB>concentration'") from None
    return out


def _hmdb_of_names(folder: Path) -> dict[str, str]:
    """Metabolite name or synonym (lower case) -> HMDB id, from MEBOCOST's HMDB summary if present."""
    path = folder / HMDB_FILE
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        ids, name, synonyms = (header.index(c) for c in ("HMDB_ID", "metabolite", "synonyms_name"))
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            for text in [parts[name], *parts[synonyms].split("; ")]:
                out.setdefault(text.strip().lower(), parts[ids])
    return out


def blood_concentrations(kg: KnowledgeGraph, path: Path | None) -> dict[str, float]:
    """Metabolite node id -> reference blood concentration (uM), matched by name/synonym or HMDB xref."""
    if path is None:
        return {}
    table = read_blood_table(path)
    hmdb = _hmdb_of_names(path.parent)
    by_hmdb = {f"HMDB:{hmdb[name]}": value for name, value in table.items() if name in hmdb}
    out: dict[str, float] = {}
    for node in kg.nodes:
        if node.category != METABOLITE:
            continue
        for name in (node.name, *node.synonyms):
            if name.lower() in table:
                out[node.id] = table[name.lower()]
                break
        else:
            hits = [by_hmdb[x] for x in node.xrefs if x in by_hmdb]
            if hits:
                out[node.id] = hits[0]
    return out


# -- plasma evidence ------------------------------------------------------------------------------
def plasma_contexts(kg: KnowledgeGraph) -> set[str]:
    """Context nodes standing for blood plasma (xref UBERON:0001969)."""
    return {n.id for n in kg.nodes if n.category == CONTEXT and PLASMA_XREF in n.xrefs}


def plasma_evidence(kg: KnowledgeGraph, metabolite: str, plasma: set[str]) -> list[str]:
    """``direction: PMID|DOI ...`` for each observed_in edge of a metabolite to a plasma context."""
    out = []
    for nb in kg.neighbours(metabolite):
        if nb.outgoing and nb.other.id in plasma:
            evidence = sorted({e for p in nb.edge.provenance for e in p.evidence})
            out.append(f"{nb.edge.prop('direction', 'present')}: {' '.join(evidence)}")
    return out


# -- routes from genes to metabolites -------------------------------------------------------------
def _predicates(subject: str, obj: str) -> set[str]:
    """Schema predicates allowed from ``subject`` to ``obj`` categories."""
    return {name for name, p in load_schema().predicates.items() if subject in p.subject and obj in p.object}


def _steps(kg: KnowledgeGraph, node: str, predicates: set[str], category: str) -> Iterable[Neighbour]:
    for nb in kg.neighbours(node):
        if nb.outgoing and nb.edge.predicate in predicates and nb.other.category == category:
            yield nb


def gene_routes(kg: KnowledgeGraph, gene: str) -> list[tuple[str, int, str]]:
    """(metabolite id, route sign, path text) for every one- and two-hop route from a gene."""
    schema = load_schema()
    direct, catalysis = _predicates(GENE, METABOLITE), _predicates(GENE, REACTION)
    reaction_io = _predicates(REACTION, METABOLITE)
    name = kg.node(gene).name
    routes = []
    for nb in _steps(kg, gene, direct, METABOLITE):
        routes.append(
            (nb.other.id, schema.edge_sign(nb.edge), f"{name} -{nb.edge.predicate}-> {nb.other.name}")
        )
    for rx in _steps(kg, gene, catalysis, REACTION):
        reversible = bool(rx.other.prop("reversible", False))
        for nb in _steps(kg, rx.other.id, reaction_io, METABOLITE):
            sign = 0 if reversible else schema.edge_sign(nb.edge)
            text = f"{name} -{rx.edge.predicate}-> {rx.other.name} -{nb.edge.predicate}-> {nb.other.name}"
            routes.append((nb.other.id, sign, text))
    return routes


def modulation(kg: KnowledgeGraph, gene: str) -> int:
    """-1 if any drug inhibits the gene or none is known (default inhibition), +1 if drugs only activate."""
    schema = load_schema()
    signs = [
        schema.edge_sign(nb.edge)
        for nb in kg.neighbours(gene)
        if not nb.outgoing and nb.other.category == DRUG
    ]
    return 1 if signs and all(s > 0 for s in signs) else -1


def _degrees(kg: KnowledgeGraph) -> Any:
    import numpy as np

    ends = np.asarray(kg.edge_index[:, :2]).ravel()
    return np.bincount(ends, minlength=len(kg.nodes))


def _expected(signs: list[int]) -> str:
    if any(s > 0 for s in signs) and any(s < 0 for s in signs):
        return "mixed"
    if any(s > 0 for s in signs):
        return "increase"
    return "decrease" if any(s < 0 for s in signs) else "unknown (reversible or unsigned)"


# -- the query ------------------------------------------------------------------------------------
def subtype_genes(kg: KnowledgeGraph, subtype: str) -> list[str]:
    """Gene node ids of a subtype signature (queries/signatures.yaml) present in the graph."""
    from tmekg.queries.profile import load_signatures

    signatures = load_signatures()["subtypes"]["signatures"]
    if subtype not in signatures:
        raise BiomarkerError(f"unknown subtype '{subtype}' (known: {', '.join(sorted(signatures))})")
    ids = {n.name: n.id for n in kg.nodes if n.category == GENE}
    return [ids[g] for g in signatures[subtype] if g in ids]


def _sources(kg: KnowledgeGraph, target: str | None, subtype: str | None) -> list[tuple[str, int]]:
    """(gene id, modulation) pairs to start from."""
    if bool(target) == bool(subtype):
        raise BiomarkerError("give exactly one of --target or --subtype")
    if target:
        node = kg.resolve(target)
        if node.category != GENE:
            raise BiomarkerError(
                f"'{target}' resolves to {node.id} ({node.category}); a target must be a gene"
            )
        return [(node.id, modulation(kg, node.id))]
    return [(g, 1) for g in subtype_genes(kg, str(subtype))]


def biomarkers(
    kg: KnowledgeGraph,
    target: str | None = None,
    subtype: str | None = None,
    blood_table: str | Path | None = None,
    data: str | Path | None = None,
    max_degree: int = MAX_DEGREE,
    plasma_only: bool = False,
) -> pd.DataFrame:
    """Metabolites that could monitor a target's inhibition or a subtype's programme (:data:`COLUMNS`).

    Rows with plasma evidence come first, then rows with a blood reference concentration, then the rest;
    within each, more connecting paths first. ``plasma_only`` keeps rows measurable in blood (a reference
    concentration or plasma evidence).
    """
    import pandas as pd

    sources = _sources(kg, target, subtype)
    blood = blood_concentrations(kg, find_blood_table(blood_table, data))
    plasma, degree = plasma_contexts(kg), _degrees(kg)
    found: dict[str, dict[str, Any]] = {}
    for gene, m in sources:
        for metabolite, sign, text in gene_routes(kg, gene):
            if degree[kg.row(metabolite)] > max_degree:
                continue
            entry = found.setdefault(metabolite, {"signs": [], "paths": [], "genes": set()})
            entry["signs"].append(m * sign)
            entry["paths"].append(text)
            entry["genes"].add(kg.node(gene).name)
    rows = [_row(kg, mid, e, blood, plasma) for mid, e in found.items()]
    if plasma_only:
        rows = [r for r in rows if r["blood_uM"] is not None or r["plasma_evidence"]]
    rows.sort(key=lambda r: (not r["plasma_evidence"], r["blood_uM"] is None, -r["paths"], r["metabolite"]))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(kg: KnowledgeGraph, metabolite: str, entry: dict, blood: dict, plasma: set[str]) -> dict[str, Any]:
    return {
        "metabolite_id": metabolite,
        "metabolite": kg.node(metabolite).name,
        "expected_change": _expected(entry["signs"]),
        "paths": len(entry["paths"]),
        "genes": ";".join(sorted(entry["genes"])),
        "example_path": entry["paths"][0],
        "blood_uM": blood.get(metabolite),
        "plasma_evidence": "; ".join(plasma_evidence(kg, metabolite, plasma)),
    }
