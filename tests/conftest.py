"""Test session setup: inputs come from the local mirror of real data, not the web."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from commands import methanemap
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


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory, data_mirror: Path) -> Path:
    """A cube built once per session by the real command line from the real default
    inputs (the default recipe: one year, 2022), for end-to-end tests.

    ``METHANEMAP_TEST_STORE`` names a cube built that way already, to reuse it.
    """
    if os.environ.get("METHANEMAP_TEST_STORE"):
        return Path(os.environ["METHANEMAP_TEST_STORE"])
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _ingest_default(tmp_path_factory.mktemp("e2e") / "cube", data_mirror)
    # Under pytest-xdist the first worker to ask builds it in the run's shared
    # temporary folder; the others wait on the lock and read the same cube.
    shared = tmp_path_factory.getbasetemp().parent
    location = shared / "e2e" / "cube"
    with FileLock(shared / "e2e.lock"):
        if not (shared / "e2e" / "built").exists():
            _ingest_default(location, data_mirror)
            (shared / "e2e" / "built").touch()
    return location


def _ingest_default(location: Path, data_mirror: Path) -> Path:
    done = methanemap(
        "ingest",
        "--store",
        str(location),
        env={"METHANEMAP_DATA_MIRROR": str(data_mirror)},
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "published cube version" in done.stderr
    return location
