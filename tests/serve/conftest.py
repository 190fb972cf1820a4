"""Fixtures of the serve tests: the synthetic cube, opened, and a fresh field cache."""

from pathlib import Path

import pytest

from methanemap.serve.fields import FieldCache
from methanemap.store import CubeSnapshot, open_cube
from synthetic_cube import write_synthetic_cube


@pytest.fixture(scope="session")
def cube_location(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the synthetic cube."""
    location = tmp_path_factory.mktemp("serve") / "cube"
    write_synthetic_cube(location)
    return location


@pytest.fixture(scope="session")
def snapshot(cube_location: Path) -> CubeSnapshot:
    """The synthetic cube, opened."""
    return open_cube(str(cube_location))


@pytest.fixture
def cache() -> FieldCache:
    """An empty field cache, so that tests can see what a call reads."""
    return FieldCache(8)
