"""A regional inventory places the region's units; national totals stay the recipe's."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import box

from methanemap.errors import InputQuirkWarning, RecipeError
from methanemap.grid import CANONICAL
from methanemap.pipeline.countries import country_coverage
from methanemap.pipeline.hierarchy import (
    MIN_COVERED_SHARE,
    inventory_pattern,
    regional_pattern,
)
from methanemap.pipeline.regrid import to_canonical
from methanemap.sources.countries import read_boundaries
from methanemap.sources.inventory import open_inventory
from methanemap.sources.registry import fetch

COLUMNS = ["unit", "sector", "subsector", "row", "col", "emission_t", "method"]


@pytest.fixture(scope="module")
def coverage():
    """AAA: 10-11 E x 40-41 N; BBB: 11-12 E (cells at 11.0 shared by neither)."""
    boundaries = gpd.GeoDataFrame(
        {"iso3": ["AAA", "BBB"]},
        geometry=[box(10.0, 40.0, 11.0, 41.0), box(11.0, 40.0, 12.0, 41.0)],
        crs="EPSG:4326",
    )
    return country_coverage(boundaries)


def cell(lat, lon):
    return int(CANONICAL.rows(lat)), int(CANONICAL.cols(lon))


def pattern():
    rows = [
        ("AAA", "coal", "coal", *cell(40.05, 10.05), 600.0, "infrastructure"),
        ("AAA", "coal", "coal", *cell(40.95, 10.95), 400.0, "infrastructure"),
        ("AAA", "gas", "gas", *cell(40.55, 10.55), 300.0, "infrastructure"),
        ("BBB", "coal", "coal", *cell(40.55, 11.55), 200.0, "infrastructure"),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def inventory(values: dict[tuple[float, float], float], fill=0.0) -> xr.DataArray:
    """A canonical field (t a-1): `fill` over 9.5-12.5 E x 39.5-41.5 N, NaN outside."""
    grid = np.full(CANONICAL.shape, np.nan)
    rows, cols = (
        slice(*CANONICAL.rows([39.5, 41.5])),
        slice(*CANONICAL.cols([9.5, 12.5])),
    )
    grid[rows, cols] = fill
    for (lat, lon), value in values.items():
        grid[cell(lat, lon)] = value
    return xr.DataArray(grid, dims=("lat", "lon"), attrs={"inventory": "made"})


def test_region_units_take_the_inventory_map_and_keep_their_totals(coverage):
    field = inventory({(40.25, 10.25): 3.0, (40.75, 10.75): 1.0, (40.55, 11.55): 9.0})
    out = regional_pattern(pattern(), field, {"AAA"}, coverage, "coal")

    assert list(out.columns) == COLUMNS
    aaa = out[(out["unit"] == "AAA") & (out["sector"] == "coal")]
    assert aaa["emission_t"].sum() == pytest.approx(1000.0, rel=1e-12)
    assert set(aaa["method"]) == {"inventory:made"}
    placed = aaa.set_index(["row", "col"])["emission_t"]
    assert placed[cell(40.25, 10.25)] == pytest.approx(750.0)
    assert placed[cell(40.75, 10.75)] == pytest.approx(250.0)
    assert len(placed) == 2

    untouched = out[(out["unit"] == "BBB") | (out["sector"] == "gas")]
    pd.testing.assert_frame_equal(
        untouched.reset_index(drop=True), pattern().iloc[[2, 3]].reset_index(drop=True)
    )


def test_border_cells_are_weighted_by_the_share_inside_the_country():
    boundaries = gpd.GeoDataFrame(
        {"iso3": ["AAA"]}, geometry=[box(10.0, 40.0, 11.03, 41.0)], crs="EPSG:4326"
    )
    field = inventory({(40.55, 10.55): 1.0, (40.55, 11.05): 1.0})
    out = regional_pattern(
        pattern(), field, {"AAA"}, country_coverage(boundaries), "coal"
    )

    coal = out[(out["unit"] == "AAA") & (out["sector"] == "coal")]
    placed = coal.set_index(["row", "col"])["emission_t"]
    assert placed[cell(40.55, 11.05)] / placed[cell(40.55, 10.55)] == pytest.approx(
        0.3, rel=1e-6
    )


def test_group_units_are_placed_over_their_members(coverage):
    group = pattern().replace({"unit": {"AAA": "Other", "BBB": "Other"}})
    group = group[group["sector"] == "coal"]
    field = inventory({(40.25, 10.25): 1.0, (40.25, 11.25): 1.0})
    members = {"Other": ("AAA", "BBB")}
    out = regional_pattern(
        group, field, {"AAA", "BBB"}, coverage, "coal", members=members
    )

    assert out["emission_t"].sum() == pytest.approx(1200.0)
    assert out["emission_t"].tolist() == pytest.approx([600.0, 600.0])
    unchanged = regional_pattern(
        group, field, {"AAA"}, coverage, "coal", members=members
    )
    assert set(unchanged["method"]) == {"infrastructure"}


def test_a_unit_the_inventory_only_partly_covers_keeps_its_allocation(coverage):
    field = inventory({(40.25, 10.25): 1.0})
    field[slice(*CANONICAL.rows([40.5, 41.0])), :] = np.nan  # half of AAA has no data
    with pytest.warns(
        InputQuirkWarning, match=r"'AAA' keeps its .* data over only 50\.2%"
    ):
        out = regional_pattern(pattern(), field, {"AAA"}, coverage, "coal")
    in_order = out.sort_values(COLUMNS).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        in_order, pattern().sort_values(COLUMNS).reset_index(drop=True)
    )
    assert MIN_COVERED_SHARE == 0.95


def test_a_unit_with_no_inventory_emission_keeps_its_allocation(coverage):
    with pytest.warns(InputQuirkWarning, match="holds no emission there"):
        out = regional_pattern(pattern(), inventory({}), {"AAA"}, coverage, "coal")
    assert set(out["method"]) == {"infrastructure"}


def test_negative_cells_weigh_nothing(coverage):
    field = inventory({(40.25, 10.25): 1.0, (40.75, 10.75): -5.0})
    with pytest.warns(InputQuirkWarning, match="1 cells with negative emission"):
        out = regional_pattern(pattern(), field, {"AAA"}, coverage, "coal")
    aaa = out[(out["unit"] == "AAA") & (out["sector"] == "coal")]
    assert aaa["emission_t"].tolist() == pytest.approx([1000.0])


def test_the_inventory_must_be_on_the_canonical_grid(coverage):
    small = xr.DataArray(np.ones((10, 10)), dims=("lat", "lon"))
    with pytest.raises(RecipeError, match="put it there with to_canonical"):
        regional_pattern(pattern(), small, {"AAA"}, coverage, "coal")


def test_gfei_places_china_with_its_national_total(data_mirror):
    boundaries = read_boundaries(fetch("naturalearth_50m"))
    china = country_coverage(boundaries[boundaries["iso3"] == "CHN"])
    gfei = to_canonical(
        open_inventory(
            fetch("gfei_v2_china"), units="Mg km-2 a-1", name="gfei_v2_china"
        )
    )
    mines = pd.DataFrame(
        [("CHN", "coal", "coal", *cell(37.85, 112.55), 20e6, "infrastructure")],
        columns=COLUMNS,
    )
    out = regional_pattern(mines, gfei, {"CHN"}, china, "coal")

    assert out["emission_t"].sum() == pytest.approx(20e6, rel=1e-12)
    assert set(out["method"]) == {"inventory:gfei_v2_china"}
    # Inside China the pattern is GFEI times the share of each cell inside China.
    share = china.set_index(["row", "col"])["coverage"]
    placed = out.set_index(["row", "col"])["emission_t"]
    expected = gfei.to_numpy()[
        placed.index.get_level_values(0), placed.index.get_level_values(1)
    ]
    ratio = placed / (expected * share.reindex(placed.index).to_numpy())
    assert ratio.std() / ratio.mean() < 1e-9
    shanxi = out[
        out["row"].between(*CANONICAL.rows([34.5, 41]))
        & out["col"].between(*CANONICAL.cols([110, 114.6]))
    ]
    assert shanxi["emission_t"].sum() / 20e6 == pytest.approx(8.0 / 22.2, abs=0.02)


def test_an_inventory_file_places_the_recipes_sectors(coverage, tmp_path):
    lat = np.arange(39.55, 41.5, 0.1)
    lon = np.arange(9.55, 12.5, 0.1)
    values = np.zeros((lat.size, lon.size))
    values[np.isclose(lat, 40.25), np.isclose(lon, 10.25)] = 2.0
    ds = xr.Dataset(
        {"emi": (("lat", "lon"), values, {"units": "Mg km-2 a-1"})},
        coords={"lat": lat, "lon": lon},
    )
    ds.to_netcdf(tmp_path / "regional.nc")
    out = inventory_pattern(
        pattern(),
        tmp_path / "regional.nc",
        region=["AAA"],
        sectors=["coal", "gas"],
        coverage=coverage,
        name="regional",
    )

    aaa = out[out["unit"] == "AAA"].set_index(["sector", "row", "col"])["emission_t"]
    assert aaa[("coal", *cell(40.25, 10.25))] == pytest.approx(1000.0)
    assert aaa[("gas", *cell(40.25, 10.25))] == pytest.approx(300.0)
    assert set(out.loc[out["unit"] == "AAA", "method"]) == {"inventory:regional"}
