"""Boolean gene-protein-reaction rules (``(G1 and G2) or G3``): parsing and gene roles.

A real tokenizer and recursive-descent parser: ``and`` binds tighter than ``or``, parentheses nest,
``&``/``&&``/``|``/``||`` and any letter case are accepted. A gene inside an ``and`` term is a
``complex_subunit``; a gene that is the whole rule is ``sole``; any other gene is an ``isozyme``.

Examples
--------
>>> rule_roles(parse_rule("(A and B) or C"))
{'A': 'complex_subunit', 'B': 'complex_subunit', 'C': 'isozyme'}
>>> rule_roles(parse_rule("A"))
{'A': 'sole'}
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_OPS = {"and": "and", "&": "and", "&&": "and", "or": "or", "|": "or", "||": "or"}

Rule = str | tuple[str, tuple["Rule", ...]]


def parse_rule(text: str) -> Rule | None:
    """Parse a boolean gene rule (``and`` binds tighter than ``or``) into a tree; ``None`` if empty.

    Raises ``ValueError`` for unbalanced parentheses or misplaced operators.

    >>> parse_rule("A and (B or C)")
    ('and', ('A', ('or', ('B', 'C'))))
    """
    tokens = [_OPS.get(t.lower(), t) for t in _TOKEN.findall(text or "")]
    if not tokens:
        return None
    pos, tree = _parse_or(tokens, 0)
    if pos != len(tokens):
        raise ValueError(f"unexpected '{tokens[pos]}' at token {pos + 1}")
    return tree


def _parse_or(tokens: list[str], pos: int) -> tuple[int, Rule]:
    return _parse_binary(tokens, pos, "or", _parse_and)


def _parse_and(tokens: list[str], pos: int) -> tuple[int, Rule]:
    return _parse_binary(tokens, pos, "and", _parse_atom)


def _parse_binary(tokens: list[str], pos: int, op: str, operand: Any) -> tuple[int, Rule]:
    pos, first = operand(tokens, pos)
    terms = [first]
    while pos < len(tokens) and tokens[pos] == op:
        pos, term = operand(tokens, pos + 1)
        terms.append(term)
    return pos, (first if len(terms) == 1 else (op, tuple(terms)))


def _parse_atom(tokens: list[str], pos: int) -> tuple[int, Rule]:
    if pos >= len(tokens):
        raise ValueError("rule ends early")
    token = tokens[pos]
    if token == "(":
        pos, tree = _parse_or(tokens, pos + 1)
        if pos >= len(tokens) or tokens[pos] != ")":
            raise ValueError("missing ')'")
        return pos + 1, tree
    if token in (")", "and", "or"):
        raise ValueError(f"unexpected '{token}' at token {pos + 1}")
    return pos + 1, token


def rule_roles(tree: Rule | None) -> dict[str, str]:
    """Role of each gene: ``sole`` (the whole rule), ``complex_subunit`` (inside an ``and``), else
    ``isozyme``; genes keep their first-seen order."""
    roles: dict[str, str] = {}
    if tree is None:
        return roles
    if isinstance(tree, str):
        return {tree: "sole"}

    def walk(node: Rule, in_and: bool) -> None:
        if isinstance(node, str):
            if in_and:
                roles[node] = "complex_subunit"
            else:
                roles.setdefault(node, "isozyme")
            return
        op, args = node
        for arg in args:
            walk(arg, in_and or op == "and")

    walk(tree, False)
    return roles
