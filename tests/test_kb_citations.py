"""Citation check of the curated KB (issue 16): every edge row cites valid identifiers, carries a grade
(species/system/tumour) and, when marked verified, the verbatim sentence of its source."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tmekg.loaders import curated

KB = curated.default_directory()

#: Syntax of each evidence prefix a curated row may cite.
EVIDENCE_SYNTAX = {
    "PMID": re.compile(r"^[1-9]\d{0,8}$"),
    "PMC": re.compile(r"^PMC\d+$"),
    "DOI": re.compile(r"^10\.\d{4,9}/\S+$"),
    "RHEA": re.compile(r"^\d{5,}$"),
    "REACT": re.compile(r"^R-HSA-\d+$"),
    "METATLAS": re.compile(r"^MAR\d{5}$"),
}


def edge_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Header-driven data rows of a KB edge file with their line numbers (comments skipped)."""
    rows, header = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            continue
        rows.append((number, dict(zip(header, cells, strict=True))))
    return rows


def row_problems(row: dict[str, str]) -> list[str]:
    """What is wrong with one edge row's citation, grade and quote (empty list: nothing)."""
    problems = []
    evidence = [e.strip() for e in row.get("evidence", "").split("|") if e.strip()]
    if not evidence:
        problems.append("no evidence identifier")
    for item in evidence:
        prefix, _, local = item.partition(":")
        syntax = EVIDENCE_SYNTAX.get(prefix)
        if syntax is None or not syntax.match(local):
            problems.append(f"evidence '{item}' is not a valid {'/'.join(EVIDENCE_SYNTAX)} identifier")
    for column, allowed in curated.GRADE_VALUES.items():
        value = (row.get(column) or "").strip()
        if value not in allowed:
            problems.append(f"{column} '{value}' not one of {', '.join(allowed)}")
    status = (row.get("status") or "").strip() or "verified"
    if status == "verified" and not (row.get("quote") or "").strip():
        problems.append("verified row without a quote")
    return problems


def file_problems(path: Path) -> list[str]:
    """``file:line: problem`` for every bad edge row of one file."""
    return [
        f"{path.name}:{number}: {problem}" for number, row in edge_rows(path) for problem in row_problems(row)
    ]


@pytest.mark.parametrize("path", sorted(KB.glob("*.edges.tsv")), ids=lambda p: p.name)
def test_every_curated_edge_is_cited_graded_and_quoted(path: Path) -> None:
    problems = file_problems(path)
    assert not problems, "\n".join(problems[:20])


def test_the_check_covers_every_edge_file() -> None:
    names = {p.name for p in KB.glob("*.edges.tsv")}
    assert {"energy.edges.tsv", "contexts.edges.tsv", "core.edges.tsv", "atlas.edges.tsv"} <= names
    assert {"immunomet.edges.tsv", "immunotherapy.edges.tsv", "drugs.edges.tsv"} <= names


GOOD = {
    "evidence": "PMID:27509858|METATLAS:MAR05305",
    "status": "verified",
    "quote": "alanine secretion by PSCs is dependent on PSC autophagy",
    "species": "human",
    "system": "in_vitro",
    "tumour": "PDAC",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"evidence": "PMID:12a4"}, "PMID:12a4"),
        ({"evidence": "DOI:11.1038/x"}, "DOI:11.1038/x"),
        ({"evidence": "PMC:4010891"}, "PMC:4010891"),
        ({"evidence": "METATLAS:MAM01234"}, "METATLAS:MAM01234"),
        ({"evidence": "HMDB:HMDB0000161"}, "HMDB:HMDB0000161"),
        ({"evidence": ""}, "no evidence"),
        ({"species": ""}, "species"),
        ({"system": "in vivo"}, "system 'in vivo'"),
        ({"tumour": "pdac"}, "tumour 'pdac'"),
        ({"quote": " "}, "without a quote"),
    ],
)
def test_row_check_rejects_each_kind_of_bad_row(change: dict[str, str], expected: str) -> None:
    assert row_problems(GOOD) == []
    problems = row_problems({**GOOD, **change})
    assert len(problems) == 1 and expected in problems[0], problems


def test_unverified_row_needs_no_quote_but_a_grade() -> None:
    assert row_problems({**GOOD, "status": "unverified", "quote": ""}) == []
    assert row_problems({**GOOD, "status": "unverified", "species": ""}) != []


def test_planted_bad_row_fails_the_file_check(tmp_path: Path) -> None:
    copy = tmp_path / "energy.edges.tsv"
    shutil.copy(KB / "energy.edges.tsv", copy)
    assert file_problems(copy) == []
    header = next(row for _, row in edge_rows(copy))
    bad = {**dict.fromkeys(header, ""), "subject": "HGNC.SYMBOL:LDHA", "predicate": "produces"}
    bad.update(object="CHEBI:422", evidence="PMID:27641098", status="verified", species="mouse")
    bad.update(system="in_vivo", tumour="other_cancer")
    lines = copy.read_text().splitlines()
    copy.write_text("\n".join([*lines, "\t".join(bad[c] for c in header)]) + "\n")
    problems = file_problems(copy)
    assert problems == [f"energy.edges.tsv:{len(lines) + 1}: verified row without a quote"]
