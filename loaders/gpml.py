"""GPML (WikiPathways / PathVisio) reading for both dialects, 2013a and 2021.

2013a uses ``GraphId``, ``TextLabel``, ``Type``, ``Xref@Database/ID``, points inside ``Graphics``,
Biopax ``PublicationXref`` citations and groups with a separate ``GroupId``; 2021 uses
``elementId``, ``textLabel``, ``type``, ``Xref@dataSource/identifier``, ``Waypoints`` and
``Citation`` elements. :func:`parse_gpml` reads either into a namespace-free :class:`Pathway`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import read_bytes
from tmekg.model import LoadReport

_WPID = re.compile(r"(WP\d+)")


@dataclass
class Element:
    """A DataNode or Group (``kind`` is the DataNode type or ``Group:<style>``)."""

    kind: str
    label: str
    xrefs: list[tuple[str, str]]
    group: str = ""
    cites: tuple[str, ...] = ()


@dataclass
class Interaction:
    """A line between two elements; ``source``/``target`` follow the arrow head."""

    gid: str
    source: str
    target: str
    head: str
    reversible: bool
    anchors: list[str]
    xrefs: list[tuple[str, str]]
    cites: tuple[str, ...] = ()


@dataclass
class Pathway:
    """One GPML pathway: its elements (DataNodes and Groups) and interactions."""

    wpid: str
    name: str
    organism: str
    file: str
    elements: dict[str, Element] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)


def parse_gpml(path: Path, report: LoadReport) -> Pathway:
    """Parse one GPML file (2013a or 2021) into a namespace-free :class:`Pathway`.

    The WikiPathways id and title come from ``<name>-info.json`` when present, else from the GPML
    (``Name``/``title``, file name, ``Version`` or the pathway ``Xref``).

    Raises
    ------
    LoaderError
        For malformed XML, a root other than ``<Pathway>`` or a pathway without id or name.
    """
    try:
        root = ET.fromstring(read_bytes(path))
    except ET.ParseError as exc:
        raise LoaderError(f"malformed GPML ({exc})", path=path, line=exc.position[0]) from None
    if _tag(root) != "Pathway":
        raise LoaderError(f"root element is <{_tag(root)}>, not <Pathway>", path=path, line=1)
    info = _info(path)
    name = _attr(root, "Name", "title") or info.get("title", "")
    wpid = info.get("wpid") or _wpid(path, root)
    if not wpid or not name:
        raise LoaderError(
            "pathway without WikiPathways id or name",
            path=path,
            line=1,
            field="Name" if not name else "Version",
        )
    pathway = Pathway(wpid, name, _attr(root, "Organism", "organism"), path.name)
    cites = _citations(root)
    alias = _read_groups(root, pathway, cites)
    for el in root.iter():
        if _tag(el) == "DataNode":
            report.rows += 1
            gid, group = _attr(el, "GraphId", "elementId"), _attr(el, "GroupRef", "groupRef")
            kind = _attr(el, "Type", "type")
            pathway.elements[gid] = Element(
                kind, _label(el), _xrefs(el), alias.get(group, group), _cites(el, cites)
            )
        elif _tag(el) == "Interaction":
            report.rows += 1
            pathway.interactions.append(_interaction(el, cites))
    return pathway


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _attr(el: ET.Element, *names: str) -> str:
    return next((el.get(n, "").strip() for n in names if el.get(n, "").strip()), "")


def _children(el: ET.Element, tag: str) -> list[ET.Element]:
    return [c for c in el if _tag(c) == tag]


def _label(el: ET.Element) -> str:
    text = re.sub(r"-\s*\n\s*", "-", _attr(el, "TextLabel", "textLabel"))
    return re.sub(r"\s+", " ", text).strip()


def _xrefs(el: ET.Element) -> list[tuple[str, str]]:
    out = []
    for x in _children(el, "Xref"):
        db, value = _attr(x, "Database", "dataSource"), _attr(x, "ID", "identifier")
        if db or value:
            out.append((db, value))
    return out


def _info(path: Path) -> dict[str, str]:
    info = path.with_name(path.name.split(".")[0] + "-info.json")
    if not info.exists():
        return {}
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoaderError(f"malformed JSON ({exc})", path=info) from None
    except OSError as exc:
        raise LoaderError(f"cannot read ({exc.strerror or exc})", path=info) from None
    if not isinstance(data, dict):
        raise LoaderError("malformed JSON (expected an object)", path=info)
    return {k: str(v) for k, v in data.items() if k in ("wpid", "title")}


def _wpid(path: Path, root: ET.Element) -> str:
    candidates = [path.name, _attr(root, "Version", "version")]
    candidates += [_attr(x, "ID", "identifier") for x in _children(root, "Xref")]
    return next((m.group(1) for c in candidates if (m := _WPID.match(c))), "")


def _citations(root: ET.Element) -> dict[str, str]:
    """Citation id -> ``PMID:n`` for PubMed citations (Biopax in 2013a, ``Citation`` in 2021)."""
    out = {}
    for el in root.iter():
        if _tag(el) == "PublicationXref":
            key = next((v for k, v in el.attrib.items() if k.endswith("id")), "")
            ident = next((c.text or "" for c in el if _tag(c) == "ID"), "").strip()
            db = next((c.text or "" for c in el if _tag(c) == "DB"), "").strip().lower()
        elif _tag(el) == "Citation":
            key, xref = _attr(el, "elementId"), _xrefs(el)
            db, ident = (xref[0][0].lower(), xref[0][1]) if xref else ("", "")
        else:
            continue
        if key and db == "pubmed" and ident.isdigit():
            out[key] = f"PMID:{ident}"
    return out


def _cites(el: ET.Element, cites: dict[str, str]) -> tuple[str, ...]:
    refs = [(c.text or "").strip() for c in _children(el, "BiopaxRef")]
    refs += [_attr(c, "elementRef") for c in _children(el, "CitationRef")]
    return tuple(dict.fromkeys(cites[r] for r in refs if r in cites))


def _read_groups(root: ET.Element, pathway: Pathway, cites: dict[str, str]) -> dict[str, str]:
    """Add Group elements, keyed by the id interactions use; return member reference -> that id.

    In 2013a a DataNode's ``GroupRef`` holds the group's ``GroupId`` while interactions point at its
    ``GraphId``; in 2021 both use ``elementId``.
    """
    alias: dict[str, str] = {}
    for el in root.iter():
        if _tag(el) == "Group":
            gid = _attr(el, "GraphId", "elementId") or _attr(el, "GroupId")
            alias[_attr(el, "GroupId") or gid] = gid
            kind = f"Group:{_attr(el, 'Style', 'type') or 'Group'}"
            parent = _attr(el, "GroupRef", "groupRef")
            pathway.elements[gid] = Element(kind, _label(el), [], parent, _cites(el, cites))
    for element in pathway.elements.values():
        element.group = alias.get(element.group, element.group)
    return alias


def _interaction(el: ET.Element, cites: dict[str, str]) -> Interaction:
    points = [p for p in el.iter() if _tag(p) == "Point"]
    anchors = [_attr(a, "GraphId", "elementId") for a in el.iter() if _tag(a) == "Anchor"]
    refs = [_attr(p, "GraphRef", "elementRef") for p in points]
    heads = [_attr(p, "ArrowHead", "arrowHead") for p in points]
    source, target = (refs[0], refs[-1]) if refs else ("", "")
    head = heads[-1] if heads else ""
    if heads and not head and heads[0]:  # drawn backwards: the arrow head sits on the first point
        source, target, head = target, source, heads[0]
    both = len(heads) > 1 and bool(heads[0]) and bool(heads[-1])
    return Interaction(
        _attr(el, "GraphId", "elementId"),
        source,
        target,
        head,
        both,
        [a for a in anchors if a],
        _xrefs(el),
        _cites(el, cites),
    )
