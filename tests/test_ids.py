"""Identifier normalisation."""

from __future__ import annotations

import pytest

from tmekg.ids import is_valid, normalize


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [
        ("uniprot:P21589", None, "UNIPROT:P21589"),
        ("UniProtKB:p21589", None, "UNIPROT:P21589"),
        ("HMDB00190", "HMDB", "HMDB:HMDB0000190"),
        ("HMDB0000190", "HMDB", "HMDB:HMDB0000190"),
        ("hmdb:HMDB00190", None, "HMDB:HMDB0000190"),
        ("CHEBI:CHEBI:16335", None, "CHEBI:16335"),
        ("chebi:16335", None, "CHEBI:16335"),
        ("16335", "CHEBI", "CHEBI:16335"),
        ("ENSG00000135318.12", "ENSEMBL", "ENSEMBL:ENSG00000135318"),
        ("entrez:4907", None, "NCBIGENE:4907"),
        ("chembl:CHEMBL25", None, "CHEMBL.COMPOUND:CHEMBL25"),
        ("pubmed:123", None, "PMID:123"),
        ("", "CHEBI", None),
        ("nan", "CHEBI", None),
        ("foo:bar", None, None),
    ],
)
def test_normalize(raw: str, default: str | None, expected: str | None) -> None:
    assert normalize(raw, default) == expected


def test_is_valid() -> None:
    assert is_valid("CHEBI:16335", "Metabolite")
    assert not is_valid("CHEBI:16335", "Gene")
    assert not is_valid("HMDB:190")
