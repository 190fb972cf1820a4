"""VIIRS Nightfire flares (2017), against the catalogue and the workbook totals."""

import pandas as pd
import pytest

from methanemap.errors import InputFormatError
from methanemap.sources import viirs

from .conftest import read_with_warnings


@pytest.fixture(scope="module")
def flares(data_mirror):
    return read_with_warnings(viirs.read_flares, "viirs_flares_2017")


@pytest.fixture(scope="module")
def totals(data_mirror):
    return read_with_warnings(viirs.read_flare_country_totals, "viirs_flares_2017")


def test_flare_sites(flares):
    frame = flares.frame
    assert list(frame.columns) == [
        "flare_id", "iso3", "countries", "country", "kind", "flare_type", "lon",
        "lat", "year", "volume_bcm",
    ]  # fmt: skip
    assert frame["kind"].value_counts().to_dict() == {
        "upstream": 10_009, "downstream_oil": 718, "downstream_gas": 101,
    }  # fmt: skip
    assert frame["flare_id"].is_unique
    assert (frame["year"] == 2017).all()


def test_flared_volumes(flares):
    frame = flares.frame
    by_kind = frame.groupby("kind")["volume_bcm"].sum()
    assert by_kind["upstream"] == pytest.approx(138.4577, abs=5e-5)
    assert frame["volume_bcm"].sum() == pytest.approx(151.3851, abs=5e-5)

    largest = frame.loc[frame["volume_bcm"].idxmax()]
    assert (largest["flare_id"], largest["iso3"]) == (8855, "IRQ")
    assert largest["volume_bcm"] == pytest.approx(1.2368, abs=5e-5)


def test_neutral_zone_belongs_to_both_countries(flares):
    zone = flares.frame[flares.frame["country"] == "Saudi-Kuwaiti Neutral Zone"]
    assert zone["iso3"].map(lambda code: code is None).all()
    assert zone["countries"].tolist() == [("KWT", "SAU")] * len(zone)
    assert flares.warned("SAUKWTNZ (Saudi-Kuwaiti Neutral Zone)")


def test_country_totals_leave_out_the_total_rows(totals, flares):
    frame = totals.frame
    in_2017 = frame[frame["year"] == 2017].groupby("kind")["volume_bcm"].sum()
    assert in_2017["upstream"] == pytest.approx(138.4577, abs=5e-5)
    assert in_2017.sum() == pytest.approx(151.3851, abs=5e-5)
    assert totals.warned(
        "iso_upstream: left out the 'Total' row (138.4577 bcm in 2017)"
    )

    sites = flares.frame[flares.frame["kind"] == "upstream"]
    by_site = sites.groupby("iso3")["volume_bcm"].sum()
    upstream = frame[(frame["kind"] == "upstream") & (frame["year"] == 2017)]
    by_country = upstream.set_index("iso3")["volume_bcm"]
    assert (by_site - by_country.reindex(by_site.index)).abs().max() < 0.025


def test_unlabelled_2017_column_is_read_as_2017(totals):
    frame = totals.frame
    gas = frame[frame["kind"] == "downstream_gas"]
    assert sorted(gas["year"].unique()) == list(range(2012, 2018))
    assert totals.warned("read the unlabelled column 'sum_bcm' as 2017")


def test_world_totals_by_year(totals):
    by_year = totals.frame.groupby("year")["volume_bcm"].sum()
    assert by_year[2012] == pytest.approx(154.65, abs=0.005)
    assert by_year[2016] == pytest.approx(160.05, abs=0.005)


def test_a_workbook_without_the_site_sheets_is_refused(tmp_path):
    path = tmp_path / "flares.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, sheet_name="flares", index=False)
    with pytest.raises(InputFormatError, match=r"flares\.xlsx lacks the sheets"):
        viirs.read_flares(path)
