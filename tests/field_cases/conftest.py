"""Fixtures of the field cases: small known cubes, served by the real service."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fc_cubes import regional_dataset
from fc_serving import serving

from methanemap.store import write_cube


@pytest.fixture(scope="session")
def regional_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The regional cube (`fc_cubes.regional_dataset`) in a store of its own."""
    location = tmp_path_factory.mktemp("fc-regional") / "cube"
    write_cube(regional_dataset(), str(location), "field cases: a regional cube")
    return location


@pytest.fixture(scope="session")
def regional_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fc-regional-log") / "service.log"


@pytest.fixture(scope="session")
def regional(regional_store: Path, regional_log: Path) -> Iterator[httpx.Client]:
    """A client of the real service on the regional cube."""
    with serving(regional_store, regional_log) as client:
        yield client
