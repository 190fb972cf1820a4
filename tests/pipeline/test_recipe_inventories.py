"""A recipe can let a regional gridded inventory place sectors inside its region."""

from pathlib import Path

import pytest

from methanemap.grid import CANONICAL
from methanemap.pipeline.recipe import default_recipe, load_recipe
from methanemap.pipeline.run import prepare

RECIPE = Path(__file__).parents[2] / "ingest" / "china_gfei.toml"
pytestmark = pytest.mark.filterwarnings("ignore::methanemap.errors.InputQuirkWarning")


@pytest.fixture(scope="module")
def patterns():
    return prepare(default_recipe()).pattern, prepare(load_recipe(RECIPE)).pattern


def shanxi_share(pattern):
    china = pattern[(pattern["unit"] == "CHN") & (pattern["sector"] == "coal")]
    lat = CANONICAL.lat[china["row"].to_numpy()]
    lon = CANONICAL.lon[china["col"].to_numpy()]
    inside = (lat > 34.5) & (lat < 41) & (lon > 110) & (lon < 114.6)
    return china["emission_t"][inside].sum() / china["emission_t"].sum()


def test_china_is_placed_by_gfei_and_keeps_its_national_totals(patterns):
    default, gfei = patterns
    china = gfei[gfei["unit"] == "CHN"]
    assert set(china["method"]) == {"inventory:gfei_v2_china"}
    for sector in ("coal", "oil", "gas"):
        ours = default[(default["unit"] == "CHN") & (default["sector"] == sector)]
        theirs = china[china["sector"] == sector]
        assert theirs["emission_t"].sum() == pytest.approx(ours["emission_t"].sum())
    # Other countries keep their infrastructure pattern cell for cell.
    usa = gfei[gfei["unit"] == "USA"].sort_values(["sector", "row", "col"])
    usa_default = default[default["unit"] == "USA"].sort_values(
        ["sector", "row", "col"]
    )
    assert usa["emission_t"].to_numpy() == pytest.approx(
        usa_default["emission_t"].to_numpy()
    )


def test_shanxi_holds_gfei_share_of_china(patterns):
    # GFEI v2 China: Shanxi box 8.0 of 22.2 Tg a-1 (data catalogue 1a).
    _, gfei = patterns
    assert shanxi_share(gfei) == pytest.approx(8.0 / 22.2, abs=0.02)


def test_default_pattern_places_each_sub_sector_on_its_own_proxies(patterns):
    default, _ = patterns
    usa = default[default["unit"] == "USA"]
    assert set(usa["subsector"]) == {"coal", "oil", "gas_production", "gas_transport"}
    assert set(usa["method"]) == {"infrastructure"}
    # Large producers never fall back to spreading a sector over their land.
    big = ["USA", "RUS", "CHN", "IRN", "CAN", "SAU", "IND", "AUS"]
    fallback = default[
        default["unit"].isin(big) & (default["method"] != "infrastructure")
    ]
    pairs = zip(fallback["unit"], fallback["subsector"], strict=True)
    assert fallback.empty, sorted(set(pairs))
