"""Country names to ISO3 codes, checked on every name the real inputs write."""

import logging

import pandas as pd
import pytest

from methanemap.errors import InputFormatError
from methanemap.sources.countries import read_boundaries, to_iso3, to_iso3_set


@pytest.fixture(scope="module")
def boundaries(registered):
    return read_boundaries(registered("naturalearth_50m"))


def test_names_coco_gets_wrong_or_that_are_no_country():
    names = ["Kosovo", "Türkiye", "Korea", "Congo", "Cote d'Ivoire", "Russia"]
    assert to_iso3(names) == ["XKX", "TUR", "KOR", "COG", "CIV", "RUS"]
    groups = ["World", "European Union", "Other", "Other EU7 countries", "Iran-Iraq"]
    assert to_iso3(groups) == [None] * len(groups)
    assert to_iso3([float("nan"), "", "Atlantis"]) == [None, None, None]  # type: ignore[list-item]


def test_every_iea_country_name_has_a_code(registered):
    raw = pd.read_csv(registered("iea_methane_tracker"), index_col=0)
    groups = {"World", "European Union", "Other"} | {
        n for n in raw["country"] if n.startswith("Other ")
    }
    names = sorted(set(raw["country"]) - groups)

    codes = dict(zip(names, to_iso3(names), strict=True))
    assert [n for n, c in codes.items() if c is None] == []
    assert len(set(codes.values())) == len(names) == 98


def test_every_gem_country_name_has_a_code(registered):
    mines = pd.read_csv(registered("gem_coal_mines"), encoding="utf-16")
    fields = pd.read_csv(registered("gem_oil_gas_fields"))
    listed = {n.strip() for v in fields["country-list"].dropna() for n in v.split(";")}
    single = set(fields.loc[fields["country-list"].isna(), "country/area"])

    names = sorted(set(mines["country"]) | listed | single)
    unplaced = [n for n, c in zip(names, to_iso3(names), strict=True) if c is None]
    # Joint areas without a country-list: the GOGET reader splits them at "-".
    assert unplaced == ["China-Japan", "Russia-Kazakhstan", "Vietnam-Malaysia"]


def test_viirs_names_agree_with_their_codes(registered):
    sheets = ["flares_upstream", "flares_downstream_oil", "flares_downstream_gas"]
    raw = pd.read_excel(registered("viirs_flares_2017"), sheet_name=sheets)
    pairs = pd.concat(raw.values())[["ISO_Code", "Country"]].drop_duplicates()

    codes = to_iso3(pairs["Country"].tolist())
    differ = pairs[[c != iso for c, iso in zip(codes, pairs["ISO_Code"], strict=True)]]
    # EOG codes "Australia - East Timor" by its Timor-Leste flare; the zone is joint.
    assert sorted(differ["ISO_Code"]) == ["SAUKWTNZ", "TLS"]
    assert to_iso3_set(["Saudi-Kuwaiti Neutral Zone"]) == ("KWT", "SAU")


def test_coco_stays_quiet(caplog):
    with caplog.at_level(logging.DEBUG):
        to_iso3(["Ruritania-Iran-Iraq", "Other countries in Narnia"])
    assert [r for r in caplog.records if r.name.startswith("country_converter")] == []


def test_boundaries_keep_every_feature_with_real_codes(boundaries):
    assert list(boundaries.columns) == ["iso3", "name", "geometry"]
    assert len(boundaries) == 242
    assert boundaries.crs.to_epsg() == 4326

    by_name = boundaries.set_index("name")["iso3"]
    assert by_name[["France", "Norway", "Kosovo", "Somaliland"]].tolist() == [
        "FRA", "NOR", "XKX", "SOM",
    ]  # fmt: skip
    assert boundaries.loc[boundaries["iso3"].isna(), "name"].tolist() == [
        "Siachen Glacier"
    ]
    assert "-99" not in set(boundaries["iso3"])


def test_boundaries_reject_a_file_that_is_no_geojson(tmp_path):
    path = tmp_path / "countries.geojson"
    path.write_text("iso3,name\nFRA,France\n")
    with pytest.raises(InputFormatError, match=r"countries\.geojson"):
        read_boundaries(path)
