"""Loader for the ChEMBL drug-mechanism table (web-interface download), with target UniProt mapping.

Files (user-supplied: ChEMBL is not part of the shared data):

``drug_mechanism.tsv``
    The "Drug Mechanisms" download of the ChEMBL web interface: every field double-quoted, columns
    ``Parent Molecule ChEMBL ID, Parent Molecule Name, Parent Molecule Type, Max Phase, First
    Approval, USAN Stem, Smiles, Mechanism of Action, Mechanism Comment, Selectivity Comment,
    Target ChEMBL ID, Target Name, Action Type, Target Type, Target Organism, Binding Site Name,
    Binding Site Comment, References, Synonyms`` (recent releases repeat ``Parent Molecule ChEMBL
    ID`` as a last column). Tab-separated; the older ``;``-separated CSV export is also accepted.
    ``References`` holds a Python-literal dict of references (PubMed ones become evidence).
``chembl_uniprot_mapping.txt`` (optional, ChEMBL FTP)
    ``# ChEMBL_NN`` then rows ``UniProt accession, target ChEMBL id, target name, target type``
    (no header). Needed to turn targets into genes: without it every row is skipped and counted.

Records: Drug nodes (``CHEMBL.COMPOUND``, max_phase, modality from the molecule type, mechanism),
Gene nodes ``UNIPROT:<accession>`` (the download has no gene symbols; see the report for merging)
and ``targets`` edges (human targets only) with the action mapped from ``Action Type``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import open_text, optional, read_table, resolve
from tmekg.loaders.drugcentral import antibody_action, drug_action, modality_of, pmids_in
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "chembl-mechanism"
MECHANISMS, UNIPROT_MAP = "drug_mechanism.tsv", "chembl_uniprot_mapping.txt"
COLUMNS = (
    "Parent Molecule ChEMBL ID",
    "Parent Molecule Name",
    "Parent Molecule Type",
    "Max Phase",
    "Mechanism of Action",
    "Action Type",
    "Target ChEMBL ID",
    "Target Name",
    "Target Type",
    "Target Organism",
)
MOLECULE_TYPES = {
    "small molecule": "small_molecule",
    "antibody": "antibody",
    "protein": "protein",
    "enzyme": "protein",
    "oligonucleotide": "oligonucleotide",
    "cell": "cell_therapy",
    "gene": "other",
    "oligosaccharide": "other",
}
HUMAN = "homo sapiens"
_SYNONYM_TAG = re.compile(r"\s*\([A-Z ,.\-]+\)\s*$")  # "Gallamine triethiodide (INN)" -> name


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield ChEMBL drugs, target genes (UniProt), then ``targets`` edges."""
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    mapping_file = optional(directory / UNIPROT_MAP)
    mapping = read_uniprot_mapping(mapping_file) if mapping_file else {}
    graph = _Graph(version, mapping)
    path = resolve(directory / MECHANISMS)
    for line, row in read_table(path, sniff_delimiter(path), required=COLUMNS):
        report.rows += 1
        graph.add_row(path.name, line, row, report)
    yield from graph.records()


def sniff_delimiter(path: Path) -> str:
    """Tab for the current download, ``;`` for the older CSV export."""
    with open_text(path) as handle:
        try:
            header = handle.readline()
        except UnicodeDecodeError as exc:
            raise LoaderError(f"not valid UTF-8 text ({exc.reason})", path=path, line=1) from None
    return "\t" if "\t" in header else ";" if ";" in header else ","


def read_uniprot_mapping(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Target ChEMBL id -> [(UniProt accession, target name, target type)]."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    with open_text(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.startswith("#") or not raw.strip():
                continue
            fields = raw.rstrip("\r\n").split("\t")
            if len(fields) < 2:
                raise LoaderError("expected 4 tab-separated fields", path=path, line=number)
            accession, target = fields[0].strip(), fields[1].strip()
            name, kind = [*fields, "", ""][2:4]
            out.setdefault(target, []).append((accession, name.strip(), kind.strip()))
    return out


def max_phase(text: str) -> int | None:
    """ChEMBL max phase (``4``, ``4.0``, ``0.5`` = early phase 1, empty/``-1`` = unknown) as 0-4.

    >>> max_phase("4.0"), max_phase("0.5"), max_phase(""), max_phase("-1")
    (4, 1, None, None)
    """
    try:
        value = float(text)
    except ValueError:
        return None
    return min(4, math.ceil(value)) if value >= 0 else None


class _Graph:
    """Drugs (with merged mechanisms), UniProt genes and ``targets`` edges, in first-seen order."""

    def __init__(self, version: str, mapping: dict[str, list[tuple[str, str, str]]]) -> None:
        self.version, self.mapping = version, mapping
        self.drugs: dict[str, dict] = {}
        self.genes: dict[str, tuple[str, str | None]] = {}
        self.edges: dict[tuple[str, str], Edge] = {}

    def add_row(self, filename: str, line: int, row: dict[str, str], report: LoadReport) -> None:
        where = f"{row['Parent Molecule ChEMBL ID']} -> {row['Target ChEMBL ID']} (line {line})"
        components = self.mapping.get(row["Target ChEMBL ID"].strip(), [])
        if row["Target Organism"].strip().lower() != HUMAN:
            report.skip("non-human or missing target", where)
            return
        if not components:
            report.skip("target not mapped to UniProt (chembl_uniprot_mapping.txt)", where)
            return
        drug = self._drug(row)
        if drug is None:
            report.skip("invalid or missing Parent Molecule ChEMBL ID", where)
            return
        action = antibody_action(drug_action(row["Action Type"]), drug["modality"])
        evidence = pmids_in(row.get("References"))
        prov = Provenance(SOURCE, self.version, evidence=evidence, record=f"{filename}:{line}")
        single = row["Target Type"].strip().upper() == "SINGLE PROTEIN" and len(components) == 1
        genes = [self._gene(acc, row["Target Name"].strip() if single else None) for acc, _, _ in components]
        new = [g for g in dict.fromkeys(genes) if g and (drug["id"], g) not in self.edges]
        for gene in new:
            self.edges[(drug["id"], gene)] = Edge(drug["id"], "targets", gene, (prov,), props(action=action))
        if not new:
            report.skip("no new drug–target pair (already seen or invalid accession)", where)

    def _drug(self, row: dict[str, str]) -> dict | None:
        from tmekg.ids import is_valid

        chembl = row["Parent Molecule ChEMBL ID"].strip().upper()
        curie = f"CHEMBL.COMPOUND:{chembl}"
        if not is_valid(curie, "Drug"):
            return None
        name = row["Parent Molecule Name"].strip().lower() or chembl
        kind = row["Parent Molecule Type"].strip().lower()
        drug = self.drugs.setdefault(
            chembl,
            {
                "id": curie,
                "name": name,
                "synonyms": _synonyms(row.get("Synonyms", ""), name),
                "modality": MOLECULE_TYPES.get(kind) or modality_of(name),
                "max_phase": max_phase(row["Max Phase"].strip()),
                "mechanisms": [],
            },
        )
        moa = row["Mechanism of Action"].strip()
        drug["mechanisms"] += [moa] if moa and moa not in drug["mechanisms"] else []
        return drug

    def _gene(self, accession: str, full_name: str | None) -> str | None:
        from tmekg.ids import is_valid

        curie = f"UNIPROT:{accession}"
        if not is_valid(curie, "Gene"):
            return None
        if curie not in self.genes or (full_name and not self.genes[curie][1]):
            self.genes[curie] = (full_name or accession, full_name)
        return curie

    def records(self) -> Iterator[Node | Edge]:
        prov = (Provenance(SOURCE, self.version),)
        for d in self.drugs.values():
            mechanism = "; ".join(d["mechanisms"]) or None
            properties = props(modality=d["modality"], max_phase=d["max_phase"], mechanism=mechanism)
            yield Node(d["id"], "Drug", d["name"], d["synonyms"], properties=properties, provenance=prov)
        for curie, (name, full_name) in self.genes.items():
            yield Node(curie, "Gene", name, properties=props(full_name=full_name), provenance=prov)
        yield from self.edges.values()


def _synonyms(text: str, name: str) -> tuple[str, ...]:
    """Distinct synonyms with the trailing source tag removed, excluding the name itself."""
    names = (_SYNONYM_TAG.sub("", s).strip() for s in text.split("|"))
    return tuple(s for s in dict.fromkeys(names) if s and s.lower() != name)
