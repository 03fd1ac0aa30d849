"""``python -m tmekg`` runs the CLI."""

from tmekg.cli import main

main()
