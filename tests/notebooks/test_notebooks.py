"""The notebooks run top to bottom against the real demo cube; any cell error fails.

The cube is the session's real one (`real_store`: the real default inputs, one year);
``01_map_one_period`` reads it over HTTP from the real service, the others from disk.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from live_service import live_service

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
#: Seconds any one cell may take (the map cell reads a whole 0.1 degree period).
CELL_TIMEOUT = 300


@pytest.fixture(scope="module")
def service_url(
    real_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real service on the session's real cube."""
    log = tmp_path_factory.mktemp("notebook-service") / "service.log"
    with live_service(real_store, log) as url:
        yield url


def test_the_notebooks_are_stored_without_outputs() -> None:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name} holds outputs; strip them"
                assert cell.execution_count is None, path.name


@pytest.mark.parametrize(
    ("name", "over_http"),
    [
        ("01_map_one_period.ipynb", True),
        ("02_country_series.ipynb", False),
        ("03_regional_change.ipynb", False),
    ],
)
def test_a_notebook_runs_without_errors(
    name: str,
    over_http: bool,
    real_store: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    monkeypatch.setenv("METHANEMAP_NOTEBOOK_CUBE", str(real_store))
    if over_http:
        monkeypatch.setenv(
            "METHANEMAP_NOTEBOOK_URL", request.getfixturevalue("service_url")
        )
    else:
        monkeypatch.delenv("METHANEMAP_NOTEBOOK_URL", raising=False)

    # the kernel inherits this process's environment; a cell error raises here
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    images = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert images, f"{name} drew no figure"
    assert os.environ["METHANEMAP_NOTEBOOK_CUBE"] == str(real_store)
