"""Loader for DrugCentral drug–target interactions (approved drugs), plus helpers shared by the
drug loaders (action vocabulary, modality from INN stems, local drug ids).

Files (tab-separated, ``.gz`` variants read transparently):

``drug_target.tsv``
    ``DRUG_ID, CHEMBL_ID, DRUG_NAME, TARGET_NAME, TARGET_FAMILY, UNIPROT, GENE, SWISSPROT,
    ACTION_TYPE, SOURCE, REFERENCE``; multi-component targets list ``|``-joined accessions, genes
    and SwissProt entry names (whose ``_HUMAN`` suffix tells the organism); ``REFERENCE`` is a URL
    (PubMed links become evidence).
``identifiers.tsv`` (optional)
    ``DRUG_ID, DRUG_NAME, ID_TYPE, IDENTIFIER`` with double-quoted values: ChEMBL, DrugBank,
    PubChem, ChEBI ids (and InChIKeys where a release has them) become cross-references.
``pharm_class.tsv`` (optional)
    ``DRUG_ID, DRUG_NAME, TYPE, CLASS_SOURCE_ID, CLASS, SOURCE``: the first FDA established
    pharmacologic class (EPC) becomes the drug's ``mechanism``; classes also hint the modality.

Records: Drug nodes (id ``CHEMBL.COMPOUND`` when known else ``DRUGCENTRAL``; xrefs DRUGCENTRAL,
DRUGBANK, PUBCHEM.COMPOUND, CHEBI, INCHIKEY; ``max_phase`` 4; ``kind`` ``imaging_agent`` when a
pharmacologic class says contrast / diagnostic imaging agent, see :mod:`tmekg.loaders.drug_kinds`),
Gene nodes (``HGNC.SYMBOL``, xref UNIPROT, role from the target family) and ``targets`` edges with
``action`` mapped from ``ACTION_TYPE``. Non-human target components are skipped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tmekg.io import optional, read_table, resolve
from tmekg.loaders.drug_kinds import drugcentral_imaging
from tmekg.loaders.metalinksdb import gene_id
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "drugcentral"
TARGETS, IDENTIFIERS, CLASSES = "drug_target.tsv", "identifiers.tsv", "pharm_class.tsv"
TARGET_COLUMNS = (
    "DRUG_ID",
    "CHEMBL_ID",
    "DRUG_NAME",
    "UNIPROT",
    "GENE",
    "SWISSPROT",
    "ACTION_TYPE",
    "REFERENCE",
)
ID_COLUMNS = ("DRUG_ID", "ID_TYPE", "IDENTIFIER")
CLASS_COLUMNS = ("DRUG_ID", "TYPE", "CLASS")
ID_TYPES = {
    "CHEMBL_ID": "CHEMBL.COMPOUND",
    "DRUGBANK_ID": "DRUGBANK",
    "PUBCHEM_CID": "PUBCHEM.COMPOUND",
    "CHEBI": "CHEBI",
    "INCHIKEY": "INCHIKEY",
}
FAMILY_ROLES = {
    "gpcr": "receptor",
    "membrane receptor": "receptor",
    "nuclear hormone receptor": "nuclear_receptor",
    "enzyme": "enzyme",
    "kinase": "enzyme",
    "transporter": "transporter",
}
# Ordered (phrase, action) rules: the first phrase found in a lower-cased action text wins.
ACTION_RULES: tuple[tuple[str, str], ...] = (
    ("inverse agonist", "antagonist"),
    ("negative allosteric modulator", "negative_modulator"),
    ("inhibitory allosteric modulator", "negative_modulator"),
    ("negative modulator", "negative_modulator"),
    ("positive allosteric modulator", "positive_modulator"),
    ("positive modulator", "positive_modulator"),
    ("potentiator", "positive_modulator"),
    ("degrader", "degrader"),
    ("antagonist", "antagonist"),
    ("agonist", "agonist"),
    ("inhibitor", "inhibitor"),
    ("blocker", "inhibitor"),
    ("suppressor", "inhibitor"),
    ("antisense", "inhibitor"),
    ("activator", "activator"),
    ("opener", "activator"),
    ("stimulator", "activator"),
    ("antigen", "antigen"),
    ("vaccine", "antigen"),
    ("binding", "binder"),
    ("binder", "binder"),
    ("ligand", "binder"),
    ("antibody", "binder"),
)
ANTIBODY_ACTIONS = {
    "inhibitor": "blocking_antibody",
    "antagonist": "blocking_antibody",
    "agonist": "agonist_antibody",
}
_PUBMED = re.compile(r"(?:europepmc\.org/abstract/MED/|pubmed[/:=]\s*|PMID:?\s*)(\d+)", re.I)
_ANTIBODY = re.compile(r"mab$|mab \w+$")
# INN stems of proteins and peptides (-cept fusion proteins, -ase enzymes, -tide peptides...).
_PROTEIN = re.compile(
    r"(cept|ase|ase alfa|grastim|poetin|ermin|leukin|kinra|(?<!cor)tide)$|^(peg)?interferon|^insulin"
)
_OLIGO = re.compile(r"(rsen|siran)$")
# Pharmacologic classes (DrugCentral) or molecule types (ChEMBL) that fix the modality.
_CLASS_MODALITY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"antibod", re.I), "antibody"),
    (re.compile(r"oligonucleotide", re.I), "oligonucleotide"),
    (re.compile(r"vaccine", re.I), "vaccine"),
    (re.compile(r"^(recombinant .*|insulins?|.*fusion proteins?|protein|enzyme)$", re.I), "protein"),
    (re.compile(r"^cell$", re.I), "cell_therapy"),
)


def drug_action(text: str | None) -> str:
    """Map a source's action/mechanism wording onto the schema's ``targets`` actions.

    >>> drug_action("POSITIVE ALLOSTERIC MODULATOR"), drug_action("EGFR inhibitor")
    ('positive_modulator', 'inhibitor')
    >>> drug_action("calcium channel blocker"), drug_action("RELEASING AGENT")
    ('inhibitor', 'other')
    """
    low = (text or "").lower().replace("_", " ")
    return next((action for phrase, action in ACTION_RULES if phrase in low), "other")


def antibody_action(action: str, modality: str | None) -> str:
    """Antibodies that inhibit or agonise become ``blocking_antibody`` / ``agonist_antibody``."""
    if modality != "antibody":
        return action
    return {
        "inhibitor": "blocking_antibody",
        "antagonist": "blocking_antibody",
        "agonist": "agonist_antibody",
    }.get(action, action)


def modality_of(name: str, classes: tuple[str, ...] | list[str] = ()) -> str:
    """Modality from pharmacologic classes / molecule types, else from INN stems.

    >>> modality_of("nivolumab"), modality_of("etanercept"), modality_of("imatinib")
    ('antibody', 'protein', 'small_molecule')
    >>> modality_of("eltrombopag", ["Breast Cancer Resistance Protein Inhibitors"])
    'small_molecule'
    """
    for text in classes:
        found = next((m for pattern, m in _CLASS_MODALITY if pattern.search(text.strip())), None)
        if found:
            return found
    low = name.lower().strip()
    if _ANTIBODY.search(low):
        return "antibody"
    if _OLIGO.search(low):
        return "oligonucleotide"
    return "protein" if _PROTEIN.search(low) else "small_molecule"


def drug_slug(name: str) -> str:
    """Local drug id as used by the curated KB (``TMEKG:drug.<slug>``).

    >>> drug_slug("KRAS G12D TCR T cells"), drug_slug("V-9302")
    ('TMEKG:drug.kras_g12d_tcr_t_cells', 'TMEKG:drug.v-9302')
    """
    text = re.sub(r"[^a-z0-9.+\-]+", "_", name.lower())
    return "TMEKG:drug." + (re.sub(r"_*-_*", "-", text).strip("_.-") or "unnamed")


def pmids_in(text: str | None) -> tuple[str, ...]:
    """PMID CURIEs in a reference field (PubMed / Europe PMC URLs, ``PMID:`` / ``PubMed:`` tokens).

    >>> pmids_in("http://www.ncbi.nlm.nih.gov/pubmed/24847974"), pmids_in("{'ref_type': 'ISBN'}")
    (('PMID:24847974',), ())
    >>> pmids_in("'ref_url': 'http://europepmc.org/abstract/MED/18633030', 'ref_type': 'PubMed'")
    ('PMID:18633030',)
    """
    return tuple(dict.fromkeys(f"PMID:{m}" for m in _PUBMED.findall(text or "")))


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield DrugCentral drugs, target genes, then ``targets`` edges."""
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    id_file, class_file = optional(directory / IDENTIFIERS), optional(directory / CLASSES)
    xrefs = read_identifiers(id_file, report) if id_file else {}
    classes = read_classes(class_file, report) if class_file else {}
    graph = _Graph(version, xrefs, classes)
    path = resolve(directory / TARGETS)
    for line, row in read_table(path, "\t", required=TARGET_COLUMNS, quoted=False):
        report.rows += 1
        graph.add_row(f"{path.name}:{line}", row, report)
    yield from graph.records()


def read_identifiers(path: Path, report: LoadReport) -> dict[str, list[str]]:
    """DrugCentral id -> cross-reference CURIEs (schema-valid ones only), in file order."""
    from tmekg.ids import is_valid

    out: dict[str, list[str]] = {}
    for _line, row in read_table(path, "\t", required=ID_COLUMNS):
        report.rows += 1
        prefix = ID_TYPES.get(row["ID_TYPE"].strip().upper())
        if prefix is None:
            continue
        local = row["IDENTIFIER"].strip()
        curie = local if local.upper().startswith(prefix + ":") else f"{prefix}:{local}"
        if not is_valid(curie):
            report.skip("identifiers: malformed identifier", f"{row['DRUG_ID']} {curie}")
            continue
        known = out.setdefault(row["DRUG_ID"].strip(), [])
        known += [curie] if curie not in known else []
    return out


def read_classes(path: Path, report: LoadReport) -> dict[str, list[tuple[str, str]]]:
    """DrugCentral id -> [(class type, class name)] in file order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for _line, row in read_table(path, "\t", required=CLASS_COLUMNS, quoted=False):
        report.rows += 1
        out.setdefault(row["DRUG_ID"].strip(), []).append((row["TYPE"].strip(), row["CLASS"].strip()))
    return out


class _Graph:
    """Builds drugs, genes and merged ``targets`` edges from drug_target rows."""

    def __init__(self, version: str, xrefs: dict[str, list[str]], classes: dict[str, list]) -> None:
        self.version, self.xrefs, self.classes = version, xrefs, classes
        self.drugs: dict[str, Node] = {}
        self.genes: dict[str, dict] = {}
        self.edges: dict[tuple[str, str], Edge] = {}

    def add_row(self, record: str, row: dict[str, str], report: LoadReport) -> None:
        bad = _malformed_ids(row)
        if bad:  # e.g. a space inside DRUG_ID: never an unlocated schema error later in the build
            report.skip("malformed DRUG_ID / CHEMBL_ID (row skipped)", f"{bad!r} ({record})")
            return
        components = _components(row)
        human = [(acc, sym) for acc, sym, entry in components if entry.upper().endswith("_HUMAN")]
        if not human:
            reason = "non-human target" if components else "target columns UNIPROT/GENE/SWISSPROT misaligned"
            report.skip(reason, f"{row['DRUG_NAME']} -> {row['SWISSPROT']} ({record})")
            return
        drug = self._drug(row)
        action = antibody_action(drug_action(row["ACTION_TYPE"]), drug.prop("modality"))
        prov = Provenance(SOURCE, self.version, evidence=pmids_in(row["REFERENCE"]), record=record)
        role = FAMILY_ROLES.get(row.get("TARGET_FAMILY", "").strip().lower())
        full_name = row.get("TARGET_NAME", "").strip() if len(components) == 1 else None
        for accession, symbol in human:
            gene = gene_id(symbol)
            if gene is None:
                report.skip("human target without a valid gene symbol", f"{accession} {symbol!r} ({record})")
                continue
            self._gene(gene, accession, role, full_name)
            if (drug.id, gene) in self.edges:
                report.skip("duplicate drug–gene pair (first action kept)", f"{drug.name} {gene} ({record})")
                continue
            self.edges[(drug.id, gene)] = Edge(drug.id, "targets", gene, (prov,), props(action=action))

    def _drug(self, row: dict[str, str]) -> Node:
        struct = row["DRUG_ID"].strip()
        if struct in self.drugs:
            return self.drugs[struct]
        xrefs = [f"DRUGCENTRAL:{struct}", *self.xrefs.get(struct, [])]
        chembl = row["CHEMBL_ID"].strip()
        first_chembl = next((x for x in xrefs if x.startswith("CHEMBL.COMPOUND:")), None)
        node_id = f"CHEMBL.COMPOUND:{chembl}" if chembl else first_chembl or f"DRUGCENTRAL:{struct}"
        classes = self.classes.get(struct, [])
        hints = " ".join(c for _, c in classes) + (
            " antibody" if "ANTIBODY" in row["ACTION_TYPE"].upper() else ""
        )
        name = row["DRUG_NAME"].strip() or struct
        self.drugs[struct] = Node(
            id=node_id,
            category="Drug",
            name=name,
            xrefs=tuple(x for x in dict.fromkeys(xrefs) if x != node_id),
            properties=props(
                modality=modality_of(name, hints),
                max_phase=4,
                mechanism=next((c for t, c in classes if t == "EPC"), None),
                **drugcentral_imaging(classes),
            ),
            provenance=(Provenance(SOURCE, self.version),),
        )
        return self.drugs[struct]

    def _gene(self, gene: str, accession: str, role: str | None, full_name: str | None) -> None:
        entry = self.genes.setdefault(gene, {"xrefs": [], "roles": [], "full_name": full_name})
        xref = f"UNIPROT:{accession}"
        entry["xrefs"] += [xref] if accession and xref not in entry["xrefs"] else []
        entry["roles"] += [role] if role and role not in entry["roles"] else []

    def records(self) -> Iterator[Node | Edge]:
        yield from self.drugs.values()
        prov = (Provenance(SOURCE, self.version),)
        for gene, e in self.genes.items():
            properties = props(roles=sorted(e["roles"]), full_name=e["full_name"])
            yield Node(
                gene,
                "Gene",
                gene.split(":", 1)[1],
                xrefs=tuple(e["xrefs"]),
                properties=properties,
                provenance=prov,
            )
        yield from self.edges.values()


def _malformed_ids(row: dict[str, str]) -> str | None:
    """The first drug id of a row that is not a valid CURIE once prefixed, else ``None``."""
    from tmekg.ids import is_valid

    struct, chembl = row["DRUG_ID"].strip(), row["CHEMBL_ID"].strip()
    for curie in (f"DRUGCENTRAL:{struct}", f"CHEMBL.COMPOUND:{chembl}" if chembl else ""):
        if curie and not is_valid(curie):
            return curie
    return None


def _components(row: dict[str, str]) -> list[tuple[str, str, str]]:
    """(accession, gene symbol, SwissProt entry name) per target component."""
    accessions, symbols, entries = (row[c].split("|") for c in ("UNIPROT", "GENE", "SWISSPROT"))
    if not (len(accessions) == len(symbols) == len(entries)):
        return []
    return [(a.strip(), s.strip(), e.strip()) for a, s, e in zip(accessions, symbols, entries, strict=True)]
