"""IEA Methane Tracker national totals (2022), checked against the catalogue figures."""

import pandas as pd
import pytest

from methanemap.errors import InputFormatError, InputQuirkWarning
from methanemap.sources import iea
from methanemap.sources.countries import read_boundaries

from .conftest import read_with_warnings

KT = 1e3  # t per kt


@pytest.fixture(scope="module")
def read(data_mirror):
    return read_with_warnings(iea.read_national_totals, "iea_methane_tracker")


@pytest.fixture(scope="module")
def totals(read):
    return read.frame.groupby(["entity", "sector"])["emission_t"].sum()


@pytest.fixture(scope="module")
def listed(read):
    frame = read.frame
    return set(frame.loc[frame["kind"] == "country", "iso3"])


def test_columns_and_kinds(read):
    frame = read.frame
    assert list(frame.columns) == iea.COLUMNS
    assert set(frame["sector"]) == {"coal", "oil", "gas"}
    assert (frame["year"] == 2022).all()

    kinds = frame.drop_duplicates("entity").set_index("entity")["kind"]
    assert kinds["World"] == "world"
    assert kinds["European Union"] == "aggregate"
    assert sorted(kinds[kinds == "remainder"].index) == sorted(iea.REMAINDERS)
    # 98 countries have rows, but Gambia, Liberia ... have no energy rows: their energy
    # emissions are in "Other".
    assert (kinds == "country").sum() == 92
    assert "Gambia" not in kinds


def test_every_country_row_has_an_iso3_and_no_other_row_has_one(read):
    frame = read.frame
    countries = frame[frame["kind"] == "country"]
    assert countries["iso3"].notna().all()
    assert countries.groupby("iso3")["entity"].nunique().max() == 1
    assert frame.loc[frame["kind"] != "country", "iso3"].map(lambda c: c is None).all()


@pytest.mark.parametrize(
    ("sector", "kt"), [("coal", 40_306.4), ("oil", 42_661.1), ("gas", 34_262.1)]
)
def test_world_totals(totals, sector, kt):
    assert totals["World", sector] == pytest.approx(kt * KT, abs=0.05 * KT)


@pytest.mark.parametrize(
    ("entity", "sector", "kt"),
    [
        ("China", "coal", 20_227.8),
        ("China", "gas", 1_706.1),
        ("China", "oil", 1_275.8),
        ("United States", "coal", 1_997.5),
        ("United States", "gas", 8_362.5),
        ("United States", "oil", 5_222.3),
        ("Russia", "coal", 4_402.3),
        ("Russia", "gas", 5_981.9),
        ("Russia", "oil", 6_472.5),
    ],
)
def test_country_totals(totals, entity, sector, kt):
    assert totals[entity, sector] == pytest.approx(kt * KT, abs=0.05 * KT)


def test_countries_and_remainders_make_the_world_but_for_a_coal_gap(read, totals):
    frame = read.frame
    parts = frame[frame["kind"].isin(["country", "remainder"])]
    summed = parts.groupby("sector")["emission_t"].sum()
    share = summed / totals["World"]

    # Oil and gas add up within 0.3 %; IEA's World coal holds 595.8 kt no row holds.
    assert share["oil"] == pytest.approx(1, abs=3e-3)
    assert share["gas"] == pytest.approx(1, abs=2e-3)
    assert totals["World", "coal"] - summed["coal"] == pytest.approx(595.8 * KT, abs=KT)
    assert read.warned("coal +595.8 kt (+1.48%)")


def test_eu_aggregate_equals_its_members_and_groups(read, totals):
    frame = read.frame
    europe = frame[(frame["region"] == "Europe") & (frame["kind"] == "country")]
    members = europe[europe["iso3"].isin(iea.EU27)]
    groups = frame[
        frame["entity"].isin(["Other EU7 countries", "Other EU17 countries"])
    ]

    summed = pd.concat([members, groups]).groupby("sector")["emission_t"].sum()
    assert summed.to_dict() == pytest.approx(
        totals["European Union"].to_dict(), rel=1e-5
    )


def test_listed_country_without_segments_has_zero_rows(totals):
    # Vietnam has only "Other from coal" and "Other from oil and gas" rows.
    assert totals["Vietnam"].to_dict() == {"coal": 0.0, "gas": 0.0, "oil": 0.0}


def test_unsplit_segments_are_left_out_with_a_warning(read):
    assert read.warned("Satellite-detected large oil and gas emissions 3,102.5 kt")
    assert read.warned(
        "Other from oil and gas 2,292.3 kt", "Other from coal 1,518.5 kt"
    )


def test_eu_groups_stand_for_the_unlisted_members(listed):
    unlisted = sorted(iea.EU27 - {"DNK", "EST", "FRA", "DEU", "ITA", "NLD", "POL"} - {
        "ROU", "SVN", "SWE",
    })  # fmt: skip
    assert len(unlisted) == 18  # 17 members and Åland
    assert iea.remainder_members("Other EU7 countries", listed) == unlisted
    assert iea.remainder_members("Other EU17 countries", listed) == unlisted


def test_regional_groups(listed):
    southeast = iea.remainder_members("Other countries in Southeast Asia", listed)
    europe = iea.remainder_members("Other countries in Europe", listed)

    assert southeast == ["KHM", "LAO", "MMR", "SGP", "TLS"]
    assert {"TUR", "SRB", "XKX", "CHE", "BLR"} <= set(europe)
    assert not {"NOR", "GBR", "UKR", "ISR", "RUS"} & set(europe)


def test_other_covers_every_remaining_polygon(registered, listed):
    codes = set(read_boundaries(registered("naturalearth_50m"))["iso3"].dropna())
    groups = {e: set(iea.remainder_members(e, listed)) for e in iea.REMAINDERS}
    other = groups.pop("Other")

    assert {"PRK", "ARM", "GEO", "AFG", "CHL"} <= other
    assert not other & listed
    for members in groups.values():
        assert not other & members
    covered = listed | other | set().union(*groups.values())
    assert codes - covered == {"ATA"}


def test_unknown_group_is_refused(listed):
    with pytest.raises(ValueError, match=r"'Other countries in Narnia' is not an IEA"):
        iea.remainder_members("Other countries in Narnia", listed)


def test_file_with_wrong_columns_is_refused(tmp_path):
    path = tmp_path / "Methane_final.csv"
    path.write_text(",Country,emissions\n0,World,1.0\n")
    with pytest.raises(InputFormatError, match=r"Methane_final\.csv lacks the columns"):
        iea.read_national_totals(path)


def test_unknown_entity_is_refused(registered, tmp_path):
    raw = pd.read_csv(registered("iea_methane_tracker"), index_col=0)
    raw["country"] = raw["country"].replace("Other", "Rest of the galaxy")
    path = tmp_path / "Methane_final.csv"
    raw.to_csv(path)

    with (
        pytest.warns(InputQuirkWarning),
        pytest.raises(InputFormatError, match="galaxy"),
    ):
        iea.read_national_totals(path)
