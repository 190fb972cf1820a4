"""FC-18: float32 cells summed in float64, exactly, through every reduction we own.

6,480,000 cells of 3 t (float32, stored in 600 x 600 chunks) hold 19,440,000 t. A
float32 running sum of them stalls near 2^24 steps and lands about 4.6 % high; ours
must not: the period totals the store records, the validator's read-back sums, the
serve layer's area totals and ``GET /areas`` over the globe all give 19,440,000 within
1e-7, as float64.
"""

import json

import numpy as np
import pandas as pd
import pytest
from fc_cubes import UNIFORM_T, uniform_dataset
from fc_serving import serving

from methanemap.grid import CANONICAL
from methanemap.serve import bbox_totals
from methanemap.store import open_cube, write_cube
from methanemap.store.validate import check_read_back

pytestmark = pytest.mark.e2e

EXACT_T = 19_440_000.0
GLOBE = "-180,-90,180,90"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    location = tmp_path_factory.mktemp("fc18") / "cube"
    write_cube(uniform_dataset(), str(location), "field case 18: 3 t in every cell")
    return location


def test_a_float32_running_sum_would_be_wrong():
    # What the test guards against: the sequential float32 accumulation.
    naive = np.cumsum(np.full(CANONICAL.nlat * CANONICAL.nlon, UNIFORM_T, np.float32))
    assert abs(float(naive[-1]) / EXACT_T - 1) > 0.01
    assert CANONICAL.nlat * CANONICAL.nlon * UNIFORM_T == EXACT_T


def test_the_store_records_the_exact_period_total(store):
    cube = open_cube(str(store))
    assert cube.ds["emission_total"].dtype == np.float32
    totals = cube.periods.to_dataframe()
    for name in ("coal", "total"):
        assert totals[f"global_emission_{name}"].iloc[0] == EXACT_T
    assert totals["global_emission_gas"].iloc[0] == 0


def test_the_validator_reads_the_grid_back_exactly(store):
    cube = open_cube(str(store))
    grid = cube.ds["emission_total"][:1].to_numpy().sum(axis=(1, 2), dtype=np.float64)
    table = pd.DataFrame({"emission_total": [EXACT_T]}, index=cube.ds.indexes["time"])
    check_read_back(pd.DataFrame({"emission_total": grid}), table)
    assert grid[0] == EXACT_T


def test_the_serve_layer_sums_the_globe_exactly(store):
    answer = bbox_totals(open_cube(str(store)), GLOBE, sector="total")

    assert answer["method"] == "grid"
    total = answer["sectors"]["total"]["sum"]["value"]
    assert isinstance(total, float)
    assert total == pytest.approx(EXACT_T, rel=1e-7)


def test_get_areas_over_the_globe_is_exact(store, tmp_path):
    with serving(store, tmp_path / "service.log") as client:
        answer = client.get(f"/areas?bbox={GLOBE}&sector=total")

    assert answer.status_code == 200, answer.text
    body = json.loads(answer.text)
    assert body["version"] == open_cube(str(store)).version  # our server answered
    assert body["sectors"]["total"]["sum"]["value"] == pytest.approx(EXACT_T, rel=1e-7)
    assert body["sectors"]["total"]["values"][0] == pytest.approx(EXACT_T, rel=1e-7)
