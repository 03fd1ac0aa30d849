"""Pieces every CLI module shares: the error contract and common options (imports only typer).

Domain errors (:class:`tmekg.errors.TmekgError`) and failures of the machine (full disk, permission
denied, read-only file system: :data:`ENVIRONMENT_ERRNOS`) become one line on stderr and exit code 1;
anything else keeps its traceback.
"""

import contextlib
import errno
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from tmekg.errors import TmekgError

F = TypeVar("F", bound=Callable[..., Any])
# failures of the machine, not of tmekg: full disk or quota, permissions, read-only or broken file
# systems, a path that is a folder / not a folder; one line each, like a TmekgError (other OSErrors
# keep their traceback: they are bugs)
ENVIRONMENT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.EIO,
        errno.EISDIR,
        errno.ENOTDIR,
        errno.ENAMETOOLONG,
    }
)

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Store directory (default: $TMEKG_STORE or user data dir).")
]
KbOpt = Annotated[Path | None, typer.Option("--kb", help="Curated KB folder (default: the shipped one).")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: table, tsv or json.")]


def domain_errors(func: F) -> F:
    """Turn TmekgError into one line on stderr and exit code 1 (control characters escaped)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TmekgError as exc:
            echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except OSError as exc:
            if exc.errno not in ENVIRONMENT_ERRNOS:
                raise
            echo(f"error: {exc.strerror}{f': {exc.filename}' if exc.filename else ''}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def echo(text: str, err: bool = False) -> None:
    """``typer.echo`` of text that may quote data: control characters (ESC, OSC, BEL) escaped."""
    from tmekg.render import terminal_safe

    typer.echo(terminal_safe(text), err=err)


def echo_json(doc: Any, **kwargs: Any) -> None:
    """Print ``doc`` as JSON that decodes to exactly ``doc`` and is safe on a terminal."""
    from tmekg.render import dumps_json

    typer.echo(dumps_json(doc, **kwargs))


def check_format(fmt: str) -> None:
    """Reject an unknown ``--format`` value with a clear message."""
    from tmekg.render import FORMATS

    if fmt not in FORMATS:
        raise TmekgError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")


@contextlib.contextmanager
def spinner(message: str, quiet: bool = False) -> Iterator[None]:
    """A rich status spinner on stderr while a long step runs (silent with ``quiet``)."""
    from tmekg.render import console

    with console(quiet=quiet).status(message):
        yield
