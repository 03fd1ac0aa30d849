"""Scoring configs for hand-computed tests."""

from __future__ import annotations


def base_model_config() -> dict:
    """The shipped scoring config without cell-resolved weights (``cell_resolved.enabled`` false): the
    hand computations of the DWPC model use the global context factor; the cell-resolved layer has its
    own hand-computed test (tests/test_cell_weights.py)."""
    from tmekg.queries.scoring import default_config

    config = default_config()
    return {**config, "cell_resolved": {**config["cell_resolved"], "enabled": False}}
