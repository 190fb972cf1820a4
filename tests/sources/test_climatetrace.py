"""Climate TRACE country series and assets, checked against the catalogue figures."""

import numpy as np
import pandas as pd
import pytest

from methanemap.errors import InputFormatError
from methanemap.sources import climatetrace

from .conftest import read_with_warnings

TG = 1e6  # t per Tg


@pytest.fixture(scope="module")
def coal_series(registered):
    path = registered("climatetrace_coal_country")
    return climatetrace.read_country_series(path)


@pytest.fixture(scope="module")
def oil_gas_series(registered):
    path = registered("climatetrace_oil_gas_country")
    return climatetrace.read_country_series(path)


@pytest.fixture(scope="module")
def coal_assets(data_mirror):
    return read_with_warnings(climatetrace.read_coal_assets, "climatetrace_coal_assets")


@pytest.fixture(scope="module")
def oil_gas_assets(registered):
    path = registered("climatetrace_oil_gas_assets")
    return climatetrace.read_oil_gas_assets(path)


def yearly_tg(series):
    return series.groupby("year")["emission_t"].sum() / TG


def test_series_columns(coal_series):
    assert list(coal_series.columns) == ["iso3", "year", "emission_t"]
    assert coal_series["year"].between(2015, 2022).all()
    assert not coal_series.duplicated(["iso3", "year"]).any()
    assert coal_series["iso3"].nunique() == 250


def test_coal_series_totals(coal_series):
    tg = yearly_tg(coal_series)
    assert tg[2019] == pytest.approx(47.97, abs=0.005)
    assert tg[2022] == pytest.approx(51.52, abs=0.005)
    china = coal_series.set_index(["iso3", "year"])["emission_t"]["CHN", 2019]
    assert china / TG == pytest.approx(33.09, abs=0.005)


def test_oil_gas_series_totals_keep_nan(oil_gas_series):
    tg = yearly_tg(oil_gas_series)
    assert tg[2019] == pytest.approx(66.80, abs=0.005)
    assert tg[2020] == pytest.approx(62.98, abs=0.005)

    in_2019 = oil_gas_series[oil_gas_series["year"] == 2019]["emission_t"]
    assert in_2019.isna().sum() == 135  # not estimated, not zero
    assert (in_2019 == 0).sum() == 23


def test_coal_co2e_is_28_times_ch4(coal_series, registered):
    co2e = climatetrace.read_country_series(
        registered("climatetrace_coal_country"), gas="co2e_100yr"
    )
    assert co2e[["iso3", "year"]].equals(coal_series[["iso3", "year"]])
    np.testing.assert_allclose(co2e["emission_t"], 28 * coal_series["emission_t"])


def test_coal_assets(coal_assets):
    mines = coal_assets.frame
    assert list(mines.columns) == [
        "asset_id",
        "iso3",
        "name",
        "lon",
        "lat",
        "emission_t",
    ]
    assert len(mines) == mines["asset_id"].nunique() == 2_756
    assert mines["emission_t"].sum() / TG == pytest.approx(45.156, abs=5e-4)

    by_country = mines.groupby("iso3")["emission_t"].sum() / TG
    assert by_country["CHN"] == pytest.approx(31.665, abs=5e-4)
    assert mines["lon"].between(-180, 180).all() and mines["lat"].between(-90, 90).all()


def test_serbian_mines_are_recoded_with_a_warning(coal_assets):
    mines = coal_assets.frame
    assert "TUV" not in set(mines["iso3"])
    serbian = mines.loc[mines["iso3"] == "SRB", "name"]
    assert {"Kolubara B Coal Mine", "Drmno Coal Mine", "Soko Coal Mine"} <= set(serbian)
    assert coal_assets.warned("TUV -> SRB", "6 Climate TRACE assets", "Drmno Coal Mine")


def test_a_mine_position_from_wkt(coal_assets):
    mines = coal_assets.frame.set_index("asset_id")
    assert mines.loc[136113483, ["lon", "lat"]].tolist() == [113.047421, 39.993508]


def test_oil_gas_assets(oil_gas_assets):
    assets = oil_gas_assets
    columns = ["asset_id", "iso3", "name", "asset_type", "year", "lon", "lat"]
    assert list(assets.columns) == [*columns, "emission_t"]
    assert assets["asset_id"].nunique() == 602
    assert set(assets["asset_type"]) == {"Oil", "Gas"}

    tg = yearly_tg(assets)
    assert tg[2019] == pytest.approx(51.940, abs=5e-4)
    assert tg[2021] == pytest.approx(52.317, abs=5e-4)
    permian = assets[(assets["name"] == "Permian TX") & (assets["year"] == 2021)]
    assert permian["emission_t"].item() == pytest.approx(4_618_652, abs=0.5)


def test_series_refuses_other_units(registered, tmp_path):
    raw = pd.read_csv(registered("climatetrace_coal_country"))
    raw["emissions_quantity_units"] = "kilotonnes"
    path = tmp_path / "coal-mining_country_emissions.csv"
    raw.to_csv(path, index=False)

    with pytest.raises(InputFormatError, match=r"emissions_quantity_units.*kilotonnes"):
        climatetrace.read_country_series(path)


def test_assets_refuse_a_file_without_wkt(registered, tmp_path):
    raw = pd.read_csv(registered("climatetrace_coal_assets")).drop(columns="st_astext")
    path = tmp_path / "asset_coal-mining_emissions.csv"
    raw.to_csv(path, index=False)

    with pytest.raises(InputFormatError, match=r"lacks the columns \['st_astext'\]"):
        climatetrace.read_coal_assets(path)


def test_unknown_gas_is_refused(registered):
    with pytest.raises(InputFormatError, match="no rows of gas 'ch5'"):
        climatetrace.read_country_series(registered("climatetrace_coal_country"), "ch5")
