"""Typed exceptions. Library code raises these; only the CLI turns them into a message and exit code 1."""

from __future__ import annotations


class TmekgError(Exception):
    """Base class of every error tmekg reports to users as one line."""


class SchemaError(TmekgError):
    """A schema file is malformed, or a record breaks a schema rule.

    Parameters
    ----------
    message
        What is wrong.
    record
        A short description of the offending record (id or subject-predicate-object).
    rule
        The schema rule that was broken.
    """

    def __init__(self, message: str, record: str | None = None, rule: str | None = None) -> None:
        self.record = record
        self.rule = rule
        parts = [message]
        if record:
            parts.append(f"record {record}")
        if rule:
            parts.append(f"rule: {rule}")
        super().__init__("; ".join(parts))


class LoaderError(TmekgError):
    """Bad input in a source file, located by file, line/row and field.

    Examples
    --------
    >>> str(LoaderError("unknown predicate 'foo'", path="kb.edges.tsv", line=7, field="predicate"))
    "kb.edges.tsv:7: field 'predicate': unknown predicate 'foo'"
    """

    def __init__(
        self, message: str, path: object = None, line: int | None = None, field: str | None = None
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        where = self.path or "<input>"
        if line is not None:
            where += f":{line}"
        text = f"{where}: "
        if field:
            text += f"field '{field}': "
        super().__init__(text + message)


class BuildError(TmekgError):
    """Records cannot be merged into one consistent graph."""


class StoreError(TmekgError):
    """The on-disk store is missing, unreadable or of an incompatible version."""


class NotFoundError(TmekgError):
    """A node id or name does not resolve to a node in the graph."""
