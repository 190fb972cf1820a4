"""Writers and readers in separate processes: a writer killed at any step leaves the
published cube as it was and the next run completes; a reader during an update sees
the old cube or the new one, never a mix (FC-24; with the service's readers too in
tests/field_cases/test_fc24_readers.py)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from methanemap.store import list_versions, open_cube
from methanemap.store.transaction import PAUSE_VARIABLE, STEPS
from small_cube import small_update

SCRIPT = Path(__file__).parents[1] / "small_cube.py"


def start_update(location: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """`small_cube.py`: add 2021 to the cube and double 2022, in a new process."""
    command = [sys.executable, str(SCRIPT), location, "2021,2022", "2022=2"]
    return subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_pause(process: subprocess.Popen[str], step: str) -> None:
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    for line in process.stderr:
        if f"paused at {step}" in line:
            return
        if time.monotonic() > deadline:
            break
    pytest.fail(f"the writer never paused at {step!r} (exit {process.poll()})")


def state(location: str) -> tuple[str, int, float]:
    """What a reader sees: the version, its periods and the mass of 2022-P01 (t)."""
    cube = open_cube(location)
    first_2022 = int(np.flatnonzero(cube.ds.indexes["time"].year == 2022)[0])
    grid = cube.ds["emission_total"][first_2022].to_numpy().sum(dtype=np.float64)
    return cube.version, cube.ds.sizes["time"], float(grid)


def test_a_writer_killed_at_any_step_leaves_the_cube_and_the_next_run_completes(
    tmp_path,
):
    location = str(tmp_path)
    small_update(location, [2022])
    before = state(location)

    for step in STEPS:
        writer = start_update(location, {PAUSE_VARIABLE: step})
        wait_for_pause(writer, step)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)

        assert writer.returncode == -signal.SIGKILL
        assert state(location) == before, f"killed at {step}"
        assert len(list_versions(location)) == 1

    rerun = start_update(location, {})
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err[-2000:]
    version, periods, mass = state(location)
    assert version == out.strip() and periods == 92
    assert mass == pytest.approx(2 * before[2], rel=1e-6)
    assert len(list_versions(location)) == 2


def test_a_reader_during_an_update_sees_the_old_or_the_new_cube(tmp_path):
    location = str(tmp_path)
    small_update(location, [2022])
    old = state(location)
    held = open_cube(location)

    # The writer lingers before publishing, so that readers overlap every step.
    writer = start_update(
        location, {PAUSE_VARIABLE: "publish", "METHANEMAP_PAUSE_SECONDS": "2"}
    )
    seen = []
    while writer.poll() is None:
        seen.append(state(location))
    _, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]
    new = state(location)

    assert set(seen) <= {old, new}
    assert seen[0] == old and old in seen
    switched = [s == new for s in seen]
    assert switched == sorted(switched)  # once new, never old again
    assert held.ds.sizes["time"] == 46  # an open snapshot keeps its version
    assert held.ds["emission_total"][0].to_numpy().sum(dtype=np.float64) == old[2]
