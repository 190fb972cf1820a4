"""Cell queries: the value under a point is the cube's, in the cell containing it."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from methanemap.errors import NotInCubeError, QueryError
from methanemap.serve.cells import cell_history, cell_values
from synthetic_cube import NE_CELL, PERIODS, PERMIAN, SHANXI, expected


def test_a_cell_query_returns_the_stored_value_and_its_cell(snapshot, cache):
    answer = cell_values(snapshot, SHANXI.lon, SHANXI.lat, "2022-P02", cache=cache)

    assert answer["values"]["coal"] == {"value": 130.25, "units": "t"}
    assert answer["values"]["gas"] == {"value": 0.0, "units": "t"}
    assert answer["period"] == {
        "id": "2022-P02",
        "start": "2022-01-09",
        "end": "2022-01-17",
        "days": 8,
    }
    cell = answer["cell"]
    assert (cell["row"], cell["col"]) == (SHANXI.row, SHANXI.col)
    assert cell["id"] == SHANXI.row * 3600 + SHANXI.col
    assert cell["bounds"] == pytest.approx(
        {"west": 112.5, "south": 37.8, "east": 112.6, "north": 37.9}
    )
    assert cell["centre"] == pytest.approx({"lon": 112.55, "lat": 37.85})
    assert answer["version"] == snapshot.version


def test_the_latest_period_is_the_default(snapshot, cache):
    answer = cell_values(snapshot, SHANXI.lon, SHANXI.lat, cache=cache)
    assert answer["period"]["id"] == PERIODS[-1].id
    assert answer["values"]["coal"]["value"] == 140.0


def test_values_are_the_shortest_decimal_of_the_float32(snapshot, cache):
    answer = cell_values(snapshot, PERMIAN.lon, PERMIAN.lat, "2022-P03", cache=cache)
    assert answer["values"]["oil"]["value"] == 7.1  # stored as float32(7.1)
    assert answer["values"]["total"]["value"] == 37.1


def test_missing_data_is_none_and_the_answer_is_valid_json(snapshot, cache):
    answer = cell_values(snapshot, PERMIAN.lon, PERMIAN.lat, "2022-P02", cache=cache)
    assert answer["values"]["oil"]["value"] is None
    assert answer["values"]["gas"]["value"] == 20.0
    json.dumps(answer, allow_nan=False)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(10.0, 40.0), (10.04, 40.0), (10.0, 40.09999), (10.0999999, 40.0999999)],
)
def test_a_point_on_a_cell_edge_goes_to_the_cell_it_starts(snapshot, cache, lon, lat):
    answer = cell_values(snapshot, lon, lat, cache=cache)
    assert answer["values"]["gas"]["value"] == 7.0
    assert (answer["cell"]["row"], answer["cell"]["col"]) == (NE_CELL.row, NE_CELL.col)


def test_longitude_180_is_longitude_minus_180(snapshot, cache):
    east = cell_values(snapshot, 180.0, 12.34, cache=cache)
    west = cell_values(snapshot, -180.0, 12.34, cache=cache)
    assert east["cell"] == west["cell"]
    assert east["cell"]["bounds"]["west"] == -180.0


def test_the_north_pole_belongs_to_the_top_row(snapshot, cache):
    answer = cell_values(snapshot, 0.0, 90.0, cache=cache)
    assert answer["cell"]["row"] == 1799
    assert answer["cell"]["bounds"]["north"] == 90.0


def contains(low: float, high: float, value: float) -> bool:
    """Whether `value` is in ``[low, high)``, to 1e-9 degrees."""
    return low - 1e-9 <= value < high + 1e-9


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lon=st.floats(-180, 180, allow_nan=False, exclude_max=True),
    lat=st.floats(-90, 90, allow_nan=False, exclude_max=True),
    period=st.integers(0, len(PERIODS) - 1),
)
def test_any_point_gets_the_cube_value_of_the_cell_containing_it(
    snapshot, lon, lat, period
):
    answer = cell_values(snapshot, lon, lat, PERIODS[period].id)

    bounds = answer["cell"]["bounds"]
    # The grid moves points within 1e-10 degrees below an edge onto it.
    assert contains(bounds["west"], bounds["east"], lon) or contains(
        bounds["west"], bounds["east"], lon - 360
    )
    assert contains(bounds["south"], bounds["north"], lat)
    row, col = answer["cell"]["row"], answer["cell"]["col"]
    for sector, entry in answer["values"].items():
        stored = snapshot.ds[f"emission_{sector}"][period, row, col].item()
        assert entry["value"] == (None if math.isnan(stored) else pytest.approx(stored))


@pytest.mark.parametrize(
    ("lon", "lat", "parameter"),
    [
        (10.0, float("nan"), "lat"),
        (10.0, float("inf"), "lat"),
        (10.0, float("-inf"), "lat"),
        (10.0, 91.0, "lat"),
        (10.0, -90.5, "lat"),
        (180.5, 45.0, "lon"),
        (-180.0001, 45.0, "lon"),
        (float("nan"), 45.0, "lon"),
    ],
)
def test_points_off_the_globe_are_refused(snapshot, lon, lat, parameter):
    with pytest.raises(QueryError, match=f"{parameter}=.* is out of range") as e:
        cell_values(snapshot, lon, lat)
    assert e.value.parameter == parameter


def test_a_period_outside_the_cube_is_not_in_cube(snapshot):
    with pytest.raises(NotInCubeError, match="not in the cube"):
        cell_values(snapshot, 0.0, 0.0, "2030-P01")


def test_history_gives_every_period_with_none_for_missing_data(snapshot):
    history = cell_history(snapshot, PERMIAN.lon, PERMIAN.lat)

    assert [p["id"] for p in history["periods"]] == [p.id for p in PERIODS]
    assert history["values"]["gas"] == {"units": "t", "values": [10.0, 20.0, 30.0]}
    assert history["values"]["oil"]["values"] == [5.0, None, 7.1]
    assert history["values"]["total"]["values"] == [15.0, None, 37.1]
    assert history["missing"] == ["2022-P02"]
    json.dumps(history, allow_nan=False)


def test_history_matches_the_cell_query_of_each_period(snapshot, cache):
    history = cell_history(snapshot, SHANXI.lon, SHANXI.lat)
    for index, period in enumerate(PERIODS):
        single = cell_values(snapshot, SHANXI.lon, SHANXI.lat, period.id, cache=cache)
        for sector, series in history["values"].items():
            assert series["values"][index] == single["values"][sector]["value"]
    assert history["values"]["coal"]["values"] == [
        expected(SHANXI, "coal", t) for t in range(3)
    ]
    assert np.isclose(history["cell"]["centre"]["lat"], SHANXI.lat)
