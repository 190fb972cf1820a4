"""Each reader convention on a small file made to show it (field cases FC-01 ... FC-14).

A half-cell shift, a flipped latitude or a lost seam column moves a marker or a total
and fails here.
"""

import numpy as np
import pytest
import xarray as xr

from made_grids import (
    CELL_40N_1DEG_KM2,
    EARTH_KM2,
    LAT_1DEG,
    LON_1DEG,
    MG_KM2_A,
    one_degree,
    write_grid,
)
from methanemap.errors import InputFormatError, InputQuirkWarning, UnitsError
from methanemap.sources.inventory import annual_total_t, open_inventory
from methanemap.units import parse_emission_units

TO_FLUX = parse_emission_units(MG_KM2_A, "test").factor


def in_mg_km2_a(field: xr.DataArray) -> xr.DataArray:
    return field / TO_FLUX


def test_fc01_longitudes_0_360_become_ascending_minus180_180(tmp_path):
    lon = np.arange(0.5, 360, 1.0)
    data = one_degree()
    data[LAT_1DEG == 40.5, lon == 260.5] = 100.0
    field = open_inventory(write_grid(tmp_path / "fc01.nc", data, LAT_1DEG, lon))

    np.testing.assert_array_equal(field["lon"], LON_1DEG)
    assert float(in_mg_km2_a(field).sel(lat=40.5, lon=-99.5)) == pytest.approx(100.0)
    assert float(in_mg_km2_a(field).sel(lat=40.5, lon=-100.5)) == pytest.approx(1.0)
    expected = EARTH_KM2 + 99 * CELL_40N_1DEG_KM2  # 510,996,403 Mg/yr
    assert annual_total_t(field) == pytest.approx(510_996_403, rel=1e-3)
    assert annual_total_t(field) == pytest.approx(expected, rel=1e-6)
    assert "moved into [-180, 180)" in field.attrs["conversions"]


def test_fc03_descending_latitude_is_stored_ascending(tmp_path):
    data = one_degree()
    data[LAT_1DEG == 45.5, LON_1DEG == 0.5] = 5.0
    control = open_inventory(write_grid(tmp_path / "up.nc", data, LAT_1DEG, LON_1DEG))
    flipped = write_grid(tmp_path / "down.nc", data[::-1], LAT_1DEG[::-1], LON_1DEG)
    field = open_inventory(flipped)

    np.testing.assert_array_equal(field["lat"], LAT_1DEG)
    np.testing.assert_array_equal(field.to_numpy(), control.to_numpy())
    assert float(in_mg_km2_a(field).sel(lat=45.5, lon=0.5)) == pytest.approx(5.0)
    assert "latitudes flipped" in field.attrs["conversions"]


def corners_file(path, with_bounds):
    """FC-05: coordinates are south-west corners; 50 in the cell [10,11] x [20,21]."""
    lat, lon = np.arange(-90.0, 90, 1), np.arange(-180.0, 180, 1)
    data = one_degree()
    data[lat == 20, lon == 10] = 50.0
    extra = {}
    lat_attrs, lon_attrs = {"units": "degrees_north"}, {"units": "degrees_east"}
    if with_bounds:
        lat_attrs, lon_attrs = (
            {**lat_attrs, "bounds": "lat_bnds"},
            {**lon_attrs, "bounds": "lon_bnds"},
        )
        extra = {
            "lat_bnds": (("lat", "nv"), np.column_stack([lat, lat + 1])),
            "lon_bnds": (("lon", "nv"), np.column_stack([lon, lon + 1])),
        }
    return write_grid(
        path, data, lat, lon, coord_attrs=(lat_attrs, lon_attrs), extra=extra
    )


def test_fc05_bounds_win_over_corner_coordinates(tmp_path):
    field = in_mg_km2_a(open_inventory(corners_file(tmp_path / "edges.nc", True)))

    np.testing.assert_array_equal(field["lat"], LAT_1DEG)
    np.testing.assert_array_equal(field["lon"], LON_1DEG)
    assert float(field.sel(lat=20.5, lon=10.5)) == pytest.approx(50.0)
    assert float(field.sel(lat=20.5, lon=9.5)) == pytest.approx(1.0)
    assert field.attrs["registration"] == "lat bounds, lon bounds"


def test_fc05_corners_without_bounds_are_refused_unless_the_recipe_says(tmp_path):
    path = corners_file(tmp_path / "ambiguous.nc", False)
    with pytest.raises(InputFormatError, match="cannot tell centres from corners"):
        open_inventory(path)

    corner = in_mg_km2_a(open_inventory(path, registration="corner"))
    assert float(corner.sel(lat=20.5, lon=10.5)) == pytest.approx(50.0)
    # Taken as centres, the -90 row would be a cell centred on the pole.
    with pytest.raises(NotImplementedError, match="centred on a pole"):
        open_inventory(path, registration="centre")


def test_fc05_duplicate_seam_column_is_dropped_once(tmp_path):
    lon = np.linspace(-180, 180, 361)
    data = np.ones((LAT_1DEG.size, lon.size))
    field = open_inventory(write_grid(tmp_path / "seam.nc", data, LAT_1DEG, lon))

    assert field.sizes["lon"] == 360
    assert field["lon"].to_numpy()[[0, -1]].tolist() == [-180.0, 179.0]
    assert annual_total_t(field) == pytest.approx(EARTH_KM2, rel=1e-6)
    assert "duplicate seam column" in field.attrs["conversions"]


def test_fc05_seam_columns_that_differ_are_refused(tmp_path):
    lon = np.linspace(-180, 180, 361)
    data = np.ones((LAT_1DEG.size, lon.size))
    data[10, -1] = 2.0
    with pytest.raises(InputFormatError, match="appears twice"):
        open_inventory(write_grid(tmp_path / "seam.nc", data, LAT_1DEG, lon))


def marked() -> np.ndarray:
    """A 1 degree field with two markers, so that a transposition shows."""
    data = one_degree()
    data[LAT_1DEG == 20.5, LON_1DEG == 10.5] = 7.0
    data[LAT_1DEG == -30.5, LON_1DEG == 100.5] = 3.0
    return data


def fc14_variants(tmp_path):
    data, lat, lon = marked(), LAT_1DEG, LON_1DEG
    degrees = ({"units": "degrees_north"}, {"units": "degrees_east"})
    named = ({"standard_name": "latitude"}, {"standard_name": "longitude"})
    axes = ({"axis": "Y"}, {"axis": "X"})
    yield write_grid(tmp_path / "a.nc", data, lat, lon)
    yield write_grid(
        tmp_path / "b.nc",
        data,
        lat,
        lon,
        dims=("latitude", "longitude"),
        coord_attrs=degrees,
    )
    yield write_grid(
        tmp_path / "c.nc", data, lat, lon, dims=("y", "x"), coord_attrs=named
    )
    yield write_grid(
        tmp_path / "d.nc", data, lat, lon, dims=("Y", "X"), coord_attrs=axes
    )

    transposed = xr.Dataset(
        {"flux": (("lon", "lat"), data.T, {"units": MG_KM2_A})},
        coords={"lat": ("lat", lat, degrees[0]), "lon": ("lon", lon, degrees[1])},
    )
    transposed.to_netcdf(tmp_path / "e.nc")
    yield tmp_path / "e.nc"

    lon2d, lat2d = np.meshgrid(lon, lat)
    index = xr.Dataset(
        {
            "flux": (("nlat", "nlon"), data, {"units": MG_KM2_A}),
            "lat": (("nlat", "nlon"), lat2d, degrees[0]),
            "lon": (("nlat", "nlon"), lon2d, degrees[1]),
        }
    )
    index.to_netcdf(tmp_path / "f.nc")
    yield tmp_path / "f.nc"


def test_fc14_six_layouts_read_to_the_same_field(tmp_path):
    fields = [open_inventory(path) for path in fc14_variants(tmp_path)]

    first = fields[0]
    assert float(in_mg_km2_a(first).sel(lat=20.5, lon=10.5)) == pytest.approx(7.0)
    assert float(in_mg_km2_a(first).sel(lat=-30.5, lon=100.5)) == pytest.approx(3.0)
    for field in fields[1:]:
        assert field.dims == ("lat", "lon")
        np.testing.assert_array_equal(field["lat"], first["lat"])
        np.testing.assert_array_equal(field["lon"], first["lon"])
        np.testing.assert_array_equal(field.to_numpy(), first.to_numpy())


def test_fc14_curvilinear_grid_is_refused(tmp_path):
    lon2d, lat2d = np.meshgrid(LON_1DEG, LAT_1DEG)
    rotated = xr.Dataset(
        {
            "flux": (("j", "i"), marked(), {"units": MG_KM2_A}),
            "lat": (("j", "i"), lat2d + 0.01 * lon2d, {"units": "degrees_north"}),
            "lon": (("j", "i"), lon2d + 0.01 * lat2d, {"units": "degrees_east"}),
        }
    )
    rotated.to_netcdf(tmp_path / "rotated.nc")
    with pytest.raises(NotImplementedError, match="curvilinear grid"):
        open_inventory(tmp_path / "rotated.nc")


def test_fc14_index_dimensions_are_never_taken_for_degrees(tmp_path):
    path = write_grid(
        tmp_path / "xy.nc",
        marked(),
        LAT_1DEG,
        LON_1DEG,
        dims=("y", "x"),
        coord_attrs=({}, {}),
    )
    with pytest.raises(InputFormatError, match="no latitude coordinate"):
        open_inventory(path)


def test_fill_value_and_scale_offset_are_decoded(tmp_path):
    values = np.full((LAT_1DEG.size, LON_1DEG.size), 6.0)
    values[0, 0] = np.nan
    ds = xr.Dataset(
        {"flux": (("lat", "lon"), values, {"units": MG_KM2_A})},
        coords={"lat": LAT_1DEG, "lon": LON_1DEG},
    )
    packing = {"dtype": "int16", "scale_factor": 0.5, "add_offset": 1.0}
    ds["flux"].encoding = {**packing, "_FillValue": np.int16(-32768)}
    ds.to_netcdf(tmp_path / "packed.nc")
    with xr.open_dataset(tmp_path / "packed.nc", mask_and_scale=False) as raw:
        assert raw["flux"].dtype == np.int16
        assert raw["flux"].to_numpy()[[0, 1], [0, 1]].tolist() == [-32768, 10]

    field = in_mg_km2_a(open_inventory(tmp_path / "packed.nc"))
    assert np.isnan(field.to_numpy()[0, 0])
    assert float(field.to_numpy()[1, 1]) == pytest.approx(6.0)


def test_an_undeclared_sentinel_is_refused(tmp_path):
    data = one_degree()
    data[3, 3] = -3.4e38
    with pytest.raises(InputFormatError, match="undeclared nodata value"):
        open_inventory(write_grid(tmp_path / "sentinel.nc", data, LAT_1DEG, LON_1DEG))


def test_one_of_several_variables_must_be_named(tmp_path):
    path = write_grid(
        tmp_path / "two.nc",
        one_degree(),
        LAT_1DEG,
        LON_1DEG,
        extra={"other": (("lat", "lon"), one_degree(), {"units": MG_KM2_A})},
    )
    with pytest.raises(
        InputFormatError, match=r"holds 2 gridded variables \(\['flux', 'other'\]\)"
    ):
        open_inventory(path)
    assert open_inventory(path, variable="other").attrs["source_variable"] == "other"


def test_an_extra_dimension_is_refused(tmp_path):
    ds = xr.Dataset(
        {"flux": (("lev", "lat", "lon"), np.ones((2, 180, 360)), {"units": MG_KM2_A})},
        coords={"lat": LAT_1DEG, "lon": LON_1DEG},
    )
    ds.to_netcdf(tmp_path / "levels.nc")
    with pytest.raises(InputFormatError, match="one 2-D layer at a time"):
        open_inventory(tmp_path / "levels.nc")


def test_a_regional_grid_across_the_antimeridian_is_refused(tmp_path):
    lon = np.arange(170.5, 190, 1.0)
    path = write_grid(
        tmp_path / "dateline.nc", np.ones((LAT_1DEG.size, lon.size)), LAT_1DEG, lon
    )
    with pytest.raises(NotImplementedError, match="across the antimeridian"):
        open_inventory(path)


def test_cells_centred_on_the_poles_are_not_read_yet(tmp_path):
    lat = np.linspace(-90, 90, 91)
    path = write_grid(tmp_path / "poles.nc", np.ones((lat.size, 360)), lat, LON_1DEG)
    with pytest.raises(NotImplementedError, match="centred on a pole"):
        open_inventory(path)


@pytest.mark.parametrize("spelling", ["kg m-2 s-1", "kg/m2/s", "kg m**-2 s**-1"])
def test_fc16_flux_spellings_read_alike(tmp_path, spelling):
    path = write_grid(
        tmp_path / "f.nc", one_degree(1e-12), LAT_1DEG, LON_1DEG, units=spelling
    )
    field = open_inventory(path)
    assert annual_total_t(field) / 1e6 == pytest.approx(16.085, rel=1e-4)


@pytest.mark.parametrize(
    ("units", "value", "kg_m2_s"),
    [
        ("Mg km-2 a-1", 1.0, 1 / 3.1536e10),
        ("Mg/km2/yr", 1.0, 1 / 3.1536e10),
        ("molecules cm-2 s-1", 1e11, 2.6635e-11),
        ("mol/m2/s", 1.0, 0.01604),
        ("kg cell-1 a-1", 1.0, None),
    ],
)
def test_fc16_units_are_converted_to_kg_m2_s(tmp_path, units, value, kg_m2_s):
    path = write_grid(
        tmp_path / "u.nc", one_degree(value), LAT_1DEG, LON_1DEG, units=units
    )
    field = open_inventory(path)
    if kg_m2_s is None:  # per cell: the total is the number of cells, in kg
        assert annual_total_t(field) == pytest.approx(180 * 360 / 1000, rel=1e-9)
    else:
        assert float(field[90, 0]) == pytest.approx(kg_m2_s, rel=1e-4)
    assert field.attrs["original_units"] == units


def test_fc16_uniform_mg_km2_a_totals_the_earth_area(tmp_path):
    path = write_grid(
        tmp_path / "gfei.nc", one_degree(), LAT_1DEG, LON_1DEG, units="Mg/km2/yr"
    )
    assert annual_total_t(open_inventory(path)) == pytest.approx(EARTH_KM2, rel=1e-6)


def test_fc16_units_that_are_no_flux_are_refused(tmp_path):
    path = write_grid(
        tmp_path / "ppb.nc", one_degree(1800.0), LAT_1DEG, LON_1DEG, units="ppb"
    )
    with pytest.raises(
        UnitsError, match=r"ppb\.nc:flux: units 'ppb' .* not an emission flux unit"
    ):
        open_inventory(path)


def test_missing_units_are_refused_naming_the_file_unless_given(tmp_path):
    path = write_grid(
        tmp_path / "nounits.nc", one_degree(), LAT_1DEG, LON_1DEG, units=None
    )
    with pytest.raises(
        UnitsError, match=r"nounits\.nc: variable 'flux' states no units"
    ):
        open_inventory(path)
    field = open_inventory(path, units="Mg km-2 a-1")
    assert annual_total_t(field) == pytest.approx(EARTH_KM2, rel=1e-6)


def test_recipe_units_must_agree_with_the_files(tmp_path):
    path = write_grid(tmp_path / "stated.nc", one_degree(), LAT_1DEG, LON_1DEG)
    assert open_inventory(path, units="Mg/km2/yr").attrs["original_units"] == MG_KM2_A
    with pytest.raises(
        UnitsError,
        match="the file states units 'Mg km-2 a-1' but the recipe gives 'kg m-2 s-1'",
    ):
        open_inventory(path, units="kg m-2 s-1")


def test_unparseable_file_units_give_way_to_the_recipes_with_a_warning(tmp_path):
    path = write_grid(
        tmp_path / "odd.nc",
        one_degree(),
        LAT_1DEG,
        LON_1DEG,
        units="Mg per km2 per year (GFEI)",
    )
    with pytest.raises(UnitsError, match="not understood"):
        open_inventory(path)
    with pytest.warns(InputQuirkWarning, match="not understood; using 'Mg km-2 a-1'"):
        field = open_inventory(path, units="Mg km-2 a-1")
    assert annual_total_t(field) == pytest.approx(EARTH_KM2, rel=1e-6)
