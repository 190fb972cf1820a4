"""Test session setup: inputs come from the local mirror of real data, not the web."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from methanemap.config import get_settings

#: The shared data mirror beside the repository (``../shared/data``).
DEFAULT_MIRROR = Path(__file__).parents[2] / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def data_mirror() -> Iterator[Path]:
    """Point ``METHANEMAP_DATA_MIRROR`` at the shared data unless it is already set."""
    os.environ.setdefault("METHANEMAP_DATA_MIRROR", str(DEFAULT_MIRROR))
    get_settings.cache_clear()
    yield Path(os.environ["METHANEMAP_DATA_MIRROR"])
    get_settings.cache_clear()
