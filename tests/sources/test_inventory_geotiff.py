"""GeoTIFF inventories (FC-13): nodata sentinels masked, a missing CRS never assumed."""

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from made_grids import MG_KM2_A, box_km2
from methanemap.errors import InputFormatError, InputQuirkWarning, RecipeError
from methanemap.sources.inventory import annual_total_t, open_inventory

SENTINEL = np.float32(-3.4e38)


def blocks() -> np.ndarray:
    """0.5 degree global raster, north up: flux 2.0 on two land-like blocks."""
    data = np.full((360, 720), SENTINEL, dtype=np.float32)
    data[80:120, 200:300] = 2.0  # 50-30 N, 80-30 W
    data[200:260, 400:480] = 2.0  # 10 S - 40 S, 20-60 E
    return data


def write_tif(path, data, *, crs, nodata):
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": from_origin(-180, 90, 0.5, 0.5),
        "nodata": nodata,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


#: 2.0 Mg km-2 a-1 over the two blocks (t a-1).
EXPECTED_T = 2.0 * (box_km2(-80, 30, -30, 50) + box_km2(20, -40, 60, -10))


def test_fc13_a_tif_without_crs_is_refused_unless_the_recipe_gives_one(tmp_path):
    # The sentinel is declared as the float64 string GDAL writes; pixels hold float32.
    path = write_tif(
        tmp_path / "nocrs.tif", blocks(), crs=None, nodata=-3.39999999999999996e38
    )
    with pytest.raises(
        InputFormatError, match=r"nocrs\.tif declares no CRS; .*crs = 'EPSG:4326'"
    ):
        open_inventory(path, units=MG_KM2_A)

    with pytest.warns(InputQuirkWarning, match="using EPSG:4326 from the recipe"):
        field = open_inventory(path, units=MG_KM2_A, crs="EPSG:4326")
    assert int(np.isnan(field.to_numpy()).sum()) == 360 * 720 - 40 * 100 - 60 * 80
    assert annual_total_t(field) == pytest.approx(EXPECTED_T, rel=1e-6)


def test_fc13_integer_nodata_is_masked(tmp_path):
    data = blocks()
    data[data == SENTINEL] = -9999
    field = open_inventory(
        write_tif(tmp_path / "b.tif", data, crs="EPSG:4326", nodata=-9999),
        units=MG_KM2_A,
    )

    assert float(np.nanmin(field.to_numpy())) > 0
    assert annual_total_t(field) == pytest.approx(EXPECTED_T, rel=1e-6)


def test_fc13_geotiff_cells_keep_their_place(tmp_path):
    data = blocks()
    field = open_inventory(
        write_tif(tmp_path / "c.tif", data, crs="EPSG:4326", nodata=float(SENTINEL)),
        units=MG_KM2_A,
    )

    assert field["lat"].to_numpy()[0] == -89.75  # flipped from north-up, centres
    assert field["lon"].to_numpy()[0] == -179.75
    assert not np.isnan(field.sel(lat=49.75, lon=-79.75))
    assert np.isnan(field.sel(lat=50.25, lon=-79.75))
    assert np.isnan(field.sel(lat=49.75, lon=-80.25))


def test_fc13_an_undeclared_sentinel_is_refused(tmp_path):
    path = write_tif(tmp_path / "plain.tif", blocks(), crs="EPSG:4326", nodata=None)
    with pytest.raises(InputFormatError, match="undeclared nodata value"):
        open_inventory(path, units=MG_KM2_A)


def test_registration_does_not_apply_to_a_geotiff(tmp_path):
    path = write_tif(
        tmp_path / "r.tif", blocks(), crs="EPSG:4326", nodata=float(SENTINEL)
    )
    with pytest.raises(RecipeError, match="geotransform already gives its cell edges"):
        open_inventory(path, units=MG_KM2_A, registration="corner")


def test_a_projected_geotiff_is_not_read(tmp_path):
    path = write_tif(
        tmp_path / "m.tif", blocks(), crs="EPSG:3857", nodata=float(SENTINEL)
    )
    with pytest.raises(NotImplementedError, match="projected CRS"):
        open_inventory(path, units=MG_KM2_A)
