"""Allocation keeps every tonne: proxies share a unit's total; no proxy, no loss."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from methanemap.errors import RecipeError
from methanemap.grid import CANONICAL
from methanemap.pipeline.allocate import INFRASTRUCTURE, UNIFORM, allocate
from methanemap.pipeline.countries import country_coverage


@pytest.fixture(scope="module")
def coverage():
    boundaries = gpd.GeoDataFrame(
        {"iso3": ["AAA", "BBB"]},
        geometry=[box(10.0, 40.0, 11.0, 41.0), box(10.95, 40.0, 12.0, 41.0)],
        crs="EPSG:4326",
    )
    return country_coverage(boundaries)


def units(*rows):
    return pd.DataFrame(rows, columns=["unit", "members", "sector", "emission_t"])


def test_coverage_is_exact_and_shared_on_borders(coverage):
    aaa = coverage[coverage["iso3"] == "AAA"]
    assert len(aaa) == 100
    assert aaa["coverage"].sum() == pytest.approx(100.0)
    border = coverage[coverage["col"] == CANONICAL.cols(10.95)[()]]
    by_country = border.groupby("iso3")["coverage"].sum() / 10
    assert by_country["AAA"] == pytest.approx(1.0)
    assert by_country["BBB"] == pytest.approx(0.5)
    assert set(aaa["row"]) == set(range(1300, 1310))  # rows counted from the south


def test_points_share_a_unit_total_by_weight(coverage):
    points = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "BBB"],
            "lon": [10.05, 10.55, 11.5],
            "lat": [40.05, 40.95, 40.5],
            "weight": [1.0, 3.0, 5.0],
        }
    )
    pattern = allocate(
        units(("AAA", ("AAA",), "coal", 1000.0)), {"coal": points}, coverage
    )
    assert (pattern["method"] == INFRASTRUCTURE).all()
    cell = pattern.set_index(["row", "col"])["emission_t"]
    assert cell[(1300, 1900)] == pytest.approx(250.0)
    assert cell[(1309, 1905)] == pytest.approx(750.0)
    assert pattern["emission_t"].sum() == pytest.approx(1000.0)


def test_unit_without_points_is_spread_over_its_land(coverage):
    empty = pd.DataFrame(columns=["iso3", "lon", "lat", "weight"])
    pattern = allocate(units(("BBB", ("BBB",), "gas", 500.0)), {"gas": empty}, coverage)
    assert (pattern["method"] == UNIFORM).all()
    assert pattern["emission_t"].sum() == pytest.approx(500.0, rel=1e-12)
    half = pattern[pattern["col"] == CANONICAL.cols(10.95)[()]]["emission_t"]
    full = pattern[pattern["col"] == CANONICAL.cols(11.55)[()]]["emission_t"]
    # Same rows, half the covered area in the border column.
    assert half.sum() == pytest.approx(full.sum() / 2, rel=1e-9)


def test_unit_with_nothing_to_place_it_on_is_refused(coverage):
    with pytest.raises(RecipeError, match="neither proxy points nor a country polygon"):
        allocate(units(("ZZZ", ("ZZZ",), "oil", 1.0)), {}, coverage)
