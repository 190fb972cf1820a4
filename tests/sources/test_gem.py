"""GEM coal mines, oil and gas fields and gas infrastructure, against the catalogue."""

import pandas as pd
import pyproj
import pytest

from methanemap.errors import InputFormatError, InputQuirkWarning
from methanemap.sources import gem

from .conftest import read_with_warnings

OIL = "production---oil-(million-bbl/y)"
GAS = "production---gas-(million-m³/y)"


@pytest.fixture(scope="module")
def mines(data_mirror):
    return read_with_warnings(gem.read_coal_mines, "gem_coal_mines")


@pytest.fixture(scope="module")
def fields(data_mirror):
    return read_with_warnings(gem.read_oil_gas_fields, "gem_oil_gas_fields")


@pytest.fixture(scope="module")
def gas(data_mirror):
    return read_with_warnings(gem.read_gas_infrastructure, "gem_gas_infrastructure")


def test_coal_mines_columns_and_rows(mines, registered):
    frame = mines.frame
    assert list(frame.columns) == [
        "mine_id", "iso3", "name", "status", "lon", "lat", "production_mt",
        "capacity_mtpa",
    ]  # fmt: skip
    assert len(pd.read_csv(registered("gem_coal_mines"), encoding="utf-16")) == 6_580
    # 6,580 rows less the exact duplicate of M3339 and the misplaced M6272.
    assert len(frame) == 6_578
    assert frame["iso3"].notna().all()


def test_coal_mines_drop_the_duplicate_and_the_pacific_mine(mines):
    frame = mines.frame
    assert (frame["mine_id"] == "M3339").sum() == 2  # of 3 rows, one an exact copy
    assert frame["mine_id"].nunique() == 6_360 - 1
    assert "M6272" not in set(frame["mine_id"])
    assert mines.warned("repeat an earlier row exactly", "M3339")
    assert mines.warned("M6272", "Morningstar", "Pacific")


def test_coal_mine_figures(mines):
    frame = mines.frame
    operating = frame[frame["status"] == "operating"]
    assert operating["production_mt"].sum() == pytest.approx(4_282.83, abs=0.005)
    assert operating["capacity_mtpa"].sum() == pytest.approx(6_718.18, abs=0.005)

    china = operating[operating["iso3"] == "CHN"]
    assert len(china) == 1_797
    assert china["capacity_mtpa"].sum() == pytest.approx(4_310.91, abs=0.005)
    assert frame.set_index("mine_id").loc["M0001", "iso3"] == "AFG"


def test_coal_mines_map_gem_country_names(mines):
    frame = mines.frame
    assert {"TUR", "XKX", "CZE", "SWZ", "USA", "PRK", "KOR"} <= set(frame["iso3"])


def test_coal_mines_refuse_a_utf8_copy(registered, tmp_path):
    raw = pd.read_csv(registered("gem_coal_mines"), encoding="utf-16")
    path = tmp_path / "data.csv"
    raw.to_csv(path, index=False, encoding="utf-8")

    with pytest.raises(
        InputFormatError, match=r"data\.csv does not start with the UTF-16"
    ):
        gem.read_coal_mines(path)


def test_text_in_numeric_columns_becomes_nan_with_a_warning(registered, tmp_path):
    raw = pd.read_csv(registered("gem_coal_mines"), encoding="utf-16").head(3)
    raw["production"] = raw["production"].astype(object)
    raw.loc[0, "production"] = "1.1 (2021)"
    path = tmp_path / "data.csv"
    raw.to_csv(path, index=False, encoding="utf-16")

    with pytest.warns(
        InputQuirkWarning, match=r"'production' \(1\.1 \(2021\)\).*M0001"
    ):
        frame = gem.read_coal_mines(path)
    assert frame["production_mt"].isna().iloc[0]


def test_oil_gas_fields_reject_rows_without_a_position(fields, registered):
    raw = pd.read_csv(registered("gem_oil_gas_fields"))
    assert len(raw) == 7_396
    assert raw[OIL].sum() == pytest.approx(31_986.19, abs=0.005)
    assert raw[GAS].sum() == pytest.approx(4_437_998.8, abs=0.05)

    frame = fields.frame
    assert (raw["lat"].abs() > 90).sum() == 70
    assert fields.warned(
        "dropped 70 rows", "115.4 million bbl/a oil", "5,600.0 million m3"
    )
    assert fields.warned("OG0020674", "Cambriol")
    assert len(frame) == 7_396 - 70 - 1
    assert frame["oil_mbbl"].sum() == pytest.approx(31_986.19 - 115.44, abs=0.01)
    assert frame["gas_mm3"].sum() == pytest.approx(4_437_998.8 - 5_600.0, abs=0.05)
    assert frame["lat"].abs().le(90).all() and frame["lon"].abs().le(180).all()


def test_oil_gas_fields_columns(fields):
    assert list(fields.frame.columns) == [
        "unit_id", "iso3", "countries", "name", "status", "lon", "lat", "oil_mbbl",
        "gas_mm3",
    ]  # fmt: skip
    assert fields.frame["unit_id"].is_unique


def test_joint_areas_get_all_their_countries(fields):
    frame = fields.frame.set_index("unit_id")
    assert frame.loc["OG0012397", "countries"] == ("KWT", "SAU")  # Wafra
    assert frame.loc["OG0012405", "countries"] == ("KWT", "SAU", "IRN")  # Dorra
    assert frame.loc["OG0020404", "countries"] == ("TLS", "AUS", "IDN")  # Timor Gap
    assert frame.loc["OG0013933", "countries"] == ("RUS", "KAZ")  # no country-list
    assert frame.loc["OG0014106", "countries"] == ("TLS",)  # Timor-Leste, one country

    joint = frame[frame["countries"].map(len) > 1]
    assert len(joint) == 26
    assert joint["iso3"].map(lambda code: code is None).all()
    single = frame[frame["countries"].map(len) == 1]
    assert (single["iso3"] == single["countries"].str[0]).all()


def test_oil_gas_field_country_figures(fields):
    frame = fields.frame
    usa = frame[frame["iso3"] == "USA"]
    assert len(usa) == 1_731
    assert usa["oil_mbbl"].sum() == pytest.approx(4_326, abs=0.5)
    assert usa["gas_mm3"].sum() / 1e3 == pytest.approx(1_209.8, abs=0.05)
    saudi = frame[frame["iso3"] == "SAU"]
    assert saudi["gas_mm3"].sum() / 1e3 == pytest.approx(5.5, abs=0.05)


def test_gas_infrastructure_rows(gas):
    frame = gas.frame
    assert frame.crs.to_epsg() == 4326
    assert frame["kind"].value_counts().to_dict() == {
        "pipeline": 3_067, "lng_import": 674, "lng_export": 617,
    }  # fmt: skip
    pipelines = frame[frame["kind"] == "pipeline"]
    assert set(pipelines.geom_type) == {"LineString", "MultiLineString"}
    assert pipelines["capacity_mtpa"].isna().all()


def test_gas_infrastructure_figures(gas):
    frame = gas.frame
    operating = frame[frame["status"] == "operating"]
    pipes = operating[operating["kind"] == "pipeline"]
    geod = pyproj.Geod(ellps="WGS84")
    km = sum(geod.geometry_length(route) for route in pipes.geometry) / 1e3
    assert km == pytest.approx(728_118, rel=5e-3)

    export = operating.loc[operating["kind"] == "lng_export", "capacity_mtpa"].sum()
    assert export == pytest.approx(467.88, abs=0.005)
    assert pipes["capacity_bcm"].sum() == pytest.approx(11_656.0, abs=0.05)


def test_pipeline_unit_errors_become_missing(gas):
    frame = gas.frame.set_index("facility_id")
    assert frame.loc[["P5687", "P5132", "P5741"], "capacity_bcm"].isna().all()
    assert frame["capacity_bcm"].max() <= gem.MAX_PIPELINE_BCM
    assert gas.warned("6 pipeline capacities above 200", "P5687", "101,358.74")


def test_gas_infrastructure_countries(gas):
    frame = gas.frame.set_index("facility_id")
    several = frame[frame["countries"].map(len) > 1]
    assert len(several) >= 285
    assert several["iso3"].map(lambda code: code is None).all()
    assert frame.loc["T085600", "countries"] == ("ESP",)  # Canary Islands
    assert frame.loc["P3373", "countries"] == (
        "AUS",
        "TLS",
    )  # Joint Petroleum Dev. Area
    assert gas.warned("2 rows name no country", "P5619", "P5620")
