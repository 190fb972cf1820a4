"""What an update logs while it writes: each step with its duration and its sizes
(periods, cells, bytes), here on the small 1 degree cube whose sizes are known."""

import logging
from pathlib import Path

import pytest

from methanemap.store import open_cube
from small_cube import small_update

#: Emission variables of the small cube (coal, oil, gas, total), float32.
VARIABLES, ITEMSIZE = 4, 4


def step_records(caplog: pytest.LogCaptureFixture) -> dict[str, logging.LogRecord]:
    return {r.step: r for r in caplog.records if hasattr(r, "step")}  # type: ignore[attr-defined]


def files_bytes(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def test_an_update_logs_periods_cells_and_bytes_of_each_step(tmp_path, caplog):
    store = tmp_path / "cube"
    caplog.set_level(logging.INFO, logger="methanemap")
    small_update(str(store), [2022])
    first = files_bytes(store)
    cube = open_cube(str(store))
    cells = cube.ds.sizes["lat"] * cube.ds.sizes["lon"]
    # Root and history hold every cell; each overview level its coarser blocks.
    layout_cells = 2 * cells + sum(
        o.sizes["lat"] * o.sizes["lon"] for o in cube.overviews.values()
    )

    steps = step_records(caplog)
    write = steps["write"]
    assert (write.periods, write.cells) == (46, cells)
    assert write.bytes_uncompressed == 46 * layout_cells * VARIABLES * ITEMSIZE
    assert write.duration_s >= 0 and "46 periods of 64,800 cells" in write.getMessage()
    commit = steps["commit"]
    assert 0.9 * first < commit.bytes_written <= first  # then the branch moves
    assert steps["validate"].duration_s > 0
    assert steps["publish"].version == commit.version == cube.version

    caplog.clear()
    small_update(str(store), [2023])
    steps = step_records(caplog)
    assert steps["write"].periods == 46  # only the added year is written
    added = files_bytes(store) - first
    assert 0.9 * added < steps["commit"].bytes_written <= added
    blocks = [r for r in caplog.records if getattr(r, "step", "") == "write periods"]
    assert [r.periods for r in blocks] == [46]  # type: ignore[attr-defined]
