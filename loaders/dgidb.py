"""Loader for the DGIdb ``interactions.tsv`` download (drug–gene interaction claims).

Layouts accepted (the header decides):

DGIdb 4 (2021–2023)
    ``gene_name, gene_claim_name, entrez_id, interaction_claim_source, interaction_types,
    drug_claim_name, drug_claim_primary_name, drug_name, drug_concept_id, interaction_group_score,
    PMIDs``; ``interaction_types`` and ``PMIDs`` are comma-joined; ``drug_concept_id`` is a CURIE
    such as ``chembl:CHEMBL941`` (or ``rxcui:…``, ``ncit:…``) or empty.
DGIdb 3 (≤ 2020)
    as above with ``drug_chembl_id`` (a bare ChEMBL id) instead of ``drug_concept_id``.
DGIdb 5 (2024–)
    ``gene_claim_name, gene_concept_id, gene_name, interaction_source_db_name,
    interaction_source_db_version, interaction_type, interaction_score, drug_claim_name,
    drug_concept_id, drug_name, approved, immunotherapy, anti_neoplastic``.

Records: Drug nodes (``CHEMBL.COMPOUND`` / ``DRUGBANK`` / ``PUBCHEM.COMPOUND`` from the concept id,
else ``TMEKG:drug.<slug of the name>``; ``max_phase`` 4 when DGIdb 5 says approved; ``modality`` from
the INN stem, so that an inhibiting ``-mab`` becomes a ``blocking_antibody``), Gene nodes
(``HGNC.SYMBOL``, xref NCBIGENE/HGNC) and one ``targets`` edge per drug–gene pair, merging the
claims of all sources (PMIDs unioned, highest score kept; the action is the one specific action the
claims name, or ``other`` when they name none or disagree).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import open_text, read_table, resolve
from tmekg.loaders.drugcentral import antibody_action, drug_action, drug_slug, modality_of
from tmekg.loaders.metalinksdb import gene_id
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "dgidb"
INTERACTIONS = "interactions.tsv"
# Logical column -> accepted header names, first = DGIdb 4 spelling (named in errors).
COLUMNS: dict[str, tuple[str, ...]] = {
    "gene": ("gene_name",),
    "drug_id": ("drug_concept_id", "drug_chembl_id"),
    "types": ("interaction_types", "interaction_type"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "gene_id": ("entrez_id", "gene_concept_id"),
    "score": ("interaction_group_score", "interaction_score"),
    "pmids": ("PMIDs",),
    "approved": ("approved",),
    "names": ("drug_name", "drug_claim_primary_name", "drug_claim_name"),  # first non-empty one is used
}
DRUG_PREFIXES = {"chembl": "CHEMBL.COMPOUND", "drugbank": "DRUGBANK", "pubchem.compound": "PUBCHEM.COMPOUND"}
_MISSING = {"", "nan", "na", "n/a", "none", "null", "missing"}


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield DGIdb drugs, genes, then merged ``targets`` edges."""
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    path = resolve(directory / INTERACTIONS)
    columns = resolve_columns(path)
    graph = _Graph(version)
    required = tuple(columns[k][0] for k in COLUMNS)
    for line, row in read_table(path, "\t", required=required, quoted=False):
        report.rows += 1
        values = {k: [v for v in (_value(row.get(c)) for c in cs) if v] for k, cs in columns.items()}
        first = {k: v[0] if v else "" for k, v in values.items()}
        graph.add(f"{path.name}:{line}", first, values["names"][:1], report)
    yield from graph.records()


def resolve_columns(path: Path) -> dict[str, tuple[str, ...]]:
    """Logical column -> header names present in this file (required ones must exist)."""
    with open_text(path) as handle:
        header = [h.strip() for h in handle.readline().rstrip("\r\n").split("\t")]
    out: dict[str, tuple[str, ...]] = {}
    for key, names in {**COLUMNS, **OPTIONAL}.items():
        present = tuple(n for n in names if n in header)
        if not present and key in COLUMNS:
            hint = "" if len(header) > 1 else " (wrong delimiter?)"
            message = f"missing column {names[0]}{hint}; found {header[:12]}"
            raise LoaderError(message, path=path, line=1, field=names[0])
        out[key] = present
    return out


def drug_curie(concept: str | None) -> str | None:
    """Schema CURIE for a DGIdb drug concept id, or ``None`` (rxcui, ncit, iuphar... have no prefix here).

    >>> drug_curie("chembl:CHEMBL941"), drug_curie("CHEMBL25"), drug_curie("rxcui:1234")
    ('CHEMBL.COMPOUND:CHEMBL941', 'CHEMBL.COMPOUND:CHEMBL25', None)
    """
    from tmekg.ids import is_valid

    if not concept:
        return None
    prefix, sep, local = concept.partition(":")
    prefix, local = (prefix.strip().lower(), local.strip()) if sep else ("chembl", concept.strip())
    if prefix not in DRUG_PREFIXES:
        return None
    curie = f"{DRUG_PREFIXES[prefix]}:{local.upper() if prefix == 'chembl' else local}"
    return curie if is_valid(curie, "Drug") else None


def _value(text: str | None) -> str:
    value = (text or "").strip()
    return "" if value.lower() in _MISSING else value


class _Graph:
    """Drugs and genes in first-seen order; one edge per drug–gene pair with merged claims."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.drugs: dict[str, dict] = {}
        self.genes: dict[str, list[str]] = {}
        self.edges: dict[tuple[str, str], dict] = {}

    def add(self, record: str, row: dict[str, str], names: list[str], report: LoadReport) -> None:
        gene = gene_id(row["gene"])
        drug = drug_curie(row["drug_id"]) or (drug_slug(names[0]) if names else None)
        if gene is None or drug is None:
            what = "gene symbol" if gene is None else "drug id and name"
            report.skip(f"missing or invalid {what}", f"{row['gene']!r} {row['drug_id']!r} ({record})")
            return
        self._drug(drug, names, row["approved"].lower() in ("true", "t", "yes", "1"))
        self._gene(gene, row["gene_id"])
        edge = self.edges.setdefault((drug, gene), {"record": record, "actions": [], "pmids": []})
        actions = {drug_action(t) for t in _split(row["types"])} - {"other"}
        actions -= {"binder"} if len(actions) > 1 else set()  # "inhibitor,antibody": the antibody inhibits
        edge["actions"] += [a for a in sorted(actions) if a not in edge["actions"]]
        pmids = (f"PMID:{p}" for p in _split(row["pmids"]) if p.isdigit())
        edge["pmids"] += [p for p in pmids if p not in edge["pmids"]]
        scores = [x for x in (edge.get("score"), _float(row["score"])) if x is not None]
        edge["score"] = max(scores) if scores else None

    def _drug(self, curie: str, names: list[str], approved: bool) -> None:
        entry = self.drugs.setdefault(curie, {"names": [], "approved": False})
        names = [n.lower() if n.isupper() else n for n in names]  # DGIdb upper-cases drug names
        entry["names"] += [n for n in dict.fromkeys(names) if n not in entry["names"]]
        entry["approved"] |= approved

    def _gene(self, curie: str, gene_ref: str) -> None:
        from tmekg.ids import normalize

        xrefs = self.genes.setdefault(curie, [])
        xref = normalize(gene_ref, default_prefix="NCBIGENE" if gene_ref.isdigit() else None)
        if xref and xref.split(":", 1)[0] in ("NCBIGENE", "HGNC", "ENSEMBL") and xref not in xrefs:
            xrefs.append(xref)

    def records(self) -> Iterator[Node | Edge]:
        prov = (Provenance(SOURCE, self.version),)
        for curie, d in self.drugs.items():
            name = d["names"][0] if d["names"] else curie.split(":", 1)[1]
            properties = props(max_phase=4 if d["approved"] else None, modality=self._modality(curie))
            yield Node(curie, "Drug", name, tuple(d["names"][1:]), properties=properties, provenance=prov)
        for curie, xrefs in self.genes.items():
            yield Node(curie, "Gene", curie.split(":", 1)[1], xrefs=tuple(xrefs), provenance=prov)
        for (drug, gene), e in self.edges.items():
            p = Provenance(
                SOURCE, self.version, evidence=tuple(e["pmids"]), score=e["score"], record=e["record"]
            )
            action = e["actions"][0] if len(e["actions"]) == 1 else "other"
            action = antibody_action(action, self._modality(drug))
            yield Edge(drug, "targets", gene, (p,), props(action=action))

    def _modality(self, drug: str) -> str | None:
        """Modality from the INN stem of the drug's name (DGIdb gives no molecule type)."""
        names = self.drugs[drug]["names"]
        return modality_of(names[0]) if names else None


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
