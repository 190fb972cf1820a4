"""The published gridded files, read with the catalogue's reference figures (14.5)."""

import numpy as np
import pytest
import rasterio
import xarray as xr

from methanemap.errors import InputFormatError, UnitsError
from methanemap.sources.inventory import (
    annual_total_t,
    cell_area,
    declared_total_t,
    open_inventory,
)
from methanemap.units import parse_emission_units

TG = 1e6  # t per Tg
GFEI_UNITS = "Mg km-2 a-1"


@pytest.fixture(scope="module")
def gfei(registered):
    return open_inventory(registered("gfei_v2_china"), units=GFEI_UNITS)


def test_gfei_china_keeps_its_georeference(gfei, registered):
    with rasterio.open(registered("gfei_v2_china")) as src:
        transform, height = src.transform, src.height
    assert transform.a == pytest.approx(0.0999722, abs=1e-7)  # not exactly 0.1

    columns = transform.c + transform.a * (np.arange(gfei.sizes["lon"]) + 0.5)
    rows = transform.f + transform.e * (np.arange(height) + 0.5)
    np.testing.assert_allclose(gfei["lon"], columns, rtol=0, atol=1e-9)
    np.testing.assert_allclose(gfei["lat"], rows[::-1], rtol=0, atol=1e-9)
    assert gfei.attrs["conversions"].startswith("latitudes flipped to ascending")


def test_gfei_china_nodata_values_and_totals(gfei):
    values = gfei.to_numpy() / parse_emission_units(GFEI_UNITS, "gfei").factor
    valid = ~np.isnan(values)
    assert int((~valid).sum()) == 195_498  # float32-minimum nodata, masked
    assert int(valid.sum()) == 96_343
    assert int((values == 0).sum()) == 13_581
    assert np.nanmax(values) == pytest.approx(2048.24, abs=0.01)
    hot = np.unravel_index(np.nanargmax(values), values.shape)
    assert float(gfei["lat"][hot[0]]) == pytest.approx(37.86, abs=0.01)
    assert float(gfei["lon"][hot[1]]) == pytest.approx(112.62, abs=0.01)

    assert annual_total_t(gfei) / TG == pytest.approx(22.2, abs=0.05)
    shanxi = gfei.sel(lat=slice(34.5, 41), lon=slice(110, 114.6))
    assert annual_total_t(shanxi) / TG == pytest.approx(8.0, abs=0.05)


def test_gfei_china_states_no_units(registered):
    with pytest.raises(
        UnitsError,
        match=r"Total_Fuel_Exploitation\.tif: variable 'band1' states no units",
    ):
        open_inventory(registered("gfei_v2_china"))


@pytest.mark.parametrize(
    ("name", "total_tg", "peak"),
    [
        ("edgar_v6_2015_totals", 365.667, 2.03e-8),
        ("edgar_v6_2016_totals", 367.326, 1.95e-8),
        ("edgar_v50_2015", 369.321, 2.15e-8),
    ],
)
def test_edgar_native_grids(registered, name, total_tg, peak):
    field = open_inventory(registered(name))

    assert declared_total_t(field) / TG == pytest.approx(total_tg, abs=5e-4)
    lon = field["lon"].to_numpy()
    assert lon[0] == -180.0 and lon[-1] < 180 and np.all(np.diff(lon) > 0)
    assert field.attrs["original_units"] == "kg m-2 s-1"
    assert float(field.max()) == pytest.approx(peak, rel=0.01)
    hot = field.where(field == field.max(), drop=True)
    # Western North Dakota: 257.1 E in the file's 0..360 longitudes.
    assert float(hot["lat"][0]) == pytest.approx(47.62, abs=0.01)
    assert float(hot["lon"][0]) == pytest.approx(257.12 - 360, abs=0.01)


def test_edgar_v6_arrives_alike_in_kg_and_in_openghg_moles(registered):
    native = open_inventory(registered("edgar_v6_2015_totals"))
    openghg = open_inventory(registered("edgar_v6_2015_openghg"))

    assert openghg.attrs["time"] == "2015-01-01"
    assert openghg.attrs["original_units"] == "mol/m2/s"
    np.testing.assert_allclose(native["lat"], openghg["lat"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(native["lon"], openghg["lon"], atol=1e-4, rtol=0)
    # OpenGHG divided by 16.0426 g/mol where methanemap multiplies by 16.04.
    np.testing.assert_allclose(native, openghg * 16.0426 / 16.04, rtol=2e-6, atol=0)


@pytest.mark.parametrize(
    ("name", "total_tg", "year"),
    [
        ("edgar_europe_2012", 73.9, "2012-01-01"),
        ("edgar7_europe_2019", 72.3, "2019-01-01"),
    ],
)
def test_edgar_europe_domain_time_last(registered, name, total_tg, year):
    with xr.open_dataset(registered(name)) as ds:
        assert ds["flux"].dims == ("lat", "lon", "time")
    field = open_inventory(registered(name))

    assert field.dims == ("lat", "lon") and field.shape == (293, 391)
    assert field.attrs["time"] == year
    assert annual_total_t(field) / TG == pytest.approx(total_tg, abs=0.05)


PERMIAN_TG = {"Oil": 0.79, "Gas": 2.54, "Coal": 0.33}


def test_permian_2019_sectors(registered):
    path = registered("imi_permian_diagnostics_2019")
    with pytest.raises(InputFormatError, match="name one with `variable`"):
        open_inventory(path)
    fields = {s: open_inventory(path, variable=f"EmisCH4_{s}") for s in PERMIAN_TG}

    for sector, tg in PERMIAN_TG.items():
        assert annual_total_t(fields[sector]) / TG == pytest.approx(tg, abs=0.006)
    total = sum(annual_total_t(f) for f in fields.values()) / TG
    assert total == pytest.approx(3.66, abs=0.01)
    assert fields["Oil"].attrs["time"] == "2019-05-01"
    with xr.open_dataset(path) as ds:
        hemco_area = ds["AREA"].to_numpy()
    np.testing.assert_allclose(cell_area(fields["Oil"]), hemco_area, rtol=3e-3)


def test_permian_soil_sink_stays_negative(registered):
    soil = open_inventory(
        registered("imi_permian_diagnostics_2019"), variable="EmisCH4_SoilAbsorb"
    )
    assert float(soil.min()) == pytest.approx(-1.9e-11, rel=0.1)
    assert float(soil.max()) <= 0


@pytest.mark.parametrize("sector", ["Oil", "Gas", "Coal", "Livestock"])
def test_posterior_is_prior_times_scale_factor(registered, sector):
    kwargs = {"variable": f"EmisCH4_{sector}", "units": "kg m-2 s-1"}
    prior = open_inventory(registered("imi_permian_prior"), **kwargs)
    posterior = open_inventory(registered("imi_permian_posterior"), **kwargs)
    with xr.open_dataset(registered("imi_permian_gridded_posterior")) as ds:
        scale = ds["ScaleFactor"].sortby("lat").to_numpy()

    assert posterior.attrs["time"] == "none"
    np.testing.assert_allclose(posterior, prior * scale, rtol=0, atol=1e-16)


def test_prior_without_units_is_refused_naming_the_file(registered):
    with pytest.raises(
        UnitsError, match=r"prior\.nc: variable 'EmisCH4_Oil' states no units"
    ):
        open_inventory(registered("imi_permian_prior"), variable="EmisCH4_Oil")
