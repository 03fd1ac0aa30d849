"""Sender direction from the genome-scale model: which way a gene's reactions turn a metabolite.

Resources disagree with biochemistry about direction: MEBOCOST's HMDB enzyme table lists DHCR24
(24-dehydrocholesterol reductase, desmosterol -> cholesterol) as a *producer* of desmosterol,
MetalinksDB lists APRT (adenine + PRPP -> AMP) as a producer of adenine. The graph holds the
reactions of a genome-scale model (Human-GEM): ``Gene -catalyzes-> Reaction -has_input /
has_output-> Metabolite`` with the Reaction's ``reversible`` flag. Where that model knows a
(gene, metabolite) pair, it decides the direction of the resource's claim (``queries/crosstalk.yaml``
``senders.direction``, docs/crosstalk.md "Sender direction"):

* a gene **makes** ``m`` if one of its reactions has ``m`` as output, or is reversible with ``m`` on
  either side; it **uses** ``m`` if one has ``m`` as input, or is reversible;
* reactions with ``m`` on both sides (transports between compartments) do not make or use ``m``: they
  **move** it;
* a production claim on a pair the model knows but that the gene never makes is moved to consumption
  (and the reverse);
* a claim on a pair the model knows only through transports (MetalinksDB lists HDLBP, NPC1 and
  STARD3 as cholesterol "producers", AQP9 and SLC5A8 as lactate "producers") is a transport, not
  production or consumption: it is removed from the role (status ``transport``); whether the gene
  counts as an exporter or importer is left to the ``transports`` edges;
* pairs the model does not know keep the resource's claim.

The model's reading (makes / uses / moves, computed on the edge arrays) is
:mod:`tmekg.queries.model_reactions`, shared with the ranking's :mod:`tmekg.queries.model_claims`.

>>> MAKES | USES == BOTH
True
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tmekg.errors import TmekgError
from tmekg.queries.model_reactions import MAKES, MOVES, USES
from tmekg.schema import load_schema

BOTH = MAKES | USES
SENDER_DIRECTIONS = ("gem", "off")
CONFIRMED, REVERSED, TRANSPORT, UNKNOWN = "confirmed", "reversed", "transport", "unknown"


def settings() -> dict[str, Any]:
    """The ``senders.direction`` section of ``queries/crosstalk.yaml``."""
    from tmekg.queries.crosstalk_expression import config

    return config()["senders"]["direction"]


def check_rule(rule: str | None) -> str:
    """The rule to use (``rule`` or the configured default).

    Raises
    ------
    TmekgError
        For a rule other than ``gem`` / ``off``.
    """
    rule = rule or settings()["rule"]
    if rule not in SENDER_DIRECTIONS:
        raise TmekgError(f"unknown sender direction '{rule}' (use one of: {', '.join(SENDER_DIRECTIONS)})")
    return rule


def gem_directions(kg: Any, genes: set[str] | None = None) -> dict[tuple[str, str], int]:
    """``(gene, metabolite) -> MAKES | USES | MOVES`` bits from the model's reactions
    (:mod:`tmekg.queries.model_reactions`; ``MOVES``: a reaction with the metabolite on both sides).

    Only reaction nodes from ``senders.direction.sources`` (Human-GEM) count; a reaction without the
    ``reversible`` property (``senders.direction.reversible``) is read as irreversible, left to right.
    ``genes`` restricts the genes returned (default: all).
    """
    from tmekg.queries.model_reactions import read

    conf = settings()
    model = read(kg, set(conf["sources"]), conf["reversible"])
    ids = [node.id for node in kg.nodes]
    out = {(ids[g], ids[m]): bits for (g, m), bits in model.pairs().items()}
    return out if genes is None else {k: v for k, v in out.items() if k[0] in genes}


def apply_directions(roles: Any, directions: dict[tuple[str, str], int]) -> dict[str, int]:
    """Move the production / consumption claims of ``roles`` that the model contradicts.

    A production claim on a pair the model knows without ``MAKES`` moves to consumption; a
    consumption claim without ``USES`` moves to production; a claim on a pair the model knows only
    as a transport (``MOVES`` alone) is removed. ``roles.direction`` records each claimed pair's status
    (``confirmed``, ``reversed``, ``transport``, ``unknown``), and the resource-edge summaries of a
    reversed or transported pair say so (``sender_direction``).

    Returns
    -------
    dict
        ``producers_demoted`` / ``consumers_demoted``: claims moved out of that role (reversed);
        ``producers_promoted`` / ``consumers_promoted``: pairs added to that role (not already in
        it); ``producers_transport`` / ``consumers_transport``: claims removed as transports;
        ``senders_confirmed`` / ``senders_reversed`` / ``senders_transport`` / ``senders_unknown``:
        claimed pairs by status.
    """
    counts: Counter[str] = Counter()
    moves = []
    for role, wanted, other in (("production", MAKES, "consumption"), ("consumption", USES, "production")):
        for m, genes in getattr(roles, role).items():
            for g in genes:
                status = _status(directions.get((g, m)), wanted)
                if roles.direction.get((g, m)) != REVERSED:
                    roles.direction[(g, m)] = status
                if status in (REVERSED, TRANSPORT):
                    moves.append((role, other, g, m))
    for role, other, g, m in moves:
        getattr(roles, role)[m].discard(g)
        if roles.direction[(g, m)] == TRANSPORT:
            counts[f"{_NOUN[role]}_transport"] += 1
            _mark(roles.edges.get((g, m), []), role, TRANSPORT)
            continue
        counts[f"{_NOUN[role]}_demoted"] += 1
        if g not in getattr(roles, other)[m]:
            getattr(roles, other)[m].add(g)
            counts[f"{_NOUN[other]}_promoted"] += 1
        _mark(roles.edges.get((g, m), []), role)
    for status in roles.direction.values():
        counts[f"senders_{status}"] += 1
    return {k: counts[k] for k in _COUNT_KEYS}


_COUNT_KEYS = (
    "producers_demoted",
    "consumers_demoted",
    "producers_promoted",
    "consumers_promoted",
    "producers_transport",
    "consumers_transport",
    "senders_confirmed",
    "senders_reversed",
    "senders_transport",
    "senders_unknown",
)


def _status(bits: int | None, wanted: int) -> str:
    """A claim's status: the model does not know the pair, only moves it, confirms or reverses it."""
    if bits is None:
        return UNKNOWN
    if bits & wanted:
        return CONFIRMED
    return TRANSPORT if bits == MOVES else REVERSED


_NOUN = {"production": "producers", "consumption": "consumers"}


def _mark(summaries: list[dict[str, Any]], role: str, status: str = REVERSED) -> None:
    """Flag the resource edges of a reversed or transported pair whose claim was ``role``."""
    from tmekg.queries.crosstalk_evidence import schema_roles

    predicates = set(schema_roles(load_schema())[role])
    if status == TRANSPORT:
        text = f"{TRANSPORT}: genome-scale model moves it only"
    else:
        text = f"{REVERSED}: genome-scale model " + ("uses only" if role == "production" else "makes only")
    for item in summaries:
        if item["predicate"] in predicates:
            item["sender_direction"] = text
