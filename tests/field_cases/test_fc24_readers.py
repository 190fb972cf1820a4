"""FC-24: readers during appends see a whole version, never a half-written one.

A small cube of 2020 gains 2021 and then 2022, each by `methanemap`'s update path in a
process of its own that lingers before publishing. Meanwhile two readers ask the real
service (reloading every second) for a cell's history and for the latest period's
global total, and this process opens the cube directly. Every observation is a whole
version: its length L is 46, 92 or 138, and every period up to L holds the value
written (never 0, NaN or missing); per reader L never decreases; and after the last
publish the service answers L = 138 within its reload interval. See also
``tests/store/test_processes.py`` and ``tests/pipeline/test_update.py`` (FC-24).
"""

import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from fc_serving import watching

from commands import run_ok
from methanemap.store import open_cube
from methanemap.store.transaction import PAUSE_VARIABLE
from small_cube import CELLS, GRID, small_cube, small_update

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).parents[1] / "small_cube.py"
RELOAD_S = 1.0
ROW, COL = CELLS["coal"][0]
HISTORY = f"/cells/history?lat={GRID.lat[ROW]}&lon={GRID.lon[COL]}"
GLOBE = "/areas?bbox=-180,-90,180,90&sector=coal"


@pytest.fixture(scope="module")
def written():
    """Per period id, the coal of the watched cell and the global coal (t)."""
    cube = small_cube([2020, 2021, 2022])
    coal = cube["emission_coal"]
    cell = coal[:, ROW, COL].to_numpy()
    world = coal.sum(("lat", "lon"), dtype=np.float64).to_numpy()
    ids = [
        f"{t.year}-P{(t.day_of_year - 1) // 8 + 1:02d}" for t in cube.indexes["time"]
    ]
    return dict(zip(ids, zip(cell, world, strict=True), strict=True))


def append(location: str, years: str) -> None:
    """Update the cube to `years` in a new process that pauses before publishing."""
    pause = {PAUSE_VARIABLE: "publish", "METHANEMAP_PAUSE_SECONDS": "2"}
    run_ok([sys.executable, str(SCRIPT), location, years], env=pause, timeout=300)


def read_service(url: str, stop: threading.Event, seen: list) -> None:
    """Loop (bounded) over the history and the global total, recording what it saw."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(2000):
            if stop.is_set():
                return
            history = client.get(HISTORY).json()
            ids = [p["id"] for p in history["periods"]]
            seen.append(("history", ids, history["values"]["coal"]["values"]))
            total = client.get(GLOBE).json()
            last = total["periods"][0]["id"]
            seen.append(("total", [last], [total["sectors"]["coal"]["sum"]["value"]]))
            time.sleep(0.05)


def read_store(location: str) -> tuple[list[str], list[float]]:
    cube = open_cube(location)
    times = cube.ds.indexes["time"]
    ids = [f"{t.year}-P{(t.day_of_year - 1) // 8 + 1:02d}" for t in times]
    cell = cube.ds["emission_coal"][:, ROW, COL].to_numpy()
    return ids, [float(v) for v in cell]


@pytest.fixture(scope="module")
def observed(tmp_path_factory, written):
    location = tmp_path_factory.mktemp("fc24") / "cube"
    small_update(str(location), [2020])
    log = tmp_path_factory.mktemp("fc24-log") / "service.log"
    with watching(location, log, RELOAD_S) as url:
        stop, readers = threading.Event(), [[], []]
        threads = [
            threading.Thread(target=read_service, args=(url, stop, seen))
            for seen in readers
        ]
        for thread in threads:
            thread.start()
        direct = [read_store(str(location))]
        try:
            for years in ("2020,2021", "2020,2021,2022"):
                append(str(location), years)
                direct.append(read_store(str(location)))
            published = time.monotonic()
            final = wait_for_length(url, 138, published + 10 * RELOAD_S)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
    return readers, direct, final - published


def wait_for_length(url: str, length: int, deadline: float) -> float:
    """When the service's history first reaches `length` periods (bounded wait)."""
    while time.monotonic() < deadline:
        if len(httpx.get(url + HISTORY, timeout=30).json()["periods"]) == length:
            return time.monotonic()
        time.sleep(0.1)
    pytest.fail(f"the service did not show {length} periods before the deadline")


def test_every_service_answer_is_a_whole_version(observed, written):
    readers, _, _ = observed
    for seen in readers:
        histories = [s for s in seen if s[0] == "history"]
        assert histories, "the reader saw nothing"
        for _, ids, values in histories:
            assert len(ids) in (46, 92, 138)
            assert values == pytest.approx([written[i][0] for i in ids], rel=1e-6)
            assert all(v is not None and v > 0 for v in values)
        for _, (last,), (total,) in (s for s in seen if s[0] == "total"):
            assert last in ("2020-P46", "2021-P46", "2022-P46")
            assert total == pytest.approx(written[last][1], rel=1e-6)


def test_no_reader_ever_sees_the_cube_shrink(observed):
    readers, direct, _ = observed
    for seen in readers:
        lengths = [len(ids) for kind, ids, _ in seen if kind == "history"]
        assert lengths == sorted(lengths)
    assert [len(ids) for ids, _ in direct] == [46, 92, 138]


def test_the_readers_saw_the_appends_happen(observed):
    readers, _, _ = observed
    lengths = {
        len(ids) for seen in readers for kind, ids, _ in seen if kind == "history"
    }
    assert lengths >= {46, 138}


def test_the_service_shows_the_last_append_soon_after_it(observed):
    # The bounded wait in `observed` fails past ten reload intervals; the service
    # checks for a new version once per interval.
    _, _, seconds = observed
    assert 0 <= seconds <= 10 * RELOAD_S


def test_a_direct_open_sees_every_period_written(observed, written):
    _, direct, _ = observed
    for ids, cell in direct:
        assert cell == pytest.approx([written[i][0] for i in ids], rel=1e-6)
