"""Metapath codes in words (the glossary), what a metapath passes through, the --help legend."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.queries.metapaths import MetapathError, describe, legend, parse, passes_through, wording
from tmekg.schema import load_schema


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("GcRhoMdnE", "gene catalyses a reaction that produces a metabolite that decreases an immune effect"),
        (
            "GeCsMupE",
            "gene is expressed in a cell type that secretes a metabolite that increases an immune effect",
        ),
        ("DtgGeC<oE", "drug targets a gene that is expressed in a cell type that hosts an immune effect"),
    ],
)
def test_codes_read_in_words(code: str, words: str) -> None:
    schema = load_schema()
    assert describe(parse(code, schema), schema) == words


def test_every_schema_name_has_words() -> None:
    schema = load_schema()
    words = wording(schema)
    assert set(words.nouns) == set(schema.categories)
    assert set(words.forward) == set(words.backward) <= set(schema.predicates)


def test_wording_names_are_checked_against_the_schema() -> None:
    schema = load_schema()
    with pytest.raises(MetapathError, match=r"categories.Cell: not a schema category"):
        wording(schema, {"categories": {"Cell": "cell"}})
    with pytest.raises(MetapathError, match=r"predicates.binds: needs a 'forward' and a 'backward'"):
        wording(schema, {"predicates": {"binds": {"forward": "binds"}}})


def test_passes_through_intermediate_positions_only() -> None:
    schema = load_schema()
    assert passes_through(parse("GeCsMdnE", schema), ["CellType", "Gene", "ImmuneEffect"]) == ["CellType"]
    assert passes_through(parse("GpMdnE", schema), ["CellType"], ["expressed_in"]) == []
    assert passes_through(parse("GeC<oE", schema), [], ["occurs_in", "secretes"]) == ["occurs_in"]


def test_explain_help_ends_with_the_legend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    out = CliRunner().invoke(app, ["explain", "--help"]).output
    text = " ".join(out.replace("│", " ").split())
    assert " ".join(legend(load_schema()).split()) in text
    example = (
        "GcRhoMdnE = 'gene catalyses a reaction that produces a metabolite that decreases an immune effect'"
    )
    assert example in text
