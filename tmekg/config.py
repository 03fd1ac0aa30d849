"""Where things live: the store directory and the source data directory.

Resolution order for the store: explicit argument (``--store``), ``TMEKG_STORE``, then
``<user data dir>/tmekg/store`` (platformdirs). For source data: ``--data-dir``, ``TMEKG_DATA_DIR``,
then ``<user data dir>/tmekg/sources`` (the cache that ``tmekg fetch`` fills).
"""

from __future__ import annotations

import os
from pathlib import Path

STORE_ENV = "TMEKG_STORE"
DATA_ENV = "TMEKG_DATA_DIR"


def _user_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("tmekg", appauthor=False))


def store_path(explicit: str | Path | None = None) -> Path:
    """The store directory to use."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    return _user_dir() / "store"


def store_is_default(explicit: str | Path | None = None) -> bool:
    """Whether the store location comes from neither ``--store`` nor ``TMEKG_STORE``.

    Only the default location may be built on first use; a location the user named that holds no
    store is far more likely a typo than a wish for a fresh build.
    """
    return not explicit and not os.environ.get(STORE_ENV)


def data_dir(explicit: str | Path | None = None) -> Path:
    """The directory holding one folder per source (same layout as ``../shared/data``)."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return _user_dir() / "sources"
