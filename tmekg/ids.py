"""Identifier normalisation: CURIEs in the schema's canonical prefixes.

Sources spell identifiers many ways (``uniprot:P21589``, ``chebi:16335``, ``HMDB00190``,
``CHEBI:CHEBI:16335``). :func:`normalize` maps them onto the schema prefix map with the ``curies``
library (prefix synonyms included), then applies per-prefix fixes (HMDB ids padded to the current
7-digit form, Ensembl version suffixes dropped).

Examples
--------
>>> normalize("uniprot:P21589")
'UNIPROT:P21589'
>>> normalize("HMDB00190", default_prefix="HMDB")
'HMDB:HMDB0000190'
>>> normalize("16335", default_prefix="CHEBI")
'CHEBI:16335'
>>> normalize("CHEBI:CHEBI:16335")
'CHEBI:16335'
>>> normalize("") is None
True
"""

from __future__ import annotations

import functools
import re

from tmekg.schema import load_schema

# Extra spellings seen in sources, mapped to the schema's canonical prefixes.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "CHEBI": ("chebi", "ChEBI"),
    "HMDB": ("hmdb",),
    "KEGG.COMPOUND": ("kegg", "kegg.compound", "KEGG", "kegg_compound", "KEGG.COMPOUND"),
    "PUBCHEM.COMPOUND": ("pubchem", "pubchem.compound", "PubChem", "CID"),
    "METANETX.CHEMICAL": ("metanetx.chemical", "mnx", "MetaNetX", "metanetx"),
    "UNIPROT": ("uniprot", "UniProt", "uniprotkb", "UniProtKB"),
    "ENSEMBL": ("ensembl", "Ensembl", "ENSG"),
    "NCBIGENE": ("ncbigene", "NCBIGene", "entrez", "Entrez", "EntrezGene", "GeneID"),
    "HGNC.SYMBOL": ("hgnc.symbol", "symbol", "HGNC_SYMBOL"),
    "HGNC": ("hgnc",),
    "CHEMBL.COMPOUND": ("chembl.compound", "chembl", "ChEMBL", "CHEMBL"),
    "DRUGBANK": ("drugbank", "DrugBank"),
    "DRUGCENTRAL": ("drugcentral", "DrugCentral"),
    "REACT": ("reactome", "Reactome", "REACTOME", "react"),
    "WP": ("wikipathways", "WikiPathways", "wp"),
    "RHEA": ("rhea", "Rhea"),
    "EC": ("ec", "ec-code", "EC-CODE", "ec.code"),
    "PMID": ("pmid", "pubmed", "PubMed", "PUBMED"),
    "DOI": ("doi",),
    "CL": ("cl",),
    "GO": ("go",),
    "LIPIDMAPS": ("lipidmaps", "LipidMaps", "LIPID_MAPS"),
}

_HMDB = re.compile(r"^HMDB(\d+)$")
_ENSEMBL_VERSION = re.compile(r"^(ENS[A-Z]*[GTP]\d{11})\.\d+$")


@functools.cache
def converter():
    """A ``curies.Converter`` over the schema prefix map, with source spellings as synonyms."""
    import curies

    schema = load_schema()
    records = [
        curies.Record(prefix=prefix, uri_prefix=uri, prefix_synonyms=list(_synonyms(prefix)))
        for prefix, uri in schema.prefixes.items()
    ]
    return curies.Converter(records)


def _synonyms(prefix: str) -> list[str]:
    extra = {s for s in SYNONYMS.get(prefix, ()) if s != prefix}
    extra.add(prefix.lower()) if prefix.lower() != prefix else None
    return sorted(extra)


def normalize(text: str | None, default_prefix: str | None = None) -> str | None:
    """Return the canonical CURIE for ``text``, or ``None`` if it is empty or not recognisable."""
    if text is None:
        return None
    value = str(text).strip().strip('"').strip()
    if not value or value.lower() in {"nan", "none", "null", "na", "-"}:
        return None
    prefix, sep, local = value.partition(":")
    if sep:
        canonical = converter().standardize_prefix(prefix)
        if canonical is None:
            if default_prefix is None:
                return None
            canonical, local = default_prefix, value
    elif default_prefix:
        canonical, local = default_prefix, value
    else:
        return None
    local = local.strip()
    # nested prefix as in "CHEBI:CHEBI:16335" or "chembl.compound:CHEMBL25" stays correct
    if canonical in ("CHEBI", "GO", "CL", "MONDO", "UBERON") and local.upper().startswith(canonical + ":"):
        local = local.split(":", 1)[1]
    return f"{canonical}:{_fix_local(canonical, local)}"


def _fix_local(prefix: str, local: str) -> str:
    if prefix == "HMDB":
        match = _HMDB.match(local.upper())
        if match:
            return f"HMDB{int(match.group(1)):07d}"
    if prefix == "ENSEMBL":
        match = _ENSEMBL_VERSION.match(local)
        if match:
            return match.group(1)
    if prefix == "UNIPROT":
        return local.upper()
    if prefix == "CHEMBL.COMPOUND" and not local.upper().startswith("CHEMBL"):
        return "CHEMBL" + local
    return local


def is_valid(curie: str, category: str | None = None) -> bool:
    """True if ``curie`` passes the schema's prefix and pattern rules (for ``category`` if given)."""
    from tmekg.errors import SchemaError

    try:
        load_schema().check_curie(curie, category)
    except SchemaError:
        return False
    return True
