"""The ``tmekg`` command line: a thin typer layer over the library, one module per command group.

``root`` holds the app and registers the commands of ``build``, ``browse``, ``rank``, ``export``,
``neo4j``, ``profile``, ``biomarkers`` and ``crosstalk``; ``common`` the shared options and the error
wrapper; ``doc`` generates ``docs/cli.md``.
"""

from tmekg.cli.root import app, main

__all__ = ["app", "main"]
