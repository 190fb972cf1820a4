"""The catalogue: periods and sectors of a cube, and choosing one from a request."""

import pytest

from methanemap.errors import NotInCubeError, QueryError
from methanemap.serve.catalog import catalog, select_period, validate_sector
from methanemap.store import CubeSnapshot
from synthetic_cube import PERIODS


def test_catalog_lists_periods_oldest_first_and_sectors_with_units(snapshot):
    result = catalog(snapshot)

    assert result["version"] == snapshot.version
    assert [p["id"] for p in result["periods"]] == [p.id for p in PERIODS]
    assert result["periods"][0] == {
        "id": "2022-P01",
        "start": "2022-01-01",
        "end": "2022-01-09",
        "days": 8,
    }
    assert [s["id"] for s in result["sectors"]] == ["coal", "oil", "gas", "total"]
    assert {s["units"] for s in result["sectors"]} == {"t"}


def test_no_period_means_the_latest(snapshot):
    assert select_period(snapshot, None) == (2, PERIODS[2])


@pytest.mark.parametrize("text", ["2022-P02", "2022-01-09", "2022-01-16", " 2022-P02 "])
def test_a_period_is_named_by_id_or_by_a_date_inside_it(snapshot, text):
    assert select_period(snapshot, text) == (1, PERIODS[1])


@pytest.mark.parametrize("text", ["2023-P01", "2022-P04", "2021-12-31"])
def test_a_period_outside_the_cube_is_not_in_cube(snapshot: CubeSnapshot, text):
    with pytest.raises(
        NotInCubeError, match="not in the cube, which holds 2022-P01"
    ) as e:
        select_period(snapshot, text)
    assert e.value.parameter == "period"


@pytest.mark.parametrize("text", ["soon", "2022-P47", "2022-13-01", ""])
def test_a_malformed_period_is_a_query_error(snapshot, text):
    with pytest.raises(QueryError, match="period") as e:
        select_period(snapshot, text)
    assert e.value.parameter == "period"
    assert not isinstance(e.value, NotInCubeError)


def test_an_unknown_sector_names_the_allowed_ones(snapshot):
    with pytest.raises(QueryError, match="allowed are coal, oil, gas, total") as e:
        validate_sector(snapshot, "methane")
    assert e.value.parameter == "sector"
