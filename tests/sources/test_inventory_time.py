"""Time steps (FC-20, FC-16): every CF calendar decodes (cftime); one step is read."""

import numpy as np
import pytest
import xarray as xr

from methanemap.errors import InputFormatError
from methanemap.sources.inventory import cell_area, open_inventory

LAT, LON = np.array([-0.5, 0.5]), np.array([0.5, 1.5])


def write_series(path, values, units, calendar, *, flux_units="kg m-2 s-1"):
    """A 2 x 2 one-degree field per time step; step k holds `values[k]` everywhere."""
    data = np.broadcast_to(
        np.asarray(values, float)[:, None, None], (len(values), 2, 2)
    )
    ds = xr.Dataset(
        {"flux": (("time", "lat", "lon"), data.copy(), {"units": flux_units})},
        coords={
            "time": (
                "time",
                np.arange(len(values), dtype=float),
                {"units": units, "calendar": calendar},
            ),
            "lat": ("lat", LAT, {"units": "degrees_north"}),
            "lon": ("lon", LON, {"units": "degrees_east"}),
        },
    )
    ds.to_netcdf(path)
    return path


def read(path, time):
    field = open_inventory(path, time=time)
    return float(field[0, 0]), field.attrs["time"]


def test_fc20a_noleap_daily_dates_keep_their_labels(tmp_path):
    # 2019-12-25 ... 2020-03-05 in a 365-day calendar: no 29 February.
    days = 7 + 31 + 28 + 5
    path = write_series(
        tmp_path / "a.nc", np.arange(days), "days since 2019-12-25", "noleap"
    )

    assert read(path, "2020-03-01") == (66.0, "2020-03-01")
    assert read(path, "2020-02-28") == (65.0, "2020-02-28")
    with pytest.raises(InputFormatError, match="'2020-02-29' matches 0 of the steps"):
        open_inventory(path, time="2020-02-29")


def test_fc20b_365_day_calendar_from_year_1(tmp_path):
    month_starts = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])
    days = 2019 * 365 + month_starts
    ds_units = "days since 0001-01-01"
    path = write_series(tmp_path / "b.nc", np.arange(12), ds_units, "365_day")
    with xr.open_dataset(path, decode_times=False) as ds:
        ds = ds.load()
    ds["time"] = (
        "time",
        days.astype(float),
        {"units": ds_units, "calendar": "365_day"},
    )
    ds.to_netcdf(tmp_path / "b2.nc")

    assert read(tmp_path / "b2.nc", "2020-01") == (0.0, "2020-01-01")
    assert read(tmp_path / "b2.nc", "2020-12") == (11.0, "2020-12-01")


@pytest.mark.parametrize("calendar", ["standard", "360_day"])
def test_fc20cd_months_since_are_calendar_months(tmp_path, calendar):
    path = write_series(
        tmp_path / "c.nc", np.arange(12), "months since 2000-01-01", calendar
    )

    assert read(path, "2000-12-01") == (11.0, "2000-12-01")
    assert read(path, "2000-03-01") == (2.0, "2000-03-01")


def test_fractional_months_are_refused(tmp_path):
    path = write_series(
        tmp_path / "f.nc", [0.0, 1.0], "months since 2000-01-01", "standard"
    )
    with xr.open_dataset(path, decode_times=False) as ds:
        ds = ds.load()
    ds["time"] = ("time", [0.0, 0.5], ds["time"].attrs)
    ds.to_netcdf(tmp_path / "f2.nc")
    with pytest.raises(
        InputFormatError, match=r"fractional values; a month .* no fixed length"
    ):
        open_inventory(tmp_path / "f2.nc", time=0)


def test_several_steps_need_a_choice(tmp_path):
    path = write_series(
        tmp_path / "s.nc", [1.0, 2.0, 3.0], "days since 2020-01-01", "standard"
    )
    with pytest.raises(
        InputFormatError, match=r"3 time steps \(2020-01-01, 2020-01-02, 2020-01-03\)"
    ):
        open_inventory(path)
    assert read(path, 1) == (2.0, "2020-01-02")
    assert read(path, -1) == (3.0, "2020-01-03")


def test_fc16a_monthly_rates_give_month_masses_by_their_days(tmp_path):
    path = write_series(
        tmp_path / "m.nc", [1e-10] * 3, "days since 2019-02-01", "standard"
    )
    with xr.open_dataset(path, decode_times=False) as ds:
        ds = ds.load()
    ds["time"] = ("time", [0.0, 365.0, 365.0 + 29.0], ds["time"].attrs)
    ds.to_netcdf(tmp_path / "m2.nc")

    expected = {
        "2019-02": (28, 2_991.0),
        "2020-02": (29, 3_097.9),
        "2020-03": (31, 3_311.5),
    }
    for month, (days, mass_t) in expected.items():
        field = open_inventory(tmp_path / "m2.nc", time=month)
        rate_kg_s = float((field * cell_area(field)).sel(lat=0.5, lon=0.5))
        assert rate_kg_s * days * 86_400 / 1000 == pytest.approx(mass_t, abs=0.1)
    assert rate_kg_s * 8 * 86_400 / 1000 == pytest.approx(854.58, abs=0.01)


def test_a_time_for_a_file_without_time_is_refused(tmp_path):
    ds = xr.Dataset(
        {"flux": (("lat", "lon"), np.ones((2, 2)), {"units": "kg m-2 s-1"})},
        coords={"lat": LAT, "lon": LON},
    )
    ds.to_netcdf(tmp_path / "static.nc")
    assert open_inventory(tmp_path / "static.nc").attrs["time"] == "none"
    with pytest.raises(InputFormatError, match="has no time axis; drop `time`"):
        open_inventory(tmp_path / "static.nc", time="2019-01-01")
