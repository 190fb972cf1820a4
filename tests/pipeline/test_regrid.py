"""Regridding to the 0.1 degree grid: totals survive, cells stay put, absence is NaN."""

import numpy as np
import pytest
import rasterio
import xarray as xr
from hypothesis import given, note, settings
from hypothesis import strategies as st

from made_grids import (
    CELL_40N_1DEG_KM2,
    EARTH_KM2,
    LAT_1DEG,
    LON_1DEG,
    box_km2,
    box_total,
    one_degree,
    write_grid,
)
from methanemap.errors import InputFormatError
from methanemap.grid import CANONICAL
from methanemap.pipeline.regrid import to_canonical
from methanemap.sources.inventory import annual_total_t, cell_area, open_inventory
from methanemap.sources.registry import fetch
from methanemap.units import FLUX_UNITS, parse_emission_units

ONE_MG_KM2_A = parse_emission_units("Mg km-2 a-1", "test").factor  # in kg m-2 s-1
CELL_KM2 = CANONICAL.cell_area / 1e6  # per row


def flux(values, lat, lon) -> xr.DataArray:
    """A flux field as open_inventory returns it, `values` in Mg km-2 a-1."""
    return xr.DataArray(
        np.asarray(values, dtype=np.float64) * ONE_MG_KM2_A,
        dims=("lat", "lon"),
        coords={"lat": lat, "lon": lon},
        attrs={"units": FLUX_UNITS, "inventory": "made"},
    )


@pytest.fixture(scope="module")
def fc01(tmp_path_factory):
    """FC-01: 0..360 one-degree field, 1.0 everywhere, 100 at (40.5 N, 260.5 E)."""
    lon = np.arange(0.5, 360, 1.0)
    data = one_degree()
    data[LAT_1DEG == 40.5, lon == 260.5] = 100.0
    path = write_grid(tmp_path_factory.mktemp("fc01") / "fc01.nc", data, LAT_1DEG, lon)
    return to_canonical(open_inventory(path))


def test_fc01_global_total_and_marker_cells(fc01):
    assert float(fc01.sum()) == pytest.approx(510_996_403, rel=1e-3)
    assert float(fc01.sum()) == pytest.approx(
        EARTH_KM2 + 99 * CELL_40N_1DEG_KM2, rel=1e-9
    )
    assert fc01.attrs["total_t"] == pytest.approx(
        fc01.attrs["source_total_t"], rel=1e-12
    )

    marker = fc01.sel(lat=slice(40, 41), lon=slice(-100, -99))
    assert marker.shape == (10, 10)
    rows = CANONICAL.rows(marker["lat"].to_numpy())
    np.testing.assert_allclose(
        marker, 100 * CELL_KM2[rows][:, None] * np.ones(10), rtol=1e-9
    )
    # The cells just outside the marker's degree hold the background flux only.
    for lat, lon in [
        (40.95, -100.05),
        (40.95, -98.95),
        (41.05, -99.05),
        (39.95, -99.05),
    ]:
        cell = fc01.sel(lat=lat, lon=lon, method="nearest")
        assert float(cell) == pytest.approx(CELL_KM2[CANONICAL.rows(lat)], rel=1e-9)


@pytest.fixture(scope="module")
def orientations(tmp_path_factory):
    """FC-02/03: one uniform field as -180..180 (control), 0..360 and north-down."""
    folder, data = tmp_path_factory.mktemp("fc02"), one_degree()
    files = [
        write_grid(folder / "control.nc", data, LAT_1DEG, LON_1DEG),
        write_grid(folder / "0_360.nc", data, LAT_1DEG, np.arange(0.5, 360, 1.0)),
        write_grid(folder / "desc.nc", data[::-1], LAT_1DEG[::-1], LON_1DEG),
    ]
    return [to_canonical(open_inventory(path)) for path in files]


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [((-10, 40, 10, 50), 1_746_363), ((-166, 14, -151, 29), 2_581_014)],
)
def test_fc02_fc03_area_totals_do_not_depend_on_the_files_orientation(
    orientations, bbox, expected
):
    control, *others = [box_total(field, bbox) for field in orientations]
    assert control == pytest.approx(expected, rel=1e-3)
    assert others == pytest.approx([control, control], rel=1e-12)


def test_fc05_corner_file_with_bounds_lands_on_its_cells(tmp_path):
    lat, lon = np.arange(-90.0, 90, 1), np.arange(-180.0, 180, 1)
    data = one_degree()
    data[lat == 20, lon == 10] = 50.0
    extra = {
        "lat_bnds": (("lat", "nv"), np.column_stack([lat, lat + 1])),
        "lon_bnds": (("lon", "nv"), np.column_stack([lon, lon + 1])),
    }
    attrs = (
        {"units": "degrees_north", "bounds": "lat_bnds"},
        {"units": "degrees_east", "bounds": "lon_bnds"},
    )
    path = write_grid(
        tmp_path / "edges.nc", data, lat, lon, coord_attrs=attrs, extra=extra
    )
    field = to_canonical(open_inventory(path))

    assert box_total(field, (10, 20, 11, 21)) == pytest.approx(
        50 * box_km2(10, 20, 11, 21), rel=1e-9
    )
    row = CANONICAL.rows(20.55)
    assert float(field.sel(lat=20.55, lon=10.05)) == pytest.approx(
        50 * CELL_KM2[row], rel=1e-9
    )
    assert float(field.sel(lat=20.55, lon=9.95)) == pytest.approx(
        CELL_KM2[row], rel=1e-9
    )


def test_fc15_pole_rows_and_whole_earth():
    uniform = flux(np.ones(CANONICAL.shape), CANONICAL.lat, CANONICAL.lon)
    placed = to_canonical(uniform)
    assert placed.attrs["regrid"] == "placed (0.1 lattice)"
    coarse = to_canonical(flux(one_degree(), LAT_1DEG, LON_1DEG))
    assert coarse.attrs["regrid"] == "xarray-regrid conservative"

    for field in (placed, coarse):
        values = field.to_numpy()
        assert float(values.sum()) == pytest.approx(EARTH_KM2, rel=1e-5)
        np.testing.assert_allclose(values[[0, -1]], 0.1079, rtol=1e-3)
        assert float(field.sel(lat=0.05, lon=0.05)) == pytest.approx(123.643, rel=1e-5)
        assert values.min() > 0 and values.max() <= 123.644


def test_fc18_float32_cell_masses_total_in_float64(tmp_path):
    masses = np.full(CANONICAL.shape, np.float32(3.0), dtype=np.float32)
    path = write_grid(
        tmp_path / "fc18.nc",
        masses,
        CANONICAL.lat,
        CANONICAL.lon,
        units="Mg cell-1 a-1",
    )
    field = open_inventory(path)

    expected = 19_440_000
    assert abs(annual_total_t(field) / expected - 1) < 1e-7
    assert abs(float(to_canonical(field).attrs["total_t"]) / expected - 1) < 1e-7
    # What the test would catch: a float32 running sum drifts by percents.
    naive = np.cumsum(masses.ravel(), dtype=np.float32)[-1]
    assert abs(naive / expected - 1) > 1e-3


def test_a_regional_field_fills_only_its_extent():
    lat, lon = np.arange(30.125, 40, 0.25), np.arange(10.15625, 20, 0.3125)
    values = np.ones((lat.size, lon.size))
    values[:8, :] = 0.0  # 30-32 N: no emission, but data
    values[-8:, :8] = np.nan  # 38-40 N, 10-12.5 E: no data
    field = to_canonical(flux(values, lat, lon))

    assert field.attrs["total_t"] == pytest.approx(
        field.attrs["source_total_t"], rel=1e-12
    )
    assert np.isnan(field.sel(lat=29.95, lon=15.05)) and np.isnan(
        field.sel(lat=35.05, lon=9.95)
    )
    assert float(field.sel(lat=31.05, lon=15.05)) == 0.0
    assert np.isnan(field.sel(lat=39.05, lon=11.05))
    inside = field.sel(lat=slice(32, 38), lon=slice(10, 20))
    assert not np.isnan(inside).any()


@pytest.fixture(scope="module")
def gfei_path(data_mirror):
    return fetch("gfei_v2_china")


def test_gfei_hot_pixel_lands_in_its_cell(gfei_path):
    gfei = open_inventory(gfei_path, units="Mg km-2 a-1")
    with rasterio.open(gfei_path) as src:
        transform = src.transform
    hot = np.unravel_index(np.nanargmax(gfei.to_numpy()), gfei.shape)
    alone = xr.where(gfei.notnull(), 0.0, np.nan)
    alone[hot] = gfei[hot]
    alone.attrs = gfei.attrs
    field = to_canonical(alone)

    # The pixel's edges from the geotransform; its share of each 0.1 degree cell.
    west = transform.c + transform.a * hot[1]
    south = float(gfei["lat"][hot[0]]) + transform.e / 2
    in_col = (
        min(west - transform.a * 0 + transform.a, 112.7) - max(west, 112.6)
    ) / transform.a
    in_row = (min(south - transform.e, 37.9) - max(south, 37.8)) / -transform.e
    cell = field.sel(lat=37.85, lon=112.65, method="nearest")
    assert float(cell) / field.attrs["total_t"] == pytest.approx(
        in_col * in_row, abs=1e-3
    )
    assert float(field.max()) == float(cell)


def test_gfei_china_regridded_keeps_its_totals_and_centre(gfei_path):
    gfei = open_inventory(gfei_path, units="Mg km-2 a-1")
    field = to_canonical(gfei)

    assert field.attrs["total_t"] / 1e6 == pytest.approx(22.2, abs=0.05)
    assert field.attrs["total_t"] == pytest.approx(annual_total_t(gfei), rel=1e-9)
    assert box_total(field, (110, 34.5, 114.6, 41)) / 1e6 == pytest.approx(
        8.0, abs=0.05
    )
    # Mass-weighted centres of the whole field agree far within a half cell (0.05).
    source = gfei * cell_area(gfei)
    for dim in ("lat", "lon"):
        ours = float((field * field[dim]).sum() / field.sum())
        theirs = float((source * source[dim]).sum() / source.sum())
        assert ours == pytest.approx(theirs, abs=1e-3)


def test_only_fluxes_are_regridded():
    field = flux(one_degree(), LAT_1DEG, LON_1DEG)
    field.attrs["units"] = "Mg km-2 a-1"
    with pytest.raises(
        InputFormatError, match="needs a \\(lat, lon\\) flux in kg m-2 s-1"
    ):
        to_canonical(field)


@st.composite
def fields(draw):
    """Random regular grids, regional or global, with gaps of no data."""
    lat_global, lon_global = draw(st.booleans()), draw(st.booleans())
    if lat_global:
        nlat = draw(st.integers(30, 120))
        lat = -90 + 180 / nlat * (np.arange(nlat) + 0.5)
    else:
        step, south = draw(st.floats(0.02, 2.0)), draw(st.floats(-88.0, 80.0))
        lat = south + step * np.arange(draw(st.integers(2, 40)))
        lat = lat[lat + step / 2 < 90]
    if lon_global:
        nlon = draw(st.integers(30, 120))
        lon = -180 + 360 / nlon * (np.arange(nlon) + draw(st.floats(0.0, 0.99)))
        lon = np.sort((lon + 180) % 360 - 180)
    else:
        step, west = draw(st.floats(0.02, 2.0)), draw(st.floats(-179.0, 170.0))
        lon = west + step * np.arange(draw(st.integers(2, 40)))
        lon = lon[lon + step / 2 < 180]
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    values = rng.random((lat.size, lon.size))
    values[rng.random(values.shape) < 0.2] = np.nan
    return flux(values, lat, lon)


@settings(max_examples=30, deadline=None)
@given(fields())
def test_regridding_conserves_totals(field):
    if field.sizes["lat"] < 2 or field.sizes["lon"] < 2:
        return
    note(f"lat {field['lat'].to_numpy()!r}\nlon {field['lon'].to_numpy()!r}")
    out = to_canonical(field)
    assert out.attrs["total_t"] == pytest.approx(annual_total_t(field), rel=1e-9)
    present = ~np.isnan(out.to_numpy())
    rows = np.flatnonzero(present.any(axis=1))
    half = float(np.diff(field["lat"]).max()) / 2
    assert CANONICAL.lat[rows].min() > float(field["lat"].min()) - half - 0.1
    assert CANONICAL.lat[rows].max() < float(field["lat"].max()) + half + 0.1


@pytest.mark.parametrize("holes", [True, False])
def test_a_source_finer_than_the_grid_conserves_its_total(holes):
    # Found by hypothesis: 6 degree rows, two 0.041 degree columns, a fifth missing.
    # The edge cell's flux was averaged over the padded source only, 0.0935 of its
    # 0.1 degree: +1.1 % of the total.
    lat = -87.0 + 6.0 * np.arange(30)
    lon = np.array([1.75, 1.791])
    rng = np.random.default_rng(7)
    values = rng.random((30, 2)) * 3e-11
    if holes:
        values[rng.random(values.shape) < 0.2] = np.nan
    field = flux(values, lat, lon)
    out = to_canonical(field)
    assert out.attrs["total_t"] == pytest.approx(annual_total_t(field), rel=1e-9)
    # Both columns lie in canonical columns 1.7-1.8 and 1.8-1.9, nowhere else.
    columns = np.flatnonzero(~np.isnan(out.to_numpy()).all(axis=0))
    assert CANONICAL.lon[columns] == pytest.approx([1.75, 1.85])


@pytest.mark.parametrize("transpose", [False, True])
def test_a_source_inside_one_canonical_row_or_column_keeps_its_total(transpose):
    # Found by hypothesis: two rows 1.75 and 1.78125 lie in the one canonical row
    # 1.7-1.8. Along latitude it raised; along longitude 73 % of the total was lost.
    fine, coarse = np.array([1.75, 1.78125]), np.array([0.0, 1.0])
    lat, lon = (coarse, fine) if transpose else (fine, coarse)
    field = flux(np.array([[2e-11, 3e-11], [5e-11, 7e-11]]), lat, lon)
    out = to_canonical(field)
    assert out.attrs["total_t"] == pytest.approx(annual_total_t(field), rel=1e-9)
    present = ~np.isnan(out.to_numpy())
    inside = CANONICAL.lon if transpose else CANONICAL.lat
    along = present.any(axis=0) if transpose else present.any(axis=1)
    assert inside[along] == pytest.approx([1.75])
