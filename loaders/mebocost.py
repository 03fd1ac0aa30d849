"""Loader for MEBOCOST's curated metabolite–sensor pairs and its HMDB enzyme tables.

Files (tab-separated, ``.gz`` variants read transparently):

``met_sen_October-25-2022_14-52-47.tsv``
    One metabolite–sensor pair per row: ``HMDB_ID``, ``standard_metName``, ``metName``
    (``;``-joined synonyms), ``Gene_name``, ``Evidence`` (``;``-joined PMIDs mixed with words such
    as ``Recon2`` and URLs) and ``Annotation`` (Transporter, Receptor, Nuclear Receptor).
``metabolite_associated_gene_reaction_HMDB_summary.tsv`` (optional)
    HMDB reactions: ``HMDB_ID``, ``reaction``, ``gene`` (``;``-joined ``SYMBOL[Enzyme]`` /
    ``SYMBOL[Unknown]``) and ``direction`` (``substrate`` or ``product`` of the reaction).
``metabolite_annotation_HMDB_summary.tsv`` (optional)
    HMDB names, synonyms, KEGG ids, secondary HMDB ids and classes (``sub_class``, else ``class``,
    becomes ``metabolite_class``); used to name and
    cross-reference the metabolites the other tables mention (it carries no ChEBI ids, so HMDB
    metabolites merge with other sources through their HMDB id or xref).

Records: Metabolite ``HMDB:`` nodes, Gene ``HGNC.SYMBOL:`` nodes with roles; ``transports``
(transporter → metabolite, direction bidirectional) or ``binds`` (metabolite → receptor) edges
with the PMIDs as evidence; ``produces`` / ``degrades`` edges (enzyme → metabolite).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tmekg.io import optional, read_table, resolve
from tmekg.loaders.metalinksdb import gene_id, hmdb_id
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "mebocost"
SENSORS = "met_sen_October-25-2022_14-52-47.tsv"
REACTIONS = "metabolite_associated_gene_reaction_HMDB_summary.tsv"
ANNOTATION = "metabolite_annotation_HMDB_summary.tsv"
SENSOR_COLUMNS = ("HMDB_ID", "standard_metName", "metName", "Gene_name", "Evidence", "Annotation")
REACTION_COLUMNS = ("metabolite", "HMDB_ID", "gene", "direction")
ANNOTATION_COLUMNS = ("HMDB_ID", "Secondary_HMDB_ID", "Kegg_ID", "metabolite", "synonyms_name", "sub_class")
# annotation -> (predicate, gene role)
SENSOR_KINDS = {
    "transporter": ("transports", "transporter"),
    "receptor": ("binds", "receptor"),
    "nuclear receptor": ("binds", "nuclear_receptor"),
}
REACTION_PREDICATES = {"product": "produces", "substrate": "degrades"}
_PMID = re.compile(r"^\d{1,9}$")
_BRAND = re.compile(r"\bbrand\b", re.IGNORECASE)  # HMDB lists trade-name variants: noise for search
_GENE = re.compile(r"^\s*([^\[\]\s]+)\s*(?:\[[^\]]*\])?\s*$")


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield MEBOCOST metabolites, genes, then sensor and enzyme edges."""
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    annotation_file = optional(directory / ANNOTATION)
    annotation = read_annotation(annotation_file, report) if annotation_file else {}
    graph = _Graph(version, annotation)
    _read_sensors(resolve(directory / SENSORS), graph, report)
    reactions = optional(directory / REACTIONS)
    if reactions is not None:
        _read_reactions(reactions, graph, report)
    yield from graph.records()


def split(text: str | None, separators: str = ";") -> list[str]:
    """Split a ``;``-joined field into stripped, distinct, non-empty parts.

    >>> split("Arginine; L-Arginine;")
    ['Arginine', 'L-Arginine']
    """
    parts = re.split(f"[{re.escape(separators)}]", text or "")
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def pmids(text: str | None) -> tuple[str, ...]:
    """PMID CURIEs among the evidence tokens (words and URLs are ignored).

    >>> pmids("16611739; Recon2; 30728759, 31259764")
    ('PMID:16611739', 'PMID:30728759', 'PMID:31259764')
    """
    return tuple(f"PMID:{t}" for t in split(text, ";,") if _PMID.match(t))


def read_annotation(path: Path, report: LoadReport) -> dict[str, dict]:
    """HMDB id -> name, synonyms, xrefs (KEGG, secondary HMDB) and class from the annotation table."""
    out: dict[str, dict] = {}
    for _line, row in read_table(path, "\t", required=ANNOTATION_COLUMNS, quoted=False):
        report.rows += 1
        curie = hmdb_id(row["HMDB_ID"])
        if curie is None:
            report.skip("annotation: invalid HMDB id", row["HMDB_ID"] or "(empty)")
            continue
        xrefs = [x for x in map(_kegg, split(row["Kegg_ID"])) if x]
        xrefs += [x for x in map(hmdb_id, split(row["Secondary_HMDB_ID"])) if x and x != curie]
        out.setdefault(
            curie,
            {
                "name": row["metabolite"].strip() or None,
                "synonyms": split(row["synonyms_name"]),
                "xrefs": list(dict.fromkeys(xrefs)),
                "class": row["sub_class"].strip() or row.get("class", "").strip() or None,
            },
        )
    return out


def _kegg(text: str) -> str | None:
    from tmekg.ids import is_valid

    curie = f"KEGG.COMPOUND:{text.strip()}"
    return curie if is_valid(curie) else None


class _Graph:
    """Collects metabolites, genes and merged edges in first-seen order."""

    def __init__(self, version: str, annotation: dict[str, dict]) -> None:
        self.version = version
        self.annotation = annotation
        self.metabolites: dict[str, dict] = {}
        self.genes: dict[str, list[str]] = {}
        self.edges: dict[tuple[str, str, str], tuple[Provenance, tuple]] = {}

    def metabolite(self, curie: str, name: str | None, synonyms: list[str]) -> None:
        entry = self.metabolites.setdefault(curie, {"names": [], "synonyms": []})
        entry["names"] += [name] if name else []
        entry["synonyms"] += synonyms

    def gene(self, curie: str, role: str) -> None:
        roles = self.genes.setdefault(curie, [])
        if role not in roles:
            roles.append(role)

    def edge(self, key: tuple[str, str, str], prov: Provenance, **prop: str) -> bool:
        if key in self.edges:
            return False
        self.edges[key] = (prov, props(prop))
        return True

    def records(self) -> Iterator[Node | Edge]:
        prov = (Provenance(SOURCE, self.version),)
        for curie, entry in self.metabolites.items():
            yield self._metabolite(curie, entry, prov)
        for curie, roles in self.genes.items():
            yield Node(
                curie, "Gene", curie.split(":", 1)[1], properties=props(roles=sorted(roles)), provenance=prov
            )
        for (subject, predicate, obj), (p, properties) in self.edges.items():
            yield Edge(subject, predicate, obj, (p,), properties)

    def _metabolite(self, curie: str, entry: dict, prov: tuple[Provenance, ...]) -> Node:
        ann = self.annotation.get(curie, {})
        names = [n for n in [ann.get("name"), *entry["names"]] if n]
        name = names[0] if names else curie.split(":", 1)[1]
        synonyms = [
            s for s in dict.fromkeys([*names, *entry["synonyms"], *ann.get("synonyms", [])]) if s != name
        ]
        return Node(
            id=curie,
            category="Metabolite",
            name=name,
            synonyms=tuple(synonyms),
            xrefs=tuple(ann.get("xrefs", ())),
            properties=props(metabolite_class=ann.get("class")),
            provenance=prov,
        )


def _read_sensors(path: Path, graph: _Graph, report: LoadReport) -> None:
    for line, row in read_table(path, "\t", required=SENSOR_COLUMNS, quoted=False):
        report.rows += 1
        met, gene = hmdb_id(row["HMDB_ID"]), gene_id(row["Gene_name"].strip())
        kind = SENSOR_KINDS.get(row["Annotation"].strip().lower())
        if met is None or gene is None or kind is None:
            what = "HMDB id" if met is None else "gene symbol" if gene is None else "annotation"
            example = f"{row['HMDB_ID']} {row['Gene_name']} {row['Annotation']} (line {line})"
            report.skip(f"sensors: invalid or missing {what}", example)
            continue
        predicate, role = kind
        graph.metabolite(met, row["standard_metName"].strip() or None, split(row["metName"]))
        graph.gene(gene, role)
        evidence = pmids(row["Evidence"])
        prov = Provenance(SOURCE, graph.version, evidence=evidence, record=f"{path.name}:{line}")
        if predicate == "transports":
            added = graph.edge((gene, predicate, met), prov, direction="bidirectional")
        else:
            added = graph.edge((met, predicate, gene), prov)
        if not added:
            report.skip("sensors: duplicate pair", f"{met} {gene} (line {line})")


def _read_reactions(path: Path, graph: _Graph, report: LoadReport) -> None:
    for line, row in read_table(path, "\t", required=REACTION_COLUMNS, quoted=False):
        report.rows += 1
        met = hmdb_id(row["HMDB_ID"])
        predicate = REACTION_PREDICATES.get(row["direction"].strip().lower())
        genes = [g for g in (_gene_of(part) for part in split(row["gene"])) if g]
        if met is None or predicate is None or not genes:
            what = "HMDB id" if met is None else "direction" if predicate is None else "gene"
            example = f"{row['HMDB_ID']} {row['gene']!r} {row['direction']} (line {line})"
            report.skip(f"reactions: invalid or missing {what}", example)
            continue
        graph.metabolite(met, row["metabolite"].strip() or None, [])
        prov = Provenance(SOURCE, graph.version, record=f"{path.name}:{line}")
        added = [graph.edge((gene, predicate, met), prov) for gene in genes]
        for gene in genes:
            graph.gene(gene, "enzyme")
        if not any(added):
            report.skip("reactions: no new link (gene–metabolite pairs already seen)", f"line {line}")


def _gene_of(part: str) -> str | None:
    """``HGNC.SYMBOL:CYP2C9`` from ``CYP2C9[Unknown]``."""
    match = _GENE.match(part)
    return gene_id(match.group(1)) if match else None
